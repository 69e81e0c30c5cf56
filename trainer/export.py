"""ONNX export: one self-contained file per model, batch size free, probabilities out.

Known traps with the torch.export-based exporter, handled here and checked on every export:
the batch dimension must be declared dynamic or it freezes to the example's size, and weights
must be embedded or they land in a separate ``.onnx.data`` file.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from custom_components.home_anomaly.engine.runtime import INPUT_NAME, OUTPUT_NAME, load_model

OPSET = 18
PARITY_TOLERANCE = 1e-4


class WithProbabilities(nn.Module):
    """The exported graph ends in softmax: the engine's ``predict_proba`` needs no extra step."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(features), dim=1)


class ExportError(RuntimeError):
    pass


def export_onnx(model: nn.Module, window_size: int, n_features: int, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)  # "torchvision is not installed" noise
    wrapped = WithProbabilities(model).eval()
    example = torch.randn(2, window_size, n_features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapped,
            (example,),
            str(path),
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_shapes={"features": {0: torch.export.Dim("batch", min=1, max=1_000_000)}},
            opset_version=OPSET,
            dynamo=True,
            external_data=False,
            optimize=True,
            verbose=False,
        )
    data_file = path.with_name(path.name + ".data")
    if data_file.exists():
        raise ExportError(f"{path}: weights were written to {data_file.name}; the model must be one file")
    model_proto = onnx.load(str(path))
    strip_debug_info(model_proto)
    onnx.checker.check_model(model_proto)
    onnx.save(model_proto, str(path))
    return path


def strip_debug_info(model_proto: onnx.ModelProto) -> None:
    """Drop per-node stack traces and names of torch modules: a third of a small model's bytes."""
    for node in model_proto.graph.node:
        del node.metadata_props[:]
        node.doc_string = ""
    del model_proto.graph.value_info[:]
    model_proto.graph.doc_string = ""


def check_parity(model: nn.Module, onnx_path: Path, windows: np.ndarray) -> float:
    """Max |Δ probability| between torch and onnxruntime, at batch sizes 1, 7 and len(windows)."""
    wrapped = WithProbabilities(model).eval()
    runtime = load_model(onnx_path, runtime="onnxruntime")
    worst = 0.0
    for batch in (1, 7, len(windows)):
        sample = np.ascontiguousarray(windows[:batch])
        with torch.no_grad():
            expected = wrapped(torch.from_numpy(sample)).numpy()
        got = runtime.predict_proba(sample)
        if got.shape != expected.shape:
            raise ExportError(f"{onnx_path}: batch {batch} gave shape {got.shape}, expected {expected.shape}")
        worst = max(worst, float(np.abs(got - expected).max()))
    if worst > PARITY_TOLERANCE:
        raise ExportError(f"{onnx_path}: ONNX and torch differ by {worst:.2e} (> {PARITY_TOLERANCE:.0e})")
    return worst
