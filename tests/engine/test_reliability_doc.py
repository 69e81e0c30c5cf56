"""docs/RELIABILITY.md and the fault suite stay one: every test it names exists, every fault test is named."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "RELIABILITY.md"
FAULT_SUITES = [
    "tests/integration/test_buffer_faults.py",
    "tests/integration/test_time_faults.py",
    "tests/integration/test_input_faults.py",
    "tests/simulator/test_malformed_csv.py",
    "tests/trainer/test_malformed_csv.py",
]
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    }


def test_every_test_the_document_names_exists() -> None:
    references = REFERENCE.findall(DOC.read_text(encoding="utf-8"))
    assert len(references) > 40
    missing = [f"{file}::{name}" for file, name in references if name not in _test_names(REPO / file)]
    assert missing == []


def test_every_fault_test_is_in_the_document() -> None:
    named = set(REFERENCE.findall(DOC.read_text(encoding="utf-8")))
    unnamed = [
        f"{suite}::{name}"
        for suite in FAULT_SUITES
        for name in sorted(_test_names(REPO / suite))
        if (suite, name) not in named
    ]
    assert unnamed == []
