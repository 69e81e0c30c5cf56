"""Anomalies injected into real homes' recordings, at random times, depths and durations.

The real-homes development set is normal (bar its real night door openings), so recall can only
be measured on anomalies put into it. The effects are the simulator's own
(``simulator.anomalies.apply_episodes``, SPEC §3 ranges): the recording is wrapped as the
simulator's "normal signals" and the episode is applied to a copy of it. What differs from the
simulator is *where* an episode may go, because a real recording has gaps and real events:

* only a sensor the home has: temperature (1), humidity (2), fridge power (3), front door (4);
  fire (5) goes into every home — none of these recordings has a smoke alarm, the product adds
  that role, so the alarm is injected together with the simulator's correlated heat, humidity
  and fridge effects on whichever of those sensors the home has;
* never where the class's sensor is missing (a label must not point at a carried-forward value);
* never within ``SEPARATION_H`` of a real episode (a real night opening would outrank it);
* humidity never near a real shower (``SHOWER_*``), door only at a night hour (00–05 h) on
  which the real door stayed shut;
* after the first ``WARM_UP_DAYS`` days: the baseline needs history, as the integration's
  recorder warm start gives it.

Episodes start at any 5-minute mark and last a real-valued duration, as a real outage does: the
simulator's code is applied to a 5-minute copy of the hours an episode touches (each hour's mean
held), and those hours are averaged back the way ``HourAggregator`` averages (analogue: mean;
door and alarm: on at any moment). A fridge outage from 07:40 to 09:25 is then a 07:00 hour at
a third of its usual power, a 0 W 08:00 hour and a 09:00 hour at 58 %. Every hour an episode
touches carries its label.

Each injection is placed in its own copy of the home, so episodes never disturb each other's
baseline. Times are drawn from ``numpy`` generators seeded by (seed, home, class): the same seed
gives the same injections whichever other homes are selected, another seed other times.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from custom_components.home_anomaly.engine.schema import AnomalyClass, is_night_hour
from simulator.anomalies import (
    FIRE_DURATION_H,
    FRIDGE_DURATION_H,
    HUMIDITY_DURATION_H,
    HUMIDITY_RISE_PCT,
    PLACEMENT_ATTEMPTS,
    SEPARATION_H,
    TEMPERATURE_DROP_C,
    TEMPERATURE_DURATION_H,
    Episode,
    apply_episodes,
)
from simulator.routines import SHOWER_CLEARANCE_AFTER_MIN, SHOWER_CLEARANCE_BEFORE_MIN, NormalSignals
from simulator.timegrid import FINE_STEP_MINUTES

from .data import Household
from .metrics import EpisodeRow

WARM_UP_DAYS = 7
STEPS_PER_HOUR = 60 // FINE_STEP_MINUTES
# A real shower shows as an hour this far above the home's median humidity; a leak keeps clear.
SHOWER_RISE_PCT = 10.0
# The sensor role each class needs (None: injected into every home, see the module docstring).
CLASS_ROLE: dict[int, str | None] = {
    AnomalyClass.TEMPERATURE: "temperature",
    AnomalyClass.HUMIDITY: "humidity",
    AnomalyClass.FRIDGE: "fridge",
    AnomalyClass.DOOR: "door",
    AnomalyClass.FIRE: None,
}
ROLE_COLUMN = {"temperature": 0, "humidity": 1, "fridge": 2, "door": 3, "smoke": 4}
DURATION_H: dict[int, tuple[float, float]] = {
    AnomalyClass.TEMPERATURE: TEMPERATURE_DURATION_H,
    AnomalyClass.HUMIDITY: HUMIDITY_DURATION_H,
    AnomalyClass.FRIDGE: FRIDGE_DURATION_H,
    AnomalyClass.FIRE: FIRE_DURATION_H,
}


@dataclass(frozen=True)
class Injection:
    """One injected episode: it touches rows ``start`` … ``end`` (inclusive) of one home, from
    ``offset_steps`` 5-minute steps into the first of them, for ``steps`` steps."""

    user_id: str
    anomaly_class: int
    start: int
    end: int
    hour_starts: tuple[datetime, datetime]  # the first and last touched hour
    offset_steps: int
    steps: int
    magnitude: float  # temperature drop (°C) or humidity rise (%RH); 0 for the others

    @property
    def start_time(self) -> datetime:
        return self.hour_starts[0] + timedelta(minutes=FINE_STEP_MINUTES * self.offset_steps)

    @property
    def end_time(self) -> datetime:
        """When the episode is over (exclusive)."""
        return self.start_time + timedelta(minutes=FINE_STEP_MINUTES * self.steps)

    @property
    def duration_h(self) -> float:
        return self.steps * FINE_STEP_MINUTES / 60

    def episode(self) -> EpisodeRow:
        """The touched hours as a ground-truth episode (inclusive hour starts, as ``episodes.csv``)."""
        return EpisodeRow(self.user_id, self.anomaly_class, *self.hour_starts)


def home_roles(home: Household, listed: Sequence[str] | None = None) -> tuple[str, ...]:
    """The roles a home has: ``homes.json``'s list when there is one, else what the data shows
    (an analogue sensor reporting on some hour, a door or alarm that is ever on)."""
    if listed is not None:
        return tuple(role for role in ROLE_COLUMN if role in listed)
    analog = [role for role, column in ROLE_COLUMN.items() if column < 3 and not home.missing[:, column].all()]
    binary = [role for role, column in ROLE_COLUMN.items() if column >= 3 and (home.sensors[:, column] >= 0.5).any()]
    return (*analog, *binary)


def injectable_classes(roles: Sequence[str]) -> list[int]:
    return [cls for cls, role in CLASS_ROLE.items() if role is None or role in roles]


def class_rng(seed: int, user_id: str, anomaly_class: int) -> np.random.Generator:
    """A generator of its own per (seed, home, class): crc32 keeps the home's draw stable across runs."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(user_id.encode()), anomaly_class]))


