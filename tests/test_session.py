"""Session semantics of spec 8: persistence, restore, short-circuits, logout, keys, hosts."""

from __future__ import annotations

import httpx
import pytest

from cometchat_nb import (
    AuthenticationError,
    CometChatException,
    Emulator,
    Event,
    FileStore,
    MemoryStore,
    Retry,
    Session,
    UnavailableError,
    User,
)
from cometchat_nb.connection import connect
from cometchat_nb.emulator import AUTH_KEY, REST_API_KEY


def names(events: list[Event]) -> list[str]:
    return [e.name for e in events]


def test_login_again_for_the_same_uid_sends_nothing(session: Session, emulator: Emulator) -> None:
    first = session.login("cometchat-uid-1")
    events: list[Event] = []
    session.listeners.subscribe(events.append)
    sent = len(emulator.requests)
    again = session.login("COMETCHAT-UID-1")  # compared case-insensitively
    assert again == first and len(emulator.requests) == sent
    assert names(events) == ["login_success"]


def test_login_as_another_uid_drops_the_stored_session(
    session: Session, emulator: Emulator
) -> None:
    session.login("cometchat-uid-1")
    events: list[Event] = []
    session.listeners.subscribe(events.append)
    sent = len(emulator.requests)
    session.login("cometchat-uid-2")
    paths = [r.url.path for r in emulator.requests[sent:]]
    assert paths == ["/v3.0/users/cometchat-uid-2/auth_tokens", "/v3.0/me"]  # no DELETE /me
    assert names(events) == ["session_cleared", "login_success"]
    assert events[0].detail == "cometchat-uid-1"


def test_login_requests_follow_the_sdk(session: Session, emulator: Emulator) -> None:
    sent = len(emulator.requests)
    session.login("cometchat-uid-1")
    mint, me = emulator.requests[sent:]
    assert (mint.method, me.method) == ("POST", "PUT")
    assert mint.headers["apiKey"] == AUTH_KEY and "authToken" not in mint.headers
    assert me.headers["authToken"].startswith("cometchat-uid-1_") and "apiKey" not in me.headers
    for request in (mint, me):
        assert request.headers["appId"] == emulator.app_id
        assert request.headers["Content-Type"] == "application/json"
        assert request.extensions["timeout"]["read"] == session.timeout
    body = httpx.Response(200, content=me.content).json()
    assert body["platform"] == "WEB" and body["deviceId"].startswith(emulator.app_id + "_")


def test_the_device_id_is_created_once(session: Session, emulator: Emulator) -> None:
    session.login("cometchat-uid-1")
    session.logout()
    session.login("cometchat-uid-2")
    device_ids = {
        httpx.Response(200, content=r.content).json()["deviceId"]
        for r in emulator.requests
        if r.url.path.endswith("/auth_tokens")
    }
    assert len(device_ids) == 1
    assert session.store.load(emulator.app_id)["deviceId"] in device_ids


def test_login_with_the_stored_token_sends_nothing(session: Session, emulator: Emulator) -> None:
    user = session.login("cometchat-uid-1")
    assert user.auth_token is not None
    sent = len(emulator.requests)
    assert session.login(auth_token=user.auth_token) == user
    assert session.login(auth_token=user.auth_token.reveal()) == user
    assert len(emulator.requests) == sent


def test_logout_revokes_the_token_and_marks_offline(session: Session, emulator: Emulator) -> None:
    user = session.login("cometchat-uid-1")
    assert emulator.users["cometchat-uid-1"].status == "online"
    assert session.logout() == {"success": True, "message": "User logged out successfully."}
    assert emulator.users["cometchat-uid-1"].status == "offline"
    with pytest.raises(AuthenticationError, match="AUTH_ERR_AUTH_TOKEN_NOT_FOUND"):
        session.login(auth_token=user.auth_token)


def test_logout_with_a_revoked_token_still_logs_out(session: Session) -> None:
    session.login("cometchat-uid-1")
    session.admin.flush_auth_tokens("cometchat-uid-1")
    events: list[Event] = []
    session.listeners.subscribe(events.append)
    assert session.logout() == {}
    assert names(events) == ["logout_success"]
    assert session.get_logged_in_user() is None


