"""Readings in the model's units: the engine applies a conversion it is given, then its checks."""

from __future__ import annotations

import pytest

from custom_components.home_anomaly.engine.readings import (
    HUMIDITY,
    MODEL_UNITS,
    POWER,
    SMOKE,
    TEMPERATURE,
    parse_reading,
    read_state,
)
from custom_components.home_anomaly.engine.schema import ANALOG_SENSOR_COLUMNS


def kilowatts_to_watts(value: float) -> float:
    return value * 1000


def milliwatts_to_watts(value: float) -> float:
    return value / 1000


def fahrenheit_to_celsius(value: float) -> float:
    return (value - 32) / 1.8


def test_the_model_units_are_the_units_of_the_trained_columns() -> None:
    suffixes = {"c": "°C", "pct": "%", "w": "W"}
    assert [MODEL_UNITS[sensor] for sensor in (TEMPERATURE, HUMIDITY, POWER)] == [
        suffixes[column.rsplit("_", 1)[1]] for column in ANALOG_SENSOR_COLUMNS
    ]
    assert SMOKE not in MODEL_UNITS  # on/off has no unit


def test_the_conversion_is_applied_to_the_number() -> None:
    assert parse_reading(POWER, "0.151", kilowatts_to_watts) == pytest.approx(151.0)
    assert parse_reading(POWER, "0,151", kilowatts_to_watts) == pytest.approx(151.0)  # decimal comma too
    assert parse_reading(TEMPERATURE, "70.34", fahrenheit_to_celsius) == pytest.approx(21.3)
    assert parse_reading(TEMPERATURE, "21.3") == 21.3  # no conversion: already in the model's unit


def test_the_checks_apply_in_the_model_units() -> None:
    # 2,000,000 mW is a 2 kW kettle, not a broken sensor; 2,000 kW is.
    assert read_state(POWER, "2000000", milliwatts_to_watts) == (pytest.approx(2000.0), None)
    assert read_state(POWER, "2000", kilowatts_to_watts) == (None, "implausible magnitude (above 1e+06)")
    assert read_state(POWER, "-0.1", kilowatts_to_watts) == (None, "negative power")
    assert read_state(TEMPERATURE, "nan", fahrenheit_to_celsius) == (None, "not a finite number")


def test_states_without_a_value_are_never_converted() -> None:
    def refuse(value: float) -> float:
        raise AssertionError("converted a state that has no value")

    assert read_state(POWER, "unavailable", refuse) == (None, None)
    assert read_state(POWER, "warm", refuse) == (None, "not a number")
    assert read_state(SMOKE, "on", refuse) == (1.0, None)
