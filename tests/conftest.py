"""Make the engine importable by its canonical name in every test environment."""

from simulator.engine_access import ensure_engine_importable

ensure_engine_importable()

import os  # noqa: E402

from hypothesis import settings  # noqa: E402

# CI runs the property tests with a fixed seed sequence, so a run is reproducible; locally they
# explore new examples each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
