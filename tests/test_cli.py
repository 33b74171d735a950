"""`cometchat-nb emulator` as a user runs it: a child process, real HTTP, signals, restarts."""

from __future__ import annotations

import signal
import socket
import sys
import time
from pathlib import Path

import httpx
import pytest
from emulator_process import EmulatorProcess

from cometchat_nb import Session, User
from cometchat_nb.__main__ import main
from cometchat_nb.emulator import APP_ID, AUTH_KEY, REST_API_KEY


def rest(url: str, key: str = REST_API_KEY, app_id: str = APP_ID) -> httpx.Client:
    return httpx.Client(base_url=f"{url}/v3", headers={"appId": app_id, "apiKey": key}, timeout=10)


def test_banner_names_the_url_app_keys_and_how_to_connect() -> None:
    with EmulatorProcess() as emulator:
        with rest(emulator.url) as client:
            assert client.get("/users").json()["meta"]["pagination"]["total"] == 5
        banner = emulator.output
    assert emulator.url.startswith("http://127.0.0.1:")
    for text in (
        APP_ID,
        AUTH_KEY,
        REST_API_KEY,
        "in memory",
        f"COMETCHAT_EMULATOR_HOST={emulator.host}",
        f'overrideClientHost("{emulator.host}/v3.0")',
        f"curl -H 'appId: {APP_ID}'",
        f"console       {emulator.url}/_emulator/ui",
    ):
        assert text in banner


def test_own_app_id_region_and_keys(tmp_path: Path) -> None:
    args = (
        "--app-id",
        "myapp",
        "--region",
        "US",
        "--auth-key",
        "ak-1",
        "--rest-api-key",
        "rk-1",
        "--no-seed",
    )
    with EmulatorProcess(*args) as emulator:
        with rest(emulator.url, "rk-1", "myapp") as client:
            assert client.get("/users").json()["data"] == []
            assert client.post("/users", json={"uid": "a", "name": "A"}).status_code == 200
        with rest(emulator.url, REST_API_KEY, "myapp") as client:
            assert client.get("/users").json()["error"]["code"] == "AUTH_ERR_APIKEY_NOT_FOUND"
        with rest(emulator.url, "rk-1", APP_ID) as client:
            assert client.get("/users").json()["error"]["code"] == "AUTH_ERR_INVALID_APPID"
        assert "region        us" in emulator.output


def test_data_survives_a_restart_after_sigterm(tmp_path: Path) -> None:
    data = str(tmp_path / "emulator.db")
    with EmulatorProcess("--data", data) as first:
        with rest(first.url) as client:
            created = client.post("/users", json={"uid": "Keeper", "name": "Kept"})
            assert created.status_code == 200
            token = client.post("/users/keeper/auth_tokens", json={}).json()["data"]["authToken"]
            client.request("DELETE", "/users/cometchat-uid-5", json={"permanent": True})
        assert first.stop(signal.SIGTERM) == 0
    assert "stopping" in first.output

    with EmulatorProcess("--data", data) as second:
        with rest(second.url) as client:
            assert client.get("/users/keeper").json()["data"]["name"] == "Kept"
            listed = client.get("/users/keeper/auth_tokens").json()["data"]
            assert [t["authToken"] for t in listed] == [token]
            assert client.get("/users/cometchat-uid-5").status_code == 404
            assert client.get("/users").json()["meta"]["pagination"]["total"] == 5
        me = httpx.put(
            f"{second.url}/v3.0/me",
            headers={"appId": APP_ID, "authToken": token},
            json={"platform": "WEB"},
            timeout=10,
        )
        assert me.json()["data"]["uid"] == "keeper"


def test_sigint_stops_cleanly() -> None:
    emulator = EmulatorProcess()
    assert emulator.stop(signal.SIGINT) == 0
    assert "Traceback" not in emulator.output


@pytest.mark.parametrize(
    "command",
    [["-m", "cometchat_nb.emulator"], ["-m", "cometchat_nb", "emulator"]],
    ids=["python -m cometchat_nb.emulator", "python -m cometchat_nb emulator"],
)
def test_python_dash_m_runs_the_same_cli(command: list[str]) -> None:
    with EmulatorProcess(command=[sys.executable, *command]) as emulator:
        assert httpx.get(f"{emulator.url}/v3/users", timeout=10).status_code == 401


