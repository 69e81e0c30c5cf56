"""Load the bundled model with the best runtime this installation has.

onnxruntime when it is importable or can be installed now (it has no wheels for Home Assistant
OS / Container, which run musl); otherwise the built-in numpy engine. A missing or damaged
model is a setup error that says what to do; a missing onnxruntime is only a log line.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.requirements import async_process_requirements
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, ONNXRUNTIME_REQUIREMENT
from .engine.model_card import ModelCard, ModelCardError, read_model_card
from .engine.runtime import AnomalyModel, ModelError, load_model

_LOGGER = logging.getLogger(__name__)
MODELS_DIR = Path(__file__).resolve().parent / "models"
# Kept for the whole run (not per entry): once one zone had onnxruntime installed, the next zone
# finds it importable, and diagnostics must still say where it came from.
ONNXRUNTIME_INSTALLED_AT_RUNTIME: HassKey[bool] = HassKey(f"{DOMAIN}_onnxruntime_installed_at_runtime")


@dataclass
class LoadedModel:
    model: AnomalyModel
    card: ModelCard
    runtime: str
    models_dir: Path
    fallback_reason: str | None = None


def onnxruntime_importable() -> bool:
    try:
        importlib.import_module("onnxruntime")
    except ImportError:
        return False
    return True


def onnxruntime_version() -> str | None:
    """The installed onnxruntime distribution's version, or None (blocking: reads package metadata)."""
    try:
        return importlib.metadata.version("onnxruntime")
    except importlib.metadata.PackageNotFoundError:
        return None


async def async_onnxruntime_report(hass: HomeAssistant, loaded: LoadedModel) -> dict[str, Any]:
    """Where the optional onnxruntime requirement stands, for diagnostics."""
    version = await hass.async_add_executor_job(onnxruntime_version)
    if hass.data.get(ONNXRUNTIME_INSTALLED_AT_RUNTIME):
        origin = "installed_at_runtime"
    elif version is not None:
        # Also what a copy installed at runtime before the last restart looks like: nothing on
        # disk tells the two apart.
        origin = "already_installed"
    else:
        origin = "not_installed"
    return {
        "requirement": ONNXRUNTIME_REQUIREMENT,
        "installed": version is not None,
        "version": version,
        "origin": origin,
        "in_use": loaded.runtime == "onnxruntime",
        "fallback_reason": loaded.fallback_reason,
    }


async def async_ensure_onnxruntime(hass: HomeAssistant) -> str | None:
    """Make onnxruntime importable if possible; the reason it is not, or None."""
    if await hass.async_add_executor_job(onnxruntime_importable):
        return None
    # Home Assistant skips a requirement whose package metadata is there, so a present but broken
    # onnxruntime is not installed by this call and must not be reported as installed at runtime.
    present_before = await hass.async_add_executor_job(onnxruntime_version) is not None
    try:
        await async_process_requirements(hass, DOMAIN, [ONNXRUNTIME_REQUIREMENT])
    except Exception as err:  # any install failure means "use numpy", never a failed setup
        _LOGGER.info("onnxruntime could not be installed (%s); using the built-in numpy engine", err)
        return f"onnxruntime could not be installed: {err}"
    if not present_before:
        hass.data[ONNXRUNTIME_INSTALLED_AT_RUNTIME] = True
    if await hass.async_add_executor_job(onnxruntime_importable):
        return None
    return "onnxruntime was installed but cannot be imported"


async def async_load_model(hass: HomeAssistant, runtime: str, models_dir: Path | None = None) -> LoadedModel:
    models_dir = models_dir or MODELS_DIR
    try:
        card = await hass.async_add_executor_job(read_model_card, models_dir)
    except ModelCardError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="model_card_invalid",
            translation_placeholders={"error": str(err)},
        ) from err

    reason: str | None = None
    if runtime in ("auto", "onnxruntime"):
        reason = await async_ensure_onnxruntime(hass)
        if reason is None:
            try:
                model = await hass.async_add_executor_job(
                    load_model, models_dir / card.raw["model_file"], "onnxruntime"
                )
            except ModelError as err:
                reason = f"onnxruntime failed to load the model: {err}"
            else:
                return LoadedModel(model, card, "onnxruntime", models_dir)
        _LOGGER.info("Using the built-in numpy engine: %s", reason)
    try:
        model = await hass.async_add_executor_job(load_model, models_dir / card.raw["model_file"], "numpy")
    except ModelError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="model_cannot_run",
            translation_placeholders={"error": str(err)},
        ) from err
    return LoadedModel(model, card, "numpy", models_dir, reason)


async def async_numpy_fallback(hass: HomeAssistant, loaded: LoadedModel, reason: str) -> LoadedModel:
    """Switch to the numpy engine after onnxruntime failed at inference time."""
    model = await hass.async_add_executor_job(load_model, loaded.models_dir / loaded.card.raw["model_file"], "numpy")
    return LoadedModel(model, loaded.card, "numpy", loaded.models_dir, reason)
