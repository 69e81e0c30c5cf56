"""``python -m trainer`` (train): data → models → honest validation → ONNX → int8, per model.

For each model: train with early stopping on held-out *training* households, then report on
the validation households it never saw — in torch, as ONNX fp32 and as ONNX int8 through the
engine's own runtime (what the integration runs). Results land in ``OUT/<MODEL>/``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from custom_components.home_anomaly.engine.runtime import load_model

from .config import TrainConfig
from .data import Household, load_households, stack_windows
from .distributed import Ranks, barrier, finish, from_environment
from .evaluate import Scored, find_episodes, product_and_model_report, read_episodes, score_households
from .export import check_parity, export_onnx
from .metrics import confusion
from .models import parameter_count
from .plots import average_precision, plot_confusion, plot_pr_curves
from .quantize import calibration_windows, quantization_method, quantize
from .real_training import REAL_PREFIX
from .tracking import open_trackers
from .train import train_model

MLFLOW_DIR = Path("outputs/mlflow")


@dataclass
class Splits:
    train: list[Household]
    early_stop: list[Household]
    validation: list[Household]


def load_splits(config: TrainConfig) -> Splits:
    """Early stopping holds out the last simulated training households. Real homes written by
    ``real-train-data`` are always trained on: each shows only the classes its sensors allow,
    and early stopping compares macro-F1 over every class."""
    loaded = load_households(config.data_dir / "train")
    real = [home for home in loaded if home.user_id.startswith(REAL_PREFIX)]
    homes = [home for home in loaded if not home.user_id.startswith(REAL_PREFIX)]
    validation = load_households(config.data_dir / "val")
    if len(homes) <= config.early_stop_users:
        raise ValueError(
            f"{config.data_dir / 'train'} has {len(homes)} simulated households; early stopping holds out "
            f"{config.early_stop_users}, so at least {config.early_stop_users + 1} are needed"
        )
    return Splits(homes[: -config.early_stop_users] + real, homes[-config.early_stop_users :], validation)


def run_training(config: TrainConfig) -> list[dict[str, Any]]:
    ranks = from_environment()
    try:
        return _run_training(config, ranks)
    finally:
        finish(ranks)


def _run_training(config: TrainConfig, ranks: Ranks) -> list[dict[str, Any]]:
    started = time.perf_counter()
    if config.build_data and ranks.is_main:
        from simulator import BuildConfig, build_dataset

        build_dataset(BuildConfig(out=config.data_dir, seed=config.seed))
    barrier(ranks)  # the other ranks read the data rank 0 just built
    splits = load_splits(config)
    print(
        f"loaded {len(splits.train)} training, {len(splits.early_stop)} early-stopping and "
        f"{len(splits.validation)} validation households in {time.perf_counter() - started:.0f} s"
    )
    train = stack_windows(splits.train, config.window_size)
    early_stop = stack_windows(splits.early_stop, config.window_size)
    calibration = calibration_windows(*train, seed=config.seed)
    episodes_path = find_episodes(config.data_dir / "val")
    episodes = read_episodes(episodes_path) if episodes_path else None
    reports = []
    for name in config.model_names():
        out = config.out_dir / name
        out.mkdir(parents=True, exist_ok=True)
        tracker = open_trackers(config.log and ranks.is_main, MLFLOW_DIR, "home_anomaly", name)
        try:
            result = train_model(name, config, train, early_stop, tracker, out, ranks)
            if not ranks.is_main:
                continue  # rank 0 exports, quantizes and reports
            fp32 = export_onnx(result.model, config.window_size, train[0].shape[2], out / "model.onnx")
            parity = check_parity(result.model, fp32, early_stop[0][:256])
            int8 = quantize(name, fp32, out / "model.int8.onnx", calibration)
            report: dict[str, Any] = {
                "model": name,
                "parameters": parameter_count(result.model),
                "best_epoch": result.best_epoch,
                "early_stop_macro_f1": result.best_macro_f1,
                "train_seconds": result.seconds,
                "onnx_parity_max_abs": parity,
                "quantization": quantization_method(name),
                "size_bytes": {"fp32": fp32.stat().st_size, "int8": int8.stat().st_size},
            }
            for variant, path in (("fp32", fp32), ("int8", int8)):
                scored = score_households(load_model(path, runtime="onnxruntime"), splits.validation)
                report[variant] = product_and_model_report(scored, episodes)
                report[variant]["average_precision"] = _figures(scored, f"{name} {variant}", out / variant)
            (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
            tracker.log_metrics(
                {
                    "val_macro_f1_fp32": report["fp32"]["macro_f1_excl_normal"],
                    "val_macro_f1_int8": report["int8"]["macro_f1_excl_normal"],
                }
            )
            for artifact in sorted(out.rglob("*")):
                if artifact.is_file() and artifact.suffix in {".png", ".json", ".onnx"}:
                    tracker.log_artifact(artifact)
        finally:
            tracker.close()
        scores = {
            variant: f"{report[variant]['macro_f1_excl_normal']:.4f} / "
            f"{report[variant]['model_only']['macro_f1_excl_normal']:.4f}"
            for variant in ("fp32", "int8")
        }
        print(
            f"{name}: validation macro-F1 (model + rules / model only) fp32 {scores['fp32']}, "
            f"int8 {scores['int8']} ({report['size_bytes']['int8'] / 1024:.0f} KB)"
        )
        reports.append(report)
    return reports


def _figures(scored: Scored, title: str, folder: Path) -> dict[str, float]:
    y_true, y_pred = scored.model_only().labels_and_predictions()
    probabilities = np.concatenate([scored.probabilities[home.user_id] for home in scored.homes])
    plot_confusion(confusion(y_true, y_pred), f"{title} (model alone): validation", folder / "confusion.png")
    plot_pr_curves(y_true, probabilities, f"{title} (model alone): validation", folder / "pr_curves.png")
    np.savetxt(folder / "confusion.csv", confusion(y_true, y_pred), fmt="%d", delimiter=",")
    return average_precision(y_true, probabilities)
