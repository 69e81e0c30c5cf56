"""The dataset on disk: layout, columns, determinism, episodes, and bad input refused cleanly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from simulator import BuildConfig, SimulatorError, build_dataset
from simulator.cli import main
from simulator.household import ROLE_CLASS
from simulator.params import draw_household

# SPEC §4, typed out on purpose: the contract is the spec, not the code's own constant.
SPEC_COLUMNS = [
    "timestamp", "temperature_c", "humidity_pct", "fridge_power_w", "front_door_open", "fire_alarm",
    "anomaly_class", "user_id", "meta_base_temp", "meta_base_humidity", "meta_fridge_base",
    "meta_temp_drift_per_week", "meta_humid_drift_per_week", "meta_noise_temp", "meta_noise_humid",
    "meta_noise_fridge", "meta_dropout_prob",
]  # fmt: skip
MISSING_FLAGS = ["temperature_c_missing", "humidity_pct_missing", "fridge_power_w_missing"]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def _all_bytes(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_layout_and_columns(v2_dataset: Path) -> None:
    assert sorted(p.name for p in (v2_dataset / "train").iterdir()) == ["user_001.csv", "user_002.csv", "user_003.csv"]
    assert sorted(p.name for p in (v2_dataset / "val").iterdir()) == ["user_004.csv", "user_005.csv"]
    for path in [*v2_dataset.glob("*/user_*.csv"), v2_dataset / "train_all.csv", v2_dataset / "val_all.csv"]:
        with open(path, newline="") as handle:
            assert next(csv.reader(handle)) == SPEC_COLUMNS + MISSING_FLAGS


def test_row_counts_and_rounding(v2_dataset: Path) -> None:
    rows = _rows(v2_dataset / "train" / "user_002.csv")
    assert len(rows) == 4320  # 180 days of hourly samples
    assert rows[0]["timestamp"] == "2025-01-01 00:00:00"
    assert rows[-1]["timestamp"] == "2025-06-29 23:00:00"
    assert {r["user_id"] for r in rows} == {"user_002"}
    for row in rows[:200]:
        assert len(row["temperature_c"].split(".")[1]) == 2
        assert len(row["humidity_pct"].split(".")[1]) == 2
        assert len(row["fridge_power_w"].split(".")[1]) == 1
        assert row["front_door_open"] in {"0", "1"} and row["fire_alarm"] in {"0", "1"}
    assert len(_rows(v2_dataset / "train_all.csv")) == 3 * 4320
    assert len(_rows(v2_dataset / "val_all.csv")) == 2 * 4320


def test_combined_files_are_the_household_files_concatenated(v2_dataset: Path) -> None:
    for split, users in (("train", ["user_001", "user_002", "user_003"]), ("val", ["user_004", "user_005"])):
        combined = (v2_dataset / f"{split}_all.csv").read_text().splitlines()
        parts = [(v2_dataset / split / f"{u}.csv").read_text().splitlines() for u in users]
        assert combined == parts[0] + [line for part in parts[1:] for line in part[1:]]


def test_episode_list_matches_the_labels(v2_dataset: Path) -> None:
    episodes = _rows(v2_dataset / "episodes.csv")
    assert list(episodes[0]) == ["user_id", "anomaly_class", "start", "end"]
    for user in ["user_001", "user_004"]:
        rows = _rows(next(v2_dataset.glob(f"*/{user}.csv")))
        index = {r["timestamp"]: i for i, r in enumerate(rows)}
        covered: dict[int, set[int]] = {}
        for episode in (e for e in episodes if e["user_id"] == user):
            for i in range(index[episode["start"]], index[episode["end"]] + 1):
                covered.setdefault(i, set()).add(int(episode["anomaly_class"]))
        for i, row in enumerate(rows):
            label = int(row["anomaly_class"])
            assert label == max(covered.get(i, {0})), f"{user} row {i}"
        classes = {int(e["anomaly_class"]) for e in episodes if e["user_id"] == user}
        # A home without a sensor for a role gets no anomaly of that role's class.
        absent = {ROLE_CLASS[role] for role in draw_household(123, int(user[5:])).absent_roles}
        assert classes == {1, 2, 3, 4, 5} - absent


def test_manifest_records_how_it_was_built(v2_dataset: Path) -> None:
    manifest = json.loads((v2_dataset / "dataset.json").read_text())
    assert manifest["seed"] == 123 and manifest["version"] == "v2"
    assert manifest["train_users"] == ["user_001", "user_002", "user_003"]
    assert manifest["val_users"] == ["user_004", "user_005"]
    assert manifest["columns"] == SPEC_COLUMNS + MISSING_FLAGS


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    config = {"train_users": 2, "val_users": 1, "days": 20}
    build_dataset(BuildConfig(out=tmp_path / "a", **config))
    build_dataset(BuildConfig(out=tmp_path / "b", **config))
    build_dataset(BuildConfig(out=tmp_path / "c", seed=124, **config))
    assert _all_bytes(tmp_path / "a") == _all_bytes(tmp_path / "b")
    assert _all_bytes(tmp_path / "a")["train/user_001.csv"] != _all_bytes(tmp_path / "c")["train/user_001.csv"]


def test_a_household_does_not_depend_on_how_many_are_built(tmp_path: Path) -> None:
    build_dataset(BuildConfig(out=tmp_path / "small", train_users=2, val_users=1, days=15))
    build_dataset(BuildConfig(out=tmp_path / "large", train_users=6, val_users=2, days=15))
    assert (tmp_path / "small/train/user_002.csv").read_bytes() == (tmp_path / "large/train/user_002.csv").read_bytes()


def test_v1_is_five_minute_samples_over_three_days(tmp_path: Path) -> None:
    build_dataset(BuildConfig(out=tmp_path / "v1", train_users=1, val_users=1, version="v1"))
    rows = _rows(tmp_path / "v1" / "train" / "user_001.csv")
    assert len(rows) == 3 * 24 * 12
    assert [r["timestamp"] for r in rows[:2]] == ["2025-01-01 00:00:00", "2025-01-01 00:05:00"]


def test_rebuild_replaces_an_earlier_build(tmp_path: Path) -> None:
    out = tmp_path / "data"
    build_dataset(BuildConfig(out=out, train_users=4, val_users=1, days=5))
    build_dataset(BuildConfig(out=out, train_users=2, val_users=1, days=5))
    assert sorted(p.name for p in (out / "train").iterdir()) == ["user_001.csv", "user_002.csv"]
    assert sorted(p.name for p in (out / "val").iterdir()) == ["user_003.csv"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "v9"], "unknown --version 'v9'"),
        (["--days", "0"], "--days must be at least 1, got 0"),
        (["--train-users", "0", "--val-users", "0"], "zero households"),
        (["--train-users", "-3"], "-3"),
        (["--freq", "7min"], "7min"),
        (["--freq", "hourly"], "unknown --freq 'hourly'"),
    ],
)
def test_bad_build_arguments_get_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["build", "--out", str(tmp_path / "data"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_unwritable_output_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    assert main(["build", "--out", str(blocker / "data"), "--days", "2", "--train-users", "1", "--val-users", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(blocker) in err and err.count("\n") == 1
    assert main(["build", "--out", "/proc/home_anomaly_data", "--days", "2"]) == 2
    assert "/proc/home_anomaly_data" in capsys.readouterr().err


def test_failed_build_leaves_the_previous_dataset_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "data"
    build_dataset(BuildConfig(out=out, train_users=2, val_users=1, days=3))
    before = _all_bytes(out)

    import simulator.dataset

    real = simulator.dataset.simulate_household
    calls = []

    def failing(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C mid-build
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(simulator.dataset, "simulate_household", failing)
    with pytest.raises(KeyboardInterrupt):
        build_dataset(BuildConfig(out=out, train_users=5, val_users=1, days=3, seed=9))
    assert _all_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no staging folder left


def test_cli_build_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    assert main(["build", "--out", str(data), "--train-users", "2", "--val-users", "1", "--days", "20"]) == 0
    assert "wrote 3 households × 480 rows" in capsys.readouterr().out
    assert main(["plot", "--data", str(data), "--user", "user_003", "--days", "14"]) == 0
    assert (data / "plots" / "user_003.png").stat().st_size > 10_000
    assert main(["plot", "--data", str(data), "--user", "user_042"]) == 2
    assert "user_042" in capsys.readouterr().err


def test_simulator_error_is_a_value_error() -> None:
    with pytest.raises(SimulatorError):
        build_dataset(BuildConfig(out=Path("/tmp/never"), train_users=0, val_users=0))
