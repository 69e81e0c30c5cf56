"""``python -m trainer`` — train (default), evaluate, compare, benchmark, drift, ship."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from custom_components.home_anomaly.engine.runtime import ModelError

from .config import ConfigError, load_config
from .data import DataError
from .export import ExportError
from .models import UnknownModelError

COMMANDS = ("train", "evaluate", "compare", "benchmark", "drift", "ship")


def _train_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    train = commands.add_parser("train", help="train, export and quantize (the default command)")
    train.add_argument("--build-data", dest="build_data", action="store_true", default=None,
                       help="build the default V2 dataset into --data first")
    train.add_argument("--config", type=Path, default=None, help="JSON file of settings; flags override it")
    train.add_argument("--data", dest="data_dir", type=Path, default=None, help="dataset directory (default: data)")
    train.add_argument("--out", dest="out_dir", type=Path, default=None, help="output directory (default: outputs/train)")
    train.add_argument("--model_type", default=None, help="LSTM (default), CNN, CNN_DILATION/DilatedCNN, TCN, TRANSFORMER or ALL")
    train.add_argument("--epochs", type=int, default=None, help="default 10")
    train.add_argument("--batch_size", type=int, default=None, help="default 64")
    train.add_argument("--lr", type=float, default=None, help="default 0.001")
    train.add_argument("--patience", type=int, default=None, help="epochs without improvement before stopping (default 5)")
    train.add_argument("--window_size", type=int, default=None, help="hours per window (default 32)")
    train.add_argument("--loss_type", default=None, help="cross_entropy, weighted_ce (default) or focal")
    train.add_argument("--balanced_loader", action="store_true", default=None, help="sample every class equally often")
    train.add_argument("--no-log", dest="no_log", action="store_true", help="no MLflow / W&B tracking")
    train.add_argument("--seed", type=int, default=None)
    train.add_argument("--samples_per_epoch", type=int, default=None, help="windows per epoch (default 60000)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m trainer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    _train_parser(commands)

    evaluate = commands.add_parser("evaluate", help="score household CSVs through the engine's path")
    evaluate.add_argument("--model", type=Path, required=True)
    evaluate.add_argument("--data", type=Path, required=True, help="dataset directory or one CSV")
    evaluate.add_argument("--out", type=Path, default=Path("metrics.json"))
    evaluate.add_argument("--predictions", type=Path, default=None, help="also write per-hour predictions (CSV)")
    evaluate.add_argument("--runtime", default="onnxruntime", help="onnxruntime (default) or numpy")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] not in (*COMMANDS, "-h", "--help"):
        arguments.insert(0, "train")  # the original CLI had no sub-command: keep its flags working
    args = _parser().parse_args(arguments)
    try:
        if args.command == "train":
            from .pipeline import run_training  # noqa: PLC0415

            overrides = {
                key: getattr(args, key)
                for key in ("build_data", "data_dir", "out_dir", "model_type", "epochs", "batch_size", "lr",
                            "patience", "window_size", "loss_type", "balanced_loader", "seed", "samples_per_epoch")
            }
            overrides["log"] = False if args.no_log else None
            config = load_config(args.config, overrides)
            run_training(config)
        elif args.command == "evaluate":
            from .evaluate import evaluate  # noqa: PLC0415

            report = evaluate(args.model, args.data, args.out, args.predictions, args.runtime)
            print(f"macro-F1 (normal excluded) {report['macro_f1_excl_normal']:.4f} on {report['households']} "
                  f"households, runtime {report['runtime']}; wrote {args.out}")
    except (ConfigError, DataError, ModelError, UnknownModelError, ExportError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
