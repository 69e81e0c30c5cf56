"""The schema library Home Assistant validates flows and service calls with.

Home Assistant 2026 (Python 3.14) replaced voluptuous with probatio, an API-compatible library,
and types its flows against it; 2025.4–2026.2 have only voluptuous. Import ``vol`` and
``humanize_error`` from here, never from either library, so one source serves every release.
mypy checks each release on its own Python, so the type checker follows the Python version.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    if sys.version_info >= (3, 14):
        import probatio as vol
        from probatio.humanize import humanize_error
    else:
        import voluptuous as vol
        from voluptuous.humanize import humanize_error
else:
    LIBRARY = "probatio" if importlib.util.find_spec("probatio") is not None else "voluptuous"
    vol = importlib.import_module(LIBRARY)
    humanize_error = importlib.import_module(f"{LIBRARY}.humanize").humanize_error

__all__ = ["humanize_error", "vol"]
