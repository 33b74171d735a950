# One command to set up and open the quick start, one to set up and run every test.
VENV ?= .venv
PY := $(VENV)/bin/python
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_ARGS ?=

.PHONY: quickstart test lint clean

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

clean:
	rm -rf $(VENV) artifacts .pytest_cache .mypy_cache .ruff_cache
