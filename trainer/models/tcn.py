"""Temporal convolutional network: channels [64, 64, 64], kernel 3, causal dilated residual blocks."""

from __future__ import annotations

import torch
from torch import nn

from .cnn import CausalConv


class ResidualBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, dilation: int, kernel_size: int = 3) -> None:
        super().__init__()
        self.conv1 = CausalConv(in_channels, out_channels, kernel_size, dilation)
        self.conv2 = CausalConv(out_channels, out_channels, kernel_size, dilation)
        self.relu = nn.ReLU()
        self.skip = nn.Conv1d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.relu(self.conv1(x))
        hidden = self.relu(self.conv2(hidden))
        return self.relu(hidden + self.skip(x))


class TCN(nn.Module):
    def __init__(self, n_features: int, n_classes: int, channels: tuple[int, ...] = (64, 64, 64)) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        in_channels = n_features
        for level, out_channels in enumerate(channels):
            blocks.append(ResidualBlock(in_channels, out_channels, dilation=2**level))
            in_channels = out_channels
        self.body = nn.Sequential(*blocks)
        self.head = nn.Linear(in_channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x.transpose(1, 2))[:, :, -1])
