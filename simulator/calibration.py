"""Compare a built dataset with the facts from real homes in SPEC §2.

``python -m simulator calibrate --data DIR`` prints the table that ``simulator/README.md``
quotes. Only normal-labelled rows count: the facts describe homes on ordinary days.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from custom_components.home_anomaly.engine.arrays import BoolArray, FloatArray, IntArray

from .dataset import SimulatorError
from .dataset_csv import DatasetRows, read_dataset_csv


@dataclass(frozen=True)
class CalibrationRow:
    fact: str
    real: str
    simulated: str


def calibration_table(data_dir: Path) -> list[CalibrationRow]:
    path = data_dir / "train_all.csv"
    if not path.is_file():
        raise SimulatorError(f"no {path}: build a dataset first (python -m simulator build --out {data_dir})")
    table = read_dataset_csv(
        path, ("temperature_c", "humidity_pct", "fridge_power_w", "front_door_open", "anomaly_class")
    )
    hours = np.array([moment.hour for moment in table.timestamps])
    temperature = table.values["temperature_c"]
    humidity = table.values["humidity_pct"]
    power = table.values["fridge_power_w"]
    door = table.values["front_door_open"].astype(np.int64)
    label = table.values["anomaly_class"].astype(np.int64)
    users = np.array(table.user_ids)
    households = len(set(table.user_ids))
    days = len(table.timestamps) / households / 24
    normal = label == 0

    t5, t50, t95 = np.percentile(temperature[normal], [5, 50, 95])
    # The real figures come from one home; the population adds every household's own preference.
    centred = np.concatenate(
        [temperature[normal & (users == u)] - np.median(temperature[normal & (users == u)]) for u in np.unique(users)]
    )
    c5, c95 = np.percentile(centred, [5, 95])
    h50, h95, h99 = np.percentile(humidity[normal], [50, 95, 99])
    humid_hours = np.bincount(hours[normal & (humidity > 70)], minlength=24)
    top_hours = sorted(int(h) for h in np.argsort(humid_hours)[-3:])
    night_door = door[(hours < 5)].sum() / (households * days)
    return [
        CalibrationRow(
            "living-room temperature p5 / p50 / p95 (°C)", "17.3 / 20.0 / 24.5", f"{t5:.1f} / {t50:.1f} / {t95:.1f}"
        ),
        CalibrationRow("temperature p5 / p95 around each home's median (°C)", "−2.7 / +4.5", f"{c5:+.1f} / {c95:+.1f}"),
        CalibrationRow(
            "bathroom humidity median / p95 / p99 (%RH)", "49 / 70 / 85", f"{h50:.0f} / {h95:.0f} / {h99:.0f}"
        ),
        CalibrationRow("bathroom humidity max (%RH)", "96", f"{humidity[normal].max():.0f}"),
        CalibrationRow(
            "hours with most readings above 70 %RH",
            "20–22 h, smaller morning peak",
            ", ".join(f"{h} h" for h in top_hours),
        ),
        CalibrationRow(
            "front door: hours with an opening per day",
            "3.6–4.6 openings a day",
            f"{door.sum() / (households * days):.2f}",
        ),
        CalibrationRow("front door: night (00–05 h) openings per night", "0.14 (one house)", f"{night_door:.3f}"),
        CalibrationRow(
            "fridge power median (W, hourly)",
            "150 compressor-on; 40–115 duty-cycled",
            f"{np.median(power[normal]):.0f}",
        ),
    ]


def format_table(rows: list[CalibrationRow]) -> str:
    lines = ["| fact | real homes | simulated |", "| --- | --- | --- |"]
    lines += [f"| {r.fact} | {r.real} | {r.simulated} |" for r in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Real homes vs simulated homes, side by side (issue 13): ``calibrate --data DIR --real DIR``.
# ---------------------------------------------------------------------------------------------

QUANTILES: tuple[int, ...] = (1, 5, 25, 50, 75, 95, 99)
BASELINE_DAYS = 28  # the integration's baseline: each hour of day over the 28 days before
BASELINE_MIN_SAMPLES = 3
SHOWER_RISE_PCT = 10.0  # a "shower hour": humidity this far above the home's own median
COOL_SPELL_C = (1.5, 3.5)  # the band real living rooms spend many hours in, below their usual
READ_COLUMNS = (
    "temperature_c",
    "humidity_pct",
    "fridge_power_w",
    "front_door_open",
    "anomaly_class",
    "temperature_c_missing",
    "humidity_pct_missing",
    "fridge_power_w_missing",
)


@dataclass
class HomeRows:
    """One home's hourly rows, as read by ``read_dataset_csv``."""

    user_id: str
    hours: IntArray
    days: IntArray  # calendar day ordinals
    weekend: BoolArray
    values: dict[str, FloatArray]
    door_role: bool

    def present(self, column: str) -> BoolArray:
        """Normal hours where ``column`` was really read (not carried forward)."""
        mask: BoolArray = (self.values["anomaly_class"] == 0) & (self.values[f"{column}_missing"] == 0)
        return mask

    def has(self, column: str) -> bool:
        return bool(self.present(column).any())


