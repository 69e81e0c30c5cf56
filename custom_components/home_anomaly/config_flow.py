"""Config flow (one entry per monitored zone), reconfigure flow and options flow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant import config_entries
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector
from homeassistant.util import slugify

from .const import (
    BINARY_SOURCE_KEYS,
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
    DOMAIN,
    NUMERIC_SOURCE_KEYS,
    RUNTIME_OPTIONS,
    SOURCE_KEYS,
)
from .data import HomeAnomalyConfigEntry
from .engine.readings import parse_reading
from .schema_library import vol

# Home Assistant 2025.8+ reloads the entry itself when an OptionsFlowWithReload saves new options,
# and from 2026.12 an update listener beside a reloading flow (reconfigure) is an error. Older
# releases have no such class: there an update listener reloads (__init__.py).
OPTIONS_FLOW_RELOADS = hasattr(config_entries, "OptionsFlowWithReload")
if TYPE_CHECKING:
    _OptionsFlowBase = OptionsFlow
else:
    _OptionsFlowBase = getattr(config_entries, "OptionsFlowWithReload", OptionsFlow)

SELECTORS: dict[str, selector.EntitySelector] = {
    CONF_TEMPERATURE_ENTITY: selector.EntitySelector(
        selector.EntitySelectorConfig(domain="sensor", device_class="temperature")
    ),
    CONF_HUMIDITY_ENTITY: selector.EntitySelector(
        selector.EntitySelectorConfig(domain="sensor", device_class="humidity")
    ),
    CONF_POWER_ENTITY: selector.EntitySelector(selector.EntitySelectorConfig(domain="sensor", device_class="power")),
    CONF_DOOR_ENTITY: selector.EntitySelector(
        selector.EntitySelectorConfig(domain="binary_sensor", device_class=["door", "opening", "garage_door"])
    ),
    CONF_SMOKE_ENTITY: selector.EntitySelector(
        selector.EntitySelectorConfig(domain="binary_sensor", device_class=["smoke", "gas", "heat"])
    ),
}


def _sources_schema(defaults: dict[str, Any], with_name: bool) -> vol.Schema:
    fields: dict[Any, Any] = {}
    if with_name:
        fields[vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, "Home"))] = selector.TextSelector()
    for key in SOURCE_KEYS:
        marker = vol.Optional(key, description={"suggested_value": defaults.get(key)})
        fields[marker] = SELECTORS[key]
    return vol.Schema(fields)


def validate_sources(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, str]:
    """Errors per field: at least one source; each exists; numbers for 1–3, on/off for 4–5."""
    chosen = {key: user_input[key] for key in SOURCE_KEYS if user_input.get(key)}
    if not chosen:
        return {"base": "no_sources"}
    errors: dict[str, str] = {}
    for index, key in enumerate(SOURCE_KEYS):
        entity_id = chosen.get(key)
        if entity_id is None:
            continue
        state = hass.states.get(entity_id)
        if state is None:
            errors[key] = "entity_not_found"
        elif key in NUMERIC_SOURCE_KEYS and parse_reading(index, state.state) is None:
            errors[key] = "not_numeric"
        elif key in BINARY_SOURCE_KEYS and state.state not in ("on", "off"):
            errors[key] = "not_on_off"
    return errors


class HomeAnomalyConfigFlow(ConfigFlow, domain=DOMAIN):
    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            await self.async_set_unique_id(slugify(user_input[CONF_NAME]))
            self._abort_if_unique_id_configured()
            sources = {key: user_input[key] for key in SOURCE_KEYS if user_input.get(key)}
            if any(
                all(entry.data.get(k) == v for k, v in sources.items()) and sources
                for entry in self._async_current_entries()
            ):
                return self.async_abort(reason="already_configured")
            errors = validate_sources(self.hass, user_input)
            if not errors:
                return self.async_create_entry(title=user_input[CONF_NAME], data=sources)
        return self.async_show_form(
            step_id="user", data_schema=_sources_schema(user_input or {}, with_name=True), errors=errors
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = validate_sources(self.hass, user_input)
            if not errors:
                sources = {key: user_input[key] for key in SOURCE_KEYS if user_input.get(key)}
                return self.async_update_reload_and_abort(entry, data=sources)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_sources_schema(user_input or dict(entry.data), with_name=False),
            errors=errors,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: HomeAnomalyConfigEntry) -> HomeAnomalyOptionsFlow:
        return HomeAnomalyOptionsFlow()


class HomeAnomalyOptionsFlow(_OptionsFlowBase):
    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            if bool(user_input.get(CONF_QUIET_START)) != bool(user_input.get(CONF_QUIET_END)):
                errors["base"] = "quiet_hours_incomplete"
            else:
                return self.async_create_entry(data=user_input)
        options = user_input or dict(self.config_entry.options)
        notify_services = sorted(f"notify.{name}" for name in self.hass.services.async_services_for_domain("notify"))
        schema = vol.Schema(
            {
                vol.Optional(
                    CONF_NOTIFY_TARGETS, default=options.get(CONF_NOTIFY_TARGETS, [])
                ): selector.SelectSelector(
                    selector.SelectSelectorConfig(options=notify_services, multiple=True, custom_value=True)
                ),
                vol.Required(
                    CONF_MIN_PRIORITY, default=options.get(CONF_MIN_PRIORITY, DEFAULT_MIN_PRIORITY)
                ): selector.NumberSelector(
                    selector.NumberSelectorConfig(min=1, max=5, step=1, mode=selector.NumberSelectorMode.BOX)
                ),
                vol.Required(
                    CONF_COOLDOWN_MINUTES, default=options.get(CONF_COOLDOWN_MINUTES, DEFAULT_COOLDOWN_MINUTES)
                ): selector.NumberSelector(
                    selector.NumberSelectorConfig(
                        min=0, max=1440, step=1, unit_of_measurement="min", mode=selector.NumberSelectorMode.BOX
                    )
                ),
                vol.Optional(
                    CONF_QUIET_START, description={"suggested_value": options.get(CONF_QUIET_START)}
                ): selector.TimeSelector(),
                vol.Optional(
                    CONF_QUIET_END, description={"suggested_value": options.get(CONF_QUIET_END)}
                ): selector.TimeSelector(),
                vol.Required(CONF_RUNTIME, default=options.get(CONF_RUNTIME, DEFAULT_RUNTIME)): selector.SelectSelector(
                    selector.SelectSelectorConfig(options=list(RUNTIME_OPTIONS), translation_key="runtime")
                ),
                vol.Required(
                    CONF_NIGHT_START, default=options.get(CONF_NIGHT_START, DEFAULT_NIGHT_START)
                ): selector.NumberSelector(
                    selector.NumberSelectorConfig(
                        min=0, max=23, step=1, unit_of_measurement="h", mode=selector.NumberSelectorMode.BOX
                    )
                ),
                vol.Required(
                    CONF_NIGHT_END, default=options.get(CONF_NIGHT_END, DEFAULT_NIGHT_END)
                ): selector.NumberSelector(
                    selector.NumberSelectorConfig(
                        min=0, max=23, step=1, unit_of_measurement="h", mode=selector.NumberSelectorMode.BOX
                    )
                ),
                vol.Optional(
                    CONF_DOOR_CONDITION_ENTITY, description={"suggested_value": options.get(CONF_DOOR_CONDITION_ENTITY)}
                ): selector.EntitySelector(
                    selector.EntitySelectorConfig(
                        domain=["alarm_control_panel", "input_boolean", "binary_sensor", "switch"]
                    )
                ),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema, errors=errors)
