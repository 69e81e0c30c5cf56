"""Scenario files for the live simulator: which anomaly starts when, for how long.

Format (JSON)::

    {"events": [
        {"at": "20s", "anomaly": "fridge", "duration": "2h"},
        {"at": "60s", "anomaly": "fire", "duration": "1h"},
        {"at": "90s", "anomaly": "door"}
    ]}

``at`` is real time after the simulator starts (``s``, ``min`` or ``h``); ``duration`` is
simulated time (it passes ``--speed`` times faster than real time); the door anomaly is one
opening and needs no duration. Anomalies: ``temperature`` (heating failure, −7 °C),
``humidity`` (leak, +40 %RH), ``fridge`` (0 W), ``door`` (front door opened), ``fire`` (smoke
alarm on, +8 °C, +15 %RH).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

ANOMALIES = ("temperature", "humidity", "fridge", "door", "fire")
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|min|h)\s*")
_SECONDS = {"s": 1.0, "min": 60.0, "h": 3600.0}


class ScenarioError(ValueError):
    pass


@dataclass(frozen=True)
class ScenarioEvent:
    anomaly: str
    at_s: float  # real seconds after start
    duration_s: float  # simulated seconds


def parse_duration(text: str, field: str) -> float:
    match = _DURATION.fullmatch(str(text))
    if not match:
        raise ScenarioError(f"{field} {text!r} is not a duration such as '20s', '15min' or '2h'")
    return float(match.group(1)) * _SECONDS[match.group(2)]


def parse_scenario(raw: object, source: str = "scenario") -> list[ScenarioEvent]:
    if not isinstance(raw, dict) or not isinstance(raw.get("events"), list):
        raise ScenarioError(f"{source}: expected an object with an 'events' list")
    events = []
    for index, item in enumerate(raw["events"]):
        where = f"{source}: event {index + 1}"
        if not isinstance(item, dict):
            raise ScenarioError(f"{where} must be an object")
        anomaly = item.get("anomaly")
        if anomaly not in ANOMALIES:
            raise ScenarioError(f"{where}: unknown anomaly {anomaly!r}; choose one of {', '.join(ANOMALIES)}")
        at_s = parse_duration(item.get("at", ""), f"{where}: at")
        duration_s = 0.0 if anomaly == "door" else parse_duration(item.get("duration", ""), f"{where}: duration")
        events.append(ScenarioEvent(anomaly, at_s, duration_s))
    return sorted(events, key=lambda e: e.at_s)


def load_scenario(path: Path) -> list[ScenarioEvent]:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError as err:
        raise ScenarioError(f"--scenario {path}: no such file") from err
    except json.JSONDecodeError as err:
        raise ScenarioError(f"--scenario {path}: not valid JSON ({err.msg}, line {err.lineno})") from err
    return parse_scenario(raw, str(path))
