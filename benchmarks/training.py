"""Training wall time per model on CPU (2 threads, the default configuration, V2 data).

Runs in ``.venv-train``: ``.venv-train/bin/python -m benchmarks.training [--models CNN ...]``.
Each model trains separately through the trainer's own pipeline (train → export → quantize →
validate); ``train_s`` is the training loop, ``pipeline_s`` the whole step.
Writes ``benchmarks/results/training.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from simulator import BuildConfig, build_dataset
from trainer.config import TrainConfig
from trainer.models import MODEL_NAMES
from trainer.pipeline import run_training

from .report import RESULTS_DIR


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("outputs/bench/data"))
    parser.add_argument("--out", type=Path, default=Path("outputs/bench/train"))
    parser.add_argument("--models", nargs="*", default=list(MODEL_NAMES))
    args = parser.parse_args()
    if not (args.data / "train_all.csv").is_file():
        build_dataset(BuildConfig(out=args.data))
    base = TrainConfig(data_dir=args.data, out_dir=args.out, log=False, threads=2)
    rows = []
    for name in args.models:
        started = time.perf_counter()
        report = run_training(replace(base, model_type=name))[0]
        rows.append(
            {
                "model": name,
                "default_model": name == TrainConfig().model_type,
                "train_s": round(report["train_seconds"], 1),
                "pipeline_s": round(time.perf_counter() - started, 1),
                "best_epoch": report["best_epoch"],
                "validation_macro_f1_int8": round(report["int8"]["macro_f1_excl_normal"], 4),
            }
        )
        print(rows[-1])
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "training.json").write_text(json.dumps({"threads": 2, "models": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
