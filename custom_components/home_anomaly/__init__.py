"""Home Anomaly: learns what normal looks like in a home and raises priority-ranked alerts."""

from __future__ import annotations

from pathlib import Path

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .backtest_report import async_learn_from_history
from .config_flow import OPTIONS_FLOW_RELOADS
from .const import CONF_RUNTIME, DEFAULT_RUNTIME, DOMAIN, STORE_DIR
from .coordinator import HomeAnomalyCoordinator
from .data import HomeAnomalyConfigEntry, HomeAnomalyData
from .model_loader import async_load_model
from .repairs import async_buffer_writable, async_check_sources, async_delete_issues
from .services import async_setup_services

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    async_setup_services(hass)
    return True


def store_path(hass: HomeAssistant, entry_id: str) -> Path:
    return Path(hass.config.path(STORE_DIR, f"{entry_id}.sqlite"))


async def async_setup_entry(hass: HomeAssistant, entry: HomeAnomalyConfigEntry) -> bool:
    loaded = await async_load_model(hass, entry.options.get(CONF_RUNTIME, DEFAULT_RUNTIME))
    coordinator = HomeAnomalyCoordinator(hass, entry, loaded, store_path(hass, entry.entry_id))
    try:
        await coordinator.async_start()
        entry.runtime_data = HomeAnomalyData(coordinator, dict(entry.options))
        async_check_sources(hass, entry)
        await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
        if coordinator.warm_started:
            entry.async_create_background_task(
                hass, async_learn_from_history(hass, coordinator), f"{DOMAIN} learn from history"
            )
    except BaseException:
        # A setup that fails or is cancelled (Home Assistant stopping meanwhile) never unloads:
        # close the buffer here, or its SQLite connection stays open until the process ends.
        await coordinator.async_stop()
        raise
    if not OPTIONS_FLOW_RELOADS:
        entry.async_on_unload(entry.add_update_listener(_async_reload))
    return True


async def _async_reload(hass: HomeAssistant, entry: HomeAnomalyConfigEntry) -> None:
    """Before HA 2025.8: reload when the options change (a reconfigure reloads by itself)."""
    if dict(entry.options) != entry.runtime_data.options:
        await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: HomeAnomalyConfigEntry) -> bool:
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.coordinator.async_stop()
        async_buffer_writable(hass, entry)  # raised again at the next setup if it still is not
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: HomeAnomalyConfigEntry) -> None:
    """Removing the zone deletes its buffer (and the WAL files beside it) and its repair issues.

    Damaged buffers moved aside (``*.corrupt-*``) are the user's to keep or delete.
    """
    async_delete_issues(hass, entry.entry_id)
    path = store_path(hass, entry.entry_id)

    def remove() -> None:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    await hass.async_add_executor_job(remove)
