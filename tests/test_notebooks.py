"""The tutorials: committed with clean outputs, checked by nbval from anywhere, rerunnable.

The committed notebooks must read well on GitHub (executed top to bottom, no errors) and
never hold a secret. Their cells tagged `nbval-check-output` (nbval's cell tag; no comment
markers in the code a reader sees) must not depend on time or token values, so plain
`pytest --nbval-lax` passes on a copy of `notebooks/` outside the repo. "Run All" twice in
one kernel must pass, with the same checked outputs both times, and `make notebooks`
reproduces the committed files byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from cometchat_nb.emulator import AUTH_KEY, REST_API_KEY

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
TUTORIALS = [
    "01-quickstart.ipynb",
    "02-auth-tokens.ipynb",
    "03-users-as-dataframes.ipynb",
    "04-listeners-and-event-log.ipynb",
]
CHECK = "nbval-check-output"  # the cell tag nbval reads, as it reads `# NBVAL_CHECK_OUTPUT`
CELL_TIMEOUT = 120

# What a secret looks like in text: the emulator's keys, an auth token (`{uid}_{10 digits}
# {30 hex}`), a JWT, and 40+ hex digits (the wsChannel secret; widget model ids have 32).
SECRET_LIKE = re.compile(
    "|".join(
        [
            re.escape(AUTH_KEY),
            re.escape(REST_API_KEY),
            r"_\d{10}[0-9a-f]{30}",
            r"eyJ[\w-]+\.[\w-]+\.",
            r"[0-9a-f]{40,}",
        ]
    ),
    re.IGNORECASE,
)
# What makes a checked output depend on time or tokens: dates, datetimes, masked secrets
# (they end with the secret's last four characters).
# What ipywidgets' own text form of a widget looks like (`IntProgress(value=0, max=9, ...)`).
RAW_WIDGET = re.compile(r"^(?:[A-Z]\w*(?:Box|Progress|Button|Text|HTML|Output|Tab)\w*)\(\w+=")
VOLATILE = re.compile(r"\d{4}-\d\d-\d\d|datetime\.|\d\d:\d\d:\d\d|••••")


def read(name: str) -> Any:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def code_cells(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def output_text(output: Any) -> str:
    """Everything an output shows, as one string (widget views included)."""
    if output.output_type == "stream":
        return str(output.text)
    if output.output_type == "error":
        return "\n".join([output.ename, output.evalue, *output.traceback])
    return json.dumps(output.get("data", {}), ensure_ascii=False)


def coalesced(outputs: list[Any]) -> list[str]:
    """Output texts, consecutive writes to one stream joined (how they arrive varies; nbval
    joins them too)."""
    texts: list[str] = []
    previous = None
    for output in outputs:
        stream = output.get("name") if output.output_type == "stream" else None
        if stream is not None and stream == previous:
            texts[-1] += output_text(output)
        else:
            texts.append(output_text(output))
        previous = stream
    return texts


def checked(notebook: Any) -> list[list[str]]:
    """The outputs nbval compares: those of the cells tagged `nbval-check-output`."""
    return [
        coalesced(cell.outputs)
        for cell in code_cells(notebook)
        if CHECK in cell.metadata.get("tags", [])
    ]


def test_the_four_tutorials_are_there() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == TUTORIALS


@pytest.mark.parametrize("name", TUTORIALS)
def test_committed_with_outputs_of_one_clean_run(name: str) -> None:
    notebook = read(name)
    cells = code_cells(notebook)
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1)), (
        "execute the notebook top to bottom in a fresh kernel before committing"
    )
    errors = [o for cell in cells for o in cell.outputs if o.output_type == "error"]
    assert not errors
    for cell in cells:
        source = cell.source.lower()
        assert "auth_key=" not in source and "rest_api_key=" not in source, (
            "tutorials connect with a plain Session(): keys come from the environment"
        )


@pytest.mark.parametrize("name", TUTORIALS)
def test_checked_outputs_are_there_and_stable(name: str) -> None:
    outputs = checked(read(name))
    assert len(outputs) >= 2, f"{name}: tag at least two cells {CHECK}"
    for cell_outputs in outputs:
        assert cell_outputs, f"{name}: a checked cell without output checks nothing"
        for text in cell_outputs:
            assert not VOLATILE.search(text), f"{name}: checked output depends on time: {text}"


@pytest.mark.parametrize("name", TUTORIALS)
def test_no_nbval_comment_markers_for_readers_to_wade_through(name: str) -> None:
    for cell in code_cells(read(name)):
        assert "NBVAL" not in cell.source, f"{name}: use the cell tag {CHECK}, not a comment"


@pytest.mark.parametrize("name", TUTORIALS)
def test_saved_without_timings_or_widget_views(name: str) -> None:
    """What `make notebooks` leaves: nothing that changes from run to run, and no widget view
    (it cannot render without its kernel; the widget's plain-text form says what it is)."""
    notebook = read(name)
    assert "widgets" not in notebook.metadata
    for cell in code_cells(notebook):
        assert "execution" not in cell.metadata
        for output in cell.outputs:
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {})
            assert "children=(" not in output_text(output)
            plain = output.get("data", {}).get("text/plain", "")
            assert not RAW_WIDGET.match(plain), f"{name}: a raw widget repr: {plain}"