@dataclass
class Measures:
    """The pooled samples one side (real or simulated) contributes to each comparison."""

    homes: int = 0
    samples: dict[str, list[FloatArray]] = field(default_factory=dict)
    shower_hours: FloatArray = field(default_factory=lambda: np.zeros(24))
    weekend_morning_showers: float = 0.0
    weekday_morning_showers: float = 0.0
    weekend_days: float = 0.0
    weekday_days: float = 0.0
    roles: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, values: FloatArray) -> None:
        if values.size:
            self.samples.setdefault(name, []).append(np.asarray(values, dtype=np.float64))

    def pooled(self, name: str) -> FloatArray:
        parts = self.samples.get(name, [])
        return np.concatenate(parts) if parts else np.zeros(0)


# name → (what it is, unit); the order of the report.
METRICS: dict[str, tuple[str, str]] = {
    "temperature_deviation": ("temperature − home's median for that hour of day", "°C"),
    "temperature_vs_baseline": (
        "temperature − median of that hour over the 28 days before (the model's baseline)",
        "°C",
    ),
    "humidity_level": ("bathroom humidity, hourly mean", "%RH"),
    "humidity_home_top": ("each home's highest hourly humidity", "%RH"),
    "fridge_relative": ("fridge power ÷ home's median", "×"),
    "fridge_hour_change": ("fridge abs(hour − previous hour) ÷ home's median", "×"),
    "fridge_home_average": ("each home's average fridge power", "W"),
    "door_per_day": ("hours with a door opening per day, per home", "/day"),
    "door_night_per_night": ("night (00–05 h) openings per night, per home", "/night"),
}


def _split_homes(rows: DatasetRows, door_roles: dict[str, bool] | None) -> list[HomeRows]:
    users = np.array(rows.user_ids)
    hours = np.array([moment.hour for moment in rows.timestamps], dtype=np.int64)
    days = np.array([moment.toordinal() for moment in rows.timestamps], dtype=np.int64)
    weekend = np.array([moment.weekday() >= 5 for moment in rows.timestamps], dtype=bool)
    homes = []
    for user in dict.fromkeys(rows.user_ids):
        index = np.flatnonzero(users == user)
        values = {name: column[index] for name, column in rows.values.items()}
        door = door_roles.get(user, True) if door_roles is not None else True
        homes.append(HomeRows(user, hours[index], days[index], weekend[index], values, door))
    return homes


