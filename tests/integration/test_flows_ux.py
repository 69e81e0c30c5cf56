"""The config, reconfigure and options flows as a user meets them: errors on the field they
concern, the form kept, what cannot be known yet not held against a sensor, and a repair that
goes once its fix is done."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers import selector
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.home_anomaly.const import (
    CONF_DOOR_ENTITY,
    CONF_HUMIDITY_ENTITY,
    CONF_MIN_PRIORITY,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    CONF_NOTIFY_TARGETS,
    CONF_POWER_ENTITY,
    CONF_QUIET_END,
    CONF_QUIET_START,
    CONF_SMOKE_ENTITY,
    CONF_TEMPERATURE_ENTITY,
    DOMAIN,
)
from custom_components.home_anomaly.notifications import in_quiet_hours
from custom_components.home_anomaly.schema_library import vol

from .conftest import SOURCES, make_entry, set_normal_states, setup_entry, utc

EN = json.loads(
    (Path(__file__).resolve().parents[2] / "custom_components/home_anomaly/translations/en.json").read_text("utf-8")
)


def _message(section: str, result: FlowResult, field: str) -> str:
    """The error text the user reads under ``field``, placeholders filled as the frontend does."""
    errors = result.get("errors") or {}
    text: str = EN[section]["error"][errors[field]]
    return text.format(**(result.get("description_placeholders") or {}))


def _field(result: FlowResult, key: str) -> tuple[Any, Any]:
    schema = result["data_schema"]
    assert schema is not None
    return next((marker, validator) for marker, validator in schema.schema.items() if str(marker) == key)


def _shown(result: FlowResult, key: str) -> Any:
    """The value the form shows in ``key`` (its default, else its suggested value)."""
    marker, _ = _field(result, key)
    if not isinstance(marker.default, vol.Undefined):
        return marker.default()
    return (marker.description or {}).get("suggested_value")


async def _start(hass: HomeAssistant) -> FlowResult:
    return await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})


# --- config flow ---------------------------------------------------------------------------------


async def test_a_half_finished_flow_blocks_no_other_and_a_taken_name_keeps_the_form(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    first = await _start(hass)
    mistyped = {"name": "Flat", CONF_TEMPERATURE_ENTITY: "sensor.living_room_temprature"}
    left_open = await hass.config_entries.flow.async_configure(first["flow_id"], mistyped)
    assert left_open["errors"] == {CONF_TEMPERATURE_ENTITY: "entity_not_found"}

    second = await _start(hass)
    created = await hass.config_entries.flow.async_configure(second["flow_id"], {"name": "Flat", **SOURCES})
    assert created["type"] is FlowResultType.CREATE_ENTRY  # not "already_in_progress"
    await hass.async_block_till_done()

    hass.states.async_set("sensor.garage_fridge", "90.0", {"device_class": "power", "unit_of_measurement": "W"})
    filled = {"name": "Flat", CONF_POWER_ENTITY: "sensor.garage_fridge", CONF_DOOR_ENTITY: "binary_sensor.back_door"}
    hass.states.async_set("binary_sensor.back_door", "off", {"device_class": "door"})
    taken = await hass.config_entries.flow.async_configure(first["flow_id"], filled)
    assert taken["type"] is FlowResultType.FORM
    assert taken["errors"] == {"name": "name_in_use"}
    assert _shown(taken, "name") == "Flat"  # nothing the user filled in is lost
    assert _shown(taken, CONF_POWER_ENTITY) == "sensor.garage_fridge"
    assert _shown(taken, CONF_DOOR_ENTITY) == "binary_sensor.back_door"
    renamed = await hass.config_entries.flow.async_configure(first["flow_id"], {**filled, "name": "Flat 2"})
    assert renamed["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the new zone's setup


async def test_the_suggested_name_is_not_home_assistants_home_zone(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    form = await _start(hass)
    assert _shown(form, "name") == "My home"
    await hass.config_entries.flow.async_configure(form["flow_id"], {"name": "My home", **SOURCES})
    await hass.async_block_till_done()
    assert _shown(await _start(hass), "name") == "My home 2"  # never a name that is refused


async def test_a_sensor_that_has_no_value_right_now_can_be_added(hass: HomeAssistant) -> None:
    """After a restart a door contact is unknown until it first reports; a plug may be reconnecting."""
    set_normal_states(hass)
    hass.states.async_set("binary_sensor.front_door", "unknown", {"device_class": "door"})
    hass.states.async_set("binary_sensor.smoke_alarm", "unavailable", {"device_class": "smoke"})
    hass.states.async_set("sensor.fridge_power", "unavailable", {"device_class": "power", "unit_of_measurement": "W"})
    form = await _start(hass)
    result = await hass.config_entries.flow.async_configure(form["flow_id"], {"name": "Flat", **SOURCES})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the new zone's setup


async def test_a_plug_in_watts_without_a_device_class_can_be_picked(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    hass.states.async_set("sensor.fridge_plug_power", "148.2", {"unit_of_measurement": "W"})
    form = await _start(hass)
    _, power_selector = _field(form, CONF_POWER_ENTITY)
    assert isinstance(power_selector, selector.EntitySelector)
    assert "device_class" not in power_selector.config  # the picker offers it
    assert power_selector.config["domain"] == ["sensor"]
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"name": "Flat", CONF_POWER_ENTITY: "sensor.fridge_plug_power"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the new zone's setup


async def test_gas_and_carbon_monoxide_alarms_are_offered_for_the_smoke_role(hass: HomeAssistant) -> None:
    form = await _start(hass)
    _, smoke_selector = _field(form, CONF_SMOKE_ENTITY)
    assert {"smoke", "heat", "gas", "carbon_monoxide"} <= set(smoke_selector.config["device_class"])


@pytest.mark.parametrize(
    ("key", "entity_id", "attributes", "error", "shown"),
    [
        (CONF_POWER_ENTITY, "sensor.fridge_energy", {"device_class": "energy", "unit_of_measurement": "kWh"},
         "power_unit", "This sensor reports in kWh, which is not a unit of power."),
        (CONF_HUMIDITY_ENTITY, "sensor.absolute_humidity", {"unit_of_measurement": "g/m³"},
         "humidity_unit", "This sensor reports in g/m³."),
        (CONF_TEMPERATURE_ENTITY, "sensor.odd", {"device_class": "temperature", "unit_of_measurement": "°Ré"},
         "temperature_unit", "This sensor reports in °Ré, which is not a temperature unit."),
    ],
)  # fmt: skip
async def test_a_unit_that_cannot_be_converted_is_refused_naming_the_unit(
    hass: HomeAssistant, key: str, entity_id: str, attributes: dict[str, str], error: str, shown: str
) -> None:
    set_normal_states(hass)
    hass.states.async_set(entity_id, "3.6", attributes)
    form = await _start(hass)
    result = await hass.config_entries.flow.async_configure(form["flow_id"], {"name": "Flat", key: entity_id})
    assert result["errors"] == {key: error}
    assert _message("config", result, key).startswith(shown)


async def test_each_wrong_unit_is_named_on_its_own_field(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    hass.states.async_set("sensor.fridge_energy", "3.6", {"device_class": "energy", "unit_of_measurement": "kWh"})
    hass.states.async_set("sensor.dew_point", "9.1", {"unit_of_measurement": "g/m³"})
    form = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"],
        {"name": "Flat", CONF_POWER_ENTITY: "sensor.fridge_energy", CONF_HUMIDITY_ENTITY: "sensor.dew_point"},
    )
    assert "kWh" in _message("config", result, CONF_POWER_ENTITY)
    assert "g/m³" in _message("config", result, CONF_HUMIDITY_ENTITY)


async def test_fahrenheit_and_kilowatt_sources_are_accepted(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.lounge", "70.3", {"device_class": "temperature", "unit_of_measurement": "°F"})
    hass.states.async_set("sensor.plug", "0.15", {"device_class": "power", "unit_of_measurement": "kW"})
    form = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"name": "Flat", CONF_TEMPERATURE_ENTITY: "sensor.lounge", CONF_POWER_ENTITY: "sensor.plug"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the new zone's setup


async def test_a_number_that_says_neither_its_unit_nor_what_it_measures_is_refused(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.uptime", "3600")
    hass.states.async_set("sensor.plug_without_unit", "151", {"device_class": "power"})  # read as W
    form = await _start(hass)
    refused = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"name": "Flat", CONF_POWER_ENTITY: "sensor.uptime"}
    )
    assert refused["errors"] == {CONF_POWER_ENTITY: "no_unit"}
    accepted = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"name": "Flat", CONF_POWER_ENTITY: "sensor.plug_without_unit"}
    )
    assert accepted["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the new zone's setup


async def test_reconfigure_checks_units_too(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    hass.states.async_set("sensor.fridge_energy", "3.6", {"device_class": "energy", "unit_of_measurement": "kWh"})
    entry = await setup_entry(hass, make_entry())
    form = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {CONF_POWER_ENTITY: "sensor.fridge_energy"}
    )
    assert result["errors"] == {CONF_POWER_ENTITY: "power_unit"}
    assert "kWh" in _message("config", result, CONF_POWER_ENTITY)


# --- repairs -------------------------------------------------------------------------------------


async def test_reconfigure_leaving_the_vanished_role_empty_clears_its_repair(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    hass.states.async_remove("sensor.bathroom_humidity")
    entry = await setup_entry(hass, make_entry())
    issue_id = f"source_missing_{entry.entry_id}_{CONF_HUMIDITY_ENTITY}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    form = await entry.start_reconfigure_flow(hass)
    kept = {key: entity_id for key, entity_id in SOURCES.items() if key != CONF_HUMIDITY_ENTITY}
    done = await hass.config_entries.flow.async_configure(form["flow_id"], kept)  # as the repair suggests
    assert done["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


# --- options flow --------------------------------------------------------------------------------


def _push(call: ServiceCall) -> None:
    """A notify action that accepts anything."""


@pytest.fixture
def phone(hass: HomeAssistant) -> str:
    hass.services.async_register("notify", "mobile_app_phone", _push)
    return "notify.mobile_app_phone"


async def _options(hass: HomeAssistant, options: dict[str, Any] | None = None) -> tuple[MockConfigEntry, FlowResult]:
    set_normal_states(hass)
    entry = await setup_entry(hass, make_entry(options))
    return entry, await hass.config_entries.options.async_init(entry.entry_id)


def _submitted(result: FlowResult, **changes: Any) -> dict[str, Any]:
    """What the frontend submits: every field as shown, with the user's changes."""
    schema = result["data_schema"]
    assert schema is not None
    values = {str(marker): _shown(result, str(marker)) for marker in schema.schema}
    return {key: value for key, value in {**values, **changes}.items() if value not in (None, "")}


