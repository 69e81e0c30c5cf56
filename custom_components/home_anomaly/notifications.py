"""Persistent notifications and mobile push for raised anomalies.

Push goes to the configured ``notify.*`` services with a ``tag`` per class (a repeat replaces
the earlier notification), an "Acknowledge" action, critical delivery for priority ≥ 4 (iOS
``interruption-level: critical``; Android ``priority: high``, ``ttl: 0``), a cooldown per
class, and quiet hours that never silence priority ≥ 4.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .const import (
    ACK_ACTION_PREFIX,
    CONF_COOLDOWN_MINUTES,
    CONF_MIN_PRIORITY,
    CONF_NOTIFY_TARGETS,
    CONF_QUIET_END,
    CONF_QUIET_START,
    DEFAULT_COOLDOWN_MINUTES,
    DEFAULT_MIN_PRIORITY,
    DOMAIN,
)
from .engine.alerts import AlertTracker, Transition

_LOGGER = logging.getLogger(__name__)
CRITICAL_PRIORITY = 4
TITLES = {
    1: "Temperature anomaly",
    2: "Humidity anomaly",
    3: "Fridge anomaly",
    4: "Front door opened at night",
    5: "Fire alarm",
}


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


class Notifier:
    def __init__(self, hass: HomeAssistant, entry: Any, tracker: AlertTracker) -> None:
        self.hass = hass
        self.entry = entry
        self.tracker = tracker

    @callback
    def handle(self, transition: Transition, explanation: str) -> None:
        options = self.entry.options
        code = transition.anomaly
        if transition.kind == "cleared":
            persistent_notification.async_dismiss(self.hass, notification_id(self.entry.entry_id, code))
            return
        if code < int(options.get(CONF_MIN_PRIORITY, DEFAULT_MIN_PRIORITY)):
            return
        title = f"{TITLES[code]} — {self.entry.title}"
        message = explanation or f"{TITLES[code]} detected ({transition.source})."
        persistent_notification.async_create(
            self.hass, message, title=title, notification_id=notification_id(self.entry.entry_id, code)
        )
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
            "tag": notification_id(self.entry.entry_id, code),
            "actions": [{"action": ack_action(self.entry.entry_id, code), "title": "Acknowledge"}],
        }
        if code >= CRITICAL_PRIORITY:
            data |= {"push": {"interruption-level": "critical"}, "priority": "high", "ttl": 0}
        for target in targets:
            service = target.removeprefix("notify.")
            self.hass.async_create_task(
                self._async_send(service, {"title": title, "message": message, "data": data}),
                f"{DOMAIN} notify {service}",
            )

    async def _async_send(self, service: str, payload: dict[str, Any]) -> None:
        try:
            await self.hass.services.async_call("notify", service, payload, blocking=True)
        except Exception as err:  # a broken phone must not break alerting
            _LOGGER.warning("Could not send the anomaly push to notify.%s: %s", service, err)
