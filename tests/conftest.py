"""Make the engine importable by its canonical name in every test environment."""

from simulator.engine_access import ensure_engine_importable

ensure_engine_importable()
