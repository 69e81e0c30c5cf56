"""Every ``python -m trainer`` command that reads a dataset refuses a malformed CSV in one line.

The cases are the simulator's (``tests/simulator/malformed_csv.py``): both command lines must
name the same file, row and column for the same broken file, and write nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.simulator.malformed_csv import MALFORMED, Malformed
from trainer.cli import main
from trainer.data import DataError
from trainer.ship import MODELS_DIR as SHIPPED
from trainer.ship import ship

CASES = [pytest.param(case, id=case.kind) for case in MALFORMED]


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    return lines[0]


def _assert_refused(code: int, capsys: pytest.CaptureFixture[str], bad: Path, expected: tuple[str, ...]) -> None:
    assert code == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: {bad}: ")
    for fragment in expected:
        assert fragment in line


@pytest.mark.parametrize("case", CASES)
def test_train_refuses_before_writing_anything(
    case: Malformed, tiny_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "data" / "train" / "user_001.csv"
    expected = case.write(tiny_dataset / "train" / "user_001.csv", bad)
    out = tmp_path / "runs"
    code = main(["--data", str(tmp_path / "data"), "--out", str(out), "--model_type", "CNN", "--no-log"])
    _assert_refused(code, capsys, bad, expected)
    assert not out.exists()


@pytest.mark.parametrize("case", CASES)
def test_evaluate_refuses_before_writing_anything(
    case: Malformed, tiny_dataset: Path, tiny_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "user_005.csv"
    expected = case.write(tiny_dataset / "val" / "user_005.csv", bad)
    metrics, predictions = tmp_path / "out" / "metrics.json", tmp_path / "out" / "predictions.csv"
    model = tiny_run / "CNN" / "model.onnx"
    code = main(
        [
            "evaluate",
            "--model",
            str(model),
            "--data",
            str(bad),
            "--out",
            str(metrics),
            "--predictions",
            str(predictions),
        ]
    )
    _assert_refused(code, capsys, bad, expected)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", CASES)
def test_drift_refuses_before_writing_anything(
    case: Malformed, tiny_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "user_006.csv"
    expected = case.write(tiny_dataset / "val" / "user_006.csv", bad)
    out = tmp_path / "drift.json"
    code = main(["drift", "--reference", str(tiny_dataset / "train"), "--current", str(bad), "--out", str(out)])
    _assert_refused(code, capsys, bad, expected)
    assert not out.exists()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("user_005,fire,2025-01-03 01:00:00,2025-01-03 02:00:00", ("row 3", "column anomaly_class", "'fire'")),
        ("user_005,0,2025-01-03 01:00:00,2025-01-03 02:00:00", ("row 3", "column anomaly_class", "not 0")),
        ("user_005,5,2025-01-03 01:00,2025-01-03 02:00:00", ("row 3", "column start", "'2025-01-03 01:00'")),
        ("user_005,5,2025-01-03 03:00:00,2025-01-03 02:00:00", ("row 3", "column end", "before the start")),
        ("user_005,5,2025-01-03 01:00:00", ("row 3", "column end", "missing")),
    ],
)
def test_a_malformed_episode_list_is_refused_the_same_way(
    line: str,
    expected: tuple[str, ...],
    tiny_dataset: Path,
    tiny_run: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # evaluate reads episodes.csv from beside the data for event-level metrics.
    data = tmp_path / "val"
    data.mkdir()
    (data / "user_005.csv").write_text((tiny_dataset / "val" / "user_005.csv").read_text())
    episodes = tmp_path / "episodes.csv"
    episodes.write_text("user_id,anomaly_class,start,end\nuser_005,3,2025-01-02 01:00:00,2025-01-02 02:00:00\n" + line)
    out = tmp_path / "metrics.json"
    code = main(["evaluate", "--model", str(tiny_run / "CNN" / "model.onnx"), "--data", str(data), "--out", str(out)])
    _assert_refused(code, capsys, episodes, expected)
    assert not out.exists()


def test_ship_leaves_the_integration_folder_as_it_was(tiny_dataset: Path, tiny_run: Path, tmp_path: Path) -> None:
    # ship used to copy the model in before reading the data: a bad file then left a model whose
    # card did not match, and the integration refused to start.
    data = tmp_path / "data"
    shutil.copytree(tiny_dataset, data)
    MALFORMED[3].write(tiny_dataset / "train" / "user_002.csv", data / "train" / "user_002.csv")
    models = tmp_path / "models"
    shutil.copytree(SHIPPED, models)
    before = {path.name: path.read_bytes() for path in models.iterdir()}
    with pytest.raises(DataError, match="user_002.csv: row 8, column timestamp"):
        ship(tiny_run, data, "CNN", models_dir=models)
    assert {path.name: path.read_bytes() for path in models.iterdir()} == before
