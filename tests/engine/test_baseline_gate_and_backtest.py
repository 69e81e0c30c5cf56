"""A sensor without a baseline of its own raises nothing; a dead fridge is caught whatever its draw;
the offline replay of the policy is what the live tracker does."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from custom_components.home_anomaly.engine.alerts import AlertPolicy, AlertTracker
from custom_components.home_anomaly.engine.backtest import backtest, hour_inputs
from custom_components.home_anomaly.engine.features import FEATURE_NAMES, HourlyTable, model_input
from custom_components.home_anomaly.engine.rules import fridge_off, model_evidence
from custom_components.home_anomaly.engine.runtime import load_model
from custom_components.home_anomaly.engine.schema import AnomalyClass

SHIPPED = Path(__file__).resolve().parents[2] / "custom_components" / "home_anomaly" / "models" / "model.onnx"
THRESHOLDS = dict.fromkeys(range(1, 6), 0.5)
T0 = datetime(2025, 1, 6)  # a Monday
FRIDGE = [0.05, 0.01, 0.01, 0.9, 0.02, 0.01]
COLD = [0.05, 0.9, 0.02, 0.01, 0.01, 0.01]


def _home(days: int, fridge_w: float, seed: int = 0) -> HourlyTable:
    """A steady home: 21 °C, 45 %RH, a fridge drawing ``fridge_w`` ± 25 % hour to hour."""
    rng = np.random.default_rng(seed)
    n = days * 24
    values = np.column_stack(
        [
            21 + rng.normal(0, 0.3, n),
            45 + rng.normal(0, 2, n),
            fridge_w * (1 + rng.uniform(-0.25, 0.25, n)),
            np.zeros(n),
            np.zeros(n),
        ]
    )
    return HourlyTable([T0 + timedelta(hours=h) for h in range(n)], values)


def test_a_small_fridge_on_its_first_day_is_not_measured_against_a_150_w_default() -> None:
    given = model_input(_home(2, 33.0))
    first_day, second_day = slice(0, 24), slice(24, 48)
    assert not given.baseline_ready[first_day].any() and given.baseline_ready[second_day].all()
    deviation = given.features[:, FEATURE_NAMES.index("fridge_power_dev")]
    ratio = given.features[:, FEATURE_NAMES.index("fridge_power_ratio")]
    assert (deviation[first_day] == 0).all() and (ratio[first_day] == 1).all()  # neutral, not −10 spreads
    assert abs(deviation[second_day]).max() < 3 and ratio[second_day].min() > 0.6


@pytest.mark.parametrize("usual_w", [15.0, 33.0, 150.0])
def test_a_fridge_hour_at_0_w_is_off_whatever_its_usual_draw(usual_w: float) -> None:
    table = _home(3, usual_w)
    table.values[60, 2] = 0.0
    given = model_input(table)
    off = fridge_off(table.values[:, 2], given.usual[:, 2], given.baseline_ready[:, 2])
    assert np.flatnonzero(off).tolist() == [60]


def test_no_fridge_rule_without_the_fridges_own_baseline_or_on_a_missing_hour() -> None:
    table = _home(3, 33.0)
    table.values[5, 2] = 0.0  # first day: no baseline yet
    table.values[60, 2] = np.nan  # the plug was unavailable: not 0 W
    given = model_input(table)
    assert not fridge_off(table.values[:, 2], given.usual[:, 2], given.baseline_ready[:, 2]).any()


def test_the_model_raises_nothing_for_a_sensor_without_a_baseline() -> None:
    tracker = AlertTracker(AlertPolicy(), THRESHOLDS)
    for hour in range(3):
        assert tracker.observe_hour(T0 + timedelta(hours=hour), FRIDGE, (True, True, False)) == []
    raised = tracker.observe_hour(T0 + timedelta(hours=3), FRIDGE, (True, True, True))
    assert [(t.kind, t.anomaly, t.source) for t in raised] == [("detected", 3, "model")]


def test_the_fridge_rule_raises_over_a_calm_model_and_clears_like_a_model_alert() -> None:
    tracker = AlertTracker(AlertPolicy(), THRESHOLDS)
    normal = [0.97, 0.01, 0.01, 0.005, 0.003, 0.002]
    raised = tracker.observe_hour(T0, normal, (True, True, True), (AnomalyClass.FRIDGE,))
    assert [(t.kind, t.anomaly, t.source, t.probability) for t in raised] == [("detected", 3, "rule", 1.0)]
    assert tracker.observe_hour(T0 + timedelta(hours=1), normal) == []
    cleared = tracker.observe_hour(T0 + timedelta(hours=2), normal)
    assert [(t.kind, t.anomaly) for t in cleared] == [("cleared", 3)]


def test_an_open_hours_0_w_reading_is_a_resting_compressor_not_a_dead_fridge() -> None:
    tracker = AlertTracker(AlertPolicy(), THRESHOLDS)
    normal = [0.97, 0.01, 0.01, 0.005, 0.003, 0.002]
    assert tracker.observe_partial(T0, normal, (True, True, True)) == []  # no rule on a partial hour
    assert tracker.observe_partial(T0, COLD, (False, True, True)) == []  # no baseline, no model alert


def test_a_backtest_is_what_the_live_tracker_raises_hour_by_hour() -> None:
    model = load_model(SHIPPED, runtime="numpy")
    table = _home(10, 33.0, seed=4)
    table.values[150:153, 2] = 0.0  # a dead fridge for three hours
    table.values[200, 3] = 1.0  # the door opened at 08:00: no alert
    table.values[218, 3] = 1.0  # … and at 02:00: a night opening
    table.values[230, 4] = 1.0  # the smoke detector for an hour
    result = backtest(model, table, THRESHOLDS)

    inputs, features = hour_inputs(table, 0)
    live = AlertTracker(AlertPolicy(), THRESHOLDS)
    raised: list[tuple[int, datetime]] = []
    window = model.window_size
    for row in range(window - 1, len(inputs)):
        hour = inputs[row]
        start = hour.hour_start
        transitions = [live.raise_rule(5, start)] if hour.smoke else [live.release_rule(5, start)]
        if hour.door_open and 0 <= start.hour < 5:
            transitions.append(live.raise_rule(4, start))
        probabilities = model.predict_proba(features[None, row - window + 1 : row + 1])[0]
        transitions += live.observe_hour(
            start + timedelta(hours=1), list(probabilities), hour.supported, (3,) if hour.fridge_off else ()
        )
        raised += [(t.anomaly, t.at) for t in transitions if t is not None and t.kind == "detected"]

    assert [(alert.anomaly, alert.raised) for alert in result.alerts] == raised
    by_class = {alert.anomaly: alert for alert in result.alerts}
    assert {3, 4, 5} <= set(by_class)
    assert by_class[3].raised == table.hour_starts[150] + timedelta(hours=1)
    assert by_class[3].source == "rule" and by_class[3].cleared is not None
    assert by_class[4].raised == table.hour_starts[218]
    assert by_class[5].raised == table.hour_starts[230] and by_class[5].cleared == table.hour_starts[231]
    scored = result.hour_starts
    assert result.decision[scored.index(table.hour_starts[218])] == 4
    assert result.decision[scored.index(table.hour_starts[230])] == 5
    assert result.decision[scored.index(table.hour_starts[200])] == 0  # a daytime opening is nothing


def test_a_backtest_shorter_than_one_window_replays_nothing() -> None:
    model = load_model(SHIPPED, runtime="numpy")
    result = backtest(model, _home(1, 33.0), THRESHOLDS)
    assert result.alerts == [] and result.hour_starts == [] and result.decision.shape == (0,)


def test_a_model_alert_needs_a_reading_far_from_the_homes_usual() -> None:
    table = _home(3, 33.0)
    table.values[60, 0] = 21.0 - 2.5  # a cool spell: 2.5 °C below usual
    table.values[61, 0] = 21.0 - 6.0  # the heating failed
    table.values[62, 1] = 45.0 + 10  # a shower's hour
    table.values[63, 1] = 45.0 + 38  # a leak
    table.values[64, 2] = 33.0 * 0.8  # a fridge resting longer
    table.values[65, 2] = 33.0 * 0.3  # a fridge failing for part of the hour
    given = model_input(table)
    supported = model_evidence(table.values[:, :3], given.expected, given.usual, given.baseline_ready)
    assert np.flatnonzero(supported[:, 0]).tolist() == [61]
    assert np.flatnonzero(supported[:, 1]).tolist() == [63]
    assert np.flatnonzero(supported[:, 2]).tolist() == [65]


def test_a_warm_home_cooling_to_a_comfortable_room_is_no_heating_failure() -> None:
    table = _home(3, 33.0)
    table.values[:, 0] += 5.0  # a warm week at 26 °C …
    table.values[60, 0] = 21.5  # … and a room back at 21.5 °C: 4.5 °C below usual, still warm
    given = model_input(table)
    supported = model_evidence(table.values[:, :3], given.expected, given.usual, given.baseline_ready)
    assert not supported[:, 0].any()


def test_no_model_alert_on_an_hour_its_reading_does_not_support() -> None:
    tracker = AlertTracker(AlertPolicy(), THRESHOLDS)
    for hour in range(3):
        assert tracker.observe_hour(T0 + timedelta(hours=hour), COLD, (False, True, True)) == []
    tracker.observe_hour(T0 + timedelta(hours=3), COLD, (True, True, True))
    raised = tracker.observe_hour(T0 + timedelta(hours=4), COLD, (True, True, True))
    assert [(t.kind, t.anomaly) for t in raised] == [("detected", 1)]  # two supported hours, as always
