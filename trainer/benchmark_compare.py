"""``python -m trainer benchmark``: torch fp32 vs ONNX fp32 vs ONNX int8 for every trained model.

Size on disk, single-window latency (batch 1, one thread, p50/p90 over repeated runs after a
warm-up) and validation macro-F1. Writes ``benchmarks/results/model_compare.{json,md,png}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import torch

from benchmarks.report import RESULTS_DIR, write_results
from benchmarks.timing import repeat_ms
from custom_components.home_anomaly.engine.runtime import load_model

from .data import load_households, stack_windows
from .metrics import macro_f1_excluding_normal
from .models import MODEL_NAMES, build_model
from .train import load_checkpoint, predict_logits

WARMUP = 20
REPEATS = 300


def _latency_ms(run: Any, window: np.ndarray) -> tuple[float, float]:
    timing = repeat_ms(lambda: run(window), REPEATS, WARMUP)
    return timing["p50_ms"], timing["p90_ms"]


def benchmark_models(runs_dir: Path, data_dir: Path) -> list[dict[str, Any]]:
    torch.set_num_threads(1)
    validation = load_households(data_dir / "val")
    rows = []
    for name in MODEL_NAMES:
        folder = runs_dir / name
        if not (folder / "report.json").is_file():
            continue
        report = json.loads((folder / "report.json").read_text())
        window_size = load_model(folder / "model.onnx", "onnxruntime").window_size
        windows, labels = stack_windows(validation, window_size)
        one = np.ascontiguousarray(windows[:1])
        model = load_checkpoint(build_model(name, windows.shape[2], window_size), folder / "best.pt").eval()
        torch_f1 = macro_f1_excluding_normal(labels, predict_logits(model, windows).argmax(axis=1))
        with torch.no_grad():
            p50, p90 = _latency_ms(lambda window, net=model: net(torch.from_numpy(window)), one)
        rows.append(_row(name, "torch fp32", (folder / "best.pt").stat().st_size, p50, p90, torch_f1))
        for variant, file in (("onnx fp32", "model.onnx"), ("onnx int8", "model.int8.onnx")):
            runtime = load_model(folder / file, runtime="onnxruntime")
            p50, p90 = _latency_ms(runtime.predict_proba, one)
            f1 = report["fp32" if variant == "onnx fp32" else "int8"]["model_only"]["macro_f1_excl_normal"]
            rows.append(_row(name, variant, (folder / file).stat().st_size, p50, p90, f1))
    return rows


def _row(name: str, variant: str, size: int, p50: float, p90: float, f1: float) -> dict[str, Any]:
    return {
        "model": name,
        "variant": variant,
        "size_kb": round(size / 1024, 1),
        "latency_p50_ms": round(p50, 3),
        "latency_p90_ms": round(p90, 3),
        "macro_f1": round(f1, 4),
    }


def plot(rows: list[dict[str, Any]], path: Path) -> Path:
    variants = ["torch fp32", "onnx fp32", "onnx int8"]
    models = list(dict.fromkeys(r["model"] for r in rows))
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.5), constrained_layout=True)
    width = 0.27
    for axis, key, label in zip(
        axes,
        ("size_kb", "latency_p50_ms", "macro_f1"),
        ("size (KB)", "latency p50 (ms, batch 1, 1 thread)", "validation macro-F1"),
        strict=True,
    ):
        for offset, variant in enumerate(variants):
            values = [next((r[key] for r in rows if r["model"] == m and r["variant"] == variant), 0) for m in models]
            axis.bar(np.arange(len(models)) + (offset - 1) * width, values, width, label=variant)
        axis.set_xticks(range(len(models)), models, rotation=20)
        axis.set_ylabel(label)
        axis.grid(True, axis="y", alpha=0.4)
    axes[2].set_ylim(0.5, 1.0)
    axes[0].legend()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def run_benchmark(runs_dir: Path, data_dir: Path) -> Path:
    rows = benchmark_models(runs_dir, data_dir)
    _, md_path = write_results(
        "model_compare",
        "Models: torch fp32 vs ONNX fp32 vs ONNX int8",
        rows,
        notes=f"Latency: batch 1, one thread, p50/p90 of {REPEATS} runs after {WARMUP} warm-up runs. "
        "Macro-F1 of the model alone (no instant rules) on the 20 validation households, normal excluded."
        "\n\n![model comparison](model_compare.png)",
    )
    plot(rows, RESULTS_DIR / "model_compare.png")
    return md_path
