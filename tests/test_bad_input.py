"""Bad input: each gets its typed error and code, the right events and none other, and
loses nothing. The tables below are the reference from input to code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cometchat_nb import (
    AlreadyExistsError,
    AuthenticationError,
    CometChatException,
    Emulator,
    InvalidInputError,
    MemoryStore,
    NotFoundError,
    PermissionDeniedError,
    Session,
    User,
)

LONG_UID = "u" * 101


def deep(levels: int) -> dict[str, Any]:
    """Metadata nested `levels` objects deep."""
    return {"k": deep(levels - 1)} if levels else {}


# login(...) arguments -> (exception class, code). All are local: nothing is sent.
LOCAL_LOGIN = [
    ("no arguments", {}, InvalidInputError, "MISSING_PARAMETERS"),
    ("uid None", {"uid": None}, InvalidInputError, "MISSING_PARAMETERS"),
    ("empty uid", {"uid": ""}, InvalidInputError, "MISSING_PARAMETERS"),
    ("blank uid", {"uid": "   "}, InvalidInputError, "MISSING_PARAMETERS"),
    ("uid 'null'", {"uid": "null"}, InvalidInputError, "MISSING_PARAMETERS"),
    ("uid 0", {"uid": 0}, InvalidInputError, "MISSING_PARAMETERS"),
    ("non-string uid", {"uid": 42}, InvalidInputError, "INVALID_UID"),
    ("uid with spaces", {"uid": "bad uid"}, InvalidInputError, "INVALID_UID"),
    ("uid over 100 chars", {"uid": LONG_UID}, InvalidInputError, "INVALID_UID"),
    ("uid ../x", {"uid": "../x"}, InvalidInputError, "INVALID_UID"),
    ("uid a/b", {"uid": "a/b"}, InvalidInputError, "INVALID_UID"),
    ("uid %2F", {"uid": "%2F"}, InvalidInputError, "INVALID_UID"),
    ("non-ASCII uid", {"uid": "zoë"}, InvalidInputError, "INVALID_UID"),
    ("empty auth key", {"uid": "kevin", "auth_key": ""}, InvalidInputError, "MISSING_PARAMETERS"),
    ("blank auth key", {"uid": "kevin", "auth_key": "  "}, InvalidInputError, "MISSING_PARAMETERS"),
    ("non-string key", {"uid": "kevin", "auth_key": 7}, InvalidInputError, "MISSING_PARAMETERS"),
    ("uid and token", {"uid": "kevin", "auth_token": "t"}, InvalidInputError, "MISSING_PARAMETERS"),
    ("empty token", {"auth_token": ""}, InvalidInputError, "MISSING_PARAMETERS"),
    ("non-string token", {"auth_token": 5}, InvalidInputError, "MISSING_PARAMETERS"),
    ("non-ASCII token", {"auth_token": "zoë" * 20}, InvalidInputError, "MISSING_PARAMETERS"),
    ("token with a newline", {"auth_token": "t\nx"}, InvalidInputError, "MISSING_PARAMETERS"),
    ("1 MB token", {"auth_token": "t" * 1_000_000}, InvalidInputError, "MISSING_PARAMETERS"),
    ("bytes token", {"auth_token": b"t" * 40}, InvalidInputError, "MISSING_PARAMETERS"),
    ("pd.NA token", {"auth_token": pd.NA}, InvalidInputError, "MISSING_PARAMETERS"),
    ("non-ASCII key", {"uid": "kevin", "auth_key": "zoë" * 20}, InvalidInputError,
     "MISSING_PARAMETERS"),
    ("1 MB key", {"uid": "kevin", "auth_key": "k" * 1_000_000}, InvalidInputError,
     "MISSING_PARAMETERS"),
    ("bytes key", {"uid": "kevin", "auth_key": b"k" * 40}, InvalidInputError,
     "MISSING_PARAMETERS"),
    ("bytes uid", {"uid": b"kevin"}, InvalidInputError, "INVALID_UID"),
    ("numpy uid", {"uid": np.int64(7)}, InvalidInputError, "INVALID_UID"),
]  # fmt: skip

# create_user(user, auth_key=...) -> (exception class, code). Local: nothing is sent.
LOCAL_CREATE = [
    ("empty auth key", {"uid": "x1", "name": "X"}, "", "INVALID_AUTH_KEY"),
    ("blank auth key", {"uid": "x1", "name": "X"}, "   ", "INVALID_AUTH_KEY"),
    ("no uid", {"name": "X"}, None, "UID_IS_COMPULSORY"),
    ("non-string uid", {"uid": 42, "name": "X"}, None, "INVALID_UID"),
    ("empty uid", {"uid": "", "name": "X"}, None, "INVALID_UID"),
    ("missing name", {"uid": "x1"}, None, "USER_NAME_IS_COMPULSORY"),
    ("non-string name", {"uid": "x1", "name": 5}, None, "INVALID_USER_NAME"),
    ("empty name", {"uid": "x1", "name": ""}, None, "INVALID_USER_NAME"),
    ("empty avatar", {"uid": "x1", "name": "X", "avatar": ""}, None, "INVALID_USER_AVATAR"),
    ("empty metadata", {"uid": "x1", "name": "X", "metadata": ""}, None, "INVALID_USER_METADATA"),
    ("empty link", {"uid": "x1", "name": "X", "link": ""}, None, "INVALID_USER_LINK"),
    (
        "empty status message",
        {"uid": "x1", "name": "X", "status_message": ""},
        None,
        "INVALID_USER_STATUS_MESSAGE",
    ),
    ("empty role", {"uid": "x1", "name": "X", "role": ""}, None, "INVALID_USER_ROLE"),
    ("tags not a list", {"uid": "x1", "name": "X", "tags": "a"}, None, "INVALID_USER_TAGS"),
    ("empty tags", {"uid": "x1", "name": "X", "tags": []}, None, "INVALID_USER_TAGS"),
    ("uid with spaces", {"uid": "a b", "name": "X"}, None, "INVALID_UID"),
    ("uid ../x", {"uid": "../x", "name": "X"}, None, "INVALID_UID"),
    ("uid a/b", {"uid": "a/b", "name": "X"}, None, "INVALID_UID"),
    ("uid %2F", {"uid": "%2F", "name": "X"}, None, "INVALID_UID"),
    ("uid over 100 chars", {"uid": LONG_UID, "name": "X"}, None, "INVALID_UID"),
    ("non-ASCII uid", {"uid": "zoë", "name": "X"}, None, "INVALID_UID"),
]

X1 = {"uid": "x1", "name": "X"}
# Values JSON cannot carry, in each field: the field's code (`validation.plain`).
LOCAL_CREATE += [
    ("bytes name", {**X1, "name": b"X"}, None, "INVALID_USER_NAME"),
    ("numpy name", {**X1, "name": np.int64(5)}, None, "INVALID_USER_NAME"),
    ("bytes avatar", {**X1, "avatar": b"a"}, None, "INVALID_USER_AVATAR"),
    ("bytes link", {**X1, "link": b"a"}, None, "INVALID_USER_LINK"),
    ("bytes role", {**X1, "role": b"a"}, None, "INVALID_USER_ROLE"),
    ("bytes status message", {**X1, "status_message": b"a"}, None, "INVALID_USER_STATUS_MESSAGE"),
    ("bytes in metadata", {**X1, "metadata": {"k": b"a"}}, None, "INVALID_USER_METADATA"),
    ("object in metadata", {**X1, "metadata": {"k": object()}}, None, "INVALID_USER_METADATA"),
    ("infinity in metadata", {**X1, "metadata": {"k": float("inf")}}, None,
     "INVALID_USER_METADATA"),
    ("number key in metadata", {**X1, "metadata": {1: "a"}}, None, "INVALID_USER_METADATA"),
    ("metadata 40 deep", {**X1, "metadata": deep(40)}, None, "INVALID_USER_METADATA"),
    ("bytes tag", {**X1, "tags": [b"a"]}, None, "INVALID_USER_TAGS"),
]  # fmt: skip

# create_user(...) refused by the service -> (exception class, code, HTTP status).
SERVER_CREATE = [
    (
        "invalid avatar URL",
        {"uid": "x1", "name": "X", "avatar": "not a url"},
        InvalidInputError,
        "ERR_BAD_REQUEST",
        400,
    ),
    (
        "empty tag",
        {"uid": "x1", "name": "X", "tags": [""]},
        InvalidInputError,
        "ERR_BAD_REQUEST",
        400,
    ),
    (
        "name over 100 chars",
        {"uid": "x1", "name": "n" * 101},
        InvalidInputError,
        "ERR_BAD_REQUEST",
        400,
    ),
    (
        "unknown role",
        {"uid": "x1", "name": "X", "role": "wizard"},
        NotFoundError,
        "ERR_ROLE_NOT_FOUND",
        404,
    ),
    (
        "uid taken",
        {"uid": "cometchat-uid-1", "name": "X"},
        AlreadyExistsError,
        "ERR_UID_ALREADY_EXISTS",
        400,
    ),
    (
        "uid taken, other case",
        {"uid": "CometChat-UID-1", "name": "X"},
        AlreadyExistsError,
        "ERR_UID_ALREADY_EXISTS",
        400,
    ),
]


class Events:
    def __init__(self, session: Session) -> None:
        self.names: list[str] = []
        session.listeners.subscribe(lambda event: self.names.append(event.name))


@pytest.fixture
def logged_in(session: Session) -> Session:
    session.login("cometchat-uid-1")
    return session


@pytest.mark.parametrize(("case", "kwargs", "cls", "code"), LOCAL_LOGIN, ids=lambda v: v)
def test_local_login_errors(
    logged_in: Session,
    emulator: Emulator,
    case: str,
    kwargs: dict[str, Any],
    cls: type[CometChatException],
    code: str,
) -> None:
    events, sent = Events(logged_in), len(emulator.requests)
    stored = logged_in.store.load(emulator.app_id)
    with pytest.raises(cls) as raised:
        logged_in.login(**kwargs)
    assert raised.value.code == code
    assert raised.value.http_status is None and raised.value.source == "local"
    assert events.names == ["login_failure"]
    assert len(emulator.requests) == sent
    assert logged_in.store.load(emulator.app_id) == stored  # the store is intact
    assert logged_in.get_logged_in_user() is not None


def test_login_with_no_auth_key_anywhere() -> None:
    s = Session(app_id="my-app", store=MemoryStore())  # a real app, no key configured
    events = Events(s)
    with pytest.raises(InvalidInputError) as raised:
        s.login("kevin")
    assert raised.value.code == "MISSING_PARAMETERS"
    assert "COMETCHAT_AUTH_KEY" in raised.value.message
    assert events.names == ["login_failure"]


@pytest.mark.parametrize(
    ("case", "login", "cls", "code", "events"),
    [
        (
            "unknown uid",
            {"uid": "nobody-here"},
            NotFoundError,
            "ERR_UID_NOT_FOUND",
            ["login_failure"],
        ),
        (
            "wrong auth key",
            {"uid": "cometchat-uid-2", "auth_key": "wrong-key-123456"},
            AuthenticationError,
            "AUTH_ERR_APIKEY_NOT_FOUND",
            ["login_failure"],
        ),
        (
            "unknown token",
            {"auth_token": "nobody_1717000000abcdefabcdefabcdefabcdefabcdef"},
            AuthenticationError,
            "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
            ["login_failure", "logout_success"],
        ),
        (
            "malformed token",
            {"auth_token": "not a token"},
            AuthenticationError,
            "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
            ["login_failure", "logout_success"],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_server_login_errors(
    session: Session,
    emulator: Emulator,
    case: str,
    login: dict[str, Any],
    cls: type[CometChatException],
    code: str,
    events: list[str],
) -> None:
    recorded = Events(session)
    sent = len(emulator.requests)
    with pytest.raises(cls) as raised:
        session.login(**login)
    assert raised.value.code == code
    assert raised.value.http_status in (401, 404) and raised.value.source == "chat-api"
    assert recorded.names == events
    assert len(emulator.requests) == sent + 1
    assert session.get_logged_in_user() is None
    assert session.store.load(emulator.app_id).get("session") is None


def test_revoked_token_login(session: Session) -> None:
    token = session.admin.create_auth_token("cometchat-uid-3")
    session.admin.delete_auth_token("cometchat-uid-3", token)
    events = Events(session)
    with pytest.raises(AuthenticationError) as raised:
        session.login(auth_token=token)
    assert raised.value.code == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
    assert events.names == ["login_failure", "logout_success"]


@pytest.mark.parametrize(("case", "user", "auth_key", "code"), LOCAL_CREATE, ids=lambda v: v)
def test_local_create_errors(
    session: Session,
    emulator: Emulator,
    case: str,
    user: dict[str, Any],
    auth_key: str | None,
    code: str,
) -> None:
    events, sent, before = Events(session), len(emulator.requests), set(emulator.users)
    with pytest.raises(InvalidInputError) as raised:
        session.create_user(user, auth_key=auth_key)
    assert raised.value.code == code
    assert events.names == []
    assert len(emulator.requests) == sent
    assert set(emulator.users) == before


def test_create_with_no_auth_key_anywhere() -> None:
    s = Session(app_id="my-app", store=MemoryStore())
    with pytest.raises(InvalidInputError, match="INVALID_AUTH_KEY"):
        s.create_user(User("kevin", name="Kevin"))


@pytest.mark.parametrize(
    ("case", "user", "cls", "code", "status"),
    SERVER_CREATE,
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_server_create_errors(
    session: Session,
    emulator: Emulator,
    case: str,
    user: dict[str, Any],
    cls: type[CometChatException],
    code: str,
    status: int,
) -> None:
    events, before = Events(session), set(emulator.users)
    with pytest.raises(cls) as raised:
        session.create_user(user)
    assert (raised.value.code, raised.value.http_status) == (code, status)
    assert events.names == []
    assert set(emulator.users) == before


def test_validation_errors_name_each_field(session: Session) -> None:
    with pytest.raises(InvalidInputError) as raised:
        session.create_user({"uid": "x1", "name": "X", "avatar": "nope", "tags": ["ok", ""]})
    assert raised.value.details == {
        "avatar": ["The avatar must be a valid URL."],
        "tags.1": ["The tags.1 field is required."],
    }


def test_create_existing_user_with_exist_ok_returns_it(session: Session) -> None:
    events = Events(session)
    existing = session.create_user(User("cometchat-uid-2", name="Someone Else"), exist_ok=True)
    assert (existing.uid, existing.name) == ("cometchat-uid-2", "George Alan")
    assert events.names == []


def test_create_wrong_auth_key(session: Session) -> None:
    with pytest.raises(AuthenticationError) as raised:
        session.create_user(User("x1", name="X"), auth_key="not-the-key-0000")
    assert raised.value.code == "AUTH_ERR_APIKEY_NOT_FOUND"


def test_logout_when_logged_out(session: Session, emulator: Emulator) -> None:
    events, sent = Events(session), len(emulator.requests)
    with pytest.raises(AuthenticationError) as raised:
        session.logout()
    assert raised.value.code == "USER_NOT_LOGED_IN"
    assert events.names == ["logout_success"]
    assert len(emulator.requests) == sent


def test_update_current_user_when_logged_out(session: Session, emulator: Emulator) -> None:
    sent = len(emulator.requests)
    with pytest.raises(AuthenticationError, match="USER_NOT_LOGGED_IN"):
        session.update_current_user_details(User("kevin", name="K"))
    assert len(emulator.requests) == sent


# Admin calls -> (exception class, code); `local` ones send nothing.
ADMIN = [
    ("get_user bad uid", lambda s: s.admin.get_user("a/b"), InvalidInputError, "INVALID_UID", True),
    (
        "get_user unknown",
        lambda s: s.admin.get_user("nobody"),
        NotFoundError,
        "ERR_UID_NOT_FOUND",
        False,
    ),
    (
        "token for unknown uid",
        lambda s: s.admin.create_auth_token("nobody"),
        NotFoundError,
        "ERR_UID_NOT_FOUND",
        False,
    ),
    (
        "delete unknown token",
        lambda s: s.admin.delete_auth_token("cometchat-uid-1", "nope"),
        NotFoundError,
        "ERR_AUTH_TOKEN_NOT_FOUND",
        False,
    ),
    (
        "create taken uid",
        lambda s: s.admin.create_user(User("cometchat-uid-1", name="X")),
        AlreadyExistsError,
        "ERR_UID_ALREADY_EXISTS",
        False,
    ),
    (
        "create without name",
        lambda s: s.admin.create_user({"uid": "x1"}),
        InvalidInputError,
        "USER_NAME_IS_COMPULSORY",
        True,
    ),
    (
        "list with bad per_page",
        lambda s: s.admin.list_users(per_page=0),
        InvalidInputError,
        "MISSING_PARAMETERS",
        True,
    ),
]


@pytest.mark.parametrize(
    ("case", "call", "cls", "code", "local"), ADMIN, ids=lambda v: v if isinstance(v, str) else None
)
def test_admin_errors(
    session: Session,
    emulator: Emulator,
    case: str,
    call: Callable[[Session], Any],
    cls: type[CometChatException],
    code: str,
    local: bool,
) -> None:
    sent = len(emulator.requests)
    with pytest.raises(cls) as raised:
        call(session)
    assert raised.value.code == code
    assert len(emulator.requests) == sent + (0 if local else 1)


def test_admin_without_rest_api_key() -> None:
    s = Session(app_id="my-app", store=MemoryStore())
    with pytest.raises(AuthenticationError) as raised:
        s.admin.create_auth_token("kevin")
    assert raised.value.code == "API_KEY_NOT_SET"
    assert "COMETCHAT_REST_API_KEY" in raised.value.message


def test_admin_with_wrong_or_narrow_keys(emulator: Emulator) -> None:
    with Session(emulator=emulator, rest_api_key="wrong-rest-key-000000") as s:
        with pytest.raises(AuthenticationError, match="AUTH_ERR_APIKEY_NOT_FOUND"):
            s.admin.get_user("cometchat-uid-1")
    with Session(emulator=emulator, rest_api_key=emulator.auth_key) as s:
        with pytest.raises(PermissionDeniedError) as raised:
            s.admin.get_user("cometchat-uid-1")
        assert (raised.value.code, raised.value.http_status) == ("AUTH_ERR_NO_ACCESS", 403)
        assert s.admin.create_auth_token("cometchat-uid-1").uid == "cometchat-uid-1"


def test_get_user_needs_a_login_or_rest_key() -> None:
    s = Session(app_id="my-app", store=MemoryStore())
    with pytest.raises(AuthenticationError, match="USER_NOT_LOGED_IN"):
        s.get_user("kevin")
    with pytest.raises(InvalidInputError, match="INVALID_UID"):
        s.get_user("")
