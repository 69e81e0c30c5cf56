"""Constants of the Home Anomaly integration."""

from typing import Final

DOMAIN: Final = "home_anomaly"
