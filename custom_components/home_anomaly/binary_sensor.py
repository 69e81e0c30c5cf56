"""One problem sensor per anomaly class."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import HomeAnomalyCoordinator
from .data import HomeAnomalyConfigEntry
from .engine.schema import ANOMALY_CLASS_NAMES
from .entity import HomeAnomalyEntity

PARALLEL_UPDATES = 0
DEVICE_CLASSES = {
    1: BinarySensorDeviceClass.PROBLEM,
    2: BinarySensorDeviceClass.MOISTURE,
    3: BinarySensorDeviceClass.PROBLEM,
    4: BinarySensorDeviceClass.SAFETY,
    5: BinarySensorDeviceClass.SMOKE,
}


async def async_setup_entry(
    hass: HomeAssistant, entry: HomeAnomalyConfigEntry, async_add_entities: AddEntitiesCallback
) -> None:
    coordinator = entry.runtime_data.coordinator
    async_add_entities(AnomalyBinarySensor(coordinator, code) for code in DEVICE_CLASSES)


class AnomalyBinarySensor(HomeAnomalyEntity, BinarySensorEntity):
    def __init__(self, coordinator: HomeAnomalyCoordinator, code: int) -> None:
        super().__init__(coordinator, f"{ANOMALY_CLASS_NAMES[code]}_anomaly")
        self.code = code
        self._attr_device_class = DEVICE_CLASSES[code]

    @property
    def is_on(self) -> bool:
        return self.coordinator.tracker.classes[self.code].active

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        state = self.coordinator.tracker.classes[self.code]
        return {
            "priority": self.code,
            "source": state.source,
            "since": state.since,
            "probability": round(state.probability, 4),
            "acknowledged": state.acknowledged,
        }
