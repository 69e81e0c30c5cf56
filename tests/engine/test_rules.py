"""Instant rules for the safety-critical classes."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from custom_components.home_anomaly.engine.rules import combine, hourly_rule_classes, instant_class
from custom_components.home_anomaly.engine.schema import AnomalyClass

DOOR, SMOKE = 3, 4


def test_smoke_is_fire_at_any_hour() -> None:
    assert instant_class(SMOKE, True, datetime(2025, 1, 1, 15, 0)) is AnomalyClass.FIRE
    assert instant_class(SMOKE, False, datetime(2025, 1, 1, 15, 0)) is None


def test_front_door_only_counts_between_midnight_and_five() -> None:
    assert instant_class(DOOR, True, datetime(2025, 1, 1, 3, 12)) is AnomalyClass.DOOR
    assert instant_class(DOOR, True, datetime(2025, 1, 1, 4, 59)) is AnomalyClass.DOOR
    assert instant_class(DOOR, True, datetime(2025, 1, 1, 5, 0)) is None
    assert instant_class(DOOR, True, datetime(2025, 1, 1, 18, 0)) is None
    assert instant_class(0, True, datetime(2025, 1, 1, 3, 0)) is None


def test_hourly_rules_and_priority() -> None:
    hours = [datetime(2025, 1, 1, h) for h in (2, 3, 18, 19)]
    values = np.array([[20, 45, 150, 1, 0], [20, 45, 150, 1, 1], [20, 45, 150, 1, 0], [20, 45, 150, 0, 0]], float)
    rules = hourly_rule_classes(hours, values)
    assert rules.tolist() == [4, 5, 0, 0]
    assert combine(np.array([1, 3, 2, 0]), rules).tolist() == [4, 5, 2, 0]
