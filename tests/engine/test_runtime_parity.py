"""The two runtimes agree on the shipped model, over realistic validation windows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from custom_components.home_anomaly.engine.features import HourlyTable, model_features, sliding_windows
from custom_components.home_anomaly.engine.runtime import load_model
from simulator import TimeGrid, simulate_household

MODEL = Path(__file__).resolve().parents[2] / "custom_components" / "home_anomaly" / "models" / "model.onnx"
pytest.importorskip("onnxruntime", reason="onnxruntime is installed in both project environments")


def _validation_windows(homes: int = 4, days: int = 60) -> np.ndarray:
    grid = TimeGrid(datetime(2025, 1, 1), days, 60)
    stamps = [
        datetime(2025, 1, 1) + (datetime(2025, 1, 1, 1) - datetime(2025, 1, 1)) * i for i in range(grid.n_samples)
    ]
    windows = []
    for user in range(81, 81 + homes):
        series = simulate_household(123, user, grid)
        o = series.observed
        sensors = np.column_stack([o.temperature_c, o.humidity_pct, o.fridge_power_w, o.front_door_open, o.fire_alarm])
        features = model_features(HourlyTable.from_dataset_rows(stamps, sensors.astype(float), series.missing))
        windows.append(sliding_windows(features, 32))
    return np.ascontiguousarray(np.concatenate(windows))


def test_numpy_engine_matches_onnxruntime_on_validation_windows() -> None:
    windows = _validation_windows()
    reference = load_model(MODEL, runtime="onnxruntime").predict_proba(windows)
    ours = load_model(MODEL, runtime="numpy").predict_proba(windows)
    same_class = float(np.mean(reference.argmax(axis=1) == ours.argmax(axis=1)))
    assert same_class >= 0.999, same_class
    assert float(np.abs(reference - ours).max()) <= 1e-3
    assert len(set(reference.argmax(axis=1).tolist())) >= 4  # the windows exercise several classes
