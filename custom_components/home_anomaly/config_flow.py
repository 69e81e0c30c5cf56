"""Config flow (one entry per monitored zone), reconfigure flow and options flow.

Every mistake is shown on the field it concerns and keeps what the user filled in: a name that
is taken, a sensor that does not exist, a unit that cannot be converted (named in the message),
a notify action that does not exist. What cannot be known yet is not held against a sensor: a
door contact is ``unknown`` after a restart, a plug ``unavailable`` while it reconnects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant import config_entries
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import ATTR_DEVICE_CLASS, CONF_NAME
from homeassistant.core import HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import selector
from homeassistant.util import slugify

from .const import (
    CONF_COOLDOWN_MINUTES,
    CONF_DOOR_CONDITION_ENTITY,
    CONF_DOOR_ENTITY,
    CONF_HUMIDITY_ENTITY,
    CONF_MIN_PRIORITY,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    CONF_NOTIFY_TARGETS,
    CONF_POWER_ENTITY,
    CONF_QUIET_END,
    CONF_QUIET_START,
    CONF_RUNTIME,
    CONF_SMOKE_ENTITY,
    CONF_TEMPERATURE_ENTITY,
    DEFAULT_COOLDOWN_MINUTES,
    DEFAULT_MIN_PRIORITY,
    DEFAULT_NIGHT_END,
    DEFAULT_NIGHT_START,
    DEFAULT_RUNTIME,
    DEFAULT_ZONE_NAME,
    DOMAIN,
    RUNTIME_OPTIONS,
    SMOKE_DEVICE_CLASSES,
    SOURCE_KEYS,
)
from .data import HomeAnomalyConfigEntry
from .engine.readings import DOOR, HUMIDITY, POWER, SMOKE, TEMPERATURE, read_state
from .repairs import async_check_sources
from .schema_library import vol
from .units import converter_to_model_units, state_unit

# Home Assistant 2025.8+ reloads the entry itself when an OptionsFlowWithReload saves new options,
# and from 2026.12 an update listener beside a reloading flow (reconfigure) is an error. Older
# releases have no such class: there an update listener reloads (__init__.py).
OPTIONS_FLOW_RELOADS = hasattr(config_entries, "OptionsFlowWithReload")
if TYPE_CHECKING:
    _OptionsFlowBase = OptionsFlow
else:
    _OptionsFlowBase = getattr(config_entries, "OptionsFlowWithReload", OptionsFlow)

# The device class that says what a numeric source measures when it reports no unit.
NUMERIC_DEVICE_CLASSES: Final = {TEMPERATURE: "temperature", HUMIDITY: "humidity", POWER: "power"}
# Error keys of a unit that cannot be converted; each is also the placeholder naming the unit, so
# two roles with wrong units each get their own message.
UNIT_ERRORS: Final = {TEMPERATURE: "temperature_unit", HUMIDITY: "humidity_unit", POWER: "power_unit"}

SELECTORS: dict[str, selector.EntitySelector] = {
    CONF_TEMPERATURE_ENTITY: selector.EntitySelector(
        selector.EntitySelectorConfig(domain="sensor", device_class="temperature")
    ),
    CONF_HUMIDITY_ENTITY: selector.EntitySelector(
        selector.EntitySelectorConfig(domain="sensor", device_class="humidity")
    ),
    # Any sensor: many plugs report W without a device class, and Home Assistant's selector can
    # filter by device class but not by unit. The flow checks the unit instead.
    CONF_POWER_ENTITY: selector.EntitySelector(selector.EntitySelectorConfig(domain="sensor")),
    CONF_DOOR_ENTITY: selector.EntitySelector(
        selector.EntitySelectorConfig(domain="binary_sensor", device_class=["door", "opening", "garage_door"])
    ),
    CONF_SMOKE_ENTITY: selector.EntitySelector(
        selector.EntitySelectorConfig(domain="binary_sensor", device_class=list(SMOKE_DEVICE_CLASSES))
    ),
}


def _sources_schema(defaults: Mapping[str, Any], name: str | None) -> vol.Schema:
    fields: dict[Any, Any] = {}
    if name is not None:
        fields[vol.Required(CONF_NAME, default=name)] = selector.TextSelector()
    for key in SOURCE_KEYS:
        marker = vol.Optional(key, description={"suggested_value": defaults.get(key)})
        fields[marker] = SELECTORS[key]
    return vol.Schema(fields)


def _chosen_sources(user_input: Mapping[str, Any]) -> dict[str, str]:
    return {key: user_input[key] for key in SOURCE_KEYS if user_input.get(key)}


def source_problem(sensor: int, state: State) -> str | None:
    """The error key for a source whose state says it cannot serve ``sensor``, or None.

    A state with no value yet (``unknown``, ``unavailable``) is no problem: the unit and device
    class are in its attributes all the same, and every reading is checked as it comes.
    """
    value, problem = read_state(sensor, state.state)  # a number (on/off) at all, in any unit
    if value is None and problem is not None:
        return "not_on_off" if sensor in (DOOR, SMOKE) else "not_numeric"
    if sensor in (DOOR, SMOKE):
        return None
    unit = state_unit(state)
    if unit is None:
        # Read as the model's unit; only trusted where the device class says what it measures.
        return None if state.attributes.get(ATTR_DEVICE_CLASS) == NUMERIC_DEVICE_CLASSES[sensor] else "no_unit"
    return UNIT_ERRORS[sensor] if converter_to_model_units(sensor, unit) is None else None


def validate_sources(hass: HomeAssistant, user_input: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Errors per field, and the placeholders their messages name (a unit): at least one source;
    each exists; roles 1–3 report a number in a unit that converts to the model's, 4–5 on/off."""
    chosen = _chosen_sources(user_input)
    if not chosen:
        return {"base": "no_sources"}, {}
    errors: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    registry = er.async_get(hass)
    for sensor, key in enumerate(SOURCE_KEYS):
        entity_id = chosen.get(key)
        if entity_id is None:
            continue
        state = hass.states.get(entity_id)
        if state is None:
            # Registered but without a state: its integration has not started yet. Nothing to
            # check now; each reading is checked as it comes.
            if registry.async_get(entity_id) is None:
                errors[key] = "entity_not_found"
            continue
        problem = source_problem(sensor, state)
        if problem is not None:
            errors[key] = problem
            if problem in UNIT_ERRORS.values():
                placeholders[problem] = str(state_unit(state))
    return errors, placeholders


