"""Sensors: the zone's status, its anomaly score, and diagnostics."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import DOMAIN, STATUS_OPTIONS
from .coordinator import STATUS_LEARNING, HomeAnomalyCoordinator, active_probabilities
from .data import HomeAnomalyConfigEntry
from .entity import HomeAnomalyEntity

PARALLEL_UPDATES = 0
# Earlier versions had a "Last scored hour" timestamp sensor: its state changed every hour, and the
# logbook lists every state change of a sensor without a unit, 24 lines a day per zone. The time
# is now the status sensor's ``last_scored`` attribute (attribute changes are not logged).
REMOVED_KEYS = ("last_scored",)


async def async_setup_entry(
    hass: HomeAssistant, entry: HomeAnomalyConfigEntry, async_add_entities: AddEntitiesCallback
) -> None:
    coordinator = entry.runtime_data.coordinator
    registry = er.async_get(hass)
    for key in REMOVED_KEYS:
        if entity_id := registry.async_get_entity_id(Platform.SENSOR, DOMAIN, f"{entry.entry_id}_{key}"):
            registry.async_remove(entity_id)
    async_add_entities(
        [
            StatusSensor(coordinator),
            AnomalyScoreSensor(coordinator),
            BufferedHoursSensor(coordinator),
            RuntimeSensor(coordinator),
            DriftSensor(coordinator),
        ]
    )


class StatusSensor(HomeAnomalyEntity, SensorEntity):
    """The highest-priority active anomaly, else learning (the model cannot score yet) or normal."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = [*STATUS_OPTIONS, STATUS_LEARNING]

    def __init__(self, coordinator: HomeAnomalyCoordinator) -> None:
        super().__init__(coordinator, "status")

    @property
    def native_value(self) -> str:
        return self.coordinator.data.status

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        data = self.coordinator.data
        top = data.top
        return {
            "priority": top,
            "source": data.sources.get(top) if top else None,
            "since": data.since.get(top) if top else None,
            "probabilities": active_probabilities(data.score),
            "explanation": self.coordinator.status_explanation(),
            "active": [STATUS_OPTIONS[code] for code in sorted(data.sources, reverse=True)],
            "watching": [STATUS_OPTIONS[code] for code in data.watching],
            "hours_buffered": data.buffered_hours,
            "hours_needed": data.hours_needed,
            "last_scored": data.last_scored.isoformat() if data.last_scored else None,
            "runtime": self.coordinator.loaded.runtime,
        }


class AnomalyScoreSensor(HomeAnomalyEntity, SensorEntity):
    """1 − P(normal) of the last scored window, in percent."""

    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_native_unit_of_measurement = "%"
    _attr_suggested_display_precision = 1

    def __init__(self, coordinator: HomeAnomalyCoordinator) -> None:
        super().__init__(coordinator, "anomaly_score")

    @property
    def native_value(self) -> float | None:
        score = self.coordinator.data.score
        value = score.anomaly_score if score is not None else None
        return None if value is None else round(100.0 * value, 2)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        return {
            "thresholds": {STATUS_OPTIONS[c]: round(t, 3) for c, t in self.coordinator.tracker.thresholds().items()}
        }


class BufferedHoursSensor(HomeAnomalyEntity, SensorEntity):
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_native_unit_of_measurement = "h"
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, coordinator: HomeAnomalyCoordinator) -> None:
        super().__init__(coordinator, "buffered_hours")

    @property
    def native_value(self) -> int:
        return self.coordinator.data.buffered_hours


class RuntimeSensor(HomeAnomalyEntity, SensorEntity):
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = ["onnxruntime", "numpy"]

    def __init__(self, coordinator: HomeAnomalyCoordinator) -> None:
        super().__init__(coordinator, "runtime")

    @property
    def native_value(self) -> str:
        return self.coordinator.loaded.runtime

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        return {"fallback_reason": self.coordinator.loaded.fallback_reason}


class DriftSensor(HomeAnomalyEntity, SensorEntity):
    """Largest PSI of the last week's inputs against the model card's training distribution."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_entity_registry_enabled_default = False
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_suggested_display_precision = 3

    def __init__(self, coordinator: HomeAnomalyCoordinator) -> None:
        super().__init__(coordinator, "input_drift")

    @property
    def native_value(self) -> float | None:
        score = self.coordinator.data.score
        return max(score.drift.values()) if score is not None and score.drift else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        score = self.coordinator.data.score
        return {"psi": score.drift if score is not None else {}}