def test_a_revoked_token_logs_out_on_the_next_call(session: Session) -> None:
    session.login("cometchat-uid-1")
    session.admin.flush_auth_tokens("cometchat-uid-1")
    events: list[Event] = []
    session.listeners.subscribe(events.append)
    with pytest.raises(AuthenticationError, match="AUTH_ERR_AUTH_TOKEN_NOT_FOUND"):
        session.get_user("cometchat-uid-2")
    assert names(events) == ["logout_success"]
    assert session.get_logged_in_user() is None


def test_update_current_user_details(session: Session, emulator: Emulator) -> None:
    before = session.login("cometchat-uid-1")
    events: list[Event] = []
    session.listeners.subscribe(events.append)
    after = session.update_current_user_details(User("ignored", name="Andrew J.", tags=["vip"]))
    assert (after.uid, after.name, after.tags) == ("cometchat-uid-1", "Andrew J.", ["vip"])
    assert after.updated_at is not None and after.auth_token == before.auth_token
    assert session.get_logged_in_user() == after
    assert emulator.users["cometchat-uid-1"].name == "Andrew J."
    assert events == []
    with pytest.raises(CometChatException, match="INVALID_USER_NAME"):
        session.update_current_user_details({"name": " "})
    with pytest.raises(CometChatException, match="MISSING_PARAMETERS"):
        session.update_current_user_details({"uid": "cometchat-uid-1"})


def test_get_user_with_the_token_or_the_rest_key(session: Session, emulator: Emulator) -> None:
    assert session.get_user("CometChat-UID-4").name == "Susan Marie"
    assert emulator.requests[-1].headers["apiKey"] == REST_API_KEY
    session.login("cometchat-uid-1")
    found = session.get_user("cometchat-uid-4")
    assert "authToken" in emulator.requests[-1].headers
    assert found.has_blocked_me is False and found.blocked_by_me is False


def test_a_login_key_is_forgotten_at_logout_and_configuration_is_not(emulator: Emulator) -> None:
    with Session(emulator=emulator, auth_key="not-configured-0000") as s:
        with pytest.raises(AuthenticationError, match="AUTH_ERR_APIKEY_NOT_FOUND"):
            s.login("cometchat-uid-1")
        s.login("cometchat-uid-1", auth_key=AUTH_KEY)
        s.create_user(User("made-with-login-key", name="M"))  # the login's key is used
        s.logout()
        with pytest.raises(AuthenticationError, match="AUTH_ERR_APIKEY_NOT_FOUND"):
            s.create_user(User("after-logout", name="A"))
    with Session(emulator=emulator) as s:
        s.login("cometchat-uid-1")
        s.logout()
        assert s.login("cometchat-uid-1").uid == "cometchat-uid-1"  # configured key survives


def test_sessions_on_one_emulator_share_the_login_like_tabs(emulator: Emulator) -> None:
    with Session(emulator=emulator) as a, Session(emulator=emulator) as b:
        a.login("cometchat-uid-1")
        assert b.get_logged_in_user() is not None
        b.logout()
        assert a.get_logged_in_user() is None


def test_a_file_store_restores_across_sessions(emulator: Emulator, tmp_path: object) -> None:
    store = FileStore(tmp_path)  # type: ignore[arg-type]
    with Session(emulator=emulator, store=store) as s:
        user = s.login("cometchat-uid-1")
    sent = len(emulator.requests)
    with Session(emulator=emulator, store=FileStore(tmp_path)) as s:  # type: ignore[arg-type]
        assert s.get_logged_in_user() == user
        assert s.get_user("cometchat-uid-2").uid == "cometchat-uid-2"  # uses the stored token
    assert emulator.requests[sent].headers["authToken"] == user.auth_token.reveal()  # type: ignore[union-attr]


