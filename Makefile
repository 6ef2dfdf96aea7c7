# voicecoach: two commands on a fresh machine (README "Quick start").
#   make demo   set up, then analyse a bundled sample -> out/good_take.report/report.html
#   make test   set up (with test extras and system packages), then run the tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test setup system-deps bench-accuracy bench-speed clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TSTAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

setup: $(STAMP)
	$(BIN)/voicecoach setup

demo: setup
	$(BIN)/voicecoach analyze samples/good_take.flac --out out
	@echo "open out/good_take.report/report.html"

system-deps:
	@scripts/system-deps.sh

test: $(TSTAMP) system-deps
	$(BIN)/voicecoach setup
	$(BIN)/python -m pytest -q -rs

bench-accuracy: $(TSTAMP)
	$(BIN)/python benchmarks/accuracy.py

bench-speed: $(STAMP)
	$(BIN)/python benchmarks/speed.py

clean:
	rm -rf $(VENV) out .pytest_cache
