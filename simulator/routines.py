"""Normal behaviour of a household: what the five sensors report when nothing is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from custom_components.home_anomaly.engine.arrays import BoolArray, FloatArray, Int8Array, IntArray

from .params import Climate, HouseholdParams
from .timegrid import FINE_STEP_MINUTES, MINUTES_PER_DAY, TimeGrid

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
SHOWER_RISE_PCT = (20.0, 30.0)  # the least a shower adds; most reach the household's peak
# Samples whose mean is this far above base from a shower count as "near a shower" too.
SHOWER_VISIBLE_PCT = 5.0
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
    absences = _absences(params, grid, rng)

    temperature_fine = (
        params.base_temp
        + params.climate.temp_amplitude_c * season
        + params.temp_drift_per_week * weeks
        + params.daily_amplitude * np.cos(2 * np.pi * (hour - params.peak_hour) / 24.0)
        + _weather(params, grid, rng)
        - np.maximum(_setback(params, grid), _absence_cooling(params, absences, grid))
    )

    shower_minutes = _shower_times(params, grid, rng, absences)
    humidity_base = (
        params.base_humidity + params.climate.humidity_amplitude_pct * season + params.humid_drift_per_week * weeks
    )
    shower_excess = _shower_humidity(params, shower_minutes, humidity_base, grid, rng)
    humidity_fine = humidity_base + shower_excess

    fridge_fine = _fridge_power(params, grid, temperature_fine, rng)

    n = grid.n_samples
    temperature = grid.aggregate_mean(temperature_fine) + rng.normal(0.0, params.noise_temp, n)
    humidity = np.clip(grid.aggregate_mean(humidity_fine) + rng.normal(0.0, params.noise_humid, n), 0.0, 100.0)
    fridge_power = np.maximum(grid.aggregate_mean(fridge_fine) + rng.normal(0.0, params.noise_fridge, n), 0.0)
    temperature, humidity, fridge_power = quantise(params, temperature, humidity, fridge_power)

    day_openings, night_openings = _door_openings(params, grid, rng, absences)
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
        near_shower=_near(shower_minutes, grid) | (grid.aggregate_mean(shower_excess) > SHOWER_VISIBLE_PCT),
        night_door_samples=night_samples,
    )


def quantise(
    params: HouseholdParams, temperature: FloatArray, humidity: FloatArray, fridge_power: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Readings at the sensors' own resolution (e.g. 0.5 °C, 1 %RH, 1 W)."""
    return (
        _round_to(temperature, params.temp_step_c),
        _round_to(humidity, params.humidity_step_pct),
        _round_to(fridge_power, params.power_step_w),
    )


def _round_to(values: FloatArray, step: float) -> FloatArray:
    if step <= 0:
        return values
    rounded: FloatArray = np.round(np.round(values / step) * step, 6)
    return rounded


def _ar1(n: int, tau: float, sigma: float, rng: np.random.Generator) -> FloatArray:
    """A stationary AR(1) series of ``n`` steps with correlation time ``tau`` steps and std ``sigma``."""
    phi = float(np.exp(-1.0 / tau))
    shocks = cast(list[float], rng.normal(0.0, sigma * np.sqrt(1.0 - phi * phi), n).tolist())
    state = float(rng.normal(0.0, sigma))
    out: list[float] = []
    for shock in shocks:
        state = phi * state + shock
        out.append(state)
    return np.asarray(out, dtype=np.float64)


def _weather(params: HouseholdParams, grid: TimeGrid, rng: np.random.Generator) -> FloatArray:
    """Indoor effect of outdoor weather: a slow AR(1) random walk of spells lasting hours to days.

    Cold spells pull the living room below its usual value for that hour (the heating does not
    keep up, or is turned down), warm and sunny spells push it above. Hourly steps, linearly
    interpolated onto the 5-minute grid.
    """
    hours = grid.days * 24 + 1
    hourly = _ar1(hours, params.weather_tau_h, params.weather_sigma_c, rng)
    weather: FloatArray = np.interp(grid.fine_minutes() / 60.0, np.arange(hours), hourly)
    return weather


