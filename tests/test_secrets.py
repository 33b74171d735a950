"""No secret (auth key, REST API key, auth token, jwt) in any repr, str, exception,
event, log record or warning produced by the guide's walk and the bad-input cases."""

from __future__ import annotations

import logging
import traceback
import warnings
from typing import Any

import pytest

from cometchat_nb import (
    AsyncSession,
    CometChatException,
    Emulator,
    Event,
    LoginListener,
    MemoryStore,
    Secret,
    Session,
    User,
)


def texts_of(value: Any) -> list[str]:
    """Every way a value could be shown."""
    out = [repr(value), str(value), f"{value}"]
    if isinstance(value, CometChatException):
        out += [value.message, str(value.details), str(value.dev_message), str(value.args)]
    if isinstance(value, Event):
        out += [value.detail, *texts_of(value.payload)]
    return out


def test_no_secret_anywhere(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []
    events: list[Event] = []
    secrets = [emulator.auth_key.reveal(), emulator.rest_api_key.reveal()]

    def show(*values: Any) -> None:
        for value in values:
            shown.extend(texts_of(value))

    def attempt(call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = call(*args, **kwargs)
        except CometChatException as exc:
            show(exc)
            return None
        show(result)
        return result

    with warnings.catch_warnings(record=True) as caught, Session(emulator=emulator) as s:
        warnings.simplefilter("always")
        s.listeners.subscribe(events.append)
        s.add_login_listener("l", LoginListener(login_success=show, login_failure=show))
        show(s, emulator, s.listeners, s.store)
        attempt(s.create_user, User("kevin", name="Kevin"))
        user = attempt(s.login, "kevin")
        stored = s.store.load(emulator.app_id)["session"]
        secrets += [stored["authToken"], stored["jwt"], stored["wsChannel"]["secret"]]
        show(s, user, s.get_logged_in_user(), s.get_user("kevin"))
        attempt(s.update_current_user_details, {"name": "Kevin K"})
        attempt(s.logout)
        token = s.admin.create_auth_token("kevin")
        secrets.append(token.auth_token.reveal())
        show(token, token.auth_token, s.admin.list_auth_tokens("kevin"))
        attempt(s.login, auth_token=token)
        attempt(s.logout)
        attempt(s.login, auth_token=token)  # revoked by the logout: the message echoes it
        attempt(s.admin.delete_auth_token, "kevin", token)
        attempt(s.login, "kevin", "wrong-auth-key-1234567890")
        attempt(s.login, "nobody")
        attempt(s.login, "bad uid")
        attempt(s.logout)
        attempt(s.create_user, {"uid": "x"}, auth_key="")
        with Session(emulator=emulator, rest_api_key=emulator.auth_key) as narrow:
            attempt(narrow.admin.get_user, "kevin")
        show(s, Secret(secrets[0]), *events, *caught)
    shown += [record.getMessage() for record in caplog.records]
    shown += [str(w.message) for w in caught]

    assert len(events) >= 8 and any("AUTH_ERR_APIKEY_NOT_FOUND" in text for text in shown)
    everything = "\n".join(shown)
    for secret in secrets:
        assert secret not in everything, f"a secret ending {secret[-4:]} was shown"


async def test_no_secret_in_async_errors(emulator: Emulator) -> None:
    async with AsyncSession(emulator=emulator) as s:
        token = await s.admin.create_auth_token("cometchat-uid-1")
        await s.admin.flush_auth_tokens("cometchat-uid-1")
        with pytest.raises(CometChatException) as raised:
            await s.login(auth_token=token)
    value = token.auth_token.reveal()
    assert raised.value.code == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
    assert all(value not in text for text in texts_of(raised.value))
    assert token.auth_token.masked in raised.value.message


WRONG_KEY = "wrong-auth-key-0123456789abcdef"
WRONG_TOKEN = "kevin_1717000000" + "ab" * 15


def formatted(exc: BaseException) -> str:
    """`exc`'s traceback as error trackers and IPython's verbose mode record it: every
    frame's locals. The frame that called (this test's) holds what it typed: left out."""
    assert exc.__traceback__ is not None
    tb = exc.__traceback__.tb_next
    text = traceback.TracebackException(type(exc), exc, tb, capture_locals=True)
    return "".join(text.format())


def failures(s: Session, emulator: Emulator) -> list[tuple[str, Any]]:
    """Ordinary failures of logins, creates and admin calls, each as (label, call)."""
    token = s.admin.create_auth_token("kevin")
    revoked = s.admin.create_auth_token("kevin")
    s.admin.delete_auth_token("kevin", revoked)
    return [
        ("wrong key", lambda: s.login("kevin", WRONG_KEY)),
        ("wrong key as a Secret", lambda: s.login("kevin", Secret(WRONG_KEY))),
        ("revoked token", lambda: s.login(auth_token=revoked)),
        ("unknown token", lambda: s.login(auth_token=WRONG_TOKEN)),
        ("non-ASCII key", lambda: s.login("kevin", WRONG_KEY + "ë")),
        ("unknown uid", lambda: s.login("nobody-here")),
        ("duplicate uid", lambda: s.create_user({"uid": "kevin", "name": "K"})),
        ("create, wrong key", lambda: s.create_user({"uid": "k2", "name": "K"}, WRONG_KEY)),
        ("admin duplicate", lambda: s.admin.create_user({"uid": "kevin", "name": "K"})),
        ("admin unknown token", lambda: s.admin.delete_auth_token("kevin", WRONG_TOKEN)),
        ("admin revoked token", lambda: s.admin.delete_auth_token("kevin", revoked)),
        ("admin unknown user", lambda: s.admin.get_user("nobody-here")),
        ("admin token of nobody", lambda: s.admin.create_auth_token("nobody-here")),
        ("login, then a fault", lambda: faulted(s, emulator, token)),
        ("logout, then a fault", lambda: logged_out_faulted(s, emulator, token)),
    ]


def faulted(s: Session, emulator: Emulator, token: Any) -> None:
    emulator.faults.inject("status", method="PUT", path="/me", times=3)
    s.login("kevin")


def logged_out_faulted(s: Session, emulator: Emulator, token: Any) -> None:
    s.login(auth_token=token)
    emulator.faults.inject("drop_before", method="DELETE", path="/me", times=3)
    s.logout()


def test_no_secret_in_tracebacks_with_locals(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    with Session(emulator=emulator) as s:
        s.create_user(User("kevin", name="Kevin"))
        s.login("kevin")
        stored = s.store.load(emulator.app_id)["session"]
        secrets = {
            emulator.auth_key.reveal(), emulator.rest_api_key.reveal(), WRONG_KEY,
            WRONG_TOKEN, stored["authToken"], stored["jwt"], stored["wsChannel"]["secret"],
        }  # fmt: skip
        s.logout()

        def careless(exc: CometChatException) -> None:  # a user's listener, quoting the key
            raise ValueError(f"login failed with {WRONG_KEY} ({exc.code})")

        s.add_login_listener("careless", LoginListener(login_failure=careless))
        cases = failures(s, emulator)
        for token in s.admin.list_auth_tokens("kevin"):
            secrets.add(token.auth_token.reveal())
        for label, call in cases:
            with pytest.raises(CometChatException) as raised:
                call()
            texts.append(f"{label}: {formatted(raised.value)}")
            emulator.faults.clear()
        for token in s.admin.list_auth_tokens("kevin"):
            secrets.add(token.auth_token.reveal())
    logged = [record.getMessage() for record in caplog.records]
    assert any("login failed with ••••" in message for message in logged)
    texts += [*logged, caplog.text]
    leaks = [(secret[-4:], text[:60]) for text in texts for secret in secrets if secret in text]
    assert len(texts) >= len(cases) and leaks == [], leaks


async def test_no_secret_in_async_tracebacks_with_locals(emulator: Emulator) -> None:
    secrets = {emulator.auth_key.reveal(), emulator.rest_api_key.reveal(), WRONG_KEY}
    async with AsyncSession(emulator=emulator) as s:
        token = await s.admin.create_auth_token("cometchat-uid-1")
        secrets.add(token.auth_token.reveal())
        await s.admin.flush_auth_tokens("cometchat-uid-1")
        texts = []
        for call in (
            lambda: s.login(auth_token=token),
            lambda: s.login("cometchat-uid-1", WRONG_KEY),
            lambda: s.create_user({"uid": "cometchat-uid-1", "name": "K"}),
            lambda: s.admin.delete_auth_token("cometchat-uid-1", token),
        ):
            with pytest.raises(CometChatException) as raised:
                await call()
            texts.append(formatted(raised.value))
    assert not [secret[-4:] for text in texts for secret in secrets if secret in text]


def test_no_secret_in_tracebacks_of_a_full_disk_or_an_odd_answer(emulator: Emulator) -> None:
    class FullStore(MemoryStore):
        full = False

        def save(self, app_id: str, data: dict[str, Any]) -> None:
            if self.full:
                raise OSError("disk full")
            super().save(app_id, data)

    store = FullStore()
    with Session(emulator=emulator, store=store) as s:
        s.login("cometchat-uid-1")
        stored = store.load(emulator.app_id)["session"]
        secrets = [stored["authToken"], stored["jwt"], stored["wsChannel"]["secret"]]
        s.logout()
        token = s.admin.create_auth_token("cometchat-uid-2")
        secrets.append(token.auth_token.reveal())
        store.full = True
        texts = []
        for call in (lambda: s.login("cometchat-uid-1"), lambda: s.login(auth_token=token)):
            with pytest.raises(CometChatException) as raised:
                call()
            assert raised.value.code == "SESSION_NOT_SAVED"
            texts.append(formatted(raised.value))
        store.full = False
        s.login(auth_token=token)
        emulator.faults.inject("truncate", method="GET", path="/users/*", times=3)
        with pytest.raises(CometChatException) as raised:
            s.get_user("cometchat-uid-3")
        texts.append(formatted(raised.value))
    assert "jwt" in texts[0] and "'••••" in texts[0]  # the answer is there, masked
    assert not [secret[-4:] for text in texts for secret in secrets if secret in text]


def test_logs_of_a_bulk_call_are_redacted_from_every_thread(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    """httpx logs each request on the worker thread that sends it, while other workers make
    secrets: the filter reads the live secrets safely, and masks them."""
    caplog.set_level(logging.INFO)
    with Session(emulator=emulator) as s:
        s.login("cometchat-uid-1", Secret(emulator.auth_key))
        rows = [{"uid": f"logged-{i}", "name": "L"} for i in range(60)]
        result = s.create_users(rows, concurrency=8, progress=False)
        token = s.store.load(emulator.app_id)["session"]["authToken"]
        s.admin.delete_auth_token("cometchat-uid-1", token)
    assert (result["result"] == "created").all()
    assert sum("HTTP Request" in record.getMessage() for record in caplog.records) >= 60
    assert token not in caplog.text and "auth_tokens/••••" in caplog.text


def test_the_cache_of_parsed_urls_keeps_no_token(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """URLs are parsed once and kept (`protocol.parsed_url`, bounded), but never one
    naming a token (`DELETE /users/{uid}/auth_tokens/{token}`)."""
    from cometchat_nb import protocol

    cached: list[str] = []
    parse = protocol.parsed_url
    monkeypatch.setattr(protocol, "parsed_url", lambda url: cached.append(url) or parse(url))
    with Session(emulator=emulator) as session:
        minted = session.admin.create_auth_token("cometchat-uid-2")
        session.admin.delete_auth_token("cometchat-uid-2", minted)
        session.login(auth_token=session.admin.create_auth_token("cometchat-uid-3"))
        session.logout()
    token = minted.auth_token.reveal()
    assert any(url.endswith("/auth_tokens") for url in cached)
    assert not any(token in url for url in cached)
    assert parse.cache_info().maxsize == 1024


def test_a_key_is_masked_in_logs_while_any_secret_of_it_lives(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two `Secret`s of one key are equal; the first one going must not unmask the key
    while the second lives (a set of live secrets kept only the first)."""
    import gc

    from cometchat_nb.secret import redact_logs

    redact_logs()
    key = "a-key-typed-by-hand-" + "q" * 12
    first, second = Secret(key), Secret(key)
    del first
    gc.collect()
    caplog.set_level(logging.INFO, logger="cometchat_nb")
    logging.getLogger("cometchat_nb").info("the key was %s", key)
    assert key not in caplog.text and second.masked in caplog.text


#: Run in a child process: were the lock not reentrant, the deadlock would hold it (and leave
#: the collector mid-collection) for every later test of this process.
COLLECTOR_LOGS_DURING_SECRET = """
import gc, logging, sys, traceback
from cometchat_nb import Secret
from cometchat_nb.secret import redact_logs

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
redact_logs()
logger = logging.getLogger("cometchat_nb")
key = "a-key-made-while-collecting-" + "z" * 8
made, inside = [], 0

def log_collection(phase, info):
    global inside
    if phase != "start" or not made:
        return
    stack = traceback.extract_stack()
    if any(f.name == "__init__" and f.filename.endswith("secret.py") for f in stack):
        inside += 1  # within Secret(...), where it holds the live secrets' lock
        logger.info("collecting near %s", key)

thresholds = gc.get_threshold()
gc.callbacks.append(log_collection)
gc.set_threshold(1)  # a collection at nearly every allocation, Secret's too
for _ in range(200):
    made.append(Secret(key))
gc.set_threshold(*thresholds)
gc.callbacks.remove(log_collection)
print("records logged within Secret():", inside)
"""


def test_a_record_logged_by_the_collector_while_a_secret_is_made() -> None:
    """The collector may run in the middle of `Secret(...)` and call back code that logs; the
    record is redacted (reading the live secrets) on the same thread without deadlock."""
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", COLLECTOR_LOGS_DURING_SECRET],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    *records, summary = run.stdout.splitlines()
    within = int(summary.rsplit(" ", 1)[1])
    assert within > 0 and len(records) == within, run.stdout[-2000:]
    assert all(record == "collecting near ••••zzzz" for record in records), records[:3]
