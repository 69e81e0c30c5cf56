"""Time to build the full default V2 dataset (100 households × 180 days, hourly).

Target (issue A): at most 30 s on the project's 2-core machine.
Run: ``make bench`` or ``.venv/bin/python -m benchmarks.simulator_build [--repeats N]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from simulator import BuildConfig, build_dataset

from .report import write_results

TARGET_SECONDS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    seconds: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "data"
        for _ in range(args.repeats):
            started = time.perf_counter()
            result = build_dataset(BuildConfig(out=out))
            seconds.append(time.perf_counter() - started)
        size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
        shutil.rmtree(out)
    median = statistics.median(seconds)
    rows = result.households * result.rows_per_household
    table = [
        {
            "dataset": "V2 default (100 households × 180 days, hourly)",
            "rows": rows,
            "median_s": round(median, 2),
            "min_s": round(min(seconds), 2),
            "rows_per_s": int(rows / median),
            "size_mb": round(size_mb, 1),
            "target_s": TARGET_SECONDS,
            "meets_target": median <= TARGET_SECONDS,
        }
    ]
    json_path, md_path = write_results(
        "simulator_build",
        "Simulator: full default V2 dataset build",
        table,
        notes=f"{args.repeats} builds; written to a temporary directory on local disk.",
    )
    print(md_path.read_text())
    print(f"results: {json_path}")


if __name__ == "__main__":
    main()
