"""Batch scoring of a fleet and buffer ingestion.

* Fleet: 10,000 homes, one window each, scored with onnxruntime on one core (batched), and
  in parallel worker processes — the path for scoring many homes past one core.
* Ingestion: 1,000,000 state changes through the engine's ``HourAggregator`` and SQLite
  ``HourlyStore`` the way the integration writes them (batched), and the bytes one home-year
  of hours takes in SQLite.

Run: ``.venv/bin/python -m benchmarks.fleet``. Writes ``benchmarks/results/fleet.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from simulator.engine_access import ensure_engine_importable

ensure_engine_importable()

from custom_components.home_anomaly.engine.arrays import Float32Array  # noqa: E402
from custom_components.home_anomaly.engine.features import HourAggregator, HourlySample  # noqa: E402
from custom_components.home_anomaly.engine.runtime import AnomalyModel, load_model  # noqa: E402
from custom_components.home_anomaly.engine.store import HourlyStore  # noqa: E402

from .report import RESULTS_DIR  # noqa: E402

SHIPPED = Path(__file__).resolve().parent.parent / "custom_components" / "home_anomaly" / "models" / "model.onnx"
HOMES = 10_000
BATCH = 1024


def _fleet_windows(homes: int) -> Float32Array:
    return np.random.default_rng(1).normal(size=(homes, 32, 15)).astype(np.float32)


_WORKER_MODEL: list[AnomalyModel] = []


def _load_worker_model() -> None:
    """Each worker loads the model once (one onnxruntime thread each), not once per chunk."""
    _WORKER_MODEL.append(load_model(SHIPPED, runtime="onnxruntime"))


def _score_chunk(windows: Float32Array) -> int:
    model = _WORKER_MODEL[0]
    for start in range(0, len(windows), BATCH):
        model.predict_proba(windows[start : start + BATCH])
    return len(windows)


def fleet(homes: int, repeats: int) -> dict[str, Any]:
    windows = _fleet_windows(homes)
    model = load_model(SHIPPED, runtime="onnxruntime")
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        for start in range(0, homes, BATCH):
            model.predict_proba(windows[start : start + BATCH])
        rates.append(homes / (time.perf_counter() - started))
    workers = os.cpu_count() or 1
    parallel_rates = []
    with ProcessPoolExecutor(workers, initializer=_load_worker_model) as pool:
        list(pool.map(_score_chunk, np.array_split(windows[:1000], workers)))  # warm the workers
        for _ in range(repeats):
            started = time.perf_counter()
            list(pool.map(_score_chunk, np.array_split(windows, workers)))
            parallel_rates.append(homes / (time.perf_counter() - started))
    return {
        "homes": homes,
        "one_core_homes_per_s_p50": round(float(np.median(rates))),
        "one_core_homes_per_s_p10": round(float(np.percentile(rates, 10))),
        "workers": workers,
        "parallel_homes_per_s_p50": round(float(np.median(parallel_rates))),
    }


def ingestion(readings: int) -> dict[str, Any]:
    """State changes/s through aggregator + SQLite, written in batches as the coordinator does."""
    rng = np.random.default_rng(2)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    sensors: list[int] = [int(s) for s in rng.integers(0, 5, readings)]
    values: list[float] = [float(v) for v in rng.normal(20, 2, readings)]
    step = timedelta(seconds=3600 * 24 * 30 / readings)  # a month of readings
    with tempfile.TemporaryDirectory() as scratch:
        store = HourlyStore(Path(scratch) / "bench.sqlite")
        aggregator = HourAggregator(start)
        batch: list[tuple[int, datetime, float | None]] = []
        started = time.perf_counter()
        moment = start
        for sensor, value in zip(sensors, values, strict=True):
            moment += step
            while moment >= aggregator.hour_end:
                sample, carried = aggregator.close(), aggregator.carry_out()
                store.add_readings(batch)
                batch = []
                store.close_hour(sample, carried, aggregator.hour_end)
                aggregator = HourAggregator(aggregator.hour_end, carried)
            aggregator.add(sensor, moment, value)
            batch.append((sensor, moment, value))
            if len(batch) >= 1000:
                store.add_readings(batch)
                batch = []
        elapsed = time.perf_counter() - started
        store.close()

        year_store = HourlyStore(Path(scratch) / "year.sqlite")
        year_store.add_hours(
            HourlySample(start + timedelta(hours=h), (21.0 + h % 7 * 0.1, 45.0, 150.0, 0.0, 0.0)) for h in range(8760)
        )
        year_store.close()
        year_bytes = sum(p.stat().st_size for p in Path(scratch).glob("year.sqlite*"))
    return {
        "readings": readings,
        "readings_per_s": round(readings / elapsed),
        "bytes_per_home_year": year_bytes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, default=HOMES)
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    result = {"fleet": fleet(args.homes, args.repeats), "ingestion": ingestion(args.readings)}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "fleet.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
