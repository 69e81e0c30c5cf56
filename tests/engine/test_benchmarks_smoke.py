"""The benchmark harnesses run (on tiny sizes) and the summary checks each target.

Speed is never asserted here — `make bench` measures it; these tests keep the harness working.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import fleet, report, summary


def test_fleet_and_ingestion_run(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    result = fleet.fleet(homes=300, repeats=1)
    assert result["homes"] == 300
    assert result["one_core_homes_per_s_p50"] > 0
    ingestion = fleet.ingestion(readings=5_000)
    assert ingestion["readings"] == 5_000
    assert ingestion["bytes_per_home_year"] > 8760 * 20  # a row per hour, at least


def test_summary_marks_missed_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(summary, "RESULTS_MD", tmp_path / "RESULTS.md")
    monkeypatch.setattr(report, "RESULTS_DIR", tmp_path)
    (tmp_path / "simulator_build.json").write_text(json.dumps({"results": [{"median_s": 45.0}]}))
    (tmp_path / "fleet.json").write_text(
        json.dumps(
            {
                "fleet": {"one_core_homes_per_s_p50": 12_000, "workers": 2, "parallel_homes_per_s_p50": 20_000},
                "ingestion": {"readings_per_s": 30_000, "bytes_per_home_year": 780_000},
            }
        )
    )
    summary.main()
    latest = json.loads((tmp_path / "latest.json").read_text())
    verdict = {row["measure"]: row["meets_target"] for row in latest["targets"]}
    assert verdict["full V2 build (100 homes × 180 days), median s"] is False  # 45 s > 30 s
    assert verdict["10,000 homes, one window each, onnxruntime one core, homes/s"] is True
    assert verdict["state changes/s into aggregator + SQLite (1 M readings)"] is True
    assert "**no**" in (tmp_path / "RESULTS.md").read_text()
