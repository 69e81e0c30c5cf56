"""``python -m simulator plot`` and ``calibrate`` refuse a malformed CSV in one line: file, row, column."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import main

from .malformed_csv import MALFORMED, Malformed

REPO = Path(__file__).resolve().parents[2]
CASES = [pytest.param(case, id=case.kind) for case in MALFORMED]


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert err.endswith("\n") and err.count("\n") == 1
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("case", CASES)
def test_plot_names_file_row_and_column_and_writes_nothing(
    case: Malformed, v2_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "data" / "train" / "user_001.csv"
    expected = case.write(v2_dataset / "train" / "user_001.csv", bad)
    out = tmp_path / "plots" / "user_001.png"
    assert main(["plot", "--data", str(tmp_path / "data"), "--user", "user_001", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    line = _one_error_line(captured.err)
    assert line.startswith(f"error: {bad}: ")
    for fragment in expected:
        assert fragment in line
    assert captured.out == ""
    assert not out.parent.exists()  # no figure, not even its folder


@pytest.mark.parametrize("case", CASES)
def test_calibrate_names_file_row_and_column(
    case: Malformed, v2_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "data" / "train_all.csv"
    expected = case.write(v2_dataset / "train_all.csv", bad)
    assert main(["calibrate", "--data", str(tmp_path / "data")]) == 2
    captured = capsys.readouterr()
    line = _one_error_line(captured.err)
    assert line.startswith(f"error: {bad}: ")
    for fragment in expected:
        assert fragment in line
    assert captured.out == ""  # no half-computed table


def test_households_are_checked_one_by_one_in_a_combined_file(v2_dataset: Path, tmp_path: Path) -> None:
    # train_all.csv holds each household's hours after the previous household's: the clock
    # starting again at a new household is not a time going backwards.
    lines = (v2_dataset / "train_all.csv").read_text().splitlines()
    first_rows_of_two_homes = [lines[0], *lines[1:25], *(line for line in lines if ",user_002," in line)][:49]
    (tmp_path / "train_all.csv").write_text("\n".join(first_rows_of_two_homes) + "\n")
    assert main(["calibrate", "--data", str(tmp_path)]) == 0


def test_the_real_command_exits_2_without_a_traceback(v2_dataset: Path, tmp_path: Path) -> None:
    bad = tmp_path / "data" / "val" / "user_004.csv"
    expected = MALFORMED[3].write(v2_dataset / "val" / "user_004.csv", bad)
    out = tmp_path / "out.png"
    data = str(tmp_path / "data")
    run = subprocess.run(
        [sys.executable, "-m", "simulator", "plot", "--data", data, "--user", "user_004", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    line = _one_error_line(run.stderr)
    assert str(bad) in line and all(fragment in line for fragment in expected)
    assert not out.exists()


def test_a_spreadsheet_saved_file_still_reads(v2_dataset: Path, tmp_path: Path) -> None:
    # Excel writes a byte-order mark and CRLF line ends; neither is a malformed file.
    lines = (v2_dataset / "train" / "user_002.csv").read_text().splitlines()[:50]
    bad = tmp_path / "data" / "train" / "user_002.csv"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    assert main(["plot", "--data", str(tmp_path / "data"), "--user", "user_002", "--days", "1"]) == 0
    assert (tmp_path / "data" / "plots" / "user_002.png").is_file()