def _lagged_drop(
    minutes: FloatArray, starts: FloatArray, ends: FloatArray, depth: float, tau_down: float, tau_up: float
) -> FloatArray:
    """Cooling (≥ 0) of a room whose setpoint is lowered by ``depth`` from each start to each end.

    The room approaches the lower setpoint with time constant ``tau_down`` and recovers with
    ``tau_up`` once the heating is back (minutes; intervals sorted and not overlapping).
    """
    drop = np.zeros(minutes.size)
    if starts.size == 0 or depth <= 0:
        return drop
    index = np.searchsorted(starts, minutes, side="right") - 1
    known = index >= 0
    i = index[known]
    t = minutes[known]
    since_start = t - starts[i]
    length = ends[i] - starts[i]
    at_end = depth * (1.0 - np.exp(-length / tau_down))
    inside = since_start < length
    drop[known] = np.where(
        inside,
        depth * (1.0 - np.exp(-since_start / tau_down)),
        at_end * np.exp(-(since_start - length) / tau_up),
    )
    return drop


def _setback(params: HouseholdParams, grid: TimeGrid) -> FloatArray:
    """Night setback of the heating schedule: cooler from bedtime to waking (later at weekends)."""
    if params.setback_c <= 0:
        return np.zeros(grid.n_fine)
    days = np.arange(-1, grid.days).astype(np.float64)
    next_weekend = (grid.start.weekday() + days + 1) % 7 >= 5
    starts: FloatArray = days * MINUTES_PER_DAY + params.bed_hour * 60.0
    wake = params.wake_hour + np.where(next_weekend, params.weekend_wake_delay_h, 0.0)
    ends = (days + 1) * MINUTES_PER_DAY + wake * 60.0
    return _lagged_drop(grid.fine_minutes(), starts, ends, params.setback_c, 150.0, 60.0)


