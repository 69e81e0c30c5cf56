"""Home Anomaly engine: the plain-Python core shared by the integration, trainer and simulator.

This package imports nothing from Home Assistant and uses only relative imports, so the
trainer and the simulator can load it without Home Assistant installed
(see ``simulator/engine_access.py``).
"""

from .schema import (
    ANALOG_SENSOR_COLUMNS,
    ANOMALY_CLASS_NAMES,
    BINARY_SENSOR_COLUMNS,
    DATASET_COLUMNS,
    EPISODE_COLUMNS,
    META_COLUMNS,
    MISSING_COLUMNS,
    NIGHT_END_HOUR,
    NIGHT_START_HOUR,
    SENSOR_COLUMNS,
    SPEC_COLUMNS,
    TIMESTAMP_FORMAT,
    AnomalyClass,
    is_night_hour,
)

__all__ = [
    "ANALOG_SENSOR_COLUMNS",
    "ANOMALY_CLASS_NAMES",
    "BINARY_SENSOR_COLUMNS",
    "DATASET_COLUMNS",
    "EPISODE_COLUMNS",
    "META_COLUMNS",
    "MISSING_COLUMNS",
    "NIGHT_END_HOUR",
    "NIGHT_START_HOUR",
    "SENSOR_COLUMNS",
    "SPEC_COLUMNS",
    "TIMESTAMP_FORMAT",
    "AnomalyClass",
    "is_night_hour",
]