def measure(homes: list[HomeRows]) -> Measures:
    """Every comparison's samples from a list of homes (only normal, really-read hours)."""
    result = Measures(homes=len(homes))
    for home in homes:
        for role, column in (
            ("temperature", "temperature_c"),
            ("humidity", "humidity_pct"),
            ("fridge", "fridge_power_w"),
        ):
            if home.has(column):
                result.roles[role] = result.roles.get(role, 0) + 1
        if home.door_role:
            result.roles["door"] = result.roles.get("door", 0) + 1
        _measure_temperature(home, result)
        _measure_humidity(home, result)
        _measure_fridge(home, result)
        _measure_door(home, result)
    return result


def _measure_temperature(home: HomeRows, result: Measures) -> None:
    ok = home.present("temperature_c")
    if ok.sum() < 48:
        return
    value = home.values["temperature_c"]
    usual = np.full(24, np.nan)
    for hour in range(24):
        at = ok & (home.hours == hour)
        if at.any():
            usual[hour] = np.median(value[at])
    deviation = value[ok] - usual[home.hours[ok]]
    result.add("temperature_deviation", deviation[np.isfinite(deviation)])
    baseline = _rolling_hour_median(home, value, ok)
    against = value[ok] - baseline[ok]
    result.add("temperature_vs_baseline", against[np.isfinite(against)])


def _rolling_hour_median(home: HomeRows, value: FloatArray, ok: BoolArray) -> FloatArray:
    """Per row: the median of the same hour of day over the ``BASELINE_DAYS`` days before
    (NaN with fewer than ``MIN_SAMPLES`` of them), as the integration's baseline reads it."""
    day = home.days - home.days.min()
    grid = np.full((int(day.max()) + 1 + BASELINE_DAYS, 24), np.nan)
    grid[day[ok] + BASELINE_DAYS, home.hours[ok]] = value[ok]
    windows = np.lib.stride_tricks.sliding_window_view(grid, BASELINE_DAYS, axis=0)[:-1]  # days before each
    counts = np.isfinite(windows).sum(axis=2)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        medians = np.where(counts >= BASELINE_MIN_SAMPLES, np.nanmedian(windows, axis=2), np.nan)
    result: FloatArray = medians[day, home.hours]
    return result


def _measure_humidity(home: HomeRows, result: Measures) -> None:
    ok = home.present("humidity_pct")
    if ok.sum() < 48:
        return
    value = home.values["humidity_pct"]
    result.add("humidity_level", value[ok])
    result.add("humidity_home_top", np.array([value[ok].max()]))
    shower = ok & (value >= np.median(value[ok]) + SHOWER_RISE_PCT)
    result.shower_hours += np.bincount(home.hours[shower], minlength=24)
    morning = (home.hours >= 6) & (home.hours < 12)
    result.weekend_morning_showers += float((shower & morning & home.weekend).sum())
    result.weekday_morning_showers += float((shower & morning & ~home.weekend).sum())
    result.weekend_days += float((ok & home.weekend).sum()) / 24.0
    result.weekday_days += float((ok & ~home.weekend).sum()) / 24.0


def _measure_fridge(home: HomeRows, result: Measures) -> None:
    ok = home.present("fridge_power_w")
    if ok.sum() < 48:
        return
    value = home.values["fridge_power_w"]
    median = float(np.median(value[ok]))
    if median <= 0:
        return
    relative = np.asarray(value[ok] / median, dtype=np.float64)
    result.add("fridge_relative", relative)
    pairs = ok[1:] & ok[:-1]
    change: FloatArray = np.abs(np.diff(value))[pairs] / median
    result.add("fridge_hour_change", change)
    result.add("fridge_home_average", np.array([value[ok].mean()]))
    result.add("fridge_zero_hours", (value[ok] <= 0.5).astype(np.float64))


def _measure_door(home: HomeRows, result: Measures) -> None:
    if not home.door_role:
        return
    label = home.values["anomaly_class"]
    door = home.values["front_door_open"] > 0
    counted = (label == 0) | (label == 4)  # a night opening is class 4 by definition
    days = counted.sum() / 24.0
    if days < 1:
        return
    night = home.hours < 5
    result.add("door_per_day", np.array([(door & counted).sum() / days]))
    result.add("door_night_per_night", np.array([(door & counted & night).sum() / days]))


