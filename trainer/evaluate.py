"""Score household CSVs through the engine's own path: features + ONNX runtime.

``python -m trainer evaluate --model PATH.onnx --data DIR_OR_CSV --out metrics.json
[--predictions preds.csv] [--runtime onnxruntime|numpy]`` — exactly what the integration runs:
the model on each hour's window, plus the instant rules for smoke and night-time door openings.
``metrics.json`` reports that combined decision at the top level and the model alone under
``model_only``.

Two decisions are scored, because they answer two questions:

* hour by hour (F1 per class, the confusion matrix): the model's top class where the hour's
  reading supports it (``rules.model_evidence``), combined with the rules (smoke, door at night,
  the hourly fridge rule) — how well each hour is classified;
* episode by episode (event recall, time to detect, false alarms per home-week): the alerts the
  household would have had — the same hours replayed through the integration's alert policy
  (``engine.backtest.Replay``: hours needed per class, hysteresis, thresholds calibrated to the
  home after its first week, no model alert for a sensor without a baseline of its own, fire
  from the smoke detector only, the hourly fridge rule).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from custom_components.home_anomaly.engine.alerts import DEFAULT_THRESHOLD, AlertPolicy
from custom_components.home_anomaly.engine.backtest import HourInput, Replay, policy_inputs
from custom_components.home_anomaly.engine.features import HourlyTable, model_input
from custom_components.home_anomaly.engine.model_card import CARD_FILE, read_model_card
from custom_components.home_anomaly.engine.rules import combine, hourly_rule_classes
from custom_components.home_anomaly.engine.runtime import AnomalyModel, load_model
from custom_components.home_anomaly.engine.schema import EPISODE_COLUMNS, TIMESTAMP_FORMAT, AnomalyClass
from simulator.dataset_csv import DatasetFileError, cell_count_error, check_header, parse_number, parse_timestamp

from .data import DataError, Household, load_households
from .metrics import EpisodeRow, event_metrics, macro_f1_excluding_normal, per_class_scores

# The per-class alert thresholds ``ship`` writes into the model card. Humidity's is higher: in the
# one real bathroom of the development set (UCI), normal showers reach 33–42 %RH above the usual
# hourly level for an hour several times a week, as high as a leak's hour, and the model's
# humidity probability for them overlaps a leak's. Measured on that home (19 weeks) and the
# held-out homes (``docs/model_comparison.md``): threshold 0.5 → 1.2 humidity false alarms per
# week there, leak recall 95 % (held out 85 %); 0.8 → 0.57, 90 % (75 %); 0.9 → 0.36, 85 % (70 %).
CARD_THRESHOLDS: dict[int, float] = {
    1: DEFAULT_THRESHOLD,
    2: 0.9,
    3: DEFAULT_THRESHOLD,
    4: DEFAULT_THRESHOLD,
    5: DEFAULT_THRESHOLD,
}


@dataclass
class Scored:
    """Predictions for the scored hours of each household (the first window - 1 hours have none).

    ``predicted`` is the hour-by-hour decision: the model's class where the hour's reading supports
    it, combined with the rules (smoke → fire, door at night → door, the fridge off for the hour →
    fridge). ``model_predicted`` is the
    model alone; ``alerted`` what the household is alerted with, through the alert policy.
    """

    homes: list[Household]
    window: int
    predicted: dict[str, np.ndarray]
    probabilities: dict[str, np.ndarray]
    model_predicted: dict[str, np.ndarray] | None = None
    # What the household is alerted with, hour by hour (the alert policy replayed); None: ``predicted``.
    alerted: dict[str, np.ndarray] | None = None

    def model_only(self) -> Scored:
        return Scored(self.homes, self.window, self.model_predicted or self.predicted, self.probabilities)

    def alerts(self, home: Household) -> np.ndarray:
        """Per scored hour, the highest class the household was alerted with."""
        return (self.alerted or self.predicted)[home.user_id]

    def labels_and_predictions(self) -> tuple[np.ndarray, np.ndarray]:
        y_true = np.concatenate([home.labels[self.window - 1 :] for home in self.homes])
        y_pred = np.concatenate([self.predicted[home.user_id] for home in self.homes])
        return y_true, y_pred

    def scored_times(self, home: Household) -> list[datetime]:
        return home.timestamps[self.window - 1 :]


def score_households(
    model: AnomalyModel, homes: list[Household], thresholds: Mapping[int, float] | None = None
) -> Scored:
    """Score each home; ``thresholds`` are the model card's (``CARD_THRESHOLDS`` by default)."""
    predicted: dict[str, np.ndarray] = {}
    model_predicted: dict[str, np.ndarray] = {}
    probabilities: dict[str, np.ndarray] = {}
    alerted: dict[str, np.ndarray] = {}
    for home in homes:
        windows, _ = home.windows(model.window_size)
        probs = model.predict_proba(np.ascontiguousarray(windows))
        probabilities[home.user_id] = probs
        model_predicted[home.user_id] = probs.argmax(axis=1)
        first = model.window_size - 1
        hours = home_policy_inputs(home)[first:]
        rules = hourly_rule_classes(home.timestamps[first:], home.sensors[first:])
        fridge = np.array([hour.fridge_off for hour in hours], dtype=bool) * int(AnomalyClass.FRIDGE)
        predicted[home.user_id] = combine(
            supported_classes(model_predicted[home.user_id], hours), np.maximum(rules, fridge)
        )
        replay = home_replay(home, thresholds)
        alerted[home.user_id] = np.array([replay.hour(h, p) for h, p in zip(hours, probs, strict=True)], dtype=np.int64)
    return Scored(homes, model.window_size, predicted, probabilities, model_predicted, alerted)


