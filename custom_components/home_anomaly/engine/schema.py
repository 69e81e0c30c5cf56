"""The data contract every part of Home Anomaly agrees on.

The sensor order — temperature, humidity, fridge power, front door, fire alarm — is the
order of every column, feature, plot panel and table in the project.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final


class AnomalyClass(IntEnum):
    """Anomaly classes. The integer is also the priority: a higher value wins on overlap."""

    NORMAL = 0
    TEMPERATURE = 1
    HUMIDITY = 2
    FRIDGE = 3
    DOOR = 4
    FIRE = 5


ANOMALY_CLASS_NAMES: Final[dict[int, str]] = {cls.value: cls.name.lower() for cls in AnomalyClass}

SENSOR_COLUMNS: Final[tuple[str, ...]] = (
    "temperature_c",
    "humidity_pct",
    "fridge_power_w",
    "front_door_open",
    "fire_alarm",
)
ANALOG_SENSOR_COLUMNS: Final[tuple[str, ...]] = SENSOR_COLUMNS[:3]
BINARY_SENSOR_COLUMNS: Final[tuple[str, ...]] = SENSOR_COLUMNS[3:]

META_COLUMNS: Final[tuple[str, ...]] = (
    "meta_base_temp",
    "meta_base_humidity",
    "meta_fridge_base",
    "meta_temp_drift_per_week",
    "meta_humid_drift_per_week",
    "meta_noise_temp",
    "meta_noise_humid",
    "meta_noise_fridge",
    "meta_dropout_prob",
)

# Columns exactly as SPEC §4 lists them.
SPEC_COLUMNS: Final[tuple[str, ...]] = (
    "timestamp",
    *SENSOR_COLUMNS,
    "anomaly_class",
    "user_id",
    *META_COLUMNS,
)

# After the spec's columns: 1 where the analogue reading was missing and forward-filled.
MISSING_COLUMNS: Final[tuple[str, ...]] = tuple(f"{column}_missing" for column in ANALOG_SENSOR_COLUMNS)

DATASET_COLUMNS: Final[tuple[str, ...]] = (*SPEC_COLUMNS, *MISSING_COLUMNS)

EPISODE_COLUMNS: Final[tuple[str, ...]] = ("user_id", "anomaly_class", "start", "end")

TIMESTAMP_FORMAT: Final[str] = "%Y-%m-%d %H:%M:%S"

# A front-door opening at or after NIGHT_START_HOUR and before NIGHT_END_HOUR (local time) is
# the "door at night" anomaly.
NIGHT_START_HOUR: Final[int] = 0
NIGHT_END_HOUR: Final[int] = 5


def is_night_hour(hour: int) -> bool:
    """Whether a local clock hour (0–23) lies in the night window of the door anomaly."""
    return NIGHT_START_HOUR <= hour < NIGHT_END_HOUR
