"""``python -m trainer real-homes``: the model on real homes nobody in the project simulated.

Two questions, answered on the development set (``../shared/real-homes``, normal recordings of
real homes with their real night door openings as class-4 episodes):

* **False alarms per home-week** — the recordings as they are, scored exactly as
  ``trainer evaluate`` scores them (``score_households``: the engine's features and runtime, the
  rules, and the integration's alert policy replayed by ``engine.backtest``); a false alarm is
  ``metrics.event_metrics``'s: a run of alerted hours overlapping no true episode. Reported
  overall, after day 7 (the first week's baseline is thin, where the integration's recorder
  warm start would fill it), per class (a run counts for the highest class in it, the one the
  household is alerted with) and per hour of day (the hour the run starts).
* **Recall of injected anomalies** — ``injection.py`` puts ``--injections`` episodes of each class
  the home can show into copies of it, at random times, depths and durations; an episode is
  detected when an hour inside it is predicted as its class (``event_metrics`` again).

Never evaluate a model on what it learned from: a model trained with ``real-train-data``'s
copies of the training split is scored with ``--homes held-out`` (``real_training.HELD_OUT_HOMES``,
what ``make pipeline`` reports); ``--homes`` also takes any list of home ids.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from custom_components.home_anomaly.engine.backtest import Replay, hour_inputs
from custom_components.home_anomaly.engine.features import HourlyTable, sliding_windows
from custom_components.home_anomaly.engine.runtime import AnomalyModel, load_model
from custom_components.home_anomaly.engine.schema import TIMESTAMP_FORMAT

from .data import DataError, Household, load_households
from .evaluate import (
    Scored,
    find_episodes,
    home_policy_inputs,
    home_replay,
    read_episodes,
    score_households,
    thresholds_for,
)
from .injection import (
    WARM_UP_DAYS,
    Injection,
    class_rng,
    home_roles,
    injectable_classes,
    injected_home,
    plan_injections,
)
from .metrics import ANOMALY_CLASSES, EpisodeRow, event_metrics, false_alarm_runs
from .real_homes_report import plot_report, report_markdown
from .real_training import HELD_OUT_HOMES

HELD_OUT = "held-out"  # --homes held-out: the homes no model trained by ``real-train-data`` saw

HOURS_PER_WEEK = 24 * 7


@dataclass(frozen=True)
class RealHomesRequest:
    model: Path
    data: Path
    out: Path
    seed: int = 123
    injections: int = 50  # per class and home
    homes: tuple[str, ...] | None = None  # None: every home
    runtime: str = "onnxruntime"


@dataclass(frozen=True)
class InjectionResult:
    injection: Injection
    detected: bool  # model + instant rules, what the household gets
    detected_model_only: bool
    hours_to_detect: float | None


def run_real_homes(request: RealHomesRequest) -> dict[str, Any]:
    """Score the set, write ``report.json``, ``report.md`` and ``real_homes.png`` under ``out``."""
    if request.injections < 0:
        raise DataError(f"--injections must be 0 or more, got {request.injections}")
    model = load_model(request.model, runtime=request.runtime)
    wanted = HELD_OUT_HOMES if request.homes == (HELD_OUT,) else request.homes
    homes = _selected(load_households(request.data), wanted, request.data)
    episodes = _real_episodes(request.data, homes)
    listed = _listed_roles(request.data)
    roles = {home.user_id: home_roles(home, listed.get(home.user_id)) for home in homes}
    thresholds = thresholds_for(request.model)
    scored = score_households(model, homes, thresholds)
    results = _inject_and_score(model, homes, roles, episodes, request, scored, thresholds)
    report = {
        "model": str(request.model),
        "model_sha256": hashlib.sha256(request.model.read_bytes()).hexdigest(),
        "runtime": model.runtime,
        "thresholds": {str(code): value for code, value in thresholds.items()},
        "data": str(request.data),
        "seed": request.seed,
        "injections_per_class": request.injections,
        "warm_up_days": WARM_UP_DAYS,
        "decision": "model + instant rules + hourly fridge rule, through the alert policy",
        "split": "held-out" if request.homes == (HELD_OUT,) else "selected" if request.homes else "all",
        "homes": [_home_entry(home, roles[home.user_id], scored, episodes, results) for home in homes],
        "false_alarms": false_alarm_summary(scored, episodes),
        "recall": recall_summary(results),
        "injections": [_injection_entry(result) for result in results],
    }
    request.out.mkdir(parents=True, exist_ok=True)
    (request.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (request.out / "report.md").write_text(report_markdown(report))
    plot_report(report, request.out / "real_homes.png")
    return report


def _selected(homes: list[Household], wanted: Sequence[str] | None, data: Path) -> list[Household]:
    if wanted is None:
        return homes
    by_id = {home.user_id: home for home in homes}
    names = [name.removeprefix("user_") if name not in by_id else name for name in wanted]
    unknown = [name for name in names if name not in by_id]
    if unknown:
        raise DataError(f"--homes: no home {', '.join(unknown)} in {data}; the homes are {', '.join(sorted(by_id))}")
    return [by_id[name] for name in dict.fromkeys(names)]


def _real_episodes(data: Path, homes: list[Household]) -> list[EpisodeRow]:
    """``episodes.csv`` beside the data; without one, the runs of each label in the files."""
    users = {home.user_id for home in homes}
    path = find_episodes(data)
    if path is not None:
        return [episode for episode in read_episodes(path) if episode.user_id in users]
    episodes = []
    for home in homes:
        edges = np.flatnonzero(np.diff(np.concatenate([[0], home.labels, [0]])))
        for start, stop in itertools.pairwise(edges):
            if home.labels[start]:
                episodes.append(
                    EpisodeRow(home.user_id, int(home.labels[start]), home.timestamps[start], home.timestamps[stop - 1])
                )
    return episodes


def _listed_roles(data: Path) -> dict[str, list[str]]:
    """Each home's roles from ``homes.json`` beside the data, when there is one."""
    folder = data if data.is_dir() else data.parent
    path = folder / "homes.json"
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text())
        return {str(entry["user_id"]): [str(role) for role in entry["roles"]] for entry in entries}
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise DataError(
            f"{path}: not a list of homes with user_id and roles ({err}); restore it or remove it to infer roles"
        ) from None


