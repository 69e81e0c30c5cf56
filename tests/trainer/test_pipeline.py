"""A tiny train → export → quantize → evaluate → ship run, through the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from custom_components.home_anomaly.engine.model_card import ModelCardError, read_model_card
from custom_components.home_anomaly.engine.runtime import load_model
from trainer.cli import main
from trainer.ship import ship


def test_training_writes_models_reports_and_figures(tiny_run: Path) -> None:
    folder = tiny_run / "CNN"
    for name in ("best.pt", "model.onnx", "model.int8.onnx", "report.json", "history.json",
                 "fp32/confusion.png", "fp32/pr_curves.png", "int8/confusion.png"):  # fmt: skip
        assert (folder / name).is_file(), name
    assert not (folder / "model.onnx.data").exists()  # weights embedded
    report = json.loads((folder / "report.json").read_text())
    assert report["onnx_parity_max_abs"] <= 1e-4
    assert report["quantization"] == "static QDQ"
    assert report["size_bytes"]["int8"] < report["size_bytes"]["fp32"]
    assert set(report["int8"]["per_class"]) == {"1", "2", "3", "4", "5"}
    assert 0.0 <= report["int8"]["macro_f1_excl_normal"] <= 1.0


def test_exported_models_accept_any_batch_size(tiny_run: Path) -> None:
    for file in ("model.onnx", "model.int8.onnx"):
        model = load_model(tiny_run / "CNN" / file, runtime="onnxruntime")
        for batch in (1, 3, 50):
            probabilities = model.predict_proba(
                np.random.default_rng(batch).normal(size=(batch, 32, 15)).astype(np.float32)
            )
            assert probabilities.shape == (batch, 6)
            np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_shipped_static_model_uses_only_standard_onnx_ops(tiny_run: Path) -> None:
    graph = onnx.load(str(tiny_run / "CNN" / "model.int8.onnx")).graph
    assert {node.domain for node in graph.node} <= {"", "ai.onnx"}
    assert "QuantizeLinear" in {node.op_type for node in graph.node}


def test_evaluate_command_scores_through_the_engine(tiny_run: Path, tiny_dataset: Path, tmp_path: Path) -> None:
    out, predictions = tmp_path / "metrics.json", tmp_path / "preds.csv"
    model = tiny_run / "CNN" / "model.int8.onnx"
    assert main(["evaluate", "--model", str(model), "--data", str(tiny_dataset / "val"), "--out", str(out),
                 "--predictions", str(predictions)]) == 0  # fmt: skip
    metrics = json.loads(out.read_text())
    for key in ("macro_f1_excl_normal", "per_class", "event_recall", "false_alarms_per_home_week", "coverage"):
        assert key in metrics
        assert key in metrics["model_only"]
    assert metrics["decision"] == "model + instant rules"
    # The rules catch every fire and every night-time door opening, whatever the model says.
    assert metrics["event_recall"]["4"] == 1.0
    assert metrics["event_recall"]["5"] == 1.0
    assert metrics["coverage"] == pytest.approx((40 * 24 - 31) / (40 * 24))
    with open(predictions, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["user_id", "timestamp", "predicted_class"]
    assert len(rows) == 2 * (40 * 24 - 31)
    assert rows[0]["timestamp"] == "2025-01-02 07:00:00"  # the first hour with a full window


def test_evaluate_one_csv_without_episodes_has_no_event_metrics(
    tiny_run: Path, tiny_dataset: Path, tmp_path: Path
) -> None:
    single = tmp_path / "one" / "user_005.csv"
    single.parent.mkdir()
    single.write_bytes((tiny_dataset / "val" / "user_005.csv").read_bytes())
    out = tmp_path / "m.json"
    assert (
        main(["evaluate", "--model", str(tiny_run / "CNN" / "model.onnx"), "--data", str(single), "--out", str(out)])
        == 0
    )
    metrics = json.loads(out.read_text())
    assert metrics["households"] == 1
    assert "event_recall" not in metrics


def test_ship_writes_a_card_the_integration_accepts(tiny_run: Path, tiny_dataset: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    path = ship(tiny_run, tiny_dataset, "CNN", models_dir=models)
    assert sorted(p.name for p in models.iterdir()) == ["model.onnx", "model_card.json"]  # no staging left behind
    card = read_model_card(models)
    assert card.window_size == 32
    assert card.architecture == "CNN"
    raw = json.loads((models / "model_card.json").read_text())
    assert raw["sensors"] == ["temperature_c", "humidity_pct", "fridge_power_w", "front_door_open", "fire_alarm"]
    assert [c["name"] for c in raw["classes"]] == ["normal", "temperature", "humidity", "fridge", "door", "fire"]
    assert set(raw["reference_distributions"]) >= {"temperature_dev", "front_door_open"}
    assert len(raw["training_data"]["digest_sha256"]) == 64

    path.write_bytes(path.read_bytes() + b"\0")  # a damaged or swapped model file
    with pytest.raises(ModelCardError, match="does not match its model card"):
        read_model_card(models)


def test_a_card_of_another_schema_version_is_refused(tiny_run: Path, tiny_dataset: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    ship(tiny_run, tiny_dataset, "CNN", models_dir=models)
    raw = json.loads((models / "model_card.json").read_text())
    raw["schema_version"] = 99
    (models / "model_card.json").write_text(json.dumps(raw))
    with pytest.raises(ModelCardError, match="schema version 99"):
        read_model_card(models)
