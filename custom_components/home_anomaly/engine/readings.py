"""Turning sensor state text into readings: what counts as missing, what gets clipped.

* Readings are in the model's units, ``MODEL_UNITS`` (°C, %RH, W — the units it was trained on).
  The engine knows no other unit: the caller passes ``to_model_units``, the conversion from the
  unit the state was reported in (the integration uses Home Assistant's own unit converters,
  ``units.py``); without it the number is taken as already in the model's units. The checks
  below apply to the converted reading, so their limits are in the model's units too.
* ``unknown``, ``unavailable``, empty, non-numeric and non-finite states are missing — never 0;
  so are magnitudes above ``MAX_MAGNITUDE`` (``1e308`` is a broken sensor, not a hot room).
* A decimal comma (``"23,5"``) is read as a decimal point: some integrations report it so.
* Humidity is clipped to 0–100 %RH; a negative power reading is missing (a plug cannot
  deliver negative power to a fridge).
* Binary sensors: ``on`` is 1, ``off`` is 0, anything else missing.

The integration logs the first unusable state of each entity (with the reason from
``read_state``) once, not every reading.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Final

MAX_MAGNITUDE: Final = 1e6
TEMPERATURE, HUMIDITY, POWER, DOOR, SMOKE = range(5)
# The unit of each numeric sensor as the model sees it (SPEC §2: temperature_c, humidity_pct,
# fridge_power_w). Spelled as Home Assistant spells them, so a state in these units needs no
# conversion. Door and smoke are 0/1 and have none.
MODEL_UNITS: Final[Mapping[int, str]] = {TEMPERATURE: "°C", HUMIDITY: "%", POWER: "W"}


NOT_REPORTING: Final = frozenset({"unknown", "unavailable", ""})  # Home Assistant's own "no value"


def parse_reading(
    sensor: int, state: str | None, to_model_units: Callable[[float], float] | None = None
) -> float | None:
    return read_state(sensor, state, to_model_units)[0]


def read_state(
    sensor: int, state: str | None, to_model_units: Callable[[float], float] | None = None
) -> tuple[float | None, str | None]:
    """The reading in the model's units, and why the state was not used as it is (for a log
    line), or None.

    ``to_model_units`` converts the number from the unit the state was reported in; None means
    it already is in the model's units. States Home Assistant itself uses for "no value" are
    missing without a reason: they are normal, e.g. while a device reconnects.
    """
    if state is None:
        return None, None
    text = state.strip().lower()
    if text in NOT_REPORTING:
        return None, None
    if sensor in (DOOR, SMOKE):
        return (1.0, None) if text == "on" else (0.0, None) if text == "off" else (None, "not on or off")
    try:
        value = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else float(text)
    except ValueError:
        return None, "not a number"
    if to_model_units is not None and math.isfinite(value):
        value = to_model_units(value)
    if not math.isfinite(value):
        return None, "not a finite number"
    if abs(value) > MAX_MAGNITUDE:
        return None, f"implausible magnitude (above {MAX_MAGNITUDE:g})"
    if sensor == HUMIDITY and not 0.0 <= value <= 100.0:
        return min(max(value, 0.0), 100.0), "humidity outside 0-100 %, clipped"
    if sensor == POWER and value < 0:
        return None, "negative power"
    return value, None
