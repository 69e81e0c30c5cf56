"""Household CSVs → engine features → windows that never cross a household boundary."""

from __future__ import annotations

import csv
import re
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
from simulator.dataset_csv import (
    CLASS_CODES,
    NUMERIC_COLUMNS,
    OPTIONAL_COLUMNS,
    DatasetFileError,
    cell_count_error,
    check_header,
    check_time_order,
    parse_number,
    parse_timestamp,
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
    """Read and check one CSV of the dataset format; errors name the file, row and column.

    The header, cell and time-order wording is the simulator's own (``simulator.dataset_csv``),
    so both command lines name a problem the same way; the cells themselves are checked here
    with pandas, column by column.
    """
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    header: list[str] | None = None
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
        check_header(path, header, DATASET_COLUMNS, OPTIONAL_COLUMNS)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        result = _checked_frame(path, frame)
    except DatasetFileError as err:
        raise DataError(str(err)) from None
    except pd.errors.ParserError as err:
        cells = _CELL_COUNT.search(str(err))
        if cells:
            _, line, found = (int(group) for group in cells.groups())
            raise DataError(str(cell_count_error(path, line, header or [], found))) from None
        raise DataError(f"{path}: not a readable CSV ({err})") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{path}: not a readable CSV ({err})") from None
    return result


def _in_time_order(times: pd.Series, users: pd.Series) -> bool:
    """Whether each household's hours strictly increase; vectorised, the wording comes from the slow check."""
    codes, _ = pd.factorize(users)
    order = np.argsort(codes, kind="stable")  # each household's rows together, in file order
    nanoseconds = times.to_numpy("datetime64[ns]").astype(np.int64)[order]
    same_home = codes[order][1:] == codes[order][:-1]
    return not bool((same_home & (np.diff(nanoseconds) <= 0)).any())


# pandas words a row with too many cells this way (C parser).
_CELL_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _checked_frame(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        raise DataError(f"{path}: row 2: no data rows after the header")
    for column in MISSING_COLUMNS:
        if column not in frame.columns:
            frame[column] = "0"
    numeric = list(NUMERIC_COLUMNS)
    converted = frame[numeric].apply(pd.to_numeric, errors="coerce")
    values = converted.to_numpy(np.float64)
    bad = ~np.isfinite(values)
    bad[:, numeric.index("anomaly_class")] |= ~np.isin(values[:, numeric.index("anomaly_class")], sorted(CLASS_CODES))
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        text = frame[numeric[col]].iloc[row]
        parse_number(path, row + 2, numeric[col], text)  # raises with the simulator's wording
        raise DataError(f"{path}: row {row + 2}, column {numeric[col]}: {text!r} is not a number")
    times = pd.to_datetime(frame["timestamp"], format=TIMESTAMP_FORMAT, errors="coerce")
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0])
        text = frame["timestamp"].iloc[row]
        parse_timestamp(path, row + 2, text)
        raise DataError(
            f"{path}: row {row + 2}, column timestamp: {text!r} is not a time of the form {TIMESTAMP_FORMAT}"
        )
    if not _in_time_order(times, frame["user_id"]):
        check_time_order(path, times.tolist(), frame["user_id"].tolist(), range(2, len(frame) + 2))
    result = converted[[*SENSOR_COLUMNS, "anomaly_class", *MISSING_COLUMNS]].copy()
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
