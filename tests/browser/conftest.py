"""Real-browser fixtures: JupyterLab and Voila on 127.0.0.1, driven by Debian's Chromium.

Playwright launches `/usr/bin/chromium` by path (never `playwright install`). Where it is
missing the tests skip, except under `CI=true`, where that is a failure. The servers serve a
temporary copy of the notebooks, so a test run never rewrites a committed notebook, and
their kernels import this checkout's `cometchat_nb` on the embedded emulator, with no
`COMETCHAT_*` settings from the developer's environment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
from needs import unavailable
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
SMOKE = Path(__file__).resolve().parent / "widgets-smoke.ipynb"
ARTIFACTS = REPO / "artifacts" / "browser"
TOKEN = "browser-tests"
SERVER_START_TIMEOUT = 120.0
TIMEOUT_MS = 60_000


@pytest.fixture(scope="session")
def _chromium() -> None:
    """Skip without Debian's Chromium; under CI=true its absence is a failure instead."""
    if os.path.exists(CHROMIUM):
        return
    unavailable(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def browser(_chromium: None) -> Iterator[Browser]:
    """Chromium for one test module at a time, not the session.

    Playwright's sync API keeps an asyncio loop running in this thread while it is
    started, which breaks every async test that runs after it (microsoft/playwright-pytest
    #167), so it is stopped when the module ends. These fixtures replace pytest-playwright's.
    """
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


#: The one outside request the hosts make by themselves (Voila's template).
VOILA_FONTS = "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@"


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile that only reaches 127.0.0.1 (nothing waits on DNS).

    A page that asks for anything else fails its test: on the emulator, nothing the
    tutorials show (avatars included) may leave the machine. Voila's own page template
    asks a CDN for Font Awesome; that request is Voila's, refused but not held against us.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    outside: list[str] = []

    def refuse(route: Route) -> None:
        if not route.request.url.startswith(VOILA_FONTS):
            outside.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]|data:|blob:)"), refuse)
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()
    assert outside == [], f"requests that would leave the machine: {outside}"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """Where this test saves its screenshots (`artifacts/browser/<test name>/`)."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Return once `url` answers at all (any HTTP status); fail if the server exits."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _environment(tmp: Path) -> dict[str, str]:
    """The servers' environment: isolated Jupyter dirs, this checkout first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMETCHAT_")}
    path = [str(REPO), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env.update(
        PYTHONPATH=os.pathsep.join(path),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        IPYTHONDIR=str(tmp / "ipython"),
        COMETCHAT_NB_HOME=str(tmp / "home"),
        COMETCHAT_NB_DETERMINISTIC="1",
    )
    labconfig = tmp / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}'
    )
    return env


class Server:
    """A Jupyter server subprocess with its log file; `stop()` ends it."""

    def __init__(self, cmd: list[str], tmp: Path, ready_url: str, cwd: Path) -> None:
        self.log_path = tmp / "server.log"
        self._log: IO[str] = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd, env=_environment(tmp), cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT
        )
        try:
            _wait_http(ready_url, self.proc, SERVER_START_TIMEOUT)
        except BaseException:
            self.stop()
            print(self.log_path.read_text()[-3000:])
            raise

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(20)
        self._log.close()


@pytest.fixture(scope="session")
def served_notebooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway copy of `notebooks/` plus the widget smoke notebook."""
    root = tmp_path_factory.mktemp("served") / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(SMOKE, root / SMOKE.name)
    return root


@pytest.fixture(scope="session")
def jupyterlab_url(
    tmp_path_factory: pytest.TempPathFactory, served_notebooks: Path
) -> Iterator[str]:
    tmp, port = tmp_path_factory.mktemp("jupyterlab"), _free_port()
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={served_notebooks}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
        "--expose-app-in-browser",
    ]
    server = Server(cmd, tmp, f"http://127.0.0.1:{port}/api/status?token={TOKEN}", served_notebooks)
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def voila_url(tmp_path_factory: pytest.TempPathFactory, served_notebooks: Path) -> Iterator[str]:
    """Voila serving the notebooks folder: `/voila/render/<name>` runs one."""
    tmp, port = tmp_path_factory.mktemp("voila"), _free_port()
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(served_notebooks),
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--show_tracebacks=True",
        "--VoilaConfiguration.allow_theme_override=YES",
    ]
    server = Server(cmd, tmp, f"http://127.0.0.1:{port}/voila/static/", served_notebooks)
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _open(page: Page, base_url: str, workspace: str, name: str) -> None:
    # A workspace of its own, so no tab from an earlier test reopens.
    page.goto(f"{base_url}/lab/workspaces/{workspace}/tree/{name}?token={TOKEN}")
    # Wait for the notebook's kernel session itself: running cells as soon as the toolbar
    # says "idle" loses the run silently (see the jupyter-testing recipe).
    page.wait_for_function(
        "() => window.jupyterapp?.shell.currentWidget?.sessionContext !== undefined"
    )
    page.evaluate(
        """async () => { const w = window.jupyterapp.shell.currentWidget;
            await w.context.ready; await w.sessionContext.ready;
            await w.sessionContext.session.kernel.info; }"""
    )


def _run_all(page: Page, base_url: str, workspace: str, name: str) -> None:
    _open(page, base_url, workspace, name)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        """() => { const p = [...document.querySelectorAll(
                '.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')];
            return p.length > 0 && p.every(e => /^\\[\\d+\\]:$/.test(e.textContent.trim())); }"""
    )


def _shut_down_kernels(base_url: str) -> None:
    """End every kernel session, so the next test starts its notebook in a fresh kernel."""

    def call(method: str, path: str) -> bytes:
        request = urllib.request.Request(f"{base_url}{path}?token={TOKEN}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            body: bytes = response.read()
            return body

    for session in json.loads(call("GET", "/api/sessions")):
        call("DELETE", f"/api/sessions/{session['id']}")


@pytest.fixture
def run_all(
    page: Page, jupyterlab_url: str, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Page]]:
    """Open a notebook in JupyterLab, run all its cells, wait until every cell ran."""
    workspace = re.sub(r"[^A-Za-z0-9]", "-", request.node.name)

    def run(name: str) -> Page:
        _run_all(page, jupyterlab_url, workspace, name)
        return page

    yield run
    page.close()
    _shut_down_kernels(jupyterlab_url)


@pytest.fixture
def open_saved(
    page: Page, jupyterlab_url: str, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Page]]:
    """Open a notebook in JupyterLab as committed, without running it (and untrusted: this
    server has never seen it), as a newcomer first sees it."""
    workspace = re.sub(r"[^A-Za-z0-9]", "-", request.node.name)

    def open_notebook(name: str) -> Page:
        _open(page, jupyterlab_url, workspace, name)
        return page

    yield open_notebook
    page.close()
    _shut_down_kernels(jupyterlab_url)


@pytest.fixture
def voila(page: Page, voila_url: str) -> Callable[[str], Page]:
    """Open a notebook in Voila and wait until it ran and its outputs are shown."""

    def open_notebook(name: str) -> Page:
        page.goto(f"{voila_url}/voila/render/{name}")
        page.locator("#loading").wait_for(state="detached")
        page.locator("#rendered_cells").wait_for(state="visible")
        return page

    return open_notebook
