"""A Home Assistant history export → hourly samples, through the integration's own aggregation.

The History panel's download (⋮ → *Download data*) is a CSV with the header
``entity_id,state,last_changed``: one row per state, ``last_changed`` in ISO 8601 UTC
(``2025-01-15T07:42:10.123Z``), one entity's rows after another's or interleaved. This module
reads it into the readings the integration would have seen live — each state through
``readings.read_state``, so ``unknown`` / ``unavailable`` are missing and ``on`` / ``off`` are
1 / 0 — and turns them into hourly samples with ``features.aggregate_readings``, the same code
the recorder warm start and the live coordinator run. There is one aggregation, not a second.

Hours are aggregated on UTC hours, as the coordinator does (a local clock repeats an hour every
autumn), then labelled with the local clock of ``time_zone``, the way the dataset format writes
them. A daylight-saving change: the hour the clock repeats holds both real hours (analogue means
averaged — both are means over one hour — door and alarm on if on in either); the hour the clock
skips is a missing hour, as the integration fills a gap. A zone whose offset is not a whole
number of hours (UTC+05:30) labels each UTC hour with the local hour it starts in, which is the
hour of day the integration's features give it too.

The export carries no units: numbers are taken as the model's units (°C, %RH, W) unless the
caller passes a conversion per sensor, ``to_model_units``.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Final

from .features import HOUR, N_ANALOG, HourlySample, aggregate_readings, fill_hour_gaps, hour_floor
from .readings import read_state

EXPORT_HEADER: Final[tuple[str, str, str]] = ("entity_id", "state", "last_changed")
# The product's names of the five roles, in sensor order (the config flow's and the CLI's).
ROLE_NAMES: Final[tuple[str, ...]] = ("temperature", "humidity", "fridge", "door", "smoke")
EXAMPLE_TIME: Final = "2025-01-15T07:42:10.123Z"

Reading = tuple[int, datetime, float | None]


class HistoryExportError(ValueError):
    """An export that cannot be read; the message names the file, the row and what to do."""


@dataclass
class EntityReport:
    """What one role's entity contributed: how many states, and why some were not used."""

    entity_id: str
    sensor: int
    states: int = 0
    not_reporting: int = 0  # unknown / unavailable / empty: missing, as Home Assistant means it
    unusable: Counter[str] = field(default_factory=Counter)  # reason → count
    first: datetime | None = None
    last: datetime | None = None

    @property
    def usable(self) -> int:
        return self.states - self.not_reporting - sum(self.unusable.values())


@dataclass
class HistoryReadings:
    """Every reading of the role entities (UTC), and a report per role."""

    readings: list[Reading]
    entities: dict[int, EntityReport]
    other_entities: Counter[str]  # rows of entities that were given no role


def read_history_export(
    path: Path,
    roles: Mapping[int, str],
    to_model_units: Mapping[int, Callable[[float], float]] | None = None,
    progress: Callable[[Iterator[list[str]]], Iterable[list[str]]] = iter,
) -> HistoryReadings:
    """Read ``path``; ``roles`` maps a sensor index (``readings.TEMPERATURE`` …) to its entity id.

    Every row is checked, also those of entities without a role: a file with a broken row is a
    broken file. ``progress`` wraps the row iterator (the command line passes tqdm).
    """
    _check_roles(roles)
    sensor_of = {entity_id: sensor for sensor, entity_id in roles.items()}
    reports = {sensor: EntityReport(entity_id, sensor) for sensor, entity_id in roles.items()}
    converters = to_model_units or {}
    readings: list[Reading] = []
    others: Counter[str] = Counter()
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            try:
                _check_header(path, next(reader, None))
                for row in progress(reader):
                    number = reader.line_num
                    if not row:
                        continue
                    entity_id, state, moment = _checked_row(path, number, row)
                    sensor = sensor_of.get(entity_id)
                    if sensor is None:
                        others[entity_id] += 1
                        continue
                    value, reason = read_state(sensor, state, converters.get(sensor))
                    _count(reports[sensor], state, value, reason, moment)
                    readings.append((sensor, moment, value))
            except UnicodeDecodeError:
                # The text is decoded in blocks, so the row the bad byte is in is not known here.
                raise HistoryExportError(
                    f"{path}: not UTF-8 text; is it the CSV the History panel downloads (History → ⋮ → Download data)?"
                ) from None
            except csv.Error as err:
                raise HistoryExportError(f"{path}: row {reader.line_num}: not a readable CSV ({err})") from None
    except FileNotFoundError:
        raise HistoryExportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise HistoryExportError(f"{path}: a directory; give the export's CSV file") from None
    except OSError as err:
        raise HistoryExportError(f"{path}: cannot be read ({err.strerror or err})") from None
    _check_every_role_reported(path, reports, others)
    return HistoryReadings(readings, reports, others)


def _check_roles(roles: Mapping[int, str]) -> None:
    if not roles:
        raise HistoryExportError(f"no entity given a role: name at least one of {', '.join(ROLE_NAMES)}")
    seen: dict[str, int] = {}
    for sensor, entity_id in roles.items():
        if entity_id in seen:
            raise HistoryExportError(
                f"{entity_id} is given two roles ({ROLE_NAMES[seen[entity_id]]} and {ROLE_NAMES[sensor]}); "
                "each role needs its own entity"
            )
        seen[entity_id] = sensor


