"""The numpy engine and its ONNX reader, on the model the integration ships."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.home_anomaly.engine.model_card import read_model_card
from custom_components.home_anomaly.engine.numpy_runtime import NumpyModel, UnsupportedOperatorError
from custom_components.home_anomaly.engine.onnx_reader import MAX_MODEL_BYTES, OnnxFormatError, parse_model
from custom_components.home_anomaly.engine.runtime import ModelError, load_model

MODELS = Path(__file__).resolve().parents[2] / "custom_components" / "home_anomaly" / "models"
SHIPPED = MODELS / "model.onnx"
SHIPPED_BYTES = SHIPPED.read_bytes()


def test_the_shipped_model_and_card_agree() -> None:
    card = read_model_card(MODELS)
    model = load_model(SHIPPED, runtime="numpy")
    assert model.runtime == "numpy"
    assert model.window_size == card.window_size == 32
    assert model.n_features == len(card.raw["input"]["features"])


def test_probabilities_for_a_batch() -> None:
    model = load_model(SHIPPED, runtime="numpy")
    windows = np.random.default_rng(0).normal(size=(9, 32, model.n_features)).astype(np.float32)
    probabilities = model.predict_proba(windows)
    assert probabilities.shape == (9, 6)
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    one_by_one = np.concatenate([model.predict_proba(windows[i : i + 1]) for i in range(9)])
    np.testing.assert_allclose(one_by_one, probabilities, atol=1e-6)


def test_a_wrong_input_shape_is_a_clear_error() -> None:
    model = load_model(SHIPPED, runtime="numpy")
    with pytest.raises(ValueError, match=r"model input must be \(batch, 32, 15\) float32, got \(1, 24, 15\)"):
        model.predict_proba(np.zeros((1, 24, 15), dtype=np.float32))


def test_unknown_runtime_and_missing_file() -> None:
    with pytest.raises(ModelError, match="unknown runtime 'tflite'"):
        load_model(SHIPPED, runtime="tflite")
    with pytest.raises(ModelError, match="not found"):
        load_model(MODELS / "nope.onnx", runtime="numpy")


def test_an_unsupported_operator_is_named() -> None:
    model = parse_model(SHIPPED_BYTES)
    model.graph.nodes[1].op_type = "NonMaxSuppression"
    with pytest.raises(UnsupportedOperatorError, match="operator NonMaxSuppression is not supported"):
        NumpyModel.from_model(model)


def test_truncated_models_fail_cleanly(tmp_path: Path) -> None:
    for cut in (0, 1, 7, 100, len(SHIPPED_BYTES) // 2, len(SHIPPED_BYTES) - 1):
        path = tmp_path / f"cut{cut}.onnx"
        path.write_bytes(SHIPPED_BYTES[:cut])
        with pytest.raises(ModelError, match="cannot be run by the numpy engine"):
            load_model(path, runtime="numpy")


def test_oversized_files_are_refused_before_parsing() -> None:
    with pytest.raises(OnnxFormatError, match="at most"):
        parse_model(b"\x08" * (MAX_MODEL_BYTES + 1))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash_or_hang(data: bytes) -> None:
    with contextlib.suppress(OnnxFormatError):
        NumpyModel.from_model(parse_model(data))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SHIPPED_BYTES) - 1), st.integers(0, 255))
def test_flipped_bytes_in_the_real_model_fail_cleanly_or_still_run(position: int, value: int) -> None:
    data = bytearray(SHIPPED_BYTES)
    data[position] = value
    try:
        model = NumpyModel.from_model(parse_model(bytes(data)))
    except OnnxFormatError:
        return
    with contextlib.suppress(OnnxFormatError, ValueError):
        model.predict_proba(np.zeros((1, model.window_size, model.n_features), dtype=np.float32))
