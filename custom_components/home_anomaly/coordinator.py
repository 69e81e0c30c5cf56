"""The coordinator of one monitored zone: readings in, hourly scores and alerts out.

State changes of the source entities become readings of the open hour (kept in memory and
persisted to the SQLite buffer at once, see ``buffer.py``); at minute 0 the hour is closed,
stored and the window ending with it is scored. Smoke and night-time door openings are raised
in the same event-loop turn as the state change. Every blocking step — SQLite, features,
inference — runs in the executor.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, EVENT_STATE_CHANGED
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_utc_time_change
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .buffer import CloseHour, SaveState, ZoneBuffer
from .const import (
    CONDITION_ON_STATES,
    CONF_DOOR_CONDITION_ENTITY,
    CONF_DOOR_ENTITY,
    CONF_HUMIDITY_ENTITY,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    CONF_POWER_ENTITY,
    CONF_SMOKE_ENTITY,
    CONF_TEMPERATURE_ENTITY,
    DEFAULT_NIGHT_END,
    DEFAULT_NIGHT_START,
    DOMAIN,
    EVENT_CLEARED,
    EVENT_DETECTED,
    SOURCE_KEYS,
)
from .engine.alerts import AlertPolicy, AlertTracker, Transition
from .engine.features import BASELINE_DAYS, HourAggregator, HourlySample, hour_floor
from .engine.readings import DOOR, SMOKE
from .engine.schema import ANOMALY_CLASS_NAMES, AnomalyClass
from .engine.store import HourlyStore
from .history import async_warm_start
from .model_loader import LoadedModel, async_numpy_fallback
from .notifications import Notifier, describe
from .repairs import async_check_sources
from .scoring import InferenceError, Score, score_window
from .units import read_source, shown_state

_LOGGER = logging.getLogger(__name__)
MAX_CATCH_UP = timedelta(days=BASELINE_DAYS + 2)  # the most history a window's baseline reads
MAX_STEP_BACK = timedelta(hours=3)
RULE_EXPLANATIONS: dict[int, str] = {
    AnomalyClass.FRIDGE: "The fridge drew almost no power for an hour, against its usual draw.",
    AnomalyClass.DOOR: "The front door was opened during the night window.",
    AnomalyClass.FIRE: "The alarm detector (smoke, heat, gas or CO) is on.",
}


# The status while the model cannot score yet (fewer hours buffered than one window). Not an
# anomaly class, so it is not in STATUS_OPTIONS (whose index is the class code).
STATUS_LEARNING: Final = "learning"
# The sensor role each anomaly class watches: its entity exists only where the role is configured.
# (The model reads every sensor, but a class without its own sensor is not this zone's to show.)
CLASS_ROLES: Final[dict[int, str]] = {
    AnomalyClass.TEMPERATURE: CONF_TEMPERATURE_ENTITY,
    AnomalyClass.HUMIDITY: CONF_HUMIDITY_ENTITY,
    AnomalyClass.FRIDGE: CONF_POWER_ENTITY,
    AnomalyClass.DOOR: CONF_DOOR_ENTITY,
    AnomalyClass.FIRE: CONF_SMOKE_ENTITY,
}
RULE_WATCH_WORDS: Final[dict[int, str]] = {
    AnomalyClass.DOOR: "the front door at night",
    AnomalyClass.FIRE: "the alarm detector",
}


def configured_classes(data: Mapping[str, Any]) -> list[int]:
    """The anomaly classes whose sensor role the zone's configuration ``data`` fills, in order."""
    return [code for code, key in CLASS_ROLES.items() if data.get(key)]


@dataclass
class Snapshot:
    """What the entities show."""

    status: str = "normal"  # an anomaly class name, or STATUS_LEARNING
    top: int = 0
    score: Score | None = None
    sources: dict[int, str] = field(default_factory=dict)
    since: dict[int, str] = field(default_factory=dict)
    buffered_hours: int = 0
    last_scored: datetime | None = None
    learning: bool = True  # the model cannot score yet; the rules already run
    hours_needed: int = 0  # about how many more closed hours until the model scores (0: it does)
    watching: list[int] = field(default_factory=list)  # the classes this zone can raise right now


