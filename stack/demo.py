"""``make demo``: a simulated home, a real Home Assistant, and a scripted evening.

Starts Mosquitto and Home Assistant with the integration and its shipped model, prefills a month
of the household's history, then lets the live simulator play a story — a quiet stretch, the
fridge failing, the front door opening at night, a fire — while a terminal view shows the
sensors, the zone's status, events and notifications. It ends with a table of injected versus
detected anomalies, read back from Home Assistant's own states and events, and writes
``outputs/demo/`` (log, six-panel plot of the prefilled history, ``report.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from simulator.engine_access import ensure_engine_importable

ensure_engine_importable()

from simulator.plot import HouseholdTable, plot_household  # noqa: E402
from simulator.scenario import ScenarioEvent, load_scenario  # noqa: E402

from .client import HomeAssistantClient, connect  # noqa: E402
from .hass_config import DEMO_PASSWORD, DEMO_USERNAME  # noqa: E402
from .stack import STATUS_ENTITY, Stack, StackConfig, night_time_zone  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SCENARIO = REPO / "simulator" / "scenarios" / "story.json"
SPEED = 60.0  # one real second is one simulated minute
SCORE_EVERY_S = 10.0  # the demo asks for a score instead of waiting for minute 0
STORY_END_S = 150.0
ANOMALY_CODES = {"temperature": 1, "humidity": 2, "fridge": 3, "door": 4, "fire": 5}


@dataclass
class Injection:
    anomaly: str
    injected_at: datetime


class Tee:
    """Print to the terminal and to ``outputs/demo/demo.log``."""

    def __init__(self, path: Path) -> None:
        self.file: TextIO = open(path, "w")  # noqa: SIM115 - closed by close()

    def __call__(self, line: str) -> None:
        print(line, flush=True)
        self.file.write(line + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


async def _view_line(client: HomeAssistantClient, stack: Stack, elapsed: float) -> str:
    values = []
    for role in ("temperature", "humidity", "fridge_power", "front_door", "smoke"):
        state = await client.state(stack.sources[role])
        values.append("?" if state is None else str(state["state"]))
    status = await client.state(STATUS_ENTITY)
    shown = "?" if status is None else status["state"]
    return (
        f"[{elapsed:5.0f} s] temp {values[0]:>6} °C  humidity {values[1]:>6} %  fridge {values[2]:>6} W  "
        f"door {values[3]:>3}  smoke {values[4]:>3}  │ status: {shown}"
    )


async def run_story(stack: Stack, events: list[ScenarioEvent], log: Tee) -> dict[str, Any]:
    async with connect(stack.base_url, stack.token, ("home_anomaly_detected", "home_anomaly_cleared")) as client:
        zone = night_time_zone(2)
        await client.command({"type": "config/core/update", "time_zone": zone})
        log(f"Home Assistant's clock set to {zone} (02:00 there), so a door opening is a night-time one.")
        start = stack.simulator_started_at or datetime.now(UTC)
        loop_start = time.monotonic() - (datetime.now(UTC) - start).total_seconds()
        injections = [Injection(e.anomaly, start + timedelta(seconds=e.at_s)) for e in events]
        seen_events = 0
        seen_notifications: set[str] = set()
        next_score = 0.0
        next_view = 0.0
        while (elapsed := time.monotonic() - loop_start) < STORY_END_S:
            for scheduled in events:
                if scheduled.at_s <= elapsed < scheduled.at_s + 1.0:
                    log(f"[{elapsed:5.0f} s] >>> injected by the simulator: {scheduled.anomaly}")
            if elapsed >= next_score:
                await client.call("home_anomaly", "score_now", {})
                next_score += SCORE_EVERY_S
            if elapsed >= next_view:
                log(await _view_line(client, stack, elapsed))
                next_view += 5.0
            for fired in client.events[seen_events:]:
                data = fired["data"]
                detail = f"priority {data.get('priority')}, {data.get('source')}, p={data.get('probability')}"
                log(f"[{elapsed:5.0f} s] event {fired['event_type']}: {data.get('anomaly')} ({detail})")
            seen_events = len(client.events)
            for notification in await client.command({"type": "persistent_notification/get"}):
                if notification["notification_id"] not in seen_notifications:
                    seen_notifications.add(notification["notification_id"])
                    text = f"{notification.get('title')} — {notification.get('message')}"
                    log(f"[{elapsed:5.0f} s] notification: {text}")
            await asyncio.sleep(1.0)
        return report(injections, client.events)


def report(injections: list[Injection], events: list[dict[str, Any]]) -> dict[str, Any]:
    """Injected vs detected, from Home Assistant's own events (not the script's intentions)."""
    rows = []
    for injection in injections:
        detections = [
            datetime.fromisoformat(e["time_fired"])
            for e in events
            if e["event_type"] == "home_anomaly_detected"
            and e["data"].get("anomaly") == injection.anomaly
            and datetime.fromisoformat(e["time_fired"]) >= injection.injected_at - timedelta(seconds=1)
        ]
        first = min(detections) if detections else None
        rows.append(
            {
                "class": injection.anomaly,
                "injected_at": injection.injected_at.isoformat(timespec="seconds"),
                "detected": first is not None,
                "time_to_detect_s": round(max((first - injection.injected_at).total_seconds(), 0.0), 1)
                if first
                else None,
            }
        )
    return {"anomalies": rows}


def plot_history(stack: Stack, out: Path, days: int = 14) -> Path:
    """Six-panel figure of the zone's buffer: the hours the model judged this home against."""
    import numpy as np

    from custom_components.home_anomaly.engine.store import HourlyStore

    store = HourlyStore(stack.store_path)
    try:
        hours = store.hours_since(datetime.now(UTC) - timedelta(days=days))
    finally:
        store.close()
    values = np.array([[np.nan if v is None else v for v in h.values] for h in hours], dtype=float)
    table = HouseholdTable(
        timestamps=[h.hour_start.replace(tzinfo=None) for h in hours],
        sensors=values,
        anomaly_class=np.zeros(len(hours), dtype=int),
        missing=np.isnan(values[:, :3]),
    )
    figure = plot_household(table, f"Simulated home: the last {days} days in Home Anomaly's buffer (hourly, UTC)")
    figure.savefig(out, dpi=90)
    return out


