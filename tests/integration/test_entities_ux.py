"""The entities as a household reads them: learning, only the sensors it has, words, a quiet logbook."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.logbook.helpers import async_determine_event_types
from homeassistant.components.logbook.processor import EventProcessor
from homeassistant.core import HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components.home_anomaly.const import (
    CONF_DOOR_ENTITY,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    CONF_POWER_ENTITY,
    CONF_SMOKE_ENTITY,
    CONF_TEMPERATURE_ENTITY,
    DOMAIN,
)
from custom_components.home_anomaly.engine.features import hour_floor

from .conftest import SOURCES, clock_to, make_entry, prefill_history, set_normal_states, setup_entry, utc

STATUS = "sensor.home_status"
ANOMALY_ENTITIES = {
    "binary_sensor.home_temperature_anomaly",
    "binary_sensor.home_humidity_anomaly",
    "binary_sensor.home_fridge_anomaly",
    "binary_sensor.home_door_opened_at_night",
    "binary_sensor.home_fire",
}


def _zone(roles: tuple[str, ...], options: dict[str, Any] | None = None) -> MockConfigEntry:
    """A zone "Home" with only the sensors of ``roles`` (make_entry's has all five)."""
    return MockConfigEntry(
        domain=DOMAIN, title="Home", data={key: SOURCES[key] for key in roles}, options=options or {}, version=1
    )


def _state(hass: HomeAssistant, entity_id: str) -> State:
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} does not exist"
    return state