async def test_a_mistyped_notify_target_is_refused_on_its_field(hass: HomeAssistant, phone: str) -> None:
    entry, form = await _options(hass)
    result = await hass.config_entries.options.async_configure(
        form["flow_id"], _submitted(form, **{CONF_NOTIFY_TARGETS: ["notify.mobile_app_phnoe"]})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_NOTIFY_TARGETS: "notify_target_unknown"}
    assert _message("options", result, CONF_NOTIFY_TARGETS).startswith("notify.mobile_app_phnoe is not a notify action")
    assert CONF_NOTIFY_TARGETS not in entry.options  # nothing saved
    done = await hass.config_entries.options.async_configure(
        form["flow_id"], _submitted(form, **{CONF_NOTIFY_TARGETS: [phone]})
    )
    assert done["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the reload with the new options


async def test_only_notify_actions_that_take_title_message_and_data_are_offered(
    hass: HomeAssistant, phone: str
) -> None:
    entity_action = cv.make_entity_service_schema({vol.Required("message"): str, vol.Optional("title"): str})
    hass.services.async_register("notify", "send_message", _push, schema=entity_action)
    hass.services.async_register("notify", "sms_gateway", _push, schema=vol.Schema({vol.Required("message"): str}))
    _, form = await _options(hass)
    _, targets = _field(form, CONF_NOTIFY_TARGETS)
    assert targets.config["options"] == [phone]
    for action in ("notify.send_message", "notify.sms_gateway"):
        result = await hass.config_entries.options.async_configure(
            form["flow_id"], _submitted(form, **{CONF_NOTIFY_TARGETS: [action]})
        )
        assert result["errors"] == {CONF_NOTIFY_TARGETS: "notify_target_unknown"}


async def test_quiet_hours_are_24_hour_times_without_seconds(hass: HomeAssistant) -> None:
    entry, form = await _options(hass)
    for key in (CONF_QUIET_START, CONF_QUIET_END):
        _, times = _field(form, key)
        assert isinstance(times, selector.SelectSelector)  # not the locale's 12-hour picker with seconds
        choices = list(times.config["options"])
        assert all(re.fullmatch(r"[01]\d:[03]0|2[0-3]:[03]0", choice) for choice in choices)
        assert {"00:00", "07:00", "13:30", "22:00", "23:30"} <= set(choices)
    done = await hass.config_entries.options.async_configure(
        form["flow_id"], _submitted(form, **{CONF_QUIET_START: "22:30", CONF_QUIET_END: "07:00"})
    )
    assert done["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the reload with the new options
    assert (entry.options[CONF_QUIET_START], entry.options[CONF_QUIET_END]) == ("22:30", "07:00")
    assert in_quiet_hours(
        utc("2025-03-10 23:00:00+00:00"), entry.options[CONF_QUIET_START], entry.options[CONF_QUIET_END]
    )


@pytest.mark.parametrize(
    ("quiet", "errors"),
    [
        ({CONF_QUIET_START: "22:00"}, {CONF_QUIET_END: "quiet_hours_incomplete"}),
        ({CONF_QUIET_END: "07:00"}, {CONF_QUIET_START: "quiet_hours_incomplete"}),
        ({CONF_QUIET_START: "22:00", CONF_QUIET_END: "22:00"}, {CONF_QUIET_END: "quiet_hours_empty"}),
    ],
)
async def test_a_quiet_hours_mistake_is_shown_on_its_field(
    hass: HomeAssistant, quiet: dict[str, str], errors: dict[str, str]
) -> None:
    _, form = await _options(hass)
    result = await hass.config_entries.options.async_configure(form["flow_id"], _submitted(form, **quiet))
    assert result["errors"] == errors  # beside the field, not at the top of a long form


async def test_priority_is_chosen_by_name_and_stored_as_a_number(hass: HomeAssistant) -> None:
    entry, form = await _options(hass)
    _, priority = _field(form, CONF_MIN_PRIORITY)
    assert isinstance(priority, selector.SelectSelector)
    assert priority.config["translation_key"] == "min_priority"
    labels = EN["selector"]["min_priority"]["options"]
    assert list(priority.config["options"]) == list(labels) == ["1", "2", "3", "4", "5"]
    assert "Fire" in labels["5"]
    assert "Fridge" in labels["3"]
    done = await hass.config_entries.options.async_configure(
        form["flow_id"], _submitted(form, **{CONF_MIN_PRIORITY: "4"})
    )
    assert done["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the reload with the new options
    assert entry.options[CONF_MIN_PRIORITY] == 4  # what notifications compare with int()


async def test_the_door_window_is_chosen_as_local_times(hass: HomeAssistant) -> None:
    entry, form = await _options(hass)
    _, hours = _field(form, CONF_NIGHT_START)
    assert [choice["label"] for choice in hours.config["options"]] == [f"{hour:02d}:00" for hour in range(24)]
    assert (_shown(form, CONF_NIGHT_START), _shown(form, CONF_NIGHT_END)) == ("0", "5")
    help_text = EN["options"]["step"]["init"]["data_description"][CONF_NIGHT_END]
    assert "Local time" in help_text
    assert "past midnight" in help_text
    assert "same start and end" in help_text
    done = await hass.config_entries.options.async_configure(
        form["flow_id"], _submitted(form, **{CONF_NIGHT_START: "22", CONF_NIGHT_END: "5"})
    )
    assert done["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the reload with the new options
    assert (entry.options[CONF_NIGHT_START], entry.options[CONF_NIGHT_END]) == (22, 5)


async def test_options_saved_by_earlier_versions_are_shown_and_kept(hass: HomeAssistant, phone: str) -> None:
    saved = {
        CONF_NOTIFY_TARGETS: [phone],
        CONF_MIN_PRIORITY: 3.0,  # the number box stored floats
        CONF_QUIET_START: "22:15:00",  # the time picker stored seconds, and any minute
        CONF_QUIET_END: "07:00:00",
        CONF_NIGHT_START: 23.0,
        CONF_NIGHT_END: 6.0,
    }
    entry, form = await _options(hass, saved)
    assert _shown(form, CONF_MIN_PRIORITY) == "3"
    assert (_shown(form, CONF_QUIET_START), _shown(form, CONF_QUIET_END)) == ("22:15", "07:00")
    assert (_shown(form, CONF_NIGHT_START), _shown(form, CONF_NIGHT_END)) == ("23", "6")
    done = await hass.config_entries.options.async_configure(form["flow_id"], _submitted(form))
    assert done["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the reload with the new options
    assert {key: entry.options[key] for key in saved} == {
        CONF_NOTIFY_TARGETS: [phone],
        CONF_MIN_PRIORITY: 3,
        CONF_QUIET_START: "22:15",
        CONF_QUIET_END: "07:00",
        CONF_NIGHT_START: 23,
        CONF_NIGHT_END: 6,
    }