def test_make_notebooks_reproduces_the_committed_bytes(tmp_path: Path) -> None:
    """Re-executed on the deterministic emulator, the tutorials come out byte for byte, however
    the kernel's flush timer split a cell's prints (here a cell that prints across it)."""
    for name in TUTORIALS:
        shutil.copy(NOTEBOOKS / name, tmp_path / name)
    straddle = nbformat.v4.new_notebook()
    straddle.cells.append(
        nbformat.v4.new_code_cell('import time\nprint("one")\ntime.sleep(1)\nprint("two")')
    )
    nbformat.write(straddle, tmp_path / "straddle.ipynb")
    venv = Path(sys.prefix)
    if not (venv / ".test").exists():
        pytest.skip("needs the Makefile's venv (make .venv/.test)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    result = subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(REPO),
            "notebooks",
            f"VENV={venv}",
            f"NOTEBOOKS={tmp_path}/*.ipynb",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name in TUTORIALS:
        assert (tmp_path / name).read_bytes() == (NOTEBOOKS / name).read_bytes(), (
            f"{name}: run `make notebooks` and commit the result"
        )
    [cell] = nbformat.read(tmp_path / "straddle.ipynb", as_version=4).cells
    assert [(out.output_type, out.text) for out in cell.outputs] == [("stream", "one\ntwo\n")]


@pytest.mark.parametrize("name", TUTORIALS)
def test_no_secret_anywhere_in_the_committed_file(name: str) -> None:
    notebook = read(name)
    texts = [output_text(o) for cell in code_cells(notebook) for o in cell.outputs]
    texts.append(json.dumps(notebook.metadata))  # saved widget state lives here
    for text in texts:
        found = SECRET_LIKE.search(text)
        assert found is None, f"{name}: secret-like text in an output: {found.group()!r}"


@pytest.fixture
def kernel_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Kernels that run this checkout's package with this interpreter, whatever is installed."""
    spec = tmp_path / "jupyter-data" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    monkeypatch.setenv(
        "PYTHONPATH",
        os.pathsep.join(
            [str(REPO), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        ),
    )
    monkeypatch.delenv("COMETCHAT_NB_DETERMINISTIC", raising=False)
    yield


# Run in the kernel after the notebook: every key and token the emulator was sent.
SENT_SECRETS = """
import json
from cometchat_nb.emulator import embedded
print(json.dumps(sorted({value for request in embedded().requests
                         for key, value in request.headers.items()
                         if key.lower() in ("apikey", "authtoken")})))
"""


@pytest.mark.usefixtures("kernel_env")
@pytest.mark.parametrize("name", TUTORIALS)
def test_run_all_twice_in_one_kernel(name: str) -> None:
    """Both runs pass with the committed checked outputs, and no output shows a secret."""
    committed = read(name)
    runs = [nbformat.from_dict(committed) for _ in range(2)]
    client = NotebookClient(
        runs[0],
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    with client.setup_kernel():
        for run in runs:
            client.nb = run
            for index, cell in enumerate(run.cells):
                if cell.cell_type == "code":
                    cell.outputs = []
                    client.execute_cell(cell, index)  # raises CellExecutionError on error
        probe = nbformat.v4.new_code_cell(SENT_SECRETS)
        runs[-1].cells.append(probe)
        client.execute_cell(probe, len(runs[-1].cells) - 1)
        runs[-1].cells.pop()
    sent = json.loads(probe.outputs[0].text)
    assert {AUTH_KEY, REST_API_KEY} & set(sent), "the probe saw no key: it would check nothing"
    for run in runs:
        assert checked(run) == checked(committed)
        for cell in code_cells(run):
            for output in cell.outputs:
                text = output_text(output)
                assert not [secret for secret in sent if secret in text], text
                assert not SECRET_LIKE.search(text), text


def test_nbval_passes_on_a_copy_outside_the_repo(tmp_path: Path) -> None:
    """Plain `pytest --nbval-lax` on a copy: no repo conftest, no sanitize file."""
    copy = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COMETCHAT_") and not k.startswith("PYTEST")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["COMETCHAT_NB_HOME"] = str(tmp_path / "home")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--nbval-lax",
            "--nbval-current-env",
            f"--nbval-cell-timeout={CELL_TIMEOUT}",
            ".",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
