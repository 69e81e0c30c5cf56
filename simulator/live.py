"""Live simulator: one household's sensors published to MQTT, the way a real home's would be.

``python -m simulator live --broker mqtt://127.0.0.1:1883 --household 7 --scenario story.json
--speed 60`` announces one device with five entities through Home Assistant MQTT discovery
(temperature, humidity and power sensors; door and smoke binary sensors), then publishes the
household model's readings, with the scenario's anomalies on top. It re-announces the device
when Home Assistant says ``homeassistant/status: online``, and a lost broker is retried with
back-off and reported in one line — never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import unquote, urlparse

from .household import simulate_household
from .scenario import ScenarioEvent
from .timegrid import FINE_STEP_MINUTES, TimeGrid

ROLES = ("temperature", "humidity", "fridge_power", "front_door", "smoke")
DOOR_OPEN_SECONDS = 5.0  # a scenario door opening: open, then shut again
DISCOVERY_PREFIX = "homeassistant"
BIRTH_TOPIC = "homeassistant/status"
PASSWORD_VARIABLE: Final = "HOME_ANOMALY_MQTT_PASSWORD"  # kept off the command line, which any user can see
MAX_BACKOFF_S = 30.0
SIMULATED_DAYS = 8


# The password part of URL credentials (scheme://user:password@host), and the value after a
# password-like flag as argparse echoes it back ("unrecognized arguments: --passwd hunter2").
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/@:]*:)[^\s@]*@")
_FLAG_VALUE = re.compile(r"(?i)(--?[\w-]*(?:pas|pwd|secret|token)[\w-]*(?:=|\s+))(?!-)\S+")


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with URL passwords, password-flag values and each of ``secrets`` replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _FLAG_VALUE.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None = None
    # A dataclass repr goes into tracebacks and debug logs; the password must never be in one.
    password: str | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """host:port, the only part of the broker that may be logged."""
        return f"{self.host}:{self.port}"

    @classmethod
    def from_url(cls, url: str, username: str | None = None, password: str | None = None) -> Broker:
        parsed = urlparse(url)
        try:
            host, port = parsed.hostname, parsed.port or 1883
        except ValueError as err:  # a port that is not a number, or out of range
            raise ValueError(f"--broker {redact(url)!r}: {err}") from None
        if parsed.scheme not in ("mqtt", "tcp") or not host:
            raise ValueError(f"--broker {redact(url)!r} is not an MQTT address such as mqtt://127.0.0.1:1883")
        # Credentials in a URL are percent-encoded (a password with @ or : in it must be).
        url_username = unquote(parsed.username) if parsed.username else None
        url_password = unquote(parsed.password) if parsed.password else None
        return cls(host, port, username or url_username, password or url_password)


class LiveHousehold:
    """The household model's readings at any moment, plus the scenario's anomalies."""

    def __init__(self, seed: int, user_number: int, start: datetime, speed: float, events: list[ScenarioEvent]) -> None:
        self.node_id = f"household_{seed}_{user_number}"
        self.start = start
        self.speed = speed
        self.events = events
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        self.grid_start = midnight
        grid = TimeGrid(midnight.replace(tzinfo=None), SIMULATED_DAYS, FINE_STEP_MINUTES)
        self.series = simulate_household(seed, user_number, grid, events_per_class=0, absent_roles=False)

    def simulated_time(self, elapsed_s: float) -> datetime:
        return self.start + timedelta(seconds=elapsed_s * self.speed)

    def active(self, elapsed_s: float) -> set[str]:
        active = set()
        for event in self.events:
            lasts = DOOR_OPEN_SECONDS if event.anomaly == "door" else event.duration_s / self.speed
            if event.at_s <= elapsed_s < event.at_s + lasts:
                active.add(event.anomaly)
        return active

    def readings(self, elapsed_s: float) -> dict[str, str]:
        moment = self.simulated_time(elapsed_s)
        index = int((moment - self.grid_start).total_seconds() // (FINE_STEP_MINUTES * 60))
        index = min(max(index, 0), self.series.observed.temperature_c.size - 1)
        observed = self.series.observed
        temperature = float(observed.temperature_c[index])
        humidity = float(observed.humidity_pct[index])
        power = float(observed.fridge_power_w[index])
        # The household's own night openings would be anomalies; live runs keep them to the scenario.
        door = bool(observed.front_door_open[index]) and moment.hour >= 5
        smoke = False
        active = self.active(elapsed_s)
        if "temperature" in active:
            temperature -= 7.0
        if "humidity" in active:
            humidity += 40.0
        if "fridge" in active:
            power = 0.0
        if "door" in active:
            door = True
        if "fire" in active:
            smoke, temperature, humidity = True, temperature + 8.0, humidity + 15.0
        return {
            "temperature": f"{temperature:.2f}",
            "humidity": f"{min(max(humidity, 0.0), 100.0):.2f}",
            "fridge_power": f"{power:.1f}",
            "front_door": "ON" if door else "OFF",
            "smoke": "ON" if smoke else "OFF",
        }


def discovery_messages(node_id: str, name: str) -> list[tuple[str, str]]:
    """(topic, payload) of Home Assistant MQTT discovery for the household's five entities."""
    base = f"home_anomaly_sim/{node_id}"
    device = {"identifiers": [node_id], "name": name, "manufacturer": "Home Anomaly simulator", "model": "household"}
    specs: dict[str, dict[str, Any]] = {
        "temperature": {"component": "sensor", "device_class": "temperature", "unit_of_measurement": "°C",
                        "state_class": "measurement", "name": "Temperature"},
        "humidity": {"component": "sensor", "device_class": "humidity", "unit_of_measurement": "%",
                     "state_class": "measurement", "name": "Humidity"},
        "fridge_power": {"component": "sensor", "device_class": "power", "unit_of_measurement": "W",
                         "state_class": "measurement", "name": "Fridge power"},
        "front_door": {"component": "binary_sensor", "device_class": "door", "name": "Front door"},
        "smoke": {"component": "binary_sensor", "device_class": "smoke", "name": "Smoke alarm"},
    }  # fmt: skip
    messages = []
    for role in ROLES:
        spec = dict(specs[role])
        component = spec.pop("component")
        payload = {
            **spec,
            "unique_id": f"{node_id}_{role}",
            # The entity id: HA 2025.10+ reads default_entity_id (and 2026.4 removed object_id);
            # 2025.4 reads object_id and ignores the other.
            "default_entity_id": f"{component}.{node_id}_{role}",
            "object_id": f"{node_id}_{role}",
            "state_topic": f"{base}/{role}",
            "availability_topic": f"{base}/availability",
            "device": device,
        }
        messages.append((f"{DISCOVERY_PREFIX}/{component}/{node_id}/{role}/config", json.dumps(payload)))
    return messages


