# One-command set-up on a fresh Debian 12 machine (as root): `make demo` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := mosquitto mosquitto-clients libzbar0 xvfb xauth fonts-noto-cjk fonts-wqy-microhei \
	espeak-ng socat libgl1 libegl1 libmtdev1 libusb-1.0-0 python3-venv postgresql
STAMP := $(VENV)/.installed

.PHONY: all setup system-deps venv demo test faults bench lint clean

all: test

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

setup: system-deps venv

# The whole hall at any hour: broker, queue service, the kiosk, lobby display, consoles and two
# window terminals (on the screen, or on Xvfb with screenshots in var/screens/), simulated
# applicants touching the kiosk and staff pressing the terminals' buttons, the printer
# simulator (var/tickets/), more simulated window staff calling. `hall up` prints where to look.
demo: setup
	$(BIN)/hall up --demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/hall config check --config config
	$(BIN)/pytest -q

# The long fault-injection suite (issue 6); a short version runs in `make test`.
# Each scenario's figures are printed at the end and kept in var/faults-summary.jsonl.
faults: setup
	mkdir -p var && rm -f var/faults-summary.jsonl
	HALL_FAULTS=long HALL_FAULTS_SUMMARY=$(CURDIR)/var/faults-summary.jsonl $(BIN)/pytest -q -m faults

bench: setup
	$(BIN)/hall bench
	$(BIN)/python -m bench.scan_bench

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
