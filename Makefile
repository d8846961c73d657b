# make serve | make build | make test    (each creates .venv on first use)
#
# The first run creates .venv with the Python found as $(PYTHON) (3.11 or newer) and installs
# qkvlib with every tool at the exact versions in constraints.txt. Later runs reuse it; editing
# pyproject.toml or constraints.txt reinstalls.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SITE   := site

# Headless Chromium for the browser tests (Debian's package by default).
CHROMIUM ?= /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export QKV_CHROMIUM := $(CHROMIUM)
export NO_MKDOCS_2_WARNING := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: serve build test lint check system-deps audit translations-synced clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[docs,test,dev,viz]'
	@touch $@

serve: $(STAMP)
	$(BIN)/mkdocs serve -a 127.0.0.1:8000

build: $(STAMP)
	$(BIN)/python tools/build_site.py $(SITE)

# One page pair in seconds (make check PAGE=heads), or every page without browser and notebooks.
check: $(STAMP)
	@$(BIN)/python tools/check.py $(PAGE)

lint: $(STAMP)
	$(BIN)/ruff check qkvlib tests tools
	$(BIN)/mypy

# In CI (CI=true) the browser and a CJK font for the notebook figures must be there: install them
# from Debian's packages when missing (idempotent). Elsewhere nothing is installed; the browser
# tests then say how to enable them.
system-deps:
ifeq ($(CI),true)
	@missing=""; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endif

# The strict build runs in the background while lint and pytest start; the tests that read the
# site wait for it (tests/conftest.py: built_site) and fail with its log if it fails.
BUILD_STATUS := .site-build.status
BUILD_LOG    := .site-build.log

# The page rules print first, plainly (they take a second); the rest runs whatever they say, so
# one run shows every failure, and the target fails if either part did.
test: system-deps $(STAMP)
	@rm -f $(BUILD_STATUS)
	@( $(BIN)/python tools/build_site.py --if-changed $(SITE) > $(BUILD_LOG) 2>&1; echo $$? > $(BUILD_STATUS) ) &
	@$(BIN)/python tools/check.py --rules; rules=$$?; \
	$(MAKE) --no-print-directory lint && \
	QKV_SITE_DIR=$(SITE) QKV_SITE_BUILD_STATUS=$(BUILD_STATUS) QKV_SITE_BUILD_LOG=$(BUILD_LOG) \
	  $(BIN)/python -m pytest; status=$$?; \
	if [ $$rules -ne 0 ]; then echo "make test: the page rules failed (listed at the top)"; fi; \
	exit $$(( status || rules ))

# Lighthouse (pinned in tools/audit/package.json, installed from the npm registry on first use)
# on a text chapter, the widget chapter and a notebook page per language, five runs each; fails
# if a page's median performance is below 95 or any run's accessibility below 100. Not part of
# `make test`: it takes about a quarter of an hour, and the performance score of one run moves by
# several points (by twenty on a busy machine), hence the median.
audit: build
	@test -x tools/audit/node_modules/.bin/lighthouse || npm ci --prefix tools/audit --no-audit --no-fund
	CHROME_PATH=$(CHROMIUM) $(BIN)/python tools/audit.py $(SITE)

# After bringing a page pair's two languages in sync, record it (docs/translations.json): the
# banner on the lagging page goes away and `make test` stops listing it. PAGE=heads (or
# notebooks/attention-heatmaps) records one pair; without PAGE, every pair.
translations-synced: $(STAMP)
	$(BIN)/python tools/translation_status.py --sync $(PAGE)

clean:
	rm -rf $(SITE) .cache .pytest_cache .mypy_cache .ruff_cache
