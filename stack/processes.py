"""Child processes of the stack: Mosquitto (or amqtt), Home Assistant, the live simulator."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Child:
    """One started process: stopped by pid (TERM, then KILL), its output in a log file."""

    name: str
    command: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> Child:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            self.command, stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO, env={**os.environ, **self.env}
        )
        return self

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        """None while running; ``-signal`` when a signal ended it."""
        return self.process.poll() if self.process else None

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._close_log()

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to flush or clean up (a crash, the OOM killer, a power cut)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)  # reaped: no zombie, and exit_code is known at once
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def mosquitto(port: int, work_dir: Path) -> Child:
    """Mosquitto on a loopback port; the pure-Python amqtt broker where Mosquitto is not installed."""
    binary = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
    work_dir.mkdir(parents=True, exist_ok=True)
    if binary:
        config = work_dir / "mosquitto.conf"
        config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        return Child("mosquitto", [binary, "-c", str(config)], work_dir / "mosquitto.log")
    config = work_dir / "amqtt.yaml"
    config.write_text(
        f"listeners:\n  default:\n    type: tcp\n    bind: 127.0.0.1:{port}\nauth:\n  allow-anonymous: true\n"
    )
    return Child(
        "amqtt", [sys.executable, "-m", "amqtt.scripts.broker_script", "-c", str(config)], work_dir / "amqtt.log"
    )


def home_assistant(config_dir: Path) -> Child:
    return Child(
        "home-assistant",
        [sys.executable, "-m", "homeassistant", "--config", str(config_dir), "--skip-pip"],
        config_dir / "stack-home-assistant.log",
    )


def live_simulator(
    broker_port: int, work_dir: Path, household: int, user: int, scenario: Path | None, speed: float
) -> Child:
    command = [
        sys.executable, "-m", "simulator", "live", "--broker", f"mqtt://127.0.0.1:{broker_port}",
        "--household", str(household), "--user", str(user), "--speed", str(speed), "--tick", "0.5",
    ]  # fmt: skip
    if scenario is not None:
        command += ["--scenario", str(scenario)]
    return Child("simulator", command, work_dir / "simulator.log")


def wait_for(predicate: object, timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
