"""Normal behaviour of a household: what the five sensors report when nothing is wrong."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custom_components.home_anomaly.engine.arrays import BoolArray, FloatArray, Int8Array, IntArray

from .params import Climate, HouseholdParams
from .timegrid import FINE_STEP_MINUTES, MINUTES_PER_DAY, TimeGrid

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
SHOWER_RISE_PCT = (20.0, 30.0)
# A leak is "outside shower times" when it keeps this far from every shower.
SHOWER_CLEARANCE_BEFORE_MIN = 60.0
SHOWER_CLEARANCE_AFTER_MIN = 180.0


@dataclass
class NormalSignals:
    """Output-grid readings of a household with no anomaly, before any dropout."""

    temperature_c: FloatArray
    humidity_pct: FloatArray
    fridge_power_w: FloatArray
    front_door_open: Int8Array
    fire_alarm: Int8Array
    # Samples a humidity leak must avoid (a shower is near).
    near_shower: BoolArray
    # Samples where the household itself opened the door between 00:00 and 05:00.
    night_door_samples: IntArray


def seasonal_offset(day_of_year: FloatArray, climate: Climate) -> FloatArray:
    """A smooth periodic curve in [-1, 1]: -1 on the coldest day, +1 on the warmest.

    The year is warped so that the rise (coldest → warmest) and the fall take their own
    lengths; the cosine's zero slope at both extremes keeps the curve smooth there.
    """
    rise_days = (climate.warmest_day - climate.coldest_day) % 365
    since_coldest = (day_of_year - climate.coldest_day) % 365
    phase = np.where(
        since_coldest < rise_days,
        np.pi * since_coldest / rise_days,
        np.pi + np.pi * (since_coldest - rise_days) / (365 - rise_days),
    )
    curve: FloatArray = -np.cos(phase)
    return curve


def simulate_normal(params: HouseholdParams, grid: TimeGrid, rng: np.random.Generator) -> NormalSignals:
    fine_minutes = grid.fine_minutes()
    season = seasonal_offset(grid.day_of_year(fine_minutes), params.climate)
    weeks = fine_minutes / MINUTES_PER_WEEK
    hour = grid.hour_of_day(fine_minutes)

    temperature_fine = (
        params.base_temp
        + params.climate.temp_amplitude_c * season
        + params.temp_drift_per_week * weeks
        + params.daily_amplitude * np.cos(2 * np.pi * (hour - params.peak_hour) / 24.0)
    )

    shower_minutes = _shower_times(params, grid, rng)
    humidity_fine = (
        params.base_humidity
        + params.climate.humidity_amplitude_pct * season
        + params.humid_drift_per_week * weeks
        + _shower_humidity(shower_minutes, params.shower_decay_minutes, grid, rng)
    )

    fridge_phase = rng.uniform(0.0, 2 * np.pi)
    fridge_fine = params.fridge_base + params.fridge_cycle_amplitude * np.sin(
        2 * np.pi * fine_minutes / (params.fridge_cycle_period_h * 60.0) + fridge_phase
    )

    n = grid.n_samples
    temperature = grid.aggregate_mean(temperature_fine) + rng.normal(0.0, params.noise_temp, n)
    humidity = np.clip(grid.aggregate_mean(humidity_fine) + rng.normal(0.0, params.noise_humid, n), 0.0, 100.0)
    fridge_power = np.maximum(grid.aggregate_mean(fridge_fine) + rng.normal(0.0, params.noise_fridge, n), 0.0)

    day_openings, night_openings = _door_openings(params, grid, rng)
    door = np.zeros(n, dtype=np.int8)
    door[_sample_index(day_openings, grid)] = 1
    night_samples = np.unique(_sample_index(night_openings, grid))
    door[night_samples] = 1

    return NormalSignals(
        temperature_c=temperature,
        humidity_pct=humidity,
        fridge_power_w=fridge_power,
        front_door_open=door,
        fire_alarm=np.zeros(n, dtype=np.int8),
        near_shower=_near(shower_minutes, grid),
        night_door_samples=night_samples,
    )


def _sample_index(minutes: FloatArray, grid: TimeGrid) -> IntArray:
    return np.clip((minutes // grid.step_minutes).astype(np.int64), 0, grid.n_samples - 1)


def _shower_times(params: HouseholdParams, grid: TimeGrid, rng: np.random.Generator) -> FloatArray:
    """Minutes since start of every shower: household slots, thinned, jittered, later at weekends."""
    days = np.arange(grid.days)
    weekend = (grid.start.weekday() + days) % 7 >= 5
    times = []
    for slot_hour in params.shower_hours:
        taken = rng.random(grid.days) < params.shower_probability
        delay_h = np.where(weekend & (slot_hour < 12.0), params.weekend_shower_delay_h, 0.0)
        jitter_min = rng.normal(0.0, 20.0, grid.days)
        minutes = days * MINUTES_PER_DAY + (slot_hour + delay_h) * 60.0 + jitter_min
        times.append(minutes[taken])
    all_times = np.sort(np.concatenate(times)) if times else np.zeros(0)
    return all_times[(all_times >= 0) & (all_times < grid.days * MINUTES_PER_DAY)]


def _shower_humidity(
    shower_minutes: FloatArray, decay_minutes: float, grid: TimeGrid, rng: np.random.Generator
) -> FloatArray:
    """Each shower lifts humidity by +20–30 %RH at once, then it decays exponentially."""
    impulses = np.zeros(grid.n_fine)
    rises = rng.uniform(*SHOWER_RISE_PCT, size=shower_minutes.size)
    np.add.at(impulses, (shower_minutes // FINE_STEP_MINUTES).astype(np.int64), rises)
    lag = np.arange(int(6 * decay_minutes / FINE_STEP_MINUTES)) * FINE_STEP_MINUTES
    kernel = np.exp(-lag / decay_minutes)
    return np.convolve(impulses, kernel)[: grid.n_fine]


def _near(shower_minutes: FloatArray, grid: TimeGrid) -> BoolArray:
    starts = grid.sample_minutes()
    ends = starts + grid.step_minutes
    near = np.zeros(grid.n_samples, dtype=bool)
    for shower in shower_minutes:
        near |= (ends > shower - SHOWER_CLEARANCE_BEFORE_MIN) & (starts < shower + SHOWER_CLEARANCE_AFTER_MIN)
    return near


def _door_openings(params: HouseholdParams, grid: TimeGrid, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Minutes since start of each front-door opening: (05:00–24:00 openings, night openings).

    Routine: on working days leave in the morning and return in the evening; at weekends a
    later outing; errands on some days; occasional single openings (post, visitors). Night
    openings (00:00–05:00) are rare and always an anomaly (class 4).
    """
    day_minutes: list[float] = []
    for day in range(grid.days):
        midnight = day * MINUTES_PER_DAY
        weekend = (grid.start.weekday() + day) % 7 >= 5
        trips: list[tuple[float, float]] = []
        if not weekend and rng.random() < params.works_weekdays_probability:
            trips.append(
                (params.weekday_leave_hour + rng.normal(0, 0.25), params.weekday_return_hour + rng.normal(0, 0.5))
            )
        if weekend and rng.random() < params.weekend_outing_probability:
            leave = rng.uniform(9.5, 14.0)
            trips.append((leave, leave + rng.uniform(1.0, 5.0)))
        if rng.random() < params.errand_probability:
            leave = rng.uniform(10.0, 20.0)
            trips.append((leave, leave + rng.uniform(0.3, 2.0)))
        for leave_h, return_h in trips:
            day_minutes.extend(midnight + 60.0 * h for h in (leave_h, return_h) if 5.0 <= h < 24.0)
        extra = rng.poisson(params.day_open_rate_per_h * 19.0)
        day_minutes.extend(midnight + 60.0 * rng.uniform(5.0, 24.0, extra))

    night_count = rng.poisson(params.night_open_rate_per_h * 5.0, grid.days)
    night_minutes = [
        day * MINUTES_PER_DAY + 60.0 * rng.uniform(0.0, 5.0)
        for day in range(grid.days)
        for _ in range(night_count[day])
    ]
    return np.asarray(day_minutes, dtype=np.float64), np.asarray(night_minutes, dtype=np.float64)
