"""``python -m trainer real-homes`` on a small slice of the development set.

Two real homes (one with every role but smoke and real night door openings, one with only a
thermometer and a hygrometer), a few hundred hours each, three injections per class: seconds,
with the shipped model. The assertions are what a user of the report would notice.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from custom_components.home_anomaly.engine.features import HourlyTable, model_features
from custom_components.home_anomaly.engine.runtime import load_model
from trainer.cli import main
from trainer.data import Household, load_households
from trainer.evaluate import read_episodes, score_households
from trainer.injection import Injection, class_rng, injected_home, near_shower, plan_injections
from trainer.real_homes import injection_predictions, policy_before

REPO = Path(__file__).resolve().parents[2]
REAL_HOMES = REPO.parent / "shared" / "real-homes"
SHIPPED = REPO / "custom_components" / "home_anomaly" / "models" / "model.onnx"
SLICE = {"dev_composite_2": 360, "uci_be_living_bath": 480}  # home → first hours kept

pytestmark = pytest.mark.skipif(not REAL_HOMES.is_dir(), reason="the real-homes development set is not here")


@pytest.fixture(scope="module")
def small_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two homes' first hours, their homes.json entries and their episodes, as the set lays them out."""
    folder = tmp_path_factory.mktemp("real") / "real-homes"
    folder.mkdir()
    for home, hours in SLICE.items():
        lines = (REAL_HOMES / f"user_{home}.csv").read_text().splitlines()
        (folder / f"user_{home}.csv").write_text("\n".join(lines[: hours + 1]) + "\n")
    homes = [entry for entry in json.loads((REAL_HOMES / "homes.json").read_text()) if entry["user_id"] in SLICE]
    (folder / "homes.json").write_text(json.dumps(homes))
    episodes = (REAL_HOMES / "episodes.csv").read_text().splitlines()
    (folder / "episodes.csv").write_text("\n".join([episodes[0], *(e for e in episodes if e.split(",")[0] in SLICE)]))
    return folder


def _run(data: Path, out: Path, *extra: str) -> dict:
    code = main(["real-homes", "--model", str(SHIPPED), "--data", str(data), "--out", str(out), *extra])
    assert code == 0
    return json.loads((out / "report.json").read_text())


