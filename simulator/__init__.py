"""Household simulator: realistic multi-household sensor data with labelled anomalies.

Library use::

    from simulator import BuildConfig, build_dataset, simulate_household, TimeGrid
"""

from .engine_access import ensure_engine_importable

# The modules below import the engine by its canonical name; make that work without Home
# Assistant before they load.
ensure_engine_importable()

from .dataset import BuildConfig, BuildResult, SimulatorError, build_dataset  # noqa: E402
from .household import HouseholdSeries, simulate_household  # noqa: E402
from .params import HouseholdParams, draw_household  # noqa: E402
from .timegrid import TimeGrid  # noqa: E402

__all__ = [
    "BuildConfig",
    "BuildResult",
    "HouseholdParams",
    "HouseholdSeries",
    "SimulatorError",
    "TimeGrid",
    "build_dataset",
    "draw_household",
    "simulate_household",
]
