# One command to set up and open the quick start, one to set up and run every test.
VENV ?= .venv
PY := $(VENV)/bin/python
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_ARGS ?=
NOTEBOOKS ?= notebooks/*.ipynb

.PHONY: quickstart test lint notebooks clean

$(VENV)/.notebook: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[notebook]'
	touch $@

$(VENV)/.test: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.notebook

## quickstart: open notebooks/01-quickstart.ipynb in JupyterLab, on the embedded emulator
## (even when the shell has a real app's COMETCHAT_APP_ID set)
quickstart: $(VENV)/.notebook
	env -u COMETCHAT_APP_ID -u COMETCHAT_EMULATOR_HOST \
		$(VENV)/bin/jupyter lab $(ROOT_FLAG) notebooks/01-quickstart.ipynb

## lint: ruff and mypy
lint: $(VENV)/.test
	$(VENV)/bin/ruff check cometchat_nb tests benchmarks
	$(VENV)/bin/ruff format --check cometchat_nb tests benchmarks
	$(VENV)/bin/mypy cometchat_nb

## test: lint, then unit and HTTP tests, the JS SDK conformance test, nbval over notebooks/,
## and the browser tests (they skip without /usr/bin/chromium, except under CI=true)
## (a shell's real app settings are ignored: the suite runs on emulators)
test: lint
	env -u COMETCHAT_APP_ID -u COMETCHAT_EMULATOR_HOST -u COMETCHAT_REGION -u COMETCHAT_AUTH_KEY \
		-u COMETCHAT_REST_API_KEY -u COMETCHAT_CLIENT_HOST -u COMETCHAT_ADMIN_HOST \
		$(PY) -m pytest -ra --timeout=600 --nbval-lax --nbval-current-env --nbval-cell-timeout=120 \
		tests notebooks $(PYTEST_ARGS)

# Drop what varies from run to run or cannot render without the kernel: timings, saved widget
# state, and widget views (random model ids): a saved widget output keeps its plain-text form.
define STRIP_NOTEBOOK_METADATA
import sys, nbformat
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop('widgets', None)
    for cell in nb.cells:
        cell.metadata.pop('execution', None)
        for output in cell.get('outputs', []):
            output.get('data', {}).pop('application/vnd.jupyter.widget-view+json', None)
    nbformat.write(nb, path)
endef
export STRIP_NOTEBOOK_METADATA

## notebooks: re-execute the tutorials in place, on the deterministic emulator, without timing
## metadata or widget state, so that their committed outputs are byte-stable
notebooks: $(VENV)/.test
	home=$$(mktemp -d) && env -u COMETCHAT_APP_ID -u COMETCHAT_EMULATOR_HOST -u COMETCHAT_REGION \
		-u COMETCHAT_AUTH_KEY -u COMETCHAT_REST_API_KEY COMETCHAT_NB_DETERMINISTIC=1 \
		COMETCHAT_NB_HOME=$$home $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=120 --ExecutePreprocessor.record_timing=False \
		--ExecutePreprocessor.store_widget_state=False $(NOTEBOOKS); \
		status=$$?; rm -rf $$home; exit $$status
	$(PY) -c "$$STRIP_NOTEBOOK_METADATA" $(NOTEBOOKS)

clean:
	rm -rf $(VENV) artifacts .pytest_cache .mypy_cache .ruff_cache
