"""The emulator's control surface, the same in-process and over HTTP: reset, state, the log.

Also the emulator's own avatars (nothing loads from the internet) and the CLI flags that
drive the same surface (`--import`, `--export-on-exit`, `--deterministic`, `--latency`).
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator_process import EmulatorProcess
from test_readme import python_blocks

from cometchat_nb import Emulator, Session, User
from cometchat_nb.__main__ import main
from cometchat_nb.display import user_html
from cometchat_nb.emulator import AUTH_KEY, REST_API_KEY, EmulatorControlError, RemoteEmulator
from cometchat_nb.emulator.server import Server

ROOT = Path(__file__).resolve().parents[1]


def populate(emulator: Emulator) -> str:
    """Users, a deactivated one, a deleted test user, tokens and a login: return a token."""
    with Session(emulator=emulator) as session:
        session.create_user(User("kevin", name="Kevin", tags=["a"], metadata={"k": [1, 2]}))
        session.admin.create_user(User("gone", name="Gone"))
        session.admin.deactivate_users(["gone"])
        session.admin.delete_user("cometchat-uid-5", permanent=True)
        session.login("kevin")
        token = session.admin.create_auth_token("cometchat-uid-1")
    return token.auth_token.reveal()


@pytest.fixture
def deterministic() -> Iterator[Emulator]:
    emu = Emulator(deterministic=True, roles=("admin",), user_quota=50)
    yield emu
    emu.close()


@pytest.fixture
def served(deterministic: Emulator) -> Iterator[tuple[Server, RemoteEmulator]]:
    with deterministic.serve(port=0) as server:
        yield server, RemoteEmulator.at(server.url)


# -- snapshots, in-process ------------------------------------------------------------


def test_export_is_json_and_holds_users_tokens_and_settings(deterministic: Emulator) -> None:
    populate(deterministic)
    snapshot = deterministic.export_state()
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert [u["uid"] for u in snapshot["users"]][-2:] == ["kevin", "gone"]
    assert {t["uid"] for t in snapshot["tokens"]} == {"kevin", "cometchat-uid-1"}
    assert snapshot["settings"]["roles"] == ["admin", "default"]
    assert snapshot["settings"]["user_quota"] == 50
    text = json.dumps(snapshot)
    assert AUTH_KEY not in text and REST_API_KEY not in text  # the keys are configuration


def test_export_import_round_trip_in_process(deterministic: Emulator) -> None:
    token = populate(deterministic)
    saved = deterministic.export_state()
    other = Emulator(deterministic=True, seed=False)
    other.import_state(json.loads(json.dumps(saved)))
    assert other.export_state() == saved
    assert other.users == deterministic.users
    assert other.roles == {"default", "admin"} and other.user_quota == 50
    with Session(emulator=other) as session:  # the imported tokens log in
        assert session.login(auth_token=token).uid == "cometchat-uid-1"
        listed = session.admin.list_users()
        assert [u.uid for u in listed][:2] == ["kevin", "cometchat-uid-4"]


def test_reset_round_trip_in_process(deterministic: Emulator) -> None:
    fresh = deterministic.export_state()
    populate(deterministic)
    assert deterministic.export_state() != fresh
    deterministic.reset()
    assert deterministic.export_state() == fresh
    assert fresh == Emulator(deterministic=True, roles=("admin",), user_quota=50).export_state()


def test_import_forgets_the_stored_logins_and_the_request_log(deterministic: Emulator) -> None:
    saved = deterministic.export_state()
    with Session(emulator=deterministic) as session:
        session.login("cometchat-uid-2")
        deterministic.import_state(saved)
        assert session.get_logged_in_user() is None
    assert deterministic.requests == [] and deterministic.request_log() == []


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.update(format="other"),
        lambda s: s.update(version=2),
        lambda s: s.update(users={}),
        lambda s: s["users"].append({"uid": "Upper", "createdAt": 1}),
        lambda s: s["users"].append(dict(s["users"][0])),
        lambda s: s["users"].append({"uid": "x", "createdAt": "today"}),
        lambda s: s["tokens"].append({"uid": "nobody", "authToken": "t", "createdAt": 1}),
        lambda s: s["tokens"].append(dict(s["tokens"][0])),
        lambda s: s["settings"].update(roles="admin"),
        lambda s: s["settings"].update(clock=-1),
    ],
)
def test_a_malformed_snapshot_changes_nothing(deterministic: Emulator, change: Any) -> None:
    populate(deterministic)
    before = deterministic.export_state()
    bad = deterministic.export_state()
    change(bad)
    with pytest.raises(ValueError):
        deterministic.import_state(bad)
    assert deterministic.export_state() == before


# -- the request log ----------------------------------------------------------------


def test_request_log_is_redacted(deterministic: Emulator) -> None:
    token = populate(deterministic)
    with Session(emulator=deterministic) as session:
        session.admin.delete_auth_token("cometchat-uid-1", token)
        with pytest.raises(Exception):  # noqa: B017 (any error: a 404 is logged)
            session.get_user("nobody")
    log = deterministic.request_log()
    assert len(log) == len(deterministic.requests)
    assert set(log[0]) == {"number", "time", "method", "path", "status"}
    assert [e["number"] for e in log] == list(range(1, len(log) + 1))
    assert log[-1]["status"] == 404 and log[-1]["path"].endswith("/users/nobody")
    deleted = [e for e in log if e["method"] == "DELETE" and "auth_tokens/" in e["path"]]
    assert deleted[0]["path"] == f"/v3/users/cometchat-uid-1/auth_tokens/••••{token[-4:]}"
    text = json.dumps(log)
    assert token not in text and AUTH_KEY not in text and REST_API_KEY not in text
    for t in deterministic.export_state()["tokens"]:
        assert t["authToken"] not in text


# -- over HTTP: the same surface ---------------------------------------------------------


def on_host(snapshot: dict[str, Any], url: str) -> dict[str, Any]:
    """A snapshot as served at `url`: the emulator's own avatars on that address."""
    text = json.dumps(snapshot).replace("http://emulator.invalid/", f"{url}/")
    served: dict[str, Any] = json.loads(text)
    return served