def _free_name(taken: set[str]) -> str:
    """The default zone name: not "Home", which is Home Assistant's own zone; numbered when taken."""
    name, number = DEFAULT_ZONE_NAME, 1
    while slugify(name) in taken:
        number += 1
        name = f"{DEFAULT_ZONE_NAME} {number}"
    return name


class HomeAnomalyConfigFlow(ConfigFlow, domain=DOMAIN):
    VERSION = 1

    def _taken_names(self) -> set[str]:
        entries = self._async_current_entries(include_ignore=False)
        return {slugify(entry.title) for entry in entries} | {entry.unique_id for entry in entries if entry.unique_id}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input.get(CONF_NAME, "")).strip()
            sources = _chosen_sources(user_input)
            errors, placeholders = validate_sources(self.hass, user_input)
            if not slugify(name):
                errors[CONF_NAME] = "name_missing"
            elif slugify(name) in self._taken_names():
                errors[CONF_NAME] = "name_in_use"
            # A zone already watching all of these sensors would raise every alert twice.
            watching = [e for e in self._async_current_entries(include_ignore=False) if _watches_all(e.data, sources)]
            if watching and sources and "base" not in errors:
                errors["base"] = "sources_in_use"
                placeholders["zone"] = watching[0].title
            if not errors:
                # Only now: a unique id set before validation made every other flow for the same
                # name abort with "already_in_progress" while this one's form was still open.
                await self.async_set_unique_id(slugify(name), raise_on_progress=False)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=name, data=sources)
        defaults = user_input or {}
        name_shown = str(defaults.get(CONF_NAME) or _free_name(self._taken_names()))
        return self.async_show_form(
            step_id="user",
            data_schema=_sources_schema(defaults, name=name_shown),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            errors, placeholders = validate_sources(self.hass, user_input)
            if not errors:
                result = self.async_update_reload_and_abort(entry, data=_chosen_sources(user_input))
                # A "sensor is gone" issue of a role just left empty goes now, not only once the
                # reload has set the zone up again (which may fail for another reason).
                async_check_sources(self.hass, entry)
                return result
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_sources_schema(user_input or dict(entry.data), name=None),
            errors=errors,
            description_placeholders=placeholders,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: HomeAnomalyConfigEntry) -> HomeAnomalyOptionsFlow:
        return HomeAnomalyOptionsFlow()


