# Two commands do all set-up on a fresh machine: `make run` and `make test`.
# Everything the project needs is installed here: Python packages into .venv,
# Debian packages (only when missing) with apt-get, first: `python3 -m venv` needs python3-venv.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
APT_STAMP := $(VENV)/.apt-stamp
DEBS   := python3-venv poppler-utils zbar-tools xvfb xauth chromium chromium-driver libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libfontconfig1 libdbus-1-3 fonts-dejavu-core

.PHONY: run test bench screenshots package venv deps lint-imports clean pg

# The system packages come first (order-only: a newer apt stamp alone does not reinstall).
# A venv made while python3-venv was missing has bin/python but no pip: made again then.
$(STAMP): pyproject.toml | $(APT_STAMP)
	$(PY) -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[desktop,server,dev]"
	touch $(STAMP)

$(APT_STAMP): Makefile
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@mkdir -p $(VENV) && touch $(APT_STAMP)

venv: $(STAMP)
deps: $(STAMP) $(APT_STAMP)

run: deps
	$(VENV)/bin/intake-app

pg:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start

lint-imports: $(STAMP)
	$(VENV)/bin/lint-imports

test: deps pg lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: deps pg
	$(PY) -m bench

screenshots: deps
	QT_QPA_PLATFORM=offscreen $(PY) -m ui.screenshots

package: deps
	$(PY) -m pip install --quiet "pyinstaller>=6.10"
	$(VENV)/bin/pyinstaller --noconfirm --clean packaging/intake-app.spec
	sh packaging/smoke_test.sh dist/intake-app/intake-app

clean:
	rm -rf $(VENV) build dist
