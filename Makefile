# Home Anomaly — every entry point a developer or CI needs.
#   make demo   the main job on embedded defaults (ARGS=--keep-running leaves Home Assistant up)
#   make test   lint, type checks and every test suite (what .ci/run calls)
#   make setup  both virtual environments (idempotent; fast when done)
#   make test-compat  the Home Assistant version matrix: 2025.4.4, 2026.2.3, 2026.10.4/2026.11.0
#               (LEGS="2026.2 current" runs some; root needed for the chroots)
#   make bench  performance benchmarks -> benchmarks/results/
#   make pipeline  the full training pipeline: build (+ the real training split) -> train ALL -> compare
#               -> benchmark -> ship -> real homes (held out)

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c

PYTHON313 ?= /root/.pyenv/versions/3.13.0/bin/python3
PYTHON311 ?= python3.11
VENV := .venv
VENV_TRAIN := .venv-train
HA_CONSTRAINTS := requirements/ha-2025.4.4-constraints.txt
# pip's notes about the machine's optional local wheel folders are noise here.
PIP_QUIET := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: setup demo test lint test-integration-env test-train-env test-e2e test-compat bench pipeline release clean

setup: $(VENV)/.installed $(VENV_TRAIN)/.installed

$(VENV)/.installed: requirements/integration.txt requirements/ha-2025.4.4.txt $(HA_CONSTRAINTS)
	test -x $(VENV)/bin/python || $(PYTHON313) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q -r requirements/ha-2025.4.4.txt -r requirements/integration.txt \
		-c $(HA_CONSTRAINTS) $(PIP_QUIET)
	$(VENV)/bin/python -c "import homeassistant, numpy, matplotlib"
	touch $@

$(VENV_TRAIN)/.installed: requirements/train.txt
	test -x $(VENV_TRAIN)/bin/python || $(PYTHON311) -m venv $(VENV_TRAIN)
	$(VENV_TRAIN)/bin/python -m pip install -q -r requirements/train.txt $(PIP_QUIET)
	$(VENV_TRAIN)/bin/python -c "import torch, numpy, matplotlib"
	touch $@

# The main job: Mosquitto + Home Assistant + the live simulator playing a story (about 3 minutes).
# Mosquitto comes from Debian when we may install it; otherwise the pure-Python amqtt broker.
demo: setup
	@command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || \
		{ [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null; } || \
		$(VENV)/bin/python -m pip install -q amqtt $(PIP_QUIET)
	$(VENV)/bin/python -m stack.demo $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy custom_components simulator benchmarks stack scripts

# Plain-Python suites run in both environments: the engine and the simulator must work with
# and without Home Assistant installed. Home Assistant's pytest plugin is off for them.
# Coverage of custom_components/ (engine + integration) is gated at 95 % over both runs.
COVERAGE := --cov=custom_components --cov-config=pyproject.toml
test-integration-env: setup
	rm -f .coverage
	$(VENV)/bin/python -m pytest -p no:homeassistant -p no:cacheprovider -q tests/engine tests/simulator $(COVERAGE) --cov-report=
	$(VENV)/bin/python -m pytest -p no:cacheprovider -q tests/integration $(COVERAGE) --cov-append \
		--cov-report=term-missing:skip-covered --cov-fail-under=95

test-train-env: setup
	$(VENV_TRAIN)/bin/python -m pytest -p no:cacheprovider -q tests/engine tests/simulator tests/trainer

# End to end: a real Mosquitto, a real Home Assistant and the live simulator (about 20 s).
test-e2e: setup
	$(VENV)/bin/python -m pytest -p no:homeassistant -p no:cacheprovider -q tests/e2e

test: lint test-integration-env test-train-env test-e2e

# The engine, integration and e2e suites on every Home Assistant of the matrix (scripts/ha_compat.sh):
# the host's 2025.4.4, and Debian chroots for 2026.2.3 (Python 3.13.5) and the current release
# (Python 3.14), kept in /var/cache/home-anomaly-compat between runs.
LEGS ?= 2025.4 2026.2 current
test-compat: setup
	scripts/ha_compat.sh $(LEGS)

# Every performance target in one run (about 15 minutes on 2 cores): benchmarks/RESULTS.md,
# benchmarks/results/latest.json and plots.
bench: setup
	$(VENV)/bin/python -m benchmarks.simulator_build
	$(VENV_TRAIN)/bin/python -m benchmarks.training --data outputs/bench/data --out outputs/bench/train
	$(VENV_TRAIN)/bin/python -m benchmarks.inference --runs outputs/bench/train
	$(VENV)/bin/python -m benchmarks.engine_latency
	$(VENV)/bin/python -m benchmarks.fleet
	$(VENV)/bin/python -m benchmarks.home_assistant
	$(VENV)/bin/python -m benchmarks.summary

# The full training pipeline on the default V2 dataset (about 25 minutes on 2 cores).
PIPELINE_DATA ?= outputs/data
PIPELINE_RUNS ?= outputs/train
# The calibrated homes take longer to learn than the original's 10 epochs (measured: docs/model_comparison.md).
PIPELINE_EPOCHS ?= 30
PIPELINE_PATIENCE ?= 8
REAL_HOMES ?= ../shared/real-homes
pipeline: setup
	$(VENV_TRAIN)/bin/python -m simulator build --out $(PIPELINE_DATA)
	@if [ -d $(REAL_HOMES) ]; then \
		$(VENV_TRAIN)/bin/python -m trainer real-train-data --data $(REAL_HOMES) --out $(PIPELINE_DATA)/train; \
	else echo "no $(REAL_HOMES): training on simulated homes only"; fi
	$(VENV_TRAIN)/bin/python -m trainer --model_type ALL --data $(PIPELINE_DATA) --out $(PIPELINE_RUNS) \
		--epochs $(PIPELINE_EPOCHS) --patience $(PIPELINE_PATIENCE)
	$(VENV_TRAIN)/bin/python -m trainer compare --data $(PIPELINE_DATA) --runs $(PIPELINE_RUNS) --out $(PIPELINE_RUNS)/comparison
	$(VENV_TRAIN)/bin/python -m trainer benchmark --data $(PIPELINE_DATA) --runs $(PIPELINE_RUNS)
	$(VENV_TRAIN)/bin/python -m trainer ship --data $(PIPELINE_DATA) --runs $(PIPELINE_RUNS)
	cp $(PIPELINE_RUNS)/comparison.md docs/model_comparison.md
	@if [ -d $(REAL_HOMES) ]; then \
		$(VENV_TRAIN)/bin/python -m trainer real-homes --model custom_components/home_anomaly/models/model.onnx \
			--data $(REAL_HOMES) --homes held-out --out $(PIPELINE_RUNS)/real_homes && \
		{ echo; cat $(PIPELINE_RUNS)/real_homes/report.md; } >> docs/model_comparison.md && \
		cp $(PIPELINE_RUNS)/real_homes/real_homes.png docs/real_homes.png; \
	else echo "no $(REAL_HOMES): the real-homes report is skipped"; fi

# A release asset: the integration folder's contents, as HACS's zip_release expects.
release:
	rm -rf outputs/release && mkdir -p outputs/release
	cd custom_components/home_anomaly && zip -q -r ../../outputs/release/home_anomaly.zip . -x '*__pycache__*'
	@echo "outputs/release/home_anomaly.zip"

clean:
	rm -rf outputs .pytest_cache .mypy_cache .ruff_cache .hypothesis
