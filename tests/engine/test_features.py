"""The feature contract: state changes → hourly samples → model input."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.home_anomaly.engine.features import (
    FEATURE_NAMES,
    N_FEATURES,
    HourAggregator,
    HourlySample,
    HourlyTable,
    aggregate_readings,
    fill_hour_gaps,
    model_features,
    sliding_windows,
)

T0 = datetime(2025, 3, 10, 14, 0)
TEMPERATURE, HUMIDITY, POWER, DOOR, SMOKE = range(5)


def test_feature_names_follow_sensor_order() -> None:
    assert FEATURE_NAMES[:3] == ("temperature_dev", "humidity_dev", "fridge_power_dev")
    assert FEATURE_NAMES[6:8] == ("front_door_open", "fire_alarm")
    assert "is_night" in FEATURE_NAMES  # night door openings are unlearnable without the hour
    assert len(FEATURE_NAMES) == N_FEATURES


def test_analogue_hour_is_the_time_weighted_mean() -> None:
    hour = HourAggregator(T0, carried=[20.0, None, None, 0.0, 0.0])
    hour.add(TEMPERATURE, T0 + timedelta(minutes=30), 22.0)  # 20 °C for 30 min, then 22 °C
    assert hour.close().values[0] == pytest.approx(21.0)


def test_unavailable_stretches_are_left_out_not_counted_as_zero() -> None:
    hour = HourAggregator(T0, carried=[None, None, 150.0, 0.0, 0.0])
    hour.add(POWER, T0 + timedelta(minutes=15), None)  # plug unavailable for 45 min
    assert hour.close().values[2] == 150.0
    silent = HourAggregator(T0, carried=[None, None, None, 0.0, 0.0])
    assert silent.close().values[:3] == (None, None, None)


def test_a_steady_reading_survives_exactly() -> None:
    hour = HourAggregator(T0, carried=[21.37, 48.21, 151.3, 0.0, 0.0])
    hour.add(TEMPERATURE, T0 + timedelta(minutes=5), 21.37)  # re-reported, unchanged
    assert hour.close().values[:3] == (21.37, 48.21, 151.3)


def test_a_door_blip_inside_the_hour_counts_as_open() -> None:
    hour = HourAggregator(T0, carried=[None, None, None, 0.0, 0.0])
    moment = T0 + timedelta(minutes=42, seconds=7)
    hour.add(DOOR, moment, 1.0)
    hour.add(DOOR, moment, 0.0)  # opened and closed within the same second
    sample = hour.close()
    assert sample.values[3] == 1.0
    assert sample.values[4] == 0.0
    assert hour.carry_out()[3] == 0.0


def test_a_door_left_open_carries_into_the_next_hour() -> None:
    samples = aggregate_readings([(DOOR, T0 + timedelta(minutes=50), 1.0)], T0, T0 + timedelta(hours=3))
    assert [s.values[3] for s in samples] == [1.0, 1.0, 1.0]


def test_readings_outside_the_hour_are_refused() -> None:
    hour = HourAggregator(T0)
    with pytest.raises(ValueError, match="outside the hour"):
        hour.add(TEMPERATURE, T0 + timedelta(hours=1), 20.0)


def test_aggregate_readings_carries_state_across_hours() -> None:
    readings = [
        (TEMPERATURE, T0 - timedelta(hours=2), 19.0),  # before start: only sets what is carried in
        (TEMPERATURE, T0 + timedelta(hours=1, minutes=30), 23.0),
        (HUMIDITY, T0 + timedelta(minutes=10), None),
    ]
    samples = aggregate_readings(readings, T0, T0 + timedelta(hours=3))
    assert [s.hour_start for s in samples] == [T0 + timedelta(hours=h) for h in range(3)]
    assert [s.values[0] for s in samples] == [19.0, pytest.approx(21.0), 23.0]
    assert all(s.values[1] is None for s in samples)


def test_missing_hours_are_filled_so_windows_stay_consecutive() -> None:
    samples = [
        HourlySample(T0, (20.0, 45.0, 150.0, 0.0, 0.0)),
        HourlySample(T0 + timedelta(hours=3), (20.0, 45.0, 150.0, 0.0, 0.0)),
    ]
    filled = fill_hour_gaps(samples)
    assert [s.hour_start.hour for s in filled] == [14, 15, 16, 17]
    assert filled[1].values[:3] == (None, None, None)


def _steady_table(days: int, temperature: float) -> HourlyTable:
    hours = [datetime(2025, 1, 1) + timedelta(hours=h) for h in range(days * 24)]
    rng = np.random.default_rng(0)
    values = np.column_stack(
        [
            temperature + rng.normal(0, 0.3, len(hours)),
            45 + rng.normal(0, 2, len(hours)),
            150 + rng.normal(0, 2, len(hours)),
            np.zeros(len(hours)),
            np.zeros(len(hours)),
        ]
    )
    return HourlyTable(hours, values)


def test_normalisation_is_per_household() -> None:
    """A warm home and a cool home both read as typical once each has its own history."""
    warm = model_features(_steady_table(10, 24.0))
    cool = model_features(_steady_table(10, 19.0))
    assert abs(warm[-24:, 0].mean()) < 0.5
    assert abs(cool[-24:, 0].mean()) < 0.5
    assert warm[-1, 3] > cool[-1, 3]  # the absolute level still tells them apart


def test_a_heating_failure_stands_out_against_the_homes_own_baseline() -> None:
    table = _steady_table(10, 21.0)
    table.values[-5:, 0] -= 7.0
    features = model_features(table)
    assert features[-1, 0] < -5.0
    assert abs(features[-10, 0]) < 3.0


def test_time_features_mark_the_night() -> None:
    features = model_features(_steady_table(2, 21.0))
    night = features[:, FEATURE_NAMES.index("is_night")]
    assert night[:5].tolist() == [1, 1, 1, 1, 1]
    assert night[5:24].sum() == 0
    assert features[0, FEATURE_NAMES.index("hour_cos")] == pytest.approx(1.0)


def test_missing_values_are_forward_filled_and_masked() -> None:
    table = _steady_table(3, 21.0)
    table.values[30:33, 1] = math.nan
    features = model_features(table)
    mask = features[:, FEATURE_NAMES.index("humidity_missing")]
    assert mask[30:33].tolist() == [1, 1, 1]
    assert mask.sum() == 3
    np.testing.assert_array_equal(features[30:33, 1], features[29, 1] * np.ones(3, dtype=np.float32))


def test_first_row_only_trims_the_output() -> None:
    table = _steady_table(35, 21.0)
    full = model_features(table)
    tail = model_features(table, first_row=len(table.hour_starts) - 32)
    np.testing.assert_array_equal(full[-32:], tail)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 60), st.integers(1, 40))
def test_sliding_windows_are_consecutive_rows(rows: int, window: int) -> None:
    features = np.arange(rows * N_FEATURES, dtype=np.float32).reshape(rows, N_FEATURES)
    windows = sliding_windows(features, window)
    assert windows.shape == (max(rows - window + 1, 0), window, N_FEATURES)
    for start in range(windows.shape[0]):
        np.testing.assert_array_equal(windows[start], features[start : start + window])


def test_latest_is_the_hour_as_it_stands_now() -> None:
    hour = HourAggregator(T0, carried=[21.0, 45.0, 150.0, 0.0, 0.0])
    hour.add(POWER, T0 + timedelta(minutes=50), 0.0)  # the fridge died ten minutes ago
    hour.add(DOOR, T0 + timedelta(minutes=5), 1.0)
    hour.add(DOOR, T0 + timedelta(minutes=6), 0.0)
    hour.add(HUMIDITY, T0 + timedelta(minutes=7), None)
    latest = hour.latest()
    assert latest.values == (21.0, None, 0.0, 1.0, 0.0)
    assert hour.close().values[2] == pytest.approx(150.0 * 50 / 60)  # the mean still dilutes it


def _local_hours_of_a_day(zone: str, day: str) -> list[int]:
    """Hour buckets are UTC instants; labelled in local time, a DST day keeps every real hour."""
    from zoneinfo import ZoneInfo

    local = ZoneInfo(zone)
    midnight = datetime.fromisoformat(f"{day}T00:00:00").replace(tzinfo=local)
    next_midnight = (midnight + timedelta(days=1)).replace(tzinfo=local)
    start, end = midnight.astimezone(UTC), next_midnight.astimezone(UTC)
    readings = [(0, start + timedelta(minutes=30 * i), 20.0 + i % 3) for i in range(60)]
    samples = fill_hour_gaps(aggregate_readings(readings, start, end))
    return [s.hour_start.astimezone(local).hour for s in samples]


def test_daylight_saving_days_neither_merge_nor_invent_hours() -> None:
    autumn = _local_hours_of_a_day("Europe/Berlin", "2025-10-26")
    assert len(autumn) == 25
    assert autumn[:4] == [0, 1, 2, 2]  # 02:00 happens twice, as two hours
    spring = _local_hours_of_a_day("America/New_York", "2025-03-09")
    assert len(spring) == 23
    assert spring[:3] == [0, 1, 3]  # 02:00 does not exist that day; no phantom hour
