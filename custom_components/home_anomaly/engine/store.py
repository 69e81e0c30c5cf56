"""The SQLite hourly buffer: completed hours, the open hour's raw readings, and small state.

One file per monitored zone, in WAL mode. Completed hours are the model's history; the open
hour's readings are kept one by one so a restart (or a crash) loses none of them. Every method
blocks on disk I/O: the integration calls them from the executor, never the event loop.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

from .features import HourlySample

SCHEMA_VERSION: Final = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS hours (
    hour_start TEXT PRIMARY KEY,      -- ISO 8601 local time with UTC offset
    temperature_c REAL,               -- NULL = missing
    humidity_pct REAL,
    fridge_power_w REAL,
    front_door_open REAL NOT NULL,
    fire_alarm REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS readings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sensor INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    value REAL                         -- NULL = unknown / unavailable
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _stamp(moment: datetime) -> str:
    """Instants are stored in UTC, so text order is time order whatever the local offset."""
    return moment.astimezone(UTC).isoformat()


BUSY_TIMEOUT_S: Final = 5.0  # how long a write waits for another process's lock
StoreProblem = Literal["corrupt", "locked", "full", "unwritable"]


class StoreError(Exception):
    """The buffer file cannot be used right now; ``problem`` says why and so what to do.

    ``corrupt`` files are moved aside and rebuilt; the other problems are waited out, with the
    writes kept in memory meanwhile.
    """

    def __init__(self, path: Path, problem: StoreProblem, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.problem: StoreProblem = problem
        self.detail = detail


def classify(err: sqlite3.Error) -> StoreProblem:
    name = getattr(err, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return "corrupt"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "locked"
    if name == "SQLITE_FULL":
        return "full"
    return "unwritable"  # I/O errors, read-only file system, permissions; never a reason to move a file


def move_aside(path: Path, now: datetime) -> Path:
    """Rename a corrupt buffer (and its WAL files) out of the way; nothing is deleted or overwritten."""
    stamp = f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for attempt in range(2, 1000):
        if not any(target.with_name(target.name + s).exists() for s in ("", "-wal", "-shm")):
            break
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{attempt}")
    try:
        for suffix in ("", "-wal", "-shm"):
            source = path.with_name(path.name + suffix)
            if source.exists():
                source.rename(target.with_name(target.name + suffix))
    except OSError as err:  # e.g. the file system went read-only: wait, as for any unwritable buffer
        raise StoreError(path, "unwritable", f"cannot move the corrupt buffer aside: {err}") from err
    return target


class HourlyStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        with self._errors():
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")  # in WAL mode a killed process loses nothing
                self._connection.executescript(_SCHEMA)
                version = self._get("schema_version")
                if version is None:
                    self._put("schema_version", SCHEMA_VERSION)
                elif version != SCHEMA_VERSION:
                    raise StoreError(path, "corrupt", f"buffer schema {version}, this version reads {SCHEMA_VERSION}")
                self._db.commit()
            except BaseException:
                self._db.close()
                raise

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> HourlyStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def _connection(self) -> sqlite3.Connection:
        assert self._db is not None
        return self._db

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Every SQLite failure leaves as a ``StoreError`` saying which kind of problem it is."""
        try:
            yield
        except sqlite3.Error as err:
            raise StoreError(self.path, classify(err), str(err)) from err
        except OSError as err:  # the folder cannot be created
            raise StoreError(self.path, "unwritable", str(err)) from err

    # --- readings of the open hour ---------------------------------------------------------

    def add_readings(self, readings: Iterable[tuple[int, datetime, float | None]]) -> None:
        rows = [(sensor, _stamp(moment), value) for sensor, moment, value in readings]
        with self._lock, self._errors(), self._transaction():
            self._connection.executemany("INSERT INTO readings (sensor, timestamp, value) VALUES (?, ?, ?)", rows)

    def open_readings(self) -> list[tuple[int, datetime, float | None]]:
        with self._lock, self._errors():
            query = "SELECT sensor, timestamp, value FROM readings ORDER BY timestamp, id"
            rows = self._connection.execute(query).fetchall()
        return [(int(sensor), datetime.fromisoformat(stamp), value) for sensor, stamp, value in rows]

    # --- completed hours -----------------------------------------------------------------------

    def close_hour(self, sample: HourlySample, carried: list[float | None], next_hour: datetime) -> None:
        """Store a completed hour and drop its raw readings, atomically."""
        temperature, humidity, power, door, fire = sample.values
        with self._lock, self._errors(), self._transaction():
            self._connection.execute(
                "INSERT OR REPLACE INTO hours VALUES (?, ?, ?, ?, ?, ?)",
                (_stamp(sample.hour_start), temperature, humidity, power, door, fire),
            )
            self._connection.execute("DELETE FROM readings WHERE timestamp < ?", (_stamp(next_hour),))
            self._put("carried", carried)
            self._put("open_hour", _stamp(next_hour))

    def add_hours(self, samples: Iterable[HourlySample]) -> int:
        """Insert hours that are not stored yet (warm start, history import); returns how many."""
        rows = [(_stamp(s.hour_start), *s.values) for s in samples]
        with self._lock, self._errors(), self._transaction():
            before = self._connection.total_changes
            self._connection.executemany("INSERT OR IGNORE INTO hours VALUES (?, ?, ?, ?, ?, ?)", rows)
            return self._connection.total_changes - before

    def hours_since(self, start: datetime) -> list[HourlySample]:
        with self._lock, self._errors():
            rows = self._connection.execute(
                "SELECT * FROM hours WHERE hour_start >= ? ORDER BY hour_start", (_stamp(start),)
            ).fetchall()
        return [
            HourlySample(datetime.fromisoformat(stamp), (t, h, p, float(d), float(f))) for stamp, t, h, p, d, f in rows
        ]

    def hour_count(self) -> int:
        with self._lock, self._errors():
            return int(self._connection.execute("SELECT COUNT(*) FROM hours").fetchone()[0])

    def last_hour(self) -> datetime | None:
        with self._lock, self._errors():
            row = self._connection.execute("SELECT MAX(hour_start) FROM hours").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    # --- small JSON state (carried sensor values, open hour, alert state) -----------------------

    def get_state(self, key: str) -> Any:
        with self._lock, self._errors():
            return self._get(key)

    def put_state(self, key: str, value: Any) -> None:
        with self._lock, self._errors(), self._transaction():
            self._put(key, value)

    def _get(self, key: str) -> Any:
        row = self._connection.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def _put(self, key: str, value: Any) -> None:
        self._connection.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, json.dumps(value)))

    def _transaction(self) -> sqlite3.Connection:
        return self._connection  # "with connection": commit on success, roll back on error
