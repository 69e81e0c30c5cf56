"""Nothing secret-looking is committed: API keys, tokens, private keys."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PATTERNS = {
    "AWS access key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "GitHub token": re.compile(r"gh[pousr]_[A-Za-z0-9]{36}"),
    "Slack token": re.compile(r"xox[abpr]-[A-Za-z0-9-]{10,}"),
    "W&B API key": re.compile(r"WANDB_API_KEY\s*=\s*['\"]?[0-9a-f]{40}"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "assigned secret": re.compile(r"(?i)(api[_-]?key|secret|token)\s*[:=]\s*['\"][A-Za-z0-9_\-]{24,}['\"]"),
}


def tracked_files() -> list[Path]:
    listing = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [REPO / line for line in listing.splitlines() if line]


def test_no_secret_looking_strings_are_committed() -> None:
    findings = []
    for path in tracked_files():
        if path.suffix in {".png", ".onnx", ".sqlite"} or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        findings += [f"{path.relative_to(REPO)}: {name}" for name, pattern in PATTERNS.items() if pattern.search(text)]
    assert findings == []


def test_the_scanner_catches_a_planted_key() -> None:
    planted = "WANDB_API_KEY=" + "0123456789abcdef" * 2 + "01234567"
    assert PATTERNS["W&B API key"].search(planted)
    assert PATTERNS["assigned secret"].search('api_key = "' + "A" * 30 + '"')
