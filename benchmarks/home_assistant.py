"""The integration inside a real Home Assistant core (in-process): setup time, event-loop stalls
under a flood of state changes, and the memory each runtime adds.

* Setup: ``async_setup`` of one zone with a month of history in its buffer (model load included).
* Loop lag: a probe sleeps 5 ms in a loop and records how late it wakes, while 1,000 state
  changes per second arrive — alternately at entities the zone ignores and at its sources (with
  ``score_now`` every 5 s), three pairs over ``--seconds``. The stall the integration causes is
  the median over pairs of (worst wake-up with its sources flooded − worst with others flooded):
  this machine's own hiccups (noisy neighbours) hit both halves of a pair alike. Wake-ups
  delayed by a garbage collection are left out of that figure and reported apart
  (``full_gc_pauses_ms``): a full collection walks Home Assistant's whole heap (45–85 ms here)
  about once a minute under this flood, in whichever half it happens to fall.
* Memory: resident set size before and after setting up the zone, per runtime, each in a fresh
  process.

Run: ``.venv/bin/python -m benchmarks.home_assistant``. Writes ``benchmarks/results/home_assistant.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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
OTHERS = ["sensor.other_temperature", "sensor.other_humidity", "sensor.other_power",
          "binary_sensor.other_door", "binary_sensor.other_smoke"]  # fmt: skip
PROBE_S = 0.005
PAIRS = 3


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


GC_PAUSES: list[tuple[float, float, int]] = []  # (start, end, generation) on the monotonic clock
_gc_started = [0.0]


def _watch_gc(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _gc_started[0] = time.monotonic()
    else:
        GC_PAUSES.append((_gc_started[0], time.monotonic(), info["generation"]))


def _every_state_change(event: Any) -> None:
    _every_state_change.count += 1  # type: ignore[attr-defined]


_every_state_change.count = 0  # type: ignore[attr-defined]
_every_state_change._hass_callback = True  # type: ignore[attr-defined]  # run in the loop, like @callback


def _overlaps_gc(start: float, end: float) -> bool:
    return any(begin < end and finish > start for begin, finish, _ in GC_PAUSES)


async def _probe(stop: asyncio.Event, lags: list[float]) -> None:
    """Record how late a 5 ms sleep wakes; a wake-up delayed by a garbage collection is stored
    negated, so the code-path figure can leave it out and the GC figure can use it."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(PROBE_S)
        after = loop.time()
        lag = after - before - PROBE_S
        lags.append(-lag if _overlaps_gc(before, after) else lag)  # negative: delayed by a collection


async def _flood(hass: Any, seconds: float, with_scoring: bool, entities: list[str] | None = None) -> list[float]:
    rng = np.random.default_rng(0)
    targets = entities or list(SOURCES.values())
    stop = asyncio.Event()
    lags: list[float] = []
    probe = asyncio.create_task(_probe(stop, lags))
    loop = asyncio.get_running_loop()
    started = loop.time()
    tick = 0
    while loop.time() - started < seconds:
        for index in range(10):  # 10 changes every 10 ms: 1,000 per second
            role = (tick * 10 + index) % 5
            entity = targets[role]
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
    from homeassistant.const import EVENT_STATE_CHANGED
    from homeassistant.util import dt as dt_util

    from custom_components import home_anomaly
    from simulator.history import write_history

    result: dict[str, Any] = {"runtime": runtime}
    gc.callbacks.append(_watch_gc)
    with tempfile.TemporaryDirectory() as scratch:
        async with async_test_home_assistant(config_dir=scratch) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            # Like the recorder in every real installation: a listener on every state change, so
            # Home Assistant builds the same event objects in both halves of each pair.
            hass.bus.async_listen(EVENT_STATE_CHANGED, _every_state_change)
            for entity in [*SOURCES.values(), *OTHERS]:
                hass.states.async_set(entity, "off" if entity.startswith("binary") else "21.0")
            await hass.async_block_till_done()
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
            # Alternate: the same flood on entities the zone ignores, then on its sources (plus
            # score_now every 5 s). The stall the integration causes is the difference, pair by pair.
            baseline: list[float] = []
            loaded: list[float] = []
            differences = []
            for _ in range(PAIRS):
                quiet = await _flood(hass, seconds / (2 * PAIRS), with_scoring=False, entities=OTHERS)
                busy = await _flood(hass, seconds / (2 * PAIRS), with_scoring=True)
                baseline += quiet
                loaded += busy
                differences.append(max(max(busy) - max(quiet), 0.0) * 1000)
            result["baseline_lag_ms"] = _lag_summary(baseline)
            result["with_integration_lag_ms"] = _lag_summary(loaded)
            result["stall_caused_ms_per_pair"] = [round(d, 2) for d in differences]
            result["full_gc_pauses_ms"] = [round((end - start) * 1000, 1) for start, end, gen in GC_PAUSES if gen == 2]
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    return result


def _lag_summary(lags: list[float]) -> dict[str, float]:
    everything = np.asarray(lags) * 1000
    values = everything[everything >= 0]
    return {
        "max": round(float(values.max()), 2),
        "max_including_gc": round(float(np.abs(everything).max()), 2),
        "wakeups_during_gc": int((everything < 0).sum()),
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
        run["stall_caused_ms"] = round(float(np.median(run["stall_caused_ms_per_pair"])), 2)
        run["worst_pair_ms"] = max(run["stall_caused_ms_per_pair"])
    result = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": args.seconds, "runs": runs}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "home_assistant.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
