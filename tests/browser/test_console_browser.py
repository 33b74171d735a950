"""The emulator's console page (`/_emulator/ui`) in Chromium, against `cometchat-nb emulator`.

Each test starts the CLI as a user would and drives the page as a developer would; what the
page did is checked through the emulator's REST API, as any client sees it. Screenshots go
to `artifacts/browser/<test>/`. The `context` fixture fails a test whose page asks for
anything but 127.0.0.1.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import nbformat
import pytest
from emulator_process import EmulatorProcess
from playwright.sync_api import BrowserContext, Page, Request, expect
from test_tutorials_browser import CONTRAST_JS, MIN_CONTENT_CONTRAST

from cometchat_nb import CometChatException, Retry, Session
from cometchat_nb.emulator import RemoteEmulator
from cometchat_nb.emulator.defaults import AUTH_KEY, REST_API_KEY

USERS = "#users tbody tr[data-uid]"
TEST_UIDS = [f"cometchat-uid-{n}" for n in range(5, 0, -1)]  # newest first, as listed


@pytest.fixture
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess() as process:
        yield process


@pytest.fixture
def rest(emulator: EmulatorProcess) -> Iterator[httpx.Client]:
    """The emulator's REST API with its REST API key: how the tests check what the page did."""
    with httpx.Client(
        base_url=f"{emulator.url}/v3", headers={"apiKey": REST_API_KEY}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def requests_made(context: BrowserContext) -> list[Request]:
    """Every request the page makes, in order."""
    made: list[Request] = []
    context.on("request", lambda request: made.append(request))
    return made


def sign_in(page: Page, url: str) -> None:
    """Open the console, give it the REST API key, wait for the users."""
    page.goto(f"{url}/_emulator/ui")
    expect(page.locator("#login")).to_be_visible()
    page.fill("#key", REST_API_KEY)
    page.click("#login-form button[type=submit]")
    expect(page.locator(USERS)).to_have_count(5)


def uids(page: Page) -> list[str]:
    return page.locator(USERS).evaluate_all("rows => rows.map(r => r.dataset.uid)")


def select(page: Page, uid: str) -> None:
    page.click(f"{USERS}[data-uid='{uid}']")
    expect(page.locator("#user-uid")).to_have_text(uid)


def test_sign_in_with_the_key_and_see_the_five_test_users(
    page: Page, emulator: EmulatorProcess, artifacts: Path
) -> None:
    page.goto(f"{emulator.url}/_emulator/ui")
    page.fill("#key", AUTH_KEY)  # the auth key is not enough for the console
    page.click("#login-form button[type=submit]")
    expect(page.locator("#notice")).to_contain_text("AUTH_ERR_NO_ACCESS")
    expect(page.locator("#login")).to_be_visible()
    sign_in(page, emulator.url)
    assert uids(page) == TEST_UIDS
    expect(page.locator("#users")).to_contain_text("Andrew Joseph")
    expect(page.locator("#keyshown")).to_have_text("key ••••" + REST_API_KEY[-4:])
    assert page.input_value("#key") == ""  # the form forgets the key at once
    page.reload()  # kept for the tab: not asked again
    expect(page.locator(USERS)).to_have_count(5)
    page.screenshot(path=str(artifacts / "signed-in.png"), full_page=True)
    page.click("#signout")
    expect(page.locator("#login")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0


def test_the_page_works_under_a_version_prefix(page: Page, emulator: EmulatorProcess) -> None:
    page.goto(f"{emulator.url}/v3.0/_emulator/ui")
    page.fill("#key", REST_API_KEY)
    page.click("#login-form button[type=submit]")
    expect(page.locator(USERS)).to_have_count(5)
    expect(page.locator("#where")).to_contain_text("app cometchat-nb-emulator · region eu")


def test_create_edit_deactivate_and_delete_a_user(
    page: Page, emulator: EmulatorProcess, rest: httpx.Client, artifacts: Path
) -> None:
    sign_in(page, emulator.url)
    page.fill("#new-uid", "ada")
    page.fill("#new-name", "Ada Lovelace")
    page.click("#create-form button[type=submit]")
    expect(page.locator("#user-uid")).to_have_text("ada")
    assert rest.get("/users/ada").json()["data"]["name"] == "Ada Lovelace"
    assert uids(page)[0] == "ada"

    page.fill("#edit-name", "Augusta Ada King")
    page.fill("#edit-tags", "math, poetry")
    page.fill("#edit-metadata", '{"born": 1815}')
    page.click("#edit-form button[type=submit]")
    expect(page.locator("#notice")).to_have_text("Saved ada.")
    user = rest.get("/users/ada", params={"withTags": "true"}).json()["data"]
    assert (user["name"], user["tags"], user["metadata"]) == (
        "Augusta Ada King",
        ["math", "poetry"],
        {"born": 1815},
    )
    expect(page.locator(f"{USERS}[data-uid='ada']")).to_contain_text("Augusta Ada King")
    page.locator("#user-card").screenshot(path=str(artifacts / "edited.png"))

    page.fill("#edit-metadata", "")  # emptied: removed
    page.click("#edit-form button[type=submit]")
    expect(page.locator("body")).not_to_have_attribute("aria-busy", "true")  # form refilled
    assert "metadata" not in rest.get("/users/ada").json()["data"]

    page.fill("#edit-metadata", "not json")
    page.click("#edit-form button[type=submit]")
    expect(page.locator("#notice")).to_contain_text("metadata must be a JSON object")

    page.click("#deactivate")
    expect(page.locator("#user-state")).to_have_text("deactivated")
    assert rest.get("/users/ada").json()["error"]["code"] == "ERR_UID_NOT_FOUND"
    page.click("#deactivate")  # now "Reactivate"
    expect(page.locator("#user-state")).not_to_have_text("deactivated")
    assert rest.get("/users/ada").json()["data"]["uid"] == "ada"

    page.click("#delete")  # asks once more, without a dialog
    expect(page.locator("#delete")).to_have_text("Delete for good?")
    assert rest.get("/users/ada").status_code == 200
    page.click("#delete")
    expect(page.locator("#notice")).to_have_text("Deleted ada.")
    expect(page.locator("#user-card")).to_be_hidden()
    expect(page.locator(f"{USERS}[data-uid='ada']")).to_have_count(0)  # the list refreshed
    assert uids(page) == TEST_UIDS
    listed = rest.get("/users", params={"withDeactivated": "true"}).json()["data"]
    assert "ada" not in [u["uid"] for u in listed]


def test_search_and_page_through_users(
    page: Page, emulator: EmulatorProcess, rest: httpx.Client
) -> None:
    for n in range(30):
        rest.post("/users", json={"uid": f"reader-{n:02}", "name": f"Reader {n}"})
    sign_in_any(page, emulator.url, 25)
    expect(page.locator("#pageinfo")).to_have_text("page 1 of 2")
    page.click("#next")
    expect(page.locator(USERS)).to_have_count(10)
    assert uids(page)[-1] == "cometchat-uid-1"
    page.fill("#search", "reader-1")
    expect(page.locator(USERS)).to_have_count(10)
    expect(page.locator("#pageinfo")).to_have_text("page 1 of 1")


def sign_in_any(page: Page, url: str, count: int) -> None:
    page.goto(f"{url}/_emulator/ui")
    page.fill("#key", REST_API_KEY)
    page.click("#login-form button[type=submit]")
    expect(page.locator(USERS)).to_have_count(count)


def test_mint_and_revoke_a_token(
    page: Page, emulator: EmulatorProcess, rest: httpx.Client, artifacts: Path
) -> None:
    sign_in(page, emulator.url)
    select(page, "cometchat-uid-2")
    expect(page.locator("#tokens")).to_contain_text("no auth tokens")
    page.click("#mint")
    expect(page.locator("#tokens tbody tr[data-token]")).to_have_count(1)
    tokens = rest.get("/users/cometchat-uid-2/auth_tokens").json()["data"]
    assert len(tokens) == 1
    token = tokens[0]["authToken"]
    expect(page.locator("#tokens")).to_contain_text("••••" + token[-4:])
    assert token not in page.content()
    page.locator("#user-card").screenshot(path=str(artifacts / "token.png"))
    page.click("#tokens .cc-revoke")
    expect(page.locator("#tokens")).to_contain_text("no auth tokens")
    assert rest.get("/users/cometchat-uid-2/auth_tokens").json()["data"] == []


def test_a_python_login_appears_in_the_live_log(
    page: Page, emulator: EmulatorProcess, artifacts: Path
) -> None:
    """The page polls the log every 0.5 s: a login shows at the latest on the second poll
    answered after it (the first may have been asked before the login)."""
    sign_in(page, emulator.url)
    polls: list[float] = []
    page.on(
        "response",
        lambda r: polls.append(time.monotonic()) if "/_emulator/requests?" in r.url else 0,
    )
    row = page.locator("#log summary", has_text="PUT /v3.0/me")
    with Session(emulator=RemoteEmulator.at(emulator.url)) as session:
        session.login("cometchat-uid-3")
        done = time.monotonic()
        expect(row).to_be_visible()
        shown = time.monotonic()
    print(f"the login was in the page's log {shown - done:.2f} s after it returned")
    assert len([t for t in polls if done < t <= shown]) <= 2
    expect(row).to_contain_text("200")
    expect(page.locator(f"{USERS}[data-uid='cometchat-uid-3']")).to_contain_text("online")
    page.check("#online")  # who is logged in
    expect(page.locator(USERS)).to_have_count(1)
    assert uids(page) == ["cometchat-uid-3"]
    page.uncheck("#online")
    expect(page.locator(USERS)).to_have_count(5)
    page.locator("#log-card").screenshot(path=str(artifacts / "live-log.png"))

    RemoteEmulator.at(emulator.url).reset()  # as a test suite does between tests
    with Session(emulator=RemoteEmulator.at(emulator.url)) as session:
        session.login("cometchat-uid-4")
    expect(page.locator("#log summary")).to_have_count(2)  # the log starts over
    expect(page.locator("#log summary").first).to_contain_text("PUT /v3.0/me")
    expect(page.locator(f"{USERS}[data-uid='cometchat-uid-3']")).to_contain_text("offline")


def test_a_503_fault_on_put_me_fails_the_next_login_and_is_listed_as_fired(
    page: Page, emulator: EmulatorProcess, artifacts: Path
) -> None:
    sign_in(page, emulator.url)
    page.select_option("#fault-kind", "status")
    page.select_option("#fault-method", "PUT")
    page.fill("#fault-path", "/me")
    page.fill("#fault-times", "1")
    page.fill("#fault-status", "503")
    page.click("#fault-form button[type=submit]")
    rule = page.locator("#faults tr.cc-rule")
    expect(rule).to_have_count(1)
    expect(rule).to_contain_text("PUT")
    expect(rule.locator("td").last).to_have_text("0")
    remote = RemoteEmulator.at(emulator.url)
    assert [(r.kinds, r.method, r.path, r.times) for r in remote.faults.rules] == [
        (("status",), "PUT", "/me", 1)
    ]

    with Session(emulator=remote, retry=Retry(attempts=1)) as session:
        with pytest.raises(CometChatException) as failed:
            session.login("cometchat-uid-2")
        assert failed.value.http_status == 503
        failing = page.locator("#log summary", has_text="PUT /v3.0/me")
        expect(failing).to_contain_text("503")
        expect(failing).to_contain_text("fault: status")
        expect(rule.locator("td").last).to_have_text("1")  # fired once
        expect(page.locator("#faults-fired")).to_have_text("fired so far: status 1")
        page.locator("#faults-card").screenshot(path=str(artifacts / "fault-fired.png"))
        failing.click()
        opened = page.locator("#log details[open]")
        expect(opened.locator("pre").nth(1)).to_contain_text("ERR_EXCEPTION")
        page.locator("#log-card").screenshot(path=str(artifacts / "fault-in-the-log.png"))
        assert session.login("cometchat-uid-2").uid == "cometchat-uid-2"  # once, as asked

    page.click("#clear-faults")
    expect(page.locator("#faults")).to_contain_text("no faults")
    assert remote.faults.rules == []


def test_reset_export_and_import(
    page: Page, emulator: EmulatorProcess, rest: httpx.Client, tmp_path: Path
) -> None:
    rest.post("/users", json={"uid": "kept", "name": "Kept"})
    rest.post("/users/kept/auth_tokens")
    sign_in_any(page, emulator.url, 6)
    with page.expect_download() as download:
        page.click("#export")
    saved = tmp_path / "state.json"
    download.value.save_as(saved)
    snapshot = json.loads(saved.read_text())
    assert [u["uid"] for u in snapshot["users"]][-1] == "kept" and len(snapshot["tokens"]) == 1
    assert REST_API_KEY not in saved.read_text() and AUTH_KEY not in saved.read_text()

    page.click("#reset")
    expect(page.locator("#reset")).to_have_text("Reset everything?")
    page.click("#reset")
    expect(page.locator(USERS)).to_have_count(5)
    assert rest.get("/users").json()["meta"]["pagination"]["total"] == 5
    assert rest.get("/users/kept").json()["error"]["code"] == "ERR_UID_NOT_FOUND"

    page.set_input_files("#import", str(saved))
    expect(page.locator("#notice")).to_contain_text("Imported 6 users and 1 tokens")
    expect(page.locator(USERS)).to_have_count(6)
    assert len(rest.get("/users/kept/auth_tokens").json()["data"]) == 1


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_light_and_dark_themes_are_legible(
    page: Page, emulator: EmulatorProcess, artifacts: Path, theme: str
) -> None:
    """The system's choice is followed; the toggle overrides it; every text stays legible."""
    page.emulate_media(color_scheme=theme)
    sign_in(page, emulator.url)
    remote = RemoteEmulator.at(emulator.url)
    remote.faults.inject("status", method="PUT", path="/me", times=1, status=503)
    with Session(emulator=remote, retry=Retry(attempts=1)) as session:
        with pytest.raises(CometChatException):
            session.login("cometchat-uid-1")
        session.login("cometchat-uid-1")
    select(page, "cometchat-uid-1")
    page.click("#mint")
    expect(page.locator("#faults tr.cc-rule td").last).to_have_text("1")
    page.locator("#log summary", has_text="fault: status").click()
    expect(page.locator("#log details[open] pre")).to_have_count(2)
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(21, 24, 29)") == (theme == "dark"), background
    page.screenshot(path=str(artifacts / f"console-{theme}.png"), full_page=True)
    samples = page.evaluate(CONTRAST_JS, "body")
    worst = min(samples, key=lambda s: s["ratio"])
    assert worst["ratio"] >= MIN_CONTENT_CONTRAST, f"hard to read: {worst}"
    other = "dark" if theme == "light" else "light"
    while page.locator("#theme").text_content() != f"Theme: {other}":
        page.click("#theme")
    assert page.evaluate("() => document.documentElement.dataset.theme") == other
    page.screenshot(path=str(artifacts / f"console-toggled-{other}.png"), full_page=True)


def test_no_request_leaves_the_emulator_and_no_secret_is_shown(
    page: Page, emulator: EmulatorProcess, rest: httpx.Client, requests_made: list[Request]
) -> None:
    """Every request goes to the emulator; no key or token in the page or in a URL."""
    token = rest.post("/users/cometchat-uid-4/auth_tokens").json()["data"]["authToken"]
    sign_in(page, emulator.url)
    with Session(emulator=RemoteEmulator.at(emulator.url)) as session:
        session.login("cometchat-uid-4")
    select(page, "cometchat-uid-4")
    page.click("#mint")
    expect(page.locator("#tokens tbody tr[data-token]")).to_have_count(3)
    entry = page.locator("#log details", has_text="POST /v3/users/cometchat-uid-4/auth_tokens")
    entry.first.locator("summary").click()  # the request and answer, masked
    expect(entry.first.locator("pre").nth(1)).to_contain_text('"authToken": "••••')
    page.reload()
    expect(page.locator(USERS)).to_have_count(5)

    tokens = [t["authToken"] for t in rest.get("/users/cometchat-uid-4/auth_tokens").json()["data"]]
    assert token in tokens and len(tokens) == 3
    secrets = [REST_API_KEY, AUTH_KEY, *tokens]
    assert requests_made, "no request seen"
    for request in requests_made:
        assert request.url.startswith(emulator.url + "/"), request.url
        for secret in secrets:
            assert secret not in request.url, request.url
    shown = page.evaluate(
        """() => document.documentElement.outerHTML
            + [...document.querySelectorAll('input')].map(i => i.value).join('\\n')
            + JSON.stringify(localStorage)"""
    )
    for secret in secrets:
        assert secret not in shown
    keyed = [r for r in requests_made if r.headers.get("apikey")]
    assert keyed and all(r.headers["apikey"] == REST_API_KEY for r in keyed)


def test_console_in_an_iframe_in_jupyterlab(
    served_notebooks: Path, run_all: Callable[[str], Page], artifacts: Path
) -> None:
    """`server.console()` in a notebook: the page in the output, signed in there."""
    notebook = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    )
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from cometchat_nb import Emulator\n"
            "server = Emulator().serve(port=0)\n"
            "server.console(height=560)"
        )
    ]
    nbformat.write(notebook, served_notebooks / "console.ipynb")
    page = run_all("console.ipynb")
    frame = page.frame_locator("iframe[src$='/_emulator/ui']")
    frame.locator("#key").fill(REST_API_KEY)
    frame.locator("#login-form button[type=submit]").click()
    expect(frame.locator(USERS)).to_have_count(5)
    page.screenshot(path=str(artifacts / "jupyterlab-console.png"))