def _quantiles(values: FloatArray) -> dict[str, float] | None:
    if values.size == 0:
        return None
    return {f"p{q}": float(v) for q, v in zip(QUANTILES, np.percentile(values, QUANTILES), strict=True)}


def _side(measures: Measures) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    for name in METRICS:
        values = measures.pooled(name)
        metrics[name] = {"n": int(values.size), "quantiles": _quantiles(values)}
    deviation = measures.pooled("temperature_vs_baseline")
    zeros = measures.pooled("fridge_zero_hours")
    shower_total = float(measures.shower_hours.sum())
    return {
        "homes": measures.homes,
        "homes_with_role": dict(sorted(measures.roles.items())),
        "metrics": metrics,
        "facts": {
            "temperature_share_1.5_to_3.5_below": _share(
                (deviation <= -COOL_SPELL_C[0]) & (deviation >= -COOL_SPELL_C[1]), deviation.size
            ),
            "temperature_share_below_1.5": _share(deviation <= -COOL_SPELL_C[0], deviation.size),
            "temperature_share_below_4": _share(deviation <= -4.0, deviation.size),
            "humidity_share_above_80": _share(measures.pooled("humidity_level") >= 80.0, None),
            "fridge_share_hours_at_0w": float(zeros.mean()) if zeros.size else None,
            "shower_hours_per_day": shower_total / max(measures.weekend_days + measures.weekday_days, 1e-9)
            if shower_total
            else None,
            "weekend_vs_weekday_morning_showers_per_day": (
                (measures.weekend_morning_showers / measures.weekend_days)
                / max(measures.weekday_morning_showers / measures.weekday_days, 1e-9)
                if measures.weekend_days and measures.weekday_days and measures.weekday_morning_showers
                else None
            ),
        },
        "shower_hour_share": [float(v / shower_total) if shower_total else 0.0 for v in measures.shower_hours],
    }


def _share(mask: BoolArray, size: int | None) -> float | None:
    total = mask.size if size is None else size
    return float(mask.sum() / total) if total else None


def read_real_homes(real_dir: Path, include_composites: bool = False) -> list[HomeRows]:
    """The development set's homes (``user_*.csv``), through the dataset reader.

    ``homes.json``, when present, says which homes have a front door (a door column without a
    sensor reads 0, indistinguishable from a closed door) and which homes are composites made
    from the others' recordings (left out by default, so no recording counts twice).
    """
    if not real_dir.is_dir():
        raise SimulatorError(
            f"no folder {str(real_dir)!r}: give --real the folder of real-home CSVs (user_<id>.csv), "
            "e.g. ../shared/real-homes"
        )
    files = sorted(real_dir.glob("user_*.csv"))
    if not files:
        raise SimulatorError(
            f"no user_*.csv in {str(real_dir)!r}: --real needs the real homes' hourly CSVs (user_<id>.csv)"
        )
    door_roles: dict[str, bool] | None = None
    composites: set[str] = set()
    manifest = real_dir / "homes.json"
    if manifest.is_file():
        try:
            entries = json.loads(manifest.read_text())
            door_roles = {str(e["user_id"]): "door" in e.get("roles", ()) for e in entries}
            composites = {str(e["user_id"]) for e in entries if e.get("group") == "composite"}
        except (ValueError, KeyError, TypeError) as err:
            raise SimulatorError(
                f"{manifest}: not a list of homes with user_id and roles ({err}); fix or remove it"
            ) from err
    homes: list[HomeRows] = []
    for path in files:
        rows = read_dataset_csv(path, READ_COLUMNS)
        roles = door_roles
        if roles is None:
            roles = {user: bool(rows.values["front_door_open"].any()) for user in set(rows.user_ids)}
        homes.extend(h for h in _split_homes(rows, roles) if include_composites or h.user_id not in composites)
    return homes


