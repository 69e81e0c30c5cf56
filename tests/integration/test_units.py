"""Units: every reading is converted to the model's units (°C, %, W) with Home Assistant's own
converters, from the unit of that very state — live, at warm start and in the config flow."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from homeassistant.util.unit_system import METRIC_SYSTEM, US_CUSTOMARY_SYSTEM
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components.home_anomaly.const import (
    CONF_HUMIDITY_ENTITY,
    CONF_POWER_ENTITY,
    CONF_TEMPERATURE_ENTITY,
    DOMAIN,
    EVENT_DETECTED,
)
from custom_components.home_anomaly.engine.readings import HUMIDITY, POWER, TEMPERATURE
from custom_components.home_anomaly.units import read_source

from .conftest import prefill_history, setup_entry, utc

TEMPERATURE_ID, HUMIDITY_ID, POWER_ID = "sensor.lounge_temperature", "sensor.bath_humidity", "sensor.fridge_plug"
# One home's readings as Home Assistant shows them in each unit system: the temperature follows the
# unit system, the plug reports kW (many do, whatever the unit system).
METRIC_STATES = {TEMPERATURE_ID: ("21.3", "°C"), HUMIDITY_ID: ("48.0", "%"), POWER_ID: ("151.0", "W")}
US_STATES = {TEMPERATURE_ID: ("70.34", "°F"), HUMIDITY_ID: ("48.0", "%"), POWER_ID: ("0.151", "kW")}
DEVICE_CLASSES = {TEMPERATURE_ID: "temperature", HUMIDITY_ID: "humidity", POWER_ID: "power"}


def _set(hass: HomeAssistant, states: dict[str, tuple[str, str]], prefix: str = "") -> None:
    for entity_id, (value, unit) in states.items():
        attributes = {"device_class": DEVICE_CLASSES[entity_id], "unit_of_measurement": unit}
        hass.states.async_set(entity_id.replace("sensor.", f"sensor.{prefix}"), value, attributes)


def _zone(title: str, prefix: str = "") -> MockConfigEntry:
    data = {
        CONF_TEMPERATURE_ENTITY: TEMPERATURE_ID.replace("sensor.", f"sensor.{prefix}"),
        CONF_HUMIDITY_ENTITY: HUMIDITY_ID.replace("sensor.", f"sensor.{prefix}"),
        CONF_POWER_ENTITY: POWER_ID.replace("sensor.", f"sensor.{prefix}"),
    }
    return MockConfigEntry(domain=DOMAIN, title=title, data=data, unique_id=title.lower(), version=1)


async def _score(hass: HomeAssistant, entry: MockConfigEntry) -> list[float]:
    await hass.services.async_call(DOMAIN, "score_now", {"config_entry_id": entry.entry_id}, blocking=True)
    await hass.async_block_till_done()
    score = entry.runtime_data.coordinator.data.score
    assert score is not None
    assert score.probabilities is not None
    return [float(p) for p in score.probabilities]


@pytest.mark.parametrize(
    ("state", "unit", "reading"),
    [
        ("151.0", "W", 151.0),
        ("0.151", "kW", 151.0),  # kW = W × 1000
        ("151000", "mW", 151.0),
        ("0.000151", "MW", 151.0),
        ("151.0", None, 151.0),  # no unit: read as the model's unit
    ],
)
def test_power_is_read_in_watts(state: str, unit: str | None, reading: float) -> None:
    attributes = {"unit_of_measurement": unit} if unit else {}
    value, problem = read_source(POWER, State(POWER_ID, state, attributes))
    assert value == pytest.approx(reading)
    assert problem is None


@pytest.mark.parametrize(("state", "unit"), [("21.3", "°C"), ("70.34", "°F"), ("294.45", "K")])
def test_temperature_is_read_in_celsius(state: str, unit: str) -> None:
    assert read_source(TEMPERATURE, State(TEMPERATURE_ID, state, {"unit_of_measurement": unit}))[0] == pytest.approx(
        21.3
    )


@pytest.mark.parametrize(
    ("sensor", "state", "unit", "problem"),
    [
        (POWER, "3.6", "kWh", "unit kWh cannot be converted to W"),  # the plug's energy, not its power
        (HUMIDITY, "9.1", "g/m³", "unit g/m³ cannot be converted to %"),  # absolute humidity
        (TEMPERATURE, "21.3", "W", "unit W cannot be converted to °C"),
        (POWER, "unavailable", "kWh", None),  # no value is no value, whatever the unit
    ],
)
def test_a_unit_that_cannot_be_converted_is_missing_never_a_number(
    sensor: int, state: str, unit: str, problem: str | None
) -> None:
    assert read_source(sensor, State(POWER_ID, state, {"unit_of_measurement": unit})) == (None, problem)


async def test_the_same_home_in_metric_and_us_customary_units_gets_the_same_scores(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:20:00+00:00")
    hass.config.units = US_CUSTOMARY_SYSTEM
    metric, us = _zone("Metric", "metric_"), _zone("US", "us_")
    for zone in (metric, us):
        prefill_history(hass, zone, days=30)  # the same simulated home, stored in the model's units
    _set(hass, METRIC_STATES, "metric_")
    _set(hass, US_STATES, "us_")
    detected = async_capture_events(hass, EVENT_DETECTED)
    await setup_entry(hass, metric)
    await setup_entry(hass, us)
    assert await _score(hass, us) == pytest.approx(await _score(hass, metric), abs=1e-6)
    assert hass.states.get("sensor.us_status").state == "normal"  # 70.34 °F is a living room, not a fire
    assert detected == []


async def test_a_unit_switch_during_the_zones_life_is_no_jump(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:20:00+00:00")
    zone = _zone("Flat")
    prefill_history(hass, zone, days=30)
    _set(hass, METRIC_STATES)
    detected = async_capture_events(hass, EVENT_DETECTED)
    await setup_entry(hass, zone)
    before = await _score(hass, zone)
    # Settings → System → General → Unit system: US customary; the plug's display unit set to kW.
    hass.config.units = US_CUSTOMARY_SYSTEM
    freezer.tick(timedelta(minutes=5))
    _set(hass, US_STATES)
    await hass.async_block_till_done()
    assert await _score(hass, zone) == pytest.approx(before, abs=1e-6)
    assert detected == []
    hass.config.units = METRIC_SYSTEM


async def test_a_source_in_a_unit_that_cannot_be_converted_is_missing_and_logged_once(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    zone = _zone("Flat")
    _set(hass, METRIC_STATES)
    await setup_entry(hass, zone)
    coordinator = zone.runtime_data.coordinator
    with caplog.at_level(logging.WARNING):
        for energy in ("3.6", "3.7"):
            hass.states.async_set(POWER_ID, energy, {"unit_of_measurement": "kWh"})
            await hass.async_block_till_done()
    assert coordinator.aggregator.latest().values[POWER] is None  # never 3.6 W
    logged = [record.getMessage() for record in caplog.records if POWER_ID in record.getMessage()]
    assert logged == [
        f"{POWER_ID} reported '3.6 kWh': unit kWh cannot be converted to W; read as missing. "
        "Logged once per sensor until Home Assistant restarts"
    ]


async def test_warm_start_converts_each_recorded_state_with_its_own_unit(
    recorder_mock: object, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """History recorded before and after a switch to US customary units reads as one level line."""
    start = utc("2025-03-08 00:00:00+00:00")
    for hour in range(40):
        freezer.move_to(start + timedelta(hours=hour, minutes=10))
        _set(hass, METRIC_STATES if hour < 20 else US_STATES)
        hass.states.async_set("sensor.clock", str(hour))  # a state change every hour, as a home has
        await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    freezer.move_to(start + timedelta(hours=40, minutes=5))

    zone = await setup_entry(hass, _zone("Flat"))
    store = zone.runtime_data.coordinator.buffer.store
    hours = await hass.async_add_executor_job(store.hours_since, start)
    assert len(hours) >= 40
    assert {round(hour.values[TEMPERATURE] or 0.0, 2) for hour in hours} == {21.3}
    assert {round(hour.values[POWER] or 0.0, 2) for hour in hours} == {151.0}
