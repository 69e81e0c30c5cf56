"""Transformer encoder: d_model 64, 4 heads, 2 layers, feed-forward 128; reads the last position."""

from __future__ import annotations

import torch
from torch import nn


class TransformerClassifier(nn.Module):
    def __init__(
        self,
        n_features: int,
        n_classes: int,
        window_size: int,
        d_model: int = 64,
        heads: int = 4,
        layers: int = 2,
        feed_forward: int = 128,
    ) -> None:
        super().__init__()
        self.embed = nn.Linear(n_features, d_model)
        self.position = nn.Parameter(torch.zeros(1, window_size, d_model))
        layer = nn.TransformerEncoderLayer(d_model, heads, feed_forward, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(self.embed(x) + self.position[:, : x.shape[1], :])
        return self.head(hidden[:, -1, :])
