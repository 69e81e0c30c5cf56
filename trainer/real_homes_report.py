"""The real-homes report as people read it: a Markdown table and one figure (``real_homes.py`` computes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from custom_components.home_anomaly.engine.schema import ANOMALY_CLASS_NAMES

from .injection import CLASS_ROLE
from .metrics import ANOMALY_CLASSES

CLASS_COLOURS = {1: "tab:blue", 2: "tab:cyan", 3: "tab:green", 4: "tab:orange", 5: "tab:red"}
WHAT_IS_INJECTED = {
    1: "temperature 5–10 °C below the recording for 2 h – 1 week (at most a quarter of the recording)",
    2: "humidity +35–45 %RH (at most 100) for 2–4 h, clear of the home's own showers (1 h before, 3 h after)",
    3: "fridge power 0 W for 1.5–3 h, the room +0.2 → 1.0 °C",
    4: "front door opened once in a night hour 00–05 h in which the real door stayed shut",
    5: (
        "fire alarm on (a role none of these homes has) for 0.75–1.5 h, with +5–12 °C, +10–25 %RH, "
        "fridge ±20 W (at most half its draw)"
    ),
}


def _name(cls: int) -> str:
    return f"{cls} {ANOMALY_CLASS_NAMES[cls]}"


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _split_words(report: dict[str, Any]) -> str:
    if report.get("split") == "held-out":
        return " — the development set's held-out homes, no hour of which the model trained on"
    return ""


def report_markdown(report: dict[str, Any]) -> str:
    homes = report["homes"]
    false_alarms = report["false_alarms"]
    lines = [
        "## Real homes (development set)",
        "",
        f"`{report['model']}` (sha256 `{report['model_sha256'][:12]}…`, {report['runtime']}) on {len(homes)} real "
        f"homes nobody in the project simulated{_split_words(report)}, scored as the integration runs it: the "
        "model, the instant rules and the hourly fridge rule through the integration's alert policy "
        "(`engine.backtest`: hours needed per class, hysteresis, thresholds calibrated to the home after "
        "its first week, no model alert for a sensor without a baseline of its own). "
        f"Seed {report['seed']}, {report['injections_per_class']} injected episodes per class and home. "
        "A false alarm is a run of non-normal hours that overlaps no real episode (the real night door openings).",
        "",
        "![False alarms per home and by hour of day, recall per class](real_homes.png)",
        "",
        "### False alarms per home-week",
        "",
        "| home | roles | weeks scored | false alarms | per home-week | after day 7 | real night openings caught |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for home in homes:
        lines.append(
            f"| {home['user_id']} | {', '.join(home['roles'])} | {home['home_weeks']:.1f} | {home['false_alarms']} | "
            f"{home['false_alarms_per_home_week']:.2f} | {home['false_alarms_per_home_week_after_day_7']:.2f} | "
            f"{home['real_episodes_caught']} of {home['real_episodes']} |"
        )
    overall, after = false_alarms["overall"], false_alarms["after_day_7"]
    real = sum(home["real_episodes"] for home in homes)
    caught = sum(home["real_episodes_caught"] for home in homes)
    lines += [
        f"| **all homes** | | {overall['home_weeks']:.1f} | {overall['false_alarms']} | "
        f"**{overall['per_home_week']:.2f}** | **{after['per_home_week']:.2f}** | {caught} of {real} |",
        "",
        "By class (a run counts for the highest class in it, the one the household is alerted with), per home-week: "
        + " · ".join(f"{_name(c)} {false_alarms['per_class'][str(c)]['per_home_week']:.2f}" for c in ANOMALY_CLASSES)
        + ".",
        "",
        "By the hour of day an alarm starts, per home-week:",
        "",
        "| hour | " + " | ".join(f"{h:02d}" for h in range(24)) + " |",
        "| --- |" + " --- |" * 24,
        "| false alarms | "
        + " | ".join(f"{false_alarms['per_hour_of_day'][str(h)]['per_home_week']:.2f}" for h in range(24))
        + " |",
        "",
        "### Recall of injected anomalies",
        "",
        "Each episode goes into its own copy of a home, starting at a random 5-minute mark after day 7, with a "
        "random depth and duration (the simulator's effects, SPEC §3 ranges), only where the home has the sensor "
        "and it reported; hours it covers in part are averaged as the integration averages them. Detected = the "
        "household is alerted with its class (through the alert policy) in an hour the episode touches; *model "
        "alone* = the model's top class in such an hour.",
        "",
        "| class | home needs | homes | injected | detected | recall (95 % CI) | model alone | median h to detect |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for cls in ANOMALY_CLASSES:
        entry = report["recall"][str(cls)]
        needs = CLASS_ROLE[cls] or "nothing (alarm injected)"
        if entry["injected"]:
            low, high = entry["ci95"]
            recall = f"**{100 * entry['recall']:.0f} %** ({100 * low:.0f}–{100 * high:.0f})"
            model_only = f"{100 * entry['model_only_recall']:.0f} %"
        else:
            recall = model_only = "–"
        lines.append(
            f"| {_name(cls)} | {needs} | {entry['homes']} | {entry['injected']} | {entry['detected']} | {recall} | "
            f"{model_only} | {_number(entry['median_time_to_detect_h'], 1)} |"
        )
    lines += [
        "",
        "By home (detected of injected; – where the home lacks the class's sensor):",
        "",
        "| home | " + " | ".join(_name(cls) for cls in ANOMALY_CLASSES) + " |",
        "| --- |" + " --- |" * len(ANOMALY_CLASSES),
    ]
    for home in homes:
        cells = [
            f"{entry['detected']} of {entry['injected']}" if (entry := home["injected"].get(str(cls))) else "–"
            for cls in ANOMALY_CLASSES
        ]
        lines.append(f"| {home['user_id']} | " + " | ".join(cells) + " |")
    lines += ["", "Injected:", ""]
    lines += [f"* {_name(cls)}: {WHAT_IS_INJECTED[cls]}" for cls in ANOMALY_CLASSES]
    lines.append("")
    return "\n".join(lines)


def plot_report(report: dict[str, Any], path: Path) -> Path:
    """Three panels: false alarms per home, false alarms by hour of day, recall per class."""
    figure, (per_home, per_hour, recall) = plt.subplots(1, 3, figsize=(16, 4.8), constrained_layout=True)
    homes = report["homes"]
    positions = np.arange(len(homes))
    overall = [home["false_alarms_per_home_week"] for home in homes]
    after = [home["false_alarms_per_home_week_after_day_7"] for home in homes]
    per_home.bar(positions - 0.2, overall, 0.4, label="all weeks")
    per_home.bar(positions + 0.2, after, 0.4, label="after day 7")
    per_home.set_xticks(positions, [h["user_id"] for h in homes], rotation=40, ha="right", fontsize=8)
    per_home.set_ylabel("false alarms per home-week")
    per_home.set_title("False alarms per home")
    per_home.legend()

    bottom = np.zeros(24)
    by_hour = _per_hour_and_class(report)
    for cls in ANOMALY_CLASSES:
        heights = by_hour[cls]
        if heights.any():
            per_hour.bar(range(24), heights, bottom=bottom, color=CLASS_COLOURS[cls], label=_name(cls))
            bottom += heights
    per_hour.set_xticks(range(0, 24, 3))
    per_hour.set_xlabel("hour of day the alarm starts")
    per_hour.set_ylabel("false alarms per home-week")
    per_hour.set_title("False alarms by hour of day")
    if bottom.any():
        per_hour.legend(fontsize=8)

    shown = [cls for cls in ANOMALY_CLASSES if report["recall"][str(cls)]["injected"]]
    entries = [report["recall"][str(cls)] for cls in shown]
    values = np.array([entry["recall"] for entry in entries])
    errors = (
        np.array(
            [[value - entry["ci95"][0], entry["ci95"][1] - value] for value, entry in zip(values, entries, strict=True)]
        )
        .reshape(-1, 2)
        .clip(min=0.0)
    )  # rounding at 0 % or 100 % must not give a negative bar
    recall.bar(
        np.arange(len(shown)) - 0.2,
        values,
        0.4,
        yerr=errors.T,
        capsize=3,
        color=[CLASS_COLOURS[c] for c in shown],
        label="alerted (model, rules, alert policy)",
    )
    recall.bar(
        np.arange(len(shown)) + 0.2,
        [entry["model_only_recall"] for entry in entries],
        0.4,
        color="lightgrey",
        edgecolor="grey",
        label="model alone",
    )
    labels = [f"{c} {ANOMALY_CLASS_NAMES[c]}\nn={report['recall'][str(c)]['injected']}" for c in shown]
    recall.set_xticks(range(len(shown)), labels, fontsize=8)
    recall.set_ylim(0, 1.05)
    recall.set_ylabel("share of injected episodes detected")
    recall.set_title("Recall of injected anomalies (95 % CI)")
    recall.legend(fontsize=8, loc="lower right")
    for axis in (per_home, per_hour, recall):
        axis.grid(axis="y", alpha=0.3)
    figure.suptitle(f"Real homes: {report['model']} (seed {report['seed']})")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _per_hour_and_class(report: dict[str, Any]) -> dict[int, np.ndarray]:
    """False alarms per home-week by start hour, split by class, from the per-run list in the report."""
    weeks = report["false_alarms"]["overall"]["home_weeks"]
    counts = {cls: np.zeros(24) for cls in ANOMALY_CLASSES}
    for run in report["false_alarms"].get("runs", []):
        counts[run["anomaly_class"]][run["hour"]] += 1
    return {cls: counts[cls] / weeks if weeks else counts[cls] for cls in ANOMALY_CLASSES}
