"""Household CSVs → engine features → windows that never cross a household boundary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from custom_components.home_anomaly.engine.features import (
    N_FEATURES,
    HourlyTable,
    model_features,
    sliding_windows,
)
from custom_components.home_anomaly.engine.schema import (
    DATASET_COLUMNS,
    MISSING_COLUMNS,
    SENSOR_COLUMNS,
    TIMESTAMP_FORMAT,
)


class DataError(ValueError):
    """A dataset file the trainer cannot use; the message names the file, row and column."""


@dataclass
class Household:
    """One home's hourly rows turned into model features."""

    user_id: str
    timestamps: list[datetime]
    features: np.ndarray  # (n, N_FEATURES) float32
    labels: np.ndarray  # (n,) int64
    sensors: np.ndarray  # (n, 5) as in the CSV (forward-filled)
    missing: np.ndarray  # (n, 3) bool

    def windows(self, window: int) -> tuple[np.ndarray, np.ndarray]:
        """(windows, label of each window's last hour); the first ``window - 1`` hours have none."""
        return sliding_windows(self.features, window), self.labels[window - 1 :]


def read_household_csv(path: Path) -> pd.DataFrame:
    """Read and check one CSV of the dataset format; errors name the file, row and column."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: not a readable CSV ({err})") from err
    required = [c for c in DATASET_COLUMNS if c not in MISSING_COLUMNS]
    absent = [c for c in required if c not in frame.columns]
    if absent:
        raise DataError(f"{path}: missing column(s) {', '.join(absent)}; expected the simulator's dataset columns")
    present_order = [c for c in frame.columns if c in required]
    if present_order != required:
        raise DataError(f"{path}: columns out of order; expected {', '.join(required)}")
    for column in MISSING_COLUMNS:
        if column not in frame.columns:
            frame[column] = "0"
    numeric = [*SENSOR_COLUMNS, "anomaly_class", *MISSING_COLUMNS]
    converted = frame[numeric].apply(pd.to_numeric, errors="coerce")
    bad = converted.isna() & (frame[numeric] != "")
    bad |= frame[numeric] == ""
    if bad.to_numpy().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        column = numeric[col]
        raise DataError(f"{path}: row {row + 2}, column {column}: {frame[column].iloc[row]!r} is not a number")
    times = pd.to_datetime(frame["timestamp"], format=TIMESTAMP_FORMAT, errors="coerce")
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise DataError(
            f"{path}: row {row + 2}, column timestamp: {frame['timestamp'].iloc[row]!r} is not {TIMESTAMP_FORMAT}"
        )
    for user_id, rows in frame.groupby("user_id", sort=False):
        user_times = times[rows.index]
        duplicated = user_times.duplicated()
        if duplicated.any():
            row = int(rows.index[np.flatnonzero(duplicated.to_numpy())[0]])
            raise DataError(
                f"{path}: row {row + 2}, column timestamp: {frame['timestamp'].iloc[row]} repeats for {user_id}"
            )
        if not user_times.is_monotonic_increasing:
            raise DataError(f"{path}: timestamps of {user_id} are not in time order")
    result = converted.copy()
    result.insert(0, "timestamp", times)
    result["user_id"] = frame["user_id"]
    return result


def households_from_frame(frame: pd.DataFrame) -> list[Household]:
    homes = []
    for user_id, rows in frame.groupby("user_id", sort=True):
        timestamps = [t.to_pydatetime() for t in rows["timestamp"]]
        sensors = rows[list(SENSOR_COLUMNS)].to_numpy(np.float64)
        missing = rows[list(MISSING_COLUMNS)].to_numpy(np.float64) >= 0.5
        table = HourlyTable.from_dataset_rows(timestamps, sensors, missing)
        homes.append(
            Household(
                user_id=str(user_id),
                timestamps=timestamps,
                features=model_features(table),
                labels=rows["anomaly_class"].to_numpy(np.int64),
                sensors=sensors,
                missing=missing,
            )
        )
    return homes


def csv_files(source: Path) -> list[Path]:
    """A CSV file, or every ``user_*.csv`` under a directory (train/ and val/ included)."""
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise DataError(f"{source}: no such file or directory")
    files = sorted(source.glob("user_*.csv")) or sorted(source.glob("*/user_*.csv"))
    if not files:
        raise DataError(f"{source}: no user_*.csv files; build a dataset with python -m simulator build --out {source}")
    return files


def load_households(source: Path) -> list[Household]:
    homes: list[Household] = []
    for path in csv_files(source):
        homes.extend(households_from_frame(read_household_csv(path)))
    return homes


def stack_windows(homes: list[Household], window: int) -> tuple[np.ndarray, np.ndarray]:
    """Every full window of every household as one (n, window, features) array, plus labels.

    Windows are cut per household, so none ever spans two homes.
    """
    if not homes:
        return np.zeros((0, window, N_FEATURES), np.float32), np.zeros(0, np.int64)
    pairs = [home.windows(window) for home in homes]
    return np.concatenate([w for w, _ in pairs]), np.concatenate([y for _, y in pairs])
