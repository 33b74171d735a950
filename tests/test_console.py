"""The console page the emulator serves (`/_emulator/ui`): its files, headers and handles.

What the page does in a browser is in `tests/browser/test_console_browser.py`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path

import httpx
import pytest

from cometchat_nb import Emulator, Session
from cometchat_nb.emulator import REST_API_KEY, RemoteEmulator, console
from cometchat_nb.emulator.server import Server

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "cometchat_nb" / "emulator" / "console"


@pytest.fixture
def served() -> Iterator[tuple[Emulator, Server]]:
    emulator = Emulator()
    with emulator.serve(port=0) as server:
        yield emulator, server


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/_emulator/ui", "text/html"),
        ("/v3/_emulator/ui", "text/html"),
        ("/_emulator/ui/console.css", "text/css"),
        ("/_emulator/ui/console.js", "text/javascript"),
    ],
)
def test_the_page_and_its_files_are_served_without_a_key(
    served: tuple[Emulator, Server], path: str, kind: str
) -> None:
    emulator, server = served
    answer = httpx.get(server.url + path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(kind)
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "no-store"
    assert emulator.request_log() == []  # control routes are not logged


def test_in_process_serves_the_same_bytes(served: tuple[Emulator, Server]) -> None:
    emulator, server = served
    with httpx.Client(transport=emulator.transport(), base_url="http://emulator.invalid") as local:
        for name in ("", "/console.css", "/console.js"):
            assert (
                local.get("/_emulator/ui" + name).content
                == httpx.get(server.url + "/_emulator/ui" + name).content
            )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_emulator/ui/missing.js"),
        ("GET", "/_emulator/ui/__init__.py"),
        ("GET", "/_emulator/ui/%2E%2E%2Fcontrol.py"),
        ("POST", "/_emulator/ui"),
        ("PUT", "/_emulator/ui/console.js"),
    ],
)
def test_anything_else_under_ui_is_not_found(
    served: tuple[Emulator, Server], method: str, path: str
) -> None:
    _, server = served
    answer = httpx.request(method, server.url + path, headers={"apiKey": REST_API_KEY})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "ERR_API_NOT_FOUND"


def test_deeper_paths_are_not_found(served: tuple[Emulator, Server]) -> None:
    _, server = served
    answer = httpx.get(server.url + "/_emulator/ui/console.js/more")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "ERR_API_NOT_FOUND"


def test_the_files_name_no_address_outside_the_emulator() -> None:
    """Nothing fetched from outside: no URL with a host, in any file of the page."""
    files = sorted(p for p in FOLDER.iterdir() if p.suffix in (".html", ".css", ".js"))
    assert [p.name for p in files] == ["console.css", "console.js", "index.html"]
    for path in files:
        text = path.read_text()
        assert not re.search(r"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text), path.name
        assert "@import" not in text and "url(" not in text, path.name
        assert "innerHTML" not in text, path.name  # user text goes in as text, never markup


def test_every_file_is_package_data() -> None:
    """The wheel ships each file of the page (pyproject's package-data globs cover them)."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["cometchat_nb"]
    for path in FOLDER.iterdir():
        if path.suffix != ".py" and path.name != "__pycache__":
            name = path.relative_to(ROOT / "cometchat_nb").as_posix()
            assert any(fnmatch(name, glob) for glob in globs), name


def test_served_handles_know_the_console(served: tuple[Emulator, Server]) -> None:
    _, server = served
    remote = RemoteEmulator.at(server.url)
    assert server.console_url == remote.console_url == server.url + "/_emulator/ui"
    for handle in (server, remote):
        frame = handle.console(height=500)
        assert frame.src == server.url + "/_emulator/ui" and frame.height == 500
        assert REST_API_KEY not in frame._repr_html_()
    assert console.url(server.url + "/") == server.url + "/_emulator/ui"


def test_the_dashboard_links_to_a_served_emulators_console(
    served: tuple[Emulator, Server],
) -> None:
    emulator, server = served
    with Session(emulator=server) as session:
        board = session.dashboard()
        links = [c for c in board.children if "cc-console-link" in c._dom_classes]
        assert len(links) == 1 and f"href='{server.url}/_emulator/ui'" in links[0].value
        board.close()
    with Session(emulator=emulator) as session:  # in-process: no page to open
        board = session.dashboard()
        assert not [c for c in board.children if "cc-console-link" in c._dom_classes]
        board.close()
