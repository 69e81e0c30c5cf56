"""Deprecation reports that name this integration fail the suites, on every Home Assistant version.

Home Assistant announces an API it will remove by logging a report through
``homeassistant.helpers.frame`` ("Detected that custom integration 'home_anomaly' ... This will stop
working in Home Assistant 2026.12.0"), months before the removal breaks users. The integration suite
collects them from the log as tests run (``DeprecationCollector``); the e2e suite reads the real
Home Assistant's log file (``reports_in_log``).
"""

from __future__ import annotations

import logging
import re

REPORTING_LOGGERS = ("homeassistant.helpers.frame", "homeassistant.helpers.deprecation")
# A report from another logger still counts when it says what reports say.
DEPRECATION_WORDS = re.compile(r"deprecat|will stop working|will be removed|no longer supported", re.IGNORECASE)
OURS = re.compile(r"home_anomaly")


def is_deprecation_report(logger_name: str, message: str) -> bool:
    if not OURS.search(message):
        return False
    return logger_name.startswith(REPORTING_LOGGERS) or bool(DEPRECATION_WORDS.search(message))


# "2026-12-01 20:31:05.123 WARNING (MainThread) [homeassistant.helpers.frame] Detected that ..."
LOG_LINE = re.compile(r"^\S+ \S+ (?:WARNING|ERROR|CRITICAL) \([^)]*\) \[(?P<logger>[^\]]+)\] (?P<message>.*)$")


def reports_in_log(text: str) -> list[str]:
    """The lines of a Home Assistant log file that are deprecation reports about home_anomaly."""
    found = []
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if match and is_deprecation_report(match["logger"], match["message"]):
            found.append(line)
    return found


class DeprecationCollector(logging.Handler):
    """Attached to the root logger for the whole session; each test takes what it caused."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if is_deprecation_report(record.name, message):
            self.reports.append(f"[{record.name}] {message}")

    def take(self) -> list[str]:
        taken, self.reports = self.reports, []
        return taken
