"""The calibrated normal household (issue 13) and ``python -m simulator calibrate --real``.

What a user of the datasets would notice: living rooms with cool spells of 1.5–3.5 °C below the
hour's usual value, showers reaching 80 %RH and more, fridges of 20–150 W that vary from hour to
hour but never sit a whole hour at 0 W, homes without some sensors — and anomalies that still
stand out against that wider normal.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from custom_components.home_anomaly.engine.schema import AnomalyClass
from simulator import TimeGrid, simulate_household
from simulator.calibration import QUANTILES, measure, read_real_homes, read_simulated_homes
from simulator.cli import main

START = datetime(2025, 1, 1)
GRID = TimeGrid(START, 60, 60)
HOMES = range(1, 13)


@pytest.fixture(scope="module")
def homes() -> list:  # type: ignore[type-arg]
    return [simulate_household(123, u, GRID, events_per_class=0, absent_roles=False) for u in HOMES]


def _baseline_deviation(temperature: np.ndarray) -> np.ndarray:
    """Temperature minus the median of the same hour over the 28 days before (the model's baseline)."""
    days = temperature.reshape(-1, 24)
    out = [days[d] - np.median(days[d - 28 : d], axis=0) for d in range(28, days.shape[0])]
    return np.concatenate(out)


def test_living_rooms_have_cool_spells_below_the_hours_usual(homes: list) -> None:  # type: ignore[type-arg]
    deviation = np.concatenate([_baseline_deviation(h.normal.temperature_c) for h in homes])
    cool = (deviation <= -1.5) & (deviation >= -3.5)
    # Real living rooms: about 9 % of hours 1.5–3.5 °C below; heating failures start at 5 °C.
    assert 0.03 < cool.mean() < 0.2
    assert (deviation <= -5.0).mean() < 0.005
    # The spells last hours to days, not single noisy hours.
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], cool.astype(int), [0]]))))[::2]
    assert runs.max() >= 12


def test_showers_reach_80_percent_in_the_evening(homes: list) -> None:  # type: ignore[type-arg]
    humidity = np.concatenate([h.normal.humidity_pct for h in homes])
    hours = np.tile(np.arange(24), humidity.size // 24)
    assert humidity.max() > 85.0
    assert 0.002 < (humidity >= 80.0).mean() < 0.05
    high = hours[humidity >= 70.0]
    evening = ((high >= 19) & (high <= 23)).mean()
    assert evening > 0.35  # the 20–22 h peak of real bathrooms
    assert (high < 3).any()  # and some at midnight


def test_fridges_span_small_and_big_with_hourly_variation(homes: list) -> None:  # type: ignore[type-arg]
    averages = [h.normal.fridge_power_w.mean() for h in homes]
    assert min(averages) >= 18.0 and max(averages) <= 160.0
    assert min(averages) < 60.0 < max(averages)
    for home in homes:
        power = home.normal.fridge_power_w
        relative = power / np.median(power)
        assert (power > 0.5).all(), "a working fridge never shows a whole hour at 0 W"
        assert np.percentile(relative, 95) > 1.1  # defrost, usage, duty cycle
        assert np.percentile(relative, 5) > 0.5


def test_a_fridge_failure_still_reads_zero_whatever_the_draw() -> None:
    for user in range(1, 9):
        series = simulate_household(123, user, TimeGrid(START, 40, 60))
        for episode in (e for e in series.episodes if e.anomaly_class is AnomalyClass.FRIDGE):
            span = slice(episode.start, episode.end + 1)
            own = series.observed.anomaly_class[span] == AnomalyClass.FRIDGE
            assert (series.observed.fridge_power_w[span][own] == 0.0).all()
            assert series.normal.fridge_power_w[span].min() > 0.5


def test_some_homes_lack_a_role_which_reads_missing_throughout() -> None:
    grid = TimeGrid(START, 5, 60)
    absent = 0
    for user in range(1, 41):
        series = simulate_household(7, user, grid)
        for role in series.params.absent_roles:
            sensor = ("temperature", "humidity", "fridge").index(role)
            assert series.missing[:, sensor].all()
            absent += 1
    assert 2 <= absent <= 20
    # The live publisher stands for a home with every sensor.
    assert not simulate_household(7, 1, grid, absent_roles=False).missing.all(axis=0).any()


def test_readings_are_quantised_at_each_sensors_resolution(homes: list) -> None:  # type: ignore[type-arg]
    for home in homes:
        step = home.params.power_step_w
        power = home.normal.fridge_power_w
        np.testing.assert_allclose(power / step, np.round(power / step), atol=1e-6)
    assert {h.params.temp_step_c for h in homes} >= {0.1}


def _real_dir(tmp_path: Path, dataset: Path) -> Path:
    """A small stand-in for the real-homes folder: two homes in the plain CSV layout."""
    real = tmp_path / "real"
    real.mkdir()
    for user, source in (("a", "train/user_001.csv"), ("b", "train/user_002.csv")):
        lines = (dataset / source).read_text().splitlines()[: 24 * 40 + 1]
        (real / f"user_real_{user}.csv").write_text("\n".join(lines) + "\n")
    return real


def test_calibrate_writes_the_side_by_side_report(v2_dataset: Path, tmp_path: Path) -> None:
    real = _real_dir(tmp_path, v2_dataset)
    out = tmp_path / "report"
    assert main(["calibrate", "--data", str(v2_dataset), "--real", str(real), "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["quantiles"] == [f"p{q}" for q in QUANTILES]
    for name in ("temperature_vs_baseline", "humidity_level", "fridge_relative", "fridge_home_average", "door_per_day"):
        for side in ("real", "simulated"):
            assert set(report[side]["metrics"][name]["quantiles"]) == set(report["quantiles"])
    text = (out / "report.md").read_text()
    assert "| p1 | p5 | p25 | p50 | p75 | p95 | p99 |" in text and "simulated" in text
    for png in ("calibration_distributions.png", "calibration_quantiles.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    # The same dataset read as "real" gives the same quantiles on its own homes' hours.
    assert measure(read_real_homes(real)).homes == 2
    assert measure(read_simulated_homes(v2_dataset)).homes == 3


@pytest.mark.parametrize("which", ["real", "data"])
def test_calibrate_refuses_a_missing_folder(
    which: str, v2_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    real = missing if which == "real" else _real_dir(tmp_path, v2_dataset)
    data = missing if which == "data" else v2_dataset
    assert main(["calibrate", "--data", str(data), "--real", str(real), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(missing) in err[0] and err[0].startswith("error: ")
    assert not (tmp_path / "r").exists()


def test_calibrate_refuses_a_folder_without_real_homes(
    v2_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["calibrate", "--data", str(v2_dataset), "--real", str(tmp_path)]) == 2
    assert "no user_*.csv" in capsys.readouterr().err
