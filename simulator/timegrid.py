"""The sampling grid of a simulated series.

Households are simulated on a fine 5-minute grid (showers, door openings and compressor cycles
happen at minute resolution) and reported on the output grid (1 hour for V2, 5 minutes for V1):
analogue sensors as the mean of the interval, binary sensors as "on at any time in the interval".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from custom_components.home_anomaly.engine.arrays import BoolArray, FloatArray, IntArray

FINE_STEP_MINUTES = 5
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class TimeGrid:
    start: datetime
    days: int
    step_minutes: int

    def __post_init__(self) -> None:
        if (self.start.hour, self.start.minute, self.start.second) != (0, 0, 0):
            raise ValueError(f"the series must start at midnight, got {self.start.isoformat()}")
        if self.days < 1:
            raise ValueError(f"days must be at least 1, got {self.days}")
        if self.step_minutes % FINE_STEP_MINUTES or MINUTES_PER_DAY % self.step_minutes:
            raise ValueError(
                f"the sample interval must be a multiple of {FINE_STEP_MINUTES} minutes that divides "
                f"a day, got {self.step_minutes} minutes"
            )

    @property
    def n_samples(self) -> int:
        return self.days * MINUTES_PER_DAY // self.step_minutes

    @property
    def samples_per_hour(self) -> float:
        return 60 / self.step_minutes

    @property
    def fine_per_sample(self) -> int:
        return self.step_minutes // FINE_STEP_MINUTES

    @property
    def n_fine(self) -> int:
        return self.n_samples * self.fine_per_sample

    def sample_minutes(self) -> FloatArray:
        """Minutes since ``start`` at which each output sample's interval begins."""
        return np.arange(self.n_samples, dtype=np.float64) * self.step_minutes

    def fine_minutes(self) -> FloatArray:
        return np.arange(self.n_fine, dtype=np.float64) * FINE_STEP_MINUTES

    def hour_of_day(self, minutes: FloatArray) -> FloatArray:
        start_minute = self.start.hour * 60 + self.start.minute
        return np.asarray(((minutes + start_minute) % MINUTES_PER_DAY) / 60.0, dtype=np.float64)

    def day_index(self, minutes: FloatArray) -> IntArray:
        start_minute = self.start.hour * 60 + self.start.minute
        return ((minutes + start_minute) // MINUTES_PER_DAY).astype(np.int64)

    def is_weekend(self, minutes: FloatArray) -> BoolArray:
        return (self.start.weekday() + self.day_index(minutes)) % 7 >= 5

    def day_of_year(self, minutes: FloatArray) -> FloatArray:
        """Fractional day of year (0 = 1 January 00:00), wrapping after 365 days."""
        first = self.start.timetuple().tm_yday - 1 + (self.start.hour * 60 + self.start.minute) / MINUTES_PER_DAY
        return (first + minutes / MINUTES_PER_DAY) % 365.0

    def aggregate_mean(self, fine: FloatArray) -> FloatArray:
        means: FloatArray = fine.reshape(self.n_samples, self.fine_per_sample).mean(axis=1)
        return means

    def timestamps(self) -> list[str]:
        """``YYYY-MM-DD HH:MM:SS`` for each output sample (the start of its interval)."""
        first = np.datetime64(self.start, "s")
        steps = np.arange(self.n_samples) * np.timedelta64(self.step_minutes * 60, "s")
        return [text.replace("T", " ") for text in np.datetime_as_string(first + steps, unit="s")]