def supported_classes(model_classes: np.ndarray, hours: list[HourInput]) -> np.ndarray:
    """The model's class of each hour where the hour's reading supports it (``rules.model_evidence``), else 0."""
    supported = np.array([(True, *hour.supported, True, True) for hour in hours], dtype=bool)
    keep = supported[np.arange(len(model_classes)), model_classes]
    return np.where(keep, model_classes, 0)


def home_replay(home: Household, thresholds: Mapping[int, float] | None = None) -> Replay:
    """A fresh alert policy for ``home``, as a zone starts with its model card's thresholds."""
    del home  # every home starts alike; the policy learns the home from its hours
    return Replay(AlertPolicy(), thresholds or CARD_THRESHOLDS)


def thresholds_for(model_path: Path) -> dict[int, float]:
    """The thresholds of the model card beside ``model_path`` when it describes that file (the
    shipped model), else the ones ``ship`` would write (``CARD_THRESHOLDS``)."""
    card = model_path.parent / CARD_FILE
    if card.is_file() and json.loads(card.read_text()).get("model_file") == model_path.name:
        return read_model_card(model_path.parent).thresholds
    return dict(CARD_THRESHOLDS)


def home_policy_inputs(home: Household) -> list[HourInput]:
    """What each of the home's hours gives the alert policy beside the model (the readings'
    evidence, the fridge rule, the door and the smoke detector)."""
    values = np.array(home.sensors, dtype=np.float64, copy=True)
    values[:, :3][home.missing] = np.nan
    given = home.model_input or model_input(HourlyTable(home.timestamps, values))
    return policy_inputs(home.timestamps, values, given)


def read_episodes(path: Path) -> list[EpisodeRow]:
    """The ground-truth episode list; a malformed row is refused naming the file, row and column."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            index = check_header(path, header, EPISODE_COLUMNS)
            return [
                _episode(path, number, row, index, list(header or ()))
                for number, row in enumerate(reader, start=2)
                if row
            ]
    except DatasetFileError as err:
        raise DataError(str(err)) from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{path}: not a readable CSV ({err})") from None


def _episode(path: Path, number: int, row: list[str], index: dict[str, int], header: list[str]) -> EpisodeRow:
    if len(row) != len(header):
        raise DataError(str(cell_count_error(path, number, header, len(row))))
    code = parse_number(path, number, "anomaly_class", row[index["anomaly_class"]])
    if code == 0:
        raise DataError(f"{path}: row {number}, column anomaly_class: an episode is of an anomaly class 1–5, not 0")
    start = parse_timestamp(path, number, row[index["start"]], "start")
    end = parse_timestamp(path, number, row[index["end"]], "end")
    if end < start:
        raise DataError(
            f"{path}: row {number}, column end: {row[index['end']]} is before the start {row[index['start']]}"
        )
    return EpisodeRow(row[index["user_id"]], int(code), start, end)


def find_episodes(data: Path) -> Path | None:
    """``episodes.csv`` beside the data (a dataset directory, its train/ or val/, or a CSV's folder)."""
    folder = data if data.is_dir() else data.parent
    for candidate in (folder / "episodes.csv", folder.parent / "episodes.csv"):
        if candidate.is_file():
            return candidate
    return None


def product_and_model_report(scored: Scored, episodes: list[EpisodeRow] | None) -> dict[str, Any]:
    """Metrics of what the household gets (model + instant rules), with the model alone beside them."""
    report = metrics_report(scored, episodes)
    report["decision"] = "model + instant rules"
    report["model_only"] = metrics_report(scored.model_only(), episodes)
    return report


def metrics_report(scored: Scored, episodes: list[EpisodeRow] | None) -> dict[str, Any]:
    y_true, y_pred = scored.labels_and_predictions()
    total_rows = sum(len(home.labels) for home in scored.homes)
    report: dict[str, Any] = {
        "macro_f1_excl_normal": macro_f1_excluding_normal(y_true, y_pred),
        "per_class": per_class_scores(y_true, y_pred),
        "coverage": len(y_true) / total_rows if total_rows else 0.0,
        "households": len(scored.homes),
        "scored_rows": len(y_true),
    }
    if episodes is not None:
        users = {home.user_id for home in scored.homes}
        events = event_metrics(
            {home.user_id: (scored.scored_times(home), scored.alerts(home)) for home in scored.homes},
            [e for e in episodes if e.user_id in users],
        )
        report["event_recall"] = events.event_recall
        report["median_time_to_detect_h"] = events.median_time_to_detect_h
        report["false_alarms_per_home_week"] = events.false_alarms_per_home_week
        report["false_alarms"] = events.false_alarms
    return report


def write_predictions(scored: Scored, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "timestamp", "predicted_class"])
        for home in scored.homes:
            for moment, cls in zip(scored.scored_times(home), scored.predicted[home.user_id], strict=True):
                writer.writerow([home.user_id, moment.strftime(TIMESTAMP_FORMAT), int(cls)])


def evaluate(model_path: Path, data: Path, out: Path, predictions: Path | None, runtime: str) -> dict[str, Any]:
    model = load_model(model_path, runtime=runtime)
    homes = load_households(data)
    scored = score_households(model, homes, thresholds_for(model_path))
    episodes_path = find_episodes(data)
    report = product_and_model_report(scored, read_episodes(episodes_path) if episodes_path else None)
    report["model"] = str(model_path)
    report["runtime"] = model.runtime
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    if predictions is not None:
        write_predictions(scored, predictions)
    return report