def _watches_all(data: Mapping[str, Any], sources: Mapping[str, str]) -> bool:
    return all(data.get(key) == entity_id for key, entity_id in sources.items())


# --- options -----------------------------------------------------------------------------------

# notify.send_message is an entity action (entity_id, message, title): no data, so no tag, no
# Acknowledge button and no critical delivery. Push needs an action that takes all three.
NOT_PUSH_ACTIONS: Final = frozenset({"send_message"})
PUSH_PROBE: Final = {"message": "Home Anomaly", "title": "Home Anomaly", "data": {"tag": "home_anomaly"}}
# 24-hour choices without seconds: Home Assistant's time selector follows the user's locale (12-hour
# with AM/PM in English) and shows seconds, and has no option to change either.
HALF_HOURS: Final = [f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in (0, 30)]
HOUR_CHOICES: Final = [selector.SelectOptionDict(value=str(hour), label=f"{hour:02d}:00") for hour in range(24)]
PRIORITIES: Final = [str(priority) for priority in range(1, 6)]


def notify_actions(hass: HomeAssistant) -> list[str]:
    """The ``notify.*`` actions a push can go to: those that take a title, a message and data."""
    actions = []
    for name, service in hass.services.async_services_for_domain("notify").items():
        if name in NOT_PUSH_ACTIONS or (service.schema is not None and not _accepts(service.schema, PUSH_PROBE)):
            continue
        actions.append(f"notify.{name}")
    return sorted(actions)


def _accepts(schema: Any, data: dict[str, Any]) -> bool:
    """Whether an action's schema takes ``data``: only validation runs, nothing is sent."""
    try:
        schema(dict(data))
    except Exception:  # voluptuous, probatio or an integration's own validator: any refusal
        return False
    return True


def clock(value: Any) -> str | None:
    """A quiet-hours time as ``HH:MM``; entries saved before the 24-hour choices hold ``22:00:00``."""
    if not value:
        return None
    try:
        return time.fromisoformat(str(value)).strftime("%H:%M")
    except ValueError:
        return None


def _whole(value: Any, default: int) -> int:
    """A stored whole number (the number boxes used to store 3.0)."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def validate_options(hass: HomeAssistant, user_input: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Errors on the field they concern, and the placeholders they name."""
    errors: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    usable = set(notify_actions(hass))
    unknown = [target for target in user_input.get(CONF_NOTIFY_TARGETS) or [] if target not in usable]
    if unknown:
        errors[CONF_NOTIFY_TARGETS] = "notify_target_unknown"
        placeholders["target"] = unknown[0]
    start, end = clock(user_input.get(CONF_QUIET_START)), clock(user_input.get(CONF_QUIET_END))
    if start and not end:
        errors[CONF_QUIET_END] = "quiet_hours_incomplete"
    elif end and not start:
        errors[CONF_QUIET_START] = "quiet_hours_incomplete"
    elif start and start == end:
        errors[CONF_QUIET_END] = "quiet_hours_empty"
    return errors, placeholders


