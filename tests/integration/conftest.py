"""Fixtures for Home Assistant tests: source entities, a config entry, simulated history."""

from __future__ import annotations

import logging
from collections.abc import Generator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components import home_anomaly as integration
from custom_components.home_anomaly.const import (
    CONF_DOOR_ENTITY,
    CONF_HUMIDITY_ENTITY,
    CONF_POWER_ENTITY,
    CONF_SMOKE_ENTITY,
    CONF_TEMPERATURE_ENTITY,
    DOMAIN,
)
from simulator.history import write_history
from tests.deprecations import DeprecationCollector

SOURCES = {
    CONF_TEMPERATURE_ENTITY: "sensor.living_room_temperature",
    CONF_HUMIDITY_ENTITY: "sensor.bathroom_humidity",
    CONF_POWER_ENTITY: "sensor.fridge_power",
    CONF_DOOR_ENTITY: "binary_sensor.front_door",
    CONF_SMOKE_ENTITY: "binary_sensor.smoke_alarm",
}
NORMAL_STATES = {
    "sensor.living_room_temperature": ("21.3", {"device_class": "temperature", "unit_of_measurement": "°C"}),
    "sensor.bathroom_humidity": ("48.0", {"device_class": "humidity", "unit_of_measurement": "%"}),
    "sensor.fridge_power": ("151.0", {"device_class": "power", "unit_of_measurement": "W"}),
    "binary_sensor.front_door": ("off", {"device_class": "door"}),
    "binary_sensor.smoke_alarm": ("off", {"device_class": "smoke"}),
}


DEPRECATIONS = DeprecationCollector()
logging.getLogger().addHandler(DEPRECATIONS)


@pytest.fixture(autouse=True)
def no_deprecation_reports() -> Generator[None]:
    """Fail the test during which Home Assistant reported a deprecated use by home_anomaly.

    First among the autouse fixtures, so it also sees what ``hass``'s own teardown reports.
    """
    DEPRECATIONS.take()
    yield
    reports = DEPRECATIONS.take()
    assert not reports, "Home Assistant reported a deprecated use by home_anomaly:\n" + "\n".join(reports)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Load custom_components/ in every test (after the recorder, where a test asks for it)."""
    if "recorder_mock" in request.fixturenames:
        request.getfixturevalue("recorder_mock")
    request.getfixturevalue("enable_custom_integrations")


@pytest.fixture(autouse=True)
def isolated_buffers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's buffers in its own folder, not in the plugin's shared testing config.

    (Not by changing hass.config: the recorder fixture must be set up before ``hass``.)
    """
    monkeypatch.setattr(
        integration, "store_path", lambda hass, entry_id: tmp_path / "home_anomaly" / f"{entry_id}.sqlite"
    )


@pytest.fixture(autouse=True)
def onnxruntime_without_network() -> Generator[None]:
    """Never try to pip-install anything during tests (onnxruntime is installed here)."""
    with patch("custom_components.home_anomaly.model_loader.async_process_requirements") as install:
        install.side_effect = RuntimeError("no installs in tests")
        yield


def utc(text: str) -> datetime:
    moment = dt_util.parse_datetime(text)
    assert moment is not None
    return moment


async def clock_to(hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: datetime | str) -> None:
    """Move the clock and let Home Assistant's time listeners see it (as the passing of time, or an
    NTP step, would); they run as background tasks, so wait for those too."""
    moment = utc(moment) if isinstance(moment, str) else moment
    freezer.move_to(moment)
    async_fire_time_changed(hass, moment)
    await hass.async_block_till_done(wait_background_tasks=True)


async def record_hours(hass: HomeAssistant, freezer: FrozenDateTimeFactory, start: datetime, hours: int) -> None:
    """``hours`` hours of recorder history from ``start``, a temperature reading every hour; the
    clock is left 5 minutes into the hour after."""
    for hour in range(hours):
        freezer.move_to(start + timedelta(hours=hour, minutes=10))
        set_normal_states(hass, living_room_temperature=f"{20 + (hour % 5) * 0.5:.1f}")
        await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    freezer.move_to(start + timedelta(hours=hours, minutes=5))


def set_normal_states(hass: HomeAssistant, **overrides: str) -> None:
    for entity_id, (state, attributes) in NORMAL_STATES.items():
        hass.states.async_set(entity_id, overrides.get(entity_id.split(".")[1], state), attributes)


def make_entry(options: dict[str, Any] | None = None, title: str = "Home") -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN, title=title, data=dict(SOURCES), options=options or {}, unique_id=title.lower(), version=1
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def prefill_history(hass: HomeAssistant, entry: MockConfigEntry, days: int = 30, end: datetime | None = None) -> int:
    """Normal simulated history (household 7) written into the entry's buffer before setup."""
    path: Path = integration.store_path(hass, entry.entry_id)
    return write_history(path, seed=123, user_number=7, days=days, end=end or dt_util.now())


@pytest.fixture
def entry(hass: HomeAssistant) -> MockConfigEntry:
    set_normal_states(hass)
    return make_entry()
