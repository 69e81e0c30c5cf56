"""The six-panel household figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import numpy as np

from simulator.dataset import user_csv_path
from simulator.plot import PANEL_LABELS, plot_household, plot_user, read_household_csv


def test_six_panels_in_sensor_order_sharing_time(v2_dataset: Path) -> None:
    table = read_household_csv(user_csv_path(v2_dataset, "user_003"), days=14)
    assert len(table.timestamps) == 14 * 24
    figure = plot_household(table, "user_003")
    axes = figure.axes
    assert [ax.get_ylabel() for ax in axes] == list(PANEL_LABELS)
    assert PANEL_LABELS[:5] == (
        "Temperature (°C)", "Humidity (%RH)", "Fridge power (W)", "Front door (open)", "Fire alarm (on)",
    )  # fmt: skip
    assert all(ax.get_shared_x_axes().joined(axes[0], ax) for ax in axes)
    assert all(ax.xaxis.get_gridlines()[0].get_visible() for ax in axes)
    assert axes[5].get_xlabel() == "Time"


def test_anomalies_are_marked_on_every_panel(v2_dataset: Path) -> None:
    table = read_household_csv(user_csv_path(v2_dataset, "user_001"))
    figure = plot_household(table, "user_001")
    runs = np.count_nonzero(np.diff(np.concatenate([[0], table.anomaly_class])) != 0)
    assert runs > 0
    for ax in figure.axes:
        assert len(ax.patches) >= 1  # shaded anomaly spans


def test_png_is_written(v2_dataset: Path, tmp_path: Path) -> None:
    out = plot_user(v2_dataset, "user_004", 7, tmp_path / "fig.png")
    image = matplotlib.image.imread(out)
    assert image.shape[0] > 800 and image.shape[1] > 800


def test_malformed_csv_names_file_row_and_column(v2_dataset: Path, tmp_path: Path) -> None:
    import pytest

    from simulator.dataset import SimulatorError

    lines = (v2_dataset / "train" / "user_001.csv").read_text().splitlines()
    cells = lines[3].split(",")
    cells[1] = "warm"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*lines[:3], ",".join(cells), *lines[4:10]]) + "\n")
    with pytest.raises(SimulatorError, match=r"bad.csv: row 4, column temperature_c: 'warm' is not a number"):
        read_household_csv(bad)
    bad.write_text("\n".join([lines[0], "2025-13-01 00:00:00" + lines[1][19:]]) + "\n")
    with pytest.raises(SimulatorError, match="row 2, column timestamp"):
        read_household_csv(bad)
    bad.write_text("\n".join([lines[0], lines[1] + ",extra"]) + "\n")
    with pytest.raises(
        SimulatorError, match=r"row 2, column 21: no such column \(the row has 21 cells, the header 20\)"
    ):
        read_household_csv(bad)
