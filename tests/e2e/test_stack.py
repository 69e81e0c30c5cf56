"""End to end, the way a user runs it: a real Mosquitto, a real Home Assistant, the live simulator.

The scenarios share one stack and run in order (fire → fridge → door → restart → broker outage →
blueprint), as a household's evening would.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiomqtt
import pytest

from stack.client import HomeAssistantClient, connect, wait_until
from stack.stack import Stack, night_time_zone

from .conftest import log_text

pytestmark = pytest.mark.e2e
STATUS = "sensor.simulated_home_status"


async def publish(stack: Stack, role: str, value: str) -> None:
    """Act as the device: publish one state on the simulator's topic."""
    async with aiomqtt.Client("127.0.0.1", stack.mqtt_port, identifier="e2e-test") as client:
        await client.publish(f"home_anomaly_sim/{stack.node_id}/{role}", value, retain=True)


async def status(client: HomeAssistantClient) -> str | None:
    state = await client.state(STATUS)
    return None if state is None else str(state["state"])


async def ready(stack: Stack) -> Any:
    async with connect(stack.base_url, stack.token) as client:

        async def sources_and_zone_up() -> bool:
            temperature = await client.state(stack.sources["temperature"])
            return (
                temperature is not None
                and temperature["state"] not in ("unknown", "unavailable")
                and (await status(client)) is not None
            )

        await wait_until(sources_and_zone_up, 60, "the simulated household's entities and the zone's status")


async def test_1_smoke_raises_fire_with_event_and_notification_within_two_seconds(stack: Stack) -> None:
    await ready(stack)
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
        state = await client.state(STATUS)
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
    await ready(stack)
    async with connect(stack.base_url, stack.token) as client:
        after = await client.state("sensor.simulated_home_buffered_hours")
        assert after is not None
        assert int(after["state"]) >= int(before["state"])
        await wait_until(lambda: _is(client, "fridge"), 10, "the fridge alert after the restart")


async def test_5_broker_outage_readings_resume(stack: Stack) -> None:
    stack.stop_broker()
    await asyncio.sleep(3)
    stack.start_broker()
    async with connect(stack.base_url, stack.token) as client:

        async def reading_arrives() -> bool:
            try:
                await publish(stack, "temperature", "31.25")
            except aiomqtt.MqttError:
                return False
            return await _state_is(client, stack.sources["temperature"], "31.25")

        await wait_until(reading_arrives, 60, "a temperature reading through the restarted broker", interval=1.0)
        assert await status(client) is not None
    assert stack.hass is not None
    assert stack.hass.running()
    assert our_tracebacks(log_text(stack.hass.log_path)) == []


async def test_6_blueprint_imports_and_validates(stack: Stack) -> None:
    async with connect(stack.base_url, stack.token) as client:
        blueprints = await client.command({"type": "blueprint/list", "domain": "automation"})
        ours = blueprints["home_anomaly/notify_on_anomaly.yaml"]
        assert "error" not in ours, ours
        assert ours["metadata"]["domain"] == "automation"
        automation = {
            "alias": "Push Home Anomaly alerts",
            "use_blueprint": {
                "path": "home_anomaly/notify_on_anomaly.yaml",
                "input": {"notify_service": "notify.mobile_app_test_phone", "min_priority": 4},
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
