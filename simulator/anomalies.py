"""Anomaly episodes: where they go, what they do to the readings, and the labels they leave.

Rules that keep labels honest (SPEC §3):
* a sample's label is the highest class active on it (5 > 4 > 3 > 2 > 1);
* episodes of classes 2–5 never overlap each other (with a margin), so each stays visible;
  a temperature episode may run under them but keeps most of its samples to itself;
* every front-door opening between 00:00 and 05:00 is a class-4 episode, injected or not;
* a humidity leak keeps clear of every shower.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custom_components.home_anomaly.engine.arrays import BoolArray, FloatArray, Int8Array
from custom_components.home_anomaly.engine.schema import NIGHT_END_HOUR, AnomalyClass

from .routines import NormalSignals
from .timegrid import TimeGrid

TEMPERATURE_DROP_C = (5.0, 10.0)
TEMPERATURE_DURATION_H = (2.0, 168.0)
HUMIDITY_RISE_PCT = (35.0, 45.0)
HUMIDITY_DURATION_H = (2.0, 4.0)
FRIDGE_DURATION_H = (1.5, 3.0)
FRIDGE_ROOM_WARMING_C = (0.2, 1.0)
FIRE_DURATION_H = (0.75, 1.5)
FIRE_TEMPERATURE_RISE_C = (5.0, 12.0)
FIRE_HUMIDITY_RISE_PCT = (10.0, 25.0)
FIRE_FRIDGE_DISTURBANCE_W = 20.0
SEPARATION_H = 2.0
PLACEMENT_ATTEMPTS = 500


@dataclass(frozen=True)
class Episode:
    """One anomaly event on the output grid; ``start`` and ``end`` are inclusive indices."""

    anomaly_class: AnomalyClass
    start: int
    end: int
    magnitude: float = 0.0

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def schedule_episodes(
    signals: NormalSignals,
    grid: TimeGrid,
    rng: np.random.Generator,
    events_per_class: int,
    skip: frozenset[AnomalyClass] = frozenset(),
) -> list[Episode]:
    """Place ``events_per_class`` injected events of each class (none of the classes in
    ``skip``: the home has no sensor for them), plus the household's own night door openings,
    and return all episodes sorted by start."""
    n = grid.n_samples
    per_hour = grid.samples_per_hour
    separation = int(round(SEPARATION_H * per_hour))
    # Long temperature episodes must leave room for the other classes in short series.
    longest_temperature = max(1, n // 4)
    episodes = [Episode(AnomalyClass.DOOR, int(i), int(i)) for i in signals.night_door_samples]
    exclusive = np.zeros(n, dtype=bool)  # samples owned by a class 2–5 episode, plus margin
    for episode in episodes:
        _reserve(exclusive, episode, separation)

    hours = grid.hour_of_day(grid.sample_minutes())
    night_samples = np.flatnonzero(hours < NIGHT_END_HOUR)

    def duration(bounds: tuple[float, float]) -> int:
        return max(1, int(round(rng.uniform(*bounds) * per_hour)))

    for anomaly_class in (AnomalyClass.FIRE, AnomalyClass.DOOR, AnomalyClass.FRIDGE, AnomalyClass.HUMIDITY):
        for _ in range(0 if anomaly_class in skip else events_per_class):
            for _attempt in range(PLACEMENT_ATTEMPTS):
                if anomaly_class is AnomalyClass.DOOR:
                    start = int(rng.choice(night_samples))
                    length = 1
                else:
                    bounds = {
                        AnomalyClass.FIRE: FIRE_DURATION_H,
                        AnomalyClass.FRIDGE: FRIDGE_DURATION_H,
                        AnomalyClass.HUMIDITY: HUMIDITY_DURATION_H,
                    }[anomaly_class]
                    length = min(duration(bounds), n)
                    start = int(rng.integers(0, n - length + 1))
                end = start + length - 1
                if exclusive[start : end + 1].any():
                    continue
                if anomaly_class is AnomalyClass.HUMIDITY and signals.near_shower[start : end + 1].any():
                    continue
                episode = Episode(anomaly_class, start, end, _magnitude(anomaly_class, rng))
                episodes.append(episode)
                _reserve(exclusive, episode, separation)
                break

    temperature_taken = np.zeros(n, dtype=bool)
    for _ in range(0 if AnomalyClass.TEMPERATURE in skip else events_per_class):
        for _attempt in range(PLACEMENT_ATTEMPTS):
            length = min(duration(TEMPERATURE_DURATION_H), longest_temperature)
            start = int(rng.integers(0, n - length + 1))
            end = start + length - 1
            if temperature_taken[max(0, start - separation) : end + 1 + separation].any():
                continue
            # Most of a heating failure must stay visible under the other classes' labels.
            if exclusive[start : end + 1].mean() > 0.5:
                continue
            episodes.append(Episode(AnomalyClass.TEMPERATURE, start, end, _magnitude(AnomalyClass.TEMPERATURE, rng)))
            temperature_taken[start : end + 1] = True
            break

    return sorted(episodes, key=lambda e: (e.start, e.anomaly_class))


def _reserve(exclusive: BoolArray, episode: Episode, separation: int) -> None:
    exclusive[max(0, episode.start - separation) : episode.end + 1 + separation] = True


def _magnitude(anomaly_class: AnomalyClass, rng: np.random.Generator) -> float:
    if anomaly_class is AnomalyClass.TEMPERATURE:
        return float(rng.uniform(*TEMPERATURE_DROP_C))
    if anomaly_class is AnomalyClass.HUMIDITY:
        return float(rng.uniform(*HUMIDITY_RISE_PCT))
    return 0.0


@dataclass
class AnomalousSignals:
    temperature_c: FloatArray
    humidity_pct: FloatArray
    fridge_power_w: FloatArray
    front_door_open: Int8Array
    fire_alarm: Int8Array
    anomaly_class: Int8Array


def apply_episodes(signals: NormalSignals, episodes: list[Episode], rng: np.random.Generator) -> AnomalousSignals:
    """Apply each episode's physical effect to a copy of the normal readings and label them."""
    temperature = signals.temperature_c.copy()
    humidity = signals.humidity_pct.copy()
    fridge_power = signals.fridge_power_w.copy()
    door = signals.front_door_open.copy()
    fire = signals.fire_alarm.copy()
    labels = np.zeros(temperature.size, dtype=np.int8)

    for episode in episodes:
        span = slice(episode.start, episode.end + 1)
        match episode.anomaly_class:
            case AnomalyClass.TEMPERATURE:
                temperature[span] -= episode.magnitude
            case AnomalyClass.HUMIDITY:
                humidity[span] += episode.magnitude
            case AnomalyClass.FRIDGE:
                fridge_power[span] = 0.0
                temperature[span] += np.linspace(*FRIDGE_ROOM_WARMING_C, episode.length)
            case AnomalyClass.DOOR:
                door[span] = 1
            case AnomalyClass.FIRE:
                fire[span] = 1
                temperature[span] += rng.uniform(*FIRE_TEMPERATURE_RISE_C)
                humidity[span] += rng.uniform(*FIRE_HUMIDITY_RISE_PCT)
                # ±20 W, but never enough to stop a small fridge (0 W is the fridge class's sign).
                reach = min(FIRE_FRIDGE_DISTURBANCE_W, 0.5 * float(np.mean(fridge_power[span])))
                fridge_power[span] += rng.uniform(-1.0, 1.0) * reach
        labels[span] = np.maximum(labels[span], int(episode.anomaly_class))

    return AnomalousSignals(
        temperature_c=temperature,
        humidity_pct=np.clip(humidity, 0.0, 100.0),
        fridge_power_w=np.maximum(fridge_power, 0.0),
        front_door_open=door,
        fire_alarm=fire,
        anomaly_class=labels,
    )
