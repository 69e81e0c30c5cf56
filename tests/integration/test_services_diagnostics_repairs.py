"""Services refuse bad calls with translated messages; diagnostics redact; repairs point to a fix."""

from __future__ import annotations

import importlib.metadata
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.const import __version__ as HOME_ASSISTANT_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.home_anomaly.const import DOMAIN, ONNXRUNTIME_REQUIREMENT

from .conftest import make_entry, set_normal_states, setup_entry


async def test_unknown_entry_is_a_translated_validation_error(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await setup_entry(hass, entry)
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(DOMAIN, "score_now", {"config_entry_id": "nope"}, blocking=True)
    assert raised.value.translation_key == "unknown_entry"
    assert raised.value.translation_placeholders == {"entry_id": "nope"}


async def test_unknown_anomaly_is_a_translated_validation_error(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await setup_entry(hass, entry)
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, "acknowledge", {"config_entry_id": entry.entry_id, "anomaly": "flood"}, blocking=True
        )
    assert raised.value.translation_key == "unknown_anomaly"


async def test_score_now_without_enough_history_says_it_is_learning(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    await setup_entry(hass, entry)
    await hass.services.async_call(DOMAIN, "score_now", {}, blocking=True)
    status = hass.states.get("sensor.home_status")
    assert status.state == "learning"
    assert status.attributes["explanation"].startswith("Learning this home")
    assert hass.states.get("sensor.home_anomaly_score").state == "unknown"


async def test_diagnostics_redact_what_identifies_the_home(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    await setup_entry(hass, entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diagnostics)
    assert "living_room" not in text
    assert diagnostics["entry"]["title"] == "**REDACTED**"
    assert diagnostics["runtime"] in ("onnxruntime", "numpy")
    assert diagnostics["model"]["architecture"]
    assert set(diagnostics["thresholds"]) == {"1", "2", "3", "4", "5"}
    assert diagnostics["home_assistant"] == {
        "running": HOME_ASSISTANT_VERSION,
        "tested_oldest": "2025.4.4",
        "tested_newest": "2026.11.0",
    }
    # onnxruntime is installed in the test environment, so the integration found it and used it.
    assert diagnostics["optional_requirements"]["onnxruntime"] == {
        "requirement": ONNXRUNTIME_REQUIREMENT,
        "installed": True,
        "version": importlib.metadata.version("onnxruntime"),
        "origin": "already_installed",
        "in_use": True,
        "fallback_reason": None,
    }


async def test_diagnostics_say_when_onnxruntime_was_installed_at_runtime(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    install = AsyncMock(return_value=None)
    with (
        patch("custom_components.home_anomaly.model_loader.onnxruntime_importable", side_effect=[False, True]),
        patch("custom_components.home_anomaly.model_loader.onnxruntime_version", side_effect=[None]),
        patch("custom_components.home_anomaly.model_loader.async_process_requirements", install),
    ):
        await setup_entry(hass, entry)
    install.assert_awaited_once_with(hass, DOMAIN, [ONNXRUNTIME_REQUIREMENT])
    onnxruntime = (await get_diagnostics_for_config_entry(hass, hass_client, entry))["optional_requirements"][
        "onnxruntime"
    ]
    assert onnxruntime["origin"] == "installed_at_runtime"
    assert onnxruntime["in_use"] is True
    assert onnxruntime["version"] == importlib.metadata.version("onnxruntime")


async def test_diagnostics_do_not_claim_a_broken_onnxruntime_was_installed_at_runtime(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    # Its package metadata is there but it does not import: Home Assistant's installer sees it
    # as installed and does nothing, so the copy was already there.
    with (
        patch("custom_components.home_anomaly.model_loader.onnxruntime_importable", return_value=False),
        patch("custom_components.home_anomaly.model_loader.async_process_requirements", AsyncMock(return_value=None)),
    ):
        await setup_entry(hass, entry)
    onnxruntime = (await get_diagnostics_for_config_entry(hass, hass_client, entry))["optional_requirements"][
        "onnxruntime"
    ]
    assert onnxruntime["origin"] == "already_installed"
    assert onnxruntime["in_use"] is False
    assert onnxruntime["fallback_reason"] == "onnxruntime was installed but cannot be imported"


async def test_diagnostics_say_why_onnxruntime_is_missing(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    with (  # what Home Assistant OS looks like: no wheel, so the install fails
        patch("custom_components.home_anomaly.model_loader.onnxruntime_importable", return_value=False),
        patch("custom_components.home_anomaly.model_loader.onnxruntime_version", return_value=None),
    ):
        await setup_entry(hass, entry)
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["runtime"] == "numpy"
    assert diagnostics["optional_requirements"]["onnxruntime"] == {
        "requirement": ONNXRUNTIME_REQUIREMENT,
        "installed": False,
        "version": None,
        "origin": "not_installed",
        "in_use": False,
        "fallback_reason": "onnxruntime could not be installed: no installs in tests",
    }


async def test_a_removed_source_raises_a_repair_issue(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    hass.states.async_remove("sensor.bathroom_humidity")
    entry = await setup_entry(hass, make_entry())
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"source_missing_{entry.entry_id}_humidity_entity")
    assert issue is not None
    assert issue.translation_placeholders == {"entity_id": "sensor.bathroom_humidity", "zone": "Home"}
    assert issue.translation_key == "source_missing"
