"""Household CSVs → engine features → windows that never cross a household boundary."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from custom_components.home_anomaly.engine.features import (
    N_FEATURES,
    HourlyTable,
    ModelInput,
    model_input,
    sliding_windows,
)
from custom_components.home_anomaly.engine.schema import (
    MISSING_COLUMNS,
    SENSOR_COLUMNS,
    TIMESTAMP_FORMAT,
)
from simulator.dataset_csv import (
    ANALOG_COLUMNS,
    CLASS_CODES,
    NUMERIC_COLUMNS,
    ZERO_WHEN_EMPTY,
    DatasetFileError,
    cell_count_error,
    cell_error,
    check_dataset_header,
    check_time_order,
    default_user_id,
    parse_cell,
    parse_timestamp,
    settle_missing,
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
    # The features with what the alert policy reads beside them; None: computed when needed.
    model_input: ModelInput | None = None

    def windows(self, window: int) -> tuple[np.ndarray, np.ndarray]:
        """(windows, label of each window's last hour); the first ``window - 1`` hours have none."""
        return sliding_windows(self.features, window), self.labels[window - 1 :]


def read_household_csv(path: Path) -> pd.DataFrame:
    """Read and check one CSV of the dataset format, or a plain one; errors name the file, row and column.

    The header, cell and time-order wording is the simulator's own (``simulator.dataset_csv``),
    so both command lines name a problem the same way; the cells themselves are checked here
    with pandas, column by column. Plain CSVs (``timestamp`` and any of the sensor columns) follow
    the same convention as there: absent columns and empty cells are missing readings, carried
    forward and flagged. Hours absent from an hourly file are added as missing hours, as the
    integration fills a gap in its buffer before scoring.
    """
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    header: list[str] | None = None
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            check_dataset_header(path, header)
            _check_cell_counts(path, reader, header or [])
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


def _check_cell_counts(path: Path, reader: Iterator[list[str]], header: list[str]) -> None:
    """Refuse a row cut short or too long. pandas pads a short row with empty cells, and an empty
    cell is a missing reading in a plain CSV: a file cut off mid-row would otherwise read as fine."""
    for number, row in enumerate(reader, start=2):
        if row and len(row) != len(header):
            raise cell_count_error(path, number, header, len(row))


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
    numeric = [name for name in NUMERIC_COLUMNS if name in frame.columns]
    text = frame[numeric]
    empty = (text == "").to_numpy()
    values = text.apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(values) & ~empty
    if "anomaly_class" in numeric:
        label = numeric.index("anomaly_class")
        bad[:, label] |= empty[:, label] | (~empty[:, label] & ~np.isin(values[:, label], sorted(CLASS_CODES)))
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        cell = text[numeric[col]].iloc[row]
        parse_cell(path, row + 2, numeric[col], cell)  # raises with the simulator's wording
        raise DataError(f"{path}: row {row + 2}, column {numeric[col]}: {cell!r} is not a number")
    zero = [i for i, name in enumerate(numeric) if name in ZERO_WHEN_EMPTY]
    values[:, zero] = np.where(empty[:, zero], 0.0, values[:, zero])  # analogue empties stay NaN: missing
    times = pd.to_datetime(frame["timestamp"], format=TIMESTAMP_FORMAT, errors="coerce")
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0])
        parse_timestamp(path, row + 2, frame["timestamp"].iloc[row])
        raise DataError(
            f"{path}: row {row + 2}, column timestamp: {frame['timestamp'].iloc[row]!r} is not a time of the form "
            f"{TIMESTAMP_FORMAT}"
        )
    if "user_id" in frame.columns:
        users = frame["user_id"]
        if (users == "").any():
            row = int(np.flatnonzero((users == "").to_numpy())[0])
            raise cell_error(path, row + 2, "user_id", "empty; write the household's id, or drop the column")
    else:
        users = pd.Series(default_user_id(path), index=frame.index)
    if not _in_time_order(times, users):
        check_time_order(path, times.tolist(), users.tolist(), range(2, len(frame) + 2))
    result = pd.DataFrame(values, columns=numeric, index=frame.index)
    result.insert(0, "timestamp", times)
    result["user_id"] = users
    return pd.concat([_settled(home) for _, home in result.groupby("user_id", sort=False)], ignore_index=True)


def _settled(home: pd.DataFrame) -> pd.DataFrame:
    """One household's rows in the full layout: gaps filled, absent columns defaulted, missing flagged."""
    home = _fill_hour_gaps(home)
    columns = {name: home[name].to_numpy(np.float64) for name in NUMERIC_COLUMNS if name in home.columns}
    settle_missing(columns, len(home))
    result = pd.DataFrame({"timestamp": home["timestamp"].to_numpy()})
    for name in (*SENSOR_COLUMNS, "anomaly_class", *MISSING_COLUMNS):
        result[name] = columns[name]
    result["user_id"] = home["user_id"].iloc[0]
    return result


def _fill_hour_gaps(home: pd.DataFrame) -> pd.DataFrame:
    """Add the hours an hourly file skips, every reading missing (door and alarm 0, normal).

    Only for files whose rows all start an hour: a finer grid (the simulator's V1) is left as it is.
    """
    times = home["timestamp"]
    span = (times.iloc[-1] - times.iloc[0]) // pd.Timedelta(hours=1) + 1
    if span == len(home) or not (times.dt.floor("h") == times).all():
        return home
    full = pd.date_range(times.iloc[0], times.iloc[-1], freq="h")
    filled = home.set_index("timestamp").reindex(full)
    filled.index.name = "timestamp"
    for name in filled.columns:
        if name not in ANALOG_COLUMNS and name != "user_id":
            filled[name] = filled[name].fillna(0.0)
    filled["user_id"] = home["user_id"].iloc[0]
    return filled.reset_index()


def households_from_frame(frame: pd.DataFrame) -> list[Household]:
    homes = []
    for user_id, rows in frame.groupby("user_id", sort=True):
        timestamps = [t.to_pydatetime() for t in rows["timestamp"]]
        sensors = rows[list(SENSOR_COLUMNS)].to_numpy(np.float64)
        missing = rows[list(MISSING_COLUMNS)].to_numpy(np.float64) >= 0.5
        given = model_input(HourlyTable.from_dataset_rows(timestamps, sensors, missing))
        homes.append(
            Household(
                user_id=str(user_id),
                timestamps=timestamps,
                features=given.features,
                labels=rows["anomaly_class"].to_numpy(np.int64),
                sensors=sensors,
                missing=missing,
                model_input=given,
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
        raise DataError(
            f"{source}: no user_*.csv files; name each home's file user_<id>.csv, give one CSV file, "
            f"or build a dataset with python -m simulator build --out {source}"
        )
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
