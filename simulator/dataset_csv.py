"""Read and check CSVs of the dataset format (SPEC §4) without pandas.

Every refusal is one line naming the file, the row (1-based; the header is row 1) and the
column, so a hand-edited, truncated or concatenated file can be fixed with a text editor. The
trainer reads with pandas for speed but raises its header and time-order errors through the
helpers here, so both command lines word the same problem the same way.

Plain CSVs, the way users have their data, read too (the real-homes conventions): ``timestamp``
plus any subset of the sensor columns, in the dataset's column order; every other column is
optional. What an absent column or an empty cell means is decided here, once:

* an analogue sensor (temperature, humidity, fridge power) absent or empty is *missing*: the
  previous reading is carried forward (0 before any) and ``<sensor>_missing`` is 1;
* door and fire alarm absent or empty read 0, as the integration reads an empty role;
* ``meta_*`` and ``*_missing`` absent or empty read 0; ``anomaly_class`` absent reads 0 (normal),
  but an empty label cell is refused: a label nobody wrote is not "normal";
* ``user_id`` absent is the file's name without ``user_`` and ``.csv`` (``user_<id>.csv``).
"""

from __future__ import annotations

import csv
import math
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from custom_components.home_anomaly.engine.arrays import FloatArray
from custom_components.home_anomaly.engine.schema import (
    ANOMALY_CLASS_NAMES,
    DATASET_COLUMNS,
    META_COLUMNS,
    MISSING_COLUMNS,
    SENSOR_COLUMNS,
    TIMESTAMP_FORMAT,
)

from .dataset import SimulatorError

# Only the time is required; a plain CSV carries whichever of the rest it has (see above).
REQUIRED_COLUMNS = ("timestamp",)
OPTIONAL_COLUMNS = tuple(name for name in DATASET_COLUMNS if name not in REQUIRED_COLUMNS)
NUMERIC_COLUMNS = (*SENSOR_COLUMNS, "anomaly_class", *META_COLUMNS, *MISSING_COLUMNS)
ANALOG_COLUMNS = SENSOR_COLUMNS[:3]
# Columns whose empty cell (or absence) reads 0.
ZERO_WHEN_EMPTY = frozenset((*SENSOR_COLUMNS[3:], *META_COLUMNS, *MISSING_COLUMNS))
CLASS_CODES = frozenset(float(code) for code in ANOMALY_CLASS_NAMES)
# strptime would also take "2025-1-1 0:0:0"; the dataset always writes the zero-padded form.
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


class DatasetFileError(SimulatorError):
    """A dataset CSV that cannot be used; the message names the file, row and column."""


def cell_error(path: Path, row: int, column: str, problem: str) -> DatasetFileError:
    return DatasetFileError(f"{path}: row {row}, column {column}: {problem}")


def check_header(
    path: Path, header: Sequence[str] | None, expected: Sequence[str], optional: Sequence[str] = ()
) -> dict[str, int]:
    """Each known column's index in ``header``; refuses missing, repeated or out-of-order columns.

    Columns the format does not know are ignored, so a spreadsheet's extra notes column does not
    stop a run.
    """
    listing = ", ".join(expected)
    if not header:
        raise DatasetFileError(f"{path}: row 1: no header; expected the columns {listing}")
    position: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in position:
            raise cell_error(path, 1, name, f"appears twice (columns {position[name] + 1} and {index + 1})")
        position[name] = index
    absent = [name for name in expected if name not in position and name not in optional]
    if absent:
        columns = "column" if len(absent) == 1 else "columns"
        raise DatasetFileError(
            f"{path}: row 1, {columns} {', '.join(absent)}: missing from the header; expected the columns {listing}"
        )
    found = [name for name in header if name in expected]
    wanted = [name for name in expected if name in position]
    for name, belongs in zip(found, wanted, strict=True):
        if name != belongs:
            raise DatasetFileError(
                f"{path}: row 1, column {position[name] + 1}: found {name} where {belongs} belongs "
                f"({name} belongs in column {list(expected).index(name) + 1}); "
                f"expected the columns in the order {listing}"
            )
    return {name: position[name] for name in wanted}


