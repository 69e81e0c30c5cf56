"""Repair issues a user can act on: a source entity that no longer exists, a buffer that could not
be written or had to be rebuilt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, SOURCE_KEYS
from .data import HomeAnomalyConfigEntry
from .engine.store import StoreError


def issue_id(entry_id: str, key: str) -> str:
    return f"source_missing_{entry_id}_{key}"


@callback
def async_check_sources(hass: HomeAssistant, entry: HomeAnomalyConfigEntry) -> None:
    """Raise (or clear) a repair issue for each configured source that is gone.

    A role no longer configured has nothing missing: Reconfigure leaving it empty, as the issue
    suggests, is a fix, and its issue is cleared.
    """
    registry = er.async_get(hass)
    for key in SOURCE_KEYS:
        entity_id: str = entry.data.get(key) or ""
        missing = bool(entity_id) and hass.states.get(entity_id) is None and registry.async_get(entity_id) is None
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


def buffer_issue_id(entry_id: str, kind: str) -> str:
    return f"buffer_{kind}_{entry_id}"


@callback
def async_buffer_rebuilt(hass: HomeAssistant, entry: HomeAnomalyConfigEntry, moved_to: Path) -> None:
    """Tell the user where the corrupt buffer went; they dismiss it once they have read it."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        buffer_issue_id(entry.entry_id, "rebuilt"),
        is_fixable=True,
        is_persistent=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="buffer_rebuilt",
        translation_placeholders={"zone": entry.title, "moved_to": str(moved_to)},
    )


@callback
def async_buffer_unwritable(hass: HomeAssistant, entry: HomeAnomalyConfigEntry, err: StoreError) -> None:
    """One issue per zone; its text depends on what to do: close a program, free space, check the disk."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        buffer_issue_id(entry.entry_id, "unwritable"),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=f"buffer_{err.problem}",
        translation_placeholders={"zone": entry.title, "path": str(err.path), "detail": err.detail},
    )


@callback
def async_buffer_writable(hass: HomeAssistant, entry: HomeAnomalyConfigEntry) -> None:
    ir.async_delete_issue(hass, DOMAIN, buffer_issue_id(entry.entry_id, "unwritable"))


@callback
def async_delete_issues(hass: HomeAssistant, entry_id: str) -> None:
    registry = ir.async_get(hass)
    for domain, issue in list(registry.issues):
        if domain == DOMAIN and entry_id in issue:
            ir.async_delete_issue(hass, DOMAIN, issue)


async def async_create_fix_flow(hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None) -> RepairsFlow:
    """The only fixable issue, ``buffer_rebuilt``, is fixed by confirming it has been read."""
    return ConfirmRepairFlow()
