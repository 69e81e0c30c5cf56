"""The SQLite buffer on a bad day: corrupt, locked by another process, disk full, unwritable.

In every case the zone keeps running (the fire rule still raises), nothing is deleted, a repair
issue says what to do, one warning is logged however many readings arrive, and once the fault
is gone every reading and hour reaches the file.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Generator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components import home_anomaly as integration
from custom_components.home_anomaly import buffer as buffer_module
from custom_components.home_anomaly.buffer import RETRY_S, CloseHour, ReadingsBatch, SaveState, still_needed
from custom_components.home_anomaly.const import DOMAIN
from custom_components.home_anomaly.diagnostics import async_get_config_entry_diagnostics
from custom_components.home_anomaly.engine import store as store_module
from custom_components.home_anomaly.engine.features import HourlySample
from custom_components.home_anomaly.engine.store import HourlyStore, StoreError

from .conftest import clock_to, make_entry, prefill_history, record_hours, setup_entry, utc

TEMPERATURE = "sensor.living_room_temperature"
LOGGER = "custom_components.home_anomaly"


@pytest.fixture(autouse=True)
def quick_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A locked file is reported after 0.2 s instead of 5 s, so these tests stay quick."""
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.2)


def buffer_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith(LOGGER) and "buffer" in r.getMessage()]


def issue(hass: HomeAssistant, kind: str, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"buffer_{kind}_{entry.entry_id}")


