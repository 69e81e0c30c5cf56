"""Clocks that jump, daylight-saving days and a change of Home Assistant's time zone.

Hours are buffered as UTC instants, so whatever the local clock does, every real hour is stored
exactly once: none missing, doubled or merged.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import clock_to, prefill_history, setup_entry, utc


async def stored_hours(hass: HomeAssistant, entry: MockConfigEntry) -> list[datetime]:
    store = entry.runtime_data.coordinator.buffer.store
    hours = await hass.async_add_executor_job(store.hours_since, utc("2000-01-01 00:00:00+00:00"))
    return [h.hour_start for h in hours]


def consecutive(first: str, count: int) -> list[datetime]:
    return [utc(first) + timedelta(hours=i) for i in range(count)]


async def test_clock_steps_forward_and_back_by_two_hours(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:10:00+00:00")
    prefill_history(hass, entry, days=30, end=utc("2025-03-10 14:00:00+00:00"))  # so every hour is scored
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data.coordinator
    hass.states.async_set("sensor.living_room_temperature", "22.0")

    await clock_to(hass, freezer, utc("2025-03-10 16:10:00+00:00"))  # forward 2 h
    assert (await stored_hours(hass, entry))[-2:] == consecutive("2025-03-10 14:00:00+00:00", 2)
    scored = coordinator.tracker.scored_hours
    assert scored > 0

    await clock_to(hass, freezer, utc("2025-03-10 14:20:00+00:00"))  # back 2 h: those hours are closed
    hass.states.async_set("sensor.living_room_temperature", "24.0")
    await clock_to(hass, freezer, utc("2025-03-10 15:00:00+00:00"))  # minute 0 again, of an hour already closed
    await coordinator._handle_hour(dt_util.utcnow())  # as if a timer fired on the stepped-back clock
    assert (await stored_hours(hass, entry))[-2:] == consecutive("2025-03-10 14:00:00+00:00", 2)  # none doubled
    assert coordinator.tracker.scored_hours == scored  # and nothing scored twice

    await clock_to(hass, freezer, utc("2025-03-10 17:00:00+00:00"))
    hours = await stored_hours(hass, entry)
    assert len(hours) == len(set(hours))
    assert hours[-3:] == consecutive("2025-03-10 14:00:00+00:00", 3)  # the open hour closed once
    store = coordinator.buffer.store
    last = (await hass.async_add_executor_job(store.hours_since, hours[-1]))[0]
    assert last.values[0] == 24.0  # the reading from the stepped-back clock went to the open hour


@pytest.mark.parametrize(
    ("time_zone", "first", "local_hours"),
    [
        ("Europe/Berlin", "2025-03-30 00:00:00+00:00", [1, 3, 4, 5]),  # 02:00 does not exist
        ("Europe/Berlin", "2025-10-26 00:00:00+00:00", [2, 2, 3, 4]),  # 02:00 happens twice
        ("America/New_York", "2025-03-09 06:00:00+00:00", [1, 3, 4, 5]),
        ("America/New_York", "2025-11-02 05:00:00+00:00", [1, 1, 2, 3]),
    ],
)
async def test_daylight_saving_days_store_every_real_hour_once(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    time_zone: str,
    first: str,
    local_hours: list[int],
) -> None:
    await hass.config.async_update(time_zone=time_zone)
    start = utc(first)
    freezer.move_to(start + timedelta(minutes=5))
    await setup_entry(hass, entry)
    for hour in range(4):
        hass.states.async_set("sensor.living_room_temperature", f"{20 + hour}.0")
        await clock_to(hass, freezer, start + timedelta(hours=hour + 1))
    hours = await stored_hours(hass, entry)
    assert hours == consecutive(first, 4)
    assert [dt_util.as_local(h).hour for h in hours] == local_hours
    store = entry.runtime_data.coordinator.buffer.store
    samples = await hass.async_add_executor_job(store.hours_since, start)
    assert [s.values[0] for s in samples] == pytest.approx([20.0, 21.0, 22.0, 23.0], abs=0.01)  # not merged


async def test_a_time_zone_change_moves_the_night_not_the_hours(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await hass.config.async_update(time_zone="UTC")
    freezer.move_to("2025-03-10 20:40:00+00:00")
    await setup_entry(hass, entry)
    hass.states.async_set("binary_sensor.front_door", "on")  # 20:40 local: evening
    hass.states.async_set("binary_sensor.front_door", "off")
    assert hass.states.get("sensor.home_status").state == "learning"  # no door alert; no history yet

    await hass.config.async_update(time_zone="Asia/Kolkata")  # UTC+05:30: 02:10 now
    hass.states.async_set("binary_sensor.front_door", "on")
    assert hass.states.get("sensor.home_status").state == "door"
    hass.states.async_set("binary_sensor.front_door", "off")

    await clock_to(hass, freezer, utc("2025-03-10 21:00:00+00:00"))
    await clock_to(hass, freezer, utc("2025-03-10 22:00:00+00:00"))
    assert await stored_hours(hass, entry) == consecutive("2025-03-10 20:00:00+00:00", 2)


async def test_a_clock_years_off_neither_floods_the_loop_nor_stalls_the_zone(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:10:00+00:00")
    await setup_entry(hass, entry)
    await clock_to(hass, freezer, utc("2027-03-10 14:10:00+00:00"))  # a board without a clock battery, say
    hours = await stored_hours(hass, entry)
    assert len(hours) <= 24 * 30 + 1  # at most a baseline's worth of empty hours, not 17,520
    assert len(hours) == len(set(hours))

    await clock_to(hass, freezer, utc("2025-03-10 16:20:00+00:00"))  # NTP sets it right
    hass.states.async_set("sensor.living_room_temperature", "24.0")
    await clock_to(hass, freezer, utc("2025-03-10 17:00:00+00:00"))
    hours = await stored_hours(hass, entry)
    assert utc("2025-03-10 16:00:00+00:00") in hours  # the zone closes real hours again at once
    store = entry.runtime_data.coordinator.buffer.store
    sixteen = await hass.async_add_executor_job(store.hours_since, utc("2025-03-10 16:00:00+00:00"))
    assert sixteen[0].values[0] == pytest.approx((21.3 * 20 + 24.0 * 40) / 60)  # the last value carried in
