"""`make quickstart` prints a URL that opens the quick-start notebook, not the Launcher."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect
from quickstart_process import REPO, Quickstart, redacted

NOTEBOOK = "notebooks/01-quickstart.ipynb"


def test_make_quickstart_prints_the_notebooks_url(
    page: Page, tmp_path: Path, artifacts: Path
) -> None:
    with Quickstart(REPO, tmp_path) as quickstart:
        url = quickstart.url
        assert f"/lab/tree/{NOTEBOOK}?token=" in url, redacted(quickstart.output)
        base, _, query = url.partition("/lab/")
        with urllib.request.urlopen(
            f"{base}/api/contents/{NOTEBOOK}?content=0&{query.split('?')[1]}"
        ) as r:
            assert r.status == 200  # the path is the notebook's, relative to the server's root
        page.goto(url)
        notebook = page.locator(".jp-NotebookPanel")
        notebook.wait_for()  # JupyterLab loads in a few seconds, longer than expect waits
        expect(notebook).to_contain_text("Quick start: users and logins")
        expect(page.locator(".lm-TabBar-tab.jp-mod-current")).to_contain_text("01-quickstart.ipynb")
        expect(page.locator(".jp-Launcher")).to_have_count(0)
        page.wait_for_timeout(1500)  # the news toast, if any, shows shortly after start
        expect(page.locator("body")).not_to_contain_text("Jupyter news")
        page.screenshot(path=str(artifacts / "quickstart-opened.png"))
