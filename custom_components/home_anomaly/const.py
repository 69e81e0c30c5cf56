"""Constants of the Home Anomaly integration."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

DOMAIN: Final = "home_anomaly"

# Config entry data: the source entity of each sensor role, in sensor order.
CONF_TEMPERATURE_ENTITY: Final = "temperature_entity"
CONF_HUMIDITY_ENTITY: Final = "humidity_entity"
CONF_POWER_ENTITY: Final = "power_entity"
CONF_DOOR_ENTITY: Final = "door_entity"
CONF_SMOKE_ENTITY: Final = "smoke_entity"
SOURCE_KEYS: Final = (
    CONF_TEMPERATURE_ENTITY,
    CONF_HUMIDITY_ENTITY,
    CONF_POWER_ENTITY,
    CONF_DOOR_ENTITY,
    CONF_SMOKE_ENTITY,
)
# The alarms offered for the smoke role: each is one to be woken for (on raises Fire, priority 5).
SMOKE_DEVICE_CLASSES: Final = ("smoke", "heat", "gas", "carbon_monoxide")
# The suggested zone name; "Home" would read like Home Assistant's own Home zone (zone.home).
DEFAULT_ZONE_NAME: Final = "My home"

# Options.
CONF_NOTIFY_TARGETS: Final = "notify_targets"
CONF_MIN_PRIORITY: Final = "min_priority"
CONF_COOLDOWN_MINUTES: Final = "cooldown_minutes"
CONF_QUIET_START: Final = "quiet_start"
CONF_QUIET_END: Final = "quiet_end"
CONF_RUNTIME: Final = "runtime"
CONF_NIGHT_START: Final = "night_start_hour"
CONF_NIGHT_END: Final = "night_end_hour"
CONF_DOOR_CONDITION_ENTITY: Final = "door_condition_entity"

DEFAULT_MIN_PRIORITY: Final = 1
DEFAULT_COOLDOWN_MINUTES: Final = 60
DEFAULT_RUNTIME: Final = "auto"
DEFAULT_NIGHT_START: Final = 0
DEFAULT_NIGHT_END: Final = 5
RUNTIME_OPTIONS: Final = ("auto", "onnxruntime", "numpy")
# Installed at runtime when possible (never a manifest requirement: no wheels for musl).
ONNXRUNTIME_REQUIREMENT: Final = "onnxruntime>=1.17"
# The oldest and newest Home Assistant releases the version matrix runs (scripts/ha_compat.sh).
# hacs.json holds the minimum for HACS; hassfest refuses unknown manifest.json keys, so the
# newest tested release is declared here and shown in diagnostics beside the running one.
TESTED_HOME_ASSISTANT: Final = ("2025.4.4", "2026.11.0")

# States that count as "on" for the optional condition of the door rule.
CONDITION_ON_STATES: Final = frozenset(
    {"on", "home", "armed_away", "armed_home", "armed_night", "armed_vacation", "armed_custom_bypass", "triggered"}
)

EVENT_DETECTED: Final = "home_anomaly_detected"
EVENT_CLEARED: Final = "home_anomaly_cleared"
NOTIFICATION_ACTION_EVENT: Final = "mobile_app_notification_action"
ACK_ACTION_PREFIX: Final = "HOME_ANOMALY_ACK"

SERVICE_SCORE_NOW: Final = "score_now"
SERVICE_ACKNOWLEDGE: Final = "acknowledge"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_ANOMALY: Final = "anomaly"

STATUS_OPTIONS: Final = ("normal", "temperature", "humidity", "fridge", "door", "fire")
PERSIST_DELAY: Final = timedelta(seconds=1)
STORE_DIR: Final = "home_anomaly"
