"""What the household sees: rules at once, model classes after scoring, events, notifications."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events, async_mock_service

from custom_components.home_anomaly.const import (
    CONF_COOLDOWN_MINUTES,
    CONF_DOOR_CONDITION_ENTITY,
    CONF_MIN_PRIORITY,
    CONF_NOTIFY_TARGETS,
    CONF_QUIET_END,
    CONF_QUIET_START,
    DOMAIN,
    EVENT_CLEARED,
    EVENT_DETECTED,
)

from .conftest import clock_to, make_entry, prefill_history, set_normal_states, setup_entry, utc


async def test_smoke_raises_fire_in_the_same_event_loop_turn(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await setup_entry(hass, entry)
    detected = async_capture_events(hass, EVENT_DETECTED)
    hass.states.async_set("binary_sensor.smoke_alarm", "on")
    assert entry.runtime_data.coordinator.data.status == "fire"  # before any await
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_status").state == "fire"
    assert hass.states.get("binary_sensor.home_fire").state == "on"
    assert hass.states.get("sensor.home_status").attributes["source"] == "rule"
    assert [e.data["anomaly"] for e in detected] == ["fire"]
    assert detected[0].data["priority"] == 5
    assert detected[0].data["entry_id"] == entry.entry_id
    notifications = hass.states.async_all("persistent_notification")
    assert notifications or hass.data.get("persistent_notification") is not None

    cleared = async_capture_events(hass, EVENT_CLEARED)
    hass.states.async_set("binary_sensor.smoke_alarm", "off")
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_status").state == "learning"  # back to what it was: no history yet
    assert [e.data["anomaly"] for e in cleared] == ["fire"]


async def test_door_at_night_but_not_in_the_evening(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(
        dt_util.as_utc(dt_util.parse_datetime("2025-03-10 18:00:00").replace(tzinfo=dt_util.get_default_time_zone()))
    )
    await setup_entry(hass, entry)
    hass.states.async_set("binary_sensor.front_door", "on")
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_status").state == "learning"  # no door alert (and no history yet)
    hass.states.async_set("binary_sensor.front_door", "off")
    freezer.move_to(
        dt_util.as_utc(dt_util.parse_datetime("2025-03-11 03:10:00").replace(tzinfo=dt_util.get_default_time_zone()))
    )
    hass.states.async_set("binary_sensor.front_door", "on")
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_status").state == "door"
    assert hass.states.get("binary_sensor.home_door_opened_at_night").state == "on"


async def test_door_rule_respects_its_condition_entity(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    set_normal_states(hass)
    hass.states.async_set("alarm_control_panel.house", "disarmed")
    freezer.move_to(
        dt_util.as_utc(dt_util.parse_datetime("2025-03-11 02:00:00").replace(tzinfo=dt_util.get_default_time_zone()))
    )
    await setup_entry(hass, make_entry({CONF_DOOR_CONDITION_ENTITY: "alarm_control_panel.house"}))
    hass.states.async_set("binary_sensor.front_door", "on")
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_status").state == "learning"  # no door alert: nobody armed the panel
    hass.states.async_set("binary_sensor.front_door", "off")
    hass.states.async_set("alarm_control_panel.house", "armed_night")
    hass.states.async_set("binary_sensor.front_door", "on")
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_status").state == "door"


async def test_dead_fridge_is_found_by_the_model_on_score_now(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    prefill_history(hass, entry, days=30)
    await setup_entry(hass, entry)
    detected = async_capture_events(hass, EVENT_DETECTED)
    hass.states.async_set("sensor.fridge_power", "0.0")
    await hass.services.async_call(DOMAIN, "score_now", {"config_entry_id": entry.entry_id}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_status").state == "fridge"
    assert hass.states.get("binary_sensor.home_fridge_anomaly").state == "on"
    assert detected[-1].data["source"] == "model"
    assert detected[-1].data["probability"] >= 0.5
    assert "fridge power 0.0" in hass.states.get("sensor.home_status").attributes["explanation"]


async def test_a_fridge_at_0_w_for_the_hour_is_raised_by_rule_when_the_hour_closes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-03-10 14:00:30+00:00")
    set_normal_states(hass)
    entry = make_entry()
    prefill_history(hass, entry, days=30)
    await setup_entry(hass, entry)
    detected = async_capture_events(hass, EVENT_DETECTED)
    hass.states.async_set("sensor.fridge_power", "0.0")  # dead from 30 s into the hour
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.home_fridge_anomaly").state == "off"  # a resting compressor reads 0 W too
    await clock_to(hass, freezer, utc("2025-03-10 15:00:00+00:00"))
    assert hass.states.get("binary_sensor.home_fridge_anomaly").state == "on"
    assert [(e.data["anomaly"], e.data["source"]) for e in detected] == [("fridge", "rule")]
    assert "almost no power" in hass.states.get("sensor.home_status").attributes["explanation"]


async def test_push_is_critical_for_fire_tagged_and_never_cooled_down(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    set_normal_states(hass)
    calls = async_mock_service(hass, "notify", "mobile_app_phone")
    entry = await setup_entry(
        hass, make_entry({CONF_NOTIFY_TARGETS: ["notify.mobile_app_phone"], CONF_COOLDOWN_MINUTES: 30})
    )
    hass.states.async_set("binary_sensor.smoke_alarm", "on")
    await hass.async_block_till_done()
    assert len(calls) == 1
    data: dict[str, Any] = calls[0].data["data"]
    assert data["push"] == {"interruption-level": "critical"}
    assert (data["priority"], data["ttl"]) == ("high", 0)
    assert data["tag"] == f"home_anomaly_{entry.entry_id}_5"
    assert data["actions"][0]["title"] == "Acknowledge"

    hass.states.async_set("binary_sensor.smoke_alarm", "off")
    freezer.tick(timedelta(minutes=5))
    hass.states.async_set("binary_sensor.smoke_alarm", "on")
    await hass.async_block_till_done()
    assert len(calls) == 2  # a second fire is a new fire: the cooldown damps priorities below 4 only


async def test_quiet_hours_hold_back_low_priorities_only(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    set_normal_states(hass)
    freezer.move_to(
        dt_util.as_utc(dt_util.parse_datetime("2025-03-11 23:30:00").replace(tzinfo=dt_util.get_default_time_zone()))
    )
    calls = async_mock_service(hass, "notify", "mobile_app_phone")
    entry = make_entry(
        {CONF_NOTIFY_TARGETS: ["notify.mobile_app_phone"], CONF_QUIET_START: "22:00:00", CONF_QUIET_END: "07:00:00"}
    )
    prefill_history(hass, entry, days=30)
    await setup_entry(hass, entry)
    hass.states.async_set("sensor.fridge_power", "0.0")
    await hass.services.async_call(DOMAIN, "score_now", {}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_status").state == "fridge"
    assert calls == []  # priority 3 waits for the morning
    hass.states.async_set("binary_sensor.smoke_alarm", "on")
    await hass.async_block_till_done()
    assert len(calls) == 1  # fire is never silenced


async def test_minimum_priority_filters_notifications(hass: HomeAssistant) -> None:
    set_normal_states(hass)
    calls = async_mock_service(hass, "notify", "mobile_app_phone")
    entry = make_entry({CONF_NOTIFY_TARGETS: ["notify.mobile_app_phone"], CONF_MIN_PRIORITY: 5})
    prefill_history(hass, entry, days=30)
    await setup_entry(hass, entry)
    hass.states.async_set("sensor.fridge_power", "0.0")
    await hass.services.async_call(DOMAIN, "score_now", {}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_status").state == "fridge"
    assert calls == []


async def test_acknowledge_from_the_phone_and_the_service(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await setup_entry(hass, entry)
    hass.states.async_set("binary_sensor.smoke_alarm", "on")
    await hass.async_block_till_done()
    hass.bus.async_fire("mobile_app_notification_action", {"action": f"HOME_ANOMALY_ACK|{entry.entry_id}|5"})
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.home_fire").state == "off"
    assert hass.states.get("binary_sensor.home_fire").attributes["acknowledged"] is True
    hass.bus.async_fire("mobile_app_notification_action", {"action": "SOMETHING_ELSE"})

    hass.states.async_set("binary_sensor.smoke_alarm", "off")
    hass.states.async_set("binary_sensor.smoke_alarm", "on")
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_status").state == "fire"
    events: list[Event] = async_capture_events(hass, EVENT_CLEARED)
    await hass.services.async_call(
        DOMAIN, "acknowledge", {"config_entry_id": entry.entry_id, "anomaly": "fire"}, blocking=True
    )
    assert hass.states.get("sensor.home_status").state == "learning"
    assert events[0].data["anomaly"] == "fire"
