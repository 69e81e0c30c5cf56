"""Read a zone's SQLite hour buffer from outside Home Assistant, read-only, as a crash left it."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from custom_components.home_anomaly.engine.features import hour_floor

HOUR = timedelta(hours=1)

Reading = tuple[int, str, float | None]  # sensor, UTC timestamp as stored, value


@dataclass(frozen=True)
class BufferView:
    hours: list[str]  # hour_start exactly as stored
    duplicated: list[tuple[str, int]]
    readings: dict[int, Reading]  # by row id: a reading kept across a restart keeps its id
    open_hour: str | None

    @property
    def hour_starts(self) -> set[datetime]:
        return {datetime.fromisoformat(hour) for hour in self.hours}


def read_buffer(path: Path) -> BufferView:
    # mode=ro: a writable connection could checkpoint the WAL and so change what a restarted Home
    # Assistant finds; this one only reads (and rebuilds the -shm index, which holds no data).
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5.0)) as db:
        hours = [str(row[0]) for row in db.execute("SELECT hour_start FROM hours ORDER BY hour_start")]
        duplicated = [
            (str(hour), int(count))
            for hour, count in db.execute(
                "SELECT hour_start, COUNT(*) FROM hours GROUP BY hour_start HAVING COUNT(*) > 1"
            )
        ]
        readings = {
            int(row_id): (int(sensor), str(stamp), value)
            for row_id, sensor, stamp, value in db.execute("SELECT id, sensor, timestamp, value FROM readings")
        }
        row = db.execute("SELECT value FROM state WHERE key = 'open_hour'").fetchone()
    return BufferView(hours, duplicated, readings, None if row is None else str(json.loads(row[0])))


def hour_problems(view: BufferView) -> list[str]:
    """Everything that breaks "one row per whole UTC hour" (empty when the hours are sound)."""
    problems = [f"{hour} stored {count} times" for hour, count in view.duplicated]
    starts = sorted(datetime.fromisoformat(hour) for hour in view.hours)
    if len(set(starts)) != len(view.hours):
        # The same instant spelled with two offsets would slip past the primary key.
        problems.append("one instant stored under two spellings")
    problems += [f"{start} is not on the hour" for start in starts if hour_floor(start.astimezone(UTC)) != start]
    problems += [
        f"{earlier} → {later} is not a whole number of hours"
        for earlier, later in pairwise(starts)
        if later - earlier < HOUR or (later - earlier) % HOUR
    ]
    if view.open_hour is not None and starts:
        open_hour = datetime.fromisoformat(view.open_hour)
        if open_hour <= starts[-1]:
            problems.append(f"the open hour {open_hour} is already stored as closed (last {starts[-1]})")
    return problems


def lost_readings(readings: dict[int, Reading], view: BufferView) -> dict[int, Reading]:
    """The ``readings`` that ``view`` no longer holds, neither as raw rows nor folded into a closed hour
    (closing an hour deletes its raw readings in the same transaction that stores the hour)."""
    closed = {start.astimezone(UTC) for start in view.hour_starts}
    return {
        row_id: reading
        for row_id, reading in readings.items()
        if view.readings.get(row_id) != reading
        and hour_floor(datetime.fromisoformat(reading[1]).astimezone(UTC)) not in closed
    }
