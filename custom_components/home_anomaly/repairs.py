"""Repair issues a user can act on: a source entity that no longer exists."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, SOURCE_KEYS
from .data import HomeAnomalyConfigEntry


def issue_id(entry_id: str, key: str) -> str:
    return f"source_missing_{entry_id}_{key}"


@callback
def async_check_sources(hass: HomeAssistant, entry: HomeAnomalyConfigEntry) -> None:
    """Raise (or clear) a repair issue for each configured source that is gone."""
    registry = er.async_get(hass)
    for key in SOURCE_KEYS:
        entity_id = entry.data.get(key)
        if not entity_id:
            continue
        missing = hass.states.get(entity_id) is None and registry.async_get(entity_id) is None
        if missing:
            ir.async_create_issue(
                hass,
                DOMAIN,
                issue_id(entry.entry_id, key),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="source_missing",
                translation_placeholders={"entity_id": entity_id, "zone": entry.title},
            )
        else:
            ir.async_delete_issue(hass, DOMAIN, issue_id(entry.entry_id, key))