def _inject_and_score(
    model: AnomalyModel,
    homes: list[Household],
    roles: dict[str, tuple[str, ...]],
    episodes: list[EpisodeRow],
    request: RealHomesRequest,
    scored: Scored,
    thresholds: dict[int, float],
) -> list[InjectionResult]:
    results: list[InjectionResult] = []
    for home in tqdm(homes, desc="injected episodes", unit=" home", leave=False, disable=None):
        real = [episode for episode in episodes if episode.user_id == home.user_id]
        planned: list[tuple[Injection, np.random.Generator]] = []
        for anomaly_class in injectable_classes(roles[home.user_id]):
            rng = class_rng(request.seed, home.user_id, anomaly_class)
            for injection in plan_injections(home, anomaly_class, request.injections, rng, real, model.window_size - 1):
                planned.append((injection, rng))
        starts = {injection.start for injection, _ in planned}
        before = policy_before(model, home, scored.probabilities[home.user_id], starts, thresholds)
        results += [score_injection(model, home, injection, rng, before[injection.start]) for injection, rng in planned]
    return results


def policy_before(
    model: AnomalyModel,
    home: Household,
    probabilities: np.ndarray,
    rows: set[int],
    thresholds: dict[int, float] | None = None,
) -> dict[int, Replay]:
    """The home's alert policy as it stands when each of ``rows`` begins, the recording as it is:
    what an injected episode meets (thresholds learnt from the home's first weeks, its alerts)."""
    first = model.window_size - 1
    hours = home_policy_inputs(home)
    replay = home_replay(home, thresholds)
    states: dict[int, Replay] = {}
    last = max(rows, default=first)
    for row in range(first, last + 1):
        if row in rows:
            states[row] = copy.deepcopy(replay)
        if row < last:
            replay.hour(hours[row], probabilities[row - first])
    return states