def _absences(params: HouseholdParams, grid: TimeGrid, rng: np.random.Generator) -> FloatArray:
    """(k, 2) minutes [leave, return) of the household's absences: weekends away, holidays."""
    count = int(rng.poisson(params.absence_rate_per_day * grid.days))
    spans = []
    for _ in range(count):
        length = rng.uniform(1.5, 10.0) * MINUTES_PER_DAY
        start = rng.uniform(0.0, max(1.0, grid.days * MINUTES_PER_DAY - length))
        start = (start // MINUTES_PER_DAY) * MINUTES_PER_DAY + rng.uniform(8.0, 18.0) * 60.0
        spans.append((start, start + length))
    spans.sort()
    merged: list[tuple[float, float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + MINUTES_PER_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return np.asarray(merged, dtype=np.float64).reshape(-1, 2)


def _absence_cooling(params: HouseholdParams, absences: FloatArray, grid: TimeGrid) -> FloatArray:
    """While nobody is home the heating runs a frost/eco setpoint: several days cooler."""
    return _lagged_drop(grid.fine_minutes(), absences[:, 0], absences[:, 1], params.absence_drop_c, 480.0, 180.0)


def _away(minutes: FloatArray, absences: FloatArray) -> BoolArray:
    away = np.zeros(minutes.size, dtype=bool)
    for start, end in absences:
        away |= (minutes >= start) & (minutes < end)
    return away


def _sample_index(minutes: FloatArray, grid: TimeGrid) -> IntArray:
    return np.clip((minutes // grid.step_minutes).astype(np.int64), 0, grid.n_samples - 1)


def _shower_times(
    params: HouseholdParams, grid: TimeGrid, rng: np.random.Generator, absences: FloatArray
) -> FloatArray:
    """Minutes since start of every shower: household slots, thinned, jittered, later at weekends;
    some days a second person showers soon after, now and then an unplanned one; none while away."""
    days = np.arange(grid.days)
    weekend = (grid.start.weekday() + days) % 7 >= 5
    times = []
    for slot_hour in params.shower_hours:
        morning = slot_hour < 12.0
        # Weekend mornings: later and more often (real homes show twice the weekday rate).
        probability = np.where(weekend & morning, min(0.98, params.shower_probability * 1.3), params.shower_probability)
        taken = rng.random(grid.days) < probability
        delay_h = np.where(weekend & morning, params.weekend_shower_delay_h, 0.0)
        jitter_min = rng.normal(0.0, 20.0, grid.days)
        minutes = days * MINUTES_PER_DAY + (slot_hour + delay_h) * 60.0 + jitter_min
        times.append(minutes[taken])
    if not any(slot < 12.0 for slot in params.shower_hours):
        weekend_days = days[weekend & (rng.random(grid.days) < 0.5)]
        times.append(weekend_days * MINUTES_PER_DAY + rng.uniform(8.5, 11.0, weekend_days.size) * 60.0)
    planned = np.concatenate(times) if times else np.zeros(0)
    doubles = planned[rng.random(planned.size) < params.double_shower_probability]
    times.append(doubles + rng.uniform(20.0, 70.0, doubles.size))
    extra_days = rng.random(grid.days) < params.extra_showers_per_day
    times.append(days[extra_days] * MINUTES_PER_DAY + rng.uniform(7.0, 23.0, int(extra_days.sum())) * 60.0)
    all_times = np.sort(np.concatenate(times))
    all_times = all_times[(all_times >= 0) & (all_times < grid.days * MINUTES_PER_DAY)]
    return all_times[~_away(all_times, absences)]


def _shower_humidity(
    params: HouseholdParams,
    shower_minutes: FloatArray,
    base: FloatArray,
    grid: TimeGrid,
    rng: np.random.Generator,
) -> FloatArray:
    """Excess humidity over ``base`` from showers (5-minute grid).

    During a shower the bathroom fills with steam up to a level near the household's peak
    (72–96 %RH; a bathroom without an extractor nearly saturates), holds for the shower and a
    few minutes after, then decays exponentially with the household's time constant. Two
    showers close together do not add up beyond saturation: the excess is the larger of the two.
    """
    excess = np.zeros(grid.n_fine)
    decay_steps = params.shower_decay_minutes / FINE_STEP_MINUTES
    for shower in shower_minutes:
        first = int(shower // FINE_STEP_MINUTES)
        if first >= grid.n_fine:
            continue
        plateau = max(1, int(round(rng.uniform(0.6, 1.4) * params.shower_plateau_minutes / FINE_STEP_MINUTES)))
        peak = min(98.0, params.shower_peak_pct + rng.normal(0.0, 3.0))
        rise = max(SHOWER_RISE_PCT[0], peak - float(base[first]))
        lag = np.arange(plateau + int(6 * decay_steps))
        curve = rise * np.where(lag < plateau, 1.0, np.exp(-(lag - plateau + 1) / decay_steps))
        last = min(grid.n_fine, first + curve.size)
        np.maximum(excess[first:last], curve[: last - first], out=excess[first:last])
    return excess


def _fridge_power(
    params: HouseholdParams, grid: TimeGrid, room_temperature: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """A refrigerator's draw on the 5-minute grid: compressor on/off cycles plus defrost heater.

    The compressor runs ``fridge_duty`` of the time (more in a warmer room) in cycles of about
    ``fridge_cycle_period_min`` whose on and off lengths vary ±25 %; off, the plug reads the
    electronics' standby. Its on-power is set so the home's average is ``fridge_base``. Frost-free
    fridges run a defrost heater every ``defrost_interval_h`` hours, after which the compressor
    runs a long recovery cycle. The off time never exceeds 50 minutes, so a working fridge never
    shows a whole hour without compressor power.
    """
    total = grid.n_fine * FINE_STEP_MINUTES
    n_cycles = int(total / (params.fridge_cycle_period_min * 0.6)) + 4
    room = np.interp(
        np.arange(n_cycles) * params.fridge_cycle_period_min,
        np.arange(grid.n_fine) * FINE_STEP_MINUTES,
        room_temperature,
    )
    duty = np.clip(params.fridge_duty * (1.0 + 0.03 * (room - 21.0)) * rng.lognormal(0.0, 0.06, n_cycles), 0.1, 0.85)
    period = params.fridge_cycle_period_min * rng.lognormal(0.0, 0.1, n_cycles)
    on = np.maximum(10.0, duty * period)
    off = np.clip((1.0 - duty) * period, 5.0, 50.0)
    defrost_mean = params.defrost_minutes if params.defrost_interval_h > 0 else 0.0
    heater_share = defrost_mean / (params.defrost_interval_h * 60.0) if params.defrost_interval_h > 0 else 0.0
    mean_duty = float(on.mean() / (on + off).mean())
    # The average budget: standby always, the heater during defrost, the compressor the rest.
    compressor_w = max(
        params.fridge_standby_w + 1.0,
        (params.fridge_base - params.fridge_standby_w - heater_share * params.defrost_power_w) / max(mean_duty, 0.05)
        + params.fridge_standby_w,
    )
    starts = np.concatenate([[-rng.uniform(0.0, period[0])], np.cumsum(on + off)[:-1]])
    on_starts, on_ends = starts, starts + on
    edges = np.arange(grid.n_fine + 1, dtype=np.float64) * FINE_STEP_MINUTES
    on_minutes = np.diff(_cumulative_on(edges, on_starts, on_ends))
    if params.fridge_inverter:
        # Continuous running at a speed that follows the load: the room, slow drift, usage.
        load = (1.0 + 0.03 * (room_temperature - 21.0)) * (
            1.0
            + np.interp(
                np.arange(grid.n_fine) / 12.0,
                np.arange(grid.days * 24 + 1),
                _ar1(grid.days * 24 + 1, 6.0, 0.03, rng),
            )
        )
        on_minutes = FINE_STEP_MINUTES * np.clip(mean_duty * load, 0.05, 1.0)
    usage_count = int(rng.poisson(params.fridge_usage_per_day * grid.days))
    usage_starts = np.sort(
        rng.integers(0, grid.days, usage_count) * MINUTES_PER_DAY + rng.uniform(7.0, 22.0, usage_count) * 60.0
    )
    usage_ends = usage_starts + rng.uniform(10.0, 40.0, usage_count)
    usage_ends = np.minimum(usage_ends, np.concatenate([usage_starts[1:], [np.inf]]))
    extra_run = np.diff(_cumulative_on(edges, usage_starts, usage_ends)) / FINE_STEP_MINUTES
    on_minutes = np.minimum(FINE_STEP_MINUTES, on_minutes + FINE_STEP_MINUTES * extra_run * 0.4)
    power = params.fridge_standby_w + (compressor_w - params.fridge_standby_w) * on_minutes / FINE_STEP_MINUTES
    if params.defrost_interval_h > 0:
        interval = params.defrost_interval_h * 60.0
        count = int(total / interval) + 2
        heater_starts = (
            rng.uniform(0.0, interval) + np.arange(count) * interval + rng.normal(0.0, 0.05 * interval, count)
        )
        heater_ends = heater_starts + params.defrost_minutes * rng.uniform(0.8, 1.2, count)
        heater_minutes = np.diff(_cumulative_on(edges, heater_starts, heater_ends))
        heating = heater_minutes / FINE_STEP_MINUTES
        # The compressor rests while the heater runs, then recovers with a long run.
        recovery_ends = heater_ends + 1.5 * params.fridge_cycle_period_min * params.fridge_duty
        recovery = np.diff(_cumulative_on(edges, heater_ends, recovery_ends)) / FINE_STEP_MINUTES
        compressor = np.clip(on_minutes / FINE_STEP_MINUTES * (1.0 - heating) + recovery, 0.0, 1.0)
        power = (
            params.fridge_standby_w
            + (compressor_w - params.fridge_standby_w) * compressor
            + params.defrost_power_w * heating
        )
    result: FloatArray = power
    return result


def _cumulative_on(edges: FloatArray, starts: FloatArray, ends: FloatArray) -> FloatArray:
    """Minutes of "on" up to each edge, for sorted, non-overlapping [start, end) intervals."""
    order = np.argsort(starts)
    starts, ends = starts[order], ends[order]
    done = np.concatenate([[0.0], np.cumsum(ends - starts)])
    index = np.searchsorted(starts, edges, side="right") - 1
    known = index >= 0
    result = np.zeros(edges.size)
    i = index[known]
    result[known] = done[i] + np.clip(edges[known] - starts[i], 0.0, ends[i] - starts[i])
    return result


def _near(shower_minutes: FloatArray, grid: TimeGrid) -> BoolArray:
    starts = grid.sample_minutes()
    ends = starts + grid.step_minutes
    near = np.zeros(grid.n_samples, dtype=bool)
    for shower in shower_minutes:
        near |= (ends > shower - SHOWER_CLEARANCE_BEFORE_MIN) & (starts < shower + SHOWER_CLEARANCE_AFTER_MIN)
    return near


def _door_openings(
    params: HouseholdParams, grid: TimeGrid, rng: np.random.Generator, absences: FloatArray
) -> tuple[FloatArray, FloatArray]:
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
    # Nobody opens the door while the household is away, except leaving and coming back.
    day_array = np.asarray(day_minutes, dtype=np.float64)
    day_array = np.concatenate([day_array[~_away(day_array, absences)], absences.ravel()])
    day_array = day_array[(day_array >= 0) & (day_array < grid.days * MINUTES_PER_DAY)]
    day_array = day_array[grid.hour_of_day(day_array) >= 5.0]

    night_count = rng.poisson(params.night_open_rate_per_h * 5.0, grid.days)
    night_minutes = [
        day * MINUTES_PER_DAY + 60.0 * rng.uniform(0.0, 5.0)
        for day in range(grid.days)
        for _ in range(night_count[day])
    ]
    night_array = np.asarray(night_minutes, dtype=np.float64)
    return np.sort(day_array), night_array[~_away(night_array, absences)]
