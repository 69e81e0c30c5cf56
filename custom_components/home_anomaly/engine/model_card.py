"""The model card: the contract between the trainer that writes a model and the integration that runs it.

It travels beside ``model.onnx`` as ``model_card.json``. The integration refuses a card of
another schema version, a model file whose sha256 differs, or a feature list that is not the
one this engine computes — any of those would mean silently wrong answers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .features import (
    BASELINE_DAYS,
    DEFAULT_CENTRE,
    DEFAULT_SCALE,
    FEATURE_CLIP,
    FEATURE_NAMES,
    LEVEL_CENTRE,
    LEVEL_SCALE,
    MIN_BASELINE_HOURS,
    MIN_SAMPLES_PER_HOUR_OF_DAY,
    MIN_SCALE,
)
from .schema import ANOMALY_CLASS_NAMES, SENSOR_COLUMNS

SCHEMA_VERSION: Final = 1
CARD_FILE: Final = "model_card.json"
MODEL_FILE: Final = "model.onnx"


class ModelCardError(Exception):
    """The card is missing, malformed, or does not match this engine or its model file."""


def normalisation_contract() -> dict[str, Any]:
    """Every constant of the feature computation: a card must carry exactly these."""
    return {
        "baseline_days": BASELINE_DAYS,
        "min_baseline_hours": MIN_BASELINE_HOURS,
        "min_samples_per_hour_of_day": MIN_SAMPLES_PER_HOUR_OF_DAY,
        "default_centre": list(DEFAULT_CENTRE),
        "default_scale": list(DEFAULT_SCALE),
        "min_scale": list(MIN_SCALE),
        "clip": FEATURE_CLIP,
        "level_centre": list(LEVEL_CENTRE),
        "level_scale": list(LEVEL_SCALE),
    }


def class_table() -> list[dict[str, Any]]:
    return [{"code": code, "name": name, "priority": code} for code, name in ANOMALY_CLASS_NAMES.items()]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelCard:
    raw: dict[str, Any]

    @property
    def window_size(self) -> int:
        return int(self.raw["input"]["window_size"])

    @property
    def thresholds(self) -> dict[int, float]:
        return {int(code): float(value) for code, value in self.raw["thresholds"].items()}

    @property
    def architecture(self) -> str:
        return str(self.raw.get("architecture", "unknown"))


def read_model_card(folder: Path) -> ModelCard:
    """Read and check ``folder/model_card.json`` against this engine and ``folder/model.onnx``."""
    card_path = folder / CARD_FILE
    try:
        raw = json.loads(card_path.read_text())
    except FileNotFoundError as err:
        raise ModelCardError(f"{card_path} not found: reinstall the integration or ship a model") from err
    except json.JSONDecodeError as err:
        raise ModelCardError(f"{card_path} is not valid JSON ({err.msg}): reinstall the integration") from err
    if not isinstance(raw, dict):
        raise ModelCardError(f"{card_path} must hold a JSON object")
    version = raw.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ModelCardError(
            f"{card_path} has schema version {version!r}, this integration reads {SCHEMA_VERSION}: "
            "install the model that came with this version of the integration"
        )
    try:
        features = raw["input"]["features"]
        model_name = raw["model_file"]
        expected_sha = raw["sha256"]
        raw["thresholds"]
        raw["input"]["window_size"]
    except (KeyError, TypeError) as err:
        raise ModelCardError(f"{card_path} lacks the field {err}: reinstall the integration") from err
    if not isinstance(model_name, str) or Path(model_name).name != model_name or model_name in ("", ".", ".."):
        # The card names a file beside it, never a path: a card cannot make the integration read elsewhere.
        raise ModelCardError(f"{card_path}: model_file {model_name!r} is not a file name in {folder}")
    model_file = folder / model_name
    if tuple(features) != FEATURE_NAMES or tuple(raw.get("sensors", ())) != SENSOR_COLUMNS:
        raise ModelCardError(f"{card_path} was trained on other features than this engine computes")
    if raw.get("normalisation") != normalisation_contract():
        raise ModelCardError(f"{card_path} expects another normalisation than this engine applies")
    if not model_file.is_file():
        raise ModelCardError(f"{model_file} not found: reinstall the integration")
    actual_sha = sha256_of(model_file)
    if actual_sha != expected_sha:
        raise ModelCardError(
            f"{model_file} does not match its model card (sha256 {actual_sha[:12]}…, card says "
            f"{str(expected_sha)[:12]}…): the file was changed or damaged; reinstall the integration"
        )
    return ModelCard(raw)
