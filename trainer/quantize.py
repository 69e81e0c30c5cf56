"""int8 quantization, per architecture, with what works for it (measured, see issue B's note).

* Convolutional models (CNN, CNN_DILATION, TCN): static QDQ — QuantizeLinear/DequantizeLinear
  around standard ops, calibrated on windows that cover every class. Standard ops only, so
  the integration's numpy engine can run the shipped model exactly.
* Recurrent and attention models (LSTM, TRANSFORMER): dynamic int8 weights. Static
  calibration of an LSTM's gates is fragile; dynamic keeps accuracy (it emits onnxruntime
  contrib ops, so these are never the shipped model).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_dynamic,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from custom_components.home_anomaly.engine.runtime import INPUT_NAME

STATIC_MODELS = frozenset({"CNN", "CNN_DILATION", "TCN"})
CALIBRATION_PER_CLASS = 200


class WindowReader(CalibrationDataReader):
    """Feeds calibration windows one small batch at a time."""

    def __init__(self, windows: np.ndarray, batch: int = 32) -> None:
        self._batches = iter([windows[i : i + batch] for i in range(0, len(windows), batch)])

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._batches, None)
        return None if batch is None else {INPUT_NAME: np.ascontiguousarray(batch)}


def calibration_windows(windows: np.ndarray, labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """Up to ``CALIBRATION_PER_CLASS`` windows of each class: rare classes must set the ranges too."""
    rng = np.random.default_rng(seed)
    chosen = [
        rng.choice(
            np.flatnonzero(labels == cls), size=min(CALIBRATION_PER_CLASS, int(np.sum(labels == cls))), replace=False
        )
        for cls in np.unique(labels)
    ]
    return windows[np.sort(np.concatenate(chosen))]


def quantization_method(model_name: str) -> str:
    return "static QDQ" if model_name in STATIC_MODELS else "dynamic"


def quantize(model_name: str, fp32_path: Path, int8_path: Path, calibration: np.ndarray) -> Path:
    logging.getLogger("onnxruntime").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as scratch:
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        if model_name in STATIC_MODELS:
            # Probabilities stay float: an int8 softmax output would move them in 1/127 steps.
            softmax = [n.name for n in onnx.load(str(prepared)).graph.node if n.op_type == "Softmax"]
            quantize_static(
                str(prepared),
                str(int8_path),
                WindowReader(calibration),
                quant_format=QuantFormat.QDQ,
                activation_type=QuantType.QInt8,
                weight_type=QuantType.QInt8,
                per_channel=True,
                calibrate_method=CalibrationMethod.MinMax,
                nodes_to_exclude=softmax,
                extra_options={"ActivationSymmetric": True, "WeightSymmetric": True},
            )
        else:
            quantize_dynamic(str(prepared), str(int8_path), weight_type=QuantType.QInt8)
    return int8_path
