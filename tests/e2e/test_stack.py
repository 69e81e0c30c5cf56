"""End to end, the way a user runs it: a real Mosquitto, a real Home Assistant, the live simulator.

The scenarios share one stack and run in order (fire → fridge → door → restart → SIGKILL → broker
down for a minute → blueprint), as a household's evening would.
"""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import aiomqtt
import pytest

from custom_components.home_anomaly.engine.readings import TEMPERATURE
from simulator.live import MAX_BACKOFF_S
from stack.client import HomeAssistantClient, connect, wait_until
from stack.stack import STATUS_ENTITY, Stack, night_time_zone

from .buffer import Reading, hour_problems, lost_readings, read_buffer
from .conftest import log_text, record

pytestmark = pytest.mark.e2e
BUFFERED_HOURS = "sensor.simulated_home_buffered_hours"
BROKER_OUTAGE_S = 60.0
STATUS_POLL_S = 10.0


async def publish(stack: Stack, role: str, value: str) -> None:
    """Act as the device: publish one state on the simulator's topic."""
    async with aiomqtt.Client("127.0.0.1", stack.mqtt_port, identifier="e2e-test") as client:
        await client.publish(f"home_anomaly_sim/{stack.node_id}/{role}", value, retain=True)


async def status(client: HomeAssistantClient) -> str | None:
    state = await client.state(STATUS_ENTITY)
    return None if state is None else str(state["state"])


async def test_1_smoke_raises_fire_with_event_and_notification_within_two_seconds(stack: Stack) -> None:
    await stack.wait_until_ready()
    async with connect(stack.base_url, stack.token, ("home_anomaly_detected",)) as client:
        started = asyncio.get_running_loop().time()
        await publish(stack, "smoke", "ON")
        await wait_until(lambda: _is(client, "fire"), 2.0, "status fire", interval=0.05)
        await wait_until(lambda: _events(client, "fire"), 2.0, "home_anomaly_detected for fire", interval=0.05)
        notifications = await client.command({"type": "persistent_notification/get"})
        assert asyncio.get_running_loop().time() - started <= 2.0
        assert any(n["notification_id"].endswith("_5") for n in notifications)
        event = next(e for e in client.events if e["data"]["anomaly"] == "fire")
        assert event["data"]["priority"] == 5
        assert event["data"]["source"] == "rule"
        await publish(stack, "smoke", "OFF")
        await wait_until(lambda: _is(client, "normal"), 5, "status back to normal")


async def test_2_dead_fridge_is_found_by_the_model(stack: Stack) -> None:
    async with connect(stack.base_url, stack.token) as client:
        buffered = await client.state("sensor.simulated_home_buffered_hours")
        assert buffered is not None
        assert int(buffered["state"]) >= 24 * 29  # the prefilled month of history
        await publish(stack, "fridge_power", "0.0")
        await wait_until(
            lambda: _state_is(client, stack.sources["fridge_power"], "0.0"), 10, "the fridge plug reading 0 W"
        )
        await client.call("home_anomaly", "score_now", {})
        await wait_until(lambda: _is(client, "fridge"), 10, "status fridge")
        state = await client.state(STATUS_ENTITY)
        assert state is not None
        assert state["attributes"]["source"] == "model"
        assert "fridge power 0.0" in state["attributes"]["explanation"]


async def test_3_door_at_night_but_not_at_six_in_the_evening(stack: Stack) -> None:
    async with connect(stack.base_url, stack.token) as client:
        await client.command({"type": "config/core/update", "time_zone": night_time_zone(2)})
        await publish(stack, "front_door", "ON")
        await wait_until(lambda: _is(client, "door"), 5, "status door at 02:00")
        await publish(stack, "front_door", "OFF")
        entries = await client.rest("GET", "/api/config/config_entries/entry?domain=home_anomaly")
        await client.call("home_anomaly", "acknowledge", {"config_entry_id": entries[0]["entry_id"], "anomaly": "door"})
        await wait_until(lambda: _is(client, "fridge"), 5, "the door acknowledged")

        await client.command({"type": "config/core/update", "time_zone": night_time_zone(18)})
        await publish(stack, "front_door", "ON")
        await wait_until(lambda: _state_is(client, stack.sources["front_door"], "on"), 5, "the door open at 18:00")
        await asyncio.sleep(1.0)
        door = await client.state("binary_sensor.simulated_home_door_opened_at_night")
        assert door is not None
        assert door["state"] == "off"
        assert await status(client) == "fridge"
        await publish(stack, "front_door", "OFF")


