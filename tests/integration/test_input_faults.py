"""Bad input from sensors, service calls and the entity registry; a flood of state changes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components import home_anomaly as integration
from custom_components.home_anomaly.const import CONF_TEMPERATURE_ENTITY, DOMAIN
from custom_components.home_anomaly.engine.store import HourlyStore

from .conftest import NORMAL_STATES, SOURCES, clock_to, make_entry, set_normal_states, setup_entry

LOGGER = "custom_components.home_anomaly"
TRANSLATIONS = json.loads((Path(integration.__file__).parent / "translations" / "en.json").read_text(encoding="utf-8"))

BAD_STATES: list[tuple[str, str, float | None]] = [  # entity, state, what the open hour shows
    ("sensor.living_room_temperature", "nan", None),
    ("sensor.living_room_temperature", "inf", None),
    ("sensor.living_room_temperature", "1e308", None),
    ("sensor.living_room_temperature", "warm", None),
    ("sensor.bathroom_humidity", "104.5", 100.0),
    ("sensor.fridge_power", "-3.0", None),
    ("binary_sensor.front_door", "ajar", 0.0),  # missing: not "open"
]


def unusable_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith(LOGGER) and "Logged once" in r.getMessage()]


async def test_unusable_states_are_missing_or_clipped_and_logged_once_per_entity(
    hass: HomeAssistant, entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_entry(hass, entry)
    aggregator = entry.runtime_data.coordinator.aggregator
    for _ in range(50):  # a sensor stuck sending garbage
        for entity_id, state, expected in BAD_STATES:
            hass.states.async_set(entity_id, "unknown")
            hass.states.async_set(entity_id, state)
            sensor = list(SOURCES.values()).index(entity_id)
            assert aggregator.latest().values[sensor] == expected
    await hass.async_block_till_done()
    latest = aggregator.latest().values
    assert latest[1] == 100.0  # clipped humidity
    assert latest[2] is None  # negative power is missing, never zero
    warnings = unusable_warnings(caplog)
    assert sorted(w.split(" ")[0] for w in warnings) == sorted({e for e, _, _ in BAD_STATES})
    assert any("'104.5': humidity outside 0-100 %, clipped; read as 100.0" in w for w in warnings)
    # unknown / unavailable / "" are Home Assistant's own "no value": missing, and never logged
    for state in ("unknown", "unavailable", ""):
        hass.states.async_set("sensor.living_room_temperature", "21.0")
        hass.states.async_set("sensor.living_room_temperature", state)
        assert aggregator.latest().values[0] is None
    assert len(unusable_warnings(caplog)) == len(warnings)


@pytest.mark.parametrize(
    ("service", "data", "key"),
    [
        ("score_now", {"config_entry_id": ["a", "list"]}, "invalid_service_data"),
        ("score_now", {"config_entry_id": {"a": 1}}, "invalid_service_data"),
        ("score_now", {"config_entry_id": 12345}, "unknown_entry"),  # a number is a (wrong) id, not a crash
        ("score_now", {"model_path": "/config/evil.onnx"}, "invalid_service_data"),  # no service takes a path
        ("acknowledge", {"anomaly": "fire"}, "invalid_service_data"),  # required zone missing
        ("acknowledge", {"config_entry_id": "ENTRY", "anomaly": 5}, "unknown_anomaly"),
        ("acknowledge", {"config_entry_id": "ENTRY", "anomaly": None}, "invalid_service_data"),
        ("acknowledge", {"config_entry_id": "ENTRY", "anomaly": "fire", "path": "../x"}, "invalid_service_data"),
    ],
)
async def test_bad_service_calls_are_translated_validation_errors(
    hass: HomeAssistant, entry: MockConfigEntry, service: str, data: dict[str, Any], key: str
) -> None:
    await setup_entry(hass, entry)
    data = {k: entry.entry_id if v == "ENTRY" else v for k, v in data.items()}
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(DOMAIN, service, data, blocking=True)
    assert raised.value.translation_key == key
    assert raised.value.translation_domain == DOMAIN
    message = TRANSLATIONS["exceptions"][key]["message"]
    placeholders = raised.value.translation_placeholders or {}
    assert set(placeholders) == {name.strip("{}") for name in _placeholders(message)}
    assert str(raised.value) == message.format(**placeholders)  # Home Assistant renders our text


def _placeholders(message: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(message) if name]


def test_every_translation_key_used_in_the_code_exists() -> None:
    code = "\n".join(p.read_text() for p in Path(integration.__file__).parent.glob("*.py"))
    for key in ("unknown_entry", "unknown_anomaly", "invalid_service_data"):
        assert f'"{key}"' in code and key in TRANSLATIONS["exceptions"]
    for problem in ("locked", "full", "unwritable", "corrupt"):
        assert f"buffer_{problem}" in TRANSLATIONS["issues"]
    assert "confirm" in TRANSLATIONS["issues"]["buffer_rebuilt"]["fix_flow"]["step"]


async def test_a_renamed_source_is_followed(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:00:00+00:00")
    registered = entity_registry.async_get_or_create(
        "sensor", "demo", "t1", suggested_object_id="living_room_temperature"
    )
    assert registered.entity_id == "sensor.living_room_temperature"
    set_normal_states(hass)

    @callback
    def entity_platform(event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        """What an entity's platform does when its id changes, before later listeners (ours) run."""
        if event.data.get("old_entity_id") == "sensor.living_room_temperature":
            hass.states.async_remove("sensor.living_room_temperature")
            attributes = NORMAL_STATES["sensor.living_room_temperature"][1]
            hass.states.async_set("sensor.lounge_temperature", "21.8", attributes)

    hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, entity_platform)
    entry = await setup_entry(hass, make_entry())

    entity_registry.async_update_entity(registered.entity_id, new_entity_id="sensor.lounge_temperature")
    await hass.async_block_till_done()
    assert entry.data[CONF_TEMPERATURE_ENTITY] == "sensor.lounge_temperature"
    assert entry.runtime_data.coordinator.aggregator.latest().values[0] == 21.8  # at once, not at its next change
    freezer.tick(timedelta(minutes=30))
    hass.states.async_set("sensor.lounge_temperature", "25.3", NORMAL_STATES["sensor.living_room_temperature"][1])
    await hass.async_block_till_done()
    assert entry.runtime_data.coordinator.aggregator.latest().values[0] == 25.3
    issues = ir.async_get(hass).issues
    assert not [i for i in issues if i[1].startswith("source_missing")]  # followed, not reported missing


