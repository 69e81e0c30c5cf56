"""Warm start: fill an empty buffer from the recorder's history, so scoring is useful at once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant

from .engine.features import BASELINE_DAYS, HourlySample, aggregate_readings
from .engine.store import HourlyStore
from .units import read_source

_LOGGER = logging.getLogger(__name__)


async def async_warm_start(
    hass: HomeAssistant, store: HourlyStore, sensors: dict[str, int], open_hour: datetime
) -> list[float | None]:
    """Import up to ``BASELINE_DAYS`` + 2 days of history; returns what each sensor showed at ``open_hour``."""
    carried: list[float | None] = [None] * 5
    if "recorder" not in hass.config.components or not sensors:
        return carried
    from homeassistant.components.recorder import history  # only when the recorder runs
    from homeassistant.helpers.recorder import get_instance

    start = open_hour - timedelta(days=BASELINE_DAYS + 2)
    fetch = partial(
        history.get_significant_states,
        hass,
        start,
        open_hour,
        list(sensors),
        significant_changes_only=False,
        minimal_response=False,
        no_attributes=False,  # each state's unit_of_measurement, as it was then
    )
    states: dict[str, list[Any]] = await get_instance(hass).async_add_executor_job(fetch)
    samples, carried = await hass.async_add_executor_job(_hours_from_states, states, sensors, open_hour)
    if samples:
        added = await hass.async_add_executor_job(store.add_hours, samples)
        _LOGGER.info("Warm start: imported %d hours of history from the recorder", added)
    return carried


def _hours_from_states(
    states: dict[str, list[Any]], sensors: dict[str, int], open_hour: datetime
) -> tuple[list[HourlySample], list[float | None]]:
    """Hourly samples before ``open_hour``, and each sensor's value at it (in the executor: a chatty
    plug can have a hundred thousand states in a month).

    Each state is converted with the unit it was recorded in, as a live state change is: history
    from before a unit system switch reads the same as what came after it."""
    carried: list[float | None] = [None] * 5
    readings = [
        (sensors[entity_id], state.last_changed, read_source(sensors[entity_id], state)[0])
        for entity_id, entity_states in states.items()
        if entity_id in sensors
        for state in entity_states
        if hasattr(state, "last_changed")
    ]
    if not readings:
        return [], carried
    local = [(sensor, _local(moment, open_hour), value) for sensor, moment, value in readings]
    first_hour = min(moment for _, moment, _ in local).replace(minute=0, second=0, microsecond=0)
    samples = aggregate_readings(local, first_hour, open_hour)
    for sensor, _moment, value in sorted(local, key=lambda r: r[1]):
        carried[sensor] = value
    return samples, carried


def _local(moment: datetime, like: datetime) -> datetime:
    return moment.astimezone(like.tzinfo)
