"""Model registry: one file per architecture, selected by name (``--model_type``)."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from .cnn import CNN, DilatedCNN
from .lstm import LSTMClassifier
from .tcn import TCN
from .transformer import TransformerClassifier

N_CLASSES = 6

# name → constructor(n_features, window_size). Aliases map to a canonical name.
MODEL_REGISTRY: dict[str, Callable[[int, int], nn.Module]] = {
    "LSTM": lambda n_features, window: LSTMClassifier(n_features, N_CLASSES),
    "CNN": lambda n_features, window: CNN(n_features, N_CLASSES),
    "CNN_DILATION": lambda n_features, window: DilatedCNN(n_features, N_CLASSES),
    "TCN": lambda n_features, window: TCN(n_features, N_CLASSES),
    "TRANSFORMER": lambda n_features, window: TransformerClassifier(n_features, N_CLASSES, window),
}
ALIASES: dict[str, str] = {"DILATEDCNN": "CNN_DILATION", "DILATED_CNN": "CNN_DILATION"}
MODEL_NAMES: tuple[str, ...] = tuple(MODEL_REGISTRY)


class UnknownModelError(ValueError):
    pass


def canonical_name(name: str) -> str:
    key = name.strip().upper()
    key = ALIASES.get(key, key)
    if key not in MODEL_REGISTRY:
        raise UnknownModelError(
            f"unknown model {name!r}: choose one of {', '.join(MODEL_NAMES)} (alias DilatedCNN), or ALL"
        )
    return key


def build_model(name: str, n_features: int, window_size: int) -> nn.Module:
    """A fresh, untrained model: input (batch, window, features) → logits (batch, 6)."""
    return MODEL_REGISTRY[canonical_name(name)](n_features, window_size)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
