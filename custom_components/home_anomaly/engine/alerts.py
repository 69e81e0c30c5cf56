"""Alert policy: when a model score or a rule becomes an alert, and when the alert ends.

Alert fatigue is a product failure, so:

* a model class must win ``min_hours[class]`` consecutive scored hours before it is raised;
* a raised model alert clears only after ``clear_hours`` consecutive hours without it
  (hysteresis), so a flickering score does not raise and clear every hour;
* each home's thresholds calibrate themselves: after ``learning_hours`` scored hours, a class's
  threshold becomes the higher of the model card's and the ``calibration_quantile`` of that
  class's probability over the home's own recent hours that raised nothing — a home whose
  model often blips "temperature" for an hour gets a higher temperature bar (capped at
  ``max_threshold``). Hours spent inside an alert never count, so a week-long heating failure
  does not teach the home that cold is normal;
* notifications of a class respect a cooldown (``may_notify``).

Rule alerts (smoke → fire, door at night → door) are raised at once; fire clears when the
smoke detector does, a door alert after ``door_hold``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Final

import numpy as np

from .schema import ANOMALY_CLASS_NAMES, AnomalyClass

ANOMALY_CODES: Final = (1, 2, 3, 4, 5)
SOURCE_MODEL: Final = "model"
SOURCE_RULE: Final = "rule"
RECENT_HOURS: Final = 14 * 24


@dataclass(frozen=True)
class AlertPolicy:
    min_hours: dict[int, int] = field(default_factory=lambda: {1: 2, 2: 1, 3: 1, 4: 1, 5: 1})
    clear_hours: int = 2
    door_hold: timedelta = timedelta(hours=1)
    learning_hours: int = 7 * 24
    calibration_quantile: float = 0.999
    max_threshold: float = 0.95


@dataclass
class ClassState:
    active: bool = False
    source: str | None = None
    since: str | None = None  # ISO time the alert was raised
    probability: float = 0.0
    streak: int = 0  # consecutive hours the model put this class on top
    calm: int = 0  # consecutive hours without it while active
    last_notified: str | None = None
    acknowledged: bool = False


@dataclass(frozen=True)
class Transition:
    kind: str  # "detected" | "cleared"
    anomaly: int
    source: str
    probability: float
    at: datetime

    @property
    def name(self) -> str:
        return ANOMALY_CLASS_NAMES[self.anomaly]


class AlertTracker:
    def __init__(self, policy: AlertPolicy, card_thresholds: dict[int, float]) -> None:
        self.policy = policy
        self.card_thresholds = {code: card_thresholds.get(code, 0.5) for code in ANOMALY_CODES}
        self.classes: dict[int, ClassState] = {code: ClassState() for code in ANOMALY_CODES}
        self.scored_hours = 0
        self.recent: list[list[float]] = []  # probabilities of recent hours the model called normal

    # --- thresholds ---------------------------------------------------------------------------

    def thresholds(self) -> dict[int, float]:
        """The home's current thresholds (the card's until the learning period is over)."""
        if self.scored_hours < self.policy.learning_hours or not self.recent:
            return dict(self.card_thresholds)
        history = np.asarray(self.recent)
        learned = np.quantile(history, self.policy.calibration_quantile, axis=0)
        return {
            code: float(min(max(self.card_thresholds[code], learned[code]), self.policy.max_threshold))
            for code in ANOMALY_CODES
        }

    # --- inputs -------------------------------------------------------------------------------

    def observe_hour(self, at: datetime, probabilities: Sequence[float]) -> list[Transition]:
        """One scored hour from the model; returns the alerts it raises or clears."""
        thresholds = self.thresholds()
        winner = int(np.argmax(probabilities))
        self.scored_hours += 1
        transitions: list[Transition] = []
        for code, state in self.classes.items():
            hot = winner == code and probabilities[code] >= thresholds[code]
            state.streak = state.streak + 1 if hot else 0
            if hot:
                state.probability = float(probabilities[code])
            if not state.active:
                if hot and state.streak >= self.policy.min_hours[code]:
                    transitions.append(self._raise(code, SOURCE_MODEL, float(probabilities[code]), at))
                    # The streak's earlier hours were the start of this anomaly, not blips.
                    self.recent = (
                        self.recent[: len(self.recent) - (state.streak - 1)] if state.streak > 1 else self.recent
                    )
                continue
            if state.source == SOURCE_MODEL:
                state.calm = 0 if hot else state.calm + 1
                if state.calm >= self.policy.clear_hours:
                    transitions.append(self._clear(code, at))
        transitions.extend(self.expire(at))
        if winner == AnomalyClass.NORMAL or not self.classes[winner].active:
            # An hour that raised nothing is one of this home's normal hours, blips included.
            self.recent = [*self.recent, [float(p) for p in probabilities]][-RECENT_HOURS:]
        return transitions

    def raise_rule(self, code: int, at: datetime) -> Transition | None:
        """A rule fired (smoke on, door at night): raise now unless already active."""
        state = self.classes[code]
        if state.active:
            if state.source == SOURCE_RULE:
                state.since = at.isoformat() if code == AnomalyClass.DOOR else state.since
            state.source = SOURCE_RULE
            return None
        return self._raise(code, SOURCE_RULE, 1.0, at)

    def release_rule(self, code: int, at: datetime) -> Transition | None:
        """The condition behind a rule alert ended (smoke detector off)."""
        state = self.classes[code]
        if state.active and state.source == SOURCE_RULE:
            return self._clear(code, at)
        return None

    def expire(self, at: datetime) -> list[Transition]:
        """Clear door alerts older than ``door_hold`` (called on a timer as well as hourly)."""
        state = self.classes[AnomalyClass.DOOR]
        held = at - datetime.fromisoformat(state.since) if state.since else timedelta(0)
        if state.active and state.source == SOURCE_RULE and held >= self.policy.door_hold:
            return [self._clear(AnomalyClass.DOOR, at)]
        return []

    def acknowledge(self, code: int, at: datetime) -> Transition | None:
        """The household has seen it: clear the alert state for the class."""
        state = self.classes[code]
        if not state.active:
            return None
        transition = self._clear(code, at)
        state.acknowledged = True
        return transition

    # --- outputs -----------------------------------------------------------------------------

    def top(self) -> int:
        """The highest-priority active class (0 when all is normal)."""
        active = [code for code, state in self.classes.items() if state.active]
        return max(active, default=0)

    def may_notify(self, code: int, at: datetime, cooldown: timedelta) -> bool:
        state = self.classes[code]
        if state.last_notified and at - datetime.fromisoformat(state.last_notified) < cooldown:
            return False
        state.last_notified = at.isoformat()
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": {str(code): asdict(state) for code, state in self.classes.items()},
            "scored_hours": self.scored_hours,
            "recent": self.recent,
        }

    def restore(self, saved: dict[str, Any] | None) -> None:
        if not saved:
            return
        known = {f.name for f in fields(ClassState)}  # a state saved by another version may differ
        for code, values in saved.get("classes", {}).items():
            if int(code) in self.classes:
                self.classes[int(code)] = ClassState(**{k: v for k, v in values.items() if k in known})
        self.scored_hours = int(saved.get("scored_hours", 0))
        self.recent = [list(map(float, row)) for row in saved.get("recent", [])][-RECENT_HOURS:]

    def merge_learning(self, saved: dict[str, Any] | None) -> None:
        """Add what a saved state learned about the home to this run's (alert states stay this run's)."""
        if not saved:
            return
        self.scored_hours += int(saved.get("scored_hours", 0))
        earlier = [list(map(float, row)) for row in saved.get("recent", [])]
        self.recent = (earlier + self.recent)[-RECENT_HOURS:]

    # --- transitions ---------------------------------------------------------------------------

    def _raise(self, code: int, source: str, probability: float, at: datetime) -> Transition:
        state = self.classes[code]
        state.active, state.source, state.since = True, source, at.isoformat()
        state.probability, state.calm, state.acknowledged = probability, 0, False
        return Transition("detected", code, source, probability, at)

    def _clear(self, code: int, at: datetime) -> Transition:
        state = self.classes[code]
        transition = Transition("cleared", code, state.source or SOURCE_MODEL, state.probability, at)
        state.active, state.source, state.since, state.calm, state.streak = False, None, None, 0, 0
        return transition
