"""Single-window inference per model and runtime, and the shipped model against onnx.reference.

Runs in ``.venv-train`` (torch, onnx): ``.venv-train/bin/python -m benchmarks.inference --runs DIR``.
Writes ``benchmarks/results/inference.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx.reference import ReferenceEvaluator

from simulator.engine_access import ensure_engine_importable

ensure_engine_importable()

from custom_components.home_anomaly.engine.runtime import ModelError, load_model  # noqa: E402
from trainer.models import MODEL_NAMES, build_model  # noqa: E402
from trainer.train import load_checkpoint  # noqa: E402

from .report import RESULTS_DIR  # noqa: E402
from .timing import repeat_ms  # noqa: E402

SHIPPED = Path(__file__).resolve().parent.parent / "custom_components" / "home_anomaly" / "models" / "model.onnx"


def _window() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(1, 32, 15)).astype(np.float32)


def per_model(runs: Path, repeats: int) -> list[dict[str, Any]]:
    torch.set_num_threads(1)
    window = _window()
    rows = []
    for name in MODEL_NAMES:
        folder = runs / name
        if not (folder / "model.int8.onnx").is_file():
            continue
        model = load_checkpoint(build_model(name, 15, 32), folder / "best.pt").eval()
        tensor = torch.from_numpy(window)
        with torch.no_grad():
            row: dict[str, Any] = {"model": name, "torch_fp32": repeat_ms(lambda m=model, t=tensor: m(t), repeats)}
        for key, file, runtime in (
            ("ort_fp32", "model.onnx", "onnxruntime"),
            ("ort_int8", "model.int8.onnx", "onnxruntime"),
            ("numpy_int8", "model.int8.onnx", "numpy"),
            ("numpy_fp32", "model.onnx", "numpy"),
        ):
            try:
                runner = load_model(folder / file, runtime=runtime)
            except ModelError as err:
                row[key] = {"unsupported": str(err).split(": ")[-1][:80]}
                continue
            row[key] = repeat_ms(lambda r=runner: r.predict_proba(window), repeats)
        row["size_fp32_bytes"] = (folder / "model.onnx").stat().st_size
        row["size_int8_bytes"] = (folder / "model.int8.onnx").stat().st_size
        row["int8_to_fp32_size"] = round(row["size_int8_bytes"] / row["size_fp32_bytes"], 3)
        rows.append(row)
    return rows


def shipped(repeats: int) -> dict[str, Any]:
    """The shipped model: onnxruntime, the numpy engine, and onnx.reference on the same graph."""
    window = _window()
    graph = onnx.load(str(SHIPPED))
    for opset in graph.opset_import:
        if opset.domain in ("", "ai.onnx"):
            opset.version = max(opset.version, 21)  # onnx.reference implements DequantizeLinear from 19
    reference = ReferenceEvaluator(graph)
    onnxruntime, numpy_engine = load_model(SHIPPED, "onnxruntime"), load_model(SHIPPED, "numpy")
    results = {
        "onnxruntime": repeat_ms(lambda: onnxruntime.predict_proba(window), repeats),
        "numpy_engine": repeat_ms(lambda: numpy_engine.predict_proba(window), repeats),
        "onnx_reference": repeat_ms(lambda: reference.run(None, {"features": window}), max(repeats // 10, 50)),
        "bytes": SHIPPED.stat().st_size,
    }
    results["numpy_speedup_vs_reference"] = round(
        results["onnx_reference"]["p50_ms"] / results["numpy_engine"]["p50_ms"], 2
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=Path, default=Path("outputs/train"))
    parser.add_argument("--repeats", type=int, default=1000)
    args = parser.parse_args()
    result = {"per_model": per_model(args.runs, args.repeats), "shipped": shipped(args.repeats)}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "inference.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["shipped"], indent=2))


if __name__ == "__main__":
    main()