def test_round_trips_over_http_equal_in_process(
    deterministic: Emulator, served: tuple[Server, RemoteEmulator]
) -> None:
    server, remote = served
    fresh = deterministic.export_state()
    assert remote.export_state() == on_host(fresh, server.url)
    token = populate(deterministic)
    stored = deterministic.export_state()
    saved = remote.export_state()
    assert saved == on_host(stored, server.url)
    remote.reset()
    assert remote.export_state() == on_host(fresh, server.url)
    assert deterministic.export_state() == fresh
    remote.import_state(saved)
    assert remote.export_state() == saved
    assert deterministic.export_state() == stored  # avatars stored on the in-process host
    with Session(emulator=server) as session:
        assert session.login(auth_token=token).uid == "cometchat-uid-1"
    log = remote.request_log()
    assert log == deterministic.request_log()
    assert [(e["method"], e["path"]) for e in log] == [("PUT", "/v3.0/me")]  # control: unlogged


def test_a_snapshot_moves_between_emulators_over_http(deterministic: Emulator) -> None:
    populate(deterministic)
    with Emulator(deterministic=True).serve(port=0) as server:
        remote = RemoteEmulator.at(server.url)
        remote.import_state(deterministic.export_state())
        assert server.emulator.export_state() == deterministic.export_state()  # type: ignore[attr-defined]


def test_control_routes_need_the_rest_api_key(served: tuple[Server, RemoteEmulator]) -> None:
    server, _ = served
    for key, status, code in [
        (None, 401, "AUTH_ERR_EMPTY_APIKEY"),
        (AUTH_KEY, 403, "AUTH_ERR_NO_ACCESS"),
        ("not-the-key-000000000000", 401, "AUTH_ERR_APIKEY_NOT_FOUND"),
    ]:
        headers = {} if key is None else {"apiKey": key}
        for method, route in [("POST", "reset"), ("GET", "state"), ("GET", "requests")]:
            answer = httpx.request(method, f"{server.url}/_emulator/{route}", headers=headers)
            assert answer.status_code == status
            assert answer.json()["error"]["code"] == code
    with pytest.raises(EmulatorControlError) as raised:
        RemoteEmulator.at(server.url, rest_api_key="wrong-key-0000000000").reset()
    assert raised.value.code == "AUTH_ERR_APIKEY_NOT_FOUND" and raised.value.status == 401
    unknown = httpx.get(f"{server.url}/_emulator/nothing", headers={"apiKey": REST_API_KEY})
    assert unknown.json()["error"]["code"] == "ERR_API_NOT_FOUND"


def test_a_bad_snapshot_over_http_is_a_bad_request(served: tuple[Server, RemoteEmulator]) -> None:
    _, remote = served
    before = remote.export_state()
    with pytest.raises(EmulatorControlError) as raised:
        remote.import_state({"format": "nope"})
    assert raised.value.code == "ERR_BAD_REQUEST" and raised.value.status == 400
    assert remote.export_state() == before


