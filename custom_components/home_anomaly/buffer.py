"""The zone's SQLite buffer as the coordinator uses it: ordered writes, and bad days survived.

Writes are queued on the event loop and flushed in order by one executor job at a time. When
the file cannot be written (locked by another program, disk full, I/O error) the writes stay
in memory — bounded, because an hour's readings are dropped once the hour itself is queued —
and are retried every ``RETRY_S`` seconds; a repair issue says what to do and one log line says
what happened. A corrupt file is moved aside (never deleted), a fresh one is started and filled
again from the recorder, and a repair issue names where the old file went.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .engine.features import HourlySample
from .engine.store import HourlyStore, StoreError, move_aside
from .repairs import async_buffer_rebuilt, async_buffer_unwritable, async_buffer_writable

_LOGGER = logging.getLogger(__name__)
RETRY_S: Final = 30.0
T = TypeVar("T")


@dataclass
class ReadingsBatch:
    """Readings waiting for the next flush, written in one transaction.

    Three flat lists rather than a tuple per reading: ints, datetimes and floats are not tracked
    by the garbage collector, tuples are, and a flood of them makes the collector run more often
    on Home Assistant's event loop.
    """

    sensors: list[int] = field(default_factory=list)
    moments: list[datetime] = field(default_factory=list)
    values: list[float | None] = field(default_factory=list)

    def append(self, sensor: int, moment: datetime, value: float | None) -> None:
        self.sensors.append(sensor)
        self.moments.append(moment)
        self.values.append(value)

    def __call__(self, store: HourlyStore) -> None:
        store.add_readings(zip(self.sensors, self.moments, self.values, strict=True))


@dataclass(frozen=True)
class CloseHour:
    sample: HourlySample
    carried: list[float | None]
    next_hour: datetime

    def __call__(self, store: HourlyStore) -> None:
        store.close_hour(self.sample, self.carried, self.next_hour)


@dataclass(frozen=True)
class SaveState:
    key: str
    value: Any

    def __call__(self, store: HourlyStore) -> None:
        store.put_state(self.key, self.value)


Operation = ReadingsBatch | CloseHour | SaveState


def still_needed(operations: list[Operation]) -> list[Operation]:
    """The writes worth keeping while the file cannot be written.

    Readings queued before an hour's close are summarised by that close (which deletes them from
    the file anyway), and only the last save of each state key matters.
    """
    last_close = max((i for i, op in enumerate(operations) if isinstance(op, CloseHour)), default=-1)
    last_save = {op.key: i for i, op in enumerate(operations) if isinstance(op, SaveState)}
    return [
        op
        for i, op in enumerate(operations)
        if not (isinstance(op, ReadingsBatch) and i < last_close)
        and not (isinstance(op, SaveState) and last_save[op.key] != i)
    ]


def _close_opened(opening: asyncio.Future[tuple[HourlyStore, Path | None]]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result()[0].close()  # microseconds; this runs once, at shutdown


def open_store(path: Path, now: datetime, may_move: bool) -> tuple[HourlyStore, Path | None]:
    """Open the buffer; a corrupt one is moved aside first (if ``may_move``). Returns where it went."""
    try:
        return HourlyStore(path), None
    except StoreError as err:
        if err.problem != "corrupt" or not may_move:
            raise
        moved = move_aside(path, now)
    return HourlyStore(path), moved


def write_all(store: HourlyStore, operations: list[Operation]) -> tuple[int, StoreError | None]:
    """Apply operations in order; how many succeeded, and the error that stopped the rest."""
    for done, operation in enumerate(operations):
        try:
            operation(store)
        except StoreError as err:
            return done, err
    return len(operations), None


class ZoneBuffer:
    def __init__(
        self,
        hass: HomeAssistant,
        entry: Any,
        path: Path,
        on_opened: Callable[[HourlyStore, bool], Awaitable[None]],
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.path = path
        self.store: HourlyStore | None = None
        self.problem: StoreError | None = None  # shown in diagnostics while it lasts
        self.moved_aside: list[Path] = []
        self._on_opened = on_opened
        self._pending: list[Operation] = []
        self._flush_scheduled = False
        self._lock = asyncio.Lock()
        self._closed = False
        self._cancel_retry: CALLBACK_TYPE | None = None
        # The write the executor is doing: Home Assistant cancels background tasks before it
        # stops integrations, so a cancelled flush leaves it here for async_close to collect.
        self._in_flight: tuple[asyncio.Future[tuple[int, StoreError | None]], list[Operation]] | None = None
        # A use of the file (a read, a warm start, a backtest) whose caller was cancelled: the
        # executor may still be in the file, so async_close waits for it before closing.
        self._in_use: asyncio.Future[Any] | None = None

    @property
    def pending(self) -> str:
        """What is waiting to be written, in words a log reader understands."""
        readings = sum(len(op.sensors) for op in self._pending if isinstance(op, ReadingsBatch))
        hours = sum(1 for op in self._pending if isinstance(op, CloseHour))
        return f"{readings} readings and {hours} closed hours"

    @callback
    def unwritten_hours(self) -> list[HourlySample]:
        """Closed hours still waiting to be written: scoring uses them while the file cannot take them."""
        return [op.sample for op in self._pending if isinstance(op, CloseHour)]

    async def async_open(self) -> bool:
        """Open the file (moving a corrupt one aside); False while it cannot be opened."""
        # At most one file is moved aside per run: storage that corrupts every new file is waited
        # out (and reported), not answered with a new moved-aside file at every retry.
        may_move = not self.moved_aside
        # Opening and closing go through loop.run_in_executor, not hass.async_add_executor_job:
        # Home Assistant cancels the executor futures it tracks when it stops, and a connection
        # opened for a cancelled future, or a close that never ran, stays open.
        opening = self.hass.loop.run_in_executor(None, open_store, self.path, dt_util.utcnow(), may_move)
        try:
            self.store, moved = await asyncio.shield(opening)
        except asyncio.CancelledError:
            # Setup cancelled while the executor opens the file: the connection it returns would
            # belong to nobody, so close it the moment it arrives.
            opening.add_done_callback(_close_opened)
            raise
        except StoreError as err:
            self._failed(err)
            return False
        if moved is not None:
            self._rebuilt(moved, "at start")
        return True

    # --- writes --------------------------------------------------------------------------------

    @callback
    def add_reading(self, sensor: int, moment: datetime, value: float | None) -> None:
        last = self._pending[-1] if self._pending else None
        if isinstance(last, ReadingsBatch):
            last.append(sensor, moment, value)  # one INSERT batch per flush, in order
        else:
            batch = ReadingsBatch()
            batch.append(sensor, moment, value)  # before queueing: the flush task starts eagerly
            self.queue(batch)

    @callback
    def queue(self, operation: Operation) -> None:
        """Persist in order, soon: a flood of readings becomes one executor job per batch."""
        self._pending.append(operation)
        if not self._flush_scheduled and self.problem is None:  # while a problem lasts, the retry flushes
            self._flush_scheduled = True
            self.hass.async_create_background_task(self.async_flush(), f"{DOMAIN} persist")

    async def async_flush(self) -> None:
        async with self._lock:
            await self._drain()

    async def async_read(self, read: Callable[[HourlyStore], T]) -> T | None:
        """Run ``read`` in the executor once everything queued is written; None without a file."""
        # Untracked (see _drain): a read Home Assistant cancels would leave the thread in the file.
        return await self.async_use(lambda store: self.hass.loop.run_in_executor(None, read, store))

    async def async_use(self, use: Callable[[HourlyStore], Awaitable[T]]) -> T | None:
        """Await ``use(store)`` with the file to itself, once everything queued is written.

        A cancelled caller (a task of an unloading entry, Home Assistant stopping) does not end
        the use: it goes on, shielded, and async_close waits for it before closing the file."""
        async with self._lock:
            await self._drain()
            if self.store is None:
                return None
            using = asyncio.ensure_future(use(self.store))
            try:
                return await asyncio.shield(using)
            except StoreError as err:
                await self._handle(err)
                return None
            except asyncio.CancelledError:
                self._in_use = using
                raise

    async def async_close(self) -> None:
        async with self._lock:
            self._closed = True
            if self._in_use is not None:
                using, self._in_use = self._in_use, None
                await asyncio.gather(using, return_exceptions=True)  # its thread out of the file first
            if self._cancel_retry is not None:
                self._cancel_retry()
                self._cancel_retry = None
            try:
                await self._drain()  # one last try, whatever happened before
            except asyncio.CancelledError:
                # Home Assistant's last shutdown stage cancels what is still running: close here,
                # on the loop (nothing else runs any more; it waits only for a write in flight),
                # or the connection stays open until the process ends.
                if self.store is not None:
                    self.store.close()
                    self.store = None
                raise
            if self._pending:
                _LOGGER.warning("Could not save %s to the buffer %s before stopping", self.pending, self.path)
            if self.store is not None:
                await self.hass.loop.run_in_executor(None, self.store.close)  # untracked: see async_open
                self.store = None

    async def _drain(self) -> None:
        """Write the queue (the caller holds the lock: one executor job uses the file at a time)."""
        self._flush_scheduled = False
        await self._collect_in_flight()
        if self.store is None:
            if self._closed or not await self.async_open():
                return
            if not await self._opened(fresh=bool(self.moved_aside)):  # opened only now: catch up
                return
        while self._pending:
            assert self.store is not None
            batch, self._pending = self._pending, []
            # Not hass.async_add_executor_job: Home Assistant cancels the futures it tracks for
            # background tasks when it stops, and the result of this write must not be lost.
            future = self.hass.loop.run_in_executor(None, write_all, self.store, batch)
            self._in_flight = (future, batch)
            done, error = await asyncio.shield(future)  # cancelled: async_close collects it
            self._in_flight = None
            if error is not None:
                self._pending = batch[done:] + self._pending  # _failed keeps what is still needed
                await self._handle(error)
                if self.store is None or self.problem is not None:
                    return
        if self.problem is not None:
            self._recovered()

    # --- problems ------------------------------------------------------------------------------

    async def _collect_in_flight(self) -> None:
        """Wait for a write whose flush was cancelled, and keep what it could not write (first: the
        next flush must neither overtake it nor lose track of it)."""
        if self._in_flight is None:
            return
        future, batch = self._in_flight
        self._in_flight = None
        done, error = await future
        if error is not None:
            self._pending = batch[done:] + self._pending  # written next, in order

    async def _handle(self, err: StoreError) -> None:
        if err.problem != "corrupt" or self.moved_aside:  # one rebuild per run, then wait (failing storage)
            self._failed(err)
            return
        assert self.store is not None
        broken, self.store = self.store, None
        await self.hass.loop.run_in_executor(None, broken.close)  # untracked: see async_open
        try:
            moved = await self.hass.async_add_executor_job(move_aside, self.path, dt_util.utcnow())
        except StoreError as move_failed:
            self._failed(move_failed)
            return
        self._rebuilt(moved, "while running")
        if await self.async_open():
            await self._opened(fresh=True)

    async def _opened(self, fresh: bool) -> bool:
        """Let the coordinator catch up a file opened late (``fresh``: a new, empty one)."""
        assert self.store is not None
        try:
            await self._on_opened(self.store, fresh)
        except StoreError as err:  # the file fails at once (failing storage): waited out like any write
            self._failed(err)
            return False
        return True

    @callback
    def _rebuilt(self, moved: Path, when: str) -> None:
        self.moved_aside.append(moved)
        _LOGGER.warning(
            "The buffer of %s was corrupt (found %s); moved it to %s and started a new one, filled from the "
            "recorder's history",
            self.entry.title,
            when,
            moved,
        )
        async_buffer_rebuilt(self.hass, self.entry, moved)

    @callback
    def _failed(self, err: StoreError) -> None:
        """Log the first failure of each kind (not every retry), raise the repair issue, retry later."""
        self._pending = still_needed(self._pending)  # bounded however long this lasts
        if self.problem is None or self.problem.problem != err.problem:
            _LOGGER.warning(
                "Cannot write the buffer of %s (%s); keeping %s in memory and retrying every %.0f s",
                self.entry.title,
                err,
                self.pending,
                RETRY_S,
            )
            async_buffer_unwritable(self.hass, self.entry, err)
        self.problem = err
        if self._cancel_retry is None and not self._closed:
            self._cancel_retry = async_call_later(self.hass, RETRY_S, HassJob(self._retry, cancel_on_shutdown=True))

    @callback
    def _retry(self, _now: datetime) -> None:
        self._cancel_retry = None
        self.hass.async_create_background_task(self.async_flush(), f"{DOMAIN} persist retry")

    @callback
    def _recovered(self) -> None:
        _LOGGER.warning("The buffer of %s is writable again; nothing was lost", self.entry.title)
        self.problem = None
        async_buffer_writable(self.hass, self.entry)
