"""The six-panel household figure of SPEC §4: the five sensors and the anomaly class."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from custom_components.home_anomaly.engine.arrays import BoolArray, FloatArray, IntArray
from custom_components.home_anomaly.engine.schema import ANOMALY_CLASS_NAMES, MISSING_COLUMNS, SENSOR_COLUMNS

from .dataset import SimulatorError, user_csv_path
from .dataset_csv import cell_error, read_dataset_csv

PANEL_LABELS = (
    "Temperature (°C)",
    "Humidity (%RH)",
    "Fridge power (W)",
    "Front door (open)",
    "Fire alarm (on)",
    "Anomaly class",
)
CLASS_COLOURS = {1: "tab:blue", 2: "tab:cyan", 3: "tab:green", 4: "tab:orange", 5: "tab:red"}


@dataclass
class HouseholdTable:
    timestamps: list[datetime]
    sensors: FloatArray  # (n, 5) in SENSOR_COLUMNS order
    anomaly_class: IntArray
    missing: BoolArray  # (n, 3)


def read_household_csv(path: Path, days: int | None = None) -> HouseholdTable:
    """Read a household CSV of the dataset format, optionally only its first ``days`` days.

    The whole file is checked either way: a malformed row raises ``DatasetFileError`` naming the
    file, row and column, even beyond the days shown.
    """
    table = read_dataset_csv(path, (*SENSOR_COLUMNS, "anomaly_class", *MISSING_COLUMNS))
    user = table.user_ids[0]
    other = next((i for i, name in enumerate(table.user_ids) if name != user), None)
    if other is not None:
        raise cell_error(
            path,
            table.rows[other],
            "user_id",
            f"{table.user_ids[other]!r} differs from {user!r} in row {table.rows[0]}; plot one household's file",
        )
    keep = len(table.timestamps)
    if days is not None:
        end = table.timestamps[0] + timedelta(days=days)
        keep = sum(1 for moment in table.timestamps if moment < end)
    values = table.values
    return HouseholdTable(
        timestamps=table.timestamps[:keep],
        sensors=np.column_stack([values[name][:keep] for name in SENSOR_COLUMNS]),
        anomaly_class=values["anomaly_class"][:keep].astype(np.int64),
        missing=np.column_stack([values[name][:keep] >= 0.5 for name in MISSING_COLUMNS]),
    )


def plot_household(table: HouseholdTable, title: str) -> Figure:
    figure, axes = plt.subplots(6, 1, sharex=True, figsize=(14, 13), constrained_layout=True)
    times = np.array(table.timestamps)
    for column, ax in enumerate(axes[:5]):
        values = table.sensors[:, column]
        if column < 3:
            ax.plot(times, values, lw=0.8, color="black")
            gaps = table.missing[:, column]
            if gaps.any():
                ax.scatter(times[gaps], values[gaps], s=8, color="grey", zorder=3, label="missing (forward-filled)")
                ax.legend(loc="upper right", fontsize=8)
        else:
            ax.step(times, values, where="post", lw=0.8, color="black")
            ax.set_ylim(-0.1, 1.1)
            ax.set_yticks([0, 1])
    axes[5].step(times, table.anomaly_class, where="post", lw=1.0, color="black")
    axes[5].set_ylim(-0.3, 5.3)
    axes[5].set_yticks(range(6), [f"{code} {ANOMALY_CLASS_NAMES[code]}" for code in range(6)], fontsize=8)

    step = times[1] - times[0] if len(times) > 1 else timedelta(hours=1)
    for code, start, end in _runs(table.anomaly_class):
        for ax in axes:
            ax.axvspan(times[start], times[end] + step, color=CLASS_COLOURS[code], alpha=0.25, lw=0)
    for ax, label in zip(axes, PANEL_LABELS, strict=True):
        ax.set_ylabel(label, fontsize=9)
        ax.grid(True, alpha=0.4)
    handles = [Rectangle((0, 0), 1, 1, color=CLASS_COLOURS[c], alpha=0.4) for c in CLASS_COLOURS]
    axes[0].figure.legend(
        handles,
        [f"{c} {ANOMALY_CLASS_NAMES[c]}" for c in CLASS_COLOURS],
        loc="outside upper right",
        ncols=5,
        fontsize=8,
    )
    axes[5].set_xlabel("Time")
    axes[5].xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M"))  # type: ignore[no-untyped-call]
    figure.suptitle(title, x=0.02, ha="left")
    return figure


def _runs(labels: IntArray) -> list[tuple[int, int, int]]:
    """(class, first index, last index) of each run of one non-zero class."""
    runs: list[tuple[int, int, int]] = []
    start = 0
    for i in range(1, labels.size + 1):
        if i == labels.size or labels[i] != labels[start]:
            if labels[start] != 0:
                runs.append((int(labels[start]), start, i - 1))
            start = i
    return runs


def plot_user(data_dir: Path, user_id: str, days: int, out: Path) -> Path:
    """Write the six-panel figure of one household's first ``days`` days to ``out`` (PNG)."""
    if days < 1:
        raise SimulatorError(f"--days must be at least 1, got {days}")
    table = read_household_csv(user_csv_path(data_dir, user_id), days)
    figure = plot_household(table, f"{user_id}: first {days} days")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(out, dpi=90)
    except OSError as err:
        raise SimulatorError(f"cannot write the plot to {str(out)!r} ({err.strerror or err})") from err
    finally:
        plt.close(figure)
    return out
