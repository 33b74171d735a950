"""Failures around the happy path: races, broken stores, closed sessions, odd arguments."""

from __future__ import annotations

import copy
import threading
import warnings
from typing import Any

import httpx
import pytest

from cometchat_nb import (
    CometChatException,
    Emulator,
    Event,
    InvalidStateError,
    LoginListener,
    MemoryStore,
    RateLimitError,
    Retry,
    Session,
    User,
    UserList,
)
from cometchat_nb.emulator import AUTH_KEY, RateLimiter
from cometchat_nb.protocol import read
from cometchat_nb.secret import redact


class BrokenStore(MemoryStore):
    """A store whose disk fills up once `full` is set."""

    full = False

    def save(self, app_id: str, data: dict[str, Any]) -> None:
        if self.full:
            raise OSError("disk full")
        super().save(app_id, data)


def names(session: Session) -> list[str]:
    seen: list[str] = []
    session.listeners.subscribe(lambda event: seen.append(event.name))
    return seen


def test_a_logout_wins_over_an_update_in_flight(emulator: Emulator) -> None:
    errors: list[str] = []
    with Session(emulator=emulator) as s:
        s.login("cometchat-uid-1")
        seen = names(s)

        def update() -> None:
            try:
                s.update_current_user_details({"name": "New"})
            except CometChatException as exc:
                errors.append(exc.code)

        emulator.latency = 0.3
        updating = threading.Thread(target=update, daemon=True)
        updating.start()
        threading.Event().wait(0.1)  # the update is in flight
        emulator.latency = 0
        s.logout()
        updating.join(timeout=10)
        assert s.get_logged_in_user() is None
    assert errors == ["AUTH_ERR_AUTH_TOKEN_NOT_FOUND"]  # it reached the service after the logout
    assert seen == ["logout_success"]  # and did not log out a second time


def test_an_update_answered_after_a_logout_is_not_saved(emulator: Emulator) -> None:
    with Session(emulator=emulator) as s:
        s.login("cometchat-uid-1")
        handle = emulator.handle

        def logout_then_answer(request: httpx.Request) -> httpx.Response:
            response = handle(request)
            if request.method == "PUT":  # the update is done by the service...
                with Session(emulator=emulator) as other:  # ...while another tab logs out
                    other.logout()
            return response

        emulator.handle = logout_then_answer  # type: ignore[method-assign]
        with Session(emulator=emulator) as tab:
            assert tab.update_current_user_details({"name": "New"}).name == "New"
            assert tab.get_logged_in_user() is None


def test_a_store_that_cannot_be_written(emulator: Emulator) -> None:
    store = BrokenStore()
    with Session(emulator=emulator, store=store) as s:
        s.login("cometchat-uid-1")
        store.full = True
        seen = names(s)
        s.logout()  # the token is revoked; the local clear fails, is logged, and events fire
        assert seen == ["logout_success"]
        with pytest.raises(InvalidStateError) as raised:
            s.login("cometchat-uid-2")
        assert raised.value.code == "SESSION_NOT_SAVED"
        assert seen[-1] == "login_failure"


#: Stored users of an odd shape: each field of the wrong type.
ODD_USERS = [
    {"uid": "a", "tags": 5}, {"uid": "a", "tags": ["x", 1]}, {"uid": "a", "name": 5},
    {"uid": "a", "metadata": [1]}, {"uid": "a", "createdAt": "yesterday"},
    {"uid": "a", "createdAt": 10**30}, {"uid": "a", "status": ["online"]},
    {"uid": "a", "hasBlockedMe": "no"}, {"uid": "a", "avatar": {"url": "x"}},
]  # fmt: skip


