"""What an alert says, and where it goes: events, persistent notifications and mobile push.

The words (``describe``) are the same everywhere — the events (so the blueprint's push says
what the integration's would), the persistent notification and the push: the zone, the
evidence for the raised class only — the source sensor as the user named it, with its unit —
and what to do next. A fire alert names the smoke detector because only the detector raises
one (``engine.alerts``).

Push goes to the configured ``notify.*`` services with a ``tag`` per zone and class (a repeat
replaces the earlier notification), an "Acknowledge" action, critical delivery for priority ≥ 4
(iOS ``interruption-level: critical``; Android ``priority: high``, ``ttl: 0``), a cooldown for
repeats below priority 4, and quiet hours that never silence priority ≥ 4. Sends run as tasks,
so no alert ever waits for another, and only a delivered push starts the cooldown.

Persistent notifications of a fire or a night-time door stay until the user dismisses or
acknowledges them — someone away must find a trace — and say when the alert ended; lower
priorities are dismissed when they clear.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any, Final

from homeassistant.components import persistent_notification
from homeassistant.const import ATTR_DEVICE_CLASS
from homeassistant.core import HomeAssistant, State, callback
from homeassistant.util import dt as dt_util

from .const import (
    ACK_ACTION_PREFIX,
    CONF_COOLDOWN_MINUTES,
    CONF_MIN_PRIORITY,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    CONF_NOTIFY_TARGETS,
    CONF_QUIET_END,
    CONF_QUIET_START,
    DEFAULT_COOLDOWN_MINUTES,
    DEFAULT_MIN_PRIORITY,
    DEFAULT_NIGHT_END,
    DEFAULT_NIGHT_START,
    DOMAIN,
    SOURCE_KEYS,
)
from .engine.alerts import CAUSE_ACKNOWLEDGED, CRITICAL_PRIORITY, SOURCE_RULE, AlertTracker, Transition
from .engine.schema import AnomalyClass
from .scoring import Score
from .units import in_source_unit

_LOGGER = logging.getLogger(__name__)
TITLES: Final[dict[int, str]] = {
    1: "Temperature anomaly",
    2: "Humidity anomaly",
    3: "Fridge anomaly",
    4: "Front door opened at night",
    5: "Fire alarm",
}
NEXT_STEPS: Final[dict[int, str]] = {
    1: "Check the heating and the thermostat. If the reading has not changed for hours, the sensor may be stuck:"
    " check its battery.",
    2: "Look for a leak or running water. If it is steam, open a window or run the fan.",
    3: "Check that the fridge is plugged in and running (its plug, the fuse) and keep its door shut until it is.",
    4: "Check who opened it. If nobody in the household did, do not go and look alone: call for help.",
    5: "Get everyone out and call the fire brigade. Acknowledge only once you know it is a false alarm.",
}
# What the alarm in the smoke role detects, by its device class (it may be a heat, gas or CO alarm).
ALARM_DETECTS: Final = {"smoke": "smoke", "heat": "heat", "gas": "gas", "carbon_monoxide": "carbon monoxide"}
ALARM_NEXT_STEPS: Final = {
    "gas": "Get everyone out without switching anything on or off, and call the gas emergency number from outside."
    " Acknowledge only once you know it is a false alarm.",
    "carbon_monoxide": "Get everyone out into fresh air and call the emergency number."
    " Acknowledge only once you know it is a false alarm.",
}
# What a sensor is called when its entity has no state to take the user's name from.
ROLE_WORDS: Final = (
    "The temperature sensor",
    "The humidity sensor",
    "The fridge plug",
    "The front door",
    "The smoke detector",
)


def notification_id(entry_id: str, code: int) -> str:
    return f"{DOMAIN}_{entry_id}_{code}"


def ack_action(entry_id: str, code: int) -> str:
    return f"{ACK_ACTION_PREFIX}|{entry_id}|{code}"


def parse_ack_action(action: str) -> tuple[str, int] | None:
    parts = action.split("|")
    if len(parts) != 3 or parts[0] != ACK_ACTION_PREFIX or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def in_quiet_hours(now: datetime, start: str | None, end: str | None) -> bool:
    if not start or not end:
        return False
    begin, finish, current = time.fromisoformat(start), time.fromisoformat(end), now.time()
    return begin <= current < finish if begin <= finish else current >= begin or current < finish


def title_of(code: int, zone: str) -> str:
    return f"{TITLES[code]} — {zone}"


def describe(hass: HomeAssistant, entry: Any, transition: Transition, score: Score | None) -> str:
    """The words of an alert: for a raised one the evidence and the next step, for a cleared one when."""
    code = transition.anomaly
    if transition.kind == "cleared":
        ended = "was acknowledged" if transition.cause == CAUSE_ACKNOWLEDGED else "ended"
        began = f" It began at {_clock(transition.since)}." if transition.since else ""
        return f"{TITLES[code]} in {entry.title} {ended} at {_clock(transition.at)}.{began}"
    steps = NEXT_STEPS[code]
    if code == AnomalyClass.FIRE:
        steps = ALARM_NEXT_STEPS.get(_device_class(hass, entry, code - 1), steps)
    return f"{_evidence(hass, entry, transition, score)} {steps}"


def _evidence(hass: HomeAssistant, entry: Any, transition: Transition, score: Score | None) -> str:
    code = transition.anomaly
    sensor = code - 1  # the classes watch the sensors in the same order (SPEC §2, §3)
    name = _name(hass, entry, sensor)
    if code == AnomalyClass.FIRE:
        if transition.source == SOURCE_RULE:
            detects = ALARM_DETECTS.get(_device_class(hass, entry, sensor))
            return f"{name} detects {detects}." if detects else f"{name} is sounding the alarm."
        return f"{TITLES[code]}, but no smoke detector reported smoke."  # never raised today (engine.alerts)
    if code == AnomalyClass.DOOR:
        if transition.source == SOURCE_RULE:
            options = entry.options
            start = int(options.get(CONF_NIGHT_START, DEFAULT_NIGHT_START))
            end = int(options.get(CONF_NIGHT_END, DEFAULT_NIGHT_END))
            return f"{name} opened at {_clock(transition.at, date=False)}, in the night ({start:02d}:00–{end:02d}:00)."
        if score is not None and score.door_opened and score.hour_start is not None:
            return f"{name} opened during the night, in the hour from {_clock(score.hour_start, date=False)}."
        return f"{name}: the model finds tonight's openings unusual for this home."
    evidence = score.evidence.get(sensor) if score is not None else None
    if evidence is None:
        return f"{TITLES[code]} found by the model; {name} has no reading for the last hour."
    value, usual = (_shown(hass, entry, sensor, number) for number in (evidence.value, evidence.usual))
    return f"{name}: {value} (this home usually sees about {usual} at this time of day)."


def _source(hass: HomeAssistant, entry: Any, sensor: int) -> State | None:
    """The current state of the zone's source entity for ``sensor`` (None when it has none)."""
    return hass.states.get(str(entry.data.get(SOURCE_KEYS[sensor], "")))


