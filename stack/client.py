"""A small client of Home Assistant's REST and websocket APIs (what the tests and the demo read)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp


class HomeAssistantError(RuntimeError):
    pass


@dataclass
class HomeAssistantClient:
    base_url: str
    token: str = field(repr=False)  # a long-lived access token: never in a repr or a failing assertion
    session: aiohttp.ClientSession
    websocket: aiohttp.ClientWebSocketResponse | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    _reader: asyncio.Task[None] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def rest(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        async with self.session.request(method, f"{self.base_url}{path}", json=payload, headers=self.headers) as reply:
            if reply.status >= 400:
                raise HomeAssistantError(f"{method} {path}: HTTP {reply.status} {await reply.text()}")
            return await reply.json() if reply.content_type == "application/json" else await reply.text()

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = await self.rest("GET", f"/api/states/{entity_id}")
        except HomeAssistantError as err:
            if "HTTP 404" in str(err):
                return None
            raise
        return result

    async def call(self, domain: str, service: str, data: dict[str, Any] | None = None) -> Any:
        return await self.rest("POST", f"/api/services/{domain}/{service}", data or {})

    # --- websocket ---------------------------------------------------------------------------

    async def connect_websocket(self, event_types: tuple[str, ...] = ()) -> None:
        self.websocket = await self.session.ws_connect(f"{self.base_url}/api/websocket")
        await self.websocket.receive_json()  # auth_required
        await self.websocket.send_json({"type": "auth", "access_token": self.token})
        reply = await self.websocket.receive_json()
        if reply.get("type") != "auth_ok":
            raise HomeAssistantError(f"websocket authentication failed: {reply}")
        self._reader = asyncio.create_task(self._read())
        for event_type in event_types:
            await self.command({"type": "subscribe_events", "event_type": event_type})

    async def _read(self) -> None:
        assert self.websocket is not None
        async for message in self.websocket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = message.json()
            if data.get("type") == "event":
                self.events.append(data["event"])
            elif data.get("type") == "result" and data.get("id") in self._pending:
                self._pending.pop(data["id"]).set_result(data)

    async def command(self, payload: dict[str, Any]) -> Any:
        assert self.websocket is not None, "connect_websocket() first"
        message_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self.websocket.send_json({**payload, "id": message_id})
        reply = await asyncio.wait_for(future, timeout=30)
        if not reply.get("success"):
            raise HomeAssistantError(f"{payload['type']}: {reply.get('error')}")
        return reply.get("result")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.websocket is not None:
            await self.websocket.close()


@asynccontextmanager
async def connect(base_url: str, token: str, event_types: tuple[str, ...] = ()) -> AsyncIterator[HomeAssistantClient]:
    async with aiohttp.ClientSession() as session:
        client = HomeAssistantClient(base_url, token, session)
        await client.connect_websocket(event_types)
        try:
            yield client
        finally:
            await client.close()


async def wait_until(check: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll an async ``check`` until it returns something truthy; its value is returned."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(interval)
