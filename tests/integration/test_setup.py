"""Setting up a zone: the shipped model through both runtimes, entities, unload, removal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components import home_anomaly as integration
from custom_components.home_anomaly.const import CONF_RUNTIME
from custom_components.home_anomaly.model_loader import MODELS_DIR

from .conftest import make_entry, set_normal_states, setup_entry


@pytest.mark.parametrize("runtime", ["onnxruntime", "numpy"])
async def test_setup_with_the_shipped_model(hass: HomeAssistant, runtime: str) -> None:
    set_normal_states(hass)
    entry = await setup_entry(hass, make_entry({CONF_RUNTIME: runtime}))
    assert entry.state is ConfigEntryState.LOADED
    status = hass.states.get("sensor.home_status")
    assert status is not None
    assert status.state == "learning"  # a new zone without history
    assert status.attributes["runtime"] == runtime
    assert hass.states.get("sensor.home_model_runtime").state == runtime
    for name in ("temperature_anomaly", "humidity_anomaly", "fridge_anomaly", "door_opened_at_night", "fire"):
        assert hass.states.get(f"binary_sensor.home_{name}").state == "off"
    registry = er.async_get(hass)
    drift = registry.async_get("sensor.home_input_drift")
    assert drift is not None
    assert drift.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_auto_falls_back_to_numpy_when_onnxruntime_cannot_be_had(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    with patch("custom_components.home_anomaly.model_loader.onnxruntime_importable", return_value=False):
        entry = await setup_entry(hass, make_entry())
    loaded = entry.runtime_data.coordinator.loaded
    assert loaded.runtime == "numpy"
    assert "could not be installed" in (loaded.fallback_reason or "")
    assert hass.states.get("sensor.home_model_runtime").attributes["fallback_reason"] == loaded.fallback_reason


async def test_a_damaged_model_is_a_clear_setup_error(hass: HomeAssistant, tmp_path: Path) -> None:
    set_normal_states(hass)
    broken = tmp_path / "models"
    shutil.copytree(MODELS_DIR, broken)
    (broken / "model.onnx").write_bytes((broken / "model.onnx").read_bytes()[:-10])
    with patch("custom_components.home_anomaly.model_loader.MODELS_DIR", broken):
        entry = make_entry()
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert "does not match its model card" in (entry.reason or "")


async def test_a_card_of_another_schema_version_is_refused(hass: HomeAssistant, tmp_path: Path) -> None:
    set_normal_states(hass)
    other = tmp_path / "models"
    shutil.copytree(MODELS_DIR, other)
    card = json.loads((other / "model_card.json").read_text())
    card["schema_version"] = 2
    (other / "model_card.json").write_text(json.dumps(card))
    with patch("custom_components.home_anomaly.model_loader.MODELS_DIR", other):
        entry = make_entry()
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert "schema version 2" in (entry.reason or "")


async def test_unload_and_remove_delete_nothing_but_the_zone(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await setup_entry(hass, entry)
    path = integration.store_path(hass, entry.entry_id)
    assert path.is_file()
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert path.is_file()  # unloading keeps the buffer
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert not path.exists()