def read_simulated_homes(data_dir: Path) -> list[HomeRows]:
    """The training split of a built dataset (``train_all.csv``)."""
    path = data_dir / "train_all.csv"
    if not data_dir.is_dir():
        raise SimulatorError(
            f"no folder {str(data_dir)!r}: build a dataset first (python -m simulator build --out {data_dir})"
        )
    if not path.is_file():
        raise SimulatorError(f"no {path}: build a dataset first (python -m simulator build --out {data_dir})")
    return _split_homes(read_dataset_csv(path, READ_COLUMNS), None)


def compare(data_dir: Path, real_dir: Path) -> tuple[dict[str, Any], dict[str, Measures]]:
    """The report's content (real vs simulated, per metric) and the samples behind it."""
    measures = {
        "real": measure(read_real_homes(real_dir)),
        "simulated": measure(read_simulated_homes(data_dir)),
    }
    real, simulated = _side(measures["real"]), _side(measures["simulated"])
    report = {
        "real_dir": str(real_dir),
        "data_dir": str(data_dir),
        "quantiles": [f"p{q}" for q in QUANTILES],
        "metrics": {name: {"what": what, "unit": unit} for name, (what, unit) in METRICS.items()},
        "real": real,
        "simulated": simulated,
    }
    return report, measures


