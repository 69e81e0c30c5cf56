"""What the integration would have raised over past hours: the alert policy replayed offline.

The integration applies its rules and policy live, one state change and one closed hour at a
time (``coordinator.py``). ``Replay`` applies the same pieces in the same order to hourly rows:

1. the instant rules at the start of the hour (smoke on → fire, off → its episode ends; the
   door opened in a night hour → door);
2. the model's probabilities for the window ending with the hour, the sensors' baseline status
   and the hourly fridge rule, into ``AlertTracker.observe_hour`` at the end of the hour.

So the trainer's false alarms per home-week and recall are what a household gets — thresholds
calibrated to the home after its first week, the per-class hours needed, hysteresis, fire from
the smoke detector only — and the integration's ``home_anomaly.backtest`` action tells a
household what it would have been told over its recorder history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from .alerts import AlertPolicy, AlertTracker, Transition
from .arrays import BoolArray, Float32Array, FloatArray, IntArray
from .features import N_ANALOG, HourlyTable, ModelInput, model_input, sliding_windows
from .rules import FIRE_ALARM, FRIDGE_POWER, FRONT_DOOR, fridge_off, model_evidence
from .runtime import AnomalyModel
from .schema import AnomalyClass, is_night_hour

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class BacktestAlert:
    """One alert the household would have had: raised at ``raised``, over at ``cleared`` (None:
    still on when the replayed hours end)."""

    anomaly: int
    source: str
    raised: datetime
    cleared: datetime | None
    probability: float


@dataclass(frozen=True)
class HourInput:
    """What one scored hour gives the policy, beside the model's probabilities."""

    hour_start: datetime
    door_open: bool
    smoke: bool
    supported: tuple[bool, bool, bool]  # per analogue sensor: its reading supports its class
    fridge_off: bool


class Replay:
    """An alert tracker fed hour by hour, remembering the alerts it raised and cleared."""

    def __init__(
        self,
        policy: AlertPolicy,
        thresholds: Mapping[int, float],
        night: Callable[[int], bool] = is_night_hour,
    ) -> None:
        self.tracker = AlertTracker(policy, dict(thresholds))
        self.night = night
        self.alerts: list[BacktestAlert] = []
        self._open: dict[int, int] = {}  # class → index in ``alerts`` of its open alert

    def hour(self, hour: HourInput, probabilities: FloatArray) -> int:
        """Feed one closed hour; returns the highest class alerted at any moment of it (0: none)."""
        shown = {code for code, state in self.tracker.classes.items() if state.active}
        start = hour.hour_start
        fire = self.tracker.raise_rule if hour.smoke else self.tracker.release_rule
        instant = [fire(AnomalyClass.FIRE, start)]
        if hour.door_open and self.night(start.hour):
            instant.append(self.tracker.raise_rule(AnomalyClass.DOOR, start))
        rules = (AnomalyClass.FRIDGE,) if hour.fridge_off else ()
        hourly = self.tracker.observe_hour(start + HOUR, [float(p) for p in probabilities], hour.supported, rules)
        for transition in [t for t in instant if t is not None] + hourly:
            self._record(transition)
            if transition.kind == "detected":
                shown.add(transition.anomaly)
        return max(shown, default=0)

    def _record(self, transition: Transition) -> None:
        code = transition.anomaly
        if transition.kind == "detected":
            self._open[code] = len(self.alerts)
            self.alerts.append(
                BacktestAlert(code, transition.source, transition.at, None, round(transition.probability, 4))
            )
        elif code in self._open:
            index = self._open.pop(code)
            raised = self.alerts[index]
            self.alerts[index] = BacktestAlert(
                raised.anomaly, raised.source, raised.raised, transition.at, raised.probability
            )


@dataclass(frozen=True)
class Backtest:
    """The scored hours of a stretch: the model alone and what the household would have had."""

    hour_starts: list[datetime]
    probabilities: FloatArray  # (hours, 6)
    model_classes: IntArray  # the model's top class per hour
    decision: IntArray  # the highest class alerted during each hour (model + rules + policy)
    alerts: list[BacktestAlert]
    # What the replayed policy learnt about the home (``AlertTracker.to_json``'s scored hours and
    # recent normal hours): a live tracker that has not scored a week yet may ``merge_learning`` it.
    learned: dict[str, Any] = field(default_factory=dict)


def hour_inputs(table: HourlyTable, first_row: int) -> tuple[list[HourInput], Float32Array]:
    """Each row's ``HourInput`` from ``first_row`` on, and the model input those rows make."""
    given = model_input(table, first_row)
    return policy_inputs(table.hour_starts[first_row:], table.values[first_row:], given), given.features


def policy_inputs(hour_starts: Sequence[datetime], values: FloatArray, given: ModelInput) -> list[HourInput]:
    """``HourInput`` per row of ``values`` ((n, 5), NaN = missing), with ``given``'s rows beside them."""
    if not len(hour_starts) == len(values) == len(given.baseline_ready):
        raise ValueError(f"{len(hour_starts)} hours need as many rows of values and model input")
    ready, usual = given.baseline_ready, given.usual
    off = fridge_off(values[:, FRIDGE_POWER], usual[:, FRIDGE_POWER], ready[:, FRIDGE_POWER])
    supported = model_evidence(values[:, :N_ANALOG], given.expected, usual, ready)
    return [
        HourInput(
            hour_start=moment,
            door_open=bool(values[row, FRONT_DOOR] >= 0.5),
            smoke=bool(values[row, FIRE_ALARM] >= 0.5),
            supported=_triple(supported[row]),
            fridge_off=bool(off[row]),
        )
        for row, moment in enumerate(hour_starts)
    ]


def _triple(ready: BoolArray) -> tuple[bool, bool, bool]:
    if len(ready) != N_ANALOG:
        raise ValueError(f"model evidence must cover {N_ANALOG} sensors, got {len(ready)}")
    return (bool(ready[0]), bool(ready[1]), bool(ready[2]))


def backtest(
    model: AnomalyModel,
    table: HourlyTable,
    thresholds: Mapping[int, float],
    policy: AlertPolicy | None = None,
    night: Callable[[int], bool] = is_night_hour,
) -> Backtest:
    """Replay every hour of ``table`` that ends a full window (the first ``window - 1`` are history)."""
    window = model.window_size
    inputs, features = hour_inputs(table, 0)
    if len(inputs) < window:
        empty = np.zeros(0, dtype=np.int64)
        return Backtest([], np.zeros((0, 6)), empty, empty, [], {})
    windows = sliding_windows(features, window)
    probabilities = np.asarray(model.predict_proba(np.ascontiguousarray(windows)), dtype=np.float64)
    replay = Replay(policy or AlertPolicy(), thresholds, night)
    scored = inputs[window - 1 :]
    decision = np.array([replay.hour(hour, probabilities[row]) for row, hour in enumerate(scored)], dtype=np.int64)
    return Backtest(
        hour_starts=[hour.hour_start for hour in scored],
        probabilities=probabilities,
        model_classes=probabilities.argmax(axis=1),
        decision=decision,
        alerts=replay.alerts,
        learned={"scored_hours": replay.tracker.scored_hours, "recent": replay.tracker.recent},
    )
