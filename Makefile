# coopdec — two commands set everything up: `make lab` and `make test`.
# Each target creates or updates the virtual environment .venv itself.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installe
# The test tools (pytest, nbval, playwright… about 170 MB) only for the targets that need them.
TESTS_STAMP := $(VENV)/.installe-tests
PORT   ?= 8888
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k quiz"`.
PYTEST_ARGS ?=
# Extra benchmark arguments, e.g. `make bench BENCH_ARGS="--rapide"`.
BENCH_ARGS ?=
# nbgrader calls the `alembic` and `jupyter` executables of its own environment.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: lab test release bench corriger

$(STAMP): pyproject.toml tools/jupyterlab-overrides.json
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 ou plus récent est nécessaire (trouvé : $$($(PYTHON) --version))."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Impossible de créer .venv : sous Debian/Ubuntu, installez python3-venv."; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp tools/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

$(TESTS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

## make lab: install the course and open it in JupyterLab (the URL is printed below).
lab: $(STAMP)
	mkdir -p exchange
	$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) \
		--ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/notebooks/00-bienvenue.ipynb \
		$(if $(filter 0,$(shell id -u)),--allow-root)

## make test: install the course and run the whole test suite.
# pytest's exit code 5 means "no test selected" (e.g. a -k filter): not a failure.
test: $(TESTS_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then exit 0; else exit $$rc; fi

## make release: rebuild notebooks/ and source/ from contenu/, then release/ with nbgrader.
release: $(TESTS_STAMP)
	$(BIN)/python tools/construire_notebooks.py

## make bench: measure how fast the course runs (results in mesures/, see docs/performance.md).
bench: $(STAMP)
	$(BIN)/python -m tools.bench $(BENCH_ARGS)

## make corriger DEVOIR=01-histoire: grade the collected copies in parallel batches (docs/formateur.md).
corriger: $(STAMP)
	@test -n "$(DEVOIR)" || { echo "Précisez le devoir : make corriger DEVOIR=01-histoire"; exit 2; }
	$(BIN)/python -m coopdec.correction.parallele $(DEVOIR)
