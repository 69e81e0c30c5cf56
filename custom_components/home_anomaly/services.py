"""Services: ``home_anomaly.score_now``, ``home_anomaly.acknowledge`` and ``home_anomaly.backtest``
(response data only: what the zone would have raised over its buffered history, see
``backtest_report.py``); the push "Acknowledge" action.

Every bad call — not a set of fields, unknown zone, unknown anomaly, wrong type, unexpected
field — is refused with its translated message, on every path (scripts, the UI, the REST API):

* the registration schema (``CALL_DATA_SCHEMA``) lets only a mapping of fields through: a list
  or a string posted to the REST API never reaches a handler;
* the handlers check the fields, where they can name the zone and the classes, and raise a
  translated ``ServiceValidationError``;
* what reaches Home Assistant is a ``RefusedCall``: that same error, also a ``vol.Invalid``,
  because the REST API answers only ``vol.Invalid`` with 400 — any other error is a 500 there,
  with a traceback.

No service takes a file path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, Final, TypeVar

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .backtest_report import DEFAULT_BACKTEST_DAYS, MAX_BACKTEST_DAYS, async_backtest
from .const import (
    ATTR_ANOMALY,
    ATTR_CONFIG_ENTRY_ID,
    DOMAIN,
    NOTIFICATION_ACTION_EVENT,
    SERVICE_ACKNOWLEDGE,
    SERVICE_SCORE_NOW,
    STATUS_OPTIONS,
)
from .data import HomeAnomalyConfigEntry
from .notifications import parse_ack_action
from .schema_library import humanize_error, vol

SERVICE_BACKTEST: Final = "backtest"
ATTR_DAYS: Final = "days"
R = TypeVar("R")


class RefusedCall(ServiceValidationError, vol.Invalid):
    """A refused service call: ``refused``'s translation, as an error every caller reports as bad
    data (see the module text)."""

    def __init__(self, refused: ServiceValidationError) -> None:
        super().__init__(
            str(refused),
            translation_domain=refused.translation_domain,
            translation_key=refused.translation_key,
            translation_placeholders=refused.translation_placeholders,
        )


def _fields(data: Any) -> dict[str, Any]:
    if isinstance(data, Mapping):
        return dict(data)
    raise RefusedCall(
        ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_service_data",
            translation_placeholders={"error": f"expected fields, got {type(data).__name__}"},
        )
    )


def _refusing(
    handler: Callable[[ServiceCall], Awaitable[R]],
) -> Callable[[ServiceCall], Coroutine[Any, Any, R]]:
    async def refusing(call: ServiceCall) -> R:
        try:
            return await handler(call)
        except RefusedCall:
            raise
        except ServiceValidationError as err:
            raise RefusedCall(err) from err

    return refusing


CALL_DATA_SCHEMA = vol.Schema(_fields)
SCORE_NOW_SCHEMA = vol.Schema({vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string})
ACKNOWLEDGE_SCHEMA = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Required(ATTR_ANOMALY): cv.string})
BACKTEST_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_DAYS, default=DEFAULT_BACKTEST_DAYS): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=MAX_BACKTEST_DAYS)
        ),
    }
)


def _validated(schema: vol.Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return dict(schema(dict(data)))
    except vol.Invalid as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_service_data",
            translation_placeholders={"error": humanize_error(dict(data), err)},
        ) from err


def _entries(hass: HomeAssistant, entry_id: Any) -> list[HomeAnomalyConfigEntry]:
    if entry_id is None:
        return [e for e in hass.config_entries.async_entries(DOMAIN) if e.state is ConfigEntryState.LOADED]
    entry = hass.config_entries.async_get_entry(str(entry_id))
    if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_entry",
            translation_placeholders={"entry_id": str(entry_id)},
        )
    return [entry]


def _anomaly_code(name: Any) -> int:
    if name not in STATUS_OPTIONS[1:]:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_anomaly",
            translation_placeholders={"anomaly": str(name), "choices": ", ".join(STATUS_OPTIONS[1:])},
        )
    return STATUS_OPTIONS.index(name)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    async def score_now(call: ServiceCall) -> None:
        data = _validated(SCORE_NOW_SCHEMA, call.data)
        for entry in _entries(hass, data.get(ATTR_CONFIG_ENTRY_ID)):
            await entry.runtime_data.coordinator.async_score(partial=True)

    async def acknowledge(call: ServiceCall) -> None:
        data = _validated(ACKNOWLEDGE_SCHEMA, call.data)
        code = _anomaly_code(data[ATTR_ANOMALY])
        for entry in _entries(hass, data[ATTR_CONFIG_ENTRY_ID]):
            entry.runtime_data.coordinator.acknowledge(code)

    async def backtest(call: ServiceCall) -> ServiceResponse:
        data = _validated(BACKTEST_SCHEMA, call.data)
        (entry,) = _entries(hass, data[ATTR_CONFIG_ENTRY_ID])
        report = await async_backtest(hass, entry.runtime_data.coordinator, data[ATTR_DAYS])
        return report.response(entry.title)

    @callback
    def push_action(event: Event) -> None:
        parsed = parse_ack_action(str(event.data.get("action", "")))
        if parsed is None:
            return
        entry = hass.config_entries.async_get_entry(parsed[0])
        if entry is not None and entry.domain == DOMAIN and entry.state is ConfigEntryState.LOADED:
            entry.runtime_data.coordinator.acknowledge(parsed[1])

    hass.services.async_register(DOMAIN, SERVICE_SCORE_NOW, _refusing(score_now), schema=CALL_DATA_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_ACKNOWLEDGE, _refusing(acknowledge), schema=CALL_DATA_SCHEMA)
    hass.services.async_register(
        DOMAIN,
        SERVICE_BACKTEST,
        _refusing(backtest),
        schema=CALL_DATA_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.bus.async_listen(NOTIFICATION_ACTION_EVENT, push_action)
