"""The console page the emulator serves (`/_emulator/ui`): its files, headers and handles.

What the page does in a browser is in `tests/browser/test_console_browser.py`.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path

import httpx
import pytest

from cometchat_nb import CometChatException, Emulator, Retry, Session, User
from cometchat_nb.emulator import (
    AUTH_KEY,
    REST_API_KEY,
    EmulatorControlError,
    RemoteEmulator,
    console,
    requestlog,
)
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


# -- the request log's entries, opened (what a click in the console shows) -------------


def test_entries_are_numbered_and_open_to_their_request_and_answer_masked(
    served: tuple[Emulator, Server],
) -> None:
    emulator, server = served
    remote = RemoteEmulator.at(server.url)
    with Session(emulator=server) as session:
        token = session.admin.create_auth_token("cometchat-uid-1").auth_token.reveal()
        session.login(auth_token=token)
    log = emulator.request_log()
    assert [e["number"] for e in log] == [1, 2] and remote.request_log() == log
    minted = emulator.logged_request(1)
    assert remote.logged_request(1) == minted
    assert {k: minted[k] for k in log[0]} == log[0]
    assert minted["request"]["headers"]["apikey"] == "••••" + REST_API_KEY[-4:]
    assert minted["response"]["body"]["data"]["authToken"] == "••••" + token[-4:]
    assert minted["response"]["headers"]["content-type"] == "application/json"
    login = emulator.logged_request(2)
    assert login["path"] == "/v3.0/me" and login["request"]["headers"]["authtoken"].startswith("••")
    assert login["response"]["body"]["data"]["uid"] == "cometchat-uid-1"
    text = json.dumps([minted, login])
    assert token not in text and REST_API_KEY not in text and AUTH_KEY not in text


def test_a_faulted_request_shows_the_fault_and_its_answer(
    served: tuple[Emulator, Server],
) -> None:
    emulator, server = served
    emulator.faults.inject("status", method="PUT", path="/me", times=1, status=503)
    with Session(emulator=server, retry=Retry(attempts=1)) as session:
        with pytest.raises(CometChatException):
            session.login("cometchat-uid-2")
    put = next(e for e in emulator.request_log() if e["method"] == "PUT")
    opened = RemoteEmulator.at(server.url).logged_request(put["number"])
    assert opened["fault"] == "status" and opened["status"] == 503
    assert opened["response"]["body"]["error"]["code"] == "ERR_EXCEPTION"


def test_entries_no_longer_kept_are_not_found(served: tuple[Emulator, Server]) -> None:
    emulator, server = served
    emulator.keep_requests = 2
    http = httpx.Client(base_url=server.url, headers={"apiKey": REST_API_KEY})
    for _ in range(3):
        http.get("/v3/users")
    assert [e["number"] for e in emulator.request_log()] == [2, 3]
    assert emulator.request_log().dropped == 1
    for number in (1, 4, 0):
        with pytest.raises(LookupError):
            emulator.logged_request(number)
    for number in ("1", "4", "abc", "-1"):
        answer = http.get(f"/_emulator/requests/{number}")
        assert answer.status_code == 404 and number in answer.json()["error"]["message"]
    with pytest.raises(EmulatorControlError) as raised:
        RemoteEmulator.at(server.url).logged_request(1)
    assert raised.value.status == 404
    emulator.reset()
    http.get("/v3/users")
    assert [e["number"] for e in emulator.request_log()] == [1]  # counted from the reset
    http.close()


def test_answers_are_kept_for_the_latest_requests_each_up_to_a_size(
    served: tuple[Emulator, Server],
) -> None:
    emulator, _ = served
    emulator.add_users(User(f"u{n:04}", "x" * 100, metadata={"pad": "y" * 200}) for n in range(300))
    with httpx.Client(
        transport=emulator.transport(),
        base_url="http://emulator.invalid/v3",
        headers={"apiKey": REST_API_KEY},
    ) as http:
        http.get("/users", params={"perPage": 100})
        for _ in range(requestlog.ANSWERS_KEPT):
            http.get("/users/u0001")
    big = emulator.logged_request(1)
    assert big["response"] is None  # its answer went to make room for later ones
    assert emulator.logged_request(2)["response"]["body"]["data"]["uid"] == "u0001"
    with httpx.Client(
        transport=emulator.transport(),
        base_url="http://emulator.invalid/v3",
        headers={"apiKey": REST_API_KEY},
    ) as http:
        page = http.get("/users", params={"perPage": 300}).content
    assert len(page) > requestlog.ANSWER_BYTES
    last = emulator.request_log()[-1]["number"]
    assert emulator.logged_request(last)["response"]["body"] == f"({len(page)} bytes, not kept)"


def test_the_root_and_the_index_link_to_the_console(served: tuple[Emulator, Server]) -> None:
    _, server = served
    for path in ("/", "/v3/", "/_emulator/"):
        assert httpx.get(server.url + path).json()["data"]["console"] == "/_emulator/ui"


def test_the_log_after_a_number_is_what_came_since(served: tuple[Emulator, Server]) -> None:
    """What the console polls: only the new entries, and entry N to see it is the same."""
    emulator, server = served
    http = httpx.Client(base_url=server.url, headers={"apiKey": REST_API_KEY})
    for _ in range(3):
        http.get("/v3/users")
    log = emulator.request_log()
    answer = http.get("/_emulator/requests", params={"after": 1}).json()
    assert answer["data"] == log[1:]
    assert answer["meta"] == {"dropped": 0, "size": log.size, "kept": 3, "previous": log[0]}
    assert http.get("/_emulator/requests", params={"after": 3}).json()["data"] == []
    gone = http.get("/_emulator/requests", params={"after": 9}).json()
    assert gone["data"] == [] and gone["meta"]["previous"] is None
    emulator.keep_requests = 1  # entries 1 and 2 dropped
    answer = http.get("/_emulator/requests", params={"after": 1}).json()
    assert answer["data"] == [log[2]] and answer["meta"]["previous"] is None
    refused = http.get("/_emulator/requests", params={"after": "-1"})
    assert refused.status_code == 400 and "after" in refused.json()["error"]["details"]
    http.close()
