"""``python -m trainer real-train-data``: the real training split, injected, as CSVs the trainer reads."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from trainer.cli import main
from trainer.data import load_households
from trainer.real_training import HELD_OUT_HOMES, TRAIN_SEGMENTS

REPO = Path(__file__).resolve().parents[2]
REAL_HOMES = REPO.parent / "shared" / "real-homes"

pytestmark = pytest.mark.skipif(not REAL_HOMES.is_dir(), reason="the real-homes development set is not here")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dataset") / "train"
    assert main(["real-train-data", "--data", str(REAL_HOMES), "--out", str(out), "--copies", "2"]) == 0
    return out


def test_every_training_segment_is_written_in_copies_the_trainer_reads(written: Path) -> None:
    homes = {home.user_id: home for home in load_households(written)}
    assert sorted(homes) == sorted(f"real_{name}_{copy}" for name in TRAIN_SEGMENTS for copy in range(2))
    for name, (first, last) in TRAIN_SEGMENTS.items():
        home = homes[f"real_{name}_0"]
        assert home.timestamps[0].isoformat(sep=" ") == first and home.timestamps[-1].isoformat(sep=" ") == last
        shown = set(np.unique(home.labels).tolist())
        assert {0, 1, 5} <= shown  # normal real hours, heating failures, fires (the alarm injected)
        assert shown <= {0, 1, 2, 5}  # these homes have no fridge plug and no door sensor
        assert (home.labels == 0).mean() > 0.5  # mostly the recording's own normal hours


def test_copies_differ_and_normal_hours_are_the_recordings_own(written: Path) -> None:
    homes = {home.user_id: home for home in load_households(written)}
    first, second = homes["real_uci_be_living_bath_0"], homes["real_uci_be_living_bath_1"]
    assert not np.array_equal(first.labels, second.labels)  # other times, depths and durations
    real = {home.user_id: home for home in load_households(REAL_HOMES / "user_uci_be_living_bath.csv")}
    recording = real["uci_be_living_bath"]
    offset = recording.timestamps.index(first.timestamps[0])
    both_normal = (first.labels == 0) & (second.labels == 0)
    np.testing.assert_allclose(
        first.sensors[both_normal, :2],
        recording.sensors[offset : offset + len(first.labels)][both_normal, :2],
        atol=1e-3,
    )


def test_no_training_hour_is_in_a_held_out_home(written: Path) -> None:
    # The composites reuse the single-source recordings: their hours must not be trained on.
    held_out = {home.user_id: home for home in load_households(REAL_HOMES) if home.user_id in HELD_OUT_HOMES}
    trained = load_households(written)
    composites_with_these_sources = {"dev_composite_1", "dev_composite_2", "dev_composite_3"}
    for name in composites_with_these_sources:
        hours = set(held_out[name].timestamps)
        for home in trained:
            assert not hours & set(home.timestamps), f"{home.user_id} trains on hours of {name}"


def test_a_folder_without_the_training_homes_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    with open(folder / "user_x.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([["timestamp", "temperature_c"], ["2025-01-01 00:00:00", "20"]])
    assert main(["real-train-data", "--data", str(folder), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "uci_be_living_bath" in err and "real-homes development set" in err
