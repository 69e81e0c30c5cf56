"""The feature contract: raw readings → hourly samples → normalised model input.

Two paths meet here and must agree to the bit:

* the integration's: timestamped state changes → ``HourAggregator`` → ``HourlySample`` rows;
* the trainer's: hourly dataset rows (the simulator's CSV) → the same ``HourlyTable``.

``model_features`` turns an ``HourlyTable`` into the model's input, one row per hour, in
``FEATURE_NAMES`` order. Everything the model needs to learn each class is here: per-household
normalisation against the home's own recent past (a home at 24 °C is not a home at 19 °C), the
hour of day (a door at 03:00 is not a door at 18:00) and per-sensor missing-data masks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import numpy as np

from .arrays import BoolArray, Float32Array, FloatArray, IntArray
from .schema import NIGHT_END_HOUR, NIGHT_START_HOUR, SENSOR_COLUMNS

N_SENSORS: Final = len(SENSOR_COLUMNS)
N_ANALOG: Final = 3
HOUR: Final = timedelta(hours=1)

FEATURE_NAMES: Final[tuple[str, ...]] = (
    # deviation from the home's own typical value at this hour, in the home's own spread
    "temperature_dev",
    "humidity_dev",
    "fridge_power_dev",
    # absolute level on a fixed scale (a leak near 100 %RH, a room at 12 °C)
    "temperature_level",
    "humidity_level",
    "fridge_power_ratio",
    "front_door_open",
    "fire_alarm",
    "temperature_missing",
    "humidity_missing",
    "fridge_power_missing",
    "hour_sin",
    "hour_cos",
    "is_night",
    "is_weekend",
)
N_FEATURES: Final = len(FEATURE_NAMES)

# The household baseline for a calendar day comes from the 28 days before it: long enough that
# a week-long heating failure stays a minority, short enough to follow the seasons.
BASELINE_DAYS: Final = 28
MIN_BASELINE_HOURS: Final = 24
MIN_SAMPLES_PER_HOUR_OF_DAY: Final = 3
# The baseline of a sensor without a day of its own history (temperature °C, humidity %RH,
# fridge W): only the level features of an absent role read it; deviations stay neutral.
DEFAULT_CENTRE: Final[tuple[float, float, float]] = (21.0, 45.0, 150.0)
DEFAULT_SCALE: Final[tuple[float, float, float]] = (1.5, 5.0, 10.0)
MIN_SCALE: Final[tuple[float, float, float]] = (0.25, 1.5, 2.0)
FEATURE_CLIP: Final = 10.0
LEVEL_CENTRE: Final[tuple[float, float]] = (20.0, 50.0)
LEVEL_SCALE: Final[tuple[float, float]] = (5.0, 25.0)


@dataclass(frozen=True)
class HourlySample:
    """One hour of one home. Analogue values are ``None`` when the sensor gave nothing usable."""

    hour_start: datetime
    values: tuple[float | None, float | None, float | None, float, float]


@dataclass
class HourlyTable:
    """Consecutive hours of one home: the input to ``model_features``.

    ``values`` is (n, 5) in sensor order; analogue columns hold NaN where missing.
    """

    hour_starts: list[datetime]
    values: FloatArray

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.hour_starts), N_SENSORS):
            raise ValueError(f"values must be ({len(self.hour_starts)}, {N_SENSORS}), got {self.values.shape}")

    @classmethod
    def from_samples(cls, samples: Sequence[HourlySample]) -> HourlyTable:
        values = np.array(
            [[math.nan if v is None else v for v in sample.values] for sample in samples], dtype=np.float64
        ).reshape(len(samples), N_SENSORS)
        return cls([sample.hour_start for sample in samples], values)

    @classmethod
    def from_dataset_rows(cls, hour_starts: list[datetime], sensors: FloatArray, missing: BoolArray) -> HourlyTable:
        """Dataset rows (forward-filled values + missing flags) → the same table the integration builds."""
        values = np.array(sensors, dtype=np.float64, copy=True)
        values[:, :N_ANALOG][missing] = math.nan
        return cls(hour_starts, values)


# --- the integration's path: state changes → hourly samples -----------------------------------


def hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass
class _SensorHour:
    """One sensor through one hour, kept as running sums: memory stays constant however many
    readings arrive (a flood must not grow the heap, nor the garbage collector's pauses)."""

    value: float | None  # what the sensor shows now
    since: datetime  # since when
    weighted: float = 0.0  # sum of value × seconds over finished valid stretches
    seconds: float = 0.0  # their total duration
    first: float | None = None
    steady: bool = True  # every finished valid stretch showed ``first``
    any_on: bool = False  # on at any moment, zero-length blips included

    def finish(self, until: datetime) -> None:
        """Close the current stretch at ``until``."""
        held = (until - self.since).total_seconds()
        value = self.value
        if value is not None and value >= 0.5:
            self.any_on = True
        if value is not None and math.isfinite(value) and held > 0:
            self.weighted += value * held
            self.seconds += held
            if self.first is None:
                self.first = value
            elif value != self.first:
                self.steady = False
        self.since = until

    def mean(self) -> float | None:
        if self.seconds <= 0:
            return None
        return self.first if self.steady else self.weighted / self.seconds  # exact when steady


class HourAggregator:
    """Collects one hour's state changes; ``close()`` gives the ``HourlySample``.

    Sensors report on change, so a value holds until the next one: an analogue sensor's hourly
    value is the time-weighted mean of what it showed during the hour (``None`` stretches —
    ``unknown``/``unavailable`` — excluded), and a binary sensor's is 1 if it was on at any
    moment of the hour. ``carried`` is what each sensor showed when the hour began.
    """

    def __init__(self, hour_start: datetime, carried: list[float | None] | None = None) -> None:
        self.hour_start = hour_start
        self.carried = list(carried) if carried is not None else [None] * N_SENSORS
        self._tracks = [_SensorHour(value, hour_start) for value in self.carried]

    @property
    def hour_end(self) -> datetime:
        return self.hour_start + HOUR

    def add(self, sensor: int, timestamp: datetime, value: float | None) -> None:
        if not self.hour_start <= timestamp < self.hour_end:
            raise ValueError(f"reading at {timestamp.isoformat()} is outside the hour {self.hour_start.isoformat()}")
        track = self._tracks[sensor]
        track.finish(max(timestamp, track.since))  # out-of-order reading: keep its value, not its time
        track.value = value

    def close(self) -> HourlySample:
        for track in self._tracks:
            track.finish(self.hour_end)
        temperature, humidity, power = (track.mean() for track in self._tracks[:N_ANALOG])
        door, fire = (1.0 if track.any_on else 0.0 for track in self._tracks[N_ANALOG:])
        return HourlySample(self.hour_start, (temperature, humidity, power, door, fire))

    def latest(self) -> HourlySample:
        """The hour as it stands right now: each sensor's latest value (binary: on at any moment so far).

        ``score_now`` scores this: "is something wrong now?" should not wait for a minute-long
        failure to dominate an hour's mean.
        """
        analog = [
            track.value if track.value is not None and math.isfinite(track.value) else None
            for track in self._tracks[:N_ANALOG]
        ]
        binary = [
            1.0 if track.any_on or (track.value is not None and track.value >= 0.5) else 0.0
            for track in self._tracks[N_ANALOG:]
        ]
        return HourlySample(self.hour_start, (analog[0], analog[1], analog[2], binary[0], binary[1]))

    def carry_out(self) -> list[float | None]:
        """What each sensor shows when the hour ends: the next hour's ``carried``."""
        return [track.value for track in self._tracks]


def aggregate_readings(
    readings: Iterable[tuple[int, datetime, float | None]],
    start: datetime,
    end: datetime,
    carried: list[float | None] | None = None,
) -> list[HourlySample]:
    """Hourly samples for every hour from ``start`` up to (not including) ``end``.

    ``readings`` are (sensor index, timestamp, value) in time order; ``None`` means the sensor
    was unknown or unavailable. Readings before ``start`` only set what is carried in.
    """
    state: list[float | None] = list(carried) if carried is not None else [None] * N_SENSORS
    ordered = sorted(readings, key=lambda r: r[1])
    hour = hour_floor(start)
    index = 0
    while index < len(ordered) and ordered[index][1] < hour:
        sensor, _timestamp, value = ordered[index]
        state[sensor] = value  # before the first hour: only what is carried in
        index += 1
    aggregator = HourAggregator(hour, state)
    samples: list[HourlySample] = []
    while hour < end:
        while index < len(ordered) and ordered[index][1] < aggregator.hour_end:
            sensor, timestamp, value = ordered[index]
            aggregator.add(sensor, timestamp, value)
            index += 1
        samples.append(aggregator.close())
        hour = aggregator.hour_end
        aggregator = HourAggregator(hour, aggregator.carry_out())
    return samples


def fill_hour_gaps(samples: Sequence[HourlySample]) -> list[HourlySample]:
    """Insert an all-missing sample for every absent hour, so a window is 32 consecutive hours."""
    filled: list[HourlySample] = []
    for sample in samples:
        while filled and sample.hour_start - filled[-1].hour_start > HOUR:
            filled.append(HourlySample(filled[-1].hour_start + HOUR, (None, None, None, 0.0, 0.0)))
        filled.append(sample)
    return filled


# --- both paths: hourly table → model input ----------------------------------------------------


@dataclass(frozen=True)
class DayBaseline:
    """A home's typical analogue readings, computed from the days before one calendar day."""

    profile: FloatArray  # (24, 3): typical value per hour of day and analogue sensor
    centre: FloatArray  # (3,): typical value whatever the hour
    scale: FloatArray  # (3,): robust spread around the profile


def day_baseline(hours_of_day: IntArray, values: FloatArray) -> DayBaseline:
    """Robust baseline from earlier hours (``values`` (n, 3), NaN = missing)."""
    profile = np.empty((24, N_ANALOG))
    centre = np.array(DEFAULT_CENTRE, dtype=np.float64)
    scale = np.array(DEFAULT_SCALE, dtype=np.float64)
    for sensor in range(N_ANALOG):
        column = values[:, sensor]
        valid = ~np.isnan(column)
        if valid.sum() < MIN_BASELINE_HOURS:
            profile[:, sensor] = centre[sensor]
            continue
        centre[sensor] = float(np.median(column[valid]))
        for hour in range(24):
            at_hour = valid & (hours_of_day == hour)
            enough = at_hour.sum() >= MIN_SAMPLES_PER_HOUR_OF_DAY
            profile[hour, sensor] = float(np.median(column[at_hour])) if enough else centre[sensor]
        if sensor == 2:
            profile[:, sensor] = centre[sensor]  # a fridge has no daily rhythm worth learning
        residual = column[valid] - profile[hours_of_day[valid], sensor]
        mad = float(np.median(np.abs(residual - np.median(residual))))
        scale[sensor] = max(1.4826 * mad, MIN_SCALE[sensor])
    return DayBaseline(profile=profile, centre=centre, scale=scale)


@dataclass(frozen=True)
class ModelInput:
    """The model's input for rows ``first_row`` … end, with what the alert policy needs beside it.

    ``baseline_ready`` says, per row and analogue sensor, whether the sensor had a baseline of
    its own for that day (``MIN_BASELINE_HOURS`` readings in the days before). Without one the
    sensor's deviation and power-ratio features are neutral (0 and 1) — never measured against
    ``DEFAULT_CENTRE``: a 33 W fridge is not 12 spreads below a 150 W default — and the policy
    raises no model alert for it. ``usual`` is each sensor's baseline centre (its own median),
    ``expected`` its typical value at the row's hour of day (what the deviations compare with).
    """

    features: Float32Array
    baseline_ready: BoolArray
    usual: FloatArray
    expected: FloatArray

    def last_rows(self, count: int) -> ModelInput:
        """The same input for its last ``count`` rows only."""
        rows = slice(len(self.features) - count, None)
        return ModelInput(self.features[rows], self.baseline_ready[rows], self.usual[rows], self.expected[rows])


def model_features(table: HourlyTable, first_row: int = 0) -> Float32Array:
    """Model input (rows ``first_row`` … end, ``N_FEATURES`` columns, float32); see ``model_input``."""
    return model_input(table, first_row).features


def model_input(table: HourlyTable, first_row: int = 0) -> ModelInput:
    """Model input and baseline status (rows ``first_row`` … end).

    Rows before ``first_row`` serve only as history: the baseline for a calendar day uses the
    ``BASELINE_DAYS`` days before it, and forward fill reaches back to the latest reading.
    """
    n = len(table.hour_starts)
    if not 0 <= first_row <= n:
        raise ValueError(f"first_row {first_row} outside 0…{n}")
    days = np.array([moment.toordinal() for moment in table.hour_starts], dtype=np.int64)
    hours = np.array([moment.hour for moment in table.hour_starts], dtype=np.int64)
    weekend = np.array([moment.weekday() >= 5 for moment in table.hour_starts], dtype=bool)
    analog = table.values[:, :N_ANALOG]
    missing = np.isnan(analog)

    features = np.zeros((n - first_row, N_FEATURES), dtype=np.float64)
    out = slice(first_row, n)
    expected = np.empty((n, N_ANALOG))
    centre = np.empty((n, N_ANALOG))
    scale = np.empty((n, N_ANALOG))
    ready = np.zeros((n, N_ANALOG), dtype=bool)
    for day in np.unique(days[out]):
        rows = np.flatnonzero(days == day)
        rows = rows[rows >= first_row]
        history = (days >= day - BASELINE_DAYS) & (days < day)
        baseline = day_baseline(hours[history], analog[history])
        expected[rows] = baseline.profile[hours[rows]]
        centre[rows] = baseline.centre
        scale[rows] = baseline.scale
        ready[rows] = (~missing[history]).sum(axis=0) >= MIN_BASELINE_HOURS

    filled = _forward_fill(analog)[out]
    filled = np.where(np.isnan(filled), expected[out], filled)  # nothing seen yet: assume typical
    deviation = np.where(ready[out], (filled - expected[out]) / scale[out], 0.0)
    features[:, 0:3] = np.clip(deviation, -FEATURE_CLIP, FEATURE_CLIP)
    features[:, 3] = (filled[:, 0] - LEVEL_CENTRE[0]) / LEVEL_SCALE[0]
    features[:, 4] = (filled[:, 1] - LEVEL_CENTRE[1]) / LEVEL_SCALE[1]
    ratio = np.clip(filled[:, 2] / np.maximum(centre[out, 2], 1.0), 0.0, 3.0)
    features[:, 5] = np.where(ready[out, 2], ratio, 1.0)
    features[:, 6] = table.values[out, 3] >= 0.5
    features[:, 7] = table.values[out, 4] >= 0.5
    features[:, 8:11] = missing[out]
    angle = 2.0 * np.pi * hours[out] / 24.0
    features[:, 11] = np.sin(angle)
    features[:, 12] = np.cos(angle)
    features[:, 13] = (hours[out] >= NIGHT_START_HOUR) & (hours[out] < NIGHT_END_HOUR)
    features[:, 14] = weekend[out]
    return ModelInput(features.astype(np.float32), ready[out], centre[out], expected[out])


def _forward_fill(values: FloatArray) -> FloatArray:
    """Carry each column's last non-missing value forward (leading gaps stay NaN)."""
    filled = values.copy()
    for column in range(values.shape[1]):
        present = ~np.isnan(values[:, column])
        last = np.maximum.accumulate(np.where(present, np.arange(values.shape[0]), -1))
        filled[:, column] = np.where(last >= 0, values[np.maximum(last, 0), column], np.nan)
    return filled


def sliding_windows(features: Float32Array, window: int) -> Float32Array:
    """All windows of ``window`` consecutive rows: (n - window + 1, window, n_features), a view."""
    if features.shape[0] < window:
        return np.zeros((0, window, features.shape[1]), dtype=np.float32)
    view = np.lib.stride_tricks.sliding_window_view(features, window, axis=0)
    return view.transpose(0, 2, 1)
