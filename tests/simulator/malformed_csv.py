"""Malformed dataset CSVs, shared by the simulator's and the trainer's command-line tests.

Each case edits a valid household file (as rows of cells, the header first) and says what the
one error line must name besides the file: the row (1-based, the header is row 1) and the column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Rows = list[list[str]]


@dataclass(frozen=True)
class Malformed:
    kind: str
    edit: Callable[[Rows], None]
    expected: Callable[[Rows], tuple[str, ...]]  # fragments of the error line, from the unedited rows

    def write(self, source: Path, target: Path, rows: int = 40) -> tuple[str, ...]:
        """Write the first ``rows`` data rows of ``source``, edited, to ``target``; returns the fragments."""
        original = [line.split(",") for line in source.read_text().splitlines()[: rows + 1]]
        edited = [list(cells) for cells in original]
        self.edit(edited)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(",".join(cells) for cells in edited) + "\n")
        return self.expected(original)


def _drop_column(name: str) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        index = rows[0].index(name)
        for cells in rows:
            del cells[index]

    return edit


def _drop_columns(*names: str) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        for name in names:
            _drop_column(name)(rows)

    return edit


def _swap_columns(first: str, second: str) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        i, j = rows[0].index(first), rows[0].index(second)
        for cells in rows:
            cells[i], cells[j] = cells[j], cells[i]

    return edit


def _set_cell(row: int, column: str, value: str) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        rows[row - 1][rows[0].index(column)] = value

    return edit


def _copy_row(source: int, target: int) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        rows[target - 1] = list(rows[source - 1])

    return edit


def _swap_rows(first: int, second: int) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        rows[first - 1], rows[second - 1] = rows[second - 1], rows[first - 1]

    return edit


def _extra_cell(row: int) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        rows[row - 1].append("1")

    return edit


def _cut_row(row: int, cells: int) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        del rows[row - 1][cells:]

    return edit


# The five kinds of issue 7, then what a hand-edited or cut-off file also holds.
MALFORMED = [
    # Every column but the time is optional (plain CSVs, issue 13): the time is what can be missing.
    Malformed(
        "missing column",
        _drop_column("timestamp"),
        lambda rows: ("row 1", "column timestamp", "missing"),
    ),
    Malformed(
        "columns in the wrong order",
        _swap_columns("temperature_c", "humidity_pct"),
        lambda rows: ("row 1", "column 2", "found humidity_pct where temperature_c belongs"),
    ),
    Malformed(
        "non-numeric cell",
        _set_cell(6, "humidity_pct", "wet"),
        lambda rows: ("row 6", "column humidity_pct", "'wet' is not a number"),
    ),
    Malformed(
        "duplicated timestamp",
        _copy_row(7, 8),
        lambda rows: ("row 8", "column timestamp", f"{rows[6][0]} repeats row 7"),
    ),
    Malformed(
        "timestamps out of order",
        _swap_rows(10, 11),
        lambda rows: ("row 11", "column timestamp", f"{rows[9][0]} is earlier than {rows[10][0]} in row 10"),
    ),
    Malformed(
        "malformed timestamp",
        _set_cell(3, "timestamp", "2025-13-01 00:00:00"),
        lambda rows: ("row 3", "column timestamp", "'2025-13-01 00:00:00'"),
    ),
    Malformed(
        "not a finite number",
        _set_cell(5, "fridge_power_w", "inf"),
        lambda rows: ("row 5", "column fridge_power_w", "'inf' is not a finite number"),
    ),
    Malformed(
        "unknown anomaly class",
        _set_cell(4, "anomaly_class", "7"),
        lambda rows: ("row 4", "column anomaly_class", "'7' is not an anomaly class"),
    ),
    Malformed(
        "a cell too many",
        _extra_cell(9),
        lambda rows: ("row 9", f"column {len(rows[0]) + 1}: no such column"),
    ),
    Malformed(
        "row cut off",
        _cut_row(12, 3),
        lambda rows: ("row 12", "column fridge_power_w"),
    ),
    Malformed(
        "no sensor column",
        _drop_columns("temperature_c", "humidity_pct", "fridge_power_w", "front_door_open", "fire_alarm"),
        lambda rows: ("row 1", "none of the sensor columns"),
    ),
]
