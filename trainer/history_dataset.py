"""``python -m trainer import-history``: a Home Assistant history export → a dataset directory.

The export goes through the engine's own path (``engine/history_import.py``: readings →
``aggregate_readings`` → hourly samples, the recorder warm start's code) and comes out as
``DIR/user_<id>.csv`` in the dataset column layout, so ``trainer evaluate --data DIR`` scores it
exactly as the integration would have scored that home. Labels follow the real-homes
convention: every hour is normal except door openings 00:00–05:00 (class 4) and smoke alarms
(class 5), the product's own definitions (``engine/rules.py``); they are listed in
``DIR/episodes.csv`` so evaluation counts false alarms against them.

Units: Home Assistant's download carries none. Numbers are taken as °C, %RH and W unless
``--temperature-unit F`` or ``--power-unit kW`` says otherwise, and an export whose numbers
cannot be in the assumed unit (a living room at a median 70 °C, a fridge never above 3 W) is
refused with the flag that fixes it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from tqdm import tqdm

from custom_components.home_anomaly.engine.features import HourlySample
from custom_components.home_anomaly.engine.history_import import (
    ROLE_NAMES,
    HistoryExportError,
    HistoryReadings,
    hourly_history,
)
from custom_components.home_anomaly.engine.readings import HUMIDITY, POWER, TEMPERATURE
from custom_components.home_anomaly.engine.rules import hourly_rule_classes
from custom_components.home_anomaly.engine.schema import (
    DATASET_COLUMNS,
    EPISODE_COLUMNS,
    META_COLUMNS,
    MISSING_COLUMNS,
    SENSOR_COLUMNS,
    TIMESTAMP_FORMAT,
)
from simulator.dataset_csv import settle_missing

from .evaluate import read_episodes
from .metrics import EpisodeRow

TEMPERATURE_UNITS: dict[str, Callable[[float], float] | None] = {"C": None, "F": lambda f: (f - 32.0) * 5.0 / 9.0}
POWER_UNITS: dict[str, Callable[[float], float] | None] = {"W": None, "kW": lambda kw: kw * 1000.0}
USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class ImportRequest:
    export: Path
    out: Path
    entities: dict[int, str]  # sensor index → entity id (only the roles given)
    user_id: str = "home"
    time_zone: str = "UTC"
    temperature_unit: str = "C"
    power_unit: str = "W"


def import_history(request: ImportRequest) -> dict[str, Any]:
    """Write ``user_<id>.csv``, update ``episodes.csv`` and write ``import_<id>.json``; returns the summary."""
    zone = _time_zone(request.time_zone)
    if not USER_ID.fullmatch(request.user_id):
        raise HistoryExportError(
            f"--user-id {request.user_id!r}: use letters, digits, '_', '-' or '.' (it becomes a file name)"
        )
    if request.out.exists() and not request.out.is_dir():
        raise HistoryExportError(f"--out {request.out}: a file; choose a directory")
    converters = {
        sensor: convert
        for sensor, convert in (
            (TEMPERATURE, TEMPERATURE_UNITS[request.temperature_unit]),
            (POWER, POWER_UNITS[request.power_unit]),
        )
        if convert is not None
    }
    samples, history = hourly_history(request.export, request.entities, zone, converters, _progress)
    _check_units(request, history)
    table = _dataset_columns(samples)
    episodes = _episodes(request.user_id, samples, table["anomaly_class"])
    request.out.mkdir(parents=True, exist_ok=True)
    csv_path = request.out / f"user_{request.user_id}.csv"
    _write_atomically(csv_path, _dataset_text(request.user_id, samples, table))
    episodes_path = request.out / "episodes.csv"
    _merge_episodes(episodes_path, request.user_id, episodes)
    summary = _summary(request, samples, table, history, episodes, csv_path)
    _write_atomically(request.out / f"import_{request.user_id}.json", json.dumps(summary, indent=2) + "\n")
    return summary


def _time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise HistoryExportError(
            f"--time-zone {name!r}: not a time zone name; use your Home Assistant's zone (Settings → System → "
            "General), such as Europe/Berlin or America/New_York"
        ) from None


def _progress(rows: Iterator[list[str]]) -> Iterable[list[str]]:
    # disable=None: a bar on a terminal, nothing in a log or a pipe.
    return tqdm(rows, desc="export rows", unit=" rows", mininterval=1.0, leave=False, disable=None)


def _check_units(request: ImportRequest, history: HistoryReadings) -> None:
    """Refuse numbers that cannot be in the unit they are taken in: the export does not say."""
    values: dict[int, list[float]] = {TEMPERATURE: [], HUMIDITY: [], POWER: []}
    for sensor, _moment, value in history.readings:
        if value is not None and sensor in values:
            values[sensor].append(value)
    name = {sensor: f"{report.entity_id} ({ROLE_NAMES[sensor]})" for sensor, report in history.entities.items()}
    temperature, humidity, power = (np.array(values[s]) for s in (TEMPERATURE, HUMIDITY, POWER))
    if temperature.size and request.temperature_unit == "C" and np.median(temperature) > 40.0:
        raise HistoryExportError(
            f"{request.export}: {name[TEMPERATURE]} has a median reading of {np.median(temperature):.1f}, no room "
            "temperature in °C; if the export is in °F, pass --temperature-unit F"
        )
    if temperature.size and request.temperature_unit == "F" and np.median(temperature) < 4.0:
        raise HistoryExportError(
            f"{request.export}: {name[TEMPERATURE]} read as °F has a median of {np.median(temperature):.1f} °C; "
            "the export looks like °C already: leave out --temperature-unit F"
        )
    if humidity.size and 0.0 < humidity.max() <= 1.0:
        raise HistoryExportError(
            f"{request.export}: {name[HUMIDITY]} never exceeds {humidity.max():g}: a fraction, not %RH; "
            "choose the entity that reports percent"
        )
    if power.size and request.power_unit == "W" and 0.0 < power.max() < 3.0:
        raise HistoryExportError(
            f"{request.export}: {name[POWER]} never exceeds {power.max():g}, no fridge in W; "
            "if the export is in kW, pass --power-unit kW"
        )
    if power.size and request.power_unit == "kW" and np.median(power) > 1e5:
        raise HistoryExportError(
            f"{request.export}: {name[POWER]} read as kW has a median of {np.median(power):.0f} W; "
            "the export looks like W already: leave out --power-unit kW"
        )


def _dataset_columns(samples: list[HourlySample]) -> dict[str, np.ndarray]:
    """The samples in dataset columns: missing readings carried forward and flagged, labels by the rules."""
    raw = np.array(
        [[np.nan if value is None else value for value in sample.values] for sample in samples], dtype=np.float64
    )
    columns: dict[str, np.ndarray] = {name: raw[:, i] for i, name in enumerate(SENSOR_COLUMNS)}
    settle_missing(columns, len(samples))
    columns["anomaly_class"] = hourly_rule_classes([s.hour_start for s in samples], raw).astype(np.float64)
    return columns


def _dataset_text(user_id: str, samples: list[HourlySample], table: dict[str, np.ndarray]) -> str:
    meta = ",".join("0" for _ in META_COLUMNS)
    temperature, humidity, power = (table[name].tolist() for name in SENSOR_COLUMNS[:3])
    door, fire, label = (table[name].astype(np.int64).tolist() for name in (*SENSOR_COLUMNS[3:], "anomaly_class"))
    flags = [table[name].astype(np.int64).tolist() for name in MISSING_COLUMNS]
    lines = [",".join(DATASET_COLUMNS) + "\n"]
    for i, sample in enumerate(samples):
        lines.append(
            f"{sample.hour_start.strftime(TIMESTAMP_FORMAT)},{temperature[i]:.2f},{humidity[i]:.2f},{power[i]:.1f},"
            f"{door[i]},{fire[i]},{label[i]},{user_id},{meta},{flags[0][i]},{flags[1][i]},{flags[2][i]}\n"
        )
    return "".join(lines)


def _episodes(user_id: str, samples: list[HourlySample], labels: np.ndarray) -> list[EpisodeRow]:
    """Runs of consecutive hours with the same anomaly class, one episode each."""
    episodes: list[EpisodeRow] = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            if labels[start]:
                episodes.append(
                    EpisodeRow(user_id, int(labels[start]), samples[start].hour_start, samples[i - 1].hour_start)
                )
            start = i
    return episodes


def _merge_episodes(path: Path, user_id: str, episodes: list[EpisodeRow]) -> None:
    """Replace this home's rows of ``episodes.csv``, keeping other homes imported into the same folder."""
    kept = [e for e in read_episodes(path) if e.user_id != user_id] if path.is_file() else []
    rows = sorted([*kept, *episodes], key=lambda e: (e.user_id, e.start, e.anomaly_class))
    text = ",".join(EPISODE_COLUMNS) + "\n"
    text += "".join(
        f"{e.user_id},{e.anomaly_class},{e.start.strftime(TIMESTAMP_FORMAT)},{e.end.strftime(TIMESTAMP_FORMAT)}\n"
        for e in rows
    )
    _write_atomically(path, text)


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the target and rename: an interrupted import leaves the earlier file whole."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _summary(
    request: ImportRequest,
    samples: list[HourlySample],
    table: dict[str, np.ndarray],
    history: HistoryReadings,
    episodes: list[EpisodeRow],
    csv_path: Path,
) -> dict[str, Any]:
    units = {"temperature": f"°{request.temperature_unit}", "humidity": "%", "fridge": request.power_unit}
    roles: dict[str, Any] = {}
    for sensor, report in sorted(history.entities.items()):
        role = ROLE_NAMES[sensor]
        entry: dict[str, Any] = {
            "entity_id": report.entity_id,
            "states": report.states,
            "unknown_or_unavailable": report.not_reporting,
            "unusable": dict(report.unusable),
        }
        if sensor < len(MISSING_COLUMNS):
            entry["unit_assumed"] = units[role]
            entry["missing_share"] = round(float(table[MISSING_COLUMNS[sensor]].mean()), 4)
        roles[role] = entry
    return {
        "export": str(request.export),
        "dataset": str(csv_path),
        "user_id": request.user_id,
        "time_zone": request.time_zone,
        "first_hour": samples[0].hour_start.strftime(TIMESTAMP_FORMAT),
        "last_hour": samples[-1].hour_start.strftime(TIMESTAMP_FORMAT),
        "hours": len(samples),
        "roles": roles,
        "roles_absent": [ROLE_NAMES[s] for s in range(len(ROLE_NAMES)) if s not in history.entities],
        "other_entities_ignored": dict(history.other_entities.most_common()),
        "episodes": {str(c): sum(1 for e in episodes if e.anomaly_class == c) for c in (4, 5)},
    }


