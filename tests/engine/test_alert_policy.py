"""The alert policy a household can trust: episodes, acknowledge, on-demand scores, fire, cooldown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from custom_components.home_anomaly.engine.alerts import (
    CAUSE_ACKNOWLEDGED,
    CAUSE_ENDED,
    CAUSE_EXPIRED,
    AlertPolicy,
    AlertTracker,
    Transition,
)

TZ = timezone(timedelta(hours=1))
T0 = datetime(2025, 3, 1, 2, tzinfo=TZ)
COOLDOWN = timedelta(minutes=60)
NORMAL = [0.97, 0.01, 0.01, 0.005, 0.003, 0.002]
COLD = [0.05, 0.9, 0.02, 0.01, 0.01, 0.01]
FRIDGE = [0.05, 0.01, 0.01, 0.9, 0.02, 0.01]
DOOR = [0.05, 0.01, 0.01, 0.02, 0.9, 0.01]
HEAT = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0]  # what the model says of a warm night, smoke detector off


def _tracker(**policy: object) -> AlertTracker:
    return AlertTracker(AlertPolicy(**policy), dict.fromkeys(range(1, 6), 0.5))  # type: ignore[arg-type]


def _hour(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def _kinds(transitions: list[Transition]) -> list[tuple[str, int]]:
    return [(t.kind, t.anomaly) for t in transitions]


# --- cooldown ---------------------------------------------------------------------------------


def test_a_second_fire_or_night_door_is_always_pushed_and_only_lower_repeats_are_damped() -> None:
    tracker = _tracker()
    for code in (3, 4, 5):
        tracker.notified(code, T0)
    later = T0 + timedelta(minutes=12)  # the second smoke event of the issue
    assert tracker.may_notify(5, later, COOLDOWN)
    assert tracker.may_notify(4, later, COOLDOWN)
    assert not tracker.may_notify(3, later, COOLDOWN)
    assert tracker.may_notify(3, T0 + COOLDOWN, COOLDOWN)


def test_a_push_that_was_not_delivered_starts_no_cooldown() -> None:
    tracker = _tracker()
    assert tracker.may_notify(3, T0, COOLDOWN)  # asking is not sending: the send failed
    assert tracker.may_notify(3, T0 + timedelta(minutes=5), COOLDOWN)
    assert tracker.classes[3].last_notified is None


# --- acknowledge: one episode, one alert --------------------------------------------------------


def test_an_acknowledged_model_alert_stays_quiet_for_its_episode_and_a_new_episode_raises() -> None:
    tracker = _tracker()
    assert _kinds(tracker.observe_hour(_hour(0), FRIDGE)) == [("detected", 3)]
    cleared = tracker.acknowledge(3, _hour(0.5))
    assert cleared is not None
    assert cleared.cause == CAUSE_ACKNOWLEDGED
    for hour in (1, 2, 3):  # the fridge is still off: the same episode
        assert tracker.observe_hour(_hour(hour), FRIDGE) == []
    assert tracker.observe_partial(_hour(3.5), FRIDGE) == []  # score_now neither
    assert tracker.top() == 0
    assert tracker.observe_hour(_hour(4), NORMAL) == []
    assert tracker.observe_hour(_hour(5), FRIDGE) == []  # one calm hour does not end an episode
    tracker.observe_hour(_hour(6), NORMAL)
    tracker.observe_hour(_hour(7), NORMAL)  # two calm hours: over
    assert _kinds(tracker.observe_hour(_hour(8), FRIDGE)) == [("detected", 3)]  # a new failure
    assert not tracker.classes[3].acknowledged


def test_an_acknowledged_door_is_not_raised_again_by_the_model_for_the_same_night() -> None:
    tracker = _tracker()
    assert tracker.raise_rule(4, _hour(1.1)) is not None  # 03:06, the rule
    assert tracker.acknowledge(4, _hour(1.2)) is not None
    assert tracker.observe_partial(_hour(1.3), DOOR) == []  # score_now
    assert tracker.observe_hour(_hour(2), DOOR) == []  # the hourly score of the hour it opened in
    assert tracker.observe_hour(_hour(3), DOOR) == []
    assert tracker.top() == 0


def test_another_opening_within_the_hold_of_an_acknowledged_door_is_the_same_visit() -> None:
    tracker = _tracker()
    tracker.raise_rule(4, _hour(1))
    tracker.acknowledge(4, _hour(1.05))
    assert tracker.raise_rule(4, _hour(1.25)) is None  # back out to the car, 15 minutes later
    assert tracker.raise_rule(4, _hour(2.3)) is not None  # over an hour after the last opening: a new one


def test_an_acknowledged_fire_stays_quiet_until_the_detector_clears() -> None:
    tracker = _tracker()
    assert tracker.raise_rule(5, T0) is not None
    tracker.acknowledge(5, T0 + timedelta(minutes=1))
    assert tracker.raise_rule(5, T0 + timedelta(minutes=3)) is None  # on again after a dropout
    for hour in (1, 2, 3):  # calm model hours do not end a fire's episode: the detector does
        tracker.observe_hour(_hour(hour), NORMAL)
    assert tracker.raise_rule(5, _hour(3.5)) is None
    assert tracker.release_rule(5, _hour(4)) is None  # nothing active to clear
    assert tracker.raise_rule(5, _hour(5)) is not None  # smoke again after it cleared: a new fire


def test_hours_of_an_acknowledged_episode_do_not_teach_the_home_that_it_is_normal() -> None:
    tracker = _tracker(learning_hours=10)
    tracker.observe_hour(_hour(0), COLD)
    tracker.observe_hour(_hour(1), COLD)
    tracker.acknowledge(1, _hour(1.5))
    for hour in range(2, 100):  # a long heating failure, acknowledged
        assert tracker.observe_hour(_hour(hour), COLD) == []
    assert tracker.thresholds()[1] == 0.5


# --- door alerts expire, whoever raised them ------------------------------------------------------


def test_a_model_raised_door_alert_expires_like_a_rule_one_and_is_not_raised_again() -> None:
    tracker = _tracker()
    assert _kinds(tracker.observe_hour(_hour(0), DOOR)) == [("detected", 4)]
    expired = tracker.observe_hour(_hour(1), DOOR)  # the window still holds the opening
    assert _kinds(expired) == [("cleared", 4)]
    assert expired[0].cause == CAUSE_EXPIRED
    assert expired[0].since == _hour(0)
    assert tracker.observe_hour(_hour(2), DOOR) == []
    assert tracker.top() == 0


# --- on-demand scores ----------------------------------------------------------------------------


def test_score_now_never_clears_an_alert_nor_counts_as_an_hour() -> None:
    tracker = _tracker()
    tracker.observe_hour(_hour(0), FRIDGE)
    for minutes in (5, 10, 15, 20):  # the plug still reads 0 W; the partial hour looks normal
        assert tracker.observe_partial(_hour(0) + timedelta(minutes=minutes), NORMAL) == []
    assert tracker.top() == 3
    assert tracker.scored_hours == 1
    assert len(tracker.recent) == 0  # nor teaches the home anything


def test_score_now_can_complete_a_streak_of_closed_hours_but_not_make_one() -> None:
    tracker = _tracker()
    assert tracker.observe_partial(_hour(0.1), COLD) == []  # temperature needs 2 hours
    assert tracker.observe_partial(_hour(0.2), COLD) == []  # two calls in one hour are not two hours
    tracker.observe_hour(_hour(1), COLD)
    assert _kinds(tracker.observe_partial(_hour(1.1), COLD)) == [("detected", 1)]
    assert _kinds(tracker.observe_partial(_hour(0.3), FRIDGE)) == [("detected", 3)]  # 1 hour suffices


# --- fire comes from the smoke detector only ---------------------------------------------------------


def test_the_model_never_raises_fire_without_the_smoke_detector() -> None:
    tracker = _tracker()
    for hour in range(5):
        assert tracker.observe_hour(_hour(hour), HEAT) == []
    assert tracker.observe_partial(_hour(5.5), HEAT) == []
    assert tracker.top() == 0
    fire = tracker.raise_rule(5, _hour(6))
    assert fire is not None
    assert fire.source == "rule"
    assert tracker.release_rule(5, _hour(7)) is not None


def test_a_saved_model_fire_is_not_restored() -> None:
    saved = _tracker()
    saved.classes[5].active, saved.classes[5].source, saved.classes[5].since = True, "model", T0.isoformat()
    saved.raise_rule(4, T0)
    restored = _tracker()
    restored.restore(saved.to_json())
    assert not restored.classes[5].active
    assert restored.top() == 4


def test_a_cleared_alert_says_when_it_began_and_why_it_ended() -> None:
    tracker = _tracker()
    tracker.raise_rule(5, T0)
    cleared = tracker.release_rule(5, _hour(0.5))
    assert cleared is not None
    assert (cleared.since, cleared.at, cleared.cause) == (T0, _hour(0.5), CAUSE_ENDED)
