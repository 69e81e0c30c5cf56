"""Data-drift monitor: ``python -m trainer drift --reference DIR --current DIR [--out drift.json]``.

Per model feature, overall and per household: continuous features get the two-sample KS
statistic (an effect size: the largest gap between the two CDFs) beside its p-value and PSI;
binary features a two-proportion z-test with Cohen's h and PSI. The verdict comes from PSI and
the effect sizes, never from p-values alone — with 80,000 hourly rows every KS test is
"significant" for differences nobody would act on.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from custom_components.home_anomaly.engine.drift import bin_shares, psi, psi_status, reference_distribution
from custom_components.home_anomaly.engine.features import FEATURE_NAMES

from .data import Household, load_households

# Hour-of-day and weekend features follow the clock, not the home: not monitored.
CONTINUOUS = FEATURE_NAMES[0:6]  # deviations and levels
BINARY = FEATURE_NAMES[6:11]  # door, alarm, missing masks
MONITORED = CONTINUOUS + BINARY
KS_EFFECT = 0.1  # a CDF gap of 10 percentage points is worth a look
COHEN_H_EFFECT = 0.2  # "small" effect


def feature_matrix(homes: list[Household], normal_only: bool = False) -> np.ndarray:
    parts = [home.features[home.labels == 0] if normal_only else home.features for home in homes]
    return np.concatenate(parts).astype(np.float64)


def reference_distributions(homes: list[Household]) -> dict[str, Any]:
    """What the model card carries: normal-hour distributions of each monitored feature."""
    matrix = feature_matrix(homes, normal_only=True)
    return {
        name: reference_distribution(matrix[:, FEATURE_NAMES.index(name)], binary=name in BINARY) for name in MONITORED
    }


def compare_feature(name: str, reference: np.ndarray, current: np.ndarray) -> dict[str, Any]:
    distribution = reference_distribution(reference, binary=name in BINARY)
    value = psi(np.asarray(distribution["proportions"]), bin_shares(current, distribution["edges"]))
    result: dict[str, Any] = {"feature": name, "psi": value, "n_reference": len(reference), "n_current": len(current)}
    if name in BINARY:
        p_ref, p_cur = float(reference.mean()), float(current.mean())
        pooled = (reference.sum() + current.sum()) / (len(reference) + len(current))
        se = math.sqrt(max(pooled * (1 - pooled) * (1 / len(reference) + 1 / len(current)), 1e-12))
        z = (p_cur - p_ref) / se
        h = 2 * math.asin(math.sqrt(p_cur)) - 2 * math.asin(math.sqrt(p_ref))
        result |= {
            "test": "two-proportion z",
            "p_reference": p_ref,
            "p_current": p_cur,
            "z": z,
            "p_value": float(2 * stats.norm.sf(abs(z))),
            "effect": h,
            "effect_name": "cohen_h",
        }
        large_effect = abs(h) >= COHEN_H_EFFECT
    else:
        ks = stats.ks_2samp(reference, current)
        result |= {
            "test": "KS",
            "statistic": float(ks.statistic),
            "p_value": float(ks.pvalue),
            "effect": float(ks.statistic),
            "effect_name": "ks_d",
        }
        large_effect = ks.statistic >= KS_EFFECT
    status = psi_status(value)
    if status == "ok" and large_effect:
        status = "warn"
    result["status"] = status
    return result


def drift_report(reference_dir: Path, current_dir: Path) -> dict[str, Any]:
    reference_homes = load_households(reference_dir)
    current_homes = load_households(current_dir)
    reference = feature_matrix(reference_homes)
    overall = [
        compare_feature(
            name, reference[:, FEATURE_NAMES.index(name)], feature_matrix(current_homes)[:, FEATURE_NAMES.index(name)]
        )
        for name in MONITORED
    ]
    per_household = []
    for home in current_homes:
        rows = [
            compare_feature(
                name,
                reference[:, FEATURE_NAMES.index(name)],
                home.features[:, FEATURE_NAMES.index(name)].astype(np.float64),
            )
            for name in MONITORED
        ]
        worst = max(rows, key=lambda r: r["psi"])
        per_household.append(
            {
                "user_id": home.user_id,
                "worst_feature": worst["feature"],
                "psi": worst["psi"],
                "status": max((r["status"] for r in rows), key=["ok", "warn", "alert"].index),
                "features": rows,
            }
        )
    return {
        "reference": str(reference_dir),
        "current": str(current_dir),
        "overall": overall,
        "per_household": per_household,
    }


def format_drift(report: dict[str, Any]) -> str:
    lines = ["| feature | test | effect | p-value | PSI | status |", "| --- | --- | --- | --- | --- | --- |"]
    for row in report["overall"]:
        lines.append(
            f"| {row['feature']} | {row['test']} | {row['effect_name']} {row['effect']:+.3f} | "
            f"{row['p_value']:.2g} | {row['psi']:.3f} | {row['status']} |"
        )
    flagged = [h for h in report["per_household"] if h["status"] != "ok"]
    lines += ["", f"households with drift: {len(flagged)} of {len(report['per_household'])}"]
    lines += [f"  {h['user_id']}: {h['worst_feature']} PSI {h['psi']:.3f} ({h['status']})" for h in flagged[:20]]
    return "\n".join(lines)


def run_drift(reference_dir: Path, current_dir: Path, out: Path | None) -> dict[str, Any]:
    report = drift_report(reference_dir, current_dir)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n")
    return report
