"""Figures people would rather see than read: confusion matrices and precision-recall curves."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve

from custom_components.home_anomaly.engine.schema import ANOMALY_CLASS_NAMES

from .metrics import ANOMALY_CLASSES, row_normalised


def plot_confusion(matrix: np.ndarray, title: str, path: Path) -> Path:
    normalised = row_normalised(matrix)
    labels = [f"{c} {ANOMALY_CLASS_NAMES[c]}" for c in range(matrix.shape[0])]
    figure, ax = plt.subplots(figsize=(7, 6), constrained_layout=True)
    image = ax.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    for (row, col), count in np.ndenumerate(matrix):
        colour = "white" if normalised[row, col] > 0.5 else "black"
        ax.text(col, row, f"{normalised[row, col]:.2f}\n({count})", ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    figure.colorbar(image, ax=ax, label="share of true class")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def average_precision(y_true: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """One-vs-rest average precision of each anomaly class."""
    return {
        str(c): float(average_precision_score(y_true == c, probabilities[:, c])) if np.any(y_true == c) else 0.0
        for c in ANOMALY_CLASSES
    }


def plot_pr_curves(y_true: np.ndarray, probabilities: np.ndarray, title: str, path: Path) -> Path:
    figure, ax = plt.subplots(figsize=(7, 5), constrained_layout=True)
    ap = average_precision(y_true, probabilities)
    for c in ANOMALY_CLASSES:
        if not np.any(y_true == c):
            continue
        precision, recall, _ = precision_recall_curve(y_true == c, probabilities[:, c])
        ax.plot(recall, precision, label=f"{c} {ANOMALY_CLASS_NAMES[c]} (AP {ap[str(c)]:.3f})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.01)
    ax.grid(True, alpha=0.4)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