def injection_predictions(
    model: AnomalyModel, home: Household, injection: Injection, rng: np.random.Generator, before: Replay
) -> tuple[list[datetime], np.ndarray, np.ndarray]:
    """(hours, alerted, model alone) on the hours ``injection`` touches, in a copy of ``home`` with it.

    Only the rows up to the episode's end are featurised, and only the windows ending inside it
    scored: a row's features depend on earlier rows alone (the baseline of a day is the days
    before it, forward fill looks back), so this is the whole-home answer for those hours at a
    fraction of the cost (``tests/trainer/test_real_homes_report.py`` checks they agree). The
    alert policy goes on from ``before``, its state when the episode begins.
    """
    sensors, labels = injected_home(home, injection, rng)
    window = model.window_size
    first, stop = injection.start - (window - 1), injection.end + 1
    table = HourlyTable.from_dataset_rows(home.timestamps[:stop], sensors[:stop], home.missing[:stop])
    hours, features = hour_inputs(table, first)
    windows = sliding_windows(features, window)
    probabilities = model.predict_proba(np.ascontiguousarray(windows))
    replay = copy.deepcopy(before)
    alerted = np.array([replay.hour(h, p) for h, p in zip(hours[window - 1 :], probabilities, strict=True)])
    return home.timestamps[injection.start : stop], alerted, probabilities.argmax(axis=1)


def score_injection(
    model: AnomalyModel, home: Household, injection: Injection, rng: np.random.Generator, before: Replay
) -> InjectionResult:
    """Whether the household would have been told: ``event_metrics`` on the episode's hours."""
    times, alerted, model_only = injection_predictions(model, home, injection, rng, before)
    episode = [injection.episode()]
    told = event_metrics({home.user_id: (times, alerted)}, episode)
    seen = event_metrics({home.user_id: (times, model_only)}, episode)
    cls = str(injection.anomaly_class)
    return InjectionResult(
        injection,
        detected=told.event_recall[cls] == 1.0,
        detected_model_only=seen.event_recall[cls] == 1.0,
        hours_to_detect=told.median_time_to_detect_h[cls],
    )


def _after_warm_up(scored: Scored, home: Household) -> np.ndarray:
    times = np.array(scored.scored_times(home), dtype="datetime64[s]")
    return times >= np.datetime64(home.timestamps[0] + timedelta(days=WARM_UP_DAYS), "s")


def _rate(count: int, hours: float) -> float:
    return count / (hours / HOURS_PER_WEEK) if hours else 0.0


def false_alarm_summary(scored: Scored, episodes: list[EpisodeRow]) -> dict[str, Any]:
    """False alarms per home-week over every selected home: overall, after day 7, per class, per hour."""
    counts = {"overall": 0, "after_day_7": 0}
    hours = {"overall": 0.0, "after_day_7": 0.0}
    per_class = dict.fromkeys(ANOMALY_CLASSES, 0)
    per_hour = dict.fromkeys(range(24), 0)
    runs: list[dict[str, Any]] = []
    for home in scored.homes:
        times, predicted = scored.scored_times(home), scored.alerts(home)
        real = [episode for episode in episodes if episode.user_id == home.user_id]
        later = _after_warm_up(scored, home)
        counts["overall"] += event_metrics({home.user_id: (times, predicted)}, real).false_alarms
        later_times = [moment for moment, keep in zip(times, later, strict=True) if keep]
        counts["after_day_7"] += event_metrics({home.user_id: (later_times, predicted[later])}, real).false_alarms
        hours["overall"] += len(times)
        hours["after_day_7"] += int(later.sum())
        for start, end in false_alarm_runs(np.array(times, dtype="datetime64[s]"), predicted, real):
            cls = int(predicted[start : end + 1].max())
            per_class[cls] += 1
            per_hour[times[start].hour] += 1
            runs.append(
                {
                    "user_id": home.user_id,
                    "start": times[start].strftime(TIMESTAMP_FORMAT),
                    "end": times[end].strftime(TIMESTAMP_FORMAT),
                    "anomaly_class": cls,
                    "hour": times[start].hour,
                }
            )
    return {
        "overall": _rate_entry(counts["overall"], hours["overall"]),
        "after_day_7": _rate_entry(counts["after_day_7"], hours["after_day_7"]),
        "per_class": {str(c): _rate_entry(n, hours["overall"]) for c, n in per_class.items()},
        "per_hour_of_day": {str(h): _rate_entry(n, hours["overall"]) for h, n in per_hour.items()},
        "runs": runs,
    }


