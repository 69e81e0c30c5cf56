"""Typed runtime data of a config entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .coordinator import HomeAnomalyCoordinator


@dataclass
class HomeAnomalyData:
    coordinator: HomeAnomalyCoordinator
    options: dict[str, Any]  # the options this setup runs with


type HomeAnomalyConfigEntry = ConfigEntry[HomeAnomalyData]