def format_summary(summary: dict[str, Any]) -> str:
    """A few lines for the terminal: what was read, what is missing, what to run next."""
    lines = [
        f"wrote {summary['dataset']}: {summary['hours']:,} hours, {summary['first_hour']} → {summary['last_hour']} "
        f"({summary['time_zone']} clock)"
    ]
    for role, entry in summary["roles"].items():
        unusable = sum(entry["unusable"].values())
        line = (
            f"  {role:<11} {entry['entity_id']}: {entry['states']:,} states, "
            f"{entry['unknown_or_unavailable']:,} unknown/unavailable"
        )
        if unusable:
            line += f", {unusable:,} unusable ({'; '.join(list(entry['unusable'])[:2])})"
        if "missing_share" in entry:
            line += f"; missing on {100 * entry['missing_share']:.1f} % of hours, read as {entry['unit_assumed']}"
        lines.append(line)
    if summary["roles_absent"]:
        lines.append(f"  no entity for {', '.join(summary['roles_absent'])}: missing on every hour (door/smoke read 0)")
    night, fire = summary["episodes"]["4"], summary["episodes"]["5"]
    lines.append(f"  {night} night door opening(s) and {fire} smoke alarm(s) labelled and listed in episodes.csv")
    folder = Path(summary["dataset"]).parent
    lines.append(f"next: python -m trainer evaluate --model MODEL.onnx --data {folder}")
    return "\n".join(lines)
