"""The household model: labels that never contradict the data, and routines a user recognises."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.home_anomaly.engine.schema import AnomalyClass
from simulator import TimeGrid, simulate_household
from simulator.household import ROLE_CLASS, HouseholdSeries
from simulator.params import CLIMATES
from simulator.routines import seasonal_offset

START = datetime(2025, 1, 1)
HOURLY_180_DAYS = TimeGrid(START, 180, 60)


def _signals(series: HouseholdSeries) -> tuple[np.ndarray, np.ndarray]:
    """(observed, normal) readings as (n, 5) arrays in sensor order."""
    o, n = series.observed, series.normal
    observed = np.column_stack(
        [o.temperature_c, o.humidity_pct, o.fridge_power_w, o.front_door_open, o.fire_alarm]
    ).astype(float)
    normal = np.column_stack(
        [n.temperature_c, n.humidity_pct, n.fridge_power_w, n.front_door_open, n.fire_alarm]
    ).astype(float)
    return observed, normal


def _check_labels_match_data(series: HouseholdSeries, grid: TimeGrid) -> None:
    labels = series.observed.anomaly_class.astype(int)
    observed, normal = _signals(series)
    missing = np.column_stack([series.missing, np.zeros((labels.size, 2), dtype=bool)])

    # Priority: each sample's label is the highest class among the episodes covering it.
    highest = np.zeros(labels.size, dtype=int)
    inside = np.zeros(labels.size, dtype=bool)
    for episode in series.episodes:
        highest[episode.start : episode.end + 1] = np.maximum(
            highest[episode.start : episode.end + 1], int(episode.anomaly_class)
        )
        inside[episode.start : episode.end + 1] = True
    np.testing.assert_array_equal(labels, highest)

    # Outside every episode the home reads exactly as its anomaly-free twin (where not missing).
    outside = ~inside[:, None] & ~missing
    np.testing.assert_array_equal(observed[outside], normal[outside])

    # Every episode shows on its sensor in each sample that carries its label.
    for episode in series.episodes:
        span = np.arange(episode.start, episode.end + 1)
        own = span[labels[span] == int(episode.anomaly_class)]
        assert own.size > 0, f"{episode} is hidden under higher-priority episodes"
        match episode.anomaly_class:
            case AnomalyClass.TEMPERATURE:
                assert not series.missing[own, 0].any()
                assert np.all(observed[own, 0] <= normal[own, 0] - 4.0)
            case AnomalyClass.HUMIDITY:
                assert not series.missing[own, 1].any()
                assert np.all((observed[own, 1] >= normal[own, 1] + 20.0) | (observed[own, 1] == 100.0))
                assert not series.normal.near_shower[span].any(), "a humidity leak overlaps a shower"
            case AnomalyClass.FRIDGE:
                assert np.all(observed[own, 2] == 0.0)
            case AnomalyClass.DOOR:
                assert np.all(observed[own, 3] == 1)
            case AnomalyClass.FIRE:
                assert np.all(observed[own, 4] == 1)

    # Every front-door opening between 00:00 and 05:00 is an anomaly.
    hours = grid.hour_of_day(grid.sample_minutes())
    night_open = (observed[:, 3] == 1) & (hours < 5)
    assert np.all(labels[night_open] >= int(AnomalyClass.DOOR))

    # A role the home has no sensor for is missing throughout and reads 0; nothing is injected there.
    absent = [("temperature", "humidity", "fridge").index(role) for role in series.params.absent_roles]
    for sensor in absent:
        assert series.missing[:, sensor].all() and not observed[:, sensor].any()
    # Dropped samples repeat the previous reading.
    for sensor in (s for s in range(3) if s not in absent):
        gaps = np.flatnonzero(series.missing[:, sensor])
        assert 0 not in gaps
        np.testing.assert_array_equal(observed[gaps, sensor], observed[gaps - 1, sensor])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    user_number=st.integers(1, 999),
    days=st.integers(1, 60),
    step_minutes=st.sampled_from([60, 30, 5]),
    events_per_class=st.integers(0, 4),
)
def test_labels_never_contradict_the_data(
    seed: int, user_number: int, days: int, step_minutes: int, events_per_class: int
) -> None:
    grid = TimeGrid(START, min(days, 6) if step_minutes == 5 else days, step_minutes)
    _check_labels_match_data(simulate_household(seed, user_number, grid, events_per_class), grid)


@pytest.mark.parametrize("user_number", range(1, 9))
def test_default_household_has_every_class_with_spec_durations(user_number: int) -> None:
    series = simulate_household(123, user_number, HOURLY_180_DAYS)
    _check_labels_match_data(series, HOURLY_180_DAYS)
    injected = {cls: [e for e in series.episodes if e.anomaly_class is cls] for cls in AnomalyClass if cls}
    absent = {ROLE_CLASS[role] for role in series.params.absent_roles}
    for cls, episodes in injected.items():
        assert len(episodes) >= (0 if cls in absent else 3), f"{cls.name}: {len(episodes)} episodes"
        assert not (cls in absent and episodes), f"{cls.name} injected in a home without its sensor"
    temperature_hours = [e.length for e in injected[AnomalyClass.TEMPERATURE]]
    assert all(2 <= h <= 168 for h in temperature_hours)
    assert all(2 <= e.length <= 4 for e in injected[AnomalyClass.HUMIDITY])
    assert all(2 <= e.length <= 3 for e in injected[AnomalyClass.FRIDGE])
    assert all(e.length == 1 for e in injected[AnomalyClass.DOOR])
    assert all(1 <= e.length <= 2 for e in injected[AnomalyClass.FIRE])
    drops = [e.magnitude for e in injected[AnomalyClass.TEMPERATURE]]
    assert all(5.0 <= d <= 10.0 for d in drops)


def test_temperature_peaks_in_the_afternoon() -> None:
    for user_number in range(1, 11):
        series = simulate_household(7, user_number, HOURLY_180_DAYS)
        hours = np.arange(HOURLY_180_DAYS.n_samples) % 24
        mean_by_hour = [series.normal.temperature_c[hours == h].mean() for h in range(24)]
        assert 13 <= int(np.argmax(mean_by_hour)) <= 18
        assert int(np.argmin(mean_by_hour)) in {*range(0, 7), *range(22, 24)}


def test_showers_raise_bathroom_humidity_at_the_households_shower_times() -> None:
    for user_number in range(1, 11):
        series = simulate_household(7, user_number, HOURLY_180_DAYS)
        hours = np.arange(HOURLY_180_DAYS.n_samples) % 24
        mean_by_hour = np.array([series.normal.humidity_pct[hours == h].mean() for h in range(24)])
        evening_shower = int(series.params.shower_hours[-1 if len(series.params.shower_hours) < 3 else -2])
        shower_hours = [int(h) % 24 for h in series.params.shower_hours]
        # The most humid hour of the day is a shower hour (or the hour right after one).
        assert any(int(np.argmax(mean_by_hour)) in (h, (h + 1) % 24) for h in shower_hours)
        assert mean_by_hour[evening_shower : evening_shower + 2].max() > mean_by_hour[3] + 5.0
        # A shower lifts the hour's reading towards 70–90 %RH on the days it happens.
        assert series.normal.humidity_pct.max() > series.params.base_humidity + 15.0


def test_seasons_are_a_smooth_full_year_curve() -> None:
    days = np.arange(0, 365 * 2, 0.25)
    for climate in CLIMATES:
        curve = seasonal_offset(days, climate)
        assert curve.min() == pytest.approx(-1.0, abs=1e-3)
        assert curve.max() == pytest.approx(1.0, abs=1e-3)
        assert np.abs(np.diff(curve)).max() < 0.02  # no jumps
        np.testing.assert_allclose(curve[: 365 * 4], curve[365 * 4 :], atol=1e-9)  # yearly
        assert seasonal_offset(np.array([climate.coldest_day]), climate)[0] == pytest.approx(-1.0)
        assert seasonal_offset(np.array([climate.warmest_day]), climate)[0] == pytest.approx(1.0)


def test_door_routine_matches_real_homes() -> None:
    """3.6–4.6 openings a day in real homes; hourly samples count hours with an opening."""
    grid = HOURLY_180_DAYS
    per_day = []
    weekday_morning, weekend_morning = [], []
    hours = np.arange(grid.n_samples) % 24
    weekend = grid.is_weekend(grid.sample_minutes())
    for user_number in range(1, 21):
        door = simulate_household(11, user_number, grid).normal.front_door_open
        per_day.append(door.sum() / grid.days)
        weekday_morning.append(door[(hours >= 6) & (hours < 10) & ~weekend].mean())
        weekend_morning.append(door[(hours >= 6) & (hours < 10) & weekend].mean())
    assert 2.8 <= np.mean(per_day) <= 4.6
    # People leave for work on weekdays; weekend mornings are quieter.
    assert np.mean(weekday_morning) > 1.5 * np.mean(weekend_morning)


def test_dropouts_happen_and_are_flagged() -> None:
    # Dropouts of installed sensors (a role without a sensor is missing throughout, see below).
    missing = np.concatenate(
        [simulate_household(5, u, HOURLY_180_DAYS, absent_roles=False).missing for u in range(1, 31)]
    )
    share = missing.mean()
    assert 0.0 < share < 0.05


def test_same_seed_same_household_other_seed_different() -> None:
    grid = TimeGrid(START, 10, 60)
    a, b = simulate_household(1, 4, grid), simulate_household(1, 4, grid)
    c = simulate_household(2, 4, grid)
    np.testing.assert_array_equal(_signals(a)[0], _signals(b)[0])
    assert not np.array_equal(_signals(a)[0], _signals(c)[0])
