"""The live guard, as a user's project meets it: a throwaway project, only the package.

pytest runs in a subprocess outside this repository; every connection that would leave
the machine goes through a local socket standing in as the HTTP(S) proxy, which records
what it is asked to reach. Unmarked tests that aim a session at a real app (explicit
keys, `client_host`, the variables, async too) fail with the guard's error and that
socket sees nothing from them; a marked test with the variables set is let through.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cometchat_nb import LiveAppForbidden, Session
from cometchat_nb.guard import VARIABLE, check, is_loopback

ROOT = Path(__file__).resolve().parents[1]

PROJECT_TESTS = """
import asyncio
import os
import subprocess
import sys

import pytest

from cometchat_nb import AsyncSession, CometChatException, LiveAppForbidden, Session

KEYS = {"auth_key": "a" * 40, "rest_api_key": "r" * 40}


def test_explicit_keys_are_stopped():
    session = Session(app_id="realapp", region="us", **KEYS)
    with pytest.raises(LiveAppForbidden, match="cometchat_live"):
        session.admin.create_auth_token("someone")
    with pytest.raises(LiveAppForbidden):
        session.login("someone")


def test_client_host_is_stopped():
    host = "http://collector.example:8080"
    session = Session(app_id="realapp", auth_key="a" * 40, client_host=host, admin_host=host)
    with pytest.raises(LiveAppForbidden):
        session.create_user({"uid": "someone", "name": "Someone"})


def test_variables_set_by_the_test_are_stopped(monkeypatch):
    monkeypatch.setenv("COMETCHAT_APP_ID", "realapp")
    monkeypatch.setenv("COMETCHAT_REGION", "eu")
    monkeypatch.setenv("COMETCHAT_REST_API_KEY", "r" * 40)
    with Session() as session, pytest.raises(LiveAppForbidden):
        session.admin.get_user("someone")


def test_the_async_twin_is_stopped():
    async def main():
        async with AsyncSession(app_id="realapp", region="us", **KEYS) as session:
            await session.admin.create_auth_token("someone")

    with pytest.raises(LiveAppForbidden):
        asyncio.run(main())


def test_a_subprocess_inherits_the_guard():
    code = "from cometchat_nb import Session; Session(app_id='app', auth_key='a' * 40).login('x')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1 and "LiveAppForbidden" in done.stderr


def test_loopback_and_emulators_are_allowed(cometchat_server, cometchat_session):
    cometchat_session.login("cometchat-uid-1")
    with Session() as served:  # COMETCHAT_EMULATOR_HOST: the fixture's server
        served.login("cometchat-uid-2")


def test_an_unmarked_test_fails_with_the_guards_error():
    Session(app_id="realapp", region="us", **KEYS).admin.create_auth_token("someone")


@pytest.mark.cometchat_live
def test_a_marked_test_is_let_through():
    assert "COMETCHAT_NB_FORBID_LIVE" not in os.environ
    with Session() as session, pytest.raises(CometChatException) as raised:
        session.admin.create_auth_token("someone")  # through the recording proxy, which hangs up
    assert not isinstance(raised.value, LiveAppForbidden)
"""


class Recorder:
    """A socket on loopback, set as the HTTP(S) proxy: records the first line of each
    connection (`CONNECT host:443 ...`) and hangs up."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                try:
                    self.lines.append(connection.recv(4096).split(b"\r\n")[0].decode())
                except OSError:
                    self.lines.append("")

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    r = Recorder()
    yield r
    r.close()


def run_project(tmp_path: Path, recorder: Recorder, **extra: str) -> str:
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_guarded.py").write_text(PROJECT_TESTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMETCHAT_", "PYTEST"))}
    env.update(
        PYTHONPATH=str(ROOT),  # this checkout's package, not its tests or conftest
        HTTP_PROXY=recorder.url,
        HTTPS_PROXY=recorder.url,
        NO_PROXY="127.0.0.1,localhost",
        COMETCHAT_NB_HOME=str(tmp_path / "home"),
        COMETCHAT_APP_ID="liveapp",  # what a live test needs; unmarked tests never see it
        COMETCHAT_REGION="us",
        COMETCHAT_REST_API_KEY="a-real-key-that-must-not-be-used",
        **extra,
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfs", "-W",
         "ignore::DeprecationWarning", "."],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return done.stdout + done.stderr


def test_unmarked_tests_send_nothing_and_a_marked_one_goes_through(
    tmp_path: Path, recorder: Recorder
) -> None:
    output = run_project(tmp_path, recorder)
    summary = output.strip().splitlines()[-1]
    assert "1 failed, 7 passed" in summary, output[-5000:]
    assert "FAILED test_guarded.py::test_an_unmarked_test_fails_with_the_guards_error" in output
    assert "LiveAppForbidden: cometchat-nb's live guard stopped a POST to realapp" in output
    assert "@pytest.mark.cometchat_live" in output
    assert recorder.lines, "the marked test reached the proxy"
    assert all(
        line.startswith("CONNECT liveapp.api-us.cometchat.io:443") for line in recorder.lines
    )
    assert "a-real-key-that-must-not-be-used" not in output and "r" * 40 not in output


def test_a_ci_job_that_forbids_live_apps_skips_marked_tests(
    tmp_path: Path, recorder: Recorder
) -> None:
    output = run_project(tmp_path, recorder, **{VARIABLE: "1"})
    assert "1 failed, 6 passed, 1 skipped" in output.strip().splitlines()[-1], output[-5000:]
    assert f"cometchat_live: {VARIABLE} is set" in output
    assert recorder.lines == []


# -- outside pytest: the switch, and what counts as loopback --------------------------------


def test_the_switch_outside_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    request = httpx.Request("POST", "https://realapp.api-us.cometchat.io/v3/users")
    monkeypatch.setenv(VARIABLE, "0")
    check(request, emulator=False)  # off
    monkeypatch.setenv(VARIABLE, "1")
    with pytest.raises(LiveAppForbidden, match=VARIABLE):
        check(request, emulator=False)
    with pytest.raises(LiveAppForbidden):  # CometChat's domain is never an emulator
        check(request, emulator=True)
    check(httpx.Request("GET", "http://emulator.test:8790/v3/users"), emulator=True)
    check(httpx.Request("GET", "http://127.0.0.1:9/v3/users"), emulator=False)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True),
     ("[::1]", True), ("app.localhost", True), ("10.0.0.1", False), ("example.com", False),
     ("localhost.example.com", False), ("0.0.0.0", False)],
)  # fmt: skip
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_remote_emulator_on_cometchats_own_host_is_refused() -> None:
    from cometchat_nb.emulator import RemoteEmulator

    with pytest.raises(LiveAppForbidden):
        RemoteEmulator.at("https://realapp.api-us.cometchat.io").reset()


def test_this_suite_runs_guarded() -> None:
    """The plugin is active here too: an unmarked test cannot reach a real app."""
    assert os.environ.get(VARIABLE) == "pytest"  # set by the plugin (so xdist workers know)
    with Session(app_id="realapp", auth_key="a" * 40) as session:
        with pytest.raises(LiveAppForbidden):
            session.login("someone")