def _device_class(hass: HomeAssistant, entry: Any, sensor: int) -> str:
    state = _source(hass, entry, sensor)
    return str(state.attributes.get(ATTR_DEVICE_CLASS, "")) if state is not None else ""


def _name(hass: HomeAssistant, entry: Any, sensor: int) -> str:
    """The source entity's name as the user set it (its friendly name)."""
    state = _source(hass, entry, sensor)
    return state.name if state is not None else ROLE_WORDS[sensor]


def _shown(hass: HomeAssistant, entry: Any, sensor: int, value: float) -> str:
    """A reading (in the model's unit) in the unit its source entity shows, where that converts."""
    value, unit = in_source_unit(sensor, value, _source(hass, entry, sensor))
    decimals = 0 if value == 0 or abs(value) >= 100 else 1 if abs(value) >= 1 else 2
    return f"{value:.{decimals}f} {unit}"


def _clock(moment: datetime, date: bool = True) -> str:
    """Local wall-clock time, with the day: an alert may be read days later."""
    local = dt_util.as_local(moment)
    return f"{local:%H:%M} on {local.day} {local:%B}" if date else f"{local:%H:%M}"


class Notifier:
    def __init__(self, hass: HomeAssistant, entry: Any, tracker: AlertTracker, save: Callable[[], None]) -> None:
        self.hass = hass
        self.entry = entry
        self.tracker = tracker
        self.save = save  # persists the tracker (a delivered push starts a cooldown)
        self.raised: dict[int, str] = {}  # the words of each class's notification this run

    @callback
    def handle(self, transition: Transition, message: str) -> None:
        options = self.entry.options
        code = transition.anomaly
        shown = code >= int(options.get(CONF_MIN_PRIORITY, DEFAULT_MIN_PRIORITY))
        title = title_of(code, self.entry.title)
        key = notification_id(self.entry.entry_id, code)
        if transition.kind == "cleared":
            raised = self.raised.pop(code, None)
            if code >= CRITICAL_PRIORITY and transition.cause != CAUSE_ACKNOWLEDGED and shown:
                # A fire or a night-time door stays on record until the user dismisses it.
                text = f"{raised}\n\n{message}" if raised else message
                persistent_notification.async_create(self.hass, text, title=f"{title} (ended)", notification_id=key)
            else:
                self.dismiss(code)
            return
        if not shown:
            return
        self.raised[code] = message
        persistent_notification.async_create(self.hass, message, title=title, notification_id=key)
        now = dt_util.now()
        targets = options.get(CONF_NOTIFY_TARGETS) or []
        if not targets:
            return
        if code < CRITICAL_PRIORITY and in_quiet_hours(now, options.get(CONF_QUIET_START), options.get(CONF_QUIET_END)):
            return
        cooldown = timedelta(minutes=float(options.get(CONF_COOLDOWN_MINUTES, DEFAULT_COOLDOWN_MINUTES)))
        if not self.tracker.may_notify(code, now, cooldown):
            return
        data: dict[str, Any] = {
            "tag": key,
            "actions": [{"action": ack_action(self.entry.entry_id, code), "title": "Acknowledge"}],
        }
        if code >= CRITICAL_PRIORITY:
            data |= {"push": {"interruption-level": "critical"}, "priority": "high", "ttl": 0}
        payload = {"title": title, "message": message, "data": data}
        # A task: the state change that raised the alert must not wait for a phone, nor one alert for another.
        self.hass.async_create_task(self._async_push(code, now, targets, payload), f"{DOMAIN} push {key}")

    @callback
    def dismiss(self, code: int) -> None:
        persistent_notification.async_dismiss(self.hass, notification_id(self.entry.entry_id, code))

    async def _async_push(self, code: int, at: datetime, targets: list[str], payload: dict[str, Any]) -> None:
        sent = await asyncio.gather(*(self._async_send(target.removeprefix("notify."), payload) for target in targets))
        if any(sent):
            self.tracker.notified(code, at)
            self.save()

    async def _async_send(self, service: str, payload: dict[str, Any]) -> bool:
        try:
            await self.hass.services.async_call("notify", service, payload, blocking=True)
        except Exception as err:  # a broken phone must not break alerting
            _LOGGER.warning("Could not send the anomaly push to notify.%s: %s", service, err)
            return False
        return True
