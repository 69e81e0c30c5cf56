"""Write days of a simulated household's hourly history into an integration buffer.

``python -m simulator history --store CONFIG/home_anomaly/ENTRY_ID.sqlite --days 28`` fills the
buffer of one Home Assistant config entry (stop Home Assistant first, or write before the entry
is set up), so a demo or a test can score at once instead of waiting days. It writes through
the engine's own ``HourlyStore`` — there is no second copy of the storage format.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from custom_components.home_anomaly.engine.features import HourlySample, hour_floor
from custom_components.home_anomaly.engine.store import HourlyStore

from .household import simulate_household
from .timegrid import TimeGrid


def simulated_hours(
    seed: int, user_number: int, days: int, end: datetime, anomalies: bool = False
) -> list[HourlySample]:
    """``days`` days of hourly samples ending just before ``end`` (an aware local time).

    Without ``anomalies`` the household's normal routine is used (a clean baseline); dropouts
    stay in as missing values either way.
    """
    last_hour = hour_floor(end)
    first_midnight = (last_hour - timedelta(days=days)).replace(hour=0)
    grid_days = (last_hour.date() - first_midnight.date()).days + 1
    grid = TimeGrid(first_midnight.replace(tzinfo=None), grid_days, 60)
    series = simulate_household(seed, user_number, grid, events_per_class=3 if anomalies else 0, absent_roles=False)
    observed = series.observed
    samples = []
    for index in range(grid.n_samples):
        moment = first_midnight + timedelta(hours=index)
        if moment >= last_hour or moment < last_hour - timedelta(days=days):
            continue
        missing = series.missing[index]
        values = (
            None if missing[0] else round(float(observed.temperature_c[index]), 2),
            None if missing[1] else round(float(observed.humidity_pct[index]), 2),
            None if missing[2] else round(float(observed.fridge_power_w[index]), 1),
            float(observed.front_door_open[index]),
            float(observed.fire_alarm[index]),
        )
        samples.append(HourlySample(moment, values))
    return samples


def write_history(
    store_path: Path, seed: int, user_number: int, days: int, end: datetime, anomalies: bool = False
) -> int:
    """Add the simulated hours to the buffer at ``store_path``; returns how many were new."""
    store = HourlyStore(store_path)
    try:
        return store.add_hours(simulated_hours(seed, user_number, days, end, anomalies))
    finally:
        store.close()
