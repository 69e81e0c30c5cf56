"""Convolutional classifiers: 3 causal conv layers × 64 channels.

``CNN`` uses dilation 1 everywhere; ``DilatedCNN`` (``CNN_DILATION``) dilations 1-2-4 (SPEC §5),
so its last output sees 15 hours back. Both read out the last time step (the hour being
classified) next to the window mean (the context), because the label belongs to the last hour.
"""

from __future__ import annotations

import torch
from torch import nn


class CausalConv(nn.Module):
    """Conv1d padded on the left only, so output t sees inputs ≤ t."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.left_pad = (kernel_size - 1) * dilation
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(nn.functional.pad(x, (self.left_pad, 0)))


class _ConvStack(nn.Module):
    def __init__(self, n_features: int, n_classes: int, dilations: tuple[int, ...], channels: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_channels = n_features
        for dilation in dilations:
            layers += [CausalConv(in_channels, channels, 3, dilation), nn.ReLU()]
            in_channels = channels
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(2 * channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.body(x.transpose(1, 2))  # (batch, channels, time)
        summary = torch.cat([hidden[:, :, -1], hidden.mean(dim=2)], dim=1)
        return self.head(summary)


class CNN(_ConvStack):
    def __init__(self, n_features: int, n_classes: int) -> None:
        super().__init__(n_features, n_classes, dilations=(1, 1, 1))


class DilatedCNN(_ConvStack):
    def __init__(self, n_features: int, n_classes: int) -> None:
        super().__init__(n_features, n_classes, dilations=(1, 2, 4))