def print_table(rows: list[dict[str, Any]], log: Tee) -> None:
    log("")
    log("| anomaly | injected at (UTC) | detected | time to detect |")
    log("| --- | --- | --- | --- |")
    for row in rows:
        ttd = f"{row['time_to_detect_s']} s" if row["time_to_detect_s"] is not None else "—"
        log(f"| {row['class']} | {row['injected_at']} | {'yes' if row['detected'] else 'NO'} | {ttd} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "outputs" / "demo")
    parser.add_argument(
        "--keep-running", action="store_true", help="leave Home Assistant up (on a free port, printed) to look around"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    log = Tee(args.out / "demo.log")
    events = load_scenario(SCENARIO)
    stack = Stack(StackConfig(work_dir=args.out / "stack", scenario=SCENARIO, speed=SPEED))
    started = time.monotonic()
    try:
        log("Starting Mosquitto, Home Assistant (with Home Anomaly and its shipped model) and the simulator…")
        stack.start()
        asyncio.run(stack.wait_until_ready())
        log(f"Home Assistant is up at {stack.base_url}; a month of simulated history is in the zone's buffer.")
        result = asyncio.run(run_story(stack, events, log))
        print_table(result["anomalies"], log)
        result |= {"zone": "Simulated home", "household": stack.node_id, "seconds": round(time.monotonic() - started)}
        (args.out / "report.json").write_text(json.dumps(result, indent=2) + "\n")
        plot = plot_history(stack, args.out / "household.png")
        log(f"\nWrote {args.out / 'report.json'}, {plot} and {args.out / 'demo.log'}")
        if args.keep_running:
            log(f"Home Assistant keeps running at {stack.base_url} — log in as {DEMO_USERNAME} / {DEMO_PASSWORD}. "
                "Ctrl-C stops everything.")  # fmt: skip
            while True:
                time.sleep(3600)
        missed = [row["class"] for row in result["anomalies"] if not row["detected"]]
        return 1 if missed else 0
    except KeyboardInterrupt:
        return 130
    finally:
        stack.stop()
        log.close()


if __name__ == "__main__":
    sys.exit(main())
