"""The model card refuses anything that would make the integration silently wrong."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from custom_components.home_anomaly.engine.model_card import ModelCardError, read_model_card
from custom_components.home_anomaly.engine.runtime import ModelError, load_model

MODELS = Path(__file__).resolve().parents[2] / "custom_components" / "home_anomaly" / "models"


@pytest.fixture
def models(tmp_path: Path) -> Path:
    copy = tmp_path / "models"
    shutil.copytree(MODELS, copy)
    return copy


def _edit_card(folder: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    card = json.loads((folder / "model_card.json").read_text())
    edit(card)
    (folder / "model_card.json").write_text(json.dumps(card))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda card: card["input"].__setitem__("features", card["input"]["features"][::-1]), "other features"),
        (lambda card: card["normalisation"].__setitem__("baseline_days", 14), "another normalisation"),
        (lambda card: card.pop("thresholds"), "lacks the field 'thresholds'"),
        (lambda card: card.__setitem__("model_file", "other.onnx"), "other.onnx not found"),
    ],
)
def test_mismatched_cards(models: Path, edit: Callable[[dict[str, Any]], None], message: str) -> None:
    _edit_card(models, edit)
    with pytest.raises(ModelCardError, match=message):
        read_model_card(models)


def test_missing_and_malformed_cards(models: Path) -> None:
    (models / "model_card.json").write_text("{not json")
    with pytest.raises(ModelCardError, match="not valid JSON"):
        read_model_card(models)
    (models / "model_card.json").write_text("[1]")
    with pytest.raises(ModelCardError, match="must hold a JSON object"):
        read_model_card(models)
    (models / "model_card.json").unlink()
    with pytest.raises(ModelCardError, match="not found"):
        read_model_card(models)


def test_onnxruntime_refuses_a_damaged_file_with_a_clear_error(models: Path) -> None:
    pytest.importorskip("onnxruntime")
    (models / "model.onnx").write_bytes(b"garbage" * 10)
    with pytest.raises(ModelError, match="is not a valid ONNX model"):
        load_model(models / "model.onnx", runtime="onnxruntime")
    with pytest.raises(ModelError, match="cannot be run by the numpy engine"):
        load_model(models / "model.onnx", runtime="numpy")


def test_auto_prefers_onnxruntime_and_input_shape_is_checked(models: Path) -> None:
    pytest.importorskip("onnxruntime")
    import numpy as np

    model = load_model(models / "model.onnx", runtime="auto")
    assert model.runtime == "onnxruntime"
    with pytest.raises(ModelError, match=r"model input must be \(batch, 32, 15\)"):
        model.predict_proba(np.zeros((2, 30, 15), np.float32))
    assert model.predict_proba(np.zeros((0, 32, 15), np.float32)).shape == (0, 6)


def test_a_replaced_model_is_refused_even_when_it_would_run(models: Path) -> None:
    """A swapped-in model that onnxruntime would happily run is still not the shipped one."""
    import onnxruntime  # in both environments

    original = (models / "model.onnx").read_bytes()
    replaced = original + bytes([0xA0, 0x06, 0x01])  # an unknown protobuf field 100 = 1: still a valid model
    (models / "model.onnx").write_bytes(replaced)
    onnxruntime.InferenceSession(str(models / "model.onnx"))  # it loads …
    with pytest.raises(ModelCardError, match="does not match its model card .*reinstall the integration"):
        read_model_card(models)  # … and is refused
