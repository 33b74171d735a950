"""The quick start in a real browser: JupyterLab runs it, Voila serves it, nothing errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

QUICKSTART = "01-quickstart.ipynb"


def test_quickstart_runs_in_jupyterlab(run_all: Callable[[str], Page], artifacts: Path) -> None:
    page = run_all(QUICKSTART)
    panel = page.locator(".jp-NotebookPanel")
    expect(panel).to_contain_text("connected to the embedded emulator")
    expect(panel).to_contain_text("deleted nb-tutorial-01-kevin")
    expect(page.locator('[data-mime-type="application/vnd.jupyter.error"]')).to_have_count(0)
    page.screenshot(path=str(artifacts / "jupyterlab-quickstart.png"))


def test_quickstart_in_voila(voila: Callable[[str], Page], artifacts: Path) -> None:
    page = voila(QUICKSTART)
    body = page.locator("body")
    expect(body).to_contain_text("deleted nb-tutorial-01-kevin")
    expect(body).not_to_contain_text("Traceback")
    page.screenshot(path=str(artifacts / "voila-quickstart.png"), full_page=True)
