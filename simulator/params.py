"""Per-household parameters, drawn deterministically from (seed, household number).

Ranges follow SPEC §2; the routine parameters (shower times, door routine, weekend habits,
climate) are this simulator's own realism and are documented in ``simulator/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Climate:
    """A smooth yearly indoor offset: coldest on ``coldest_day``, warmest on ``warmest_day``."""

    name: str
    temp_amplitude_c: float
    humidity_amplitude_pct: float
    coldest_day: int  # day of year, 0 = 1 January
    warmest_day: int


# "original" reproduces SPEC §2: January −5 °C / −10 %RH, April +5 °C / +10 %RH. On its own it
# spreads living-room temperatures far wider than real homes (p5/p95 of 17.3/24.5 °C), so
# most households get a milder climate; the mix is calibrated in simulator/README.md.
CLIMATES: tuple[Climate, ...] = (
    Climate("original", 5.0, 10.0, coldest_day=14, warmest_day=105),
    Climate("temperate", 2.0, 8.0, coldest_day=20, warmest_day=200),
    Climate("maritime", 1.0, 5.0, coldest_day=35, warmest_day=220),
)
CLIMATE_WEIGHTS: tuple[float, ...] = (0.2, 0.5, 0.3)

# Default shower slots of SPEC §2 (07, 19 and 22 h); each household shifts and thins them.
DEFAULT_SHOWER_HOURS: tuple[float, ...] = (7.0, 19.0, 22.0)


@dataclass(frozen=True)
class HouseholdParams:
    """Everything that makes one simulated home different from another."""

    user_number: int
    climate: Climate
    # Living-room temperature.
    base_temp: float
    daily_amplitude: float
    peak_hour: float
    noise_temp: float
    temp_drift_per_week: float
    # Bathroom humidity.
    base_humidity: float
    noise_humid: float
    humid_drift_per_week: float
    shower_hours: tuple[float, ...]
    shower_probability: float
    shower_decay_minutes: float
    weekend_shower_delay_h: float
    # Weather, heating schedule and absences (calibrated to real living rooms, see README).
    weather_sigma_c: float
    weather_tau_h: float
    setback_c: float  # 0: no night setback
    bed_hour: float
    wake_hour: float
    weekend_wake_delay_h: float
    absence_rate_per_day: float
    absence_drop_c: float
    # Bathroom showers beyond the slots.
    shower_peak_pct: float
    shower_plateau_minutes: float
    double_shower_probability: float
    extra_showers_per_day: float
    # Fridge power: compressor duty cycle and defrost.
    fridge_base: float  # the home's average draw (W)
    fridge_inverter: bool  # a variable-speed compressor runs continuously at modulated power
    fridge_duty: float
    fridge_usage_per_day: float  # door openings / warm food: bursts of extra cooling
    fridge_cycle_period_min: float
    fridge_standby_w: float
    defrost_interval_h: float  # 0: no defrost heater
    defrost_power_w: float
    defrost_minutes: float
    noise_fridge: float
    # Sensors: resolution (0: as written by the CSV) and roles this home has no sensor for.
    temp_step_c: float
    humidity_step_pct: float
    power_step_w: float
    absent_roles: tuple[str, ...]
    # Front door.
    weekday_leave_hour: float
    weekday_return_hour: float
    works_weekdays_probability: float
    weekend_outing_probability: float
    errand_probability: float
    day_open_rate_per_h: float
    night_open_rate_per_h: float
    # Sensor dropouts.
    dropout_prob: float
    dropout_mean_length: float
    long_gap_count: int

    @property
    def user_id(self) -> str:
        return format_user_id(self.user_number)


def format_user_id(user_number: int) -> str:
    """``3`` → ``user_003`` (the dataset's household id form)."""
    return f"user_{user_number:03d}"


def household_rng(seed: int, user_number: int, stream: int) -> np.random.Generator:
    """An independent random stream per household and per purpose.

    Separate streams keep one household's data identical however many households are built,
    and let the tests switch anomalies off without changing the normal signals.
    """
    return np.random.default_rng(np.random.SeedSequence([seed, user_number, stream]))


PARAMS_STREAM = 0
CALIBRATION_STREAM = 4
# Share of homes without a sensor for a role (real installations often lack one).
ABSENT_ROLE_SHARE: tuple[tuple[str, float], ...] = (("temperature", 0.05), ("humidity", 0.15), ("fridge", 0.15))
ANALOG_ROLES: tuple[str, ...] = ("temperature", "humidity", "fridge")


def draw_household(seed: int, user_number: int) -> HouseholdParams:
    """Draw one household's parameters."""
    rng = household_rng(seed, user_number, PARAMS_STREAM)
    climate = CLIMATES[int(rng.choice(len(CLIMATES), p=CLIMATE_WEIGHTS))]
    signs = rng.choice((-1.0, 1.0), size=2)

    # Every household keeps the evening shower; some also shower in the morning or late.
    shower_hours = [19.0 + rng.uniform(0.0, 2.5)]
    if rng.random() < 0.8:
        shower_hours.insert(0, 6.0 + rng.uniform(0.0, 2.5))
    if rng.random() < 0.4:
        shower_hours.append(22.0 + rng.uniform(-0.5, 0.8))
    # Drawn from a second stream so the SPEC parameters above keep their values per seed.
    extra = household_rng(seed, user_number, CALIBRATION_STREAM)
    if extra.random() < 0.35:
        shower_hours.append(23.0 + extra.uniform(0.0, 1.5))  # some showers at midnight
    small_fridge = extra.random() < 0.6
    fridge_average = extra.uniform(20.0, 60.0) if small_fridge else extra.uniform(60.0, 150.0)
    has_defrost = extra.random() < 0.7
    absent: list[str] = []
    for role, share in ABSENT_ROLE_SHARE:
        if extra.random() < share:
            absent.append(role)
    if len(absent) == len(ABSENT_ROLE_SHARE):
        absent.remove("temperature")

    return HouseholdParams(
        user_number=user_number,
        climate=climate,
        base_temp=rng.uniform(18.0, 24.0),
        daily_amplitude=rng.uniform(1.5, 3.0),
        peak_hour=rng.uniform(14.0, 17.0),
        noise_temp=rng.uniform(0.15, 0.6),
        temp_drift_per_week=float(signs[0]) * rng.uniform(0.02, 0.08),
        base_humidity=rng.uniform(37.0, 55.0),
        noise_humid=rng.uniform(1.0, 4.0),
        humid_drift_per_week=float(signs[1]) * rng.uniform(0.03, 0.2),
        shower_hours=tuple(shower_hours),
        shower_probability=rng.uniform(0.6, 0.95),
        shower_decay_minutes=rng.uniform(40.0, 90.0),
        weekend_shower_delay_h=rng.uniform(0.5, 2.5),
        weather_sigma_c=extra.uniform(0.5, 1.4),
        weather_tau_h=extra.uniform(24.0, 96.0),
        setback_c=extra.uniform(0.5, 2.0) if extra.random() < 0.5 else 0.0,
        bed_hour=extra.uniform(21.5, 23.5),
        wake_hour=extra.uniform(5.0, 7.5),
        weekend_wake_delay_h=extra.uniform(0.5, 2.0),
        absence_rate_per_day=extra.uniform(0.0, 1.0 / 30.0),
        absence_drop_c=extra.uniform(1.5, 3.0),
        shower_peak_pct=extra.uniform(68.0, 93.0),
        shower_plateau_minutes=extra.uniform(10.0, 30.0),
        double_shower_probability=extra.uniform(0.05, 0.35),
        extra_showers_per_day=extra.uniform(0.02, 0.15),
        fridge_base=fridge_average,
        fridge_inverter=bool(extra.random() < 0.5),
        fridge_duty=extra.uniform(0.25, 0.55),
        fridge_usage_per_day=extra.uniform(0.5, 3.0),
        fridge_cycle_period_min=extra.uniform(20.0, 45.0),
        fridge_standby_w=extra.uniform(0.5, 3.0),
        defrost_interval_h=extra.uniform(6.0, 24.0) if has_defrost else 0.0,
        defrost_power_w=fridge_average * extra.uniform(0.8, 2.0),
        defrost_minutes=extra.uniform(10.0, 25.0),
        noise_fridge=fridge_average * extra.uniform(0.005, 0.03),
        temp_step_c=float(extra.choice((0.0, 0.1, 0.5), p=(0.25, 0.6, 0.15))),
        humidity_step_pct=float(extra.choice((0.1, 1.0), p=(0.4, 0.6))),
        power_step_w=float(extra.choice((0.1, 1.0), p=(0.3, 0.7))),
        absent_roles=tuple(absent),
        weekday_leave_hour=rng.uniform(6.5, 9.0),
        weekday_return_hour=rng.uniform(16.5, 19.5),
        works_weekdays_probability=rng.uniform(0.7, 0.95),
        weekend_outing_probability=rng.uniform(0.5, 0.9),
        errand_probability=rng.uniform(0.5, 0.95),
        day_open_rate_per_h=rng.uniform(0.02, 0.06),
        night_open_rate_per_h=rng.uniform(0.0005, 0.004),
        dropout_prob=rng.uniform(0.0, 0.002),
        dropout_mean_length=rng.uniform(1.0, 6.0),
        long_gap_count=int(rng.poisson(0.5)),
    )