async def test_a_removed_source_is_reported_and_its_return_clears_the_issue(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    await setup_entry(hass, entry)
    issue_id = f"source_missing_{entry.entry_id}_humidity_entity"
    hass.states.async_remove("sensor.bathroom_humidity")
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert entry.runtime_data.coordinator.aggregator.latest().values[1] is None

    hass.states.async_set("sensor.bathroom_humidity", "55.0", {"device_class": "humidity"})
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert entry.runtime_data.coordinator.aggregator.latest().values[1] == 55.0


async def test_a_flood_of_100000_state_changes_loses_none(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:00:00+00:00")
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data.coordinator
    changes = 100_000
    for i in range(changes):
        hass.states.async_set("sensor.fridge_power", "0.0" if i % 2 else "200.0")
        if i % 1000 == 999:
            await hass.async_block_till_done()  # the loop keeps turning: flushes interleave with the flood
    await hass.async_block_till_done(wait_background_tasks=True)
    path = integration.store_path(hass, entry.entry_id)
    readings = await hass.async_add_executor_job(_open_readings, path)
    power = [value for sensor, _, value in readings if sensor == 2]
    assert len(power) == changes + 1  # the value at setup plus every change
    assert power[1:] == [0.0 if i % 2 else 200.0 for i in range(changes)]  # in order
    assert coordinator.buffer.pending == "0 readings and 0 closed hours"

    await clock_to(hass, freezer, "2025-03-10 15:00:00+00:00")
    hours = await hass.async_add_executor_job(
        coordinator.buffer.store.hours_since, dt_util.utcnow() - timedelta(hours=2)
    )
    assert len(hours) == 1
    assert hours[0].values[2] == 0.0  # the last reading of the frozen instant holds for the hour


def _open_readings(path: Path) -> list[tuple[int, Any, float | None]]:
    store = HourlyStore(path)
    try:
        return store.open_readings()
    finally:
        store.close()
