"""Model runtimes: the same ``model.onnx`` run by onnxruntime or by the built-in numpy engine.

API (used by the integration, the trainer's ``evaluate`` and the benchmarks)::

    model = load_model(path, runtime="onnxruntime")   # or "numpy", or "auto"
    probabilities = model.predict_proba(windows)       # (batch, window, features) float32 → (batch, 6)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np

from .arrays import Float32Array
from .numpy_runtime import NumpyModel
from .onnx_reader import OnnxFormatError, parse_model

RUNTIMES: Final = ("auto", "onnxruntime", "numpy")
INPUT_NAME: Final = "features"
OUTPUT_NAME: Final = "probabilities"
MAX_BATCH: Final = 4096


class ModelError(Exception):
    """The model cannot be loaded or run; the message says why and what to do."""


class AnomalyModel(Protocol):
    runtime: str
    window_size: int
    n_features: int

    def predict_proba(self, windows: Float32Array) -> Float32Array: ...


@dataclass
class OnnxRuntimeModel:
    """onnxruntime on one thread: predictable on a small home server, fast enough for hourly scoring."""

    session: Any
    window_size: int
    n_features: int
    runtime: str = "onnxruntime"

    def predict_proba(self, windows: Float32Array) -> Float32Array:
        _check_input(windows, self.window_size, self.n_features)
        parts = [
            self.session.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(windows[i : i + MAX_BATCH])})[0]
            for i in range(0, windows.shape[0], MAX_BATCH)
        ]
        if not parts:
            return np.zeros((0, 6), dtype=np.float32)
        probabilities: Float32Array = np.concatenate(parts).astype(np.float32, copy=False)
        return probabilities


def _check_input(windows: Float32Array, window_size: int, n_features: int) -> None:
    if windows.ndim != 3 or windows.shape[1:] != (window_size, n_features):
        raise ModelError(
            f"model input must be (batch, {window_size}, {n_features}) float32, got {tuple(windows.shape)}"
        )


def load_model(path: Path | str, runtime: str = "auto") -> AnomalyModel:
    """Load ``path`` with the requested runtime.

    "auto" prefers onnxruntime when it is importable and falls back to the numpy engine.
    """
    if runtime not in RUNTIMES:
        raise ModelError(f"unknown runtime {runtime!r}: choose one of {', '.join(RUNTIMES)}")
    model_path = Path(path)
    if not model_path.is_file():
        raise ModelError(f"model file {model_path} not found: ship a model with python -m trainer ship")
    if runtime in ("auto", "onnxruntime"):
        try:
            import onnxruntime  # optional: no wheels for HA OS (musl)
        except ImportError as err:
            if runtime == "onnxruntime":
                raise ModelError("onnxruntime is not installed: install it or use runtime='numpy'") from err
        else:
            return _load_onnxruntime(onnxruntime, model_path)
    return _load_numpy(model_path)


def _load_numpy(model_path: Path) -> AnomalyModel:
    try:
        data = model_path.read_bytes()
        return NumpyModel.from_model(parse_model(data))
    except OnnxFormatError as err:
        raise ModelError(f"model file {model_path} cannot be run by the numpy engine: {err}") from err
    except OSError as err:
        raise ModelError(f"model file {model_path} cannot be read ({err.strerror or err})") from err


def _load_onnxruntime(onnxruntime: Any, model_path: Path) -> OnnxRuntimeModel:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own exception types for bad files
        raise ModelError(f"model file {model_path} is not a valid ONNX model ({err})") from err
    inputs = session.get_inputs()
    if len(inputs) != 1 or inputs[0].name != INPUT_NAME or len(inputs[0].shape) != 3:
        raise ModelError(f"model file {model_path} does not take one input '{INPUT_NAME}' (batch, window, features)")
    _, window_size, n_features = inputs[0].shape
    if not isinstance(window_size, int) or not isinstance(n_features, int):
        raise ModelError(f"model file {model_path} has no fixed window and feature size")
    return OnnxRuntimeModel(session=session, window_size=window_size, n_features=n_features)