def entity_ids(node_id: str) -> dict[str, str]:
    """The entity id Home Assistant gives each role (discovery sets the object id)."""
    return {
        role: f"{'binary_sensor' if role in ('front_door', 'smoke') else 'sensor'}.{node_id}_{role}" for role in ROLES
    }


@dataclass
class LiveRun:
    household: LiveHousehold
    broker: Broker
    tick_s: float = 1.0
    duration_s: float = math.inf
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr, flush=True))
    published: dict[str, str] = field(default_factory=dict)
    reconnects: int = 0

    @property
    def base(self) -> str:
        return f"home_anomaly_sim/{self.household.node_id}"

    async def run(self, stop: asyncio.Event | None = None) -> None:
        import aiomqtt  # only the live simulator needs MQTT
        from aiomqtt.exceptions import MqttConnectError  # not re-exported by the package

        stop = stop or asyncio.Event()
        started = asyncio.get_running_loop().time()
        backoff = 1.0
        loop = asyncio.get_running_loop()
        while not stop.is_set() and loop.time() - started < self.duration_s:
            try:
                will = aiomqtt.Will(f"{self.base}/availability", "offline", retain=True)
                async with aiomqtt.Client(
                    self.broker.host, self.broker.port, username=self.broker.username,
                    password=self.broker.password, identifier=f"sim-{self.household.node_id}", will=will,
                ) as client:  # fmt: skip
                    backoff = 1.0
                    self.log(f"connected to {self.broker.address}")
                    await self._announce(client)
                    await client.subscribe(BIRTH_TOPIC)
                    tasks = {
                        asyncio.create_task(self._listen(client)),
                        asyncio.create_task(self._publish_until_done(client, started, stop)),
                    }
                    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                    for task in pending:
                        task.cancel()
                    for task in done:
                        task.result()  # a lost connection surfaces here as MqttError
                    await client.publish(f"{self.base}/availability", "offline", retain=True)
                    return
            except aiomqtt.MqttError as err:
                self.reconnects += 1
                # The client's error text is not ours to trust: scrub the credentials from it.
                reason = redact(str(err), self.broker.password)
                if isinstance(err, MqttConnectError):
                    problem = f"refused the connection ({reason}; check --username and --password)"
                else:
                    problem = f"unreachable ({reason})"
                self.log(f"MQTT broker {self.broker.address} {problem}; retrying in {backoff:.0f} s")
                remaining = self.duration_s - (loop.time() - started)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=min(backoff, max(remaining, 0.0)))
                backoff = min(backoff * 2, MAX_BACKOFF_S)

    async def _announce(self, client: Any) -> None:
        name = f"Simulated household {self.household.node_id.split('_', 1)[1]}"
        for topic, payload in discovery_messages(self.household.node_id, name):
            await client.publish(topic, payload, retain=True)
        await client.publish(f"{self.base}/availability", "online", retain=True)
        for role, value in self.published.items():
            await client.publish(f"{self.base}/{role}", value, retain=True)

    async def _listen(self, client: Any) -> None:
        async for message in client.messages:
            if str(message.topic) == BIRTH_TOPIC and message.payload in (b"online", "online"):
                self.log("Home Assistant came online: announcing the device again")
                await self._announce(client)

    async def _publish_until_done(self, client: Any, started: float, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            elapsed = loop.time() - started
            if elapsed >= self.duration_s:
                stop.set()
                return
            for role, value in self.household.readings(elapsed).items():
                if self.published.get(role) != value:
                    await client.publish(f"{self.base}/{role}", value, retain=True)
                    self.published[role] = value
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.tick_s)
