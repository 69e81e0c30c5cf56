"""Drift monitor, baselines, the comparison table, benchmarks and experiment tracking."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import benchmarks.report
from custom_components.home_anomaly.engine.drift import psi, psi_status
from trainer import benchmark_compare
from trainer.baselines import IsolationForestBaseline, rolling_zscore, threshold_rules
from trainer.cli import main
from trainer.compare import comparison_rows, write_comparison
from trainer.data import Household, load_households
from trainer.drift import compare_feature, drift_report
from trainer.tracking import open_trackers


def test_psi_is_zero_for_the_same_distribution_and_large_for_a_shift() -> None:
    shares = np.array([0.1] * 10)
    assert psi(shares, shares) == 0.0
    assert psi_status(psi(shares, np.array([0.5, 0.5] + [0.0] * 8))) == "alert"


def test_huge_samples_with_a_tiny_shift_are_not_called_drift() -> None:
    rng = np.random.default_rng(0)
    reference, current = rng.normal(0, 1, 200_000), rng.normal(0.02, 1, 200_000)
    result = compare_feature("temperature_dev", reference, current)
    assert result["p_value"] < 0.05  # "significant" …
    assert result["status"] == "ok"  # … but nothing anyone should act on


def test_drift_between_datasets_flags_the_warmer_homes(tiny_dataset: Path, tmp_path: Path) -> None:
    current = tmp_path / "current"
    current.mkdir()
    for path in (tiny_dataset / "val").glob("user_*.csv"):
        frame = pd.read_csv(path, dtype=str)
        if path.name == "user_006.csv":
            frame["temperature_c"] = (frame["temperature_c"].astype(float) + 6.0).map("{:.2f}".format)
        frame.to_csv(current / path.name, index=False)
    report = drift_report(tiny_dataset / "val", current)
    level = next(r for r in report["overall"] if r["feature"] == "temperature_level")
    assert level["status"] == "alert"
    by_home = {h["user_id"]: h for h in report["per_household"]}
    assert by_home["user_006"]["status"] == "alert"
    assert by_home["user_006"]["worst_feature"] == "temperature_level"


def test_drift_command(tiny_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "drift.json"
    assert main(["drift", "--reference", str(tiny_dataset / "train"), "--current", str(tiny_dataset / "val"),
                 "--out", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "| temperature_dev | KS |" in printed
    assert "| front_door_open | two-proportion z |" in printed
    assert json.loads(out.read_text())["per_household"]


def _home(temperature: list[float], power: list[float], door: list[int], hours: list[int]) -> Household:
    n = len(temperature)
    sensors = np.column_stack([temperature, [50.0] * n, power, door, [0] * n]).astype(float)
    return Household("user_001", [datetime(2025, 1, 1, h) for h in hours], np.zeros((n, 15), np.float32),
                     np.zeros(n, dtype=np.int64), sensors, np.zeros((n, 3), dtype=bool))  # fmt: skip


def test_threshold_rules_follow_the_seed_project() -> None:
    home = _home([21.0, 16.5, 21.0, 21.0], [150.0, 150.0, 0.0, 150.0], [0, 0, 0, 1], [10, 11, 12, 3])
    assert threshold_rules(home).tolist() == [0, 1, 3, 4]


def test_rolling_zscore_catches_a_dead_fridge(tiny_dataset: Path) -> None:
    home = load_households(tiny_dataset / "val" / "user_005.csv")[0]
    predicted = rolling_zscore(home)
    fridge_hours = home.labels == 3
    assert np.mean(predicted[fridge_hours] == 3) > 0.9


def test_isolation_forest_flags_about_as_many_hours_as_are_anomalous(tiny_dataset: Path) -> None:
    train = load_households(tiny_dataset / "train")
    forest = IsolationForestBaseline(max_rows=5_000).fit(train)
    home = load_households(tiny_dataset / "val" / "user_005.csv")[0]
    flagged = np.mean(forest.predict(home) != 0)
    labelled = np.mean(home.labels != 0)
    assert 0.5 * labelled < flagged < 2.0 * labelled


def test_comparison_table_lists_models_and_baselines(tiny_run: Path, tmp_path: Path) -> None:
    baseline = {"macro_f1_excl_normal": 0.5, "per_class": {str(c): {"f1": 0.5} for c in range(1, 6)},
                "event_recall": {str(c): 1.0 for c in range(1, 6)}, "false_alarms_per_home_week": 0.2}  # fmt: skip
    rows = comparison_rows(tiny_run, {"threshold_rules": baseline})
    assert [r["name"] for r in rows] == ["CNN", "CNN", "threshold_rules"]
    assert rows[1]["kind"] == "model int8 (static QDQ)"
    _, md = write_comparison(rows, tmp_path / "comparison")
    assert "| CNN | model fp32 (ONNX) |" in md.read_text()


def test_benchmark_writes_json_markdown_and_plot(tiny_run: Path, tiny_dataset: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(benchmarks.report, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(benchmark_compare, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(benchmark_compare, "REPEATS", 5)
    benchmark_compare.run_benchmark(tiny_run, tiny_dataset)
    rows = json.loads((tmp_path / "model_compare.json").read_text())["results"]
    assert [r["variant"] for r in rows] == ["torch fp32", "onnx fp32", "onnx int8"]
    assert all(r["latency_p50_ms"] > 0 for r in rows)
    assert (tmp_path / "model_compare.png").stat().st_size > 10_000


def test_mlflow_records_runs_in_an_embedded_store(tmp_path: Path) -> None:
    trackers = open_trackers(True, tmp_path / "mlflow", "home_anomaly_test", "CNN")
    trackers.log_params({"epochs": 2})
    trackers.log_metrics({"early_stop_macro_f1": 0.5}, step=1)
    trackers.close()
    import mlflow

    runs = mlflow.search_runs(experiment_names=["home_anomaly_test"])
    assert runs["metrics.early_stop_macro_f1"].tolist() == [0.5]
    assert (tmp_path / "mlflow" / "mlflow.db").is_file()


def test_no_log_tracks_nothing(tmp_path: Path) -> None:
    trackers = open_trackers(False, tmp_path / "mlflow", "x", "CNN")
    trackers.log_metrics({"a": 1.0})
    trackers.close()
    assert not (tmp_path / "mlflow").exists()


def test_no_key_in_code() -> None:
    sources = "\n".join(p.read_text() for p in Path("trainer").rglob("*.py"))
    assert "WANDB_API_KEY=" not in sources
    assert "api_key=" not in sources.lower()
