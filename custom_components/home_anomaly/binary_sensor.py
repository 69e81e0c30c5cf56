"""One problem sensor per anomaly class whose sensor the zone has."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import DOMAIN
from .coordinator import CLASS_ROLES, HomeAnomalyCoordinator, configured_classes
from .data import HomeAnomalyConfigEntry
from .engine.schema import ANOMALY_CLASS_NAMES
from .entity import HomeAnomalyEntity

PARALLEL_UPDATES = 0


def _key(code: int) -> str:
    return f"{ANOMALY_CLASS_NAMES[code]}_anomaly"


async def async_setup_entry(
    hass: HomeAssistant, entry: HomeAnomalyConfigEntry, async_add_entities: AddEntitiesCallback
) -> None:
    """Entities for the configured roles only: a zone without a door has no "Door opened at night".

    A reconfigure reloads the entry, so this runs again: a role added gets its entity here, and
    the entity of a role removed is taken out of the entity registry instead of lingering as
    "no longer provided".
    """
    coordinator = entry.runtime_data.coordinator
    configured = configured_classes(entry.data)
    registry = er.async_get(hass)
    for code in CLASS_ROLES:
        stale = registry.async_get_entity_id(Platform.BINARY_SENSOR, DOMAIN, f"{entry.entry_id}_{_key(code)}")
        if code not in configured and stale:
            registry.async_remove(stale)
    async_add_entities(AnomalyBinarySensor(coordinator, code) for code in configured)


class AnomalyBinarySensor(HomeAnomalyEntity, BinarySensorEntity):
    """On while the class's alert is active.

    Device class problem for every class: these are alert states, not detectors (a smoke or
    moisture class would show "Clear" / "Dry" and be offered to voice assistants as a second smoke
    or leak detector). The logbook reads "detected problem" / "cleared (no problem detected)"; the
    door and fire entities translate their states ("No" / "Yes", "No" / "Detected") because "OK"
    after "Door opened at night" or "Fire" reads wrong.
    """

    _attr_device_class = BinarySensorDeviceClass.PROBLEM

    def __init__(self, coordinator: HomeAnomalyCoordinator, code: int) -> None:
        super().__init__(coordinator, _key(code))
        self.code = code

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
