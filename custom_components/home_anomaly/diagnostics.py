"""Diagnostics: what a maintainer needs, with what identifies a home redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import __version__ as HOME_ASSISTANT_VERSION
from homeassistant.core import HomeAssistant

from .backtest_report import async_backtest
from .const import CONF_DOOR_CONDITION_ENTITY, CONF_NOTIFY_TARGETS, SOURCE_KEYS, TESTED_HOME_ASSISTANT
from .coordinator import active_probabilities
from .data import HomeAnomalyConfigEntry
from .model_loader import async_onnxruntime_report

TO_REDACT = {*SOURCE_KEYS, CONF_NOTIFY_TARGETS, CONF_DOOR_CONDITION_ENTITY, "title", "explanation"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: HomeAnomalyConfigEntry) -> dict[str, Any]:
    coordinator = entry.runtime_data.coordinator
    loaded = coordinator.loaded
    buffer = coordinator.buffer
    card = loaded.card.raw
    score = coordinator.data.score
    try:
        backtest: dict[str, Any] = (await async_backtest(hass, coordinator)).summary()
    except Exception as err:  # diagnostics are downloaded when something is wrong: never fail on this line
        backtest = {"error": f"{type(err).__name__}: {err}"}
    return async_redact_data(
        {
            "entry": {"title": entry.title, "data": dict(entry.data), "options": dict(entry.options)},
            "home_assistant": {
                "running": HOME_ASSISTANT_VERSION,
                "tested_oldest": TESTED_HOME_ASSISTANT[0],
                "tested_newest": TESTED_HOME_ASSISTANT[1],
            },
            "runtime": loaded.runtime,
            "runtime_fallback_reason": loaded.fallback_reason,
            # Not in the manifest (no musl wheels), so this is the one place a user can see it.
            "optional_requirements": {"onnxruntime": await async_onnxruntime_report(hass, loaded)},
            "model": {
                "architecture": card.get("architecture"),
                "quantization": card.get("quantization"),
                "sha256": card.get("sha256"),
                "schema_version": card.get("schema_version"),
                "window_size": loaded.card.window_size,
                "validation_metrics": card.get("metrics"),
            },
            "buffered_hours": coordinator.data.buffered_hours,
            "buffer": {
                "problem": buffer.problem.problem if buffer.problem else None,
                "problem_detail": buffer.problem.detail if buffer.problem else None,
                "pending": buffer.pending,
                "moved_aside": [str(path) for path in buffer.moved_aside],
                "open_hour": coordinator.aggregator.hour_start.isoformat(),
            },
            "unusable_states_logged": len(coordinator.unusable_states_logged),
            "last_scored": coordinator.data.last_scored.isoformat() if coordinator.data.last_scored else None,
            "probabilities": active_probabilities(score),
            "explanation": score.explanation if score else None,
            "input_drift_psi": score.drift if score else {},
            "thresholds": coordinator.tracker.thresholds(),
            "alerts": coordinator.tracker.to_json()["classes"],
            "scored_hours": coordinator.tracker.scored_hours,
            # What the zone would have raised over its buffered history (home_anomaly.backtest).
            "backtest": backtest,
        },
        TO_REDACT,
    )
