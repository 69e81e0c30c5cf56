"""The SQLite hourly buffer and the alert policy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from custom_components.home_anomaly.engine.alerts import AlertPolicy, AlertTracker
from custom_components.home_anomaly.engine.features import HourlySample
from custom_components.home_anomaly.engine.store import HourlyStore, StoreError, move_aside

TZ = timezone(timedelta(hours=1))
T0 = datetime(2025, 3, 1, 10, tzinfo=TZ)


def _sample(hour: int, temperature: float | None = 21.0) -> HourlySample:
    return HourlySample(T0 + timedelta(hours=hour), (temperature, 45.0, 150.0, 0.0, 0.0))


def test_hours_and_open_readings_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "zone.sqlite"
    store = HourlyStore(path)
    store.close_hour(_sample(0), [21.0, 45.0, 150.0, 0.0, 0.0], T0 + timedelta(hours=1))
    store.add_readings([(0, T0 + timedelta(hours=1, minutes=5), 22.5), (1, T0 + timedelta(hours=1, minutes=6), None)])
    store.close()

    with HourlyStore(path) as reopened:
        assert reopened.hours_since(T0) == [_sample(0)]
        assert reopened.open_readings() == [
            (0, T0 + timedelta(hours=1, minutes=5), 22.5),
            (1, T0 + timedelta(hours=1, minutes=6), None),
        ]
        assert reopened.get_state("carried") == [21.0, 45.0, 150.0, 0.0, 0.0]
        assert datetime.fromisoformat(reopened.get_state("open_hour")) == T0 + timedelta(hours=1)


def test_closing_an_hour_drops_only_its_readings(tmp_path: Path) -> None:
    with HourlyStore(tmp_path / "zone.sqlite") as store:
        store.add_readings([(0, T0 + timedelta(minutes=5), 20.0), (0, T0 + timedelta(hours=1, minutes=1), 21.0)])
        store.close_hour(_sample(0), [20.0, None, None, 0.0, 0.0], T0 + timedelta(hours=1))
        assert [r[1] for r in store.open_readings()] == [T0 + timedelta(hours=1, minutes=1)]


def test_missing_values_stay_missing_and_history_import_never_duplicates(tmp_path: Path) -> None:
    with HourlyStore(tmp_path / "zone.sqlite") as store:
        assert store.add_hours([_sample(0, None), _sample(1)]) == 2
        assert store.add_hours([_sample(1), _sample(2)]) == 1
        hours = store.hours_since(T0)
        assert [h.values[0] for h in hours] == [None, 21.0, 21.0]
        assert store.hour_count() == 3
        assert store.last_hour() == T0 + timedelta(hours=2)


def test_a_corrupt_file_is_a_store_error_and_is_moved_aside_intact(tmp_path: Path) -> None:
    path = tmp_path / "zone.sqlite"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(StoreError, match="zone.sqlite") as raised:
        HourlyStore(path)
    assert raised.value.problem == "corrupt"
    moved = move_aside(path, T0)
    assert moved.name == "zone.sqlite.corrupt-20250301T090000Z"  # named by the UTC instant
    assert moved.read_bytes() == garbage
    assert not path.exists()
    HourlyStore(path).close()  # a fresh buffer opens where the old one was
    path.write_bytes(garbage)
    again = move_aside(path, T0)  # the same second: a new name, the first file untouched
    assert again != moved and moved.read_bytes() == garbage == again.read_bytes()


def test_a_buffer_that_cannot_be_moved_aside_is_an_unwritable_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "zone.sqlite"
    path.write_bytes(b"garbage" * 100)

    def read_only_file_system(self: Path, target: Path) -> Path:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(Path, "rename", read_only_file_system)
    with pytest.raises(StoreError) as raised:
        move_aside(path, T0)
    assert raised.value.problem == "unwritable"
    assert "Read-only file system" in str(raised.value)
    assert path.read_bytes() == b"garbage" * 100


NORMAL = [0.97, 0.01, 0.01, 0.005, 0.003, 0.002]
COLD = [0.05, 0.9, 0.02, 0.01, 0.01, 0.01]


def test_a_model_class_needs_its_minimum_duration_and_clears_with_hysteresis() -> None:
    tracker = AlertTracker(AlertPolicy(), dict.fromkeys(range(1, 6), 0.5))
    hours = [T0 + timedelta(hours=h) for h in range(8)]
    assert tracker.observe_hour(hours[0], COLD) == []  # temperature needs 2 hours
    raised = tracker.observe_hour(hours[1], COLD)
    assert [(t.kind, t.anomaly, t.source) for t in raised] == [("detected", 1, "model")]
    assert tracker.top() == 1
    assert tracker.observe_hour(hours[2], NORMAL) == []  # one calm hour is not enough
    assert tracker.observe_hour(hours[3], COLD) == []  # flicker: still active, no new alert
    assert tracker.observe_hour(hours[4], NORMAL) == []
    cleared = tracker.observe_hour(hours[5], NORMAL)
    assert [(t.kind, t.anomaly) for t in cleared] == [("cleared", 1)]
    assert tracker.top() == 0


def test_rules_raise_at_once_and_outrank_the_model() -> None:
    tracker = AlertTracker(AlertPolicy(), dict.fromkeys(range(1, 6), 0.5))
    tracker.observe_hour(T0, COLD)
    tracker.observe_hour(T0 + timedelta(hours=1), COLD)
    fire = tracker.raise_rule(5, T0 + timedelta(hours=1, minutes=3))
    assert fire is not None
    assert (fire.kind, fire.source) == ("detected", "rule")
    assert tracker.top() == 5
    assert tracker.raise_rule(5, T0 + timedelta(hours=1, minutes=4)) is None  # already active
    cleared = tracker.release_rule(5, T0 + timedelta(hours=2))
    assert cleared is not None
    assert tracker.top() == 1


def test_door_alerts_expire_and_acknowledge_clears() -> None:
    tracker = AlertTracker(AlertPolicy(door_hold=timedelta(hours=1)), {})
    tracker.raise_rule(4, T0)
    assert tracker.expire(T0 + timedelta(minutes=30)) == []
    assert [t.kind for t in tracker.expire(T0 + timedelta(hours=1))] == ["cleared"]
    tracker.raise_rule(4, T0 + timedelta(hours=2))
    acknowledged = tracker.acknowledge(4, T0 + timedelta(hours=2, minutes=1))
    assert acknowledged is not None
    assert tracker.classes[4].acknowledged
    assert tracker.acknowledge(4, T0) is None


def test_thresholds_calibrate_to_the_homes_own_blips_after_learning() -> None:
    tracker = AlertTracker(AlertPolicy(learning_hours=48), dict.fromkeys(range(1, 6), 0.5))
    blip = [0.2, 0.8, 0.0, 0.0, 0.0, 0.0]  # this home's model blips "temperature" for single hours
    for hour in range(60):
        assert tracker.observe_hour(T0 + timedelta(hours=hour), blip if hour % 3 == 0 else NORMAL) == []
    assert tracker.thresholds()[1] == pytest.approx(0.8)
    assert tracker.thresholds()[2] == 0.5  # other classes keep the card's threshold
    start = T0 + timedelta(hours=60)
    mild = [0.25, 0.75, 0.0, 0.0, 0.0, 0.0]
    assert tracker.observe_hour(start, mild) + tracker.observe_hour(start + timedelta(hours=1), mild) == []
    strong = [0.05, 0.93, 0.0, 0.0, 0.01, 0.01]
    tracker.observe_hour(start + timedelta(hours=2), strong)
    raised = tracker.observe_hour(start + timedelta(hours=3), strong)
    assert [(t.kind, t.anomaly) for t in raised] == [("detected", 1)]


def test_hours_inside_an_alert_do_not_teach_the_home_that_it_is_normal() -> None:
    tracker = AlertTracker(AlertPolicy(learning_hours=10), dict.fromkeys(range(1, 6), 0.5))
    for hour in range(100):  # a long heating failure
        tracker.observe_hour(T0 + timedelta(hours=hour), COLD)
    assert tracker.thresholds()[1] == 0.5
    assert tracker.top() == 1


def test_cooldown_and_persistence() -> None:
    tracker = AlertTracker(AlertPolicy(), {})
    assert tracker.may_notify(3, T0, timedelta(minutes=30))
    tracker.notified(3, T0)  # the cooldown starts with a delivered push
    assert not tracker.may_notify(3, T0 + timedelta(minutes=10), timedelta(minutes=30))
    assert tracker.may_notify(3, T0 + timedelta(minutes=31), timedelta(minutes=30))
    tracker.raise_rule(5, T0)
    copy = AlertTracker(AlertPolicy(), {})
    copy.restore(tracker.to_json())
    assert copy.top() == 5
    assert copy.classes[3].last_notified == tracker.classes[3].last_notified