def _cell(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def format_report(report: dict[str, Any]) -> str:
    """The Markdown report: a quantile table, the facts and the shower timing."""
    real, sim = report["real"], report["simulated"]
    header = "| metric | side | n | " + " | ".join(report["quantiles"]) + " |"
    lines = [
        "# Simulator calibration: real vs simulated normal hours",
        "",
        f"Real homes: `{report['real_dir']}` ({real['homes']} homes; with role: "
        + ", ".join(f"{k} {v}" for k, v in real["homes_with_role"].items())
        + f"). Simulated: `{report['data_dir']}` train split ({sim['homes']} homes; with role: "
        + ", ".join(f"{k} {v}" for k, v in sim["homes_with_role"].items())
        + "). Normal-labelled hours where the sensor really read (not carried forward).",
        "",
        header,
        "| --- | --- | ---: | " + " | ".join("---:" for _ in report["quantiles"]) + " |",
    ]
    for name, info in report["metrics"].items():
        for side, data in (("real", real), ("simulated", sim)):
            entry = data["metrics"][name]
            quantiles = entry["quantiles"] or {}
            cells = " | ".join(_cell(quantiles.get(q)) for q in report["quantiles"])
            label = f"{info['what']} ({info['unit']})" if side == "real" else ""
            lines.append(f"| {label} | {side} | {entry['n']} | {cells} |")
    lines += ["", "| fact | real | simulated |", "| --- | ---: | ---: |"]
    for fact in real["facts"]:
        lines.append(f"| {fact.replace('_', ' ')} | {_cell(real['facts'][fact], 3)} | {_cell(sim['facts'][fact], 3)} |")
    lines += ["", "Share of shower hours (humidity ≥ home median + 10 %RH) by hour of day:", ""]
    lines.append("| hours | " + " | ".join(f"{h:02d}–{h + 3:02d}" for h in range(0, 24, 3)) + " |")
    lines.append("| --- | " + " | ".join("---:" for _ in range(0, 24, 3)) + " |")
    for side, data in (("real", real), ("simulated", sim)):
        share = data["shower_hour_share"]
        lines.append(f"| {side} | " + " | ".join(f"{sum(share[h : h + 3]):.2f}" for h in range(0, 24, 3)) + " |")
    return "\n".join(lines) + "\n"


PLOTS: tuple[tuple[str, str, tuple[float, float] | None], ...] = (
    ("temperature_vs_baseline", "Temperature − 28-day median of the hour (°C)", (-7.0, 6.0)),
    ("humidity_level", "Bathroom humidity (%RH)", (20.0, 100.0)),
    ("fridge_relative", "Fridge power ÷ home median", (0.0, 3.0)),
    ("fridge_hour_change", "Fridge |hour-to-hour change| ÷ median", (0.0, 1.5)),
)


def write_report(data_dir: Path, real_dir: Path, out: Path) -> list[Path]:
    """Compare, then write ``report.md``, ``report.json`` and the PNG figures under ``out``."""
    report, measures = compare(data_dir, real_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as err:
        raise SimulatorError(f"cannot write --out {str(out)!r}: a file is in the way; choose a directory path") from err
    except OSError as err:
        raise SimulatorError(
            f"cannot write --out {str(out)!r} ({err.strerror or err}): choose a writable directory"
        ) from err
    written = [out / "report.md", out / "report.json"]
    written[0].write_text(format_report(report))
    written[1].write_text(json.dumps(report, indent=2) + "\n")
    written += _plot(measures, report, out)
    return written


def _plot(measures: dict[str, Measures], report: dict[str, Any], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"real": "tab:orange", "simulated": "tab:blue"}
    figure, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    for axis, (name, title, limits) in zip(axes.flat[:4], PLOTS, strict=False):
        for side, data in measures.items():
            values = data.pooled(name)
            if values.size:
                low, high = limits or (float(values.min()), float(values.max()))
                bins = np.linspace(low, high, 61)
                axis.hist(
                    np.clip(values, bins[0], bins[-1]),
                    bins=bins,
                    density=True,
                    histtype="step",
                    linewidth=1.6,
                    color=colours[side],
                    label=f"{side} (n={values.size})",
                )
        axis.set_title(title)
        axis.set_yscale("log")
        axis.legend(fontsize=8)
    timing = axes.flat[4]
    for offset, side in ((-0.2, "real"), (0.2, "simulated")):
        timing.bar(
            np.arange(24) + offset, report[side]["shower_hour_share"], width=0.4, color=colours[side], label=side
        )
    timing.set_title("Shower hours (≥ median + 10 %RH) by hour of day")
    timing.set_xticks(range(0, 24, 3))
    timing.legend(fontsize=8)
    averages = axes.flat[5]
    for row, side in enumerate(("real", "simulated")):
        values = measures[side].pooled("fridge_home_average")
        averages.scatter(
            values,
            np.full(values.size, row) + np.linspace(-0.15, 0.15, max(values.size, 1))[: values.size],
            color=colours[side],
            s=18,
        )
    averages.set_yticks([0, 1], ["real", "simulated"])
    averages.set_ylim(-0.6, 1.6)
    averages.set_title("Each home's average fridge power (W)")
    figure.suptitle("Normal hours: real homes vs simulated homes")
    figure.tight_layout()
    overview = out / "calibration_distributions.png"
    figure.savefig(overview, dpi=90)
    plt.close(figure)

    figure, axes = plt.subplots(1, 4, figsize=(16, 4))
    levels = np.linspace(0.5, 99.5, 100)
    for axis, (name, title, _limits) in zip(axes, PLOTS, strict=True):
        real_values, sim_values = measures["real"].pooled(name), measures["simulated"].pooled(name)
        if real_values.size and sim_values.size:
            rq, sq = np.percentile(real_values, levels), np.percentile(sim_values, levels)
            axis.plot(rq, sq, ".", color="tab:purple", markersize=4)
            low, high = float(min(rq.min(), sq.min())), float(max(rq.max(), sq.max()))
            axis.plot([low, high], [low, high], "k--", linewidth=0.8)
        axis.set_title(title, fontsize=9)
        axis.set_xlabel("real quantile")
        axis.set_ylabel("simulated quantile")
    figure.suptitle("Quantile–quantile: on the dashed line the simulator matches the real homes")
    figure.tight_layout()
    qq = out / "calibration_quantiles.png"
    figure.savefig(qq, dpi=90)
    plt.close(figure)
    return [overview, qq]