def test_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMETCHAT_APP_ID", "abc123")
    monkeypatch.setenv("COMETCHAT_REGION", "US")
    monkeypatch.setenv("COMETCHAT_AUTH_KEY", "k" * 40)
    s = Session(store=MemoryStore())
    assert (s.app_id, s.region, s.emulator) == ("abc123", "us", None)
    assert "abc123" in repr(s) and "EMULATOR" not in repr(s)
    hosts = connect(
        None, None, None, None, client_host=None, admin_host=None, store=None, emulator=None
    ).hosts
    assert hosts.client == "https://abc123.apiclient-us.cometchat.io/v3.0"
    assert hosts.rest == "https://abc123.api-us.cometchat.io/v3"
    monkeypatch.setenv("COMETCHAT_CLIENT_HOST", "http://127.0.0.1:9/v3.0")
    overridden = connect(
        None, None, None, None, client_host=None, admin_host=None, store=None, emulator=None
    )
    assert overridden.hosts.client == "http://127.0.0.1:9/v3.0"


def test_no_app_id_means_the_embedded_emulator() -> None:
    with Session() as a, Session() as b:
        assert a.emulator is b.emulator and isinstance(a.emulator, Emulator)
        assert "EMULATOR" in repr(a)


def test_emulator_and_app_id_must_agree(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="app_id"):
        Session(emulator=emulator, app_id="other")
    with pytest.raises(TypeError):
        Session(emulator="not an emulator")


def test_a_network_error_is_failed_to_fetch() -> None:
    s = Session(
        app_id="x",
        auth_key="k" * 20,
        client_host="http://127.0.0.1:9",
        admin_host="http://127.0.0.1:9",
        store=MemoryStore(),
        timeout=2,
    )
    events: list[Event] = []
    s.listeners.subscribe(events.append)
    with pytest.raises(UnavailableError) as raised:
        s.login("kevin")
    assert raised.value.code == "FAILED_TO_FETCH" and raised.value.http_status is None
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert names(events) == ["login_failure"]


def test_a_rate_limited_call_is_retried_after_retry_after() -> None:
    from cometchat_nb.emulator import RateLimiter

    limiter = RateLimiter(limits={"core": 1}, enforce=True)  # a minute's window, from its start
    emulator = Emulator(clock=lambda: 1_717_000_020.0, rate_limiter=limiter)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        emulator.rate_limiter = RateLimiter()  # the window has passed

    with Session(emulator=emulator, sleep=sleep) as s:
        s.create_user(User("one", name="One"))
        s.create_user(User("two", name="Two"))
    assert slept == [60.0] and {"one", "two"} <= set(emulator.users)


def test_rate_limit_gives_up_after_the_last_attempt() -> None:
    from cometchat_nb import RateLimitError
    from cometchat_nb.emulator import RateLimiter

    limiter = RateLimiter(limits={"core": 0}, enforce=True)
    emulator = Emulator(clock=lambda: 1_717_000_020.0, rate_limiter=limiter)
    slept: list[float] = []
    with Session(emulator=emulator, sleep=slept.append, retry=Retry(attempts=3)) as s:
        with pytest.raises(RateLimitError) as raised:
            s.create_user(User("one", name="One"))
    assert raised.value.code == "ERR_TOO_MANY_REQUESTS" and raised.value.retry_after == 60
    assert slept == [60.0, 60.0] and "one" not in emulator.users


def test_the_clients_of_a_connection_keep_no_cookie() -> None:
    """A load balancer's sticky cookie is neither kept nor sent back by the clients a
    session sends with: it authenticates by header, as the SDK does from a page of
    another origin."""
    import asyncio
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str | None] = []

    class Sticky(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Cookie"))
            self.send_response(200)
            self.send_header("Set-Cookie", "AWSALB=sticky; Path=/")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Sticky) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/v3.0/me"
        connection = connect(
            "app", "us", "k" * 20, None, client_host=url, admin_host=url, store=MemoryStore(),
            emulator=None,
        )  # fmt: skip

        async def twice() -> int:
            async with connection.async_client() as client:
                for _ in range(2):
                    await client.get(url)
                return len(client.cookies)

        try:
            with connection.client() as client:
                for _ in range(2):
                    assert client.get(url).headers["Set-Cookie"] == "AWSALB=sticky; Path=/"
                assert len(client.cookies) == 0
            assert asyncio.run(twice()) == 0
        finally:
            server.shutdown()
    assert seen == [None] * 4
