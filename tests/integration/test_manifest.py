"""manifest.json and hacs.json as hassfest and HACS expect them."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_custom_components

from custom_components.home_anomaly.const import TESTED_HOME_ASSISTANT

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "custom_components" / "home_anomaly" / "manifest.json").read_text())


def test_manifest_keys_are_in_hassfest_order_with_what_a_custom_integration_needs() -> None:
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    for key in (
        "codeowners",
        "config_flow",
        "documentation",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "version",
    ):
        assert key in MANIFEST, key
    assert MANIFEST["iot_class"] == "calculated"
    assert MANIFEST["config_flow"] is True


def test_requirements_are_ranges_and_onnxruntime_is_not_one_of_them() -> None:
    for requirement in MANIFEST["requirements"]:
        assert "==" not in requirement, requirement  # a pin that disagrees with HA's constraints breaks setup
    assert not any(r.startswith("onnxruntime") for r in MANIFEST["requirements"])  # no musl wheels


def test_hacs_json() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == "Home Anomaly"
    assert set(hacs) <= {
        "name",
        "homeassistant",
        "render_readme",
        "content_in_root",
        "zip_release",
        "filename",
        "hide_default_branch",
        "country",
        "hacs",
        "persistent_directory",
    }


async def test_home_assistant_loads_the_manifest(hass: HomeAssistant) -> None:
    integrations = await async_get_custom_components(hass)
    integration = integrations["home_anomaly"]
    assert integration.version is not None
    assert str(integration.version) == MANIFEST["version"]
    assert integration.config_flow is True


def test_the_tested_range_is_the_matrix_and_the_readme() -> None:
    """The versions users are told are tested are the ones scripts/ha_compat.sh runs."""
    oldest, newest = TESTED_HOME_ASSISTANT
    matrix = (ROOT / "scripts" / "ha_compat.sh").read_text()
    assert f"HA {oldest} + phcc" in matrix
    assert f"prepare_venv python3.14 {newest} " in matrix
    readme = (ROOT / "README.md").read_text()
    assert f"tested on {oldest}," in " ".join(readme.split())
    assert f"and {newest}**" in " ".join(readme.split())
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["homeassistant"] == "2025.4.0"  # the minimum stays: users on 2025.4 keep updates
    assert "homeassistant" not in MANIFEST  # hassfest refuses keys it does not know