def stored_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The options as saved: numbers as whole numbers (notifications and the door rule compare
    them), quiet hours as ``HH:MM``."""
    options = dict(user_input)
    options[CONF_MIN_PRIORITY] = _whole(user_input.get(CONF_MIN_PRIORITY), DEFAULT_MIN_PRIORITY)
    options[CONF_NIGHT_START] = _whole(user_input.get(CONF_NIGHT_START), DEFAULT_NIGHT_START)
    options[CONF_NIGHT_END] = _whole(user_input.get(CONF_NIGHT_END), DEFAULT_NIGHT_END)
    for key in (CONF_QUIET_START, CONF_QUIET_END):
        if value := clock(user_input.get(key)):
            options[key] = value
        else:
            options.pop(key, None)
    return options


def _choices(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


def options_schema(hass: HomeAssistant, options: Mapping[str, Any]) -> vol.Schema:
    """The options form, showing ``options`` (saved ones, or what the user just submitted)."""
    targets = list(options.get(CONF_NOTIFY_TARGETS) or [])
    quiet = {key: clock(options.get(key)) for key in (CONF_QUIET_START, CONF_QUIET_END)}
    # A time saved off the half-hour grid (typed before the 24-hour choices) stays choosable.
    times = sorted({*HALF_HOURS, *(value for value in quiet.values() if value)})

    quiet_times = selector.SelectSelector(
        selector.SelectSelectorConfig(options=times, mode=selector.SelectSelectorMode.DROPDOWN)
    )
    hours = selector.SelectSelector(
        selector.SelectSelectorConfig(options=HOUR_CHOICES, mode=selector.SelectSelectorMode.DROPDOWN)
    )
    priority = _whole(options.get(CONF_MIN_PRIORITY, DEFAULT_MIN_PRIORITY), DEFAULT_MIN_PRIORITY)
    night_start = _whole(options.get(CONF_NIGHT_START, DEFAULT_NIGHT_START), DEFAULT_NIGHT_START)
    night_end = _whole(options.get(CONF_NIGHT_END, DEFAULT_NIGHT_END), DEFAULT_NIGHT_END)
    fields: dict[Any, Any] = {
        # custom_value: a typed name reaches validation, which says what is wrong with it.
        vol.Optional(CONF_NOTIFY_TARGETS, default=targets): selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=_choices([*notify_actions(hass), *targets]), multiple=True, custom_value=True
            )
        ),
        vol.Required(CONF_MIN_PRIORITY, default=str(priority)): selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=PRIORITIES, translation_key="min_priority", mode=selector.SelectSelectorMode.LIST
            )
        ),
        vol.Required(
            CONF_COOLDOWN_MINUTES, default=options.get(CONF_COOLDOWN_MINUTES, DEFAULT_COOLDOWN_MINUTES)
        ): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=0, max=1440, step=1, unit_of_measurement="min", mode=selector.NumberSelectorMode.BOX
            )
        ),
        vol.Optional(CONF_QUIET_START, description={"suggested_value": quiet[CONF_QUIET_START]}): quiet_times,
        vol.Optional(CONF_QUIET_END, description={"suggested_value": quiet[CONF_QUIET_END]}): quiet_times,
        vol.Required(CONF_RUNTIME, default=options.get(CONF_RUNTIME, DEFAULT_RUNTIME)): selector.SelectSelector(
            selector.SelectSelectorConfig(options=list(RUNTIME_OPTIONS), translation_key="runtime")
        ),
        vol.Required(CONF_NIGHT_START, default=str(night_start)): hours,
        vol.Required(CONF_NIGHT_END, default=str(night_end)): hours,
        vol.Optional(
            CONF_DOOR_CONDITION_ENTITY, description={"suggested_value": options.get(CONF_DOOR_CONDITION_ENTITY)}
        ): selector.EntitySelector(
            selector.EntitySelectorConfig(domain=["alarm_control_panel", "input_boolean", "binary_sensor", "switch"])
        ),
    }
    return vol.Schema(fields)


class HomeAnomalyOptionsFlow(_OptionsFlowBase):
    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            errors, placeholders = validate_options(self.hass, user_input)
            if not errors:
                return self.async_create_entry(data=stored_options(user_input))
        return self.async_show_form(
            step_id="init",
            data_schema=options_schema(self.hass, user_input or dict(self.config_entry.options)),
            errors=errors,
            description_placeholders=placeholders,
        )
