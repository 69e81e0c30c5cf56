"""Metrics agree with scikit-learn, and event-level metrics count what a household would notice."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from trainer.metrics import (
    EpisodeRow,
    confusion,
    event_metrics,
    macro_f1_excluding_normal,
    per_class_scores,
    row_normalised,
)

labels = st.lists(st.integers(0, 5), min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(labels, st.randoms(use_true_random=False))
def test_per_class_scores_match_scikit_learn(y_true_list: list[int], random: object) -> None:
    y_true = np.array(y_true_list)
    y_pred = np.array([random.choice(range(6)) for _ in y_true_list])  # type: ignore[attr-defined]
    ours = per_class_scores(y_true, y_pred)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=[1, 2, 3, 4, 5], zero_division=0
    )
    for i, cls in enumerate("12345"):
        assert np.isclose(ours[cls]["precision"], precision[i])
        assert np.isclose(ours[cls]["recall"], recall[i])
        assert np.isclose(ours[cls]["f1"], f1[i])
        assert ours[cls]["support"] == support[i]
    expected_macro = f1_score(y_true, y_pred, labels=[1, 2, 3, 4, 5], average="macro", zero_division=0)
    assert np.isclose(macro_f1_excluding_normal(y_true, y_pred), expected_macro)
    np.testing.assert_array_equal(confusion(y_true, y_pred), confusion_matrix(y_true, y_pred, labels=range(6)))


def test_a_model_that_never_alarms_scores_zero_not_ninety_percent() -> None:
    y_true = np.array([0] * 93 + [1, 2, 3, 4, 5] + [1, 1])
    assert macro_f1_excluding_normal(y_true, np.zeros_like(y_true)) == 0.0


def test_row_normalised_confusion_rows_sum_to_one() -> None:
    matrix = confusion(np.array([0, 0, 1, 1, 1]), np.array([0, 1, 1, 1, 0]))
    normalised = row_normalised(matrix)
    np.testing.assert_allclose(normalised[:2].sum(axis=1), [1.0, 1.0])
    assert normalised[1, 1] == 2 / 3


def test_event_recall_time_to_detect_and_false_alarms() -> None:
    start = datetime(2025, 1, 1)
    times = [start + timedelta(hours=h) for h in range(24 * 7)]  # one home-week
    predicted = np.zeros(len(times), dtype=int)
    predicted[12] = 2  # fridge episode 10–13 h caught with a wrong class: not a detection
    predicted[31:33] = 1  # temperature episode 30–40 h caught one hour late
    predicted[100] = 4  # an alarm where nothing happened
    predicted[150:153] = 3  # another false alarm run (one run, three hours)
    episodes = [
        EpisodeRow("user_001", 3, start + timedelta(hours=10), start + timedelta(hours=13)),
        EpisodeRow("user_001", 1, start + timedelta(hours=30), start + timedelta(hours=40)),
    ]
    result = event_metrics({"user_001": (times, predicted)}, episodes)
    assert result.event_recall["1"] == 1.0
    assert result.event_recall["3"] == 0.0
    assert result.median_time_to_detect_h["1"] == 1.0
    assert result.false_alarms == 2
    assert result.false_alarms_per_home_week == 2.0
