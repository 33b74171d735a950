"""`session.check()` and `cometchat-nb check`: each line checked, not checkable, or failed;
ok only when something was checked and nothing failed."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from cometchat_nb import AsyncSession, Emulator, Session
from cometchat_nb.check import run as check_command
from cometchat_nb.emulator.server import Server

ROOT = Path(__file__).resolve().parents[1]


def verdicts(report: object) -> dict[str, str]:
    return {line.subject: line.verdict for line in report.lines}  # type: ignore[attr-defined]


def test_only_an_auth_key_is_not_ok_and_sends_nothing() -> None:
    with Session(app_id="someapp", auth_key="a" * 40) as session:
        report = session.check()
        assert list(session.wire) == []  # nothing sent (and the live guard never asked)
    assert not report.ok
    assert verdicts(report) == {
        "login": "not checkable", "REST API key": "not checkable", "auth key": "not checkable"
    }  # fmt: skip
    text = str(report)
    assert "NOT CHECKED" in text and "not set" in text and "a" * 40 not in text
    assert "PROBLEM" not in text


def test_every_credential_held_is_checked(emulator: Emulator) -> None:
    with Session(emulator=emulator) as session:
        session.login("cometchat-uid-1")
        report = session.check()
    assert report.ok
    assert verdicts(report) == {
        "login": "checked", "REST API key": "checked", "auth key": "not checkable"
    }  # fmt: skip
    assert [(r.method, r.url.path) for r in emulator.requests[-2:]] == [
        ("GET", "/v3.0/me"), ("GET", "/v3/users")
    ]  # fmt: skip


def test_a_failed_line_is_a_problem_even_when_another_passed(emulator: Emulator) -> None:
    with Session(emulator=emulator, rest_api_key="not-the-rest-api-key-0000") as session:
        session.login("cometchat-uid-1")
        report = session.check()
    assert not report.ok and verdicts(report)["login"] == "checked"
    assert verdicts(report)["REST API key"] == "failed"
    line = report.line("REST API key")
    assert line.asked == "GET /users" and "AUTH_ERR_APIKEY_NOT_FOUND" in line.detail
    assert "PROBLEM" in str(report) and "not-the-rest-api-key-0000" not in str(report)


async def test_the_async_twin_runs_the_same_flow(emulator: Emulator) -> None:
    async with AsyncSession(emulator=emulator) as session:
        report = await session.check()
    assert report.ok and verdicts(report)["REST API key"] == "checked"
    assert report.kind == "AsyncSession"


def test_the_cli_exit_code_follows(monkeypatch: pytest.MonkeyPatch, server: Server) -> None:
    monkeypatch.setenv("COMETCHAT_APP_ID", "someapp")
    monkeypatch.setenv("COMETCHAT_AUTH_KEY", "a" * 40)
    out = io.StringIO()
    assert check_command(Namespace(), out) == 1
    assert "NOT CHECKED" in out.getvalue()
    monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", server.url.split("://")[1])
    monkeypatch.delenv("COMETCHAT_APP_ID")
    out = io.StringIO()
    assert check_command(Namespace(), out) == 0
    assert "nothing persists" not in out.getvalue()  # a served emulator keeps its state


def test_the_cli_names_an_embedded_emulator() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMETCHAT_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "cometchat_nb", "check"], env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "emulator (in-process)" in done.stdout
    assert "nothing persists after this" in done.stdout
    assert "run `cometchat-nb emulator` to keep state" in done.stdout
