#!/usr/bin/env bash
# The Home Assistant version matrix: this project's own suites on the HA releases users run.
#
#   scripts/ha_compat.sh [LEG ...]      LEG: 2025.4 | 2026.2 | current   (default: all three)
#
#   2025.4   HA 2025.4.4 + phcc 0.13.236 on the host's Python 3.13.0 (.venv, `make setup`):
#            engine + simulator, integration (HA test harness), e2e (real HA + Mosquitto)
#   2026.2   HA 2026.2.3 + phcc 0.13.316 (an exact pair), Debian trixie's Python 3.13.5:
#            engine + simulator, integration, e2e
#   current  Debian sid's Python 3.14: the integration suite and mypy on HA 2026.10.4 + phcc
#            0.13.375 (the newest exact pair: phcc is not published for 2026.11 yet), and the
#            engine + simulator and e2e suites on the newest release, HA 2026.11.0 (no harness needed)
#
# Bookworm has neither Python, so the newer legs run in a Debian chroot made with debootstrap
# (root needed), kept in $COMPAT_DIR between runs: a second run only copies the project in,
# checks each venv's stamp, and runs the tests. Each venv is built from the `homeassistant` wheel's
# own package_constraints.txt (scripts/compat_requirements.py). The suites themselves fail on a
# deprecation report that names home_anomaly (tests/deprecations.py).
# Adding a release: docs/HA_VERSIONS.md.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
COMPAT_DIR=${COMPAT_DIR:-/var/cache/home-anomaly-compat}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
LOGS=$COMPAT_DIR/logs
LEGS=("$@")
[ ${#LEGS[@]} -gt 0 ] || LEGS=(2025.4 2026.2 current)
mkdir -p "$LOGS"

step() { printf '== %s (%ss)\n' "$*" "$SECONDS"; }
COV=(--cov=custom_components --cov-config=pyproject.toml)
RESULTS=()
FAILED=0

# One suite: its command, its log, one result line. Keeps going after a failure so every
# version's result is known; the script's exit status says whether all passed.
run_suite() {  # LEG SUITE LOG COMMAND...
    local leg=$1 suite=$2 log=$3; shift 3
    local t=$SECONDS rc=0
    "$@" > "$log" 2>&1 || rc=$?
    local summary
    summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed)|error|Success: no issues|Found [0-9]+ error' "$log" | tail -n 1 || true)
    RESULTS+=("$(printf '%-8s %-22s rc=%s %4ss  %s' "$leg" "$suite" "$rc" "$((SECONDS - t))" "${summary:-see $log}")")
    [ "$rc" = 0 ] || { FAILED=1; echo "   FAILED: $log (last lines below)"; tail -n 25 "$log" | sed 's/^/   | /'; }
}

# ---- host leg: HA 2025.4.4 in .venv ------------------------------------------------------------
host_leg() {
    step "2025.4: HA 2025.4.4 on $("$REPO/.venv/bin/python" -V)"
    local py=$REPO/.venv/bin/python
    cd "$REPO"
    rm -f .coverage
    run_suite 2025.4 engine+simulator "$LOGS/2025.4-engine.log" \
        "$py" -m pytest -p no:homeassistant -p no:cacheprovider -q tests/engine tests/simulator "${COV[@]}" --cov-report=
    run_suite 2025.4 integration "$LOGS/2025.4-integration.log" \
        "$py" -m pytest -p no:cacheprovider -q tests/integration "${COV[@]}" --cov-append --cov-fail-under=95
    run_suite 2025.4 e2e "$LOGS/2025.4-e2e.log" "$py" -m pytest -p no:homeassistant -p no:cacheprovider -q tests/e2e
}

# ---- chroot legs --------------------------------------------------------------------------------
ROOT=""
IN() {  # a clean environment inside the chroot: the host's PIP_*/SSL_* settings do not apply there
    chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb PIP_DISABLE_PIP_VERSION_CHECK=1 \
        PIP_DEFAULT_TIMEOUT=180 PIP_ROOT_USER_ACTION=ignore \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

unmount_all() {
    for root in "$COMPAT_DIR"/*-root; do
        for m in sys dev proc; do
            if mountpoint -q "$root/$m"; then umount -R "$root/$m" 2>/dev/null || umount -lR "$root/$m"; fi
        done
    done
}
trap unmount_all EXIT

prepare_chroot() {  # SUITE PYTHON
    local suite=$1 python=$2
    ROOT=$COMPAT_DIR/$suite-root
    command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
    if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
        step "debootstrap $suite into $ROOT"
        rm -rf "$ROOT"
        debootstrap --variant=minbase "$suite" "$ROOT" "$MIRROR" > "$LOGS/debootstrap-$suite.log" 2>&1
    fi
    # sid's Release file carries a Valid-Until that has passed; trixie's has none.
    echo 'Acquire::Check-Valid-Until "false";' > "$ROOT/etc/apt/apt.conf.d/99no-valid-until"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
    mountpoint -q "$ROOT/dev" || { mount --rbind /dev "$ROOT/dev"; mount --make-rslave "$ROOT/dev"; }
    mountpoint -q "$ROOT/sys" || mount -t sysfs sys "$ROOT/sys"
    local packages="$python $python-venv $python-dev build-essential ca-certificates pkg-config libffi-dev"
    packages+=" libssl-dev zlib1g-dev git mosquitto"
    if [ "$(cat "$ROOT/.home-anomaly-apt" 2>/dev/null)" != "$packages" ]; then
        step "apt in $suite: $packages"
        IN apt-get update -qq > "$LOGS/apt-$suite.log" 2>&1
        # shellcheck disable=SC2086
        IN env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages \
            >> "$LOGS/apt-$suite.log" 2>&1
        echo "$packages" > "$ROOT/.home-anomaly-apt"
    fi
    # Only where a TLS-inspecting proxy sits between this machine and PyPI: its CA is needed inside too.
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        mkdir -p "$ROOT/usr/local/share/ca-certificates"
        if ! cmp -s <(cat /usr/local/share/ca-certificates/*.crt) <(cat "$ROOT"/usr/local/share/ca-certificates/*.crt 2>/dev/null); then
            cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
            IN update-ca-certificates > /dev/null 2>&1
        fi
    fi
    # The project as the working tree has it (tracked and untracked-but-not-ignored files), fresh
    # each run, so coverage files and caches never land in the checkout.
    rm -rf "$ROOT/project"
    mkdir -p "$ROOT/project"
    (cd "$REPO" && git ls-files --cached --others --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$ROOT/project"
    # A repository of those files: the secret and pickle scans list what `git ls-files` lists.
    IN bash -c "cd /project && git init -q && git add -A"
}

# A venv at /opt/ha-HA: HA, the test tools phcc PHCC pins, the project's test requirements, and
# phcc itself where HARNESS=harness (the exact pair the HA test harness needs). Rebuilt only when
# its inputs change.
prepare_venv() {  # PYTHON HA PHCC HARNESS
    local python=$1 ha=$2 phcc=$3 harness=$4
    local venv=/opt/ha-$ha req=/opt/req/$ha
    local phcc_wheel=/opt/req/wheels/pytest_homeassistant_custom_component-$phcc-py3-none-any.whl
    local want
    want="$ha $phcc $harness $(sha256sum "$REPO/requirements/integration.txt" "$REPO/scripts/compat_requirements.py" | cut -c1-16 | tr '\n' ' ')"
    if [ "$(cat "$ROOT$venv/.home-anomaly-stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
    step "venv $venv: HA $ha, test tools of phcc $phcc ($harness)"
    rm -rf "$ROOT$venv"
    IN "$python" -m venv "$venv"
    IN "$venv/bin/pip" download -q --no-deps -d /opt/req/wheels "homeassistant==$ha" "pytest-homeassistant-custom-component==$phcc"
    # Without the harness, respx (a phcc tool whose pytest plugin imports httpx) only breaks HA
    # 2026.11+, which aliases httpx to httpx2 at import and refuses once httpx is loaded.
    local without=()
    [ "$harness" = harness ] || without=(--without respx)
    IN "$venv/bin/python" /project/scripts/compat_requirements.py "/opt/req/wheels/homeassistant-$ha-py3-none-any.whl" \
        "$phcc_wheel" --project /project/requirements/integration.txt --out "$req" "${without[@]}"
    IN "$venv/bin/pip" install -q --only-binary=numpy,matplotlib,onnxruntime "homeassistant==$ha" \
        -r "$req/requirements.txt" -c "$req/constraints.txt" > "$LOGS/pip-$ha.log" 2>&1
    if [ "$harness" = harness ]; then
        # phcc pins the homeassistant it was built with; the pair is exact, so --no-deps loses nothing.
        IN "$venv/bin/pip" install -q --no-deps "$phcc_wheel" >> "$LOGS/pip-$ha.log" 2>&1
    fi
    # The supervisor client this HA's hassio/mqtt code imports (phcc may pin an older one).
    local supervisor
    supervisor=$(IN "$venv/bin/python" -c "import json, pathlib, homeassistant as h; print(json.loads((pathlib.Path(h.__file__).parent / 'components/hassio/manifest.json').read_text())['requirements'][0])")
    IN "$venv/bin/pip" install -q "$supervisor" -c "$req/constraints.txt" >> "$LOGS/pip-$ha.log" 2>&1
    echo "$want" > "$ROOT$venv/.home-anomaly-stamp"
}

in_project() {  # VENV COMMAND...: run inside the chroot, in /project, with the venv's python first on PATH
    local venv=$1; shift
    chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI="${CI:-}" \
        PATH="$venv/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" bash -c "cd /project && $*"
}

engine_suite() {  # LEG VENV
    in_project "$2" "rm -f .coverage && python -m pytest -p no:homeassistant -p no:cacheprovider -q tests/engine tests/simulator ${COV[*]} --cov-report="
}
integration_suite() {  # LEG VENV
    in_project "$2" "python -m pytest -p no:cacheprovider -q tests/integration ${COV[*]} --cov-append --cov-fail-under=95"
}
e2e_suite() {  # LEG VENV
    in_project "$2" "python -m pytest -p no:homeassistant -p no:cacheprovider -q tests/e2e"
}
mypy_suite() {  # LEG VENV: mypy takes its Python version from the interpreter that runs it
    in_project "$2" "python -m mypy custom_components simulator stack scripts"
}

trixie_leg() {
    step "2026.2: HA 2026.2.3 on Debian trixie"
    prepare_chroot trixie python3
    prepare_venv python3 2026.2.3 0.13.316 harness
    local venv=/opt/ha-2026.2.3
    run_suite 2026.2 engine+simulator "$LOGS/2026.2-engine.log" engine_suite 2026.2 $venv
    run_suite 2026.2 integration "$LOGS/2026.2-integration.log" integration_suite 2026.2 $venv
    run_suite 2026.2 e2e "$LOGS/2026.2-e2e.log" e2e_suite 2026.2 $venv
}

current_leg() {
    step "current: HA 2026.10.4 (harness) and 2026.11.0 (release) on Debian sid"
    prepare_chroot sid python3.14
    prepare_venv python3.14 2026.10.4 0.13.375 harness
    prepare_venv python3.14 2026.11.0 0.13.375 tools
    run_suite current "engine+simulator 2026.11.0" "$LOGS/current-engine.log" engine_suite current /opt/ha-2026.11.0
    run_suite current "integration 2026.10.4" "$LOGS/current-integration.log" integration_suite current /opt/ha-2026.10.4
    run_suite current "mypy 2026.10.4" "$LOGS/current-mypy.log" mypy_suite current /opt/ha-2026.10.4
    run_suite current "e2e 2026.11.0" "$LOGS/current-e2e.log" e2e_suite current /opt/ha-2026.11.0
}

for leg in "${LEGS[@]}"; do
    case $leg in
        2025.4) host_leg ;;
        2026.2) trixie_leg ;;
        current) current_leg ;;
        *) echo "error: unknown leg '$leg': use 2025.4, 2026.2 or current" >&2; exit 2 ;;
    esac
done

printf '\n== Home Assistant version matrix (%ss; logs in %s)\n' "$SECONDS" "$LOGS"
printf '%s\n' "${RESULTS[@]}"
exit $FAILED