@pytest.mark.parametrize(
    "session_data",
    [
        {"user": {"uid": "a"}, "authToken": 12345},
        {"user": {"uid": 5}, "authToken": "t"},
        {"user": "a", "authToken": "t"},
        "not a dict",
        *({"user": user, "authToken": "t" * 40} for user in ODD_USERS),
    ],
)
def test_odd_stored_data_is_no_session_in_every_view(
    emulator: Emulator, session_data: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from cometchat_nb.widgets import EventLog, LoginForm, UserTable

    store = MemoryStore()
    store.save(emulator.app_id, {"session": session_data})
    with Session(emulator=emulator, store=store) as s:
        assert s.get_logged_in_user() is None
        assert "logged_in=None" in repr(s) and "<" in s._repr_html_()
        for widget in (LoginForm(s), UserTable(s), EventLog(s), s.dashboard()):
            assert repr(widget) and widget.children
        assert s.check().logged_in is None
        assert "no session" in caplog.text
        with pytest.raises(CometChatException) as raised:
            s.logout()  # nobody is logged in: nothing is sent with the odd token
        assert raised.value.code == "USER_NOT_LOGED_IN"
        assert s.login("cometchat-uid-1").uid == "cometchat-uid-1"
        s.logout()


def test_odd_stored_settings_are_ignored_on_a_real_app(caplog: pytest.LogCaptureFixture) -> None:
    from cometchat_nb.connection import connect
    from cometchat_nb.core.client import Core
    from cometchat_nb.listeners import ListenerRegistry

    store = MemoryStore()
    user = {"uid": "kevin", "name": "Kevin"}
    connection = connect("my-app", "eu", None, None, client_host=None, admin_host=None,
                         store=store, emulator=None)  # fmt: skip
    for settings in ("a string", 5, ["CLIENT_API_HOST"], {"CLIENT_API_HOST": 5}):
        store.save("my-app", {"session": {"user": user, "authToken": "t" * 40,
                                          "settings": settings}})  # fmt: skip
        core = Core(connection, ListenerRegistry(), 5.0)  # the flows, which send nothing
        assert core.logins.read().user is not None  # the login itself is fine
        for flow in (core.get_user("cometchat-uid-2"), core.logout()):
            request = next(flow)  # built, not sent: a real app is not reachable from tests
            flow.close()
            assert request.url.host == "my-app.apiclient-eu.cometchat.io"
    assert "ignoring stored settings" in caplog.text


@pytest.mark.parametrize("user", ODD_USERS)
def test_odd_answers_are_failed_to_fetch_in_every_call(emulator: Emulator, user: Any) -> None:
    handle = emulator.handle

    def odd(request: httpx.Request) -> httpx.Response:
        response = handle(request)
        if response.status_code != 200 or request.method == "DELETE":
            return response
        data = response.json()["data"]
        if isinstance(data, list):
            body = {**response.json(), "data": [{**item, **user} for item in data]}
        elif ("uid" in data and "authToken" not in data) or request.url.path.endswith("/me"):
            body = {"data": {**data, **user}}
        else:
            return response
        return httpx.Response(200, json=body, request=request)

    emulator.handle = odd  # type: ignore[method-assign]
    with Session(emulator=emulator) as s:
        failures: list[str] = []
        s.add_login_listener("l", LoginListener(login_failure=lambda e: failures.append(e.code)))
        login = [] if "status" in user else [lambda: s.login("cometchat-uid-1")]  # set by login
        for call in (
            *login,
            lambda: s.get_user("cometchat-uid-2"),
            lambda: s.admin.get_user("cometchat-uid-2"),
            lambda: s.admin.users_frame(),
            lambda: list(s.admin.list_users()),
            lambda: s.admin.update_user("cometchat-uid-2", {"name": "N"}),
            lambda: s.create_user({"uid": "odd-answer", "name": "O"}, exist_ok=True),
        ):
            with pytest.raises(CometChatException) as raised:
                call()
            assert raised.value.code == "FAILED_TO_FETCH", raised.value
        assert failures == ["FAILED_TO_FETCH"] * len(login)
        assert s.get_logged_in_user() is None


def test_get_logged_in_user_never_raises_even_with_warnings_as_errors(
    emulator: Emulator, tmp_path: Any
) -> None:
    from cometchat_nb import FileStore

    store = FileStore(tmp_path)
    store.path(emulator.app_id).write_text("{corrupt")
    with Session(emulator=emulator, store=store) as s, warnings.catch_warnings():
        warnings.simplefilter("error")
        assert s.get_logged_in_user() is None


def test_a_closed_session_says_so(emulator: Emulator) -> None:
    s = Session(emulator=emulator)
    seen = names(s)
    s.close()
    with pytest.raises(InvalidStateError) as raised:
        s.login("cometchat-uid-1")
    assert raised.value.code == "SESSION_CLOSED" and seen == ["login_failure"]


def test_a_key_used_from_the_stored_session_is_not_remembered(session: Session) -> None:
    session.login("cometchat-uid-1")
    session.login("cometchat-uid-1", auth_key="typo-key-0000000000")  # nothing sent
    assert session.create_user(User("after-typo", name="A")).uid == "after-typo"


def test_the_sdk_object_forms_of_login(session: Session) -> None:
    user = session.login({"username": "cometchat-uid-1", "apiKey": AUTH_KEY})
    session.logout()
    token = session.admin.create_auth_token(user.uid)
    assert session.login({"authToken": token.auth_token.reveal()}).uid == user.uid


def test_exist_ok_without_a_way_to_read_the_user(emulator: Emulator) -> None:
    # The emulator addressed as a real app with only the auth key: no REST API key.
    with emulator.serve() as server:
        host = f"{server.url}/v3.0"
        with Session(
            emulator.app_id, auth_key=emulator.auth_key, client_host=host, admin_host=host,
            store=MemoryStore(),
        ) as s:  # fmt: skip
            assert s.rest_api_key is None
            found = s.create_user(User("CometChat-UID-1", name="X"), exist_ok=True)
    assert found == User("cometchat-uid-1")


def test_lists_of_uids_refuse_a_lone_string(session: Session) -> None:
    with pytest.raises(TypeError, match="single string"):
        session.admin.deactivate_users("alice")
    with pytest.raises(TypeError, match="single string"):
        session.admin.update_user("cometchat-uid-1", {"name": "A"}, unset="avatar")
    assert session.admin.update_user("cometchat-uid-1", {}, unset=["avatar"]).avatar is None


def test_users_hash_by_uid_and_copy(session: Session) -> None:
    user = session.login("cometchat-uid-1")
    assert {user, user.replace(name="Other")} == {user, user.replace(name="Other")}
    assert hash(user) == hash(User("cometchat-uid-1"))
    clone = copy.deepcopy(user)
    assert clone == user and clone.auth_token is user.auth_token


def test_a_long_retry_after_is_not_waited_out() -> None:
    limiter = RateLimiter(limits={"core": 0}, enforce=True, window=3600)
    emulator = Emulator(clock=lambda: 1_716_998_400.0, rate_limiter=limiter)  # an hour's start
    slept: list[float] = []
    with Session(emulator=emulator, sleep=slept.append) as s:
        with pytest.raises(RateLimitError) as raised:
            s.create_user(User("one", name="One"))
    assert raised.value.retry_after == 3600 and slept == []


def test_data_wins_over_error_as_the_sdk_reads_it() -> None:
    reply = httpx.Response(200, json={"data": {"uid": "a"}, "error": {"code": "X"}})
    assert read(reply)["data"] == {"uid": "a"}


def test_connection_arguments_are_checked(emulator: Emulator) -> None:
    assert Session(emulator=emulator, region="EU").region == "eu"
    with pytest.raises(ValueError, match="client_host"):
        Session(emulator=emulator, client_host="http://127.0.0.1:1")
    with pytest.raises(ValueError, match="app id"):
        Session(app_id="x@evil.example#", store=MemoryStore())


def test_profile_update_names_must_be_strings(session: Session) -> None:
    session.login("cometchat-uid-1")
    with pytest.raises(CometChatException, match="should be a string"):
        session.update_current_user_details({"name": 5})


def test_redaction_masks_whole_words_only() -> None:
    assert redact("The auth token e does not exist.", ["e"]) == (
        "The auth token •••• does not exist."
    )
    token = "kevin_1717000000" + "ab" * 15
    assert redact(f"see {token}.") == f"see ••••{token[-4:]}."
    key = "emulator-auth-key-0000a1b2"
    assert redact("The key emula****************0a1b2 does not exist.", [key]) == (
        "The key ••••a1b2 does not exist."
    )


def test_listener_errors_are_redacted(session: Session) -> None:
    token = "kevin_1717000000" + "cd" * 15
    events: list[Event] = []
    session.listeners.subscribe(events.append)

    def leaky(user: User) -> None:
        raise ValueError(f"bad {token}")

    from cometchat_nb import LoginListener

    session.add_login_listener("leaky", LoginListener(login_success=leaky))
    session.login("cometchat-uid-1")
    assert token not in events[1].detail and events[1].name == "listener_error"


def test_a_user_built_by_hand_with_odd_tags_still_shows() -> None:
    for tags in (5, "a,b", ("x", 1)):
        user = User("a", tags=tags)  # type: ignore[arg-type]
        assert "cc-tag" in user._repr_html_() and "a" in repr(user)
        assert "cc-tag" in UserList([user])._repr_html_()


@pytest.mark.parametrize(
    ("revoke_fault", "alive", "said"),
    [(None, 0, None), ("status", 1, "not confirmed"), ("drop_after", 0, "not confirmed")],
)
def test_a_login_that_fails_after_minting_revokes_its_token(
    emulator: Emulator, revoke_fault: str | None, alive: int, said: str | None
) -> None:
    emulator.faults.inject("status", method="PUT", path="/me", times=1)
    if revoke_fault is not None:
        emulator.faults.inject(revoke_fault, method="DELETE", path="/me", times=1)
    with Session(emulator=emulator, retry=Retry(attempts=1)) as s:
        failures: list[CometChatException] = []
        s.add_login_listener("l", LoginListener(login_failure=failures.append))
        with pytest.raises(CometChatException) as raised:
            s.login("cometchat-uid-1")
        assert failures == [raised.value] and s.get_logged_in_user() is None
        assert len(s.admin.list_auth_tokens("cometchat-uid-1")) == alive
        if said is None:
            assert "revoke" not in raised.value.message
        else:
            assert said in raised.value.message and "flush_auth_tokens" in raised.value.message


def test_a_mint_whose_answer_is_lost_says_a_token_may_be_alive(emulator: Emulator) -> None:
    emulator.faults.inject("drop_after", method="POST", path="/users/*/auth_tokens", times=1)
    with Session(emulator=emulator) as s, pytest.raises(CometChatException) as raised:
        s.login("cometchat-uid-1")
    assert raised.value.code == "FAILED_TO_FETCH"
    assert "may have been minted" in raised.value.message