def plan_injections(
    home: Household,
    anomaly_class: int,
    count: int,
    rng: np.random.Generator,
    real_episodes: Sequence[EpisodeRow],
    first_row: int,
) -> list[Injection]:
    """Up to ``count`` episodes of one class at random allowed places (see the module docstring).

    ``first_row`` is the earliest row the scorer can see with a full window. A class that finds
    no allowed place in ``PLACEMENT_ATTEMPTS`` draws gets fewer episodes; the report says so.
    """
    n = len(home.timestamps)
    start_row = max(first_row, _row_at(home.timestamps, home.timestamps[0] + timedelta(days=WARM_UP_DAYS)))
    allowed = _allowed_rows(home, anomaly_class, real_episodes)
    allowed[:start_row] = False
    if not allowed.any():
        return []
    allowed_rows = np.flatnonzero(allowed)
    total_steps = n * STEPS_PER_HOUR
    placed: list[Injection] = []
    for _ in range(count):
        for _attempt in range(PLACEMENT_ATTEMPTS):
            if anomaly_class == AnomalyClass.DOOR:  # one opening at a random moment of an allowed night hour
                first, steps = int(rng.choice(allowed_rows)) * STEPS_PER_HOUR + int(rng.integers(STEPS_PER_HOUR)), 1
            else:
                steps = max(1, int(round(rng.uniform(*DURATION_H[anomaly_class]) * STEPS_PER_HOUR)))
                if anomaly_class == AnomalyClass.TEMPERATURE:  # long failures leave room, as the simulator's do
                    steps = min(steps, max(1, n // 4) * STEPS_PER_HOUR)
                if total_steps - steps < start_row * STEPS_PER_HOUR:
                    break
                first = int(rng.integers(start_row * STEPS_PER_HOUR, total_steps - steps + 1))
            start, end = first // STEPS_PER_HOUR, (first + steps - 1) // STEPS_PER_HOUR
            if allowed[start : end + 1].all():
                magnitude = _magnitude(anomaly_class, rng)
                hours = (home.timestamps[start], home.timestamps[end])
                placed.append(
                    Injection(
                        home.user_id,
                        anomaly_class,
                        start,
                        end,
                        hours,
                        first - start * STEPS_PER_HOUR,
                        steps,
                        magnitude,
                    )
                )
                break
    return placed


def _row_at(timestamps: Sequence[datetime], moment: datetime) -> int:
    return next((i for i, stamp in enumerate(timestamps) if stamp >= moment), len(timestamps))


def _allowed_rows(home: Household, anomaly_class: int, real_episodes: Sequence[EpisodeRow]) -> np.ndarray:
    """Rows an episode of ``anomaly_class`` may cover."""
    stamps = np.array(home.timestamps, dtype="datetime64[s]")
    margin = np.timedelta64(int(SEPARATION_H * 3600), "s")
    allowed = np.ones(len(stamps), dtype=bool)
    for episode in real_episodes:
        allowed &= ~(
            (stamps >= np.datetime64(episode.start, "s") - margin)
            & (stamps <= np.datetime64(episode.end, "s") + margin)
        )
    role = CLASS_ROLE[anomaly_class]
    if role is not None and ROLE_COLUMN[role] < 3:
        allowed &= ~home.missing[:, ROLE_COLUMN[role]]
    if anomaly_class == AnomalyClass.HUMIDITY:
        allowed &= ~near_shower(home)
    if anomaly_class == AnomalyClass.DOOR:
        night = np.array([is_night_hour(moment.hour) for moment in home.timestamps], dtype=bool)
        allowed &= night & (home.sensors[:, 3] < 0.5)
    return allowed


def near_shower(home: Household) -> np.ndarray:
    """Rows within the simulator's shower clearance of a real shower hour (humidity well above usual)."""
    humidity = np.where(home.missing[:, 1], np.nan, home.sensors[:, 1])
    if np.isnan(humidity).all():
        return np.zeros(len(humidity), dtype=bool)
    shower = np.nan_to_num(humidity, nan=-np.inf) > np.nanmedian(humidity) + SHOWER_RISE_PCT
    before = int(np.ceil(SHOWER_CLEARANCE_BEFORE_MIN / 60))
    after = int(np.ceil(SHOWER_CLEARANCE_AFTER_MIN / 60))
    near = np.zeros_like(shower)
    for row in np.flatnonzero(shower):
        near[max(0, row - before) : row + after + 1] = True
    return near


def _magnitude(anomaly_class: int, rng: np.random.Generator) -> float:
    if anomaly_class == AnomalyClass.TEMPERATURE:
        return float(rng.uniform(*TEMPERATURE_DROP_C))
    if anomaly_class == AnomalyClass.HUMIDITY:
        return float(rng.uniform(*HUMIDITY_RISE_PCT))
    return 0.0


def injected_home(home: Household, injection: Injection, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(sensors, labels) of a copy of ``home`` with ``injection`` applied by the simulator's code.

    Outside the touched hours every reading is the recording's own; the real labels are kept and
    the episode's class is laid over the touched hours by priority.
    """
    rows = slice(injection.start, injection.end + 1)
    fine = np.repeat(home.sensors[rows], STEPS_PER_HOUR, axis=0)  # each hour's mean, held for its 5-minute steps
    signals = NormalSignals(
        temperature_c=fine[:, 0].copy(),
        humidity_pct=fine[:, 1].copy(),
        fridge_power_w=fine[:, 2].copy(),
        front_door_open=fine[:, 3].astype(np.int8),
        fire_alarm=fine[:, 4].astype(np.int8),
        near_shower=np.zeros(len(fine), dtype=bool),
        night_door_samples=np.zeros(0, dtype=np.int64),
    )
    first = injection.offset_steps
    episode = Episode(AnomalyClass(injection.anomaly_class), first, first + injection.steps - 1, injection.magnitude)
    anomalous = apply_episodes(signals, [episode], rng)
    hours = len(fine) // STEPS_PER_HOUR
    analog = np.column_stack([anomalous.temperature_c, anomalous.humidity_pct, anomalous.fridge_power_w])
    binary = np.column_stack([anomalous.front_door_open, anomalous.fire_alarm]).astype(np.float64)
    sensors = home.sensors.copy()
    sensors[rows, :3] = analog.reshape(hours, STEPS_PER_HOUR, 3).mean(axis=1)  # HourAggregator: the mean
    sensors[rows, 3:] = binary.reshape(hours, STEPS_PER_HOUR, 2).max(axis=1)  # HourAggregator: on at any moment
    labels = home.labels.copy()
    labels[rows] = np.maximum(labels[rows], injection.anomaly_class)
    return sensors, labels
