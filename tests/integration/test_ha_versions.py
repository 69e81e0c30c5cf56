"""What changes between the Home Assistant releases the matrix runs (scripts/ha_compat.sh)."""

from __future__ import annotations

import asyncio
from unittest.mock import patch

import pytest
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import frame
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components import home_anomaly as integration
from custom_components.home_anomaly.config_flow import OPTIONS_FLOW_RELOADS
from custom_components.home_anomaly.const import CONF_POWER_ENTITY, CONF_RUNTIME, DOMAIN
from custom_components.home_anomaly.engine.store import StoreError
from tests.deprecations import reports_in_log

from .conftest import DEPRECATIONS, setup_entry


def test_the_options_flow_reloads_by_itself_where_home_assistant_can() -> None:
    assert hasattr(config_entries, "OptionsFlowWithReload") == OPTIONS_FLOW_RELOADS


async def test_reconfigure_reloads_once_and_reports_nothing(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """HA 2025.8+ reports an update listener beside async_update_reload_and_abort (an error from
    2026.12); the autouse gate fails this test on such a report."""
    hass.states.async_set("sensor.garage_fridge", "90.0", {"device_class": "power", "unit_of_measurement": "W"})
    await setup_entry(hass, entry)
    assert (entry.update_listeners == []) is OPTIONS_FLOW_RELOADS
    with patch.object(integration, "async_setup_entry", wraps=integration.async_setup_entry) as setups:
        result = await entry.start_reconfigure_flow(hass)
        done = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_POWER_ENTITY: "sensor.garage_fridge"}
        )
        await hass.async_block_till_done()
    assert done["reason"] == "reconfigure_successful"
    assert setups.call_count == 1
    assert entry.runtime_data.coordinator.entry.data == {CONF_POWER_ENTITY: "sensor.garage_fridge"}


async def test_new_options_reload_once(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await setup_entry(hass, entry)
    with patch.object(integration, "async_setup_entry", wraps=integration.async_setup_entry) as setups:
        result = await hass.config_entries.options.async_init(entry.entry_id)
        done = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {"min_priority": "3", "cooldown_minutes": 30, CONF_RUNTIME: "numpy", "night_start_hour": "0",
             "night_end_hour": "5"},
        )  # fmt: skip
        await hass.async_block_till_done()
    assert done["type"] is FlowResultType.CREATE_ENTRY
    assert setups.call_count == 1
    assert entry.runtime_data.coordinator.loaded.runtime == "numpy"


async def test_a_deprecation_report_naming_the_integration_is_caught(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The gate itself: a real report from Home Assistant's frame helper reaches the collector."""
    await setup_entry(hass, entry)
    frame.report_usage("calls a removed helper", breaks_in_ha_version="2099.1.0", integration_domain=DOMAIN)
    reports = DEPRECATIONS.take()  # taken here, so the autouse gate does not fail this test
    assert len(reports) == 1
    assert "home_anomaly" in reports[0]
    assert "homeassistant.helpers.frame" in reports[0]


def test_a_deprecation_report_in_a_home_assistant_log_file_is_found() -> None:
    log = (
        "2026-12-01 20:31:05.120 INFO (MainThread) [homeassistant.setup] Setting up home_anomaly\n"
        "2026-12-01 20:31:05.123 WARNING (MainThread) [homeassistant.helpers.frame] Detected that custom "
        "integration 'home_anomaly' has an update listener and should use it for scheduling a reload. "
        "This will stop working in Home Assistant 2026.12.0\n"
        "2026-12-01 20:31:06.000 WARNING (MainThread) [homeassistant.helpers.frame] Detected that custom "
        "integration 'other' uses a deprecated constant\n"
        "2026-12-01 20:31:07.000 WARNING (MainThread) [homeassistant.loader] We found a custom integration "
        "home_anomaly which has not been tested by Home Assistant\n"
    )
    assert [line[24:31] for line in reports_in_log(log)] == ["WARNING"]


async def test_a_close_cancelled_by_the_last_shutdown_stage_still_closes_the_file(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """HA's final-writes stage cancels a buffer still draining when it stops (seen on 2026.2): the
    SQLite connection must be closed all the same, or it stays open until the process ends."""
    await setup_entry(hass, entry)
    buffer = entry.runtime_data.coordinator.buffer
    store = buffer.store
    assert store is not None
    with (
        patch.object(buffer, "_drain", side_effect=asyncio.CancelledError("final writes shutdown stage")),
        pytest.raises(asyncio.CancelledError),
    ):
        await buffer.async_close()
    assert buffer.store is None
    with pytest.raises(StoreError, match="closed database"):
        store.get_state("alerts")
