"""Instant rules for the safety-critical classes: smoke on → fire (5); door opened at night → door (4).

The integration applies them the moment a state changes, without waiting for the hourly model;
the trainer's ``evaluate`` applies the same rules to hourly rows, so the reported numbers are
what a household gets. The final class of an hour is the higher-priority of the model's class
and the rule's class.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from .arrays import FloatArray, IntArray
from .schema import AnomalyClass, is_night_hour

FRONT_DOOR = 3
FIRE_ALARM = 4


def instant_class(sensor: int, is_on: bool, local_time: datetime) -> AnomalyClass | None:
    """The class a single binary state change raises at once, if any."""
    if not is_on:
        return None
    if sensor == FIRE_ALARM:
        return AnomalyClass.FIRE
    if sensor == FRONT_DOOR and is_night_hour(local_time.hour):
        return AnomalyClass.DOOR
    return None


def hourly_rule_classes(hour_starts: Sequence[datetime], values: FloatArray) -> IntArray:
    """Rule class of each hourly row (``values`` (n, 5) in sensor order); 0 where no rule fires."""
    hours = np.array([moment.hour for moment in hour_starts], dtype=np.int64)
    night = np.array([is_night_hour(int(hour)) for hour in hours], dtype=bool)
    classes = np.zeros(len(hours), dtype=np.int64)
    classes[(values[:, FRONT_DOOR] >= 0.5) & night] = AnomalyClass.DOOR
    classes[values[:, FIRE_ALARM] >= 0.5] = AnomalyClass.FIRE
    return classes


def combine(model_classes: IntArray, rule_classes: IntArray) -> IntArray:
    """Priority wins: 5 > 4 > 3 > 2 > 1 > 0, so the higher class of the two."""
    combined: IntArray = np.maximum(model_classes, rule_classes)
    return combined
