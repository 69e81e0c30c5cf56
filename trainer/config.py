"""Training configuration: defaults ← JSON config file (``--config``) ← command-line flags."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from .losses import LOSS_TYPES
from .models import canonical_name


class ConfigError(ValueError):
    """A bad setting; the message names it, its value and what is allowed."""


@dataclass(frozen=True)
class TrainConfig:
    data_dir: Path = Path("data")
    out_dir: Path = Path("outputs/train")
    model_type: str = "LSTM"  # a registry name, an alias, or ALL
    epochs: int = 10
    batch_size: int = 64
    lr: float = 0.001
    patience: int = 5
    window_size: int = 32
    loss_type: str = "weighted_ce"
    balanced_loader: bool = False
    log: bool = True
    build_data: bool = False
    seed: int = 123
    # Windows drawn per epoch: all 345k training windows per epoch would cost minutes on 2 cores
    # and mostly repeat normal hours; a fresh random draw each epoch sees them all over time.
    samples_per_epoch: int = 60_000
    # Training households held out for early stopping, so validation metrics stay honest.
    early_stop_users: int = 10
    threads: int = 2

    def model_names(self) -> list[str]:
        from .models import MODEL_NAMES

        return list(MODEL_NAMES) if self.model_type.upper() == "ALL" else [canonical_name(self.model_type)]

    def to_json(self) -> dict[str, Any]:
        return {key: str(value) if isinstance(value, Path) else value for key, value in asdict(self).items()}


_FIELD_TYPES = {f.name: f.type for f in fields(TrainConfig)}


def _coerce(name: str, value: Any) -> Any:
    kind = _FIELD_TYPES[name]
    try:
        if kind == "Path":
            return Path(value)
        if kind == "bool":
            if not isinstance(value, bool):
                raise TypeError
            return value
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise TypeError
            return int(value)
        if kind == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{name}: {value!r} is not a valid {kind}") from err


def load_config(config_file: Path | None, overrides: dict[str, Any]) -> TrainConfig:
    """Defaults, then the JSON file's values, then explicit flags (``None`` = not given)."""
    config = TrainConfig()
    if config_file is not None:
        try:
            values = json.loads(config_file.read_text())
        except FileNotFoundError as err:
            raise ConfigError(f"--config {config_file}: no such file") from err
        except json.JSONDecodeError as err:
            raise ConfigError(f"--config {config_file}: not valid JSON ({err.msg} at line {err.lineno})") from err
        if not isinstance(values, dict):
            raise ConfigError(f"--config {config_file}: expected a JSON object of settings")
        unknown = sorted(set(values) - set(_FIELD_TYPES))
        if unknown:
            raise ConfigError(f"--config {config_file}: unknown setting(s) {', '.join(unknown)}")
        config = replace(config, **{k: _coerce(k, v) for k, v in values.items()})
    given = {k: _coerce(k, v) for k, v in overrides.items() if v is not None}
    config = replace(config, **given)
    validate(config)
    return config


def validate(config: TrainConfig) -> None:
    positive = ("epochs", "batch_size", "window_size", "samples_per_epoch", "threads")
    for name in positive:
        if getattr(config, name) < 1:
            raise ConfigError(f"--{name} must be at least 1, got {getattr(config, name)}")
    if config.patience < 0 or config.early_stop_users < 1:
        raise ConfigError(
            f"--patience must be ≥ 0 and early_stop_users ≥ 1, got {config.patience} and {config.early_stop_users}"
        )
    if not 0.0 < config.lr < 1.0:
        raise ConfigError(f"--lr must be between 0 and 1, got {config.lr}")
    if config.loss_type not in LOSS_TYPES:
        raise ConfigError(f"unknown --loss_type {config.loss_type!r}: choose one of {', '.join(LOSS_TYPES)}")
    config.model_names()  # raises for unknown names
