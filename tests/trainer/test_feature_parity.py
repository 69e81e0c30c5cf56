"""Train/serve parity: the same readings give the same model input through both paths."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from custom_components.home_anomaly.engine.features import HourlyTable, aggregate_readings, model_features
from trainer.data import households_from_frame, read_household_csv


def _as_state_changes(frame_rows: list[dict[str, float]], timestamps: list) -> list[tuple[int, object, float | None]]:
    """What Home Assistant would have recorded for these hours: values held, door blips, gaps."""
    readings: list[tuple[int, object, float | None]] = []
    for row, start in zip(frame_rows, timestamps, strict=True):
        for sensor, (column, flag) in enumerate(
            (("temperature_c", "temperature_c_missing"), ("humidity_pct", "humidity_pct_missing"),
             ("fridge_power_w", "fridge_power_w_missing"))
        ):  # fmt: skip
            readings.append((sensor, start, None if row[flag] else row[column]))
        for sensor, column in ((3, "front_door_open"), (4, "fire_alarm")):
            if row[column]:
                readings.append((sensor, start + timedelta(minutes=17), 1.0))
                readings.append((sensor, start + timedelta(minutes=18), 0.0))
            else:
                readings.append((sensor, start, 0.0))
    return readings


def test_dataset_rows_and_state_changes_give_identical_features(tiny_dataset: Path) -> None:
    frame = read_household_csv(tiny_dataset / "train" / "user_002.csv")
    home = households_from_frame(frame)[0]  # the trainer's path
    assert home.missing.any(), "the parity check must cover missing samples"
    assert home.sensors[:, 3].any()

    rows = frame.to_dict("records")
    samples = aggregate_readings(
        _as_state_changes(rows, home.timestamps), home.timestamps[0], home.timestamps[-1] + timedelta(hours=1)
    )  # the integration's path
    served = model_features(HourlyTable.from_samples(samples))
    assert served.dtype == np.float32
    np.testing.assert_array_equal(served, home.features)
