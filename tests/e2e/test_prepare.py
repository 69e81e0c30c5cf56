"""The stack's Home Assistant folder is generated afresh, so a second `make demo` starts like the first."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from stack.stack import Stack, StackConfig


def test_preparing_twice_in_the_same_folder_works(tmp_path: Path) -> None:
    tokens = []
    for _ in range(2):
        stack = Stack(StackConfig(work_dir=tmp_path, history_days=1))
        stack._prepare_home_assistant()
        tokens.append(stack.token)
        entries = json.loads((stack.config_dir / ".storage" / "core.config_entries").read_text())["data"]["entries"]
        assert [e["entry_id"] for e in entries if e["domain"] == "home_anomaly"] == [stack.entry_id]
        assert stack.store_path.is_file()
    assert tokens[0] != tokens[1] and all(tokens)


def _serve(reply: dict[str, str]) -> tuple[ThreadingHTTPServer, int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def test_a_port_another_program_holds_is_refused_before_home_assistant_starts(tmp_path: Path) -> None:
    server, port = _serve({})
    try:
        stack = Stack(StackConfig(work_dir=tmp_path, ha_port=port))
        with pytest.raises(RuntimeError, match=f"port {port} on 127.0.0.1 is already in use"):
            stack.start_home_assistant()
        assert stack.hass is None  # nothing was started
    finally:
        server.shutdown()


def test_a_home_assistant_of_another_folder_is_not_taken_for_ours(tmp_path: Path) -> None:
    server, port = _serve({"config_dir": "/somewhere/else"})
    try:
        stack = Stack(StackConfig(work_dir=tmp_path, ha_port=port))
        with pytest.raises(RuntimeError, match="a Home Assistant of another folder"):
            stack.check_it_is_ours(timeout=1.0)
    finally:
        server.shutdown()
