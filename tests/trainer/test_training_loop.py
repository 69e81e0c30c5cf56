"""Early stopping, best-weight restore and pickle-free checkpoints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import trainer.train as train_module
from trainer.config import TrainConfig
from trainer.tracking import NullTracker
from trainer.train import epoch_indices, load_checkpoint, train_model


def _data(rows: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(rows, 8, 15)).astype(np.float32), rng.integers(0, 6, rows)


def test_stops_after_patience_and_restores_the_best_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scores = iter([0.2, 0.6, 0.5, 0.4, 0.3, 0.9])
    monkeypatch.setattr(train_module, "macro_f1_excluding_normal", lambda *_: next(scores))
    snapshots: list[dict[str, torch.Tensor]] = []
    real_save = train_module.save_checkpoint

    def remember(model: torch.nn.Module, path: Path) -> None:
        snapshots.append({k: v.clone() for k, v in model.state_dict().items()})
        real_save(model, path)

    monkeypatch.setattr(train_module, "save_checkpoint", remember)
    config = TrainConfig(model_type="CNN", epochs=6, patience=3, window_size=8, samples_per_epoch=100, batch_size=50)
    result = train_model("CNN", config, _data(), _data(60), NullTracker(), tmp_path)
    assert [row["epoch"] for row in result.history] == [1, 2, 3, 4, 5]  # epoch 6 never ran
    assert result.best_epoch == 2
    assert result.best_macro_f1 == 0.6
    for key, value in result.model.state_dict().items():
        torch.testing.assert_close(value, snapshots[-1][key])  # epoch 2's weights, not epoch 5's


def test_checkpoints_are_state_dicts_loaded_without_pickle(tmp_path: Path) -> None:
    config = TrainConfig(model_type="CNN", epochs=1, window_size=8, samples_per_epoch=100)
    result = train_model("CNN", config, _data(), _data(60), NullTracker(), tmp_path)
    raw = torch.load(result.checkpoint, weights_only=True)
    assert isinstance(raw, dict)
    assert all(isinstance(v, torch.Tensor) for v in raw.values())
    fresh = load_checkpoint(train_module.build_model("CNN", 15, 8), result.checkpoint)
    for key, value in result.model.state_dict().items():
        torch.testing.assert_close(value, fresh.state_dict()[key])


def test_balanced_loader_draws_rare_classes_as_often_as_normal() -> None:
    labels = np.array([0] * 9_900 + [5] * 100)
    config = TrainConfig(balanced_loader=True, samples_per_epoch=20_000)
    drawn = labels[epoch_indices(labels, config, np.random.default_rng(1))]
    assert 0.45 < np.mean(drawn == 5) < 0.55
    plain = epoch_indices(labels, TrainConfig(samples_per_epoch=5_000), np.random.default_rng(1))
    assert len(np.unique(plain)) == 5_000  # without replacement
