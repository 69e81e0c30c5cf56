"""Population stability: reference distributions a model card can carry, and PSI against them.

PSI (population stability index) over reference-quantile bins: < 0.1 stable, 0.1–0.25 worth a
look, ≥ 0.25 drifted. Unlike a KS p-value it does not turn "significant" just because a
sample is large.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from .arrays import FloatArray

PSI_WARN: Final = 0.1
PSI_ALERT: Final = 0.25
BINS: Final = 10
EPSILON: Final = 1e-4


def reference_distribution(values: FloatArray, binary: bool) -> dict[str, Any]:
    """Bin edges (reference quantiles; 0/1 for binary features) and the share in each bin."""
    if binary:
        edges = [0.5]
    else:
        quantiles = np.quantile(values, np.linspace(0, 1, BINS + 1)[1:-1])
        edges = sorted({float(round(q, 6)) for q in quantiles})
    return {"edges": edges, "proportions": bin_shares(values, edges).tolist()}


def bin_shares(values: FloatArray, edges: list[float]) -> FloatArray:
    counts = np.bincount(np.searchsorted(np.asarray(edges), values, side="right"), minlength=len(edges) + 1)
    shares: FloatArray = counts / max(len(values), 1)
    return shares


def psi(reference_shares: FloatArray, current_shares: FloatArray) -> float:
    expected = np.clip(np.asarray(reference_shares, dtype=np.float64), EPSILON, None)
    actual = np.clip(np.asarray(current_shares, dtype=np.float64), EPSILON, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def psi_status(value: float) -> str:
    return "alert" if value >= PSI_ALERT else "warn" if value >= PSI_WARN else "ok"
