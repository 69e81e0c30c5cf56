"""``home_anomaly.backtest``: what a zone would have raised over its buffered history, before its
first night — the same alerts the live zone raises, and nothing raised, notified or changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components import home_anomaly as integration
from custom_components.home_anomaly.const import (
    CONF_DOOR_CONDITION_ENTITY,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    CONF_SMOKE_ENTITY,
    DOMAIN,
    EVENT_CLEARED,
    EVENT_DETECTED,
)
from custom_components.home_anomaly.engine.features import HourlySample
from custom_components.home_anomaly.engine.store import HourlyStore
from simulator.history import simulated_hours

from .conftest import SOURCES, make_entry, prefill_history, set_normal_states, setup_entry, utc

NOW = "2025-02-20 14:05:00+00:00"  # 06:05 in the tests' US/Pacific; no daylight-saving change nearby
# Local (UTC-8) times of the hours put into the simulated normal month.
NIGHT_DOOR = "2025-02-15 10:00:00+00:00"  # the door opened in the hour from 02:00
LATE_DOOR = "2025-02-14 07:00:00+00:00"  # … in the hour from 23:00 (outside the default 00–05 window)
SMOKE = "2025-02-17 02:00:00+00:00"  # the smoke alarm on in the hour from 18:00


def local_iso(text: str) -> str:
    return (utc(text) - timedelta(hours=8)).replace(tzinfo=None).isoformat() + "-08:00"


def buffer_history(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    days: int = 30,
    end: str = NOW,
    doors: tuple[str, ...] = (),
    smoke: str = "",
) -> None:
    """A simulated normal month in the zone's buffer (before setup), with door openings and a smoke
    alarm hour where asked (each alone: the door and the detector stay shut and off for two hours
    around it, so it begins an alert of its own)."""
    on = {utc(moment): 3 for moment in doors} | ({utc(smoke): 4} if smoke else {})
    off = {moment + timedelta(hours=step): sensor for moment, sensor in on.items() for step in (-2, -1, 1, 2)}
    samples = []
    # The household's routine in local time, as a recorder import has it.
    for sample in simulated_hours(seed=123, user_number=7, days=days, end=dt_util.as_local(utc(end))):
        values = list(sample.values)
        if sample.hour_start in off:
            values[off[sample.hour_start]] = 0.0
        if sample.hour_start in on:
            values[on[sample.hour_start]] = 1.0
        samples.append(HourlySample(sample.hour_start, (values[0], values[1], values[2], values[3], values[4])))
    store = HourlyStore(integration.store_path(hass, entry.entry_id))
    try:
        store.add_hours(samples)
    finally:
        store.close()


async def backtest(hass: HomeAssistant, **fields: Any) -> dict[str, Any]:
    response = await hass.services.async_call(DOMAIN, "backtest", fields, blocking=True, return_response=True)
    assert response is not None
    return dict(response)


def alert_at(response: dict[str, Any], anomaly: str, raised: str) -> dict[str, Any] | None:
    return next((a for a in response["alerts"] if a["anomaly"] == anomaly and a["raised"] == raised), None)


async def test_backtest_returns_the_night_door_and_the_smoke_alarm_it_would_have_raised(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    set_normal_states(hass)
    entry = make_entry()
    buffer_history(hass, entry, doors=(NIGHT_DOOR,), smoke=SMOKE)
    await setup_entry(hass, entry)

    response = await backtest(hass, config_entry_id=entry.entry_id)

    assert response["zone"] == "Home"
    assert response["reason"] is None
    assert response["from"] == local_iso("2025-01-23 14:00:00+00:00")  # 28 days before the open hour
    assert response["to"] == local_iso("2025-02-20 14:00:00+00:00")  # the last closed hour's end
    assert (response["hours"], response["days"]) == (28 * 24, 28.0)
    assert alert_at(response, "door", local_iso(NIGHT_DOOR)) == {
        "anomaly": "door",
        "priority": 4,
        "source": "rule",
        "raised": local_iso(NIGHT_DOOR),
        "cleared": local_iso("2025-02-15 11:00:00+00:00"),  # the door hold (1 h) after the opening
        "probability": 1.0,
    }
    assert alert_at(response, "fire", local_iso(SMOKE)) == {
        "anomaly": "fire",
        "priority": 5,
        "source": "rule",
        "raised": local_iso(SMOKE),
        "cleared": local_iso("2025-02-17 03:00:00+00:00"),  # the detector clear the next hour
        "probability": 1.0,
    }
    assert response["by_anomaly"]["fire"] == 1
    assert set(response["by_anomaly"]) == {"temperature", "humidity", "fridge", "door", "fire"}
    assert sum(response["by_anomaly"].values()) == len(response["alerts"])
    assert response["per_week"] == round(len(response["alerts"]) / 4, 2)
    assert [a["raised"] for a in response["alerts"]] == sorted(a["raised"] for a in response["alerts"])


async def test_backtest_raises_changes_and_notifies_nothing(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    set_normal_states(hass)
    entry = make_entry()
    buffer_history(hass, entry, doors=(NIGHT_DOOR,), smoke=SMOKE)
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data.coordinator
    tracker_before = coordinator.tracker.to_json()
    states_before = {state.entity_id: state.state for state in hass.states.async_all()}
    detected = async_capture_events(hass, EVENT_DETECTED)
    cleared = async_capture_events(hass, EVENT_CLEARED)

    response = await backtest(hass, config_entry_id=entry.entry_id)
    await hass.async_block_till_done()

    assert response["by_anomaly"]["fire"] == 1  # the replay did raise a fire…
    assert hass.states.get("binary_sensor.home_fire").state == "off"  # … the zone did not
    assert {state.entity_id: state.state for state in hass.states.async_all()} == states_before
    assert not detected and not cleared  # no event for a blueprint, no push
    assert coordinator.tracker.to_json() == tracker_before  # the live policy learnt nothing from it


async def test_backtest_uses_the_zones_night_window(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(NOW)
    set_normal_states(hass)
    default, evenings = make_entry(title="Home"), make_entry({CONF_NIGHT_START: 22, CONF_NIGHT_END: 6}, title="Flat")
    for entry in (default, evenings):
        buffer_history(hass, entry, doors=(LATE_DOOR,))
        await setup_entry(hass, entry)

    by_default = await backtest(hass, config_entry_id=default.entry_id)
    from_22 = await backtest(hass, config_entry_id=evenings.entry_id)

    late = local_iso(LATE_DOOR)
    assert (alert_at(by_default, "door", late) or {}).get("source") != "rule"  # 23:00 is not night from 00 to 05
    assert alert_at(from_22, "door", late) == {
        "anomaly": "door",
        "priority": 4,
        "source": "rule",
        "raised": late,
        "cleared": local_iso("2025-02-14 08:00:00+00:00"),
        "probability": 1.0,
    }


async def test_backtest_reports_no_class_the_zone_has_no_sensor_for(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    set_normal_states(hass)
    data = {key: entity for key, entity in SOURCES.items() if key != CONF_SMOKE_ENTITY}
    entry = MockConfigEntry(domain=DOMAIN, title="Home", data=data, options={}, version=1)
    buffer_history(hass, entry, smoke=SMOKE)  # an alarm recorded before the detector was removed
    await setup_entry(hass, entry)

    response = await backtest(hass, config_entry_id=entry.entry_id)

    assert response["hours"] == 28 * 24
    assert "fire" not in response["by_anomaly"]
    assert all(alert["anomaly"] != "fire" for alert in response["alerts"])


async def test_backtest_of_fewer_days_reports_only_those_days(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    set_normal_states(hass)
    entry = make_entry()
    buffer_history(hass, entry, doors=(NIGHT_DOOR,), smoke=SMOKE)
    await setup_entry(hass, entry)

    response = await backtest(hass, config_entry_id=entry.entry_id, days=4)

    assert (response["hours"], response["days"]) == (96, 4.0)
    assert response["from"] == local_iso("2025-02-16 14:00:00+00:00")
    assert alert_at(response, "fire", local_iso(SMOKE)) is not None  # 17 February: in the last 4 days
    assert alert_at(response, "door", local_iso(NIGHT_DOOR)) is None  # 15 February: before them
    assert all(a["raised"] >= response["from"] for a in response["alerts"])


async def test_backtest_with_less_than_a_window_of_history_says_it_is_learning(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    set_normal_states(hass)
    entry = make_entry()
    buffer_history(hass, entry, days=1)  # a day of recorder history is less than the model's window
    await setup_entry(hass, entry)
    window = entry.runtime_data.coordinator.loaded.model.window_size

    response = await backtest(hass, config_entry_id=entry.entry_id)

    assert response == {
        "zone": "Home",
        "from": None,
        "to": None,
        "hours": 0,
        "days": 0.0,
        "alerts": [],
        "per_week": None,
        "by_anomaly": {"temperature": 0, "humidity": 0, "fridge": 0, "door": 0, "fire": 0},
        "reason": f"learning: 24 of {window} hours buffered; the backtest needs one model window",
        "notes": [],
    }


async def test_backtest_of_a_zone_without_recent_hours_says_so(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    set_normal_states(hass)
    entry = make_entry()
    buffer_history(hass, entry, end="2025-02-10 14:00:00+00:00")  # switched off for ten days since
    await setup_entry(hass, entry)

    response = await backtest(hass, config_entry_id=entry.entry_id, days=3)

    assert (response["hours"], response["alerts"]) == (0, [])
    assert response["reason"] == "no buffered hours in the last 3 days"


async def test_backtest_says_the_door_condition_is_not_replayed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    set_normal_states(hass)
    hass.states.async_set("input_boolean.away", "off")
    entry = make_entry({CONF_DOOR_CONDITION_ENTITY: "input_boolean.away"})
    buffer_history(hass, entry, doors=(NIGHT_DOOR,))
    await setup_entry(hass, entry)

    response = await backtest(hass, config_entry_id=entry.entry_id)

    assert alert_at(response, "door", local_iso(NIGHT_DOOR)) is not None  # an upper bound…
    assert response["notes"] == [  # … and the response says so
        "The door condition's past states are not in the buffer: every night-time door opening is counted."
    ]


async def test_backtest_while_the_buffer_cannot_be_read_says_so(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await setup_entry(hass, entry)
    with patch.object(entry.runtime_data.coordinator.buffer, "async_use", AsyncMock(return_value=None)):
        response = await backtest(hass, config_entry_id=entry.entry_id)
    assert (response["hours"], response["alerts"]) == (0, [])
    assert response["reason"] == "the buffer cannot be read now"


@pytest.mark.parametrize(
    ("fields", "key", "named"),
    [
        ({"config_entry_id": "nope"}, "unknown_entry", ("nope",)),
        ({}, "invalid_service_data", ("config_entry_id",)),
        ({"config_entry_id": "ENTRY", "days": 0}, "invalid_service_data", ("days", "0")),
        ({"config_entry_id": "ENTRY", "days": "lots"}, "invalid_service_data", ("days", "lots")),
        ({"config_entry_id": "ENTRY", "days": 400}, "invalid_service_data", ("days", "400")),
        ({"config_entry_id": "ENTRY", "hours": 3}, "invalid_service_data", ("hours",)),
    ],
)
async def test_bad_backtest_calls_are_translated_validation_errors_naming_the_value(
    hass: HomeAssistant, entry: MockConfigEntry, fields: dict[str, Any], key: str, named: tuple[str, ...]
) -> None:
    await setup_entry(hass, entry)
    fields = {name: entry.entry_id if value == "ENTRY" else value for name, value in fields.items()}
    with pytest.raises(ServiceValidationError) as raised:
        await backtest(hass, **fields)
    assert raised.value.translation_key == key
    assert all(word in str(raised.value.translation_placeholders) for word in named)


async def test_backtest_over_the_rest_api(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> None:
    set_normal_states(hass)
    entry = make_entry()
    prefill_history(hass, entry, days=30)
    await setup_entry(hass, entry)
    assert await async_setup_component(hass, "api", {})
    client = await hass_client()

    answer = await client.post(
        f"/api/services/{DOMAIN}/backtest?return_response", json={"config_entry_id": entry.entry_id, "days": 7}
    )
    assert answer.status == 200, await answer.text()
    response = (await answer.json())["service_response"]
    assert (response["zone"], response["hours"], response["days"]) == ("Home", 7 * 24, 7.0)

    refused = await client.post(
        f"/api/services/{DOMAIN}/backtest?return_response", json={"config_entry_id": entry.entry_id, "days": -1}
    )
    assert refused.status == 400  # bad data, never a 500 with a traceback
    assert "Traceback" not in await refused.text()


async def test_backtest_must_be_asked_for_its_response(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await setup_entry(hass, entry)
    with pytest.raises(ServiceValidationError):  # an automation step without response_variable
        await hass.services.async_call(DOMAIN, "backtest", {"config_entry_id": entry.entry_id}, blocking=True)


async def test_diagnostics_show_the_backtest_of_the_buffered_history(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    # On the real clock: the diagnostics download's access token is issued by it.
    set_normal_states(hass)
    entry = make_entry()
    prefill_history(hass, entry, days=30)
    await setup_entry(hass, entry)
    response = await backtest(hass, config_entry_id=entry.entry_id)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics["backtest"] == {
        "hours": 28 * 24,
        "alerts": len(response["alerts"]),
        "per_week": response["per_week"],
        "by_anomaly": response["by_anomaly"],
        "reason": None,
    }


async def test_diagnostics_still_download_when_the_backtest_fails(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    await setup_entry(hass, entry)
    with patch(
        "custom_components.home_anomaly.diagnostics.async_backtest", AsyncMock(side_effect=RuntimeError("boom"))
    ):
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["backtest"] == {"error": "RuntimeError: boom"}
    assert diagnostics["runtime"] in ("onnxruntime", "numpy")
