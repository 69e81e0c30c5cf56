"""The integration inside a real Home Assistant core (in-process): setup time, event-loop stalls
under a flood of state changes, and the memory each runtime adds.

* Setup: ``async_setup`` of one zone with a month of history in its buffer (model load included).
* Loop lag: a probe sleeps 5 ms in a loop and records how late it wakes, while 1,000 state
  changes per second arrive at the zone's sources for ``--seconds`` (and ``score_now`` runs every
  5 s), first without the integration, then with it; the stall the integration causes is the
  difference of the worst wake-ups.
* Memory: resident set size before and after setting up the zone, per runtime, each in a fresh
  process.

Run: ``.venv/bin/python -m benchmarks.home_assistant``. Writes ``benchmarks/results/home_assistant.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .report import RESULTS_DIR

SOURCES = {
    "temperature_entity": "sensor.bench_temperature",
    "humidity_entity": "sensor.bench_humidity",
    "power_entity": "sensor.bench_power",
    "door_entity": "binary_sensor.bench_door",
    "smoke_entity": "binary_sensor.bench_smoke",
}
PROBE_S = 0.005


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _probe(stop: asyncio.Event, lags: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(PROBE_S)
        lags.append(loop.time() - before - PROBE_S)


async def _flood(hass: Any, seconds: float, with_scoring: bool) -> list[float]:
    rng = np.random.default_rng(0)
    stop = asyncio.Event()
    lags: list[float] = []
    probe = asyncio.create_task(_probe(stop, lags))
    loop = asyncio.get_running_loop()
    started = loop.time()
    tick = 0
    while loop.time() - started < seconds:
        for index in range(10):  # 10 changes every 10 ms: 1,000 per second
            role = (tick * 10 + index) % 5
            entity = list(SOURCES.values())[role]
            value = f"{rng.normal(21, 1):.2f}" if role < 3 else ("on" if rng.random() < 0.01 else "off")
            hass.states.async_set(entity, value)
        tick += 1
        if with_scoring and tick % 500 == 0:
            hass.async_create_task(hass.services.async_call("home_anomaly", "score_now", {}, blocking=True))
        await asyncio.sleep(0.01)
    stop.set()
    await probe
    return lags


async def _child(runtime: str, seconds: float) -> dict[str, Any]:
    from pytest_homeassistant_custom_component.common import MockConfigEntry, async_test_home_assistant

    from simulator.engine_access import ensure_engine_importable

    ensure_engine_importable()
    from homeassistant import loader
    from homeassistant.util import dt as dt_util

    from custom_components import home_anomaly
    from simulator.history import write_history

    result: dict[str, Any] = {"runtime": runtime}
    with tempfile.TemporaryDirectory() as scratch:
        async with async_test_home_assistant(config_dir=scratch) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            for entity in SOURCES.values():
                hass.states.async_set(entity, "off" if entity.startswith("binary") else "21.0")
            await hass.async_block_till_done()
            result["baseline_lag_ms"] = _lag_summary(await _flood(hass, seconds, with_scoring=False))
            rss_before = rss_mb()
            entry = MockConfigEntry(domain="home_anomaly", title="Bench", data=SOURCES, options={"runtime": runtime})
            entry.add_to_hass(hass)
            await hass.async_add_executor_job(
                write_history, home_anomaly.store_path(hass, entry.entry_id), 7, 1, 30, dt_util.now().astimezone(UTC)
            )
            started = time.perf_counter()
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            result["setup_s"] = round(time.perf_counter() - started, 3)
            result["rss_added_mb"] = round(rss_mb() - rss_before, 1)
            result["actual_runtime"] = entry.runtime_data.coordinator.loaded.runtime
            result["with_integration_lag_ms"] = _lag_summary(await _flood(hass, seconds, with_scoring=True))
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    return result


def _lag_summary(lags: list[float]) -> dict[str, float]:
    values = np.asarray(lags) * 1000
    return {
        "max": round(float(values.max()), 2),
        "p99": round(float(np.percentile(values, 99)), 2),
        "p50": round(float(np.percentile(values, 50)), 3),
        "samples": int(values.size),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_child(args.child, args.seconds))))
        return
    runs = []
    for runtime in ("numpy", "onnxruntime"):
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.home_assistant", "--child", runtime, "--seconds", str(args.seconds)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        runs.append(json.loads(output.stdout.strip().splitlines()[-1]))
    for run in runs:
        run["stall_caused_ms"] = round(
            max(run["with_integration_lag_ms"]["max"] - run["baseline_lag_ms"]["max"], 0.0), 2
        )
    result = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": args.seconds, "runs": runs}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "home_assistant.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
