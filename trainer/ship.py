"""``python -m trainer ship``: put the chosen int8 model and its model card into the integration.

The choice is by measurement: among models whose int8 graph uses only standard ONNX ops (the
integration's numpy engine must run it where onnxruntime cannot be installed) and is at most
64 KB, the highest validation macro-F1 wins; ties go to the smaller file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import onnx

from custom_components.home_anomaly.engine.features import FEATURE_NAMES
from custom_components.home_anomaly.engine.model_card import (
    CARD_FILE,
    MODEL_FILE,
    SCHEMA_VERSION,
    class_table,
    normalisation_contract,
    read_model_card,
    sha256_of,
)
from custom_components.home_anomaly.engine.runtime import INPUT_NAME, OUTPUT_NAME
from custom_components.home_anomaly.engine.schema import SENSOR_COLUMNS

from .data import load_households
from .drift import reference_distributions
from .evaluate import CARD_THRESHOLDS
from .models import MODEL_NAMES
from .real_training import REAL_PREFIX

MODELS_DIR = Path(__file__).resolve().parent.parent / "custom_components" / "home_anomaly" / "models"
MAX_SHIPPED_BYTES = 64 * 1024
STANDARD_DOMAINS = frozenset({"", "ai.onnx"})


class ShipError(ValueError):
    pass


def nonstandard_ops(path: Path) -> list[str]:
    graph = onnx.load(str(path)).graph
    return sorted({f"{node.domain}::{node.op_type}" for node in graph.node if node.domain not in STANDARD_DOMAINS})


def candidates(runs_dir: Path) -> list[dict[str, Any]]:
    found = []
    for name in MODEL_NAMES:
        report_path = runs_dir / name / "report.json"
        if not report_path.is_file():
            continue
        report = json.loads(report_path.read_text())
        int8 = runs_dir / name / "model.int8.onnx"
        found.append(
            {
                "name": name,
                "path": int8,
                "report": report,
                "macro_f1": report["int8"]["macro_f1_excl_normal"],
                "size": int8.stat().st_size,
                "contrib_ops": nonstandard_ops(int8),
            }
        )
    return found


def choose(runs_dir: Path, name: str | None) -> dict[str, Any]:
    options = candidates(runs_dir)
    if not options:
        raise ShipError(f"no trained models in {runs_dir}: run python -m trainer --model_type ALL first")
    if name is not None:
        chosen = [o for o in options if o["name"] == name]
        if not chosen:
            raise ShipError(f"no trained {name} in {runs_dir}; trained: {', '.join(o['name'] for o in options)}")
        option = chosen[0]
        if option["contrib_ops"]:
            raise ShipError(
                f"{name}'s int8 model uses {', '.join(option['contrib_ops'])}, which the numpy engine cannot run"
            )
        return option
    eligible = [o for o in options if not o["contrib_ops"] and o["size"] <= MAX_SHIPPED_BYTES]
    if not eligible:
        raise ShipError(f"no int8 model in {runs_dir} uses standard ops only and fits {MAX_SHIPPED_BYTES // 1024} KB")
    return max(eligible, key=lambda o: (round(o["macro_f1"], 3), -o["size"]))


def dataset_digest(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in ("train_all.csv", "val_all.csv"):
        with open(data_dir / name, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def ship(runs_dir: Path, data_dir: Path, name: str | None = None, models_dir: Path = MODELS_DIR) -> Path:
    """Write the chosen model and its card into ``models_dir``; on any error the folder is left as it was.

    Everything that reads the dataset runs before anything is written, and both files are checked
    in a staging folder first: a half-shipped model whose card does not match would stop the
    integration from loading.
    """
    option = choose(runs_dir, name)
    reference = reference_distributions(load_households(data_dir / "train"))
    digest = dataset_digest(data_dir)
    manifest = _manifest(data_dir / "dataset.json")
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".ship-", dir=models_dir))
    try:
        real_copies = len(list((data_dir / "train").glob(f"user_{REAL_PREFIX}*.csv")))
        _write_model_and_card(option, staging, manifest, reference, digest, real_copies)
        read_model_card(staging)  # the integration's own check must accept what we wrote
        for file in (MODEL_FILE, CARD_FILE):
            os.replace(staging / file, models_dir / file)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return models_dir / MODEL_FILE


def _manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ShipError(f"{path} is not valid JSON ({err}); rebuild the dataset or delete the file") from None
    if not isinstance(manifest, dict):
        raise ShipError(f"{path} must hold a JSON object; rebuild the dataset or delete the file")
    return manifest


def _write_model_and_card(
    option: dict[str, Any],
    folder: Path,
    manifest: dict[str, Any],
    reference: dict[str, Any],
    digest: str,
    real_copies: int,
) -> None:
    report = option["report"]
    model_path = folder / MODEL_FILE
    shutil.copyfile(option["path"], model_path)
    int8 = report["int8"]
    card = {
        "schema_version": SCHEMA_VERSION,
        "model_file": MODEL_FILE,
        "sha256": sha256_of(model_path),
        "size_bytes": model_path.stat().st_size,
        "architecture": option["name"],
        "quantization": f"int8 {report['quantization']}",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": {"name": INPUT_NAME, "window_size": _window(model_path), "features": list(FEATURE_NAMES)},
        "output": {"name": OUTPUT_NAME, "kind": "class probabilities"},
        "sensors": list(SENSOR_COLUMNS),
        "normalisation": normalisation_contract(),
        "classes": class_table(),
        "decision": "argmax; raise an alert when the winning class's probability reaches its threshold",
        "thresholds": {str(c): threshold for c, threshold in CARD_THRESHOLDS.items()},
        "training_data": {
            "digest_sha256": digest,
            "version": manifest.get("version"),
            "seed": manifest.get("seed"),
            "train_households": len(manifest.get("train_users", [])),
            # Copies of the real-homes training split (``real-train-data``) trained on beside them.
            "real_train_copies": real_copies,
            "validation_households": len(manifest.get("val_users", [])),
        },
        "metrics": {
            "split": "validation households (never seen in training or early stopping)",
            "decision": "model + instant rules",
            "macro_f1_excl_normal": int8["macro_f1_excl_normal"],
            "macro_f1_excl_normal_model_only": int8["model_only"]["macro_f1_excl_normal"],
            "per_class_f1": {c: v["f1"] for c, v in int8["per_class"].items()},
            "event_recall": int8.get("event_recall"),
            "false_alarms_per_home_week": int8.get("false_alarms_per_home_week"),
            "average_precision": int8.get("average_precision"),
        },
        "reference_distributions": reference,
    }
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")


def _window(model_path: Path) -> int:
    graph = onnx.load(str(model_path)).graph
    return int(graph.input[0].type.tensor_type.shape.dim[1].dim_value)
