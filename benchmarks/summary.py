"""Collect every benchmark's JSON into ``benchmarks/results/latest.json``, ``benchmarks/RESULTS.md``
and ``benchmarks/results/inference.png``, each target checked against its measurement.

Run last in ``make bench``: ``.venv/bin/python -m benchmarks.summary``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from .report import RESULTS_DIR, machine

RESULTS_MD = Path(__file__).resolve().parent / "RESULTS.md"
RUNTIMES = ("torch_fp32", "ort_fp32", "ort_int8", "numpy_int8")


def _load(name: str) -> Any:
    path = RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _row(area: str, measure: str, value: Any, target: str, passed: bool | None) -> dict[str, Any]:
    return {"area": area, "measure": measure, "value": value, "target": target,
            "meets_target": passed}  # fmt: skip


def targets() -> list[dict[str, Any]]:
    rows = []
    simulator = _load("simulator_build")
    if simulator:
        seconds = simulator["results"][0]["median_s"]
        rows.append(
            _row("simulator", "full V2 build (100 homes × 180 days), median s", seconds, "≤ 30 s", seconds <= 30)
        )
    training = _load("training")
    if training:
        for model in training["models"]:
            default = model["default_model"]
            target = "≤ 600 s (default model)" if default else "—"
            met = model["train_s"] <= 600 if default else None
            measure = f"{model['model']} training wall time, s (2 threads)"
            rows.append(_row("trainer", measure, model["train_s"], target, met))
    inference = _load("inference")
    if inference:
        shipped = inference["shipped"]
        ort_us = round(shipped["onnxruntime"]["p50_ms"] * 1000, 1)
        rows += [
            _row("inference", "shipped model, onnxruntime p50, µs", ort_us, "≤ 40 µs", ort_us <= 40),
            _row("inference", "shipped model, numpy engine p50, ms", shipped["numpy_engine"]["p50_ms"], "≤ 0.5 ms",
                 shipped["numpy_engine"]["p50_ms"] <= 0.5),
            _row("inference", "numpy engine speed-up over onnx.reference (same graph, same run)",
                 shipped["numpy_speedup_vs_reference"], "≥ 2×", shipped["numpy_speedup_vs_reference"] >= 2),
            _row("size", "shipped model, bytes", shipped["bytes"], "≤ 65,536", shipped["bytes"] <= 65536),
        ]  # fmt: skip
        for model in inference["per_model"]:
            rows.append(_row("size", f"{model['model']} int8 / fp32 size", model["int8_to_fp32_size"], "—", None))
    fleet = _load("fleet")
    if fleet:
        rate = fleet["fleet"]["one_core_homes_per_s_p50"]
        rows += [
            _row("batch scoring", "10,000 homes, one window each, onnxruntime one core, homes/s", rate, "≥ 10,000",
                 rate >= 10_000),
            _row("batch scoring", f"same, {fleet['fleet']['workers']} worker processes, homes/s",
                 fleet["fleet"]["parallel_homes_per_s_p50"], "—", None),
            _row("ingestion", "state changes/s into aggregator + SQLite (1 M readings)",
                 fleet["ingestion"]["readings_per_s"], "≥ 20,000", fleet["ingestion"]["readings_per_s"] >= 20_000),
            _row("ingestion", "SQLite bytes per home-year", fleet["ingestion"]["bytes_per_home_year"], "—", None),
        ]  # fmt: skip
    home_assistant = _load("home_assistant")
    if home_assistant:
        for run in home_assistant["runs"]:
            runtime = run["runtime"]
            rows += [
                _row("Home Assistant", f"setup time, s ({runtime})", run["setup_s"], "≤ 1 s", run["setup_s"] <= 1),
                _row("Home Assistant", f"event-loop stall caused at 1,000 changes/s, median of 3 pairs, ms ({runtime})",
                     run["stall_caused_ms"], "≤ 10 ms", run["stall_caused_ms"] <= 10),
                _row("Home Assistant", f"same, worst pair, ms ({runtime})", run["worst_pair_ms"], "—", None),
                _row("Home Assistant", f"worst wake-up incl. garbage collection, busy / quiet, ms ({runtime})",
                     f"{run['with_integration_lag_ms']['max_including_gc']} / "
                     f"{run['baseline_lag_ms']['max_including_gc']}", "—", None),
                _row("Home Assistant", f"resident memory added, MB ({runtime})", run["rss_added_mb"],
                     "≤ 15 MB" if runtime == "numpy" else "—",
                     run["rss_added_mb"] <= 15 if runtime == "numpy" else None),
            ]  # fmt: skip
    rows.append(_row("GPU", "training time on a lent GPU", "not measured", "—", None))
    return rows


def plot_inference(inference: Any, path: Path) -> Path:
    models = [m["model"] for m in inference["per_model"]]
    figure, ax = plt.subplots(figsize=(10, 4.5), constrained_layout=True)
    width = 0.2
    for offset, runtime in enumerate(RUNTIMES):
        values = [m.get(runtime, {}).get("p50_ms", np.nan) * 1000 for m in inference["per_model"]]
        ax.bar(np.arange(len(models)) + (offset - 1.5) * width, values, width, label=runtime.replace("_", " "))
    ax.set_yscale("log")
    ax.set_ylabel("single-window latency p50 (µs, log)")
    ax.set_xticks(range(len(models)), models)
    ax.grid(True, axis="y", alpha=0.4)
    ax.legend()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def main() -> None:
    rows = targets()
    latest = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "targets": rows,
        "details": {
            name: _load(name) for name in ("simulator_build", "training", "inference", "fleet", "home_assistant")
        },
    }
    (RESULTS_DIR / "latest.json").write_text(json.dumps(latest, indent=2) + "\n")
    lines = [
        "# Benchmark results",
        "",
        f"Measured {latest['measured_at']} on {machine()['cpus']} CPUs ({machine()['platform']}) by `make bench`.",
        "p50/p90 over many repetitions; ratios compare two things measured in the same run.",
        "",
        "| area | measure | value | target | meets |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        verdict = {True: "yes", False: "**no**", None: ""}[row["meets_target"]]
        lines.append(f"| {row['area']} | {row['measure']} | {row['value']} | {row['target']} | {verdict} |")
    inference = _load("inference")
    if inference:
        lines += ["", "## Single-window latency per model (p50 / p90, ms, one thread)", "",
                  "| model | " + " | ".join(RUNTIMES) + " |", "| --- |" + " --- |" * len(RUNTIMES)]  # fmt: skip
        for model in inference["per_model"]:
            cells = []
            for runtime in RUNTIMES:
                timing = model.get(runtime, {})
                cells.append(f"{timing['p50_ms']} / {timing['p90_ms']}" if "p50_ms" in timing else "n/a (contrib op)")
            lines.append(f"| {model['model']} | " + " | ".join(cells) + " |")
        plot_inference(inference, RESULTS_DIR / "inference.png")
        lines += ["", "![inference latency](results/inference.png)"]
    RESULTS_MD.write_text("\n".join(lines) + "\n")
    print(RESULTS_MD.read_text())


if __name__ == "__main__":
    main()
