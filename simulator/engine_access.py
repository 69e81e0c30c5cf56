"""Make the integration's engine importable without Home Assistant.

``custom_components/home_anomaly/__init__.py`` imports Home Assistant, and Python runs a
package's ``__init__`` before any of its subpackages. The trainer's environment has no Home
Assistant, so this module loads ``custom_components/home_anomaly/engine`` straight from its
folder and registers it under its canonical name. Afterwards plain
``from custom_components.home_anomaly.engine import …`` works everywhere, and when Home
Assistant later imports the integration it finds this very module object in ``sys.modules``:
there is only ever one copy of the engine in a process.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ENGINE_PACKAGE = "custom_components.home_anomaly.engine"
ENGINE_DIR = Path(__file__).resolve().parent.parent / "custom_components" / "home_anomaly" / "engine"


def ensure_engine_importable() -> ModuleType:
    """Load the engine package under its canonical name (idempotent) and return it."""
    loaded = sys.modules.get(ENGINE_PACKAGE)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(
        ENGINE_PACKAGE,
        ENGINE_DIR / "__init__.py",
        submodule_search_locations=[str(ENGINE_DIR)],
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the Home Anomaly engine from {ENGINE_DIR}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[ENGINE_PACKAGE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[ENGINE_PACKAGE]
        raise
    return module
