"""The data contract shared by simulator, trainer and integration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from custom_components.home_anomaly.engine import (
    ANOMALY_CLASS_NAMES,
    DATASET_COLUMNS,
    SENSOR_COLUMNS,
    AnomalyClass,
    is_night_hour,
)

REPO = Path(__file__).resolve().parents[2]


def test_sensor_order_is_the_product_order() -> None:
    assert SENSOR_COLUMNS == ("temperature_c", "humidity_pct", "fridge_power_w", "front_door_open", "fire_alarm")
    assert DATASET_COLUMNS[1:6] == SENSOR_COLUMNS


def test_class_codes_are_priorities() -> None:
    assert [int(c) for c in AnomalyClass] == [0, 1, 2, 3, 4, 5]
    assert max(AnomalyClass.DOOR, AnomalyClass.FIRE) is AnomalyClass.FIRE
    assert ANOMALY_CLASS_NAMES == {0: "normal", 1: "temperature", 2: "humidity", 3: "fridge", 4: "door", 5: "fire"}


def test_night_window_is_midnight_to_five() -> None:
    assert [h for h in range(24) if is_night_hour(h)] == [0, 1, 2, 3, 4]


def test_engine_and_simulator_import_without_home_assistant() -> None:
    """The trainer's environment has no Home Assistant: the engine must not need it."""
    code = (
        "import sys, simulator\n"
        "from custom_components.home_anomaly.engine import SENSOR_COLUMNS\n"
        "assert 'homeassistant' not in sys.modules, 'engine pulled in Home Assistant'\n"
        "assert 'custom_components.home_anomaly' not in sys.modules\n"
        "print(len(SENSOR_COLUMNS))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "5"
