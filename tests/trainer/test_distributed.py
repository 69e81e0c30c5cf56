"""Data-parallel training with torchrun (two processes, gloo on CPU) matches one process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SETTINGS = {"early_stop_users": 1, "samples_per_epoch": 6000, "epochs": 6, "batch_size": 64, "model_type": "CNN"}


def _train(command: list[str], data: Path, out: Path, settings: Path) -> dict[str, float]:
    result = subprocess.run(
        [*command, "--config", str(settings), "--data", str(data), "--out", str(out), "--no-log"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads((out / "CNN" / "report.json").read_text())
    return {
        "early_stop": report["early_stop_macro_f1"],
        "validation": report["fp32"]["model_only"]["macro_f1_excl_normal"],
    }


def test_two_processes_train_as_well_as_one(tiny_dataset: Path, tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps(SETTINGS))
    torchrun = Path(sys.executable).with_name("torchrun")
    one = _train([sys.executable, "-m", "trainer"], tiny_dataset, tmp_path / "one", settings)
    two = _train(
        [str(torchrun), "--nproc_per_node", "2", "--master_port", "29533", "-m", "trainer"],
        tiny_dataset, tmp_path / "two", settings,
    )  # fmt: skip
    assert abs(one["early_stop"] - two["early_stop"]) <= 0.1, (one, two)
    assert abs(one["validation"] - two["validation"]) <= 0.1, (one, two)
    assert two["validation"] > 0.3  # it learned something, not two equally useless runs
    assert not (tmp_path / "two" / "CNN" / "model.onnx.data").exists()


def test_shards_are_disjoint_and_equally_long() -> None:
    import numpy as np

    from trainer.distributed import Ranks, shard

    indices = np.arange(11)
    first, second = shard(indices, Ranks(0, 2)), shard(indices, Ranks(1, 2))
    assert len(first) == len(second) == 5  # the same number of steps on every rank
    assert set(first).isdisjoint(second)
    assert shard(indices, Ranks()).tolist() == indices.tolist()
