"""The coordinator of one monitored zone: readings in, hourly scores and alerts out.

State changes of the source entities become readings of the open hour (kept in memory and
persisted to the SQLite buffer at once); at minute 0 the hour is closed, stored and the window
ending with it is scored. Smoke and night-time door openings are raised in the same event-loop
turn as the state change. Every blocking step — SQLite, features, inference — runs in the
executor.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, EVENT_STATE_CHANGED
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_utc_time_change
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .const import (
    CONDITION_ON_STATES,
    CONF_DOOR_CONDITION_ENTITY,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    DEFAULT_NIGHT_END,
    DEFAULT_NIGHT_START,
    DOMAIN,
    EVENT_CLEARED,
    EVENT_DETECTED,
    SOURCE_KEYS,
)
from .engine.alerts import AlertPolicy, AlertTracker, Transition
from .engine.features import HourAggregator, HourlySample, hour_floor
from .engine.readings import DOOR, SMOKE, parse_reading
from .engine.schema import ANOMALY_CLASS_NAMES, AnomalyClass
from .engine.store import HourlyStore
from .history import async_warm_start
from .model_loader import LoadedModel, async_numpy_fallback
from .notifications import Notifier
from .scoring import InferenceError, Score, score_window

_LOGGER = logging.getLogger(__name__)
RULE_EXPLANATIONS: dict[int, str] = {
    AnomalyClass.DOOR: "The front door was opened during the night window.",
    AnomalyClass.FIRE: "The smoke alarm is on.",
}
Operation = Callable[[HourlyStore], None]


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


@dataclass
class Snapshot:
    """What the entities show."""

    status: str = "normal"
    top: int = 0
    score: Score | None = None
    sources: dict[int, str] = field(default_factory=dict)
    since: dict[int, str] = field(default_factory=dict)
    buffered_hours: int = 0
    last_scored: datetime | None = None


class HomeAnomalyCoordinator(DataUpdateCoordinator[Snapshot]):
    def __init__(self, hass: HomeAssistant, entry: Any, loaded: LoadedModel, store_path: Path) -> None:
        super().__init__(hass, _LOGGER, config_entry=entry, name=f"{DOMAIN} {entry.title}")
        self.entry = entry
        self.loaded = loaded
        self.store_path = store_path
        self.store: HourlyStore | None = None
        self.sensors: dict[str, int] = {
            entry.data[key]: index for index, key in enumerate(SOURCE_KEYS) if entry.data.get(key)
        }
        self.tracker = AlertTracker(AlertPolicy(), loaded.card.thresholds)
        # Hours are UTC instants (a local clock repeats an hour each autumn); features label them
        # with the local hour at scoring time.
        self.aggregator = HourAggregator(hour_floor(dt_util.utcnow()))
        self.notifier = Notifier(hass, entry, self.tracker)
        self._pending: list[Operation] = []
        self._flush_scheduled = False
        self._store_lock = asyncio.Lock()
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self.data = Snapshot()

    # --- lifecycle -----------------------------------------------------------------------------

    async def async_start(self) -> None:
        self.store = await self.hass.async_add_executor_job(HourlyStore, self.store_path)
        saved_alerts, open_hour, carried, readings = await self.hass.async_add_executor_job(self._read_saved)
        self.tracker.restore(saved_alerts)
        now = dt_util.utcnow()
        if open_hour is None and readings:
            open_hour = hour_floor(readings[0][1].astimezone(dt_util.UTC))  # no hour closed yet
        if open_hour is not None:
            self.aggregator = HourAggregator(open_hour, carried or [None] * len(SOURCE_KEYS))
            for sensor, moment, value in readings:
                self._add(sensor, moment, value, persist=False)
            self._roll_to(now)
        elif await self.hass.async_add_executor_job(self.store.hour_count) == 0:
            carried_now = await async_warm_start(self.hass, self.store, self.sensors, self.aggregator.hour_start)
            self.aggregator = HourAggregator(self.aggregator.hour_start, carried_now)
        for entity_id, sensor in self.sensors.items():
            state = self.hass.states.get(entity_id)
            if state is not None:
                self._add(sensor, now, parse_reading(sensor, state.state))
        await self._async_flush()
        self.data.buffered_hours = await self.hass.async_add_executor_job(self.store.hour_count)
        self._unsubscribe += [
            # A filtered bus listener, not async_track_state_change_event: the tracker dispatches
            # one loop iteration late, and smoke must be raised in the state change's own turn.
            self.hass.bus.async_listen(
                EVENT_STATE_CHANGED, self._handle_state_change, event_filter=self._is_source_event
            ),
            async_track_utc_time_change(self.hass, self._handle_hour, minute=0, second=0),  # UTC hours
        ]
        self.entry.async_on_unload(self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._handle_stop))
        self._publish()

    def _read_saved(self) -> tuple[Any, datetime | None, list[float | None] | None, list[Any]]:
        assert self.store is not None
        open_hour = self.store.get_state("open_hour")
        return (
            self.store.get_state("alerts"),
            datetime.fromisoformat(open_hour) if open_hour else None,
            self.store.get_state("carried"),
            self.store.open_readings(),
        )

    async def async_stop(self) -> None:
        if self.store is None:
            return  # already stopped (Home Assistant stopping, then the entry unloading)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self._queue_alerts()
        async with self._store_lock:
            await self._drain()
            if self.store is not None:
                await self.hass.async_add_executor_job(self.store.close)
                self.store = None

    async def _handle_stop(self, _event: Event) -> None:
        await self.async_stop()

    # --- readings ------------------------------------------------------------------------------

    @callback
    def _is_source_event(self, event_data: EventStateChangedData) -> bool:
        return event_data["entity_id"] in self.sensors

    @callback
    def _handle_state_change(self, event: Event[EventStateChangedData]) -> None:
        sensor = self.sensors.get(event.data["entity_id"])
        new_state = event.data["new_state"]
        if sensor is None:
            return
        now = dt_util.utcnow()
        value = parse_reading(sensor, new_state.state if new_state is not None else None)
        self._roll_to(now)
        self._add(sensor, now, value)
        if sensor in (DOOR, SMOKE):
            self._apply_rules(sensor, value, now)

    @callback
    def _add(self, sensor: int, moment: datetime, value: float | None, persist: bool = True) -> None:
        moment = max(moment, self.aggregator.hour_start)
        if moment >= self.aggregator.hour_end:
            self._roll_to(moment)
        self.aggregator.add(sensor, moment, value)
        if persist:
            last = self._pending[-1] if self._pending else None
            if isinstance(last, ReadingsBatch):
                last.append(sensor, moment, value)  # one INSERT batch per flush, in order
            else:
                batch = ReadingsBatch()
                batch.append(sensor, moment, value)  # before queueing: the flush task starts eagerly
                self._queue(batch)

    @callback
    def _roll_to(self, now: datetime) -> list[HourlySample]:
        """Close every hour that ended before ``now``."""
        closed = []
        while self.aggregator.hour_end <= now:
            sample = self.aggregator.close()
            carried = self.aggregator.carry_out()
            next_hour = self.aggregator.hour_end
            self._queue(partial(HourlyStore.close_hour, sample=sample, carried=carried, next_hour=next_hour))
            self.aggregator = HourAggregator(next_hour, carried)
            closed.append(sample)
        return closed

    @callback
    def _apply_rules(self, sensor: int, value: float | None, now: datetime) -> None:
        options = self.entry.options
        if sensor == SMOKE:
            transition = self.tracker.raise_rule(AnomalyClass.FIRE, now) if value == 1.0 else None
            if value == 0.0:
                transition = self.tracker.release_rule(AnomalyClass.FIRE, now)
            self._apply([transition] if transition else [])
            return
        local_hour = dt_util.as_local(now).hour
        if value != 1.0 or not _in_window(
            local_hour,
            options.get(CONF_NIGHT_START, DEFAULT_NIGHT_START),
            options.get(CONF_NIGHT_END, DEFAULT_NIGHT_END),
        ):
            return
        condition = options.get(CONF_DOOR_CONDITION_ENTITY)
        if condition:
            state = self.hass.states.get(condition)
            if state is None or state.state not in CONDITION_ON_STATES:
                return
        transition = self.tracker.raise_rule(AnomalyClass.DOOR, now)
        self._apply([transition] if transition else [])

    # --- persistence ---------------------------------------------------------------------------

    @callback
    def _queue_alerts(self) -> None:
        self._queue(partial(HourlyStore.put_state, key="alerts", value=self.tracker.to_json()))

    @callback
    def _queue(self, operation: Operation) -> None:
        """Persist in order, soon: a flood of readings becomes one executor job per batch."""
        self._pending.append(operation)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.hass.async_create_background_task(self._async_flush(), f"{DOMAIN} persist")

    async def _async_flush(self) -> None:
        """Write everything queued so far, in order."""
        async with self._store_lock:
            await self._drain()

    async def _drain(self) -> None:
        """Write the queue (the caller holds ``_store_lock``: one executor job uses the file at a time)."""
        self._flush_scheduled = False
        while self._pending and self.store is not None:
            batch, self._pending = self._pending, []
            await self.hass.async_add_executor_job(_run_all, self.store, batch)

    # --- scoring -------------------------------------------------------------------------------

    async def _handle_hour(self, now: datetime) -> None:
        self._roll_to(dt_util.as_utc(now))
        await self.async_score(partial=False)
        self._apply(self.tracker.expire(dt_util.as_local(now)))  # door alerts end even while learning

    async def async_score(self, partial: bool) -> Score | None:
        """Score the window ending with the last closed hour, or, if ``partial``, with the open hour
        as it stands now (each sensor's latest reading)."""
        extra = [self.aggregator.latest()] if partial else []
        end = self.aggregator.hour_start
        async with self._store_lock:
            await self._drain()
            if self.store is None:  # stopped while this scoring waited
                return None
            try:
                score = await self.hass.async_add_executor_job(
                    score_window, self.store, self.loaded, end, extra, dt_util.get_default_time_zone()
                )
            except InferenceError as err:  # onnxruntime failing at inference: fall back, keep scoring
                if self.loaded.runtime != "onnxruntime":
                    raise
                _LOGGER.warning("onnxruntime failed at inference (%s); switching to the numpy engine", err)
                reason = f"onnxruntime failed at inference: {err}"
                self.loaded = await async_numpy_fallback(self.hass, self.loaded, reason)
                score = await self.hass.async_add_executor_job(
                    score_window, self.store, self.loaded, end, extra, dt_util.get_default_time_zone()
                )
        if partial:
            score.window_end = dt_util.now()  # the current readings were scored, not a closed hour
        self.data.buffered_hours = score.buffered_hours
        self.data.score = score
        if score.probabilities is None:
            self._publish()
            return score
        self.data.last_scored = score.window_end
        transitions = self.tracker.observe_hour(score.window_end, list(score.probabilities))
        self._apply(transitions)
        self._queue_alerts()
        return score

    # --- alerts --------------------------------------------------------------------------------

    @callback
    def acknowledge(self, code: int) -> None:
        transition = self.tracker.acknowledge(code, dt_util.now())
        self._apply([transition] if transition else [])

    @callback
    def _apply(self, transitions: list[Transition]) -> None:
        for transition in transitions:
            probability = transition.probability
            self.hass.bus.async_fire(
                EVENT_DETECTED if transition.kind == "detected" else EVENT_CLEARED,
                {
                    "entry_id": self.entry.entry_id,
                    "anomaly": transition.name,
                    "priority": transition.anomaly,
                    "probability": round(probability, 4),
                    "source": transition.source,
                    "window_end": transition.at.isoformat(),
                },
            )
            reason = (
                self.explanation() if transition.source == "model" else RULE_EXPLANATIONS.get(transition.anomaly, "")
            )
            self.notifier.handle(transition, reason)
        if transitions:
            self._queue_alerts()
        self._publish()

    def explanation(self) -> str:
        score = self.data.score
        return score.explanation if score is not None else ""

    @callback
    def _publish(self) -> None:
        top = self.tracker.top()
        self.data.top = top
        self.data.status = ANOMALY_CLASS_NAMES[top]
        self.data.sources = {c: s.source or "" for c, s in self.tracker.classes.items() if s.active}
        self.data.since = {c: s.since or "" for c, s in self.tracker.classes.items() if s.active}
        self.async_set_updated_data(self.data)


def _run_all(store: HourlyStore, operations: list[Operation]) -> None:
    for operation in operations:
        operation(store)


def _in_window(hour: int, start: int, end: int) -> bool:
    """Whether ``hour`` lies in [start, end), wrapping past midnight when start > end."""
    return start <= hour < end if start <= end else hour >= start or hour < end


def active_probabilities(score: Score | None) -> dict[str, float]:
    if score is None or score.probabilities is None:
        return {}
    return {ANOMALY_CLASS_NAMES[i]: round(float(p), 4) for i, p in enumerate(np.asarray(score.probabilities))}
