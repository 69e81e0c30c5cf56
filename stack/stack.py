"""Start and stop the whole stack: Mosquitto → a configured Home Assistant → the live simulator."""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from custom_components.home_anomaly.const import (
    CONF_DOOR_ENTITY,
    CONF_HUMIDITY_ENTITY,
    CONF_POWER_ENTITY,
    CONF_SMOKE_ENTITY,
    CONF_TEMPERATURE_ENTITY,
    DOMAIN,
)
from simulator.history import write_history
from simulator.live import entity_ids

from .client import connect, wait_until
from .hass_config import create_access_token, write_config, write_config_entries
from .processes import Child, free_port, home_assistant, live_simulator, mosquitto, port_open, wait_for


@dataclass
class StackConfig:
    work_dir: Path
    household: int = 7
    # User 3's fridge runs a variable-speed compressor (about 120 W, never resting at 0 W), so a
    # dead plug is unusual from its first reading and the model says so on score_now. A cycling
    # fridge rests near 0 W for up to 50 minutes: there the hourly fridge rule raises it once the
    # hour has closed at 0 W (tests/integration/test_alerts.py).
    user: int = 3
    history_days: int = 30
    zone: str = "Simulated home"
    options: dict[str, Any] = field(default_factory=dict)
    scenario: Path | None = None
    speed: float = 1.0
    ha_port: int | None = None
    trusted_login: bool = False  # screenshots: the local browser needs no password


STATUS_ENTITY = "sensor.simulated_home_status"  # the status sensor of the zone "Simulated home"


def night_time_zone(local_hour: int) -> str:
    """An Etc/GMT zone in which it is ``local_hour`` o'clock now: how the tests and the demo move
    Home Assistant's clock (a user's time zone change, read by the integration like any other)."""
    offset = (local_hour - datetime.now(UTC).hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.config_dir = config.work_dir / "config"
        self.mqtt_port = free_port()
        self.ha_port = config.ha_port or free_port()
        self.node_id = f"household_{config.household}_{config.user}"
        self.sources = entity_ids(self.node_id)
        self.token = ""
        self.entry_id = ""
        self.broker: Child | None = None
        self.hass: Child | None = None
        self.simulator: Child | None = None
        self.simulator_started_at: datetime | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ha_port}"

    @property
    def store_path(self) -> Path:
        return self.config_dir / "home_anomaly" / f"{self.entry_id}.sqlite"

    def start(self) -> Stack:
        try:
            self.start_broker()
            self._prepare_home_assistant()
            self.start_home_assistant()
            self.simulator_started_at = datetime.now(UTC)
            self.simulator = live_simulator(
                self.mqtt_port, self.config.work_dir, self.config.household, self.config.user,
                self.config.scenario, self.config.speed,
            ).start()  # fmt: skip
        except BaseException:
            self.stop()
            raise
        return self

    def _prepare_home_assistant(self) -> None:
        # Everything in the config folder is generated here (entries, token, history): a folder left
        # by an earlier run (a second `make demo`) would hold a user the new token cannot be made for.
        shutil.rmtree(self.config_dir, ignore_errors=True)
        write_config(self.config_dir, self.ha_port, self.config.trusted_login)
        sources = {
            CONF_TEMPERATURE_ENTITY: self.sources["temperature"],
            CONF_HUMIDITY_ENTITY: self.sources["humidity"],
            CONF_POWER_ENTITY: self.sources["fridge_power"],
            CONF_DOOR_ENTITY: self.sources["front_door"],
            CONF_SMOKE_ENTITY: self.sources["smoke"],
        }
        _, self.entry_id = write_config_entries(
            self.config_dir,
            [
                {"domain": "mqtt", "title": "Mosquitto", "data": {"broker": "127.0.0.1", "port": self.mqtt_port},
                 "minor_version": 2},
                {"domain": DOMAIN, "title": self.config.zone, "data": sources, "options": self.config.options,
                 "unique_id": self.config.zone.lower().replace(" ", "_")},
            ],
        )  # fmt: skip
        if self.config.history_days:
            write_history(
                self.store_path, self.config.household, self.config.user, self.config.history_days, datetime.now(UTC)
            )
        self.token = create_access_token(self.config_dir)

    async def wait_until_ready(self, timeout: float = 60.0) -> None:
        """Until the simulated household reports through Home Assistant and the zone shows a status:
        the web server answers before the integrations have finished setting up."""
        async with connect(self.base_url, self.token) as client:

            async def sources_and_zone_up() -> bool:
                temperature = await client.state(self.sources["temperature"])
                return (
                    temperature is not None
                    and temperature["state"] not in ("unknown", "unavailable")
                    and await client.state(STATUS_ENTITY) is not None
                )

            await wait_until(sources_and_zone_up, timeout, "the simulated household's entities and the zone's status")

    def start_broker(self) -> None:
        self.broker = mosquitto(self.mqtt_port, self.config.work_dir / "broker").start()
        wait_for(lambda: port_open(self.mqtt_port), 15, f"the MQTT broker on port {self.mqtt_port}")

    def stop_broker(self) -> None:
        if self.broker is not None:
            self.broker.stop()

    def start_home_assistant(self) -> None:
        if port_open(self.ha_port):
            raise RuntimeError(
                f"port {self.ha_port} on 127.0.0.1 is already in use by another program: stop it, "
                "or leave the port unset to get a free one"
            )
        self.hass = home_assistant(self.config_dir).start()
        wait_for(lambda: self.hass is not None and (port_open(self.ha_port) or not self.hass.running()), 90,
                 "Home Assistant's HTTP server")  # fmt: skip
        if not self.hass.running():
            raise RuntimeError(f"Home Assistant exited; see {self.hass.log_path}")
        self.check_it_is_ours()

    def check_it_is_ours(self, timeout: float = 30.0) -> None:
        """The port answering is no proof: a Home Assistant that failed to bind keeps running without
        HTTP while another program answers. Only ours accepts the token made in its config folder
        and names that folder in /api/config."""
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(
            f"{self.base_url}/api/config", headers={"Authorization": f"Bearer {self.token}"}
        )
        problem = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(request, timeout=5) as reply:
                    config_dir = json.loads(reply.read()).get("config_dir")
            except (urllib.error.URLError, OSError, ValueError) as err:
                problem = f"{self.base_url}/api/config: {err}"
            else:
                if config_dir == str(self.config_dir):
                    return
                problem = f"{self.base_url} is a Home Assistant of another folder ({config_dir})"
            if self.hass is not None and not self.hass.running():
                break
            time.sleep(0.5)
        raise RuntimeError(f"the Home Assistant this stack started does not answer on port {self.ha_port}: "
                           f"{problem}; see {self.hass.log_path if self.hass else 'its log'}")  # fmt: skip

    def stop_home_assistant(self) -> None:
        if self.hass is not None:
            self.hass.stop(timeout=60)

    def kill_home_assistant(self) -> None:
        """SIGKILL Home Assistant: no stop event, so nothing the integration still holds in memory is saved.

        ``hass`` keeps the dead child (its log and exit code stay readable) until ``start_home_assistant``.
        """
        if self.hass is not None:
            self.hass.kill()
            # The kernel closes the listening socket at exit; waiting for it means a restart cannot
            # mistake a half-dead process for the new one.
            wait_for(lambda: not port_open(self.ha_port), 10, "Home Assistant's port to close")

    def stop(self) -> None:
        for child in (self.simulator, self.hass, self.broker):
            if child is not None:
                child.stop()