def _check_header(path: Path, header: list[str] | None) -> None:
    found = [cell.strip() for cell in header or ()]
    if tuple(found) != EXPORT_HEADER:
        shown = ",".join(found) if found else "an empty file"
        raise HistoryExportError(
            f"{path}: row 1: expected the header {','.join(EXPORT_HEADER)} of Home Assistant's History panel "
            f"download, found {shown!r}; download it again from History → ⋮ → Download data"
        )


def _checked_row(path: Path, number: int, row: list[str]) -> tuple[str, str, datetime]:
    if len(row) != len(EXPORT_HEADER):
        raise HistoryExportError(
            f"{path}: row {number}: {len(row)} cells where the header has {len(EXPORT_HEADER)} "
            f"({','.join(EXPORT_HEADER)}); fix or delete the row"
        )
    entity_id, state, text = (cell.strip() for cell in row)
    if not entity_id:
        raise HistoryExportError(f"{path}: row {number}, column entity_id: empty; fix or delete the row")
    return entity_id, state, _parse_time(path, number, text)


def _parse_time(path: Path, number: int, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise HistoryExportError(
            f"{path}: row {number}, column last_changed: {text!r} is not an ISO 8601 time such as {EXAMPLE_TIME}; "
            "fix or delete the row"
        ) from None
    if moment.tzinfo is None:
        # The History panel writes UTC with a Z; a time without a zone was edited by hand and
        # could be any clock: guessing would shift every hour.
        raise HistoryExportError(
            f"{path}: row {number}, column last_changed: {text!r} has no time zone; the History panel writes UTC "
            f"such as {EXAMPLE_TIME} — add the Z if the time is UTC"
        )
    return moment.astimezone(UTC)


def _count(report: EntityReport, state: str, value: float | None, reason: str | None, moment: datetime) -> None:
    report.states += 1
    if reason is not None and value is None:
        report.unusable[f"{reason}: {state.strip()[:20]!r}"] += 1
    elif value is None:
        report.not_reporting += 1
    report.first = moment if report.first is None else min(report.first, moment)
    report.last = moment if report.last is None else max(report.last, moment)


def _check_every_role_reported(path: Path, reports: Mapping[int, EntityReport], others: Counter[str]) -> None:
    """A role whose entity has no row, or no usable state, is almost always a typo: refuse it."""
    for sensor, report in reports.items():
        role = f"{report.entity_id} (the {ROLE_NAMES[sensor]} role)"
        if report.states == 0:
            listed = ", ".join(name for name, _ in others.most_common(8)) or "no other entity"
            raise HistoryExportError(
                f"{path}: no row of {role}; the file has {listed}; check the entity id, or export it too"
            )
        if report.usable == 0 and report.unusable:
            reasons = "; ".join(f"{reason} ×{count}" for reason, count in report.unusable.most_common(3))
            raise HistoryExportError(
                f"{path}: none of the {report.states} states of {role} is usable ({reasons}); "
                f"is it the right entity for the {ROLE_NAMES[sensor]} role?"
            )


def utc_hours(readings: list[Reading]) -> list[HourlySample]:
    """Hourly samples on UTC hours, from the hour of the first reading to the hour of the last."""
    if not readings:
        raise HistoryExportError("no readings: the export has no rows of the entities given a role")
    first = hour_floor(min(moment for _, moment, _ in readings))
    last = hour_floor(max(moment for _, moment, _ in readings))
    return aggregate_readings(readings, first, last + HOUR)


def local_clock_hours(samples: list[HourlySample], time_zone: tzinfo) -> list[HourlySample]:
    """UTC-hour samples labelled with naive local clock hours: one sample per local hour, in order."""
    merged: list[HourlySample] = []
    for sample in samples:
        label = hour_floor(sample.hour_start.astimezone(time_zone)).replace(tzinfo=None)
        if merged and merged[-1].hour_start == label:
            merged[-1] = _merge_same_label(merged[-1], sample)  # the hour an autumn clock repeats
        else:
            merged.append(HourlySample(label, sample.values))
    return fill_hour_gaps(merged)  # the hour a spring clock skips: missing


def _merge_same_label(first: HourlySample, second: HourlySample) -> HourlySample:
    analog: list[float | None] = []
    for a, b in zip(first.values[:N_ANALOG], second.values[:N_ANALOG], strict=True):
        present = [value for value in (a, b) if value is not None]
        analog.append(sum(present) / len(present) if present else None)
    door, smoke = (max(a, b) for a, b in zip(first.values[N_ANALOG:], second.values[N_ANALOG:], strict=True))
    return HourlySample(first.hour_start, (analog[0], analog[1], analog[2], door, smoke))


def hourly_history(
    path: Path,
    roles: Mapping[int, str],
    time_zone: tzinfo,
    to_model_units: Mapping[int, Callable[[float], float]] | None = None,
    progress: Callable[[Iterator[list[str]]], Iterable[list[str]]] = iter,
) -> tuple[list[HourlySample], HistoryReadings]:
    """The whole path: export → readings → ``aggregate_readings`` → local clock hours."""
    history = read_history_export(path, roles, to_model_units, progress)
    return local_clock_hours(utc_hours(history.readings), time_zone), history
