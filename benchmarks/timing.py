"""Timing helpers: p50/p90 over many repetitions (machines here are noisy)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np


def repeat_ms(function: Callable[[], Any], repeats: int = 1000, warmup: int = 50) -> dict[str, float]:
    for _ in range(warmup):
        function()
    timings = np.empty(repeats)
    for index in range(repeats):
        started = time.perf_counter()
        function()
        timings[index] = time.perf_counter() - started
    return {
        "p50_ms": round(float(np.percentile(timings, 50)) * 1000, 4),
        "p90_ms": round(float(np.percentile(timings, 90)) * 1000, 4),
        "p99_ms": round(float(np.percentile(timings, 99)) * 1000, 4),
        "repeats": repeats,
    }
