"""Requirement files for one Home Assistant version of the compatibility matrix (scripts/ha_compat.sh).

Home Assistant pins its whole dependency tree in ``homeassistant/package_constraints.txt`` inside
its wheel; pytest-homeassistant-custom-component (phcc) pins the test tools built for that HA. The
project's own ``requirements/integration.txt`` names what the suites need beyond that, as ranges or
pins for the host's HA 2025.4.4. Where HA or phcc pins the same package, their pin wins: an exact
pin of ours that disagrees would make pip refuse the set (numpy, paho-mqtt, the frontend...).

    python compat_requirements.py HA_WHEEL [PHCC_WHEEL] --project requirements/integration.txt --out DIR

writes DIR/constraints.txt (HA's own) and DIR/requirements.txt (what to install beside homeassistant).
Standard library only: it runs inside a fresh chroot before anything else is installed.
"""

from __future__ import annotations

import argparse
import re
import zipfile
from pathlib import Path

# Installed by the matrix script itself (homeassistant, phcc), or pins that only hold for the
# host's HA 2025.4.4 (requirements/ha-2025.4.4.txt), never for a newer one.
LEFT_TO_THE_MATRIX = {"homeassistant", "pytest-homeassistant-custom-component"}


def package_name(requirement: str) -> str:
    """``Foo_Bar[extra]>=1; python_version<'3.14'`` → ``foo-bar`` (PEP 503 normalised)."""
    name = re.split(r"[=<>!~ \[;@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(text: str) -> list[str]:
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def wheel_text(wheel: Path, suffix: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        member = next((name for name in archive.namelist() if name.endswith(suffix)), None)
        if member is None:
            raise SystemExit(f"error: {wheel}: no {suffix} inside; is this the right wheel?")
        return archive.read(member).decode()


def phcc_requirements(wheel: Path) -> list[str]:
    """phcc's Requires-Dist lines (its test tools), without environment markers or homeassistant."""
    metadata = wheel_text(wheel, ".dist-info/METADATA")
    requires = [line.removeprefix("Requires-Dist:").split(";")[0].strip() for line in metadata.splitlines()
                if line.startswith("Requires-Dist:")]  # fmt: skip
    return [r for r in requires if package_name(r) not in LEFT_TO_THE_MATRIX]


def merge(
    constraints: list[str], tools: list[str], project: list[str], without: frozenset[str] = frozenset()
) -> list[str]:
    """One requirement per package: HA's constraints win over phcc, phcc over the project."""
    pinned_by_ha = {package_name(line) for line in constraints}
    merged: dict[str, str] = {}
    for requirement in tools + project:
        name = package_name(requirement)
        if name in LEFT_TO_THE_MATRIX or name in without or name in merged:
            continue
        merged[name] = name if name in pinned_by_ha else requirement
    return list(merged.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ha_wheel", type=Path)
    parser.add_argument("phcc_wheel", type=Path, nargs="?")
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--without", action="append", default=[], help="a package to leave out (repeatable)")
    args = parser.parse_args(argv)

    constraints_text = wheel_text(args.ha_wheel, "homeassistant/package_constraints.txt")
    constraints = requirement_lines(constraints_text)
    tools = phcc_requirements(args.phcc_wheel) if args.phcc_wheel else []
    project = requirement_lines(args.project.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "constraints.txt").write_text(constraints_text)
    (args.out / "requirements.txt").write_text(
        "\n".join(merge(constraints, tools, project, frozenset(map(package_name, args.without)))) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
