# sister-city-compendium — two commands on a fresh machine:
#   make        create .venv, install the pinned environment and the package, run the whole pipeline
#   make test   run every test (library tests + nbval on the notebooks), on three worker processes (two cores)
# Other targets: make test-fast (the inner loop: library tests without the slow ones, no nbval) |
#   make site (the website, build/site/) | make lab | make bench [ARGS="--only build|growth|bench_grading"] | make validate | make clean
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: all build test test-fast site lab bench validate clean

# Python's default: cache bytecode in __pycache__/ (git-ignored). Where PYTHONDONTWRITEBYTECODE is set
# (some containers set it), every process -- each test worker, kernel and build worker -- would compile
# the library again, and pytest would rewrite every test module's asserts again, about a CPU-second per
# pytest process.
unexport PYTHONDONTWRITEBYTECODE
all: build

$(STAMP): requirements.in requirements.lock pyproject.toml tools/install-system-packages
	@tools/install-system-packages
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the pinned Python environment into $(VENV) …"
	@$(PIP) pip==26.3
	@$(PIP) -r requirements.in -c requirements.lock
	@# An editable install without build isolation needs setuptools in the venv; fall back to an isolated build.
	@$(PIP) --no-deps --no-build-isolation -e . >/dev/null 2>&1 || $(PIP) --no-deps -e .
	@# jupyterlab -> jupyter_server -> jupyter-events asks for jsonschema[format-nongpl], whose
	@# rfc3987-syntax builds a parser when imported: 1.3 CPU-s in every process that imports jsonschema
	@# (nbformat and papermill do: each test worker, build worker and sandboxed submission). Nothing here
	@# validates the 'iri' formats it checks; without it jsonschema skips those two formats.
	@$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax lark 2>/dev/null || true
	@touch $(STAMP)

build: $(STAMP)
	@$(BIN)/compendium build $(ARGS)

# pytest-xdist: whole files per worker (--dist loadfile): nbval's cells of one notebook share a kernel,
# so a notebook must never be split across workers; files longest first (tests/conftest.py). Three
# workers on this two-core machine: the sandboxed notebooks' limits, the browser and the kernels'
# start-up leave a core idle now and then, and a third worker fills it (measured: 69 s with two, 62 s
# with three, 64 s with four). Elsewhere: make test ARGS="-n auto".
XDIST := -n 3 --dist loadfile --no-loadscope-reorder

test: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) $(ARGS)

# Seconds, not minutes: no nbval, and nothing that starts a Jupyter kernel, a browser or a sandbox (marked slow).
test-fast: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) -m "not slow" tests $(ARGS)

# The website: pages generated from the data into build/site-src/, built by Sphinx into build/site/.
site: $(STAMP)
	@$(BIN)/python -m compendium.render.site build/site

validate: $(STAMP)
	@$(BIN)/compendium validate

# Root (containers, Binder-like machines) needs --allow-root; ordinary users do not.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root,)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(ARGS)

clean:
	rm -rf build