class HomeAnomalyCoordinator(DataUpdateCoordinator[Snapshot]):
    def __init__(self, hass: HomeAssistant, entry: Any, loaded: LoadedModel, store_path: Path) -> None:
        super().__init__(hass, _LOGGER, config_entry=entry, name=f"{DOMAIN} {entry.title}")
        self.entry = entry
        self.loaded = loaded
        self.buffer = ZoneBuffer(hass, entry, store_path, self._async_opened_late)
        self.sensors: dict[str, int] = {
            entry.data[key]: index for index, key in enumerate(SOURCE_KEYS) if entry.data.get(key)
        }
        self.tracker = AlertTracker(AlertPolicy(), loaded.card.thresholds)
        # Hours are UTC instants (a local clock repeats an hour each autumn); features label them
        # with the local hour at scoring time.
        self.aggregator = HourAggregator(hour_floor(dt_util.utcnow()))
        self.notifier = Notifier(hass, entry, self.tracker, self._queue_alerts)
        self.unusable_states_logged: set[str] = set()
        self._stopped = False
        self.warm_started = False  # this start imported the recorder's history into an empty buffer
        self._hourly_scored_until: datetime | None = None
        self._untrack_hours: CALLBACK_TYPE | None = None
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self.data = Snapshot()

    # --- lifecycle -----------------------------------------------------------------------------

    async def async_start(self) -> None:
        saved_alerts: Any = None
        open_hour: datetime | None = None
        carried: list[float | None] | None = None
        readings: list[tuple[int, datetime, float | None]] = []
        if await self.buffer.async_open():
            saved = await self.buffer.async_read(_read_saved)
            if saved is not None:
                saved_alerts, open_hour, carried, readings = saved
        self.tracker.restore(saved_alerts)
        now = dt_util.utcnow()
        if open_hour is None and readings:
            open_hour = hour_floor(readings[0][1].astimezone(dt_util.UTC))  # no hour closed yet
        if open_hour is not None:
            self.aggregator = HourAggregator(open_hour, carried or [None] * len(SOURCE_KEYS))
            for sensor, moment, value in readings:
                self._add(sensor, moment, value, persist=False)
            self._roll_to(now)
        elif await self.buffer.async_read(HourlyStore.hour_count) == 0:
            carried_now = await self.buffer.async_use(self._async_warm_start)
            self.aggregator = HourAggregator(self.aggregator.hour_start, carried_now or [None] * len(SOURCE_KEYS))
            self.warm_started = True
        for entity_id, sensor in self.sensors.items():
            state = self.hass.states.get(entity_id)
            if state is not None:
                self._add(sensor, now, self._read(entity_id, sensor, state))
        self._reconcile_smoke(now)
        self.data.buffered_hours = await self.buffer.async_read(HourlyStore.hour_count) or 0
        self.warm_started = self.warm_started and self.data.buffered_hours > 0  # the recorder had history
        self._unsubscribe += [
            # A filtered bus listener, not async_track_state_change_event: the tracker dispatches
            # one loop iteration late, and smoke must be raised in the state change's own turn.
            self.hass.bus.async_listen(
                EVENT_STATE_CHANGED, self._handle_state_change, event_filter=self._is_source_event
            ),
            self.hass.bus.async_listen(
                er.EVENT_ENTITY_REGISTRY_UPDATED, self._handle_registry_update, event_filter=self._is_source_update
            ),
        ]
        self._track_hours()
        self.entry.async_on_unload(self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._handle_stop))
        if self.hass.is_stopping:
            # Home Assistant began stopping while this zone started: its stop event has already
            # been fired, so nothing else would close the buffer (the SQLite connection stays open).
            await self.async_stop()
        self._publish()

    @callback
    def learn(self, learned: dict[str, Any]) -> None:
        """Add what a replay of this home's history learnt to the live policy (and save it)."""
        self.tracker.merge_learning(learned)
        self._queue_alerts()

    async def _async_warm_start(self, store: HourlyStore) -> list[float | None]:
        return await async_warm_start(self.hass, store, self.sensors, self.aggregator.hour_start)

    async def async_stop(self) -> None:
        if self._stopped:
            return  # already stopped (Home Assistant stopping, then the entry unloading)
        self._stopped = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._untrack_hours is not None:
            self._untrack_hours()
            self._untrack_hours = None
        self._queue_alerts()
        await self.buffer.async_close()

    async def _handle_stop(self, _event: Event) -> None:
        await self.async_stop()

    async def _async_opened_late(self, store: HourlyStore, fresh: bool) -> None:
        """The buffer opened only after start: a new one replacing a corrupt file (``fresh``), or the
        zone's own file, which could not be opened at start.

        Either way history comes from the recorder if the file has none; the zone's own file
        also keeps what it had learned about the home, added to what this run learned since.
        """
        if fresh or await self.hass.async_add_executor_job(store.hour_count) == 0:
            await self._async_warm_start(store)
        if not fresh:
            self.tracker.merge_learning(await self.hass.async_add_executor_job(store.get_state, "alerts"))
        self._queue_alerts()

    # --- readings ------------------------------------------------------------------------------

    @callback
    def _is_source_event(self, event_data: EventStateChangedData) -> bool:
        return event_data["entity_id"] in self.sensors

    @callback
    def _handle_state_change(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        sensor = self.sensors.get(entity_id)
        new_state = event.data["new_state"]
        if sensor is None:
            return
        value, now = self._take(entity_id, sensor, new_state)
        if sensor in (DOOR, SMOKE):
            self._apply_rules(sensor, value, now)
        if new_state is None or event.data["old_state"] is None:
            async_check_sources(self.hass, self.entry)  # a source removed or back: repair issue raised or cleared

    @callback
    def _take(self, entity_id: str, sensor: int, state: State | None) -> tuple[float | None, datetime]:
        """The reading of ``state`` as of now, added to the open hour (closing hours that ended)."""
        now = dt_util.utcnow()
        value = self._read(entity_id, sensor, state)
        self._roll_to(now)
        self._add(sensor, now, value)
        return value, now

    @callback
    def _read(self, entity_id: str, sensor: int, state: State | None) -> float | None:
        """The reading in the model's units, converted from the unit of this very state (a unit
        system switch or a new display unit is no jump); an unusable state is logged the first
        time each entity sends one."""
        value, problem = read_source(sensor, state)
        if problem is not None and entity_id not in self.unusable_states_logged:
            self.unusable_states_logged.add(entity_id)
            _LOGGER.warning(
                "%s reported %r: %s; read as %s. Logged once per sensor until Home Assistant restarts",
                entity_id,
                shown_state(state),
                problem,
                "missing" if value is None else value,
            )
        return value

    @callback
    def _is_source_update(self, event_data: er.EventEntityRegistryUpdatedData) -> bool:
        return event_data["action"] == "update" and event_data.get("old_entity_id") in self.sensors

    @callback
    def _handle_registry_update(self, event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        """Follow a source that was renamed (its entity id changed) instead of losing it."""
        old, new = event.data.get("old_entity_id"), event.data["entity_id"]
        sensor = self.sensors.pop(str(old))
        self.sensors[new] = sensor
        key = SOURCE_KEYS[sensor]
        _LOGGER.info("Source %s was renamed to %s; %s follows it", old, new, self.entry.title)
        self.hass.config_entries.async_update_entry(self.entry, data={**self.entry.data, key: new})
        # The entity platform has already removed the old state and written the new one, before
        # this listener ran: take the new reading now and withdraw the "gone" issue just raised.
        state = self.hass.states.get(new)
        if state is not None:
            self._take(new, sensor, state)
        async_check_sources(self.hass, self.entry)

    @callback
    def _add(self, sensor: int, moment: datetime, value: float | None, persist: bool = True) -> None:
        # A reading stamped before the open hour (the clock stepped back) belongs to the open hour:
        # closed hours are never reopened, so none is doubled.
        moment = max(moment, self.aggregator.hour_start)
        if moment >= self.aggregator.hour_end:
            self._roll_to(moment)
        self.aggregator.add(sensor, moment, value)
        if persist:
            self.buffer.add_reading(sensor, moment, value)

    @callback
    def _track_hours(self) -> None:
        if self._untrack_hours is not None:
            self._untrack_hours()
        self._untrack_hours = async_track_utc_time_change(self.hass, self._handle_hour, minute=0, second=0)

    @callback
    def _roll_to(self, now: datetime) -> None:
        """Close every hour that ended before ``now``.

        Two clock accidents are bounded: a jump far forward (a board without a clock battery
        booting before NTP) closes at most ``MAX_CATCH_UP`` of empty hours, and a step back by more
        than ``MAX_STEP_BACK`` means the clock was wrong before, so the open hour restarts now
        instead of waiting for a future hour to end.
        """
        if now < self.aggregator.hour_start - MAX_STEP_BACK:
            _LOGGER.warning("The clock went back to %s; %s restarts its open hour there", now, self.entry.title)
            self.aggregator = HourAggregator(hour_floor(now), self.aggregator.carry_out())
            if self._untrack_hours is not None:
                self._track_hours()  # Home Assistant's timer waits for the wall clock to reach its old target
            return
        while self.aggregator.hour_end <= now:
            sample = self.aggregator.close()
            carried = self.aggregator.carry_out()
            next_hour = self.aggregator.hour_end
            self.buffer.queue(CloseHour(sample, carried, next_hour))
            if now - next_hour > MAX_CATCH_UP:  # scoring fills a longer gap as missing hours
                next_hour = hour_floor(now)
            self.aggregator = HourAggregator(next_hour, carried)

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
        if value != 1.0 or not in_night_window(
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

    @callback
    def _reconcile_smoke(self, now: datetime) -> None:
        """Catch up with a smoke detector that changed while the zone was not running: it sends no
        state change for the state it is already in. A fire alert restored from the buffer ends if
        the detector is clear now (no fire alert may claim smoke that is not there), and a detector
        already on raises one (unless that fire was acknowledged: the same episode)."""
        for entity_id, sensor in self.sensors.items():
            if sensor == SMOKE and self.hass.states.get(entity_id) is not None:
                self._apply_rules(SMOKE, self.aggregator.carry_out()[SMOKE], now)  # the reading just taken

    @callback
    def _queue_alerts(self) -> None:
        self.buffer.queue(SaveState("alerts", self.tracker.to_json()))

    # --- scoring -------------------------------------------------------------------------------

    async def _handle_hour(self, now: datetime) -> None:
        self._roll_to(dt_util.as_utc(now))
        if self.aggregator.hour_start != self._hourly_scored_until:  # a clock stepped back scores no hour twice
            self._hourly_scored_until = self.aggregator.hour_start
            await self.async_score(partial=False)
        self._apply(self.tracker.expire(dt_util.as_local(now)))  # door alerts end even while learning

    async def async_score(self, partial: bool) -> Score | None:
        """Score the window ending with the last closed hour, or, if ``partial``, with the open hour
        as it stands now (each sensor's latest reading). None while the buffer cannot be read."""
        extra = [self.aggregator.latest()] if partial else []
        end = self.aggregator.hour_start
        try:
            score = await self._async_score_window(end, extra)
        except InferenceError as err:  # onnxruntime failing at inference: fall back, keep scoring
            if self.loaded.runtime != "onnxruntime":
                raise
            _LOGGER.warning("onnxruntime failed at inference (%s); switching to the numpy engine", err)
            reason = f"onnxruntime failed at inference: {err}"
            self.loaded = await async_numpy_fallback(self.hass, self.loaded, reason)
            score = await self._async_score_window(end, extra)
        if score is None or self._stopped:
            return None
        if partial:
            score.window_end = dt_util.now()  # the current readings were scored, not a closed hour
        self.data.buffered_hours = score.buffered_hours
        self.data.score = score
        if score.probabilities is None:
            self._publish()
            return score
        self.data.last_scored = score.window_end
        probabilities = list(score.probabilities)
        # An on-demand score is no scored hour: it may raise an alert early, never advance the policy.
        hour = score.policy
        supported = hour.supported if hour is not None else (False, False, False)
        fridge_off = hour is not None and hour.fridge_off
        transitions = (
            self.tracker.observe_partial(score.window_end, probabilities, supported)
            if partial
            else self.tracker.observe_hour(
                score.window_end, probabilities, supported, (AnomalyClass.FRIDGE,) if fridge_off else ()
            )
        )
        self._apply(transitions)
        self._queue_alerts()
        return score

    async def _async_score_window(self, end: datetime, extra: list[HourlySample]) -> Score | None:
        """Score from the file plus the closed hours not written yet (a locked or full buffer must
        not make the model look at an old window again)."""
        local = dt_util.get_default_time_zone()
        loaded = self.loaded

        def score(store: HourlyStore) -> Awaitable[Score]:
            hours = self.buffer.unwritten_hours() + extra  # read on the loop, after the flush
            return self.hass.async_add_executor_job(score_window, store, loaded, end, hours, local)

        return await self.buffer.async_use(score)

    # --- alerts --------------------------------------------------------------------------------

    @callback
    def acknowledge(self, code: int) -> None:
        transition = self.tracker.acknowledge(code, dt_util.now())
        if transition is None:
            self.notifier.dismiss(code)  # an alert that already ended: its notification was kept until now
        self._apply([transition] if transition else [])

    @callback
    def _apply(self, transitions: list[Transition]) -> None:
        for transition in transitions:
            # The same words for the event (a blueprint's push), the notification and the push.
            message = describe(self.hass, self.entry, transition, self.data.score)
            self.hass.bus.async_fire(
                EVENT_DETECTED if transition.kind == "detected" else EVENT_CLEARED,
                {
                    "entry_id": self.entry.entry_id,
                    "zone": self.entry.title,
                    "anomaly": transition.name,
                    "priority": transition.anomaly,
                    "probability": round(transition.probability, 4),
                    "source": transition.source,
                    "window_end": transition.at.isoformat(),
                    "message": message,
                },
            )
            self.notifier.handle(transition, message)
        if transitions:
            self._queue_alerts()
        self._publish()

    def explanation(self) -> str:
        """What the model saw in the last scored hour, or why it does not score yet."""
        data = self.data
        if data.learning:
            hours = "hour" if data.hours_needed == 1 else "hours"
            text = (
                f"Learning this home: the model needs {self.loaded.model.window_size} hours of readings"
                f" and scores in about {data.hours_needed} more {hours}."
            )
            rules = [RULE_WATCH_WORDS[code] for code in data.watching if code in RULE_WATCH_WORDS]
            if rules:
                return f"{text} Already watching {' and '.join(rules)}."
            return f"{text} Until then nothing raises an alert."
        if data.score is None:
            return "Not scored since the zone started; the model scores at the start of every hour."
        return data.score.explanation

    def status_explanation(self) -> str:
        """The status sensor's explanation: the rule behind a rule alert first, then the model's view."""
        data = self.data
        rule = RULE_EXPLANATIONS.get(data.top, "") if data.sources.get(data.top) == "rule" else ""
        model = self.explanation()
        if not model and not data.top:
            model = "Nothing unusual in the last scored hour."
        if rule and model:
            # The hour's own words ("smoke alarm on") would repeat the rule: say which hour they are.
            return rule + " " + (model if data.learning or data.score is None else f"In the last scored hour: {model}.")
        return rule or model

    @callback
    def _publish(self) -> None:
        top = self.tracker.top()
        data = self.data
        data.top = top
        # Learning until a score has probabilities; before the first score of this run, judged by the
        # buffered hours (a restarted zone with a month of history is not learning again).
        window = self.loaded.model.window_size
        data.learning = data.score.probabilities is None if data.score is not None else data.buffered_hours < window
        # Still learning with a window's worth buffered means the recent hours are too few (a long
        # outage): a whole window is the honest upper bound.
        missing = window - data.buffered_hours
        data.hours_needed = (missing if missing > 0 else window) if data.learning else 0
        data.watching = self._watching()
        # An active alert (a rule works from the first reading) outranks learning.
        data.status = ANOMALY_CLASS_NAMES[top] if top or not data.learning else STATUS_LEARNING
        data.sources = {c: s.source or "" for c, s in self.tracker.classes.items() if s.active}
        data.since = {c: s.since or "" for c, s in self.tracker.classes.items() if s.active}
        self.async_set_updated_data(data)

    def _watching(self) -> list[int]:
        """The classes this zone can raise now: each needs its sensor; the model's classes need the
        model to score, fire and door-at-night are also raised by the instant rules."""
        options = self.entry.options
        door_rule = options.get(CONF_NIGHT_START, DEFAULT_NIGHT_START) != options.get(
            CONF_NIGHT_END, DEFAULT_NIGHT_END
        )  # the same start and end switch the instant door rule off
        rules = {AnomalyClass.FIRE} | ({AnomalyClass.DOOR} if door_rule else set())
        return [code for code in configured_classes(self.entry.data) if not self.data.learning or code in rules]


def _read_saved(store: HourlyStore) -> tuple[Any, datetime | None, list[float | None] | None, list[Any]]:
    open_hour = store.get_state("open_hour")
    return (
        store.get_state("alerts"),
        datetime.fromisoformat(open_hour) if open_hour else None,
        store.get_state("carried"),
        store.open_readings(),
    )


def in_night_window(hour: int, start: int, end: int) -> bool:
    """Whether ``hour`` lies in [start, end), wrapping past midnight when start > end."""
    return start <= hour < end if start <= end else hour >= start or hour < end


def active_probabilities(score: Score | None) -> dict[str, float]:
    if score is None or score.probabilities is None:
        return {}
    return {ANOMALY_CLASS_NAMES[i]: round(float(p), 4) for i, p in enumerate(np.asarray(score.probabilities))}