async def _next_hour(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    await clock_to(hass, freezer, hour_floor(dt_util.now()) + timedelta(hours=1))


async def _shown(hass: HomeAssistant, entity_id: str) -> str:
    """The word the frontend shows for the entity's state, found the way it looks it up
    (computeStateDisplay): the entity's own translation, else its device class's, else the domain's."""
    state = _state(hass, entity_id)
    domain = entity_id.split(".")[0]
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    own = await async_get_translations(hass, "en", "entity", [DOMAIN])
    component = await async_get_translations(hass, "en", "entity_component", [domain])
    device_class = state.attributes.get("device_class")
    for key in (
        f"component.{DOMAIN}.entity.{domain}.{entry.translation_key}.state.{state.state}",
        f"component.{domain}.entity_component.{device_class}.state.{state.state}",
        f"component.{domain}.entity_component._.state.{state.state}",
    ):
        if key in own or key in component:
            return own.get(key) or component[key]
    return state.state


# --- 9: learning ---------------------------------------------------------------------------------


async def test_a_new_zone_says_it_is_learning_and_what_it_already_watches(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    await setup_entry(hass, entry)
    status = _state(hass, STATUS)
    assert status.state == "learning"
    assert await _shown(hass, STATUS) == "Learning"
    assert status.attributes["hours_buffered"] == 0
    assert status.attributes["hours_needed"] == 32
    assert status.attributes["watching"] == ["door", "fire"]  # the rules, from the first second
    assert status.attributes["explanation"] == (
        "Learning this home: the model needs 32 hours of readings and scores in about 32 more hours. "
        "Already watching the front door at night and the alarm detector."
    )

    hass.states.async_set("binary_sensor.smoke_alarm", "on")
    await hass.async_block_till_done()
    status = _state(hass, STATUS)
    assert status.state == "fire"  # a rule outranks learning
    assert status.attributes["explanation"].startswith(
        "The alarm detector (smoke, heat, gas or CO) is on. Learning this home"
    )
    hass.states.async_set("binary_sensor.smoke_alarm", "off")
    await hass.async_block_till_done()
    assert _state(hass, STATUS).state == "learning"


async def test_learning_counts_down_and_ends_with_the_first_score(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    set_normal_states(hass)
    freezer.move_to("2025-03-10 14:20:00+00:00")
    entry = make_entry()
    added = prefill_history(hass, entry, days=1, end=utc("2025-03-10 14:00:00+00:00"))
    await setup_entry(hass, entry)
    needed = _state(hass, STATUS).attributes["hours_needed"]
    assert needed == 32 - added > 1
    await _next_hour(hass, freezer)
    status = _state(hass, STATUS)
    assert (status.state, status.attributes["hours_needed"]) == ("learning", needed - 1)
    assert status.attributes["last_scored"] is None  # nothing scored yet: the window was short
    for _ in range(needed - 1):
        await _next_hour(hass, freezer)
    status = _state(hass, STATUS)
    assert status.state == "normal"
    assert status.attributes["hours_needed"] == 0
    assert status.attributes["watching"] == ["temperature", "humidity", "fridge", "door", "fire"]
    assert status.attributes["last_scored"] is not None
    assert _state(hass, "sensor.home_anomaly_score").state != "unknown"
    assert "Learning" not in status.attributes["explanation"]


async def test_a_restarted_zone_with_history_is_not_learning_again(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    prefill_history(hass, entry, days=30)
    await setup_entry(hass, entry)
    status = _state(hass, STATUS)
    assert status.state == "normal"
    assert status.attributes["hours_needed"] == 0
    assert status.attributes["explanation"] == (
        "Not scored since the zone started; the model scores at the start of every hour."
    )


async def test_a_zone_without_rule_sensors_says_nothing_alerts_while_learning(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    await setup_entry(hass, _zone((CONF_POWER_ENTITY,)))
    status = _state(hass, STATUS)
    assert status.state == "learning"
    assert status.attributes["watching"] == []
    assert status.attributes["explanation"].endswith("Until then nothing raises an alert.")


async def test_a_door_rule_switched_off_is_not_watched_while_learning(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    await setup_entry(hass, _zone((CONF_DOOR_ENTITY, CONF_SMOKE_ENTITY), {CONF_NIGHT_START: 3, CONF_NIGHT_END: 3}))
    assert _state(hass, STATUS).attributes["watching"] == ["fire"]


# --- 10: only the sensors the zone has ----------------------------------------------------------


async def test_a_zone_with_a_fridge_and_a_smoke_alarm_has_only_their_entities(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    entry = await setup_entry(hass, _zone((CONF_POWER_ENTITY, CONF_SMOKE_ENTITY)))
    registry = er.async_get(hass)
    shown = {e.entity_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}
    assert shown & ANOMALY_ENTITIES == {"binary_sensor.home_fridge_anomaly", "binary_sensor.home_fire"}
    assert {entity_id for entity_id in ANOMALY_ENTITIES if hass.states.get(entity_id)} == {
        "binary_sensor.home_fridge_anomaly",
        "binary_sensor.home_fire",
    }
    assert _state(hass, STATUS).attributes["watching"] == ["fire"]


async def test_reconfigure_adds_the_entity_of_a_new_role_and_removes_a_dropped_one(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    entry = await setup_entry(hass, _zone((CONF_POWER_ENTITY, CONF_SMOKE_ENTITY)))
    registry = er.async_get(hass)
    assert registry.async_get("binary_sensor.home_fire") is not None

    flow = await entry.start_reconfigure_flow(hass)
    done = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {CONF_TEMPERATURE_ENTITY: SOURCES[CONF_TEMPERATURE_ENTITY], CONF_POWER_ENTITY: SOURCES[CONF_POWER_ENTITY]},
    )
    assert done["type"] is FlowResultType.ABORT
    await hass.async_block_till_done()

    assert _state(hass, "binary_sensor.home_temperature_anomaly").state == "off"
    assert registry.async_get("binary_sensor.home_fire") is None  # not left as "no longer provided"
    assert hass.states.get("binary_sensor.home_fire") is None
    assert hass.states.get("binary_sensor.home_fridge_anomaly") is not None


# --- 11: words that read right -----------------------------------------------------------------


async def test_the_anomaly_sensors_read_right_when_all_is_well_and_when_not(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    await setup_entry(hass, entry)
    calm = {entity_id: await _shown(hass, entity_id) for entity_id in sorted(ANOMALY_ENTITIES)}
    assert calm == {
        "binary_sensor.home_door_opened_at_night": "No",
        "binary_sensor.home_fire": "No",
        "binary_sensor.home_fridge_anomaly": "OK",
        "binary_sensor.home_humidity_anomaly": "OK",  # not "Dry"
        "binary_sensor.home_temperature_anomaly": "OK",
    }
    # Alert states, not detectors: no second smoke or leak detector for voice assistants, and the
    # logbook says "detected problem" / "cleared (no problem detected)".
    assert {_state(hass, entity_id).attributes["device_class"] for entity_id in ANOMALY_ENTITIES} == {"problem"}

    hass.states.async_set("binary_sensor.smoke_alarm", "on")
    await hass.async_block_till_done()
    assert await _shown(hass, "binary_sensor.home_fire") == "Detected"
    assert await _shown(hass, STATUS) == "Fire"


# --- 15: a quiet logbook -------------------------------------------------------------------------


async def _device_logbook(hass: HomeAssistant, entry: MockConfigEntry, since: datetime) -> list[str]:
    """The entity ids of the lines the zone's device page shows in its logbook (the logbook's own
    query and filters, as its websocket API runs them)."""
    await async_wait_recording_done(hass)
    # Not async_get_device(identifiers=...): HA 2026 refuses it (identifiers are no longer unique).
    [device] = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert device is not None
    entities = [e.entity_id for e in er.async_entries_for_device(er.async_get(hass), device.id)]
    processor = EventProcessor(hass, async_determine_event_types(hass, entities, [device.id]), entities, [device.id])
    until = dt_util.utcnow() + timedelta(seconds=1)
    lines = await get_instance(hass).async_add_executor_job(processor.get_events, since, until)
    return sorted(str(line.get("entity_id")) for line in lines)


async def test_hourly_scoring_writes_nothing_to_the_logbook(
    recorder_mock: object, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    assert await async_setup_component(hass, "logbook", {})
    set_normal_states(hass)
    freezer.move_to("2025-03-10 14:20:00+00:00")
    start = dt_util.now()
    entry = make_entry()
    registry = er.async_get(hass)
    # What an earlier version left: a "Last scored hour" timestamp sensor, logged every hour.
    registry.async_get_or_create("sensor", DOMAIN, f"{entry.entry_id}_last_scored", suggested_object_id="home_last")
    prefill_history(hass, entry, days=30)
    await setup_entry(hass, entry)
    assert registry.async_get("sensor.home_last") is None
    for _ in range(3):
        await _next_hour(hass, freezer)
    assert _state(hass, STATUS).attributes["last_scored"] == hour_floor(dt_util.now()).isoformat()

    assert await _device_logbook(hass, entry, start) == []  # three scored hours of a calm home

    # The logbook still lists what a household wants to read there.
    hass.states.async_set("binary_sensor.smoke_alarm", "on")
    await hass.async_block_till_done()
    assert await _device_logbook(hass, entry, start) == ["binary_sensor.home_fire", STATUS]