def test_a_session_reaches_it_through_comet_chat_emulator_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with EmulatorProcess() as emulator:
        monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", emulator.host)
        with Session() as session:
            session.create_user(User("cli-user", "CLI"))
            assert session.login("cli-user").uid == "cli-user"
            assert session.get_user("cometchat-uid-1").name == "Andrew Joseph"
            session.logout()


def test_a_429_waited_out_lets_the_next_request_through() -> None:
    args = ("--rate-limit-core", "2", "--rate-limit-window", "3")
    with EmulatorProcess(*args) as emulator, rest(emulator.url) as client:
        # Two core requests a window: the third within a window is refused (a window's
        # boundary may fall between the first ones, so send up to five).
        statuses = []
        for i in range(5):
            statuses.append(client.post("/users", json={"uid": f"r{i}", "name": "R"}))
            if statuses[-1].status_code == 429:
                break
        assert [r.status_code for r in statuses[-3:]] == [200, 200, 429]
        limited = statuses[-1]
        wait = int(limited.headers["Retry-After"])
        assert 1 <= wait <= 3
        assert limited.headers["X-Rate-Limit-Reset"] == limited.headers["X-RateLimit-Reset"]
        assert limited.headers["X-RateLimit-Limit"] == "2"
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        assert limited.json()["error"]["message"] == (
            f"Too many requests. Please retry after {wait} seconds."
        )
        assert limited.json()["error"]["code"] == "ERR_TOO_MANY_REQUESTS"
        assert client.get("/users").status_code == 200  # other classes are unaffected
        time.sleep(wait)  # as a client trusting the answer does
        again = client.post("/users", json={"uid": "after-the-wait", "name": "R"})
        assert again.status_code == 200, again.json()
        assert again.headers["X-RateLimit-Remaining"] == "1"


def test_fault_rate_and_seed() -> None:
    """`--fault-rate 0.5 --fault-seed 1`: about half the requests get a fault of some kind."""
    with EmulatorProcess("--fault-rate", "0.5", "--fault-seed", "1") as emulator:
        assert any("faults" in line and "50%" in line for line in emulator.lines)
        outcomes = []
        with rest(emulator.url) as client:
            for _ in range(40):
                try:
                    outcomes.append(client.get("/users", timeout=0.5).status_code)
                except httpx.HTTPError as exc:
                    outcomes.append(type(exc).__name__)
        assert 5 <= sum(o != 200 for o in outcomes) <= 35, outcomes
        assert 200 in outcomes


@pytest.mark.parametrize(
    "argv",
    [
        ["emulator", "--fault-rate", "2"],
        ["emulator", "--fault-rate", "often"],
        ["emulator", "--fault-seed", "x"],
        ["emulator", "--port", "70000"],
        ["emulator", "--port", "http"],
        ["emulator", "--auth-key", ""],
        ["emulator", "--app-id", "  "],
        ["emulator", "--rate-limit-core", "0"],
        ["emulator", "--rate-limit-window", "soon"],
        ["emulator", "--rate-limit-window", "0"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    (line,) = capsys.readouterr().err.splitlines()  # one line: the flag, and where to look
    assert line.startswith("cometchat-nb emulator: argument --")
    assert line.endswith("(see cometchat-nb emulator --help)")


def test_tls_needs_both_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "--tls-cert", "cert.pem"]) == 2
    assert "both --tls-cert and --tls-key" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["a file for a folder", "not a database"])
def test_an_unusable_data_file_is_one_clear_line(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "nowhere").write_text("a file, where a folder would be made")
    path = tmp_path / "nowhere" / "emulator.db"
    if kind == "not a database":
        path = tmp_path / "notes.db"
        path.write_bytes(b"these are not the users you are looking for" * 100)
    assert main(["emulator", "--port", "0", "--data", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cometchat-nb emulator: cannot use --data") and "Traceback" not in err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "emulator" in capsys.readouterr().out


def test_a_busy_port_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["emulator", "--port", str(port)]) == 1
    assert f"cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err
