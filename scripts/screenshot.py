"""Take the README's screenshots of the real Home Assistant UI with headless Chromium.

Starts the end-to-end stack, lets the simulated fridge fail, and photographs what a household
sees: the zone's device page (``docs/screenshot.png``), the notification drawer with the fridge
alert (``docs/screenshot_notification.png``) and the first step of adding a zone
(``docs/screenshot_config_flow.png``). Needs Debian's chromium (``apt-get install chromium``).
Run: ``.venv/bin/python scripts/screenshot.py``.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator.engine_access import ensure_engine_importable

ensure_engine_importable()

from stack.client import connect, wait_until  # noqa: E402
from stack.processes import free_port  # noqa: E402
from stack.stack import Stack, StackConfig  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"


def click_text(text: str) -> str:
    """JavaScript that clicks the first leaf element reading ``text``, looking into shadow roots
    (the frontend's buttons and sidebar items live there): what a person's click would do."""
    return f"""(() => {{
        let found = null;
        const walk = (root) => {{
            for (const element of root.querySelectorAll("*")) {{
                if (element.shadowRoot) walk(element.shadowRoot);
                if (!found && element.children.length === 0 && element.textContent.trim() === {text!r}) found = element;
            }}
        }};
        walk(document);
        if (found) found.click();
        return found !== null;
    }})()"""


@dataclass
class Shot:
    path: str  # the page, on the stack's Home Assistant
    out: Path
    script: str | None = None  # run in the page after it rendered, before the capture


async def stage(stack: Stack) -> str:
    """Make something worth seeing (a dead fridge) and return the zone's device page path."""
    import aiomqtt

    async with connect(stack.base_url, stack.token) as client:

        async def zone_up() -> bool:
            state = await client.state("sensor.simulated_home_status")
            return state is not None

        await wait_until(zone_up, 60, "the zone")
        await asyncio.sleep(3)
        async with aiomqtt.Client("127.0.0.1", stack.mqtt_port, identifier="screenshot") as mqtt:
            await mqtt.publish(f"home_anomaly_sim/{stack.node_id}/fridge_power", "0.0", retain=True)
        await asyncio.sleep(2)
        await client.call("home_anomaly", "score_now", {})
        devices = await client.command({"type": "config/device_registry/list"})
        device = next(d for d in devices if ["home_anomaly", stack.entry_id] in d["identifiers"])
        return f"/config/devices/device/{device['id']}"


async def capture(chromium: str, base_url: str, shots: list[Shot], scratch: str) -> None:
    """Drive headless Chromium over the DevTools protocol: open each page, let it render, capture."""
    import base64
    import json

    import aiohttp

    port = free_port()
    browser = subprocess.Popen(
        [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={scratch}/chromium", "--window-size=1280,1000", "--hide-scrollbars",
            f"--remote-debugging-port={port}", "about:blank",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            targets: list[dict[str, str]] = []
            for _ in range(50):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/json") as reply:
                        targets = [t for t in await reply.json() if t.get("type") == "page"]
                    if targets:
                        break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
            async with session.ws_connect(targets[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                ids = iter(range(1, 1000))

                async def send(method: str, params: dict[str, object]) -> dict[str, object]:
                    message_id = next(ids)
                    await ws.send_json({"id": message_id, "method": method, "params": params})
                    async for message in ws:
                        data = json.loads(message.data)
                        if data.get("id") == message_id:
                            return dict(data.get("result", {}))
                    raise RuntimeError(f"Chromium closed the DevTools connection during {method}")

                for shot in shots:
                    await send("Page.navigate", {"url": f"{base_url}{shot.path}"})
                    await asyncio.sleep(15)  # the frontend logs in (trusted network) and renders
                    if shot.script:
                        await send("Runtime.evaluate", {"expression": shot.script})
                        await asyncio.sleep(3)
                    result = await send("Page.captureScreenshot", {"format": "png"})
                    shot.out.write_bytes(base64.b64decode(str(result["data"])))
                    print(f"wrote {shot.out}")
    finally:
        browser.terminate()
        browser.wait(timeout=20)


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("error: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        stack = Stack(StackConfig(work_dir=Path(scratch), trusted_login=True)).start()
        try:
            page = asyncio.run(stage(stack))
            shots = [
                Shot(page, DOCS / "screenshot.png"),
                Shot(page, DOCS / "screenshot_notification.png", click_text("Notifications")),
                Shot(
                    "/config/integrations/dashboard/add?domain=home_anomaly",
                    DOCS / "screenshot_config_flow.png",
                    click_text("OK"),
                ),  # fmt: skip
            ]
            asyncio.run(capture(chromium, stack.base_url, shots, scratch))
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
