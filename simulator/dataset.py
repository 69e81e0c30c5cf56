"""Build a dataset directory: per-household CSVs, the combined splits, and the episode list.

Layout (SPEC §4)::

    DIR/train/user_001.csv … user_080.csv
    DIR/val/user_081.csv … user_100.csv
    DIR/train_all.csv, DIR/val_all.csv
    DIR/episodes.csv          user_id, anomaly_class, start, end (inclusive)
    DIR/dataset.json          how it was built (seed, version, grid, counts, columns)

Everything is written into a hidden staging folder beside DIR and moved into place only when
complete, so a failed or interrupted build leaves DIR as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, cast

import numpy as np
import numpy.typing as npt

from custom_components.home_anomaly.engine.schema import DATASET_COLUMNS, EPISODE_COLUMNS

from .household import DEFAULT_EVENTS_PER_CLASS, HouseholdSeries, simulate_household
from .params import format_user_id
from .timegrid import TimeGrid

DATASET_START = datetime(2025, 1, 1)
STAGING_PREFIX = ".simulator-build-"


class SimulatorError(ValueError):
    """Bad input to the simulator; the message names the value and what to do."""


@dataclass(frozen=True)
class DatasetVersion:
    days: int
    freq: str
    description: str


VERSIONS: dict[str, DatasetVersion] = {
    "v2": DatasetVersion(days=180, freq="1h", description="hourly samples over 180 days"),
    "v1": DatasetVersion(days=3, freq="5min", description="5-minute samples over 3 days (the earlier basic version)"),
}


@dataclass(frozen=True)
class BuildConfig:
    out: Path
    train_users: int = 80
    val_users: int = 20
    days: int | None = None  # None: the version's default
    freq: str | None = None
    seed: int = 123
    version: str = "v2"
    events_per_class: int = DEFAULT_EVENTS_PER_CLASS


@dataclass(frozen=True)
class BuildResult:
    out: Path
    households: int
    rows_per_household: int
    episodes: int


def parse_freq(freq: str) -> int:
    """``"1h"`` → 60, ``"5min"`` → 5 (minutes)."""
    match = re.fullmatch(r"\s*(\d+)\s*(h|min)\s*", freq)
    if not match:
        raise SimulatorError(f"unknown --freq {freq!r}: use minutes or hours such as '5min', '15min' or '1h'")
    value, unit = int(match.group(1)), match.group(2)
    return value * 60 if unit == "h" else value


def resolve_grid(config: BuildConfig) -> TimeGrid:
    if config.version not in VERSIONS:
        raise SimulatorError(f"unknown --version {config.version!r}: choose one of {', '.join(sorted(VERSIONS))}")
    version = VERSIONS[config.version]
    days = version.days if config.days is None else config.days
    if days < 1:
        raise SimulatorError(f"--days must be at least 1, got {days}")
    step = parse_freq(version.freq if config.freq is None else config.freq)
    try:
        return TimeGrid(DATASET_START, days, step)
    except ValueError as err:
        raise SimulatorError(f"--freq {config.freq!r}: {err}") from err


def validate(config: BuildConfig) -> TimeGrid:
    if config.train_users < 0 or config.val_users < 0:
        raise SimulatorError(
            f"household counts cannot be negative (--train-users {config.train_users}, --val-users {config.val_users})"
        )
    if config.train_users + config.val_users == 0:
        raise SimulatorError("zero households requested: set --train-users and/or --val-users to at least 1")
    if config.train_users + config.val_users > 999:
        raise SimulatorError(
            f"at most 999 households fit the user_NNN ids, got {config.train_users + config.val_users}"
        )
    if config.events_per_class < 0:
        raise SimulatorError(f"--events-per-class cannot be negative, got {config.events_per_class}")
    return resolve_grid(config)


def build_dataset(config: BuildConfig, progress: Callable[[Iterable[int]], Iterable[int]] = iter) -> BuildResult:
    """Simulate every household and write the dataset atomically into ``config.out``."""
    grid = validate(config)
    out = config.out
    staging = _make_staging_dir(out)
    try:
        timestamps = grid.timestamps()
        (staging / "train").mkdir()
        (staging / "val").mkdir()
        header = ",".join(DATASET_COLUMNS) + "\n"
        episode_lines: list[str] = []
        total = config.train_users + config.val_users
        with (
            open(staging / "train_all.csv", "w", newline="") as train_all,
            open(staging / "val_all.csv", "w", newline="") as val_all,
        ):
            train_all.write(header)
            val_all.write(header)
            for user_number in progress(range(1, total + 1)):
                series = simulate_household(config.seed, user_number, grid, config.events_per_class)
                split = "train" if user_number <= config.train_users else "val"
                combined = train_all if split == "train" else val_all
                with open(staging / split / f"{series.params.user_id}.csv", "w", newline="") as user_file:
                    user_file.write(header)
                    _write_rows(series, timestamps, (user_file, combined))
                episode_lines.extend(
                    f"{series.params.user_id},{int(e.anomaly_class)},{timestamps[e.start]},{timestamps[e.end]}\n"
                    for e in series.episodes
                )
        with open(staging / "episodes.csv", "w", newline="") as episodes_file:
            episodes_file.write(",".join(EPISODE_COLUMNS) + "\n")
            episodes_file.writelines(episode_lines)
        _write_manifest(staging / "dataset.json", config, grid, len(episode_lines))
        _publish(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(out=out, households=total, rows_per_household=grid.n_samples, episodes=len(episode_lines))


def _make_staging_dir(out: Path) -> Path:
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise SimulatorError(f"cannot write --out {str(out)!r}: {str(existing)!r} is a file; choose a directory path")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out.parent))
    except OSError as err:
        raise SimulatorError(
            f"cannot write under --out {str(out)!r} ({err.strerror or err}): choose a writable directory"
        ) from err


def _write_rows(series: HouseholdSeries, timestamps: list[str], files: tuple[TextIO, ...]) -> None:
    params = series.params
    meta = ",".join(
        (
            f"{params.base_temp:.4f}",
            f"{params.base_humidity:.4f}",
            f"{params.fridge_base:.4f}",
            f"{params.temp_drift_per_week:.4f}",
            f"{params.humid_drift_per_week:.4f}",
            f"{params.noise_temp:.4f}",
            f"{params.noise_humid:.4f}",
            f"{params.noise_fridge:.4f}",
            f"{params.dropout_prob:.6f}",
        )
    )
    observed = series.observed
    missing = series.missing.astype(np.int8)
    lines = [
        f"{ts},{t:.2f},{h:.2f},{p:.1f},{d},{f},{c},{params.user_id},{meta},{mt},{mh},{mp}\n"
        for ts, t, h, p, d, f, c, mt, mh, mp in zip(
            timestamps,
            _values(observed.temperature_c),
            _values(observed.humidity_pct),
            _values(observed.fridge_power_w),
            _values(observed.front_door_open),
            _values(observed.fire_alarm),
            _values(observed.anomaly_class),
            _values(missing[:, 0]),
            _values(missing[:, 1]),
            _values(missing[:, 2]),
            strict=True,
        )
    ]
    text = "".join(lines)
    for handle in files:
        handle.write(text)


def _values(column: npt.NDArray[Any]) -> list[Any]:
    """Python scalars formatting far faster than numpy scalars in the row f-string."""
    return cast(list[Any], column.tolist())


def _write_manifest(path: Path, config: BuildConfig, grid: TimeGrid, episodes: int) -> None:
    manifest = {
        "version": config.version,
        "seed": config.seed,
        "start": grid.start.isoformat(),
        "days": grid.days,
        "step_minutes": grid.step_minutes,
        "rows_per_household": grid.n_samples,
        "train_users": [format_user_id(i) for i in range(1, config.train_users + 1)],
        "val_users": [
            format_user_id(i) for i in range(config.train_users + 1, config.train_users + config.val_users + 1)
        ],
        "events_per_class": config.events_per_class,
        "episodes": episodes,
        "columns": list(DATASET_COLUMNS),
    }
    path.write_text(json.dumps(manifest, indent=2) + "\n")


def _publish(staging: Path, out: Path) -> None:
    """Move the finished files into ``out``, replacing an earlier build's files of the same name."""
    out.mkdir(parents=True, exist_ok=True)
    for entry in sorted(staging.iterdir()):
        target = out / entry.name
        if entry.is_dir():
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out.parent))
                os.replace(target, old / entry.name)
                shutil.rmtree(old)
            os.replace(entry, target)
        else:
            os.replace(entry, target)
    staging.rmdir()


def user_csv_path(data_dir: Path, user_id: str) -> Path:
    """Where a household's CSV lives in a built dataset (train or val)."""
    for split in ("train", "val"):
        path = data_dir / split / f"{user_id}.csv"
        if path.is_file():
            return path
    raise SimulatorError(
        f"no household {user_id!r} in {str(data_dir)!r}: expected train/{user_id}.csv or val/{user_id}.csv"
    )
