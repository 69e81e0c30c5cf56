"""Warm start from the recorder; runtime fallbacks; the drift diagnostic."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.home_anomaly.const import CONF_RUNTIME, DOMAIN
from custom_components.home_anomaly.diagnostics import async_get_config_entry_diagnostics
from custom_components.home_anomaly.engine.alerts import AlertPolicy
from custom_components.home_anomaly.engine.runtime import ModelError, OnnxRuntimeModel
from custom_components.home_anomaly.engine.runtime import load_model as real_load_model

from .conftest import make_entry, prefill_history, record_hours, set_normal_states, setup_entry, utc


async def test_warm_start_fills_the_buffer_from_recorder_history(
    recorder_mock: object, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    start = utc("2025-03-08 00:00:00+00:00")
    await record_hours(hass, freezer, start, 40)

    entry = await setup_entry(hass, make_entry())
    coordinator = entry.runtime_data.coordinator
    hours = await hass.async_add_executor_job(coordinator.buffer.store.hours_since, start - timedelta(days=1))
    assert len(hours) >= 40  # every hour with history (plus the one the first state carries into)
    assert hours[3].values[0] is not None
    await hass.services.async_call(DOMAIN, "score_now", {}, blocking=True)
    assert hass.states.get("sensor.home_anomaly_score").state != "unknown"  # useful at once


async def test_recorder_history_calibrates_the_zones_thresholds_from_the_first_night(
    recorder_mock: object, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    # Thresholds become the home's own after a week of scored hours; the recorder's hours count.
    start = utc("2025-03-01 00:00:00+00:00")
    await record_hours(hass, freezer, start, 9 * 24)
    entry = await setup_entry(hass, make_entry())
    await hass.async_block_till_done(wait_background_tasks=True)
    # (The diagnostics function itself: nine frozen days later, the test client's token has expired.)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    tracker = entry.runtime_data.coordinator.tracker
    assert diagnostics["scored_hours"] >= AlertPolicy().learning_hours  # 9 days less the first window
    assert tracker.recent  # the home's own normal hours: they set its thresholds
    assert not any(state["active"] for state in diagnostics["alerts"].values())  # the replay raised nothing live


async def test_a_zone_without_recorder_history_learns_from_its_own_hours_only(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    entry = await setup_entry(hass, make_entry())
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.runtime_data.coordinator.tracker.scored_hours == 0


async def test_onnxruntime_failing_to_load_falls_back_to_numpy(hass: HomeAssistant) -> None:
    set_normal_states(hass)

    def onnxruntime_breaks(path: object, runtime: str) -> object:
        if runtime == "onnxruntime":
            raise ModelError("boom")
        return real_load_model(path, runtime)

    with patch("custom_components.home_anomaly.model_loader.load_model", side_effect=onnxruntime_breaks):
        entry = await setup_entry(hass, make_entry({CONF_RUNTIME: "onnxruntime"}))
    loaded = entry.runtime_data.coordinator.loaded
    assert loaded.runtime == "numpy"
    assert "onnxruntime failed to load the model: boom" in (loaded.fallback_reason or "")


async def test_onnxruntime_failing_at_inference_switches_to_numpy(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    prefill_history(hass, entry, days=30)
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data.coordinator
    assert coordinator.loaded.runtime == "onnxruntime"
    with patch.object(OnnxRuntimeModel, "predict_proba", side_effect=RuntimeError("ORT exploded")):
        await hass.services.async_call(DOMAIN, "score_now", {}, blocking=True)
    assert coordinator.loaded.runtime == "numpy"
    assert "ORT exploded" in (coordinator.loaded.fallback_reason or "")
    assert hass.states.get("sensor.home_anomaly_score").state != "unknown"  # the score still came
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["runtime"] == "numpy"
    assert diagnostics["runtime_fallback_reason"] == "onnxruntime failed at inference: ORT exploded"


async def test_input_drift_sensor_reports_psi_against_the_card(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "sensor", DOMAIN, f"{entry.entry_id}_input_drift", suggested_object_id="home_input_drift", disabled_by=None
    )
    prefill_history(hass, entry, days=30)
    await setup_entry(hass, entry)
    await hass.services.async_call(DOMAIN, "score_now", {}, blocking=True)
    await hass.async_block_till_done()
    drift = hass.states.get("sensor.home_input_drift")
    assert drift is not None
    assert float(drift.state) >= 0.0
    assert "temperature_dev" in drift.attributes["psi"]
