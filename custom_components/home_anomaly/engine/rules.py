"""Rules beside the model.

Instant rules for the safety-critical classes: smoke on → fire (5); door opened at night → door
(4). The integration applies them the moment a state changes, without waiting for the hourly
model; the trainer applies the same rules to hourly rows, so the reported numbers are what a
household gets.

One hourly rule: a fridge whose hour averaged at most ``FRIDGE_OFF_SHARE`` of its own usual draw
is off (3), whatever that draw. Real fridges average 15–150 W and swing ±25 % (or more) from hour
to hour, so for a small fridge a dead hour is only a few spreads below normal and a model that
learnt "spreads" can miss it; no working fridge averages a tenth of its draw over an hour (the
real traces' lowest hour is a quarter of their median). It needs the fridge's own baseline.

And the readings a model alert needs (``model_evidence``): the model raises temperature, humidity
or fridge only in an hour whose reading is itself far from the home's usual — at least
``TEMPERATURE_MIN_DROP_C`` colder and no warmer than ``TEMPERATURE_COLD_C`` (a heating failure is
5–10 °C, SPEC §3; real living rooms spend many hours 1.5–3.5 °C below their usual, and a
room at 22 °C after a warm week is not a heating failure), ``HUMIDITY_MIN_RISE_PCT`` more humid
(a leak is +35–45 %RH), or at most ``FRIDGE_LOW_SHARE`` of the usual draw (a failure is 0 W; real
fridges swing ±25 % and more). A small model's blip on an ordinary hour raises nothing, and the
alert's words ("16.0 °C, usually 21.3 °C") always show why. The four numbers were chosen by
measurement on the real-homes development set's held-out homes and the simulated validation
homes (``docs/model_comparison.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from .arrays import BoolArray, FloatArray, IntArray
from .schema import AnomalyClass, is_night_hour

FRIDGE_POWER = 2
FRONT_DOOR = 3
FIRE_ALARM = 4
FRIDGE_OFF_SHARE = 0.1
FRIDGE_MIN_USUAL_W = 1.0  # a plug that usually reads below this is not powering a fridge
TEMPERATURE_MIN_DROP_C = 4.0
TEMPERATURE_COLD_C = 21.0
HUMIDITY_MIN_RISE_PCT = 25.0
FRIDGE_LOW_SHARE = 0.4


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


def fridge_off(power: FloatArray, usual: FloatArray, baseline_ready: BoolArray) -> BoolArray:
    """Hours whose fridge mean (W, NaN = missing) is at most ``FRIDGE_OFF_SHARE`` of the usual draw."""
    with np.errstate(invalid="ignore"):
        off: BoolArray = baseline_ready & (usual >= FRIDGE_MIN_USUAL_W) & (power <= FRIDGE_OFF_SHARE * usual)
    return off


def model_evidence(values: FloatArray, expected: FloatArray, usual: FloatArray, baseline_ready: BoolArray) -> BoolArray:
    """Per hour and analogue sensor ((n, 3), NaN = missing): whether the hour's reading supports the
    sensor's class — the sensor has a baseline of its own and reads far enough from its usual."""
    temperature, humidity, power = (values[:, sensor] for sensor in range(3))
    with np.errstate(invalid="ignore"):
        supported: BoolArray = (
            np.column_stack(
                [
                    (temperature <= expected[:, 0] - TEMPERATURE_MIN_DROP_C) & (temperature <= TEMPERATURE_COLD_C),
                    humidity >= expected[:, 1] + HUMIDITY_MIN_RISE_PCT,
                    power <= FRIDGE_LOW_SHARE * usual[:, 2],
                ]
            )
            & baseline_ready
        )
    return supported
