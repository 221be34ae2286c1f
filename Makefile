# One-command set-up on a fresh Debian 12 machine (as root): `make demo` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := mosquitto mosquitto-clients libzbar0 xvfb xauth fonts-noto-cjk fonts-wqy-microhei \
	espeak-ng socat libgl1 libegl1 libmtdev1 libusb-1.0-0 python3-venv
STAMP := $(VENV)/.installed

.PHONY: all setup system-deps venv demo test bench lint clean

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

demo: setup
	$(BIN)/hall up

test: setup
	$(BIN)/ruff check .
	$(BIN)/hall config check --config config
	$(BIN)/pytest -q

bench: setup
	$(BIN)/hall bench
	$(BIN)/python -m bench.scan_bench

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
