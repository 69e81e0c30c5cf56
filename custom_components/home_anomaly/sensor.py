"""Sensors: the zone's status, its anomaly score, and diagnostics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import STATUS_OPTIONS
from .coordinator import HomeAnomalyCoordinator, active_probabilities
from .data import HomeAnomalyConfigEntry
from .entity import HomeAnomalyEntity

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: HomeAnomalyConfigEntry, async_add_entities: AddEntitiesCallback
) -> None:
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        [
            StatusSensor(coordinator),
            AnomalyScoreSensor(coordinator),
            LastScoredSensor(coordinator),
            BufferedHoursSensor(coordinator),
            RuntimeSensor(coordinator),
            DriftSensor(coordinator),
        ]
    )


class StatusSensor(HomeAnomalyEntity, SensorEntity):
    """The highest-priority active anomaly, or normal."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = list(STATUS_OPTIONS)

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
            "explanation": self.coordinator.explanation(),
            "active": [STATUS_OPTIONS[code] for code in sorted(data.sources, reverse=True)],
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


class LastScoredSensor(HomeAnomalyEntity, SensorEntity):
    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: HomeAnomalyCoordinator) -> None:
        super().__init__(coordinator, "last_scored")

    @property
    def native_value(self) -> datetime | None:
        return self.coordinator.data.last_scored


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
