"""Typed runtime data of a config entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .coordinator import HomeAnomalyCoordinator


@dataclass
class HomeAnomalyData:
    coordinator: HomeAnomalyCoordinator


type HomeAnomalyConfigEntry = ConfigEntry[HomeAnomalyData]
