"""Source states read in the model's units (°C, %RH, W), converted with Home Assistant's own
unit converters.

Home Assistant shows a temperature in the unit system's unit (°F in US customary) or in a
display unit the user picked for the entity, and plugs report W, kW or mW; every state carries
its unit in ``unit_of_measurement``. Each reading is converted with the unit of that very state
— live state changes, the recorder's history at warm start, the config flow's check alike — so
a unit change during a zone's life (a unit system switch, a new display unit) changes nothing
the model sees.

* A state without a unit is taken as in the model's unit: many MQTT and template sensors leave
  it out. The config flow accepts such a sensor only where its device class says what it
  measures.
* A unit that cannot be converted makes the reading missing (and is logged once); the config
  flow refuses such a sensor, naming the unit.
* Humidity has no converter in Home Assistant: only ``%`` is relative humidity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import State
from homeassistant.util.unit_conversion import BaseUnitConverter, PowerConverter, TemperatureConverter

from .engine.readings import MODEL_UNITS, POWER, TEMPERATURE, read_state

CONVERTERS: Final[Mapping[int, type[BaseUnitConverter]]] = {TEMPERATURE: TemperatureConverter, POWER: PowerConverter}


def state_unit(state: State) -> str | None:
    """The unit the state is reported in; an empty unit is no unit."""
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    return str(unit) if unit else None


def accepted_units(sensor: int) -> frozenset[str]:
    """The units a numeric sensor may report in (what Home Assistant's converter knows)."""
    converter = CONVERTERS.get(sensor)
    units = converter.VALID_UNITS if converter is not None else set()
    return frozenset({MODEL_UNITS[sensor], *(unit for unit in units if unit is not None)})


def converter_to_model_units(sensor: int, unit: str | None) -> Callable[[float], float] | None:
    """The conversion of a number in ``unit`` to the model's unit of ``sensor``; None when there
    is none. No unit, and the model's own unit, need no conversion."""
    model_unit = MODEL_UNITS.get(sensor)
    if model_unit is None or unit is None or unit == model_unit:
        return _unchanged
    converter = CONVERTERS.get(sensor)
    if converter is None or unit not in converter.VALID_UNITS:
        return None
    return converter.converter_factory(unit, model_unit)


def read_source(sensor: int, state: State | None) -> tuple[float | None, str | None]:
    """The reading of a source entity's state in the model's units, and why it was not used as
    it is (``engine.readings.read_state``), or None."""
    if state is None:
        return None, None
    unit = state_unit(state) if sensor in MODEL_UNITS else None
    convert = converter_to_model_units(sensor, unit)
    if convert is None:
        value, problem = read_state(sensor, state.state)
        if value is None:  # "unavailable" in an odd unit is just unavailable
            return None, problem
        return None, f"unit {unit} cannot be converted to {MODEL_UNITS[sensor]}"
    return read_state(sensor, state.state, convert)


def in_source_unit(sensor: int, value: float, state: State | None) -> tuple[float, str]:
    """A reading in the model's unit, shown in the unit its source entity reports (°F stays °F),
    where that converts; otherwise in the model's unit."""
    model_unit = MODEL_UNITS[sensor]
    unit = state_unit(state) if state is not None else None
    converter = CONVERTERS.get(sensor)
    if unit is None or unit == model_unit or converter is None or unit not in converter.VALID_UNITS:
        return value, model_unit
    return converter.convert(value, model_unit, unit), unit


def shown_state(state: State | None) -> str | None:
    """The state as a log line shows it: its text and unit (``'75.7 °F'``)."""
    if state is None:
        return None
    unit = state_unit(state)
    return f"{state.state} {unit}" if unit else state.state


def _unchanged(value: float) -> float:
    return value