def stored_temperatures(path: Path) -> list[float]:
    """What the file holds for the open hour, read by a second connection as another process would."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return [v for (v,) in db.execute("SELECT value FROM readings WHERE sensor = 0 ORDER BY id")]


async def send_temperatures(hass: HomeAssistant, values: list[float]) -> None:
    for value in values:
        hass.states.async_set(TEMPERATURE, f"{value:.2f}")
    await hass.async_block_till_done(wait_background_tasks=True)


async def retry(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    await clock_to(hass, freezer, dt_util.utcnow() + timedelta(seconds=RETRY_S + 1))


async def at_hour(hass: HomeAssistant, freezer: FrozenDateTimeFactory, hour: int) -> None:
    await clock_to(hass, freezer, f"2025-03-10 {hour:02d}:00:00+00:00")


async def fire_still_raises(hass: HomeAssistant) -> None:
    hass.states.async_set("binary_sensor.smoke_alarm", "on")
    assert hass.states.get("sensor.home_status").state == "fire"
    hass.states.async_set("binary_sensor.smoke_alarm", "off")
    await hass.async_block_till_done(wait_background_tasks=True)


class Locker:
    """Another process holding SQLite's write lock on the buffer until told to let go."""

    def __init__(self, path: Path) -> None:
        script = (
            "import sqlite3, sys\n"
            f"db = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.readline()\n"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        assert self.process.wait(timeout=10) == 0


@pytest.fixture
def locker_cleanup() -> Generator[list[Locker]]:
    lockers: list[Locker] = []
    yield lockers
    for locker in lockers:
        locker.process.kill()


async def test_a_corrupt_buffer_is_moved_aside_and_rebuilt_from_the_recorder(
    recorder_mock: object, hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    start = utc("2025-03-08 00:00:00+00:00")
    await record_hours(hass, freezer, start, 30)
    entry = make_entry()
    path = integration.store_path(hass, entry.entry_id)
    path.parent.mkdir(parents=True)
    garbage = os.urandom(3 * 4096)
    path.write_bytes(garbage)  # what a power cut on a worn SD card can leave

    await setup_entry(hass, entry)

    moved = list(path.parent.glob(f"{path.name}.corrupt-*"))
    assert [m.read_bytes() for m in moved] == [garbage]  # kept byte for byte, never deleted
    coordinator = entry.runtime_data.coordinator
    hours = await hass.async_add_executor_job(coordinator.buffer.store.hours_since, start)
    assert len(hours) >= 30  # rebuilt from the recorder's history
    found = issue(hass, "rebuilt", entry)
    assert found is not None
    assert found.translation_placeholders is not None
    assert found.translation_placeholders["moved_to"] == str(moved[0])
    assert found.is_fixable  # the user dismisses it once read
    assert len(buffer_warnings(caplog)) == 1
    await fire_still_raises(hass)

    await hass.config_entries.async_remove(entry.entry_id)  # removing the zone removes its issues...
    await hass.async_block_till_done()
    assert issue(hass, "rebuilt", entry) is None
    assert moved[0].read_bytes() == garbage  # ...but not the damaged file, which is the user's to delete


async def test_corruption_found_while_running_keeps_the_failed_readings(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    freezer.move_to("2025-03-10 14:10:00+00:00")
    await setup_entry(hass, entry)
    path = integration.store_path(hass, entry.entry_id)
    real_add = HourlyStore.add_readings
    calls: list[int] = []

    def add_readings_once_malformed(store: HourlyStore, readings: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise StoreError(store.path, "corrupt", "database disk image is malformed")
        real_add(store, readings)

    with patch.object(HourlyStore, "add_readings", add_readings_once_malformed):
        await send_temperatures(hass, [24.0, 24.5, 25.0])
        await send_temperatures(hass, [25.5])

    assert len(list(path.parent.glob(f"{path.name}.corrupt-*"))) == 1
    assert stored_temperatures(path) == [24.0, 24.5, 25.0, 25.5]  # the failed batch went to the new file
    assert issue(hass, "rebuilt", entry) is not None
    assert len(buffer_warnings(caplog)) == 1


async def test_a_disk_that_keeps_corrupting_is_not_answered_with_a_new_file_every_retry(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    freezer.move_to("2025-03-10 14:10:00+00:00")
    path = integration.store_path(hass, entry.entry_id)
    path.parent.mkdir(parents=True)
    garbage = os.urandom(4096)
    path.write_bytes(garbage)  # found corrupt at start: moved aside once
    await setup_entry(hass, entry)

    def always_malformed(store: HourlyStore, readings: Any) -> None:
        raise StoreError(store.path, "corrupt", "database disk image is malformed")

    with patch.object(HourlyStore, "add_readings", always_malformed):
        await send_temperatures(hass, [24.0])
        for _ in range(5):
            await retry(hass, freezer)
        moved = list(path.parent.glob(f"{path.name}.corrupt-*"))
        assert [m.read_bytes() for m in moved] == [garbage]  # one rebuild, then it waits; the original intact
        found = issue(hass, "unwritable", entry)
        assert found is not None
        assert found.translation_key == "buffer_corrupt"  # "check or replace the storage device"
        assert entry.runtime_data.coordinator.buffer.pending == "1 readings and 0 closed hours"
    await retry(hass, freezer)  # the device behaves again
    assert issue(hass, "unwritable", entry) is None
    assert stored_temperatures(path)[-1] == 24.0
    assert len(buffer_warnings(caplog)) == 3  # rebuilt; keeps failing; writable again


async def test_a_buffer_locked_by_another_process_is_waited_out(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    locker_cleanup: list[Locker],
) -> None:
    freezer.move_to("2025-03-10 14:10:00+00:00")
    await setup_entry(hass, entry)
    path = integration.store_path(hass, entry.entry_id)
    before = stored_temperatures(path)
    locker = Locker(path)
    locker_cleanup.append(locker)

    values = [20.0 + i / 100 for i in range(200)]
    await send_temperatures(hass, values[:100])
    found = issue(hass, "unwritable", entry)
    assert found is not None
    assert found.translation_key == "buffer_locked"
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)  # the frozen clock outdates HTTP tokens
    assert diagnostics["buffer"]["problem"] == "locked"
    assert diagnostics["buffer"]["pending"] == "100 readings and 0 closed hours"
    await fire_still_raises(hass)
    await send_temperatures(hass, values[100:])
    await retry(hass, freezer)  # still locked: retried quietly
    assert issue(hass, "unwritable", entry) is not None
    assert entry.runtime_data.coordinator.buffer.pending == "202 readings and 0 closed hours"  # + smoke on, off

    locker.release()
    await retry(hass, freezer)
    assert issue(hass, "unwritable", entry) is None
    assert stored_temperatures(path) == before + values  # every reading, in order
    warnings = buffer_warnings(caplog)
    assert len(warnings) == 2  # one when it started, one when it ended: not one per reading or retry
    assert "writable again" in warnings[1]


async def test_a_full_disk_keeps_the_hour_in_memory_until_there_is_space(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    freezer.move_to("2025-03-10 14:00:00+00:00")
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data.coordinator
    store = coordinator.buffer.store
    path = integration.store_path(hass, entry.entry_id)
    # The file may not grow by a single page: SQLite's own "database or disk is full".
    pages = store._connection.execute("PRAGMA page_count").fetchone()[0]
    store._connection.execute(f"PRAGMA max_page_count = {pages}")

    freezer.tick(timedelta(minutes=30))
    hot = [30.0 + (i % 2) / 100 for i in range(2000)]  # far more than a page; alternating: each is a change
    await send_temperatures(hass, hot)
    found = issue(hass, "unwritable", entry)
    assert found is not None
    assert found.translation_key == "buffer_full"
    await at_hour(hass, freezer, 15)  # the hour closes while the disk is full
    await send_temperatures(hass, [22.0])

    store._connection.execute("PRAGMA max_page_count = 1073741823")  # space freed
    await retry(hass, freezer)
    assert issue(hass, "unwritable", entry) is None
    hours = await hass.async_add_executor_job(store.hours_since, dt_util.utcnow() - timedelta(hours=3))
    assert [h.hour_start for h in hours] == [utc("2025-03-10 14:00:00+00:00")]
    assert abs(hours[0].values[0] - (21.3 + 30.0) / 2) < 0.02  # the closed hour saw every reading
    assert stored_temperatures(path)[-1] == 22.0  # the open hour's reading too
    assert len(buffer_warnings(caplog)) == 2


async def test_an_unwritable_config_folder_does_not_stop_the_zone(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    freezer.move_to("2025-03-10 14:10:00+00:00")
    path = integration.store_path(hass, entry.entry_id)
    path.parent.parent.mkdir(parents=True, exist_ok=True)
    path.parent.write_text("a file where the buffer folder should be")

    await setup_entry(hass, entry)  # loads: the rules do not need the buffer
    found = issue(hass, "unwritable", entry)
    assert found is not None
    assert found.translation_key == "buffer_unwritable"
    await fire_still_raises(hass)
    await send_temperatures(hass, [22.0, 22.5])
    for hour in (15, 16, 17):  # hours close while nothing can be written
        await at_hour(hass, freezer, hour)
    await send_temperatures(hass, [23.0, 23.5])
    await retry(hass, freezer)
    assert len(buffer_warnings(caplog)) == 1
    # bounded: the closed hours' summaries and the open hour's readings, not every reading since 14:10
    assert entry.runtime_data.coordinator.buffer.pending == "2 readings and 3 closed hours"

    path.parent.unlink()  # the user fixes the folder
    await retry(hass, freezer)
    assert issue(hass, "unwritable", entry) is None
    assert stored_temperatures(path)[-2:] == [23.0, 23.5]
    store = entry.runtime_data.coordinator.buffer.store
    hours = await hass.async_add_executor_job(store.hours_since, dt_util.utcnow() - timedelta(hours=4))
    assert [h.hour_start.hour for h in hours] == [14, 15, 16]
    assert hours[0].values[0] == pytest.approx(22.5)  # 14:10–15:00 at the last reading


async def test_a_buffer_of_another_schema_version_is_kept_aside(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    path = integration.store_path(hass, entry.entry_id)
    old = HourlyStore(path)
    old.put_state("schema_version", 99)  # written by a newer release, say
    old.close()
    await setup_entry(hass, entry)
    moved = list(path.parent.glob(f"{path.name}.corrupt-*"))
    assert len(moved) == 1
    with closing(sqlite3.connect(moved[0])) as db:
        assert db.execute("SELECT value FROM state WHERE key = 'schema_version'").fetchone() == ("99",)


def test_writes_kept_in_memory_are_bounded_by_an_hour() -> None:
    """A day of an unwritable buffer keeps the day's hours, the open hour's readings and one alert save."""
    start = utc("2025-03-10 00:00:00+00:00")
    queue: list[CloseHour | ReadingsBatch | SaveState] = []
    for hour in range(24):
        batch = ReadingsBatch()
        for minute in range(60):
            batch.append(0, start + timedelta(hours=hour, minutes=minute), 20.0)
        queue += [batch, SaveState("alerts", {"hour": hour})]
        sample = HourlySample(start + timedelta(hours=hour), (20.0, None, None, 0.0, 0.0))
        queue.append(CloseHour(sample, [20.0, None, None, 0.0, 0.0], start + timedelta(hours=hour + 1)))
    queue.append(open_hour := ReadingsBatch())
    kept = still_needed(queue)
    assert [op for op in kept if isinstance(op, ReadingsBatch)] == [open_hour]
    assert len([op for op in kept if isinstance(op, CloseHour)]) == 24
    assert [op.value for op in kept if isinstance(op, SaveState)] == [{"hour": 23}]


async def test_stopping_while_locked_says_what_could_not_be_saved(
    hass: HomeAssistant, entry: MockConfigEntry, caplog: pytest.LogCaptureFixture, locker_cleanup: list[Locker]
) -> None:
    await setup_entry(hass, entry)
    path = integration.store_path(hass, entry.entry_id)
    locker_cleanup.append(Locker(path))
    await send_temperatures(hass, [23.0, 23.5])
    assert await hass.config_entries.async_unload(entry.entry_id)  # one last try, still locked
    await hass.async_block_till_done()
    assert any("not save 2 readings and 0 closed hours" in w for w in buffer_warnings(caplog))
    assert issue(hass, "unwritable", entry) is None  # a zone that is not loaded has nothing to repair


async def test_hours_keep_being_scored_while_the_buffer_is_locked(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory, locker_cleanup: list[Locker]
) -> None:
    freezer.move_to("2025-03-10 14:10:00+00:00")
    prefill_history(hass, entry, days=30, end=utc("2025-03-10 14:00:00+00:00"))
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data.coordinator
    locker_cleanup.append(Locker(integration.store_path(hass, entry.entry_id)))
    scored = []
    for hour in (15, 16, 17):
        await at_hour(hass, freezer, hour)
        scored.append(coordinator.data.last_scored)
    # each hour's own window, from the hours waiting in memory: never the last written window again
    assert [dt_util.as_utc(s).hour for s in scored] == [15, 16, 17]
    assert coordinator.buffer.pending.endswith("3 closed hours")


async def test_a_buffer_that_opens_only_later_keeps_what_it_had_learned(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:10:00+00:00")
    path = integration.store_path(hass, entry.entry_id)
    saved = HourlyStore(path)
    saved.put_state("alerts", {"classes": {}, "scored_hours": 500, "recent": [[0.9, 0.02, 0.02, 0.02, 0.02, 0.02]]})
    saved.close()
    real_open = buffer_module.open_store
    failing = True

    def fails_during_setup(*args: Any) -> Any:
        if failing:
            raise StoreError(path, "unwritable", "disk I/O error")
        return real_open(*args)

    with patch.object(buffer_module, "open_store", fails_during_setup):
        await setup_entry(hass, entry)
        tracker = entry.runtime_data.coordinator.tracker
        assert tracker.scored_hours == 0  # nothing could be read at start
        failing = False
        await retry(hass, freezer)
    assert tracker.scored_hours == 500  # learned before the restart, kept
    assert issue(hass, "unwritable", entry) is None


async def test_a_flush_cancelled_by_home_assistant_stopping_is_still_accounted_for(
    hass: HomeAssistant, entry: MockConfigEntry, caplog: pytest.LogCaptureFixture, locker_cleanup: list[Locker]
) -> None:
    await setup_entry(hass, entry)
    locker_cleanup.append(Locker(integration.store_path(hass, entry.entry_id)))
    gate = threading.Event()
    real_write_all = buffer_module.write_all

    def slow_write_all(store: HourlyStore, operations: list[Any]) -> Any:
        gate.wait(10)
        return real_write_all(store, operations)

    with patch.object(buffer_module, "write_all", slow_write_all):
        hass.states.async_set(TEMPERATURE, "26.5")  # its flush starts and waits in the executor
        await asyncio.sleep(0)
        for task in list(hass._background_tasks):  # what Home Assistant does before stopping integrations
            task.cancel()
        await asyncio.sleep(0)
        unload = hass.async_create_task(hass.config_entries.async_unload(entry.entry_id))
        await asyncio.sleep(0.1)
        gate.set()
        assert await unload
    # the cancelled flush's reading (locked: not written) is counted, not silently dropped
    assert any("not save 1 readings" in w for w in buffer_warnings(caplog))


async def test_a_read_whose_caller_is_cancelled_keeps_the_file_open_until_it_is_done(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    # An unloading entry cancels its tasks (a backtest learning from history, say) while the
    # executor is in the file; closing the connection under that thread would leak or break it.
    await setup_entry(hass, entry)
    buffer = entry.runtime_data.coordinator.buffer
    started, release = threading.Event(), threading.Event()

    def slow_read(store: HourlyStore) -> int:
        started.set()
        release.wait(5)
        return store.hour_count()

    reading = hass.async_create_task(buffer.async_read(slow_read))
    await hass.async_add_executor_job(started.wait, 5)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    closing_buffer = hass.async_create_task(buffer.async_close())
    await asyncio.sleep(0.05)
    assert not closing_buffer.done() and buffer.store is not None  # the read is still in the file
    release.set()
    await closing_buffer
    assert buffer.store is None
