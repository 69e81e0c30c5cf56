"""Baselines on the same data and metrics as the models (SPEC §5).

Each returns one predicted class per hour of a household.

* ``threshold_rules`` — the seed project's rules: fire alarm on, front door open before 05:00,
  fridge at 0 W, humidity above 80 % outside shower hours, temperature below 17 °C.
* ``rolling_zscore`` — each analogue sensor against its own trailing week (|z| > 3 in the
  anomalous direction); binary sensors pass through the same door/fire rules, as a z-score
  means nothing for a 0/1 signal.
* ``IsolationForestBaseline`` — unsupervised detector on the engine's hourly features; a flagged
  hour takes the class of the analogue sensor that deviates most (door/fire by the same rules).
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import IsolationForest

from custom_components.home_anomaly.engine.features import FEATURE_NAMES
from custom_components.home_anomaly.engine.schema import NIGHT_END_HOUR, AnomalyClass

from .data import Household

SHOWER_HOURS = frozenset({6, 7, 8, 18, 19, 20, 21, 22, 23})  # 07, 19, 22 h ± 1 h
ROLLING_HOURS = 168
Z_THRESHOLD = 3.0
BASELINE_NAMES = ("threshold_rules", "rolling_zscore", "isolation_forest")


def _hours(home: Household) -> np.ndarray:
    return np.array([moment.hour for moment in home.timestamps])


def _binary_rules(home: Household, hours: np.ndarray) -> np.ndarray:
    predicted = np.zeros(len(hours), dtype=np.int64)
    door_at_night = (home.sensors[:, 3] >= 0.5) & (hours < NIGHT_END_HOUR)
    predicted[door_at_night] = AnomalyClass.DOOR
    predicted[home.sensors[:, 4] >= 0.5] = AnomalyClass.FIRE
    return predicted


def threshold_rules(home: Household) -> np.ndarray:
    hours = _hours(home)
    temperature, humidity, power = home.sensors[:, 0], home.sensors[:, 1], home.sensors[:, 2]
    predicted = np.zeros(len(hours), dtype=np.int64)
    predicted[temperature < 17.0] = AnomalyClass.TEMPERATURE
    predicted[(humidity > 80.0) & ~np.isin(hours, list(SHOWER_HOURS))] = AnomalyClass.HUMIDITY
    predicted[power <= 0.5] = AnomalyClass.FRIDGE
    return np.maximum(predicted, _binary_rules(home, hours))


def rolling_zscore(home: Household) -> np.ndarray:
    hours = _hours(home)
    predicted = np.zeros(len(hours), dtype=np.int64)
    for sensor, cls, direction in (
        (0, AnomalyClass.TEMPERATURE, -1),
        (1, AnomalyClass.HUMIDITY, 1),
        (2, AnomalyClass.FRIDGE, -1),
    ):
        values = np.where(home.missing[:, sensor], np.nan, home.sensors[:, sensor])
        z = _trailing_z(values, ROLLING_HOURS)
        predicted[(direction * z > Z_THRESHOLD) & (predicted < cls)] = cls
    return np.maximum(predicted, _binary_rules(home, hours))


def _trailing_z(values: np.ndarray, window: int) -> np.ndarray:
    """z of each value against the mean and std of the ``window`` values before it."""
    z = np.zeros(len(values))
    padded = np.concatenate([np.full(window, np.nan), values])
    trailing = np.lib.stride_tricks.sliding_window_view(padded, window)[: len(values)]
    counts = np.sum(~np.isnan(trailing), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(np.where(counts[:, None] > 0, trailing, 0.0), axis=1)
        std = np.nanstd(np.where(counts[:, None] > 0, trailing, 0.0), axis=1)
        z = (values - mean) / np.maximum(std, 1e-6)
    z[(counts < 24) | np.isnan(values)] = 0.0
    return z


class IsolationForestBaseline:
    DEVIATION_COLUMNS = (
        FEATURE_NAMES.index("temperature_dev"),
        FEATURE_NAMES.index("humidity_dev"),
        FEATURE_NAMES.index("fridge_power_dev"),
    )

    def __init__(self, seed: int = 0, max_rows: int = 50_000) -> None:
        self.seed = seed
        self.max_rows = max_rows
        self.forest = IsolationForest(n_estimators=100, random_state=seed, n_jobs=1)
        self.threshold = 0.0

    def fit(self, homes: list[Household]) -> IsolationForestBaseline:
        features = np.concatenate([home.features for home in homes])
        labels = np.concatenate([home.labels for home in homes])
        rng = np.random.default_rng(self.seed)
        rows = rng.choice(len(features), size=min(self.max_rows, len(features)), replace=False)
        self.forest.fit(features[rows])
        # Flag as many hours as the training data holds anomalies (the forest itself is unsupervised).
        anomaly_share = float(np.mean(labels != 0))
        self.threshold = float(np.quantile(self.forest.score_samples(features[rows]), anomaly_share))
        return self

    def predict(self, home: Household) -> np.ndarray:
        flagged = self.forest.score_samples(home.features) < self.threshold
        deviations = np.abs(home.features[:, list(self.DEVIATION_COLUMNS)])
        predicted = np.where(flagged, np.argmax(deviations, axis=1) + 1, 0).astype(np.int64)
        return np.maximum(predicted, _binary_rules(home, _hours(home)))