async def test_4_restart_keeps_buffered_hours_and_active_anomalies(stack: Stack) -> None:
    async with connect(stack.base_url, stack.token) as client:
        before = await client.state("sensor.simulated_home_buffered_hours")
        assert before is not None
    stack.stop_home_assistant()
    stack.start_home_assistant()
    await stack.wait_until_ready()
    async with connect(stack.base_url, stack.token) as client:
        after = await client.state("sensor.simulated_home_buffered_hours")
        assert after is not None
        assert int(after["state"]) >= int(before["state"])
        await wait_until(lambda: _is(client, "fridge"), 10, "the fridge alert after the restart")


async def test_5_sigkill_mid_hour_loses_no_hour_and_no_reading(stack: Stack) -> None:
    # Three decimals: the simulator publishes two, so a row with one of these values is ours. Each
    # is exact in binary, so the REAL column gives it back unchanged.
    marks = ("23.625", "24.375", "25.125")
    async with connect(stack.base_url, stack.token, ("state_changed",)) as client:
        for value in marks:
            await publish(stack, "temperature", value)
            # The event, not the state: the simulator may overwrite the value before a poll sees it.
            await wait_until(
                partial(_changed_to, client, stack.sources["temperature"], value), 10, f"Home Assistant at {value} °C"
            )
        wanted = {float(value) for value in marks}

        async def marks_persisted() -> dict[int, Reading]:
            rows = {i: r for i, r in read_buffer(stack.store_path).readings.items() if r[0] == TEMPERATURE}
            ours = {i: r for i, r in rows.items() if r[2] in wanted}
            return ours if {r[2] for r in ours.values()} == wanted else {}

        persisted = await wait_until(marks_persisted, 10, "the readings in the buffer file", interval=0.1)
        before = read_buffer(stack.store_path)
        buffered_before = await client.state(BUFFERED_HOURS)
        assert buffered_before is not None
        assert hour_problems(before) == []

    killed = time.monotonic()
    stack.kill_home_assistant()
    assert stack.hass is not None and stack.hass.exit_code == -signal.SIGKILL
    # As the crash left it, before a restarted Home Assistant could repair anything.
    crashed = read_buffer(stack.store_path)
    assert hour_problems(crashed) == []
    assert before.hour_starts <= crashed.hour_starts
    assert persisted.items() <= before.readings.items()
    assert lost_readings(before.readings, crashed) == {}  # ours and every other reading of the open hour

    stack.start_home_assistant()
    await stack.wait_until_ready()
    record("Home Assistant ready again after SIGKILL", time.monotonic() - killed)
    async with connect(stack.base_url, stack.token) as client:
        buffered_after = await client.state(BUFFERED_HOURS)
        assert buffered_after is not None
        assert int(buffered_after["state"]) >= max(int(buffered_before["state"]), len(before.hours))
        restarted = read_buffer(stack.store_path)
        assert hour_problems(restarted) == []
        assert before.hour_starts <= restarted.hour_starts
        assert lost_readings(before.readings, restarted) == {}
        await wait_until(lambda: _is(client, "fridge"), 10, "the fridge alert after SIGKILL")
    assert our_tracebacks(log_text(stack.hass.log_path)) == []


