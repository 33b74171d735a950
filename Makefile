# One command to set up and open the quick start, one to set up and run every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_ARGS ?=
NOTEBOOKS ?= notebooks/*.ipynb

.PHONY: quickstart test lint notebooks clean python-check

## python-check: Python 3.11+ with a working venv module, or a message that says what to install
python-check:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "cometchat-nb needs Python 3.11 or newer, and '$(PYTHON)' is $$($(PYTHON) -c 'import sys; print("Python", sys.version.split()[0])' 2>/dev/null || echo 'not a working Python')." >&2; \
		echo "Install Python 3.11+ (Debian/Ubuntu: sudo apt-get install python3.11 python3.11-venv), then: make $(MAKECMDGOALS) PYTHON=python3.11" >&2; \
		exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
		echo "'$(PYTHON)' cannot create virtual environments: its venv/ensurepip modules are missing." >&2; \
		echo "Debian/Ubuntu: sudo apt-get install python3-venv (or python3.X-venv for your version)." >&2; \
		exit 1; }

$(VENV)/.notebook: pyproject.toml | python-check
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[notebook]'
	touch $@

$(VENV)/.test: pyproject.toml | python-check
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.notebook

QUICKSTART := notebooks/01-quickstart.ipynb
# JupyterLab settings for this venv: no "Would you like to get notified about Jupyter news?" toast
define LAB_OVERRIDES
import json, pathlib, sys
path = pathlib.Path(sys.prefix, 'share', 'jupyter', 'lab', 'settings', 'overrides.json')
settings = json.loads(path.read_text()) if path.exists() else {}
settings.setdefault('@jupyterlab/apputils-extension:notification', {'fetchNews': 'false', 'checkForUpdates': False})
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(settings, indent=2) + chr(10))
endef
export LAB_OVERRIDES

## quickstart: JupyterLab on the embedded emulator (even when the shell has a real app's
## COMETCHAT_APP_ID set), opening notebooks/01-quickstart.ipynb; the URLs it prints (with the
## token) open that notebook from any browser that reaches this machine
quickstart: python-check $(VENV)/.notebook
	@$(PY) -c "$$LAB_OVERRIDES"
	@echo "Starting JupyterLab. Open the quick start at the URL printed below, ending in"
	@echo "  /lab/tree/$(QUICKSTART)?token=...   (Ctrl-C stops the server)"
	@env -u COMETCHAT_APP_ID -u COMETCHAT_EMULATOR_HOST \
		$(VENV)/bin/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/$(QUICKSTART)

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
# state, and widget views (random model ids): a saved widget output keeps its plain-text form
# (a stock widget's repr, such as `IntProgress(value=0, ...)`, becomes a line saying what it is).
# A cell's prints come as one stream output or several, as the kernel's flush timer fired:
# consecutive outputs of one stream are joined, as Jupyter shows them (nbval joins them too).
define STRIP_NOTEBOOK_METADATA
import sys, nbformat
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop('widgets', None)
    for cell in nb.cells:
        cell.metadata.pop('execution', None)
        outputs = []
        for output in cell.get('outputs', []):
            last = outputs[-1] if outputs else {}
            stream = output.output_type == 'stream' and last.get('output_type') == 'stream'
            if stream and last.name == output.name:
                last.text += output.text
            else:
                outputs.append(output)
        if 'outputs' in cell:
            cell.outputs = outputs
        for output in outputs:
            data = output.get('data', {})
            if data.pop('application/vnd.jupyter.widget-view+json', None) is None:
                continue
            text = data.get('text/plain', '')
            if 'comes alive' not in text:  # a stock widget's repr, e.g. a progress bar's
                name = text.split('(')[0]
                data['text/plain'] = name + ': a widget, shown when you run this cell in Jupyter'
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
