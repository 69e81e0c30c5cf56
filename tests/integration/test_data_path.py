"""Readings → hourly buffer → scores; restarts lose nothing."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.home_anomaly.engine.features import hour_floor

from .conftest import clock_to, prefill_history, setup_entry


async def _next_hour(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    await clock_to(hass, freezer, hour_floor(dt_util.now()) + timedelta(hours=1))


async def test_an_hour_of_readings_becomes_one_buffered_hour(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:00:00+00:00")
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data.coordinator
    freezer.tick(timedelta(minutes=30))
    hass.states.async_set("sensor.living_room_temperature", "23.3")
    hass.states.async_set("sensor.bathroom_humidity", "unavailable")  # missing, never zero
    await hass.async_block_till_done()
    await _next_hour(hass, freezer)
    hours = await hass.async_add_executor_job(coordinator.buffer.store.hours_since, dt_util.now() - timedelta(hours=3))
    assert len(hours) == 1
    temperature, humidity, power, door, fire = hours[0].values
    assert abs(temperature - 22.3) < 0.01  # 30 min at 21.3 °C, 30 min at 23.3 °C (time-weighted)
    assert humidity == 48.0  # the available half hour only
    assert (power, door, fire) == (151.0, 0.0, 0.0)
    assert hass.states.get("sensor.home_buffered_hours").state == "1"
    status = hass.states.get("sensor.home_status")
    assert status.state == "learning"
    assert (status.attributes["hours_buffered"], status.attributes["hours_needed"]) == (1, 31)


async def test_hourly_scoring_runs_at_minute_zero(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:20:00+00:00")
    prefill_history(hass, entry, days=30)
    await setup_entry(hass, entry)
    assert hass.states.get("sensor.home_status").attributes["last_scored"] is None
    await _next_hour(hass, freezer)
    scored = hass.states.get("sensor.home_status").attributes["last_scored"]
    assert dt_util.parse_datetime(scored) == hour_floor(dt_util.now())
    score = float(hass.states.get("sensor.home_anomaly_score").state)
    assert 0.0 <= score < 50.0  # a normal home scores low
    assert hass.states.get("sensor.home_status").state == "normal"
    probabilities = hass.states.get("sensor.home_status").attributes["probabilities"]
    assert list(probabilities) == ["normal", "temperature", "humidity", "fridge", "door", "fire"]


async def test_a_restart_keeps_buffered_hours_open_readings_and_alerts(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:05:00+00:00")
    prefill_history(hass, entry, days=5)
    await setup_entry(hass, entry)
    hass.states.async_set("binary_sensor.smoke_alarm", "on")
    freezer.tick(timedelta(minutes=20))
    hass.states.async_set("sensor.living_room_temperature", "25.3")
    await hass.async_block_till_done()
    before = await hass.async_add_executor_job(entry.runtime_data.coordinator.buffer.store.hour_count)

    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.tick(timedelta(minutes=10))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    coordinator = entry.runtime_data.coordinator
    assert await hass.async_add_executor_job(coordinator.buffer.store.hour_count) == before
    assert hass.states.get("sensor.home_status").state == "fire"  # the alert survived
    await _next_hour(hass, freezer)
    store = coordinator.buffer.store
    last = (await hass.async_add_executor_job(store.hours_since, dt_util.now() - timedelta(hours=1)))[-1]
    # Set up at 14:05 with 21.3 °C, 25.3 °C from 14:25: the pre-restart readings count.
    assert abs(last.values[0] - (21.3 * 20 + 25.3 * 35) / 55) < 0.01
    assert last.values[4] == 1.0


async def test_hours_while_home_assistant_was_down_are_closed_on_start(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:05:00+00:00")
    await setup_entry(hass, entry)
    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.move_to("2025-03-10 17:30:00+00:00")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    store = entry.runtime_data.coordinator.buffer.store
    hours = await hass.async_add_executor_job(store.hours_since, dt_util.now() - timedelta(hours=6))
    assert [h.hour_start.astimezone(dt_util.UTC).hour for h in hours] == [14, 15, 16]