async def test_6_broker_down_for_a_minute(stack: Stack) -> None:
    loop = asyncio.get_running_loop()
    async with connect(stack.base_url, stack.token) as client:
        previous = await status(client)
        assert previous is not None
        stack.stop_broker()
        down = loop.time()
        while (left := BROKER_OUTAGE_S - (loop.time() - down)) > 0:
            assert stack.hass is not None and stack.hass.running()
            during = await status(client)  # over REST: Home Assistant and the zone keep answering
            assert during not in (None, "unknown", "unavailable"), during
            await asyncio.sleep(min(STATUS_POLL_S, left))
        stack.start_broker()
        up = loop.time()

        async def reading_arrives() -> bool:
            try:
                await publish(stack, "temperature", "31.25")
            except aiomqtt.MqttError:
                return False
            return await _state_is(client, stack.sources["temperature"], "31.25")

        # Home Assistant retries its broker every 10 s.
        await wait_until(reading_arrives, 60, "a temperature reading through the restarted broker", interval=1.0)
        record("Home Assistant's readings back after the broker restart", loop.time() - up)
        # The broker keeps nothing across a restart, so a retained "online" is the simulator's own,
        # published once it is back; its back-off is what may hold it up.
        await wait_until(
            partial(_simulator_online, stack), MAX_BACKOFF_S + 15, "the simulator reconnected", interval=0.5
        )
        record("the simulator publishing again after the broker restart", loop.time() - up)

    async with connect(stack.base_url, stack.token, ("state_changed", "home_anomaly_detected")) as client:
        await publish(stack, "smoke", "ON")
        smoke_on = await wait_until(
            partial(_changed_to, client, stack.sources["smoke"], "on"), 10, "the smoke alarm on after the outage"
        )
        seen = loop.time()
        fire = await wait_until(partial(_changed_to, client, STATUS_ENTITY, "fire"), 2.0, "status fire", interval=0.05)
        await wait_until(lambda: _events(client, "fire"), 2.0, "home_anomaly_detected for fire", interval=0.05)
        assert loop.time() - seen <= 2.0
        assert _fired_at(fire) - _fired_at(smoke_on) <= timedelta(seconds=2)
        await publish(stack, "smoke", "OFF")
        await wait_until(lambda: _is(client, previous), 5, f"status back to {previous}")
    assert stack.hass is not None
    assert stack.hass.running()
    assert our_tracebacks(log_text(stack.hass.log_path)) == []


async def test_7_blueprint_imports_and_validates(stack: Stack) -> None:
    async with connect(stack.base_url, stack.token) as client:
        blueprints = await client.command({"type": "blueprint/list", "domain": "automation"})
        ours = blueprints["home_anomaly/notify_on_anomaly.yaml"]
        assert "error" not in ours, ours
        assert ours["metadata"]["domain"] == "automation"
        automation = {
            "alias": "Push Home Anomaly alerts",
            "use_blueprint": {
                "path": "home_anomaly/notify_on_anomaly.yaml",
                "input": {"notify_devices": [], "min_priority": 4},  # the stack has no Companion app
            },
        }
        await client.rest("POST", "/api/config/automation/config/home_anomaly_push", automation)
        await wait_until(lambda: _state_is(client, "automation.push_home_anomaly_alerts", "on"), 10, "the automation")


def our_tracebacks(log: str) -> list[str]:
    """Tracebacks that pass through this integration (Home Assistant's MQTT client logs its own)."""
    chunks = log.split("Traceback (most recent call last)")[1:]
    return [chunk[:2000] for chunk in (c.split("\n20", 1)[0] for c in chunks) if "home_anomaly" in chunk]


async def _is(client: HomeAssistantClient, expected: str) -> bool:
    return await status(client) == expected


async def _state_is(client: HomeAssistantClient, entity_id: str, expected: str) -> bool:
    state = await client.state(entity_id)
    return state is not None and state["state"] == expected


async def _events(client: HomeAssistantClient, anomaly: str) -> bool:
    return any(e["data"].get("anomaly") == anomaly for e in client.events)


async def _changed_to(client: HomeAssistantClient, entity_id: str, expected: str) -> dict[str, Any] | None:
    """The first state_changed event that set ``entity_id`` to ``expected`` (needs a subscription)."""
    for event in client.events:
        if event["event_type"] == "state_changed" and event["data"]["entity_id"] == entity_id:
            new_state = event["data"]["new_state"]
            if new_state is not None and new_state["state"] == expected:
                return event
    return None


def _fired_at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["time_fired"])


async def _simulator_online(stack: Stack) -> bool:
    topic = f"home_anomaly_sim/{stack.node_id}/availability"
    try:
        async with aiomqtt.Client("127.0.0.1", stack.mqtt_port, identifier="e2e-availability") as client:
            await client.subscribe(topic)
            async with asyncio.timeout(0.5):  # a retained message comes at once or not at all
                async for message in client.messages:
                    return message.payload == b"online"
    except (aiomqtt.MqttError, TimeoutError):
        return False
    return False
