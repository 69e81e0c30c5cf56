"""Config, reconfigure and options flows."""

from __future__ import annotations

import pytest
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.home_anomaly.const import (
    CONF_COOLDOWN_MINUTES,
    CONF_DOOR_ENTITY,
    CONF_MIN_PRIORITY,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    CONF_NOTIFY_TARGETS,
    CONF_POWER_ENTITY,
    CONF_QUIET_END,
    CONF_QUIET_START,
    CONF_RUNTIME,
    CONF_TEMPERATURE_ENTITY,
    DOMAIN,
)

from .conftest import SOURCES, make_entry, set_normal_states, setup_entry


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return str(result["flow_id"])


async def test_user_flow_creates_a_zone(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {"name": "Flat", **SOURCES})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Flat"
    assert result["data"] == SOURCES
    await hass.async_block_till_done()
    assert hass.states.get("sensor.flat_status") is not None


async def test_any_role_may_be_left_empty(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"name": "Kitchen", CONF_POWER_ENTITY: SOURCES[CONF_POWER_ENTITY]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_POWER_ENTITY: "sensor.fridge_power"}


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({}, {"base": "no_sources"}),
        ({CONF_TEMPERATURE_ENTITY: "sensor.nowhere"}, {CONF_TEMPERATURE_ENTITY: "entity_not_found"}),
        ({CONF_TEMPERATURE_ENTITY: "sensor.text_sensor"}, {CONF_TEMPERATURE_ENTITY: "not_numeric"}),
        ({CONF_DOOR_ENTITY: "binary_sensor.broken_door"}, {CONF_DOOR_ENTITY: "not_on_off"}),
    ],
)
async def test_bad_sources_are_refused(hass: HomeAssistant, user_input: dict[str, str], errors: dict[str, str]) -> None:
    set_normal_states(hass)
    hass.states.async_set("sensor.text_sensor", "warm")
    hass.states.async_set("binary_sensor.broken_door", "open")  # unknown/unavailable are accepted
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {"name": "Flat", **user_input})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    fixed = await hass.config_entries.flow.async_configure(flow_id, {"name": "Flat", **SOURCES})
    assert fixed["type"] is FlowResultType.CREATE_ENTRY


async def test_duplicates_are_refused(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    await setup_entry(hass, make_entry(title="Home"))
    flow_id = await _start(hass)
    hass.states.async_set("sensor.garage_fridge", "90.0", {"device_class": "power", "unit_of_measurement": "W"})
    same_name = await hass.config_entries.flow.async_configure(
        flow_id, {"name": "Home", CONF_POWER_ENTITY: "sensor.garage_fridge"}
    )
    assert same_name["type"] is FlowResultType.FORM  # the form and what was filled in stay
    assert same_name["errors"] == {"name": "name_in_use"}
    same_sources = await hass.config_entries.flow.async_configure(flow_id, {"name": "Other", **SOURCES})
    assert same_sources["type"] is FlowResultType.FORM
    assert same_sources["errors"] == {"base": "sources_in_use"}
    assert same_sources["description_placeholders"] == {"zone": "Home"}


async def test_reconfigure_changes_the_sources(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    hass.states.async_set("sensor.garage_fridge", "90.0", {"unit_of_measurement": "W"})  # no device class
    entry = await setup_entry(hass, make_entry())
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    bad = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_POWER_ENTITY: "sensor.gone"})
    assert bad["errors"] == {CONF_POWER_ENTITY: "entity_not_found"}
    done = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_POWER_ENTITY: "sensor.garage_fridge"}
    )
    assert done["type"] is FlowResultType.ABORT
    assert done["reason"] == "reconfigure_successful"
    assert entry.data == {CONF_POWER_ENTITY: "sensor.garage_fridge"}


async def test_options_flow(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    hass.services.async_register("notify", "mobile_app_phone", lambda call: None)
    entry = await setup_entry(hass, make_entry())
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"
    options = {
        CONF_NOTIFY_TARGETS: ["notify.mobile_app_phone"],
        CONF_MIN_PRIORITY: "3",
        CONF_COOLDOWN_MINUTES: 30,
        CONF_RUNTIME: "numpy",
        CONF_NIGHT_START: "23",
        CONF_NIGHT_END: "6",
    }
    half_quiet = await hass.config_entries.options.async_configure(
        result["flow_id"], {**options, CONF_QUIET_START: "22:00"}
    )
    assert half_quiet["errors"] == {CONF_QUIET_END: "quiet_hours_incomplete"}  # on the field left empty
    done = await hass.config_entries.options.async_configure(
        result["flow_id"], {**options, CONF_QUIET_START: "22:00", CONF_QUIET_END: "07:00"}
    )
    assert done["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_RUNTIME] == "numpy"
    # Stored as before the choices were lists: whole numbers, and times notifications can parse.
    assert entry.options[CONF_MIN_PRIORITY] == 3
    assert (entry.options[CONF_NIGHT_START], entry.options[CONF_NIGHT_END]) == (23, 6)
    assert (entry.options[CONF_QUIET_START], entry.options[CONF_QUIET_END]) == ("22:00", "07:00")
    assert entry.runtime_data.coordinator.loaded.runtime == "numpy"  # reloaded with the new runtime
