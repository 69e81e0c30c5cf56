"""What quality_scale.yaml claims, checked the way hassfest and the Home Assistant UI would.

* translations: hassfest rejects a placeholder inside single quotes;
* exception-translations: every exception raised for the user carries a translation key that
  en.json has, with the same placeholders;
* config-flow: every field of every step has a label and a description.
"""

from __future__ import annotations

import ast
import json
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import voluptuous as vol
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.home_anomaly.const import DOMAIN
from custom_components.home_anomaly.engine.runtime import ModelError

from .conftest import make_entry, set_normal_states

PACKAGE = Path(__file__).resolve().parents[2] / "custom_components" / "home_anomaly"
EN = json.loads((PACKAGE / "translations" / "en.json").read_text(encoding="utf-8"))
# hassfest (script/hassfest/translations.py, RE_PLACEHOLDER_IN_SINGLE_QUOTES).
QUOTED_PLACEHOLDER = re.compile(r"'{\w+}'")
# The exceptions Home Assistant shows to the user (service call errors, the entry's setup error).
USER_FACING_ERRORS = {
    "HomeAssistantError",
    "ServiceValidationError",
    "ConfigEntryError",
    "ConfigEntryNotReady",
    "ConfigEntryAuthFailed",
}


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else key)
    elif isinstance(node, str):
        yield path, node


def _placeholders(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def _user_facing_raises() -> Iterator[tuple[str, ast.Call]]:
    for source in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
                continue
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in USER_FACING_ERRORS:
                yield f"{source.relative_to(PACKAGE)}:{node.lineno} {name}", node.exc


def test_the_scan_finds_the_raises_it_checks() -> None:
    # A scan that found nothing (moved files, renamed exceptions) would pass for the wrong reason.
    assert len(list(_user_facing_raises())) >= 5


def test_no_placeholder_inside_single_quotes() -> None:
    offenders = [f"{path}: {text}" for path, text in _strings(EN) if QUOTED_PLACEHOLDER.search(text)]
    assert not offenders, "hassfest rejects '{placeholder}'; rephrase without the quotes:\n" + "\n".join(offenders)


def test_every_user_facing_exception_is_translated_with_matching_placeholders() -> None:
    problems: list[str] = []
    for where, call in _user_facing_raises():
        keywords = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}
        if call.args:
            problems.append(f"{where}: passes a message; the user sees it untranslated")
        domain = keywords.get("translation_domain")
        if not (isinstance(domain, ast.Name) and domain.id == "DOMAIN"):
            problems.append(f"{where}: translation_domain must be DOMAIN")
        key = keywords.get("translation_key")
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            problems.append(f"{where}: translation_key must be a literal string")
            continue
        message = EN.get("exceptions", {}).get(key.value, {}).get("message")
        if message is None:
            problems.append(f"{where}: exceptions.{key.value}.message is not in en.json")
            continue
        given = keywords.get("translation_placeholders")
        if given is None:
            names: set[str] = set()
        elif isinstance(given, ast.Dict) and all(isinstance(k, ast.Constant) for k in given.keys):
            names = {k.value for k in given.keys if isinstance(k, ast.Constant)}
        else:
            problems.append(f"{where}: translation_placeholders must be a dict literal")
            continue
        wanted = _placeholders(message)
        if names != wanted:
            problems.append(f"{where}: passes {sorted(names)}, en.json exceptions.{key.value} uses {sorted(wanted)}")
    assert not problems, "\n".join(problems)


def test_every_exception_message_in_en_json_is_used() -> None:
    used = {
        keyword.value.value
        for _, call in _user_facing_raises()
        for keyword in call.keywords
        if keyword.arg == "translation_key" and isinstance(keyword.value, ast.Constant)
    }
    assert set(EN["exceptions"]) == used


async def test_a_damaged_model_card_tells_the_user_to_reinstall(hass: HomeAssistant, tmp_path: Path) -> None:
    set_normal_states(hass)
    with patch("custom_components.home_anomaly.model_loader.MODELS_DIR", tmp_path):  # no model card at all
        entry = make_entry()
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "model_card_invalid"
    reason = entry.reason or ""
    assert reason.startswith("The bundled anomaly model cannot be used: ")
    assert "model_card.json not found" in reason
    assert "Reinstall the integration" in reason
    assert "{" not in reason


async def test_a_model_the_numpy_engine_cannot_run_tells_the_user_to_reinstall(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    with patch(
        "custom_components.home_anomaly.model_loader.load_model", side_effect=ModelError("unsupported operator Foo")
    ):
        entry = make_entry()
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "model_cannot_run"
    reason = entry.reason or ""
    assert reason.startswith("The bundled anomaly model cannot be run: unsupported operator Foo")
    assert "Reinstall the integration" in reason


def _fields(schema: vol.Schema) -> list[str]:
    return [str(marker) for marker in schema.schema]


async def _steps(hass: HomeAssistant) -> list[tuple[str, str, vol.Schema]]:
    """(section, step id, schema) of every form the user can be shown."""
    set_normal_states(hass)
    user = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    entry = make_entry()
    entry.add_to_hass(hass)
    reconfigure = await entry.start_reconfigure_flow(hass)
    options = await hass.config_entries.options.async_init(entry.entry_id)
    forms = [("config", user), ("config", reconfigure), ("options", options)]
    for _, result in forms:
        assert result["type"] is FlowResultType.FORM
    return [(section, str(result["step_id"]), result["data_schema"]) for section, result in forms]


async def test_every_flow_field_has_a_label_and_a_description(hass: HomeAssistant) -> None:
    problems: list[str] = []
    steps = await _steps(hass)
    assert [(section, step) for section, step, _ in steps] == [
        ("config", "user"),
        ("config", "reconfigure"),
        ("options", "init"),
    ]
    for section, step_id, schema in steps:
        step = EN[section]["step"].get(step_id, {})
        fields = _fields(schema)
        assert fields, f"{section}.{step_id} has no fields"
        for kind in ("data", "data_description"):
            texts = step.get(kind, {})
            missing = [field for field in fields if not texts.get(field)]
            stale = sorted(set(texts) - set(fields))
            if missing:
                problems.append(f"{section}.step.{step_id}.{kind} lacks {missing}")
            if stale:
                problems.append(f"{section}.step.{step_id}.{kind} has {stale}, which the form does not show")
    assert not problems, "\n".join(problems)
