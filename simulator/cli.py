"""``python -m simulator build|plot|live|history|calibrate`` — the simulator's command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from tqdm import tqdm

from custom_components.home_anomaly.engine.store import StoreError

from .calibration import calibration_table, format_table, write_report
from .dataset import VERSIONS, BuildConfig, SimulatorError, build_dataset
from .history import write_history
from .household import DEFAULT_EVENTS_PER_CLASS
from .live import PASSWORD_VARIABLE, Broker, LiveHousehold, LiveRun, redact
from .plot import plot_user
from .scenario import ScenarioError, load_scenario


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse echoes what it could not parse, which may be a mistyped --password and its value.
        super().error(redact(message))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m simulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="write a labelled multi-household dataset")
    build.add_argument("--out", type=Path, default=Path("data"), help="dataset directory (default: data)")
    build.add_argument("--train-users", type=int, default=80, help="training households (default: 80)")
    build.add_argument("--val-users", type=int, default=20, help="validation households (default: 20)")
    build.add_argument("--days", type=int, default=None, help="days per household (v2: 180, v1: 3)")
    build.add_argument("--freq", default=None, help="sample interval, e.g. 1h or 5min (v2: 1h, v1: 5min)")
    build.add_argument("--seed", type=int, default=123, help="population seed (default: 123)")
    build.add_argument("--version", default="v2", help=f"dataset version: {', '.join(sorted(VERSIONS))} (default: v2)")
    build.add_argument(
        "--events-per-class",
        type=int,
        default=DEFAULT_EVENTS_PER_CLASS,
        help=f"injected events of each anomaly class per household (default: {DEFAULT_EVENTS_PER_CLASS})",
    )

    plot = commands.add_parser("plot", help="six-panel PNG of one household")
    plot.add_argument("--data", type=Path, default=Path("data"), help="dataset directory (default: data)")
    plot.add_argument("--user", default="user_003", help="household id (default: user_003)")
    plot.add_argument("--days", type=int, default=14, help="days to show from the start (default: 14)")
    plot.add_argument("--out", type=Path, default=None, help="PNG path (default: DATA/plots/USER.png)")

    history = commands.add_parser("history", help="write simulated hourly history into an integration buffer")
    history.add_argument(
        "--store", type=Path, required=True, help="the entry's buffer: CONFIG/home_anomaly/ENTRY_ID.sqlite"
    )
    history.add_argument(
        "--days", type=int, default=28, help="days of history ending at the current hour (default: 28)"
    )
    history.add_argument("--seed", type=int, default=123, help="population seed (default: 123)")
    history.add_argument("--user", type=int, default=1, help="household number (default: 1)")
    history.add_argument("--anomalies", action="store_true", help="keep the household's anomaly episodes in")

    live = commands.add_parser("live", help="publish one household's sensors to MQTT (Home Assistant discovery)")
    live.add_argument("--broker", default="mqtt://127.0.0.1:1883", help="mqtt://HOST:PORT (default: local)")
    live.add_argument("--username", default=None, help="MQTT user (or mqtt://USER:PASSWORD@HOST:PORT)")
    live.add_argument(
        "--password",
        default=os.environ.get(PASSWORD_VARIABLE),
        help=f"MQTT password; never printed or logged (better: set {PASSWORD_VARIABLE}, which no process list shows)",
    )
    live.add_argument("--household", type=int, default=123, help="the household's population seed (default: 123)")
    live.add_argument("--user", type=int, default=1, help="household number within that population (default: 1)")
    live.add_argument("--scenario", type=Path, default=None, help="JSON file of anomalies to inject (see scenario.py)")
    live.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second (default: 1)")
    live.add_argument("--duration", type=float, default=None, help="stop after this many real seconds")
    live.add_argument("--tick", type=float, default=1.0, help="real seconds between readings (default: 1)")

    calibrate = commands.add_parser("calibrate", help="compare a dataset with facts from real homes")
    calibrate.add_argument("--data", type=Path, default=Path("data"), help="dataset directory (default: data)")
    calibrate.add_argument(
        "--real",
        type=Path,
        default=None,
        help="folder of real-home CSVs (user_<id>.csv, e.g. ../shared/real-homes): compare quantiles side by side",
    )
    calibrate.add_argument(
        "--out", type=Path, default=None, help="with --real: report folder (default: DATA/calibration)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            config = BuildConfig(
                out=args.out,
                train_users=args.train_users,
                val_users=args.val_users,
                days=args.days,
                freq=args.freq,
                seed=args.seed,
                version=args.version,
                events_per_class=args.events_per_class,
            )

            def progress(users: Iterable[int]) -> Iterable[int]:
                bar: Iterable[int] = tqdm(
                    users, total=config.train_users + config.val_users, desc="households", unit="home"
                )
                return bar

            result = build_dataset(config, progress)
            print(
                f"wrote {result.households} households × {result.rows_per_household} rows "
                f"and {result.episodes} anomaly episodes to {result.out}"
            )
        elif args.command == "plot":
            out = args.out or args.data / "plots" / f"{args.user}.png"
            print(f"wrote {plot_user(args.data, args.user, args.days, out)}")
        elif args.command == "live":
            return _run_live(args)
        elif args.command == "history":
            if args.days < 1:
                raise SimulatorError(f"--days must be at least 1, got {args.days}")
            end = datetime.now().astimezone()
            added = write_history(args.store, args.seed, args.user, args.days, end, args.anomalies)
            print(f"wrote {added} hours of household {args.user}'s history into {args.store}")
        elif args.real is not None:
            out = args.out or args.data / "calibration"
            for path in write_report(args.data, args.real, out):
                print(f"wrote {path}")
        else:
            if args.out is not None:
                raise SimulatorError("--out needs --real: give the real homes' folder to compare against")
            print(format_table(calibration_table(args.data)))
    except (SimulatorError, StoreError, ScenarioError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def _run_live(args: argparse.Namespace) -> int:
    if args.speed <= 0 or args.tick <= 0:
        raise SimulatorError(f"--speed and --tick must be positive, got {args.speed} and {args.tick}")
    try:
        broker = Broker.from_url(args.broker, args.username, args.password)
    except ValueError as err:
        raise SimulatorError(str(err)) from err
    events = load_scenario(args.scenario) if args.scenario else []
    household = LiveHousehold(args.household, args.user, datetime.now().astimezone(), args.speed, events)
    run = LiveRun(household, broker, tick_s=args.tick, duration_s=args.duration or math.inf)
    print(f"publishing {household.node_id} to {broker.address} (Ctrl-C stops)", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run.run())
    return 0
