"""What a zone would have raised over its buffered history: ``home_anomaly.backtest`` and diagnostics.

After the recorder warm start a zone's buffer holds weeks of this home's hours. Replaying them
through the engine's ``backtest`` — the same model, the card's thresholds, the coordinator's alert
policy and this zone's night window, in a *fresh* tracker (the live one is never touched) —
tells the household how often it would have been alerted, before the first night.

The hours are read like ``scoring.score_window`` reads a window: from the SQLite buffer (plus
closed hours it could not take yet), gaps filled on UTC hours, each hour labelled in local time.
The reported period is the last ``days`` days before the open hour; the ``BASELINE_DAYS`` before
it are read too, so the first reported day is judged against a baseline as the live zone's is
(and the replay's self-calibrating thresholds have warmed up the same way). Only alerts raised
in the period, for the classes this zone has a sensor for, are reported.

The SQLite read holds the buffer (the hour's writes wait for it); the features and inference run
in a second executor job, outside it. Nothing blocking runs on the event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import (
    CONF_DOOR_CONDITION_ENTITY,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    DEFAULT_NIGHT_END,
    DEFAULT_NIGHT_START,
)
from .coordinator import HomeAnomalyCoordinator, configured_classes, in_night_window
from .engine.alerts import AlertPolicy
from .engine.backtest import Backtest, backtest
from .engine.features import BASELINE_DAYS, HourlySample, HourlyTable, fill_hour_gaps
from .engine.schema import ANOMALY_CLASS_NAMES
from .engine.store import HourlyStore
from .model_loader import LoadedModel

DEFAULT_BACKTEST_DAYS: Final = 28
MAX_BACKTEST_DAYS: Final = 365
HOURS_PER_WEEK: Final = 7 * 24
DOOR_CONDITION_NOTE: Final = (
    "The door condition's past states are not in the buffer: every night-time door opening is counted."
)


@dataclass
class BacktestReport:
    """What the zone would have raised over ``start`` … ``end`` (``hours`` scored hours)."""

    start: datetime | None
    end: datetime | None
    hours: int
    alerts: list[dict[str, Any]]
    by_anomaly: dict[str, int]
    reason: str | None = None  # why nothing was replayed (too little history, no buffer)
    notes: list[str] = field(default_factory=list)
    learned: dict[str, Any] = field(default_factory=dict)  # what the replayed policy learnt (``Backtest``)

    @property
    def per_week(self) -> float | None:
        """Alerts per week of replayed hours (None when no hour was replayed)."""
        return round(len(self.alerts) * HOURS_PER_WEEK / self.hours, 2) if self.hours else None

    def response(self, zone: str) -> dict[str, Any]:
        """The ``home_anomaly.backtest`` response data."""
        return {
            "zone": zone,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "hours": self.hours,
            "days": round(self.hours / 24, 1),
            "alerts": self.alerts,
            "per_week": self.per_week,
            "by_anomaly": self.by_anomaly,
            "reason": self.reason,
            "notes": self.notes,
        }

    def summary(self) -> dict[str, Any]:
        """The diagnostics line: no times, only how much was replayed and what it raised."""
        return {
            "hours": self.hours,
            "alerts": len(self.alerts),
            "per_week": self.per_week,
            "by_anomaly": self.by_anomaly,
            "reason": self.reason,
        }


async def async_backtest(
    hass: HomeAssistant, coordinator: HomeAnomalyCoordinator, days: int = DEFAULT_BACKTEST_DAYS
) -> BacktestReport:
    """Replay the zone's last ``days`` days of buffered hours; see the module text."""
    entry = coordinator.entry
    classes = configured_classes(entry.data)
    counts = {ANOMALY_CLASS_NAMES[code]: 0 for code in classes}
    notes = [DOOR_CONDITION_NOTE] if entry.options.get(CONF_DOOR_CONDITION_ENTITY) else []
    end = coordinator.aggregator.hour_start  # the open hour: every hour before it is closed
    start = end - timedelta(days=days)

    def read(store: HourlyStore) -> Awaitable[list[HourlySample]]:
        unwritten = coordinator.buffer.unwritten_hours()  # on the loop, after the buffer's flush
        # Untracked, as the buffer's own reads: a cancelled backtest must not leave the thread in the file.
        return hass.loop.run_in_executor(None, _read_hours, store, start, end, unwritten)

    samples = await coordinator.buffer.async_use(read)
    if samples is None:
        return BacktestReport(None, None, 0, [], counts, "the buffer cannot be read now", notes)
    loaded = coordinator.loaded
    window = loaded.model.window_size
    if len(samples) < window:
        reason = f"learning: {len(samples)} of {window} hours buffered; the backtest needs one model window"
        return BacktestReport(None, None, 0, [], counts, reason, notes)
    night = _night_window(entry.options)
    result = await hass.async_add_executor_job(
        _replay, samples, loaded, coordinator.tracker.policy, night, dt_util.get_default_time_zone()
    )
    scored = [moment for moment in result.hour_starts if moment >= start]
    if not scored:
        return BacktestReport(None, None, 0, [], counts, f"no buffered hours in the last {days} days", notes)
    alerts = [alert for alert in result.alerts if alert.raised >= start and alert.anomaly in classes]
    for alert in alerts:
        counts[ANOMALY_CLASS_NAMES[alert.anomaly]] += 1
    return BacktestReport(
        start=scored[0],
        end=scored[-1] + timedelta(hours=1),
        hours=len(scored),
        alerts=[
            {
                "anomaly": ANOMALY_CLASS_NAMES[alert.anomaly],
                "priority": alert.anomaly,
                "source": alert.source,
                "raised": alert.raised.isoformat(),
                "cleared": alert.cleared.isoformat() if alert.cleared else None,
                "probability": alert.probability,
            }
            for alert in alerts
        ],
        by_anomaly=counts,
        notes=notes,
        learned=result.learned,
    )