def test_remote_without_an_emulator_raises() -> None:
    with Server(Emulator(), port=0) as server:
        url = server.url
    with pytest.raises(httpx.HTTPError):
        RemoteEmulator.at(url, rest_api_key=REST_API_KEY).reset()


def test_readme_first_example_runs_on_a_served_emulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With `COMETCHAT_EMULATOR_HOST` set, `s.emulator` is a `RemoteEmulator` that resets."""
    first = python_blocks(ROOT / "README.md")[0]
    with Emulator().serve(port=0) as server:
        monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", server.url.removeprefix("http://"))
        for _ in range(2):  # the second run starts from the reset, not from the first's users
            exec(compile(first, "README.md", "exec"), {})
        assert "kevin" in server.emulator.users  # type: ignore[attr-defined]


def test_a_remote_reset_forgets_the_stored_login(monkeypatch: pytest.MonkeyPatch) -> None:
    with Emulator().serve(port=0) as server:
        monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", server.url.removeprefix("http://"))
        with Session() as session:
            session.login("cometchat-uid-1")
            session.emulator.reset()  # type: ignore[union-attr]
        with Session() as later:
            assert later.get_logged_in_user() is None


# -- the emulator's own avatars ------------------------------------------------------------


def test_test_users_avatars_are_the_emulators_own(
    emulator: Emulator, session: Session, server: Server
) -> None:
    avatar = session.get_user("cometchat-uid-2").avatar
    assert avatar == "http://emulator.invalid/_emulator/avatars/cometchat-uid-2.svg"
    html = user_html(session.get_user("cometchat-uid-2"))
    assert "src='data:image/svg+xml;base64," in html  # in-process: inline, nothing fetched
    assert "emulator.invalid" not in html.split("<img", 1)[1].split(">", 1)[0]
    with Session(emulator=server) as over_http:
        served = over_http.get_user("cometchat-uid-2").avatar
    assert served == f"{server.url}/_emulator/avatars/cometchat-uid-2.svg"
    image = httpx.get(served)  # no key: an <img> sends none
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/svg+xml"
    assert image.text.startswith("<svg") and ">C2</text>" in image.text
    assert httpx.get(f"{server.url}/_emulator/avatars/bad%20uid.svg").status_code == 404
    assert all("/_emulator/" not in r.url.path for r in emulator.requests)  # not logged
    everything = json.dumps(emulator.export_state())
    assert "cometchat.io" not in everything and "https://" not in everything


# -- the CLI ---------------------------------------------------------------------------


def test_cli_import_export_on_exit_deterministic(tmp_path: Path, deterministic: Emulator) -> None:
    token = populate(deterministic)
    state = tmp_path / "state.json"
    state.write_text(json.dumps(deterministic.export_state()))
    out = tmp_path / "out.json"
    args = ("--import", str(state), "--export-on-exit", str(out), "--deterministic")
    with EmulatorProcess(*args) as emulator:
        remote = RemoteEmulator.at(emulator.url)
        assert remote.export_state() == on_host(deterministic.export_state(), emulator.url)
        with Session(emulator=remote) as session:
            assert session.login(auth_token=token).uid == "cometchat-uid-1"
            session.create_user(User("newer", name="Newer"))
        assert emulator.stop(signal.SIGTERM) == 0
    assert f"state written to {out}" in emulator.output
    saved = json.loads(out.read_text())
    assert [u["uid"] for u in saved["users"]][-1] == "newer"
    created = next(u for u in saved["users"] if u["uid"] == "newer")["createdAt"]
    assert created < 1_800_000_000  # the deterministic clock (2024), not today's


def test_cli_latency(tmp_path: Path) -> None:
    with EmulatorProcess("--latency", "0.3") as emulator:
        start = time.monotonic()
        httpx.get(f"{emulator.url}/v3/users", headers={"apiKey": REST_API_KEY}, timeout=10)
        assert time.monotonic() - start >= 0.3


@pytest.mark.parametrize("content", ['{"format": "nope"}', "not json", None])
def test_cli_a_bad_import_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None
) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    assert main(["emulator", "--port", "0", "--import", str(bad)]) == 1
    assert "cannot --import" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--latency", "-1"], ["--latency", "soon"]])
def test_cli_bad_latency_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", *argv]) == 2
    assert "argument --latency" in capsys.readouterr().err
