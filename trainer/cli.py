"""``python -m trainer`` — train (default), evaluate, compare, benchmark, drift, ship, import-history, real-homes,
real-train-data."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from custom_components.home_anomaly.engine.model_card import ModelCardError
from custom_components.home_anomaly.engine.runtime import ModelError

from .config import ConfigError, load_config
from .data import DataError
from .export import ExportError
from .models import UnknownModelError

COMMANDS = (
    "train",
    "evaluate",
    "compare",
    "benchmark",
    "drift",
    "ship",
    "import-history",
    "real-homes",
    "real-train-data",
)


def _train_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    train = commands.add_parser("train", help="train, export and quantize (the default command)")
    train.add_argument(
        "--build-data",
        dest="build_data",
        action="store_true",
        default=None,
        help="build the default V2 dataset into --data first",
    )
    train.add_argument("--config", type=Path, default=None, help="JSON file of settings; flags override it")
    train.add_argument("--data", dest="data_dir", type=Path, default=None, help="dataset directory (default: data)")
    train.add_argument(
        "--out", dest="out_dir", type=Path, default=None, help="output directory (default: outputs/train)"
    )
    train.add_argument(
        "--model_type", default=None, help="LSTM (default), CNN, CNN_DILATION/DilatedCNN, TCN, TRANSFORMER or ALL"
    )
    train.add_argument("--epochs", type=int, default=None, help="default 10 (a cosine learning rate over them)")
    train.add_argument("--batch_size", type=int, default=None, help="default 64")
    train.add_argument("--lr", type=float, default=None, help="default 0.001")
    train.add_argument(
        "--patience", type=int, default=None, help="epochs without improvement before stopping (default 5)"
    )
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

    compare = commands.add_parser("compare", help="one table of every trained model and the three baselines")
    compare.add_argument("--data", type=Path, default=Path("data"))
    compare.add_argument("--runs", type=Path, default=Path("outputs/train"), help="training output directory")
    compare.add_argument(
        "--out", type=Path, default=Path("outputs/train/comparison"), help="writes OUT.json and OUT.md"
    )

    benchmark = commands.add_parser("benchmark", help="size, latency and macro-F1: torch fp32 vs ONNX fp32 vs int8")
    benchmark.add_argument("--data", type=Path, default=Path("data"))
    benchmark.add_argument("--runs", type=Path, default=Path("outputs/train"))

    drift = commands.add_parser("drift", help="per-feature and per-household drift between two datasets")
    drift.add_argument("--reference", type=Path, required=True, help="dataset directory or CSV the model learned from")
    drift.add_argument("--current", type=Path, required=True, help="dataset directory or CSV to check")
    drift.add_argument("--out", type=Path, default=None, help="also write the full report as JSON")

    ship = commands.add_parser("ship", help="copy the chosen int8 model and its model card into the integration")
    ship.add_argument("--runs", type=Path, default=Path("outputs/train"))
    ship.add_argument("--data", type=Path, default=Path("data"))
    ship.add_argument("--model_type", default=None, help="ship this model instead of choosing by measurement")
    _import_history_parser(commands)
    _real_homes_parser(commands)
    return parser


def _import_history_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    history = commands.add_parser(
        "import-history",
        help="a Home Assistant history export (History → Download data) → a dataset directory",
        description="Turn the CSV Home Assistant's History panel downloads (entity_id,state,last_changed) into "
        "DIR/user_<id>.csv through the integration's own hourly aggregation. Give each role its entity; "
        "a role left out is missing on every hour.",
    )
    history.add_argument("export", type=Path, help="the downloaded CSV")
    history.add_argument("--out", type=Path, required=True, help="dataset directory to write into")
    for role, example in (
        ("temperature", "sensor.living_room_temperature"),
        ("humidity", "sensor.bathroom_humidity"),
        ("fridge", "sensor.fridge_plug_power"),
        ("door", "binary_sensor.front_door"),
        ("smoke", "binary_sensor.smoke_alarm"),
    ):
        history.add_argument(f"--{role}", metavar="ENTITY", default=None, help=f"e.g. {example}")
    history.add_argument("--user-id", dest="user_id", default="home", help="household id (default: home)")
    history.add_argument(
        "--time-zone",
        dest="time_zone",
        default="UTC",
        help="your Home Assistant's time zone, e.g. Europe/Berlin: the local clock the hours are written in "
        "(default UTC; night-door and hour-of-day features depend on it)",
    )
    history.add_argument("--temperature-unit", dest="temperature_unit", choices=("C", "F"), default="C")
    history.add_argument("--power-unit", dest="power_unit", choices=("W", "kW"), default="W")


def _real_homes_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    real = commands.add_parser(
        "real-homes",
        help="false alarms and recall of injected anomalies on the real-homes development set",
    )
    real.add_argument("--model", type=Path, default=Path("custom_components/home_anomaly/models/model.onnx"))
    real.add_argument("--data", type=Path, default=Path("../shared/real-homes"), help="dataset directory")
    real.add_argument("--out", type=Path, default=Path("outputs/real_homes"), help="report.json, report.md, PNG")
    real.add_argument("--seed", type=int, default=123, help="injection times, depths and durations (default 123)")
    real.add_argument("--injections", type=int, default=50, help="episodes per class and home (default 50)")
    real.add_argument(
        "--homes",
        default=None,
        help="comma-separated home ids to score (default: all), or held-out: the homes no hour of which is trained on",
    )
    real.add_argument("--runtime", default="onnxruntime", help="onnxruntime (default) or numpy")

    train_data = commands.add_parser(
        "real-train-data",
        help="the real-homes training split with injected anomalies, as dataset CSVs to train on",
    )
    train_data.add_argument("--data", type=Path, default=Path("../shared/real-homes"), help="the development set")
    train_data.add_argument("--out", type=Path, required=True, help="a dataset's train/ directory")
    train_data.add_argument("--copies", type=int, default=6, help="injected copies of each segment (default 6)")
    train_data.add_argument("--seed", type=int, default=321)


def _import_history(args: argparse.Namespace) -> None:
    from custom_components.home_anomaly.engine.history_import import ROLE_NAMES

    from .history_dataset import ImportRequest, format_summary, import_history

    entities = {sensor: getattr(args, role) for sensor, role in enumerate(ROLE_NAMES) if getattr(args, role)}
    request = ImportRequest(
        export=args.export,
        out=args.out,
        entities=entities,
        user_id=args.user_id,
        time_zone=args.time_zone,
        temperature_unit=args.temperature_unit,
        power_unit=args.power_unit,
    )
    print(format_summary(import_history(request)))


def _real_homes(args: argparse.Namespace) -> None:
    from .real_homes import RealHomesRequest, run_real_homes

    homes = tuple(name.strip() for name in args.homes.split(",") if name.strip()) if args.homes else None
    request = RealHomesRequest(args.model, args.data, args.out, args.seed, args.injections, homes, args.runtime)
    report = run_real_homes(request)
    overall, after = report["false_alarms"]["overall"], report["false_alarms"]["after_day_7"]
    recall = ", ".join(
        f"{cls} {100 * entry['recall']:.0f} % of {entry['injected']}"
        for cls, entry in report["recall"].items()
        if entry["injected"]
    )
    print(
        f"{len(report['homes'])} real homes: {overall['per_home_week']:.2f} false alarms per home-week "
        f"({after['per_home_week']:.2f} after day 7); recall of injected episodes by class: {recall}; "
        f"wrote {args.out}/report.json, report.md and real_homes.png"
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] not in (*COMMANDS, "-h", "--help"):
        arguments.insert(0, "train")  # the original CLI had no sub-command: keep its flags working
    args = _parser().parse_args(arguments)
    try:
        if args.command == "train":
            from .pipeline import run_training

            overrides = {
                key: getattr(args, key)
                for key in (
                    "build_data",
                    "data_dir",
                    "out_dir",
                    "model_type",
                    "epochs",
                    "batch_size",
                    "lr",
                    "patience",
                    "window_size",
                    "loss_type",
                    "balanced_loader",
                    "seed",
                    "samples_per_epoch",
                )
            }
            overrides["log"] = False if args.no_log else None
            config = load_config(args.config, overrides)
            run_training(config)
        elif args.command == "evaluate":
            from .evaluate import evaluate

            report = evaluate(args.model, args.data, args.out, args.predictions, args.runtime)
            print(
                f"macro-F1 (normal excluded) {report['macro_f1_excl_normal']:.4f} on {report['households']} "
                f"households, runtime {report['runtime']}; wrote {args.out}"
            )
        elif args.command == "compare":
            from .compare import run_compare

            print((path := run_compare(args.data, args.runs, args.out)).read_text())
            print(f"wrote {path} and {path.with_suffix('.json')}")
        elif args.command == "benchmark":
            from .benchmark_compare import run_benchmark

            print(run_benchmark(args.runs, args.data).read_text())
        elif args.command == "drift":
            from .drift import format_drift, run_drift

            print(format_drift(run_drift(args.reference, args.current, args.out)))
        elif args.command == "import-history":
            _import_history(args)
        elif args.command == "real-homes":
            _real_homes(args)
        elif args.command == "real-train-data":
            from .real_training import RealTrainingRequest, write_real_training_data

            written = write_real_training_data(RealTrainingRequest(args.data, args.out, args.copies, args.seed))
            print(f"wrote {len(written)} injected copies of the real training split into {args.out}")
        elif args.command == "ship":
            from .models import canonical_name
            from .ship import ship

            name = canonical_name(args.model_type) if args.model_type else None
            path = ship(args.runs, args.data, name)
            card = path.with_name("model_card.json")
            print(f"shipped {path} ({path.stat().st_size / 1024:.1f} KB) and {card}")
    except (
        ConfigError,
        DataError,
        ModelError,
        ModelCardError,
        UnknownModelError,
        ExportError,
        ValueError,
        OSError,
    ) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
