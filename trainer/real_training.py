"""``python -m trainer real-train-data``: real normal hours with injected anomalies, to train on.

The simulator teaches the classes; real recordings teach what normal looks like in homes nobody
here designed (cool spells of 1.5–3.5 °C, showers to 90 %RH). This command writes copies of the
development set's **training split** with anomalies injected at random times, depths and
durations (``injection.py``, the same effects as the recall measurement) as plain dataset CSVs
that ``python -m trainer`` reads beside the simulated homes (``--out DATASET/train``).

The split keeps evaluation honest: a real hour is either trained on or evaluated on, never both.

* trained on (``TRAIN_SEGMENTS``): the UCI Stambruges house from 2016-02-02 to 05-08 and the
  SML2010 house from 2012-04-03 to 05-01 — the parts of those recordings no composite home uses;
* held out (``HELD_OUT_HOMES``, what ``make pipeline`` reports): the three composite homes, both
  tracebase fridges and both Ordóñez doors. The fridges and doors are never trained on: the
  recordings are two weeks long and every hour of them is in a composite.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np

from custom_components.home_anomaly.engine.schema import MISSING_COLUMNS, SENSOR_COLUMNS, TIMESTAMP_FORMAT
from simulator.anomalies import SEPARATION_H

from .data import DataError, Household, load_households
from .injection import class_rng, home_roles, injectable_classes, injected_home, plan_injections

TRAIN_SEGMENTS: dict[str, tuple[str, str]] = {
    "uci_be_living_bath": ("2016-02-02 00:00:00", "2016-05-08 23:00:00"),
    "sml2010_es_dining": ("2012-04-03 00:00:00", "2012-05-01 23:00:00"),
}
HELD_OUT_HOMES: tuple[str, ...] = (
    "dev_composite_1",
    "dev_composite_2",
    "dev_composite_3",
    "tracebase_fridge_76c07f",
    "tracebase_fridge_d325d9",
    "door_ordonez_a",
    "door_ordonez_b",
)
REAL_PREFIX = "real_"  # the user id of every written copy: the trainer always trains on them
EPISODES_PER_CLASS = 12  # tried per copy and class; overlapping ones are dropped


@dataclass(frozen=True)
class RealTrainingRequest:
    data: Path
    out: Path
    copies: int = 6
    seed: int = 321


def write_real_training_data(request: RealTrainingRequest) -> list[Path]:
    """Write ``copies`` injected copies of every training segment; returns the files written."""
    if request.copies < 1:
        raise DataError(f"--copies must be 1 or more, got {request.copies}")
    homes = {home.user_id: home for home in load_households(request.data)}
    missing = [name for name in TRAIN_SEGMENTS if name not in homes]
    if missing:
        raise DataError(f"{request.data}: no home {', '.join(missing)}; point --data at the real-homes development set")
    request.out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (first, last) in TRAIN_SEGMENTS.items():
        segment = _segment(homes[name], datetime.fromisoformat(first), datetime.fromisoformat(last))
        for copy in range(request.copies):
            user_id = f"{REAL_PREFIX}{name}_{copy}"
            sensors, labels = _injected_copy(segment, request.seed + copy)
            path = request.out / f"user_{user_id}.csv"
            _write(path, user_id, segment, sensors, labels)
            written.append(path)
    return written


def _segment(home: Household, first: datetime, last: datetime) -> Household:
    keep = np.array([first <= moment <= last for moment in home.timestamps], dtype=bool)
    if not keep.any():
        raise DataError(f"home {home.user_id} has no hours from {first} to {last}")
    rows = np.flatnonzero(keep)
    part = slice(int(rows[0]), int(rows[-1]) + 1)
    return Household(
        user_id=home.user_id,
        timestamps=home.timestamps[part],
        features=home.features[part],
        labels=home.labels[part],
        sensors=home.sensors[part],
        missing=home.missing[part],
    )


def _injected_copy(home: Household, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The segment with non-overlapping episodes of every class it can show, applied one by one."""
    sensors, labels = home.sensors.copy(), home.labels.copy()
    taken = np.zeros(len(home.timestamps), dtype=bool)
    margin = int(SEPARATION_H)
    for anomaly_class in injectable_classes(home_roles(home)):
        rng = class_rng(seed, home.user_id, anomaly_class)
        for injection in plan_injections(home, anomaly_class, EPISODES_PER_CLASS, rng, [], 0):
            near = slice(max(0, injection.start - margin), injection.end + margin + 1)
            if taken[near].any():
                continue
            taken[injection.start : injection.end + 1] = True
            sensors, labels = injected_home(replace(home, sensors=sensors, labels=labels), injection, rng)
    return sensors, labels


def _write(path: Path, user_id: str, home: Household, sensors: np.ndarray, labels: np.ndarray) -> None:
    header = ["timestamp", *SENSOR_COLUMNS, "anomaly_class", "user_id", *MISSING_COLUMNS]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row, moment in enumerate(home.timestamps):
            values = [f"{value:.3f}" for value in sensors[row, :3]] + [str(int(v)) for v in sensors[row, 3:]]
            flags = [str(int(flag)) for flag in home.missing[row]]
            writer.writerow([moment.strftime(TIMESTAMP_FORMAT), *values, int(labels[row]), user_id, *flags])
