"""Sensor state text → readings, and the engine's PSI helpers."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.home_anomaly.engine.drift import bin_shares, psi, psi_status, reference_distribution
from custom_components.home_anomaly.engine.readings import (
    DOOR,
    HUMIDITY,
    POWER,
    SMOKE,
    TEMPERATURE,
    parse_reading,
    read_state,
)


@pytest.mark.parametrize(
    ("sensor", "state", "expected"),
    [
        (TEMPERATURE, "21.5", 21.5),
        (TEMPERATURE, " 21.5 ", 21.5),
        (TEMPERATURE, "23,5", 23.5),  # decimal comma
        (TEMPERATURE, "1,234.5", None),  # a thousands separator is not a decimal comma
        (TEMPERATURE, "unknown", None),
        (TEMPERATURE, "unavailable", None),
        (TEMPERATURE, "", None),
        (TEMPERATURE, "nan", None),
        (TEMPERATURE, "inf", None),
        (TEMPERATURE, "1e308", None),
        (TEMPERATURE, None, None),
        (TEMPERATURE, "-12.0", -12.0),  # a cold room is a reading, not an error
        (HUMIDITY, "104", 100.0),
        (HUMIDITY, "-3", 0.0),
        (POWER, "-5", None),
        (POWER, "0", 0.0),
        (DOOR, "on", 1.0),
        (DOOR, "off", 0.0),
        (DOOR, "open", None),
        (SMOKE, "ON", 1.0),
        (SMOKE, "unavailable", None),
    ],
)
def test_parse_reading(sensor: int, state: str | None, expected: float | None) -> None:
    assert parse_reading(sensor, state) == expected


@pytest.mark.parametrize(
    ("sensor", "state", "reason"),
    [
        (TEMPERATURE, "21.5", None),
        (TEMPERATURE, "23,5", None),  # read as 23.5: nothing to report
        (TEMPERATURE, "unknown", None),  # Home Assistant's own "no value" is normal, not logged
        (TEMPERATURE, "unavailable", None),
        (TEMPERATURE, "", None),
        (TEMPERATURE, "nan", "not a finite number"),
        (TEMPERATURE, "-inf", "not a finite number"),
        (TEMPERATURE, "1e308", "implausible magnitude (above 1e+06)"),
        (TEMPERATURE, "warm", "not a number"),
        (HUMIDITY, "104", "humidity outside 0-100 %, clipped"),
        (POWER, "-5", "negative power"),
        (DOOR, "open", "not on or off"),
    ],
)
def test_read_state_says_why_a_state_was_not_used_as_it_is(sensor: int, state: str, reason: str | None) -> None:
    value, problem = read_state(sensor, state)
    assert problem == reason
    assert value == parse_reading(sensor, state)


def test_reference_distribution_and_psi() -> None:
    rng = np.random.default_rng(0)
    reference = rng.normal(0, 1, 10_000)
    distribution = reference_distribution(reference, binary=False)
    assert len(distribution["edges"]) == 9
    np.testing.assert_allclose(distribution["proportions"], 0.1, atol=0.01)
    same = psi(np.asarray(distribution["proportions"]), bin_shares(rng.normal(0, 1, 10_000), distribution["edges"]))
    shifted = psi(np.asarray(distribution["proportions"]), bin_shares(rng.normal(1, 1, 10_000), distribution["edges"]))
    assert psi_status(same) == "ok"
    assert psi_status(shifted) == "alert"
    assert psi_status(0.15) == "warn"
    binary = reference_distribution(np.array([0.0] * 90 + [1.0] * 10), binary=True)
    assert binary == {"edges": [0.5], "proportions": [0.9, 0.1]}
