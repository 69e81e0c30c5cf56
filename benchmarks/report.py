"""Write a benchmark's results as JSON plus a Markdown table, with the machine they ran on."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def write_results(name: str, title: str, rows: list[dict[str, Any]], notes: str = "") -> tuple[Path, Path]:
    """Save ``rows`` (one dict per measurement, same keys) as JSON and as a Markdown table."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    measured_at = datetime.now(UTC).isoformat(timespec="seconds")
    json_path = RESULTS_DIR / f"{name}.json"
    json_path.write_text(
        json.dumps({"benchmark": name, "measured_at": measured_at, "machine": machine(), "results": rows}, indent=2)
        + "\n"
    )
    columns = list(rows[0]) if rows else []
    lines = [
        f"# {title}",
        "",
        f"Measured {measured_at} on {machine()['cpus']} CPUs, Python {machine()['python']}.",
        "",
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
        *("| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows),
    ]
    if notes:
        lines += ["", notes]
    md_path = RESULTS_DIR / f"{name}.md"
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path
