"""The suite's own gates: what pyproject.toml makes fail on every Python and pytest of the matrix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from custom_components.home_anomaly.engine.store import HourlyStore, StoreError

ROOT = Path(__file__).resolve().parents[2]

LEAKY_TEST = """
import gc
import sqlite3


def test_leaves_a_connection_open(tmp_path):
    connection = sqlite3.connect(tmp_path / "left-open.sqlite")
    connection.execute("SELECT 1")
    del connection
    gc.collect()
"""


@pytest.mark.skipif(
    sys.version_info < (3, 13), reason="Python < 3.13 does not warn about an unclosed SQLite connection"
)
def test_an_unclosed_sqlite_connection_fails_the_suite(tmp_path: Path) -> None:
    (tmp_path / "test_leak.py").write_text(LEAKY_TEST)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:homeassistant",
         "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), str(tmp_path / "test_leak.py")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert "unclosed database" in run.stdout


def test_a_store_used_as_a_context_manager_is_closed(tmp_path: Path) -> None:
    with HourlyStore(tmp_path / "zone.sqlite") as store:
        store.put_state("k", 1)
    with pytest.raises(StoreError, match="closed database"):
        store.get_state("k")
