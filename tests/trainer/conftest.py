"""A tiny dataset and a tiny trained run, shared by the trainer tests (seconds, not minutes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import BuildConfig, build_dataset
from trainer.cli import main


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny") / "data"
    # Seed 11: every tiny home has every sensor (the simulator leaves some out of larger datasets).
    build_dataset(BuildConfig(out=out, train_users=4, val_users=2, days=40, seed=11, events_per_class=3))
    return out


@pytest.fixture(scope="session")
def tiny_run(tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CNN, two short epochs, early stopping on one held-out training home."""
    runs = tmp_path_factory.mktemp("runs")
    config = runs / "config.json"
    config.write_text('{"early_stop_users": 1, "samples_per_epoch": 3000, "epochs": 2, "batch_size": 128}')
    code = main(
        ["--config", str(config), "--data", str(tiny_dataset), "--out", str(runs), "--model_type", "CNN", "--no-log"]
    )
    assert code == 0
    return runs
