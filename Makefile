# The two set-up commands of README.md:  `make demo` (install + start the kit)  and  `make test` (install + run every test).
# Both are idempotent: the stamp files below make a second run skip the installs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo lab test test-slow browser-deps export clean-nbs readme help
help:
	@echo "make demo   - create .venv, install the kit with both frameworks, start the web demo (voila nbs/classify.ipynb)"
	@echo "make lab    - the same environment, then JupyterLab on nbs/ to take the course"
	@echo "make test   - install test tools (and chromium + a CJK font), run nbdev-test and pytest tests/"
	@echo "make test-slow - also the notebooks' slow cells, on the real data (minutes of CPU)"
	@echo "make export / clean-nbs / readme - nbdev-export, nbdev-clean, README.md from nbs/index.ipynb"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Without an NVIDIA GPU (no nvidia-smi) on Linux, PyTorch's CPU-only build first: a few hundred MB instead of several GB
# with CUDA; `pip install -e` then keeps it (2.14.1+cpu satisfies the pin). If it cannot be installed (no network to its
# index), the standard package is installed instead. macOS wheels are CPU-only anyway. TORCH_PINS = pyproject.toml's
# torch extra (tests/test_sync.py checks that they agree).
TORCH_PINS := torch==2.14.1 torchvision==0.29.1
CPU_TORCH = if [ "$$(uname -s)" = Linux ] && ! command -v nvidia-smi >/dev/null 2>&1 && ! $(BIN)/python -c "import torch" 2>/dev/null; then \
	  echo "No NVIDIA GPU found: installing PyTorch's CPU-only build"; \
	  $(BIN)/pip install -q --timeout 30 --retries 1 $(TORCH_PINS) --index-url https://download.pytorch.org/whl/cpu \
	  || echo "PyTorch's CPU-only build could not be installed: installing the standard PyTorch package instead"; fi

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	@$(CPU_TORCH)
	$(BIN)/pip install -q -e ".[torch,tf,app,course]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	@$(CPU_TORCH)
	$(BIN)/pip install -q -e ".[dev]"
	touch $@ $(VENV)/.installed-demo

# The web demo on 127.0.0.1:8866; voila.json (read from this folder) holds its settings.
demo: $(VENV)/.installed-demo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/voila nbs/classify.ipynb --port=8866

# The course in JupyterLab, from the same environment as the demo (the chapters are in nbs/).
lab: $(VENV)/.installed-demo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter lab --notebook-dir=nbs

# Debian's chromium drives the browser tests; fonts-noto-cjk lets screenshots show the Chinese class names.
# Debian/Ubuntu only; elsewhere (macOS, Linux without apt-get) it says so and the browser tests skip. Ubuntu has no
# `chromium` package, only `chromium-browser`, a snap: tried, and if it cannot be installed the browser tests skip.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && [ ! -x /snap/bin/chromium ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then $(SUDO) apt-get update -q && \
	    if apt-cache show chromium >/dev/null 2>&1; then $(SUDO) apt-get install -y -q chromium fonts-noto-cjk; \
	    else $(SUDO) apt-get install -y -q chromium-browser fonts-noto-cjk \
	      || echo "note: chromium-browser could not be installed (a snap, on Ubuntu): the browser tests will skip"; fi; \
	  else echo "note: no apt-get here, so Chromium and a CJK font are not installed: the browser tests will skip"; fi; fi

test: $(VENV)/.installed-dev browser-deps
	$(BIN)/nbdev-test
	$(BIN)/pytest tests/ -q -rs

# The slow cells too (real data, minutes of CPU): not part of `make test`.
test-slow: $(VENV)/.installed-dev
	$(BIN)/nbdev-test --flags slow

export: ; $(BIN)/nbdev-export
clean-nbs: ; $(BIN)/nbdev-clean
readme: ; $(BIN)/python tools/make_readme.py
