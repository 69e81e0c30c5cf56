"""Turning sensor state text into readings: what counts as missing, what gets clipped.

* ``unknown``, ``unavailable``, empty, non-numeric and non-finite states are missing — never 0;
  so are magnitudes above ``MAX_MAGNITUDE`` (``1e308`` is a broken sensor, not a hot room).
* A decimal comma (``"23,5"``) is read as a decimal point: some integrations report it so.
* Humidity is clipped to 0–100 %RH; a negative power reading is missing (a plug cannot
  deliver negative power to a fridge).
* Binary sensors: ``on`` is 1, ``off`` is 0, anything else missing.
"""

from __future__ import annotations

import math
from typing import Final

MAX_MAGNITUDE: Final = 1e6
TEMPERATURE, HUMIDITY, POWER, DOOR, SMOKE = range(5)


def parse_reading(sensor: int, state: str | None) -> float | None:
    if state is None:
        return None
    text = state.strip().lower()
    if sensor in (DOOR, SMOKE):
        return 1.0 if text == "on" else 0.0 if text == "off" else None
    try:
        value = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        return None
    if sensor == HUMIDITY:
        return min(max(value, 0.0), 100.0)
    if sensor == POWER and value < 0:
        return None
    return value