def check_dataset_header(path: Path, header: Sequence[str] | None) -> dict[str, int]:
    """``check_header`` for a household file: ``timestamp`` and at least one sensor column.

    A header with no sensor column is almost always a file the reader split wrongly (a
    semicolon-separated export) or named differently; reading it would give a home whose every
    hour is missing, so it is refused with the columns it does have.
    """
    if header and len(header) == 1 and ";" in header[0]:
        raise DatasetFileError(
            f"{path}: row 1: the header {header[0]!r} is separated by ';'; save the file with ',' between columns"
        )
    index = check_header(path, header, DATASET_COLUMNS, OPTIONAL_COLUMNS)
    if not any(name in index for name in SENSOR_COLUMNS):
        found = ", ".join(name for name in header or () if name != "timestamp") or "nothing else"
        raise DatasetFileError(
            f"{path}: row 1: none of the sensor columns {', '.join(SENSOR_COLUMNS)} (found {found}); "
            "name each sensor's column as listed"
        )
    return index


def default_user_id(path: Path) -> str:
    """The household id of a file without a ``user_id`` column: ``user_<id>.csv`` → ``<id>``."""
    stem = path.stem
    return stem[len("user_") :] if stem.startswith("user_") and len(stem) > len("user_") else stem


def cell_count_error(path: Path, row: int, header: Sequence[str], cells: int) -> DatasetFileError:
    """A row shorter (e.g. a file cut off mid-row) or longer than the header."""
    if cells < len(header):
        problem = f"missing (the row has {cells} cells, the header {len(header)})"
        return cell_error(path, row, header[cells], problem)
    return cell_error(
        path, row, str(len(header) + 1), f"no such column (the row has {cells} cells, the header {len(header)})"
    )


def parse_timestamp(path: Path, row: int, text: str, column: str = "timestamp") -> datetime:
    if _TIMESTAMP.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # e.g. month 13: reported below like any other malformed time
    raise cell_error(path, row, column, f"{text!r} is not a time of the form {TIMESTAMP_FORMAT}")


