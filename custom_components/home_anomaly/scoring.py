"""Scoring one window from the buffer (runs in the executor: SQLite, features, inference)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import numpy as np

from .engine.arrays import FloatArray
from .engine.backtest import HourInput, policy_inputs
from .engine.drift import bin_shares, psi
from .engine.features import (
    BASELINE_DAYS,
    FEATURE_NAMES,
    N_ANALOG,
    HourlySample,
    HourlyTable,
    fill_hour_gaps,
    model_input,
)
from .engine.readings import MODEL_UNITS
from .engine.store import HourlyStore
from .model_loader import LoadedModel

DRIFT_HOURS = 7 * 24
EXPLAIN_DEVIATION = 3.0
SENSOR_WORDS = ("temperature", "humidity", "fridge power")


@dataclass(frozen=True)
class Evidence:
    """What one analogue sensor read in the scored hour, beside what this home usually reads at that
    hour of day (the level the model's deviation features compare with); in the model's units."""

    value: float
    usual: float


class InferenceError(RuntimeError):
    """The model runtime failed while scoring (not the data, not the buffer)."""


@dataclass
class Score:
    window_end: datetime
    buffered_hours: int
    probabilities: FloatArray | None = None  # None while the buffer is shorter than a window
    explanation: str = ""
    drift: dict[str, float] = field(default_factory=dict)
    # The scored (last) hour of the window, for the words of an alert: per analogue sensor with a
    # reading (by sensor index), and whether the door opened / the smoke detector was on in it.
    hour_start: datetime | None = None
    evidence: dict[int, Evidence] = field(default_factory=dict)
    door_opened: bool = False
    smoke: bool = False
    # What the scored hour gives the alert policy beside the probabilities: whether each analogue
    # reading supports its class, and whether the fridge was off for the hour (``engine.backtest``).
    policy: HourInput | None = None

    @property
    def anomaly_score(self) -> float | None:
        return None if self.probabilities is None else float(1.0 - self.probabilities[0])


def score_window(
    store: HourlyStore, loaded: LoadedModel, end: datetime, extra: list[HourlySample], local: tzinfo
) -> Score:
    """Score the window of ``window_size`` hours ending at ``end`` (plus ``extra`` open-hour samples).

    Gaps are filled on UTC hours (real time), then each hour is labelled in ``local`` time for
    the features (hour of day, day, weekend) — so a daylight-saving change neither invents nor
    merges an hour.
    """
    history = store.hours_since(end - timedelta(days=BASELINE_DAYS + 2))
    in_utc = [HourlySample(s.hour_start.astimezone(UTC), s.values) for s in history if s.hour_start < end]
    filled = fill_hour_gaps(in_utc + [HourlySample(s.hour_start.astimezone(UTC), s.values) for s in extra])
    samples = [HourlySample(s.hour_start.astimezone(local), s.values) for s in filled]
    window = loaded.model.window_size
    window_end = samples[-1].hour_start + timedelta(hours=1) if samples else end
    score = Score(window_end=window_end, buffered_hours=store.hour_count())
    if len(samples) < window:
        score.explanation = f"learning: {len(samples)} of {window} hours buffered"
        return score
    table = HourlyTable.from_samples(samples)
    first = max(0, len(samples) - max(window, DRIFT_HOURS))
    given = model_input(table, first_row=first)
    features = given.features
    try:
        probabilities = loaded.model.predict_proba(np.ascontiguousarray(features[None, -window:, :]))[0]
    except Exception as err:  # a runtime's own exception types vary; all mean "this runtime failed"
        raise InferenceError(str(err)) from err
    score.probabilities = probabilities.astype(np.float64)
    last = samples[-1]
    # This home's typical readings at the scored hour of day: what the deviation features compare with.
    usual = given.expected[-1]
    score.hour_start = last.hour_start
    score.evidence = {
        sensor: Evidence(float(value), float(usual[sensor]))
        for sensor, value in enumerate(last.values[:N_ANALOG])
        if value is not None
    }
    score.door_opened, score.smoke = last.values[3] >= 0.5, last.values[4] >= 0.5
    score.policy = policy_inputs(table.hour_starts[-1:], table.values[-1:], given.last_rows(1))[0]
    score.explanation = explain(features[-1], last, usual)
    score.drift = drift_against_card(features, loaded.card.raw.get("reference_distributions", {}))
    return score


def explain(last: Any, sample: HourlySample, usual: FloatArray) -> str:
    """Which readings of the last hour were unusual for this home, in words (with their units).

    The door and the smoke detector count as on for an hour they were on at any moment of, so
    they are said in the past tense: the detector may be clear again by now.
    """
    parts = []
    for index, word in enumerate(SENSOR_WORDS):
        deviation = float(last[index])
        value = sample.values[index]
        if value is not None and abs(deviation) >= EXPLAIN_DEVIATION:
            direction = "above" if deviation > 0 else "below"
            unit = MODEL_UNITS[index]
            parts.append(
                f"{word} {value:.1f} {unit} is far {direction} this home's usual {float(usual[index]):.1f} {unit}"
                " at this hour"
            )
    if sample.values[3] >= 0.5:
        parts.append("front door opened")
    if sample.values[4] >= 0.5:
        parts.append("smoke alarm was on")
    return "; ".join(parts)


def drift_against_card(features: Any, references: dict[str, Any]) -> dict[str, float]:
    """PSI of each monitored feature over the last week against the training distribution."""
    recent = features[-DRIFT_HOURS:]
    result = {}
    for name, reference in references.items():
        if name in FEATURE_NAMES and len(recent) >= 24:
            shares = bin_shares(recent[:, FEATURE_NAMES.index(name)].astype(np.float64), reference["edges"])
            result[name] = round(psi(np.asarray(reference["proportions"]), shares), 4)
    return result