@pytest.fixture(scope="module")
def report(small_slice: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _run(small_slice, tmp_path_factory.mktemp("report"), "--seed", "7", "--injections", "3")


def test_the_report_has_its_structure(report: dict) -> None:
    assert [home["user_id"] for home in report["homes"]] == sorted(SLICE)
    assert set(report["false_alarms"]) == {"overall", "after_day_7", "per_class", "per_hour_of_day", "runs"}
    assert set(report["false_alarms"]["per_hour_of_day"]) == {str(hour) for hour in range(24)}
    assert set(report["recall"]) == {"1", "2", "3", "4", "5"}
    overall = report["false_alarms"]["overall"]
    # every false alarm is counted once per class and once per start hour
    assert (
        sum(entry["false_alarms"] for entry in report["false_alarms"]["per_class"].values()) == overall["false_alarms"]
    )
    assert sum(e["false_alarms"] for e in report["false_alarms"]["per_hour_of_day"].values()) == overall["false_alarms"]
    assert len(report["false_alarms"]["runs"]) == overall["false_alarms"]
    assert report["false_alarms"]["after_day_7"]["home_weeks"] < overall["home_weeks"]


def test_the_files_a_reader_opens(small_slice: Path, tmp_path: Path) -> None:
    out = tmp_path / "real_homes"
    _run(small_slice, out, "--injections", "1", "--homes", "dev_composite_2")
    markdown = (out / "report.md").read_text()
    assert "### False alarms per home-week" in markdown and "### Recall of injected anomalies" in markdown
    assert "| dev_composite_2 |" in markdown and "| **all homes** |" in markdown
    assert (out / "real_homes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_false_alarms_are_what_trainer_evaluate_counts(report: dict, small_slice: Path, tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.json"
    assert main(["evaluate", "--model", str(SHIPPED), "--data", str(small_slice), "--out", str(metrics)]) == 0
    evaluated = json.loads(metrics.read_text())
    assert report["false_alarms"]["overall"]["false_alarms"] == evaluated["false_alarms"]
    assert report["false_alarms"]["overall"]["per_home_week"] == pytest.approx(evaluated["false_alarms_per_home_week"])


def test_real_night_openings_are_caught_and_never_false_alarms(report: dict) -> None:
    composite = next(home for home in report["homes"] if home["user_id"] == "dev_composite_2")
    assert composite["real_episodes"] == 4  # 14, 15, 19 and 20 May, all inside the slice
    assert composite["real_episodes_caught"] == 4  # the door-at-night rule raises them
    assert not any(run["anomaly_class"] == 4 for run in report["false_alarms"]["runs"])


def test_only_the_classes_a_home_can_show_are_injected(report: dict) -> None:
    by_home = {home["user_id"]: home for home in report["homes"]}
    assert set(by_home["uci_be_living_bath"]["injected"]) == {"1", "2", "5"}  # no fridge, no door
    assert set(by_home["dev_composite_2"]["injected"]) == {"1", "2", "3", "4", "5"}
    assert report["recall"]["3"]["homes"] == 1 and report["recall"]["3"]["injected"] == 3
    assert not [i for i in report["injections"] if i["user_id"] == "uci_be_living_bath" and i["anomaly_class"] == 3]
    # the product's instant rules: every injected night opening and smoke alarm is raised
    assert report["recall"]["4"]["recall"] == 1.0 and report["recall"]["5"]["recall"] == 1.0


def test_an_injected_fridge_outage_is_a_zero_watt_hour_of_a_real_fridge_trace(small_slice: Path) -> None:
    home = load_households(small_slice / "user_dev_composite_2.csv")[0]
    real = [episode for episode in read_episodes(small_slice / "episodes.csv") if episode.user_id == home.user_id]
    planned = plan_injections(home, 3, 5, class_rng(7, home.user_id, 3), real, 31)
    assert len(planned) == 5
    for injection in planned:
        rows = slice(injection.start, injection.end + 1)
        assert not home.missing[rows, 2].any() and (home.sensors[rows, 2] > 0).all()  # a real, reporting fridge
        sensors, labels = injected_home(home, injection, np.random.default_rng(0))
        full = [row for row in range(injection.start, injection.end + 1) if _covered(injection, row) == 1.0]
        assert all(sensors[row, 2] == 0.0 for row in full)  # hours the outage fills read 0 W
        for row in range(injection.start, injection.end + 1):  # partial hours: the time-weighted mean
            assert sensors[row, 2] == pytest.approx(home.sensors[row, 2] * (1 - _covered(injection, row)))
        assert (labels[rows] == 3).all()
        outside = np.ones(len(home.timestamps), dtype=bool)
        outside[rows] = False
        np.testing.assert_array_equal(sensors[outside], home.sensors[outside])  # the rest is the recording


def _covered(injection: Injection, row: int) -> float:
    """Share of hour ``row`` the episode covers."""
    first = injection.start * 12 + injection.offset_steps
    last = first + injection.steps
    return max(0, min(last, (row + 1) * 12) - max(first, row * 12)) / 12


def test_placement_keeps_away_from_showers_real_openings_and_the_first_week(report: dict, small_slice: Path) -> None:
    homes = {home.user_id: home for home in load_households(small_slice)}
    for entry in report["injections"]:
        home = homes[entry["user_id"]]
        start = datetime.fromisoformat(entry["first_hour"])
        row = home.timestamps.index(start)
        assert (start - home.timestamps[0]).days >= 7
        if entry["anomaly_class"] == 2:
            last = home.timestamps.index(datetime.fromisoformat(entry["last_hour"]))
            assert not near_shower(home)[row : last + 1].any()
        if entry["anomaly_class"] == 4:
            assert start.hour < 5 and home.sensors[row, 3] == 0.0  # a night hour the real door stayed shut


def test_the_same_seed_gives_the_same_report_and_another_seed_other_times(
    report: dict, small_slice: Path, tmp_path: Path
) -> None:
    again = _run(small_slice, tmp_path / "again", "--seed", "7", "--injections", "3")
    assert again == report
    other = _run(small_slice, tmp_path / "other", "--seed", "8", "--injections", "3")
    assert [i["start"] for i in other["injections"]] != [i["start"] for i in report["injections"]]
    assert other["false_alarms"] == report["false_alarms"]  # the recordings themselves do not change


def test_a_home_gets_the_same_injections_whichever_homes_are_selected(
    report: dict, small_slice: Path, tmp_path: Path
) -> None:
    alone = _run(small_slice, tmp_path / "alone", "--seed", "7", "--injections", "3", "--homes", "uci_be_living_bath")
    assert [home["user_id"] for home in alone["homes"]] == ["uci_be_living_bath"]
    assert alone["injections"] == [i for i in report["injections"] if i["user_id"] == "uci_be_living_bath"]


def test_scoring_only_the_episodes_hours_is_scoring_the_whole_home(small_slice: Path) -> None:
    # injection_predictions featurises rows up to the episode's end only and carries the alert
    # policy on from its state before the episode; the whole injected home through
    # score_households (what trainer evaluate runs) must give the very same alerts.
    model = load_model(SHIPPED, runtime="onnxruntime")
    home = load_households(small_slice / "user_dev_composite_2.csv")[0]
    clean = score_households(model, [home])
    for anomaly_class in (1, 3, 5):
        injection = plan_injections(home, anomaly_class, 1, class_rng(3, home.user_id, anomaly_class), [], 31)[0]
        before = policy_before(model, home, clean.probabilities[home.user_id], {injection.start})
        times, alerted, model_only = injection_predictions(
            model, home, injection, np.random.default_rng(5), before[injection.start]
        )
        sensors, labels = injected_home(home, injection, np.random.default_rng(5))
        table = HourlyTable.from_dataset_rows(home.timestamps, sensors, home.missing)
        whole = Household(home.user_id, home.timestamps, model_features(table), labels, sensors, home.missing)
        scored = score_households(model, [whole])
        hours = slice(injection.start - 31, injection.end - 30)  # scored rows start at row 31
        assert times == home.timestamps[injection.start : injection.end + 1]
        np.testing.assert_array_equal(alerted, scored.alerts(whole)[hours])
        np.testing.assert_array_equal(model_only, scored.model_only().predicted[home.user_id][hours])
        assert anomaly_class in alerted  # the household is told, with the injected class


def test_an_unknown_home_is_one_error_line(
    small_slice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x"
    arguments = ["--model", str(SHIPPED), "--data", str(small_slice), "--out", str(out), "--homes", "nowhere"]
    assert main(["real-homes", *arguments]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--homes: no home nowhere" in err and "dev_composite_2" in err
    assert not out.exists()
