"""Services refuse bad calls with translated messages; diagnostics redact; repairs point to a fix."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.home_anomaly.const import DOMAIN

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
    assert status.state == "normal"
    assert "learning" in status.attributes["explanation"]
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


async def test_a_removed_source_raises_a_repair_issue(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    hass.states.async_remove("sensor.bathroom_humidity")
    entry = await setup_entry(hass, make_entry())
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"source_missing_{entry.entry_id}_humidity_entity")
    assert issue is not None
    assert issue.translation_placeholders == {"entity_id": "sensor.bathroom_humidity", "zone": "Home"}
    assert issue.translation_key == "source_missing"
