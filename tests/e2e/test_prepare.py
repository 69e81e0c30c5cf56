"""The stack's Home Assistant folder is generated afresh, so a second `make demo` starts like the first."""

from __future__ import annotations

import json
from pathlib import Path

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
