"""Alert policy: when a model score or a rule becomes an alert, and when the alert ends.

Alert fatigue is a product failure, and so is a missed alarm, so:

* a model class must win ``min_hours[class]`` consecutive scored hours before it is raised;
* a raised model alert clears only after ``clear_hours`` consecutive hours without it
  (hysteresis), so a flickering score does not raise and clear every hour;
* only hours the clock closed count (``observe_hour``). An on-demand score of the open hour
  (``observe_partial``) may raise an alert as if the hour had closed now, but it is not a scored
  hour: it advances no streak, no calm count, no learning, and so never clears an alert, however
  often it is asked for;
* each home's thresholds calibrate themselves: after ``learning_hours`` scored hours, a class's
  threshold becomes the higher of the model card's and the ``calibration_quantile`` of that
  class's probability over the home's own recent hours that raised nothing — a home whose
  model often blips "temperature" for an hour gets a higher temperature bar (capped at
  ``max_threshold``). Hours spent inside an alert (or its acknowledged episode) never count, so
  a week-long heating failure does not teach the home that cold is normal;
* fire comes from the smoke detector only: the model may raise just ``model_classes``. A fire
  alert is a critical push that breaks through silent mode; heat and humidity without smoke are
  what a shower, an oven or a sunny window look like, and the model only ever learnt fire with
  the alarm on (SPEC §7), so its "fire" without the detector is a guess an alarm must not make;
* an alert belongs to an *episode* of its condition. Acknowledging it, or a door alert expiring,
  clears the alert but keeps the episode ``quiet``: nothing raises it again until the episode
  ends — a model class after ``clear_hours`` scored hours without it, fire when the smoke
  detector clears, a door when it stays shut for ``door_hold``. A new episode raises again;
* pushes of a class respect a cooldown (``may_notify``), for repeats of priorities below
  ``CRITICAL_PRIORITY`` only: a second fire or night-time door is a new event, never a repeat to
  damp. The cooldown starts when a push was delivered (``notified``), not when one was tried.

* the model raises temperature, humidity or fridge only in an hour whose reading supports it
  (``supported``, from ``rules.model_evidence``): the sensor has a baseline of its own — a home's
  first day, or a sensor added yesterday, has nothing to be unusual against (real homes raised
  6.8 false alarms per home-week in their first three days before this gate) — and reads far
  enough from its usual (a 2 °C cool spell is not a heating failure, whatever the model says).

Rule alerts (smoke → fire, door at night → door) are raised at once; fire clears when the
smoke detector does, a door alert — raised by the rule or the model — ``door_hold`` after the
door last opened. The hourly fridge rule (``rules.fridge_off``) raises through ``observe_hour``
and lives like a model alert: it clears after ``clear_hours`` hours without it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Final

import numpy as np

from .schema import ANOMALY_CLASS_NAMES, AnomalyClass

ANOMALY_CODES: Final = (1, 2, 3, 4, 5)
CRITICAL_PRIORITY: Final = 4  # door at night and fire: critical pushes, never damped
SOURCE_MODEL: Final = "model"
SOURCE_RULE: Final = "rule"
HOURLY_RULE_CLASSES: Final = frozenset({AnomalyClass.FRIDGE})  # rules.fridge_off: lives like a model alert
# Why an alert cleared.
CAUSE_ENDED: Final = "ended"  # its condition is over (calm hours, the smoke detector clear)
CAUSE_EXPIRED: Final = "expired"  # a door alert's hold ran out
CAUSE_ACKNOWLEDGED: Final = "acknowledged"
RECENT_HOURS: Final = 14 * 24
DEFAULT_THRESHOLD: Final = 0.5  # a class's threshold when the model card gives none
# The analogue sensor each model class is about (temperature, humidity, fridge power).
CLASS_SENSOR: Final[dict[int, int]] = {AnomalyClass.TEMPERATURE: 0, AnomalyClass.HUMIDITY: 1, AnomalyClass.FRIDGE: 2}
ALL_SUPPORTED: Final = (True, True, True)


@dataclass(frozen=True)
class AlertPolicy:
    min_hours: dict[int, int] = field(default_factory=lambda: {1: 2, 2: 1, 3: 1, 4: 1, 5: 1})
    clear_hours: int = 2
    door_hold: timedelta = timedelta(hours=1)
    learning_hours: int = 7 * 24
    calibration_quantile: float = 0.999
    max_threshold: float = 0.95
    # The classes the model may raise: fire only ever from the smoke detector (see the module text).
    model_classes: frozenset[int] = frozenset(
        {AnomalyClass.TEMPERATURE, AnomalyClass.HUMIDITY, AnomalyClass.FRIDGE, AnomalyClass.DOOR}
    )


@dataclass
class ClassState:
    active: bool = False
    source: str | None = None
    since: str | None = None  # ISO time the alert was raised (a door: last opened)
    probability: float = 0.0
    streak: int = 0  # consecutive hours the model put this class on top
    calm: int = 0  # consecutive hours without it while active or quiet
    last_notified: str | None = None  # the last push that was delivered
    acknowledged: bool = False
    quiet: bool = False  # acknowledged or expired: this episode raises nothing more until it ends
    last_rule: str | None = None  # when the rule last fired (a door: its last opening at night)


@dataclass(frozen=True)
class Transition:
    kind: str  # "detected" | "cleared"
    anomaly: int
    source: str
    probability: float
    at: datetime
    since: datetime | None = None  # cleared: when the alert was raised
    cause: str = ""  # cleared: CAUSE_ENDED, CAUSE_EXPIRED or CAUSE_ACKNOWLEDGED

    @property
    def name(self) -> str:
        return ANOMALY_CLASS_NAMES[self.anomaly]


class AlertTracker:
    def __init__(self, policy: AlertPolicy, card_thresholds: dict[int, float]) -> None:
        self.policy = policy
        self.card_thresholds = {code: card_thresholds.get(code, DEFAULT_THRESHOLD) for code in ANOMALY_CODES}
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

    def observe_hour(
        self,
        at: datetime,
        probabilities: Sequence[float],
        supported: Sequence[bool] = ALL_SUPPORTED,
        rule_classes: Collection[int] = (),
    ) -> list[Transition]:
        """One scored hour, closed by the clock; returns the alerts it raises or clears.

        ``supported``: per analogue sensor, whether its reading supports its class this hour;
        ``rule_classes``: the classes an hourly rule found in the hour (they win over the model).
        """
        hot = self._hot(probabilities, supported, rule_classes)
        winner = int(np.argmax(probabilities))
        self.scored_hours += 1
        transitions: list[Transition] = []
        for code, state in self.classes.items():
            is_hot = code in hot
            state.streak = state.streak + 1 if is_hot else 0
            if is_hot:
                state.probability = hot[code]
            if state.quiet:
                # An episode the household has seen: it ends after calm hours, raising nothing.
                # (Fire's episode is the smoke detector's: only ``release_rule`` ends it.)
                if code in self.policy.model_classes:
                    state.calm = 0 if is_hot else state.calm + 1
                    if state.calm >= self.policy.clear_hours:
                        state.quiet, state.calm = False, 0
                continue
            if not state.active:
                if is_hot and state.streak >= self.policy.min_hours[code]:
                    source = SOURCE_RULE if code in rule_classes else SOURCE_MODEL
                    transitions.append(self._raise(code, source, hot[code], at))
                    # The streak's earlier hours were the start of this anomaly, not blips.
                    self._forget_recent(state.streak - 1)
                continue
            if state.source == SOURCE_MODEL or code in HOURLY_RULE_CLASSES:
                state.calm = 0 if is_hot else state.calm + 1
                if state.calm >= self.policy.clear_hours:
                    transitions.append(self._clear(code, at, CAUSE_ENDED))
        transitions.extend(self.expire(at))
        top = self.classes.get(winner)
        if top is None or not (top.active or top.quiet):
            # An hour that raised nothing is one of this home's normal hours, blips included.
            self.recent = [*self.recent, [float(p) for p in probabilities]][-RECENT_HOURS:]
        return transitions

    def observe_partial(
        self, at: datetime, probabilities: Sequence[float], supported: Sequence[bool] = ALL_SUPPORTED
    ) -> list[Transition]:
        """An on-demand score of the open hour: raises what the hour would raise if it closed now,
        and nothing else — not a scored hour, so no counter moves and nothing clears. (No hourly
        rule: the open hour's latest fridge reading is a moment, and a compressor rests at 0 W.)"""
        transitions: list[Transition] = []
        for code, probability in self._hot(probabilities, supported, ()).items():
            state = self.classes[code]
            if not state.active and not state.quiet and state.streak + 1 >= self.policy.min_hours[code]:
                transitions.append(self._raise(code, SOURCE_MODEL, probability, at))
                self._forget_recent(state.streak)  # the closed hours of its streak were its start
        return transitions + self.expire(at)

    def raise_rule(self, code: int, at: datetime) -> Transition | None:
        """A rule fired (smoke on, door at night): raise now unless already active or already seen."""
        state = self.classes[code]
        previous = datetime.fromisoformat(state.last_rule) if state.last_rule else None
        state.last_rule = at.isoformat()
        if state.active:
            if state.source == SOURCE_RULE:
                state.since = at.isoformat() if code == AnomalyClass.DOOR else state.since
            state.source = SOURCE_RULE
            return None
        # An episode the household has seen goes on: a smoke detector that never cleared (it
        # reported "on" again after a dropout), or another opening within the door's hold.
        same_door_visit = previous is not None and at - previous < self.policy.door_hold
        if state.quiet and (code != AnomalyClass.DOOR or same_door_visit):
            return None
        return self._raise(code, SOURCE_RULE, 1.0, at)

    def release_rule(self, code: int, at: datetime) -> Transition | None:
        """The condition behind a rule alert ended (smoke detector clear): so does its episode."""
        state = self.classes[code]
        state.quiet = False
        if state.active and state.source == SOURCE_RULE:
            return self._clear(code, at, CAUSE_ENDED)
        return None

    def expire(self, at: datetime) -> list[Transition]:
        """Clear a door alert ``door_hold`` after it was raised or the door last opened, whoever
        raised it (called on a timer as well as hourly); its episode stays quiet."""
        state = self.classes[AnomalyClass.DOOR]
        if not state.active or state.since is None or at - datetime.fromisoformat(state.since) < self.policy.door_hold:
            return []
        transition = self._clear(AnomalyClass.DOOR, at, CAUSE_EXPIRED)
        state.quiet = True
        return [transition]

    def acknowledge(self, code: int, at: datetime) -> Transition | None:
        """The household has seen it: clear the alert, and keep the rest of its episode quiet."""
        state = self.classes[code]
        if not state.active:
            return None
        transition = self._clear(code, at, CAUSE_ACKNOWLEDGED)
        state.acknowledged = state.quiet = True
        return transition

    # --- outputs -----------------------------------------------------------------------------

    def top(self) -> int:
        """The highest-priority active class (0 when all is normal)."""
        active = [code for code, state in self.classes.items() if state.active]
        return max(active, default=0)

    def may_notify(self, code: int, at: datetime, cooldown: timedelta) -> bool:
        """Whether a new alert of ``code`` may be pushed: always at ``CRITICAL_PRIORITY`` and above,
        else not within ``cooldown`` of the last push of the class that was delivered."""
        last = self.classes[code].last_notified
        if code >= CRITICAL_PRIORITY or last is None:
            return True
        return at - datetime.fromisoformat(last) >= cooldown

    def notified(self, code: int, at: datetime) -> None:
        """A push of ``code`` was delivered: its cooldown starts now."""
        self.classes[code].last_notified = at.isoformat()

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
                state = ClassState(**{k: v for k, v in values.items() if k in known})
                if state.active and state.source == SOURCE_MODEL and int(code) not in self.policy.model_classes:
                    # Saved by a version that let the model raise fire: this one does not.
                    state.active, state.source, state.since = False, None, None
                self.classes[int(code)] = state
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

    def _hot(
        self, probabilities: Sequence[float], supported: Sequence[bool], rule_classes: Collection[int]
    ) -> dict[int, float]:
        """The class hot this hour, with its probability: an hourly rule's (1.0), else the class the
        model puts on top, if it may raise it, the hour's reading supports it and it clears its threshold."""
        if rule_classes:
            return {max(rule_classes): 1.0}
        winner = int(np.argmax(probabilities))
        if winner not in self.policy.model_classes or probabilities[winner] < self.thresholds()[winner]:
            return {}
        sensor = CLASS_SENSOR.get(winner)
        if sensor is not None and not supported[sensor]:
            return {}
        return {winner: float(probabilities[winner])}

    def _forget_recent(self, hours: int) -> None:
        """Take the last ``hours`` hours back out of the home's normal hours."""
        if hours > 0:
            self.recent = self.recent[: len(self.recent) - hours]

    def _raise(self, code: int, source: str, probability: float, at: datetime) -> Transition:
        state = self.classes[code]
        state.active, state.source, state.since = True, source, at.isoformat()
        state.probability, state.calm, state.acknowledged, state.quiet = probability, 0, False, False
        return Transition("detected", code, source, probability, at)

    def _clear(self, code: int, at: datetime, cause: str) -> Transition:
        state = self.classes[code]
        since = datetime.fromisoformat(state.since) if state.since else None
        transition = Transition("cleared", code, state.source or SOURCE_MODEL, state.probability, at, since, cause)
        state.active, state.source, state.since, state.calm, state.streak = False, None, None, 0, 0
        return transition
