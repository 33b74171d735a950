"""The in-process emulator as a product: seed, reset, inspectable state, deterministic mode."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import httpx

from cometchat_nb import Emulator, Session, User
from cometchat_nb.emulator import APP_ID


def test_seeded_with_the_five_test_users(emulator: Emulator) -> None:
    users = emulator.users
    assert list(users) == [f"cometchat-uid-{i}" for i in range(1, 6)]
    assert users["cometchat-uid-1"].name == "Andrew Joseph"
    assert users["cometchat-uid-5"].avatar == (
        "http://emulator.invalid/_emulator/avatars/cometchat-uid-5.svg"  # served by itself
    )
    assert {u.role for u in users.values()} == {"default"}
    assert {u.status for u in users.values()} == {"offline"}
    assert Emulator(seed=False).users == {}


def test_reset_restores_exactly_the_test_users(session: Session, emulator: Emulator) -> None:
    session.create_user(User("kevin", name="Kevin"))
    session.login("kevin")
    emulator.reset()
    assert list(emulator.users) == [f"cometchat-uid-{i}" for i in range(1, 6)]
    assert emulator.requests == [] and session.get_logged_in_user() is None


def test_on_reset_runs_after_the_state_is_cleared(emulator: Emulator) -> None:
    seen: list[int] = []
    with Session(emulator=emulator) as session:
        session.create_user(User("extra", name="Extra"))
    emulator.on_reset(lambda: seen.append(len(emulator.users)))
    emulator.on_reset(lambda: seen.append(-1))
    emulator.reset()
    assert seen == [5, -1]


def test_keys_are_secrets_in_every_repr(emulator: Emulator) -> None:
    assert emulator.auth_key.reveal() not in repr(emulator)
    assert APP_ID in repr(emulator)


def deterministic_run() -> list[bytes]:
    """The bytes of every answer a fresh deterministic emulator gives to one script."""
    emulator = Emulator(deterministic=True)
    answers: list[bytes] = []
    handle = emulator.handle

    def recording(request: httpx.Request) -> httpx.Response:
        response = handle(request)
        answers.append(response.content)
        return response

    emulator.handle = recording  # type: ignore[method-assign]
    with Session(emulator=emulator) as s:
        s.create_user(User("kevin", name="Kevin"))
        s.admin.create_auth_token("kevin")
        s.login("cometchat-uid-1")
    return answers


def test_deterministic_mode_is_byte_stable() -> None:
    first = deterministic_run()
    assert first == deterministic_run()
    assert b'"createdAt":1717000001' in first[0]  # one second per request from the epoch


def test_every_request_is_recorded(session: Session, emulator: Emulator) -> None:
    session.login("cometchat-uid-1")
    assert [(r.method, r.url.path) for r in emulator.requests] == [
        ("POST", "/v3.0/users/cometchat-uid-1/auth_tokens"),
        ("PUT", "/v3.0/me"),
    ]


def test_requests_kept_are_bounded(emulator: Emulator) -> None:
    emulator.keep_requests = 3
    with Session(emulator=emulator) as s:
        for i in range(1, 6):
            s.get_user(f"cometchat-uid-{i}")
    assert [r.url.path for r in emulator.requests] == [
        f"/v3/users/cometchat-uid-{i}" for i in (3, 4, 5)
    ]


def test_an_oversized_body_is_not_kept(emulator: Emulator) -> None:
    big = b'{"uid": "' + b"x" * (1024 * 1024) + b'"}'
    request = httpx.Request(
        "POST",
        "http://emulator.invalid/v3/users",
        content=big,
        headers={"apiKey": emulator.rest_api_key.reveal()},
    )
    assert emulator.handle(request).status_code == 413
    assert emulator.requests[-1].content == b""


def test_importing_the_package_is_cheap() -> None:
    """`import cometchat_nb` (and its emulator package) loads no emulator, event loop,
    database, server, pandas or widgets: those load on first use."""
    code = textwrap.dedent(
        """
        import sys
        import cometchat_nb
        import cometchat_nb.emulator as emulator
        from cometchat_nb.emulator.defaults import APP_ID
        heavy = ("cometchat_nb.emulator.service", "sqlite3", "uvicorn", "asyncio", "pandas",
                 "ipywidgets")
        print(sorted(name for name in heavy if name in sys.modules))
        print(emulator.APP_ID == APP_ID, emulator.Emulator.__name__, emulator.embedded.__name__)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[]", "True Emulator embedded"]
