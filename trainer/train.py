"""The training loop: sampled epochs, early stopping on macro-F1 (normal excluded), best weights kept."""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .config import TrainConfig
from .distributed import Ranks, shard, wrap
from .losses import make_loss
from .metrics import N_CLASSES, macro_f1_excluding_normal
from .models import build_model, parameter_count
from .tracking import Tracker

EVAL_BATCH = 4096


@dataclass
class TrainResult:
    model_name: str
    model: nn.Module
    best_epoch: int
    best_macro_f1: float
    seconds: float
    checkpoint: Path
    history: list[dict[str, float]] = field(default_factory=list)


def predict_logits(model: nn.Module, windows: np.ndarray) -> np.ndarray:
    model.eval()
    parts = []
    with torch.no_grad():
        for start in range(0, len(windows), EVAL_BATCH):
            parts.append(model(torch.from_numpy(np.ascontiguousarray(windows[start : start + EVAL_BATCH]))).numpy())
    return np.concatenate(parts) if parts else np.zeros((0, N_CLASSES), np.float32)


def epoch_indices(labels: np.ndarray, config: TrainConfig, rng: np.random.Generator) -> np.ndarray:
    """The windows one epoch trains on.

    Plain: a fresh random subset without replacement. ``--balanced_loader``: every class drawn
    equally often (a weighted random sampler, with replacement).
    """
    count = min(config.samples_per_epoch, len(labels)) if not config.balanced_loader else config.samples_per_epoch
    if not config.balanced_loader:
        return rng.permutation(len(labels))[:count]
    frequency = np.bincount(labels, minlength=N_CLASSES).astype(np.float64)
    weights = 1.0 / frequency[labels]
    return rng.choice(len(labels), size=count, replace=True, p=weights / weights.sum())


def save_checkpoint(model: nn.Module, path: Path) -> None:
    """State dict only: loading it never runs pickled code (``weights_only=True``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)


def load_checkpoint(model: nn.Module, path: Path) -> nn.Module:
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model


def train_model(
    model_name: str,
    config: TrainConfig,
    train: tuple[np.ndarray, np.ndarray],
    early_stop: tuple[np.ndarray, np.ndarray],
    tracker: Tracker,
    out_dir: Path,
    ranks: Ranks | None = None,
) -> TrainResult:
    ranks = ranks or Ranks()
    torch.manual_seed(config.seed)  # the same initial weights on every rank
    torch.set_num_threads(max(1, config.threads // ranks.world))
    rng = np.random.default_rng(config.seed)  # the same epoch draws on every rank, then sharded
    train_windows, train_labels = train
    stop_windows, stop_labels = early_stop
    n_features = train_windows.shape[2]
    model = build_model(model_name, n_features, config.window_size)
    network = wrap(model, ranks)
    batch_size = max(1, config.batch_size // ranks.world)  # the global batch stays config.batch_size
    loss_fn = make_loss(config.loss_type, train_labels, N_CLASSES)
    optimiser = torch.optim.Adam(network.parameters(), lr=config.lr)
    # The learning rate falls along a cosine to 5 % by the last epoch: with a constant rate the
    # early-stopping F1 swung ±0.1 from epoch to epoch on the calibrated homes and the kept
    # "best" epoch was partly luck.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=config.epochs, eta_min=0.05 * config.lr)
    tracker.log_params({**config.to_json(), "model": model_name, "parameters": parameter_count(model)})

    checkpoint = out_dir / "best.pt"
    best_state = copy.deepcopy(model.state_dict())
    best_f1, best_epoch, waited = -1.0, 0, 0
    history: list[dict[str, float]] = []
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        network.train()
        indices = shard(epoch_indices(train_labels, config, rng), ranks)
        total_loss = 0.0
        batches = range(0, len(indices), batch_size)
        for start in tqdm(
            batches, desc=f"{model_name} epoch {epoch}/{config.epochs}", unit="batch", leave=False, disable=None
        ):
            batch = indices[start : start + batch_size]
            x = torch.from_numpy(train_windows[batch])
            y = torch.from_numpy(train_labels[batch])
            optimiser.zero_grad()
            loss = loss_fn(network(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(network.parameters(), 5.0)
            optimiser.step()
            total_loss += loss.item() * len(batch)
        schedule.step()
        predicted = predict_logits(model, stop_windows).argmax(axis=1)
        macro_f1 = macro_f1_excluding_normal(stop_labels, predicted)
        row = {"epoch": epoch, "train_loss": total_loss / max(len(indices), 1), "early_stop_macro_f1": macro_f1}
        history.append(row)
        tracker.log_metrics({k: v for k, v in row.items() if k != "epoch"}, step=epoch)
        if ranks.is_main:
            print(f"{model_name} epoch {epoch}: loss {row['train_loss']:.4f}, early-stop macro-F1 {macro_f1:.4f}")
        if macro_f1 > best_f1:
            best_f1, best_epoch, waited = macro_f1, epoch, 0
            best_state = copy.deepcopy(model.state_dict())  # a copy: later epochs must not change it
            if ranks.is_main:
                save_checkpoint(model, checkpoint)
        else:
            waited += 1
            if waited >= config.patience:
                print(f"{model_name}: no improvement for {waited} epochs, stopping")
                break
    model.load_state_dict(best_state)
    seconds = time.perf_counter() - started
    if ranks.is_main:
        (out_dir / "history.json").write_text(json.dumps(history, indent=2) + "\n")
    return TrainResult(model_name, model, best_epoch, best_f1, seconds, checkpoint, history)
