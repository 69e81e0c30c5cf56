"""The real stack for end-to-end tests: Mosquitto, Home Assistant, the live simulator."""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path

import pytest

from stack.stack import Stack, StackConfig
from tests.deprecations import reports_in_log

DURATIONS: list[tuple[str, float]] = []


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Generator[Stack]:
    started = time.monotonic()
    running = Stack(StackConfig(work_dir=tmp_path_factory.mktemp("stack"))).start()
    DURATIONS.append(("start Mosquitto, Home Assistant and the simulator", time.monotonic() - started))
    try:
        yield running
    finally:
        running.stop()  # every child by its own pid, also after a failure
        for child in (running.simulator, running.hass, running.broker):
            assert child is None or not child.running()
        # Every start of this module's Home Assistant appends to the same log file.
        reports = reports_in_log(log_text(running.hass.log_path if running.hass else None))
        assert not reports, "Home Assistant reported a deprecated use by home_anomaly:\n" + "\n".join(reports)


@pytest.fixture(autouse=True)
def timed(request: pytest.FixtureRequest) -> Generator[None]:
    started, first_step = time.monotonic(), len(DURATIONS)
    yield
    DURATIONS.insert(first_step, (request.node.name, time.monotonic() - started))  # above its steps


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if DURATIONS:
        terminalreporter.section("end-to-end scenario durations")
        for name, seconds in DURATIONS:
            terminalreporter.write_line(f"{seconds:7.1f} s  {name}")


def record(step: str, seconds: float) -> None:
    """A step inside the running scenario, listed under it in the summary."""
    DURATIONS.append((f"  {step}", seconds))


def log_text(path: Path | None) -> str:
    return path.read_text(errors="replace") if path is not None and path.exists() else ""
