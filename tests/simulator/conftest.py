"""Shared fixtures: small datasets built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import BuildConfig, build_dataset


@pytest.fixture(scope="session")
def v2_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three training and two validation households on the default V2 grid (180 days, hourly)."""
    out = tmp_path_factory.mktemp("v2") / "data"
    build_dataset(BuildConfig(out=out, train_users=3, val_users=2))
    return out
