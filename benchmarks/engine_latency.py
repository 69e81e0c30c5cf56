"""Single-window latency of the shipped model: the built-in numpy engine vs onnxruntime.

Target (issue C): numpy engine p50 ≤ 0.5 ms on this 2-core machine.
Run: ``make bench`` or ``.venv/bin/python -m benchmarks.engine_latency [--repeats N]``.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

import numpy as np

from simulator.engine_access import ensure_engine_importable

ensure_engine_importable()

from custom_components.home_anomaly.engine.runtime import load_model  # noqa: E402

from .report import write_results  # noqa: E402
from .timing import repeat_ms  # noqa: E402

MODEL = Path(__file__).resolve().parent.parent / "custom_components" / "home_anomaly" / "models" / "model.onnx"
TARGET_MS = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=2000)
    args = parser.parse_args()
    rows = []
    for runtime in ("numpy", "onnxruntime"):
        model = load_model(MODEL, runtime=runtime)
        window = np.random.default_rng(0).normal(size=(1, model.window_size, model.n_features)).astype(np.float32)
        timing = repeat_ms(partial(model.predict_proba, window), args.repeats)
        rows.append(
            {
                "runtime": runtime,
                "model_kb": round(MODEL.stat().st_size / 1024, 1),
                "p50_ms": round(timing["p50_ms"], 3),
                "p90_ms": round(timing["p90_ms"], 3),
                "p99_ms": round(timing["p99_ms"], 3),
                "target_p50_ms": TARGET_MS if runtime == "numpy" else "",
            }
        )
    _, md = write_results(
        "engine_latency",
        "Engine: single-window latency of the shipped model",
        rows,
        notes=f"Batch 1, {args.repeats} runs after 50 warm-up runs; onnxruntime on one thread.",
    )
    print(md.read_text())


if __name__ == "__main__":
    main()
