"""A Home Assistant history export becomes the hours the integration would have buffered.

The exports are written here the way the History panel downloads them: the header
``entity_id,state,last_changed``, ISO 8601 UTC times with milliseconds and a Z, several entities
interleaved, ``unknown`` / ``unavailable`` states among the numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from custom_components.home_anomaly.engine.features import HourlySample, aggregate_readings
from custom_components.home_anomaly.engine.history_import import (
    HistoryExportError,
    hourly_history,
    local_clock_hours,
    read_history_export,
    utc_hours,
)
from custom_components.home_anomaly.engine.readings import DOOR, HUMIDITY, POWER, SMOKE, TEMPERATURE

HEADER = "entity_id,state,last_changed"
ROLES = {
    TEMPERATURE: "sensor.living_room_temperature",
    HUMIDITY: "sensor.bathroom_humidity",
    POWER: "sensor.fridge_plug_power",
    DOOR: "binary_sensor.front_door",
    SMOKE: "binary_sensor.smoke_alarm",
}
T, H, P, D, S = (ROLES[sensor] for sensor in (TEMPERATURE, HUMIDITY, POWER, DOOR, SMOKE))


def _export(tmp_path: Path, rows: list[str], name: str = "history.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


# One morning, the rows interleaved as a download of several entities can be.
MORNING = [
    f"{T},20.0,2025-01-15T08:00:00.000Z",
    f"{H},48.5,2025-01-15T08:00:00.000Z",
    f"{P},80.0,2025-01-15T08:00:00.000Z",
    f"{D},off,2025-01-15T08:00:00.000Z",
    f"{S},off,2025-01-15T08:00:00.000Z",
    "sensor.sun_elevation,12.5,2025-01-15T08:05:00.000Z",
    f"{P},0.0,2025-01-15T08:15:00.000Z",
    f"{T},22.0,2025-01-15T08:30:00.000Z",
    f"{D},on,2025-01-15T08:40:00.120Z",
    f"{P},80.0,2025-01-15T08:45:00.000Z",
    f"{D},off,2025-01-15T08:41:10.500Z",
    f"{T},unavailable,2025-01-15T09:00:00.000Z",
    f"{H},unknown,2025-01-15T09:00:00.000Z",
    f"{T},23.0,2025-01-15T09:30:00.000Z",
    f"{P},not-a-number,2025-01-15T10:20:00.000Z",
    f"{T},23.0,2025-01-15T10:59:59.999Z",
]


def test_an_export_becomes_time_weighted_hours_with_unknown_states_missing(tmp_path: Path) -> None:
    samples, history = hourly_history(_export(tmp_path, MORNING), ROLES, UTC)
    assert [sample.hour_start for sample in samples] == [datetime(2025, 1, 15, hour) for hour in (8, 9, 10)]
    eight, nine, ten = (sample.values for sample in samples)
    # temperature: 20 °C for 30 minutes then 22 °C; the fridge off 08:15–08:45, half the hour; the
    # door opened for a minute; no smoke.
    assert eight == pytest.approx((21.0, 48.5, 40.0, 1.0, 0.0))
    # 09:00–09:30 the thermometer was unavailable: the hour's mean is its 30 valid minutes, not a 0.
    assert nine[0] == pytest.approx(23.0)
    assert nine[1] is None  # humidity unknown the whole hour: missing, never 0
    assert nine[3:] == (0.0, 0.0)
    # a state that is no number is missing from 10:20 on: the fridge's mean is its first 20 minutes.
    assert ten[2] == pytest.approx(80.0)

    reports = history.entities
    assert reports[TEMPERATURE].states == 5 and reports[TEMPERATURE].not_reporting == 1
    assert reports[HUMIDITY].not_reporting == 1
    assert dict(reports[POWER].unusable) == {"not a number: 'not-a-number'": 1}
    assert history.other_entities == {"sensor.sun_elevation": 1}
    assert reports[DOOR].first == datetime(2025, 1, 15, 8, tzinfo=UTC)


def test_the_import_is_the_integrations_own_aggregation(tmp_path: Path) -> None:
    # The readings the export holds, aggregated by the engine function the recorder warm start
    # calls, give the very same hours: there is no second aggregation to drift apart.
    history = read_history_export(_export(tmp_path, MORNING), ROLES)
    direct = aggregate_readings(
        history.readings, datetime(2025, 1, 15, 8, tzinfo=UTC), datetime(2025, 1, 15, 11, tzinfo=UTC)
    )
    imported, _ = hourly_history(_export(tmp_path, MORNING), ROLES, UTC)
    assert [s.values for s in imported] == [s.values for s in direct]


def test_roles_left_out_are_missing_and_their_entities_ignored(tmp_path: Path) -> None:
    samples, history = hourly_history(_export(tmp_path, MORNING), {POWER: P}, UTC)
    assert all(sample.values[0] is None and sample.values[1] is None for sample in samples)
    assert all(sample.values[3:] == (0.0, 0.0) for sample in samples)  # an empty door/smoke role reads 0
    assert history.other_entities[T] == 5


def test_hours_are_labelled_with_the_homes_local_clock(tmp_path: Path) -> None:
    rows = [f"{D},off,2025-01-15T22:00:00.000Z", f"{D},on,2025-01-15T23:20:00.000Z", f"{D},off,2025-01-15T23:21:00Z"]
    samples, _ = hourly_history(_export(tmp_path, rows), {DOOR: D}, ZoneInfo("Europe/Berlin"))
    # 23:20 UTC is 00:20 in Berlin in January: the opening belongs to the night of the 16th.
    assert [(s.hour_start, s.values[3]) for s in samples] == [
        (datetime(2025, 1, 15, 23), 0.0),
        (datetime(2025, 1, 16, 0), 1.0),
    ]
    assert samples[0].hour_start.tzinfo is None  # the dataset's local clock hours are naive


def test_the_autumn_hour_the_clock_repeats_holds_both_real_hours(tmp_path: Path) -> None:
    # Berlin, 26 October 2025: 00:00–01:00 UTC is 02:00 CEST, 01:00–02:00 UTC is 02:00 CET again.
    rows = [
        f"{T},20.0,2025-10-25T23:00:00.000Z",
        f"{D},off,2025-10-25T23:00:00.000Z",
        f"{T},22.0,2025-10-26T01:00:00.000Z",
        f"{D},on,2025-10-26T01:30:00.000Z",
        f"{D},off,2025-10-26T01:31:00.000Z",
        f"{T},22.0,2025-10-26T02:59:00.000Z",
    ]
    samples, _ = hourly_history(_export(tmp_path, rows), {TEMPERATURE: T, DOOR: D}, ZoneInfo("Europe/Berlin"))
    labels = [s.hour_start for s in samples]
    assert labels == [datetime(2025, 10, 26, hour) for hour in (1, 2, 3)]  # 02:00 once, in order
    assert samples[1].values[0] == pytest.approx(21.0)  # (20 + 22) / 2: two one-hour means
    assert samples[1].values[3] == 1.0  # the door opened in the second 02:00


def test_the_spring_hour_the_clock_skips_is_a_missing_hour(tmp_path: Path) -> None:
    # Berlin, 30 March 2025: 01:00 UTC is 03:00 CEST; there is no 02:00.
    rows = [f"{T},20.0,2025-03-29T23:00:00.000Z", f"{T},20.5,2025-03-30T01:10:00.000Z", f"{T},21,2025-03-30T01:59Z"]
    samples, _ = hourly_history(_export(tmp_path, rows), {TEMPERATURE: T}, ZoneInfo("Europe/Berlin"))
    assert [s.hour_start.hour for s in samples] == [0, 1, 2, 3]
    assert samples[2].values == (None, None, None, 0.0, 0.0)
    assert samples[3].values[0] == pytest.approx(20.0 + 0.5 * 49 / 60 + 0.5 * 1 / 60 * 2, abs=0.02)


def test_a_half_hour_zone_labels_each_utc_hour_with_the_local_hour_it_starts_in() -> None:
    utc = [HourlySample(datetime(2025, 1, 15, hour, tzinfo=UTC), (20.0, None, None, 0.0, 0.0)) for hour in range(3)]
    local = local_clock_hours(utc, ZoneInfo("Asia/Kolkata"))  # UTC+05:30
    assert [s.hour_start for s in local] == [datetime(2025, 1, 15, hour) for hour in (5, 6, 7)]


def test_a_conversion_per_sensor_turns_fahrenheit_into_the_models_celsius(tmp_path: Path) -> None:
    rows = [f"{T},68.0,2025-01-15T08:00:00.000Z", f"{T},68.0,2025-01-15T08:59:00.000Z"]
    samples, _ = hourly_history(
        _export(tmp_path, rows), {TEMPERATURE: T}, UTC, {TEMPERATURE: lambda f: (f - 32) * 5 / 9}
    )
    assert samples[0].values[0] == pytest.approx(20.0)


def test_a_progress_wrapper_sees_every_row(tmp_path: Path) -> None:
    seen: list[list[str]] = []

    def progress(rows: object) -> object:
        for row in rows:  # type: ignore[attr-defined]
            seen.append(row)
            yield row

    read_history_export(_export(tmp_path, MORNING), ROLES, progress=progress)  # type: ignore[arg-type]
    assert len(seen) == len(MORNING)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([f"{T},20.0"], ("row 2:", "2 cells where the header has 3", "fix or delete the row")),
        ([f"{T},20.0,2025-01-15T08:00:00Z", f"{T},21,yesterday"], ("row 3, column last_changed", "'yesterday'")),
        ([f"{T},20.0,2025-01-15 08:00:00"], ("row 2, column last_changed", "no time zone", "add the Z")),
        ([",20.0,2025-01-15T08:00:00Z"], ("row 2, column entity_id: empty",)),
        ([f"{T},20.0,2025-01-15T08:00:00Z,extra"], ("row 2:", "4 cells")),
    ],
)
def test_a_malformed_row_is_refused_naming_the_file_and_row(
    tmp_path: Path, rows: list[str], expected: tuple[str, ...]
) -> None:
    path = _export(tmp_path, rows)
    with pytest.raises(HistoryExportError) as caught:
        read_history_export(path, {TEMPERATURE: T})
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    for fragment in expected:
        assert fragment in message


def test_a_file_that_is_not_a_history_download_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "states.csv"
    path.write_text("time,entity,value\n2025-01-15T08:00:00Z,sensor.x,1\n")
    with pytest.raises(HistoryExportError, match=r"row 1: expected the header entity_id,state,last_changed"):
        read_history_export(path, {TEMPERATURE: T})
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(HistoryExportError, match="found 'an empty file'"):
        read_history_export(tmp_path / "empty.csv", {TEMPERATURE: T})


def test_a_bom_windows_line_ends_and_blank_lines_are_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    lines = [HEADER, f"{T},20.0,2025-01-15T08:00:00.000Z", "", f"{T},21.0,2025-01-15T08:30:00.000Z"]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    assert [value for _, _, value in read_history_export(path, {TEMPERATURE: T}).readings] == [20.0, 21.0]


def test_a_role_without_rows_names_the_entities_the_file_has(tmp_path: Path) -> None:
    path = _export(tmp_path, MORNING)
    with pytest.raises(HistoryExportError) as caught:
        read_history_export(path, {TEMPERATURE: "sensor.living_room_temp"})
    message = str(caught.value)
    assert "no row of sensor.living_room_temp (the temperature role)" in message
    assert T in message and "check the entity id" in message


def test_a_role_whose_states_are_all_unusable_is_refused(tmp_path: Path) -> None:
    rows = [f"{D},open,2025-01-15T08:00:00Z", f"{D},closed,2025-01-15T08:10:00Z"]
    with pytest.raises(HistoryExportError, match=r"none of the 2 states of .* is usable \(not on or off"):
        read_history_export(_export(tmp_path, rows), {DOOR: D})


def test_roles_must_name_distinct_entities(tmp_path: Path) -> None:
    path = _export(tmp_path, MORNING)
    with pytest.raises(HistoryExportError, match="given two roles"):
        read_history_export(path, {TEMPERATURE: T, HUMIDITY: T})
    with pytest.raises(HistoryExportError, match="no entity given a role"):
        read_history_export(path, {})


def test_unreadable_files_are_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(HistoryExportError, match="no such file"):
        read_history_export(tmp_path / "missing.csv", {TEMPERATURE: T})
    with pytest.raises(HistoryExportError, match="a directory"):
        read_history_export(tmp_path, {TEMPERATURE: T})
    binary = tmp_path / "export.xlsx"
    binary.write_bytes(HEADER.encode() + b"\n" + b"\xff\xfe\x00garbage\n")
    with pytest.raises(HistoryExportError, match="not UTF-8 text"):
        read_history_export(binary, {TEMPERATURE: T})
    huge = _export(tmp_path, [f'{T},"{"9" * 200_000}",2025-01-15T08:00:00Z'], "huge.csv")
    with pytest.raises(HistoryExportError, match="not a readable CSV"):
        read_history_export(huge, {TEMPERATURE: T})


def test_no_readings_cannot_become_hours() -> None:
    with pytest.raises(HistoryExportError, match="no readings"):
        utc_hours([])