def _rate_entry(count: int, hours: float) -> dict[str, float]:
    return {"false_alarms": count, "home_weeks": round(hours / HOURS_PER_WEEK, 3), "per_home_week": _rate(count, hours)}


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """95 % interval of a proportion that stays inside 0–1 for small counts (unlike ± 1.96·SE)."""
    if trials == 0:
        return (0.0, 0.0)
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return (max(0.0, centre - half), min(1.0, centre + half))


def recall_summary(results: list[InjectionResult]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for cls in ANOMALY_CLASSES:
        mine = [result for result in results if result.injection.anomaly_class == cls]
        detected = sum(result.detected for result in mine)
        delays = [result.hours_to_detect for result in mine if result.hours_to_detect is not None]
        summary[str(cls)] = {
            "homes": len({result.injection.user_id for result in mine}),
            "injected": len(mine),
            "detected": detected,
            "recall": detected / len(mine) if mine else None,
            "ci95": list(wilson_interval(detected, len(mine))) if mine else None,
            "model_only_recall": sum(r.detected_model_only for r in mine) / len(mine) if mine else None,
            "median_time_to_detect_h": float(np.median(delays)) if delays else None,
        }
    return summary


def _home_entry(
    home: Household,
    roles: tuple[str, ...],
    scored: Scored,
    episodes: list[EpisodeRow],
    results: list[InjectionResult],
) -> dict[str, Any]:
    times, predicted = scored.scored_times(home), scored.alerts(home)
    real = [episode for episode in episodes if episode.user_id == home.user_id]
    overall = event_metrics({home.user_id: (times, predicted)}, real)
    later = _after_warm_up(scored, home)
    later_times = [moment for moment, keep in zip(times, later, strict=True) if keep]
    after = event_metrics({home.user_id: (later_times, predicted[later])}, real).false_alarms
    stamps = np.array(times, dtype="datetime64[s]")
    visible = [
        e for e in real if ((stamps >= np.datetime64(e.start, "s")) & (stamps <= np.datetime64(e.end, "s"))).any()
    ]
    caught = sum(
        event_metrics({home.user_id: (times, predicted)}, [e]).event_recall[str(e.anomaly_class)] == 1.0
        for e in visible
    )
    mine = [result for result in results if result.injection.user_id == home.user_id]
    injected = {
        str(cls): {
            "injected": sum(r.injection.anomaly_class == cls for r in mine),
            "detected": sum(r.detected for r in mine if r.injection.anomaly_class == cls),
        }
        for cls in injectable_classes(roles)
    }
    return {
        "user_id": home.user_id,
        "roles": list(roles),
        "hours": len(home.timestamps),
        "scored_hours": len(times),
        "home_weeks": round(overall.home_weeks, 3),
        "false_alarms": overall.false_alarms,
        "false_alarms_per_home_week": overall.false_alarms_per_home_week,
        "false_alarms_after_day_7": after,
        "false_alarms_per_home_week_after_day_7": _rate(after, int(later.sum())),
        "real_episodes": len(visible),
        "real_episodes_caught": caught,
        "injected": injected,
    }


def _injection_entry(result: InjectionResult) -> dict[str, Any]:
    injection = result.injection
    return {
        "user_id": injection.user_id,
        "anomaly_class": injection.anomaly_class,
        "start": injection.start_time.strftime(TIMESTAMP_FORMAT),
        "end": injection.end_time.strftime(TIMESTAMP_FORMAT),  # exclusive
        "duration_h": round(injection.duration_h, 3),
        "first_hour": injection.hour_starts[0].strftime(TIMESTAMP_FORMAT),
        "last_hour": injection.hour_starts[1].strftime(TIMESTAMP_FORMAT),
        "magnitude": round(injection.magnitude, 3),
        "detected": result.detected,
        "detected_model_only": result.detected_model_only,
        "hours_to_detect": result.hours_to_detect,
    }
