"""Real data in, the way users have it: plain CSVs and Home Assistant's history download.

A plain CSV is ``timestamp`` plus any of the sensor columns; an empty cell is a missing reading.
A history download (``entity_id,state,last_changed``) becomes a dataset directory through the
engine's own aggregation, and ``trainer evaluate`` scores it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from simulator.dataset_csv import read_dataset_csv
from trainer.cli import main
from trainer.data import DataError, load_households, read_household_csv

SHIPPED = Path(__file__).resolve().parents[2] / "custom_components" / "home_anomaly" / "models" / "model.onnx"


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _hours(first_day: int, count: int) -> list[str]:
    return [f"2025-03-{first_day + hour // 24:02d} {hour % 24:02d}:00:00" for hour in range(count)]


# --- plain CSVs ----------------------------------------------------------------------------


def test_a_plain_csv_with_some_sensors_and_empty_cells_reads_as_a_dataset(tmp_path: Path) -> None:
    path = tmp_path / "user_flat_3.csv"
    rows = ["timestamp,temperature_c,front_door_open"]
    for i, stamp in enumerate(_hours(1, 48)):
        temperature = "" if i in (5, 6) else f"{20 + i % 5}"
        door = "" if i == 7 else ("1" if i == 8 else "0")
        rows.append(f"{stamp},{temperature},{door}")
    path.write_text("\n".join(rows) + "\n")

    home = load_households(path)[0]
    assert home.user_id == "flat_3"  # no user_id column: the file's name
    assert len(home.timestamps) == 48
    # empty temperature cells: the previous reading carried forward and flagged missing
    assert home.sensors[4:8, 0].tolist() == [24.0, 24.0, 24.0, 22.0]
    assert home.missing[4:8, 0].tolist() == [False, True, True, False]
    # humidity and fridge columns absent: missing on every hour; door empty reads 0, never missing
    assert home.missing[:, 1].all() and home.missing[:, 2].all()
    assert home.sensors[7:9, 3].tolist() == [0.0, 1.0]
    assert (home.labels == 0).all()  # no anomaly_class column: every hour normal
    # the model sees the missing masks (features 8–10 in FEATURE_NAMES order)
    assert home.features[5, 8] == 1.0 and home.features[4, 8] == 0.0
    assert (home.features[:, 9] == 1.0).all()


def test_the_simulators_reader_reads_a_plain_csv_the_same_way(tmp_path: Path) -> None:
    # plot and calibrate go through simulator/dataset_csv.py; the convention is written once.
    path = tmp_path / "user_flat_4.csv"
    rows = ["timestamp,humidity_pct,fridge_power_w,user_id"]
    rows += [f"{stamp},{'' if i == 3 else 50 + i},{'' if i < 2 else 40},flat_4" for i, stamp in enumerate(_hours(1, 6))]
    path.write_text("\n".join(rows) + "\n")
    simulator_rows = read_dataset_csv(path)
    trainer_frame = read_household_csv(path)
    for column in ("temperature_c", "humidity_pct", "fridge_power_w", "humidity_pct_missing", "fridge_power_w_missing"):
        np.testing.assert_array_equal(simulator_rows.values[column], trainer_frame[column].to_numpy())
    assert simulator_rows.values["fridge_power_w"].tolist() == [0.0, 0.0, 40.0, 40.0, 40.0, 40.0]  # 0 before any
    assert simulator_rows.values["humidity_pct"][3] == 52.0


def test_hours_missing_from_a_plain_csv_become_missing_hours(tmp_path: Path) -> None:
    # The integration fills a gap in its buffer with missing hours before scoring; so does the reader.
    path = tmp_path / "user_gappy.csv"
    stamps = _hours(1, 72)
    kept = [stamp for i, stamp in enumerate(stamps) if not 30 <= i < 40]
    path.write_text("timestamp,temperature_c\n" + "".join(f"{stamp},21.5\n" for stamp in kept))
    home = load_households(path)[0]
    assert [t.strftime("%Y-%m-%d %H:%M:%S") for t in home.timestamps] == stamps
    assert home.missing[30:40, 0].all() and not home.missing[40, 0]
    assert (home.sensors[30:40, 3:] == 0).all()


def test_a_full_dataset_file_with_an_empty_reading_is_missing_not_refused(tiny_dataset: Path, tmp_path: Path) -> None:
    lines = (tiny_dataset / "val" / "user_005.csv").read_text().splitlines()[:60]
    header = lines[0].split(",")
    cells = lines[10].split(",")
    cells[header.index("fridge_power_w")] = ""
    lines[10] = ",".join(cells)
    path = tmp_path / "user_005.csv"
    path.write_text("\n".join(lines) + "\n")
    home = load_households(path)[0]
    assert home.missing[9, 2] and home.sensors[9, 2] == home.sensors[8, 2]


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        ("timestamp,temperature_c,anomaly_class", "2025-03-01 00:00:00,20,", ("row 2, column anomaly_class", "empty")),
        ("timestamp,temperature_c,user_id", "2025-03-01 00:00:00,20,", ("row 2, column user_id", "empty")),
        ("timestamp;temperature_c", "2025-03-01 00:00:00;20", ("row 1", "separated by ';'")),
        ("timestamp,temp,humidity", "2025-03-01 00:00:00,20,40", ("row 1", "none of the sensor columns", "temp")),
        ("timestamp,temperature_c", "2025-03-01 00:00:00,warm", ("row 2, column temperature_c", "'warm'")),
    ],
)
def test_a_bad_plain_csv_is_refused_in_one_line(
    header: str, row: str, expected: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "user_bad.csv"
    path.write_text(f"{header}\n{row}\n")
    out = tmp_path / "metrics.json"
    assert main(["evaluate", "--model", str(SHIPPED), "--data", str(path), "--out", str(out)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: {path}: ")
    assert all(fragment in line for fragment in expected), line
    assert not out.exists()


def test_evaluate_scores_a_folder_of_plain_csvs(tmp_path: Path) -> None:
    data = tmp_path / "mine"
    data.mkdir()
    for name, base in (("kitchen", 20.0), ("attic", 17.0)):
        rows = ["timestamp,temperature_c,fridge_power_w"]
        rows += [f"{stamp},{base + (i % 24) / 12:.2f},{60 + 10 * (i % 3)}" for i, stamp in enumerate(_hours(1, 24 * 9))]
        (data / f"user_{name}.csv").write_text("\n".join(rows) + "\n")
    (data / "episodes.csv").write_text("user_id,anomaly_class,start,end\n")  # nothing happened: every alarm is false
    out = tmp_path / "metrics.json"
    assert main(["evaluate", "--model", str(SHIPPED), "--data", str(data), "--out", str(out)]) == 0
    metrics = json.loads(out.read_text())
    assert metrics["households"] == 2
    assert metrics["scored_rows"] == 2 * (24 * 9 - 31)
    assert "false_alarms_per_home_week" in metrics


# --- Home Assistant history exports --------------------------------------------------------

TEMPERATURE = "sensor.living_room_temperature"
HUMIDITY = "sensor.bathroom_humidity"
FRIDGE = "sensor.fridge_plug_power"
DOOR = "binary_sensor.front_door"


def _history_export(path: Path, days: int = 3, temperature_scale: float = 1.0) -> Path:
    """A download as the History panel writes it: one header, ISO UTC times, entities interleaved."""
    rows = ["entity_id,state,last_changed"]
    offset = 32.0 if temperature_scale != 1 else 0.0
    for hour in range(days * 24):
        day, clock = 1 + hour // 24, hour % 24
        stamp = f"2025-01-{day:02d}T{clock:02d}"
        reading = (20.0 + (clock % 6) / 2) * temperature_scale + offset
        rows.append(f"{TEMPERATURE},{reading:.2f},{stamp}:00:00.000Z")
        rows.append(f"{HUMIDITY},{'unavailable' if hour == 30 else 45 + clock % 4},{stamp}:00:00.000Z")
        rows.append(f"{FRIDGE},{'unknown' if hour == 40 else 35.0 + clock % 2},{stamp}:10:00.000Z")
        rows.append(f"sensor.sun_elevation,{clock * 2},{stamp}:20:00.000Z")
        rows.append(f"{TEMPERATURE},{reading:.2f},{stamp}:30:00.000Z")
    # the door: a morning opening each day, and one at 02:40 local (01:40 UTC, Berlin winter) on
    # day 3, late enough for a full 32-hour window before it
    for day in range(1, days + 1):
        rows.append(f"{DOOR},on,2025-01-{day:02d}T07:15:00.000Z")
        rows.append(f"{DOOR},off,2025-01-{day:02d}T07:16:30.000Z")
    if days >= 3:
        rows.append(f"{DOOR},on,2025-01-03T01:40:00.000Z")
        rows.append(f"{DOOR},off,2025-01-03T01:41:00.000Z")
    path.write_text("\n".join(rows) + "\n")
    return path


def _import(export: Path, out: Path, *extra: str) -> int:
    return main(
        [
            "import-history",
            str(export),
            "--out",
            str(out),
            "--temperature",
            TEMPERATURE,
            "--humidity",
            HUMIDITY,
            "--fridge",
            FRIDGE,
            "--door",
            DOOR,
            *extra,
        ]
    )


def test_a_history_download_becomes_a_dataset_that_evaluate_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = _history_export(tmp_path / "history.csv")
    out = tmp_path / "mine"
    assert _import(export, out, "--user-id", "flat_2", "--time-zone", "Europe/Berlin") == 0
    printed = capsys.readouterr().out
    assert "wrote" in printed and "smoke" in printed and "trainer evaluate" in printed

    with open(out / "user_flat_2.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # 01:00 local on 1 January is the first hour (00:00 UTC); 72 UTC hours, 72 local hours
    assert rows[0]["timestamp"] == "2025-01-01 01:00:00" and len(rows) == 72
    assert rows[0]["user_id"] == "flat_2"
    by_time = {row["timestamp"]: row for row in rows}
    # 20.0 °C all hour at 00:00 UTC (= 01:00 local); the hygrometer unavailable at 06:00 UTC on day 2
    assert float(by_time["2025-01-01 01:00:00"]["temperature_c"]) == 20.0
    # unavailable for the whole hour: missing, the previous hour's reading carried forward
    unavailable = by_time["2025-01-02 07:00:00"]
    assert unavailable["humidity_pct_missing"] == "1"
    assert float(unavailable["humidity_pct"]) == float(by_time["2025-01-02 06:00:00"]["humidity_pct"]) == 46.0
    # the night opening at 02:40 local is class 4, and the morning openings are normal
    assert by_time["2025-01-03 02:00:00"]["anomaly_class"] == "4"
    assert by_time["2025-01-02 08:00:00"]["front_door_open"] == "1"
    assert by_time["2025-01-02 08:00:00"]["anomaly_class"] == "0"
    assert (out / "episodes.csv").read_text().splitlines() == [
        "user_id,anomaly_class,start,end",
        "flat_2,4,2025-01-03 02:00:00,2025-01-03 02:00:00",
    ]
    summary = json.loads((out / "import_flat_2.json").read_text())
    assert summary["roles"]["humidity"]["unknown_or_unavailable"] == 1
    assert summary["roles_absent"] == ["smoke"]
    assert summary["other_entities_ignored"] == {"sensor.sun_elevation": 72}

    metrics = tmp_path / "metrics.json"
    assert main(["evaluate", "--model", str(SHIPPED), "--data", str(out), "--out", str(metrics)]) == 0
    report = json.loads(metrics.read_text())
    assert report["households"] == 1
    assert report["event_recall"]["4"] == 1.0  # the door rule raises the real night opening


def test_a_second_home_imported_into_the_same_folder_keeps_the_firsts_episodes(tmp_path: Path) -> None:
    export = _history_export(tmp_path / "history.csv")
    out = tmp_path / "homes"
    assert _import(export, out, "--user-id", "a", "--time-zone", "Europe/Berlin") == 0
    assert _import(export, out, "--user-id", "b", "--time-zone", "UTC") == 0
    assert _import(export, out, "--user-id", "b", "--time-zone", "UTC") == 0  # again: replaced, not doubled
    episodes = (out / "episodes.csv").read_text().splitlines()[1:]
    assert episodes == ["a,4,2025-01-03 02:00:00,2025-01-03 02:00:00", "b,4,2025-01-03 01:00:00,2025-01-03 01:00:00"]
    assert sorted(p.name for p in out.glob("user_*.csv")) == ["user_a.csv", "user_b.csv"]


def test_a_malformed_row_is_one_error_line_naming_file_and_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = _history_export(tmp_path / "history.csv")
    lines = export.read_text().splitlines()
    lines[7] = f"{HUMIDITY},45"  # a row cut short: row 8 of the file
    export.write_text("\n".join(lines) + "\n")
    out = tmp_path / "mine"
    assert _import(export, out) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: {export}: row 8: ")
    assert "fix or delete the row" in line
    assert not out.exists()  # nothing written


def test_an_export_in_fahrenheit_is_refused_with_the_flag_that_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = _history_export(tmp_path / "history.csv", temperature_scale=9 / 5)
    out = tmp_path / "mine"
    assert _import(export, out) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "--temperature-unit F" in line and TEMPERATURE in line
    assert _import(export, out, "--temperature-unit", "F") == 0
    with open(out / "user_home.csv", newline="") as handle:
        first = next(csv.DictReader(handle))
    assert float(first["temperature_c"]) == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("--time-zone", "Mars/Olympus"), "--time-zone 'Mars/Olympus': not a time zone name"),
        (("--user-id", "../etc"), "--user-id '../etc'"),
        (("--fridge", "sensor.fridge_power"), "no row of sensor.fridge_power (the fridge role)"),
    ],
)
def test_bad_options_are_refused_in_one_line(
    extra: tuple[str, ...], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = _history_export(tmp_path / "history.csv", days=1)
    assert _import(export, tmp_path / "mine", *extra) == 2
    assert expected in _one_error_line(capsys.readouterr().err)


def test_every_reader_still_refuses_a_file_it_cannot_use(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_households(tmp_path / "user_none.csv")