async def async_learn_from_history(hass: HomeAssistant, coordinator: HomeAnomalyCoordinator) -> None:
    """After a recorder warm start: the replayed history teaches the live policy this home's normal.

    The alert thresholds calibrate themselves to a home after ``learning_hours`` scored hours
    (``engine.alerts``); hours the recorder already had count as scored hours here, so a home
    with a fortnight of history gets its own thresholds from the first night, not a week later.
    """
    report = await async_backtest(hass, coordinator, days=BASELINE_DAYS)
    if report.learned:
        coordinator.learn(report.learned)


def _night_window(options: Any) -> Callable[[int], bool]:
    """The zone's night window for the door rule, as the coordinator applies it (start = end: off)."""
    night_start = int(options.get(CONF_NIGHT_START, DEFAULT_NIGHT_START))
    night_end = int(options.get(CONF_NIGHT_END, DEFAULT_NIGHT_END))
    return lambda hour: in_night_window(hour, night_start, night_end)


def _read_hours(
    store: HourlyStore, start: datetime, end: datetime, unwritten: list[HourlySample]
) -> list[HourlySample]:
    """The closed hours of ``start`` … ``end`` and the ``BASELINE_DAYS`` before, as UTC hours with
    gaps filled (in the executor: SQLite)."""
    history = store.hours_since(start - timedelta(days=BASELINE_DAYS))
    # An unwritten hour (the file could not take it yet) is newer than any stored one.
    by_hour = {s.hour_start.astimezone(UTC): s.values for s in [*history, *unwritten] if s.hour_start < end}
    return fill_hour_gaps([HourlySample(moment, by_hour[moment]) for moment in sorted(by_hour)])


def _replay(
    samples: list[HourlySample], loaded: LoadedModel, policy: AlertPolicy, night: Callable[[int], bool], local: tzinfo
) -> Backtest:
    """Features, inference and the replayed policy (in the executor)."""
    table = HourlyTable.from_samples([HourlySample(s.hour_start.astimezone(local), s.values) for s in samples])
    return backtest(loaded.model, table, loaded.card.thresholds, policy, night)
