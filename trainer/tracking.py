"""Experiment tracking: MLflow (embedded SQLite store) by default, W&B when configured, or none.

No key lives in code: W&B is used only when the ``wandb`` package is installed and the
environment configures it (``WANDB_API_KEY`` or ``WANDB_MODE``); MLflow needs no key.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Protocol

LOGGER = logging.getLogger(__name__)


class Tracker(Protocol):
    def log_params(self, params: dict[str, Any]) -> None: ...
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None: ...
    def log_artifact(self, path: Path) -> None: ...
    def close(self) -> None: ...


class NullTracker:
    def log_params(self, params: dict[str, Any]) -> None:
        pass

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        pass

    def log_artifact(self, path: Path) -> None:
        pass

    def close(self) -> None:
        pass


class MlflowTracker:
    def __init__(self, store_dir: Path, experiment: str, run_name: str) -> None:
        import mlflow  # slow import: only when tracking is on

        store_dir.mkdir(parents=True, exist_ok=True)
        mlflow.set_tracking_uri(f"sqlite:///{(store_dir / 'mlflow.db').resolve()}")
        if mlflow.get_experiment_by_name(experiment) is None:
            mlflow.create_experiment(experiment, artifact_location=(store_dir / "artifacts").resolve().as_uri())
        mlflow.set_experiment(experiment)
        self._mlflow = mlflow
        self._run = mlflow.start_run(run_name=run_name)

    def log_params(self, params: dict[str, Any]) -> None:
        self._mlflow.log_params(params)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._mlflow.log_metrics(metrics, step=step)

    def log_artifact(self, path: Path) -> None:
        self._mlflow.log_artifact(str(path))

    def close(self) -> None:
        self._mlflow.end_run()


class WandbTracker:
    def __init__(self, experiment: str, run_name: str) -> None:
        import wandb

        self._wandb = wandb
        self._run = wandb.init(project=experiment, name=run_name, reinit=True)

    def log_params(self, params: dict[str, Any]) -> None:
        self._run.config.update(params)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._run.log(metrics, step=step)

    def log_artifact(self, path: Path) -> None:
        self._run.save(str(path), policy="now")

    def close(self) -> None:
        self._run.finish()


class Trackers:
    """Fan out to every active tracker."""

    def __init__(self, trackers: list[Tracker]) -> None:
        self.trackers = trackers

    def log_params(self, params: dict[str, Any]) -> None:
        for tracker in self.trackers:
            tracker.log_params(params)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for tracker in self.trackers:
            tracker.log_metrics(metrics, step)

    def log_artifact(self, path: Path) -> None:
        for tracker in self.trackers:
            tracker.log_artifact(path)

    def close(self) -> None:
        for tracker in self.trackers:
            tracker.close()


def wandb_configured() -> bool:
    if not (os.environ.get("WANDB_API_KEY") or os.environ.get("WANDB_MODE")):
        return False
    try:
        import wandb  # noqa: F401
    except ImportError:
        return False
    return True


def open_trackers(enabled: bool, store_dir: Path, experiment: str, run_name: str) -> Trackers:
    if not enabled:
        return Trackers([NullTracker()])
    trackers: list[Tracker] = [MlflowTracker(store_dir, experiment, run_name)]
    if wandb_configured():
        trackers.append(WandbTracker(experiment, run_name))
        LOGGER.info("logging to Weights & Biases as configured by the environment")
    return Trackers(trackers)