def parse_number(path: Path, row: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise cell_error(path, row, column, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise cell_error(path, row, column, f"{text!r} is not a finite number")
    if column == "anomaly_class" and value not in CLASS_CODES:
        raise cell_error(path, row, column, f"{text!r} is not an anomaly class (0–{len(ANOMALY_CLASS_NAMES) - 1})")
    return value


def parse_cell(path: Path, row: int, column: str, text: str) -> float:
    """One numeric cell; an empty one means what the module docstring says (NaN = missing)."""
    if text == "":
        if column in ANALOG_COLUMNS:
            return math.nan
        if column in ZERO_WHEN_EMPTY:
            return 0.0
        raise cell_error(path, row, column, "empty; write 0 for a normal hour or drop the column")
    return parse_number(path, row, column, text)


def settle_missing(values: dict[str, FloatArray], rows: int) -> None:
    """Apply the missing-data convention in place to the columns of one file or household.

    Absent columns become their defaults; an analogue reading that is NaN (an empty cell, an
    absent column) gets ``<sensor>_missing`` = 1 and the previous reading carried forward (0
    before any), the layout every dataset file has.
    """
    for name in NUMERIC_COLUMNS:
        if name not in values:
            values[name] = np.full(rows, math.nan if name in ANALOG_COLUMNS else 0.0)
    for name, flag in zip(ANALOG_COLUMNS, MISSING_COLUMNS, strict=True):
        column = values[name]
        absent = np.isnan(column)
        if not absent.any():
            continue
        values[flag] = np.where(absent, 1.0, values[flag])
        last = np.maximum.accumulate(np.where(absent, -1, np.arange(rows)))
        values[name] = np.where(last >= 0, column[np.maximum(last, 0)], 0.0)


def check_time_order(path: Path, timestamps: Sequence[datetime], users: Sequence[str], rows: Sequence[int]) -> None:
    """Refuse a household's hour that repeats or goes back in time; ``rows`` are the rows' file numbers.

    A combined file holds many households one after another, so the order is checked per household.
    """
    latest: dict[str, int] = {}
    for position, (moment, user) in enumerate(zip(timestamps, users, strict=True)):
        before = latest.get(user)
        if before is not None and moment <= timestamps[before]:
            raise _time_order_error(path, timestamps, users, rows, position, before)
        latest[user] = position


def _time_order_error(
    path: Path, timestamps: Sequence[datetime], users: Sequence[str], rows: Sequence[int], position: int, before: int
) -> DatasetFileError:
    moment, user = timestamps[position], users[position]
    text = moment.strftime(TIMESTAMP_FORMAT)
    # Only reached once per failing file, so a linear search for the first copy costs nothing.
    first = next(i for i in range(position + 1) if users[i] == user and timestamps[i] == moment)
    if first < position:
        return cell_error(
            path, rows[position], "timestamp", f"{text} repeats row {rows[first]} of {user}; each hour may appear once"
        )
    return cell_error(
        path,
        rows[position],
        "timestamp",
        f"{text} is earlier than {timestamps[before].strftime(TIMESTAMP_FORMAT)} in row {rows[before]} of {user}; "
        "rows of a household must be in time order",
    )


@dataclass
class DatasetRows:
    """The checked rows of one dataset CSV, column by column."""

    timestamps: list[datetime]
    user_ids: list[str]
    values: dict[str, FloatArray]  # the requested numeric columns, in file order
    rows: Sequence[int]  # each row's number in the file, for messages


def read_dataset_csv(path: Path, columns: Sequence[str] = NUMERIC_COLUMNS) -> DatasetRows:
    """Read and check every row of a dataset CSV (or a plain one); keep the numeric ``columns`` asked for.

    Every numeric cell is checked, not only the kept ones: a file with a broken column is broken.
    Absent columns and empty cells follow the module's convention (missing analogue readings are
    carried forward and flagged), per household.
    """
    unknown = [name for name in columns if name not in NUMERIC_COLUMNS]
    if unknown:
        raise ValueError(f"not numeric dataset columns: {', '.join(unknown)}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            try:
                header = next(reader, None)
                index = check_dataset_header(path, header)
                return _read_rows(path, reader, index, list(header or ()), columns)
            except UnicodeDecodeError:
                raise DatasetFileError(
                    f"{path}: row {reader.line_num + 1}: not UTF-8 text; is it a CSV file?"
                ) from None
            except csv.Error as err:
                raise DatasetFileError(f"{path}: row {reader.line_num}: not a readable CSV ({err})") from None
    except FileNotFoundError:
        raise DatasetFileError(f"{path}: no such file") from None
    except OSError as err:
        raise DatasetFileError(f"{path}: cannot be read ({err.strerror or err})") from None


def _read_rows(
    path: Path, reader: Iterator[list[str]], index: dict[str, int], header: list[str], columns: Sequence[str]
) -> DatasetRows:
    time_column, user_column = index["timestamp"], index.get("user_id")
    file_user = default_user_id(path)
    present = {name: array("d") for name in NUMERIC_COLUMNS if name in index}
    numeric = [(name, index[name], present[name]) for name in present]
    timestamps: list[datetime] = []
    users: list[str] = []
    interned: dict[str, str] = {}
    rows = array("l")
    for number, row in enumerate(reader, start=2):
        if not row:
            continue  # a blank line, e.g. at the end of a hand-edited file
        if len(row) != len(header):
            raise cell_count_error(path, number, header, len(row))
        timestamps.append(parse_timestamp(path, number, row[time_column]))
        user = file_user if user_column is None else row[user_column]
        if not user:
            raise cell_error(path, number, "user_id", "empty; write the household's id, or drop the column")
        users.append(interned.setdefault(user, user))
        rows.append(number)
        for name, column, target in numeric:
            target.append(parse_cell(path, number, name, row[column]))
    if not timestamps:
        raise DatasetFileError(f"{path}: row 2: no data rows after the header")
    check_time_order(path, timestamps, users, rows)
    settled = {name: np.frombuffer(present[name], np.float64).copy() for name in present}
    _settle_per_household(settled, users)
    return DatasetRows(timestamps, users, {name: settled[name] for name in columns}, rows)


def _settle_per_household(values: dict[str, FloatArray], users: Sequence[str]) -> None:
    """``settle_missing`` on each household's rows: a reading is never carried into the next home."""
    n = len(users)
    if len(set(users)) == 1:
        settle_missing(values, n)
        return
    names = np.array(users)
    for name in NUMERIC_COLUMNS:
        values.setdefault(name, np.full(n, math.nan if name in ANALOG_COLUMNS else 0.0))
    for user in dict.fromkeys(users):
        rows = np.flatnonzero(names == user)
        part = {name: column[rows] for name, column in values.items()}
        settle_missing(part, rows.size)
        for name, column in part.items():
            values[name][rows] = column
