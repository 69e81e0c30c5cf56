"""Compare a built dataset with the facts from real homes in SPEC §2.

``python -m simulator calibrate --data DIR`` prints the table that ``simulator/README.md``
quotes. Only normal-labelled rows count: the facts describe homes on ordinary days.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .dataset import SimulatorError
from .dataset_csv import read_dataset_csv


@dataclass(frozen=True)
class CalibrationRow:
    fact: str
    real: str
    simulated: str


def calibration_table(data_dir: Path) -> list[CalibrationRow]:
    path = data_dir / "train_all.csv"
    if not path.is_file():
        raise SimulatorError(f"no {path}: build a dataset first (python -m simulator build --out {data_dir})")
    table = read_dataset_csv(
        path, ("temperature_c", "humidity_pct", "fridge_power_w", "front_door_open", "anomaly_class")
    )
    hours = np.array([moment.hour for moment in table.timestamps])
    temperature = table.values["temperature_c"]
    humidity = table.values["humidity_pct"]
    power = table.values["fridge_power_w"]
    door = table.values["front_door_open"].astype(np.int64)
    label = table.values["anomaly_class"].astype(np.int64)
    users = np.array(table.user_ids)
    households = len(set(table.user_ids))
    days = len(table.timestamps) / households / 24
    normal = label == 0

    t5, t50, t95 = np.percentile(temperature[normal], [5, 50, 95])
    # The real figures come from one home; the population adds every household's own preference.
    centred = np.concatenate(
        [temperature[normal & (users == u)] - np.median(temperature[normal & (users == u)]) for u in np.unique(users)]
    )
    c5, c95 = np.percentile(centred, [5, 95])
    h50, h95, h99 = np.percentile(humidity[normal], [50, 95, 99])
    humid_hours = np.bincount(hours[normal & (humidity > 70)], minlength=24)
    top_hours = sorted(int(h) for h in np.argsort(humid_hours)[-3:])
    night_door = door[(hours < 5)].sum() / (households * days)
    return [
        CalibrationRow(
            "living-room temperature p5 / p50 / p95 (°C)", "17.3 / 20.0 / 24.5", f"{t5:.1f} / {t50:.1f} / {t95:.1f}"
        ),
        CalibrationRow("temperature p5 / p95 around each home's median (°C)", "−2.7 / +4.5", f"{c5:+.1f} / {c95:+.1f}"),
        CalibrationRow(
            "bathroom humidity median / p95 / p99 (%RH)", "49 / 70 / 85", f"{h50:.0f} / {h95:.0f} / {h99:.0f}"
        ),
        CalibrationRow("bathroom humidity max (%RH)", "96", f"{humidity[normal].max():.0f}"),
        CalibrationRow(
            "hours with most readings above 70 %RH",
            "20–22 h, smaller morning peak",
            ", ".join(f"{h} h" for h in top_hours),
        ),
        CalibrationRow(
            "front door: hours with an opening per day",
            "3.6–4.6 openings a day",
            f"{door.sum() / (households * days):.2f}",
        ),
        CalibrationRow("front door: night (00–05 h) openings per night", "0.14 (one house)", f"{night_door:.3f}"),
        CalibrationRow(
            "fridge power median (W, hourly)",
            "150 compressor-on; 40–115 duty-cycled",
            f"{np.median(power[normal]):.0f}",
        ),
    ]


def format_table(rows: list[CalibrationRow]) -> str:
    lines = ["| fact | real homes | simulated |", "| --- | --- | --- |"]
    lines += [f"| {r.fact} | {r.real} | {r.simulated} |" for r in rows]
    return "\n".join(lines)
