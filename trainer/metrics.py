"""Metrics that mean something for rare anomalies (SPEC §5): classes 1–5 only, and events.

Accuracy is not reported: 93 % of hours are normal, so a model that never alarms scores 93 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

ANOMALY_CLASSES = (1, 2, 3, 4, 5)
N_CLASSES = 6


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """Raw confusion matrix: rows are true classes, columns predicted."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y_true.astype(np.int64), y_pred.astype(np.int64)), 1)
    return matrix


def row_normalised(matrix: np.ndarray) -> np.ndarray:
    totals = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, totals, out=np.zeros(matrix.shape, dtype=np.float64), where=totals > 0)


def per_class_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support of each anomaly class (normal excluded)."""
    scores: dict[str, dict[str, float]] = {}
    for cls in ANOMALY_CLASSES:
        true_positive = int(np.sum((y_true == cls) & (y_pred == cls)))
        predicted = int(np.sum(y_pred == cls))
        support = int(np.sum(y_true == cls))
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[str(cls)] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return scores


def macro_f1_excluding_normal(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean F1 over classes 1–5 (the headline number)."""
    return float(np.mean([s["f1"] for s in per_class_scores(y_true, y_pred).values()]))


@dataclass(frozen=True)
class EpisodeRow:
    user_id: str
    anomaly_class: int
    start: datetime
    end: datetime


@dataclass
class EventMetrics:
    event_recall: dict[str, float]
    median_time_to_detect_h: dict[str, float | None]
    false_alarms: int
    home_weeks: float

    @property
    def false_alarms_per_home_week(self) -> float:
        return self.false_alarms / self.home_weeks if self.home_weeks else 0.0


def event_metrics(
    predictions: dict[str, tuple[list[datetime], np.ndarray]],
    episodes: list[EpisodeRow],
    step: timedelta = timedelta(hours=1),
) -> EventMetrics:
    """Event-level view: was each true episode caught, how fast, and how many false alarms.

    ``predictions`` maps a household to (scored timestamps, predicted class per timestamp).
    An episode counts as detected when a scored hour inside it is predicted as its class; an
    episode entirely before the first scored hour is left out. A false alarm is a run of
    consecutive non-normal predictions that overlaps no true episode of any class.
    """
    detected: dict[int, list[float]] = {cls: [] for cls in ANOMALY_CLASSES}
    counted: dict[int, int] = dict.fromkeys(ANOMALY_CLASSES, 0)
    false_alarms = 0
    hours_scored = 0.0
    by_user: dict[str, list[EpisodeRow]] = {}
    for episode in episodes:
        by_user.setdefault(episode.user_id, []).append(episode)

    for user_id, (times, predicted) in predictions.items():
        if not times:
            continue
        hours_scored += len(times) * step / timedelta(hours=1)
        stamps = np.array(times, dtype="datetime64[s]")
        user_episodes = by_user.get(user_id, [])
        for episode in user_episodes:
            inside = (stamps >= np.datetime64(episode.start, "s")) & (stamps <= np.datetime64(episode.end, "s"))
            if not inside.any():
                continue
            counted[episode.anomaly_class] += 1
            hits = np.flatnonzero(inside & (predicted == episode.anomaly_class))
            if hits.size:
                delay = (stamps[hits[0]] - np.datetime64(episode.start, "s")) / np.timedelta64(1, "h")
                detected[episode.anomaly_class].append(float(delay))
        false_alarms += len(false_alarm_runs(stamps, predicted, user_episodes))

    return EventMetrics(
        event_recall={str(c): (len(detected[c]) / counted[c] if counted[c] else 0.0) for c in ANOMALY_CLASSES},
        median_time_to_detect_h={
            str(c): (float(np.median(detected[c])) if detected[c] else None) for c in ANOMALY_CLASSES
        },
        false_alarms=false_alarms,
        home_weeks=hours_scored / (24 * 7),
    )


def false_alarm_runs(stamps: np.ndarray, predicted: np.ndarray, episodes: list[EpisodeRow]) -> list[tuple[int, int]]:
    """(first, last) index of each run of consecutive non-normal predictions that overlaps no true
    episode of any class — what a household sees as a false alarm. ``stamps`` is datetime64[s]."""
    true_mask = np.zeros(len(stamps), dtype=bool)
    for episode in episodes:
        true_mask |= (stamps >= np.datetime64(episode.start, "s")) & (stamps <= np.datetime64(episode.end, "s"))
    return [(start, end) for start, end in _runs(predicted != 0) if not true_mask[start : end + 1].any()]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]
