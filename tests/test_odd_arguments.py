"""Every public call, every argument, odd values: a clear error before anything happens.

An odd argument either works (some are valid, some converted: numpy and pandas scalars,
`Timestamp`s) or fails with a `CometChatException` carrying a local code, or a
`TypeError` / `ValueError` naming the argument; a local failure sends nothing and leaves
the stored login as it was. The same odd values go in every field of every user argument,
and in a metadata value.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cometchat_nb import CometChatException, Emulator, LoginListener, Session

ODD: list[Any] = [
    None, 0, -1, True, False, 1.5, float("nan"), "", "   ", "false", "zoë", "a\x00b",
    b"bytes", [], {}, ["a", 1], {"uid": 1}, object(), "x" * 300,
    bytearray(b"b"), pd.NA, pd.NaT, np.int64(3), np.float64("nan"), np.bool_(True),
    pd.Timestamp("2026-01-02T03:04:05Z"), np.array(["a", "b"]), float("inf"), "x" * 1_000_000,
]  # fmt: skip

Call = Callable[..., Any]


def consume(result: Any) -> Any:
    """Listings are lazy: read them, so their checks and requests happen."""
    return list(result) if hasattr(result, "__next__") else result


#: (name, the call on a logged-in session, valid arguments).
CALLS: list[tuple[str, Callable[[Session], Call], dict[str, Any]]] = [
    ("login", lambda s: s.login, {"uid": "cometchat-uid-2"}),
    ("login by token", lambda s: s.login, {"auth_token": "t" * 40}),
    ("login with key", lambda s: s.login, {"uid": "cometchat-uid-2", "auth_key": "k" * 40}),
    ("create_user", lambda s: s.create_user,
     {"user": {"uid": "odd-1", "name": "O"}, "auth_key": None, "exist_ok": False}),
    ("create_users", lambda s: s.create_users,
     {"frame_or_records": [{"uid": "odd-2", "name": "O"}], "concurrency": 2, "exist_ok": False,
      "progress": False}),
    ("get_user", lambda s: s.get_user, {"uid": "cometchat-uid-3"}),
    ("update_current_user_details", lambda s: s.update_current_user_details,
     {"user": {"name": "N"}}),
    ("add_login_listener", lambda s: s.add_login_listener,
     {"listener_id": "l", "listener": LoginListener()}),
    ("remove_login_listener", lambda s: s.remove_login_listener, {"listener_id": "l"}),
    ("admin.create_user", lambda s: s.admin.create_user,
     {"user": {"uid": "odd-3", "name": "O"}, "exist_ok": False}),
    ("admin.get_user", lambda s: s.admin.get_user, {"uid": "cometchat-uid-3"}),
    ("admin.update_user", lambda s: s.admin.update_user,
     {"uid": "cometchat-uid-3", "changes": {"name": "N"}, "unset": ()}),
    ("admin.delete_user", lambda s: s.admin.delete_user,
     {"uid": "cometchat-uid-4", "permanent": False}),
    ("admin.deactivate_users", lambda s: s.admin.deactivate_users, {"uids": ["cometchat-uid-4"]}),
    ("admin.reactivate_users", lambda s: s.admin.reactivate_users, {"uids": ["cometchat-uid-4"]}),
    ("admin.list_users", lambda s: lambda **kw: consume(s.admin.list_users(**kw)),
     {"per_page": 2, "search_key": None, "search_in": None, "status": None, "roles": None,
      "tags": None, "with_tags": True, "with_deactivated": False, "only_deactivated": False}),
    ("admin.create_auth_token", lambda s: s.admin.create_auth_token,
     {"uid": "cometchat-uid-3", "force": True}),
    ("admin.list_auth_tokens", lambda s: s.admin.list_auth_tokens, {"uid": "cometchat-uid-3"}),
    ("admin.delete_auth_token", lambda s: s.admin.delete_auth_token,
     {"uid": "cometchat-uid-3", "token": "t" * 40}),
    ("admin.flush_auth_tokens", lambda s: s.admin.flush_auth_tokens, {"uid": "cometchat-uid-3"}),
]  # fmt: skip

#: (name, the call taking a user, its valid arguments, the argument holding the user).
USER_CALLS: list[tuple[str, Callable[[Session], Call], dict[str, Any], str]] = [
    ("create_user", lambda s: s.create_user, {"user": {"uid": "odd-5", "name": "O"}}, "user"),
    ("create_users", lambda s: lambda **kw: s.create_users([kw["row"]], progress=False),
     {"row": {"uid": "odd-6", "name": "O"}}, "row"),
    ("update_current_user_details", lambda s: s.update_current_user_details,
     {"user": {"name": "N"}}, "user"),
    ("admin.create_user", lambda s: s.admin.create_user,
     {"user": {"uid": "odd-7", "name": "O"}}, "user"),
    ("admin.update_user", lambda s: s.admin.update_user,
     {"uid": "cometchat-uid-3", "changes": {"name": "N"}}, "changes"),
]  # fmt: skip
FIELDS = ["name", "avatar", "link", "role", "status_message", "metadata", "tags", "metadata.k"]

CASES = [
    pytest.param(make, valid, argument, position, id=f"{name}-{argument}-{position}")
    for name, make, valid in CALLS
    for argument in valid
    for position in range(len(ODD))
]


FIELD_CASES = [
    pytest.param(make, valid, argument, field, position, id=f"{name}-{field}-{position}")
    for name, make, valid, argument in USER_CALLS
    for field in FIELDS
    for position in range(len(ODD))
]


def fails_clearly(session: Session, emulator: Emulator, argument: str, call: Call) -> bool:
    """`call()` works, or fails with a local code or an error naming `argument`, having
    sent nothing and left the stored login as it was. No library error escapes. Whether
    it was refused locally."""
    stored = session.store.load(session.app_id)
    sent = len(emulator.requests)
    try:
        result = call()
    except CometChatException as exc:
        if exc.source != "local":
            return False  # the service answered: the argument got past the local checks
        assert exc.code and exc.http_status is None
    except (TypeError, ValueError) as exc:
        assert argument in str(exc), f"{type(exc).__name__}: {exc}"
        assert exc.__traceback__ is not None
        frames = [frame.filename for frame in traceback.extract_tb(exc.__traceback__)]
        assert "cometchat_nb" in frames[-1], f"raised by {frames[-1]}: {exc}"
    else:
        if isinstance(result, pd.DataFrame):  # a bulk call reports a row's error in its row
            codes = result["error_code"].dropna().tolist()
            assert all(code.isupper() for code in codes), codes  # a local code, not "TypeError"
        return False
    assert len(emulator.requests) == sent, "a request was sent"
    assert session.store.load(session.app_id) == stored, "the stored login changed"
    return True


@pytest.mark.parametrize(("make", "valid", "argument", "position"), CASES)
def test_an_odd_argument_fails_clearly_and_touches_nothing(
    make: Callable[[Session], Call], valid: dict[str, Any], argument: str, position: int
) -> None:
    emulator = Emulator()
    with Session(emulator=emulator) as session:
        session.login("cometchat-uid-1")
        call, arguments = make(session), {**valid, argument: ODD[position]}
        events: list[str] = []
        session.listeners.subscribe(lambda event: events.append(event.name))
        refused = fails_clearly(session, emulator, argument, lambda: call(**arguments))
        if refused and call == session.login:  # every local refusal of a login is heard
            assert events == ["login_failure"], events


@pytest.mark.parametrize(("make", "valid", "argument", "field", "position"), FIELD_CASES)
def test_an_odd_field_fails_clearly_and_touches_nothing(
    make: Callable[[Session], Call], valid: dict[str, Any], argument: str, field: str,
    position: int,
) -> None:  # fmt: skip
    value = {"k": ODD[position]} if field == "metadata.k" else ODD[position]
    user = {**valid[argument], field.split(".")[0]: value}
    emulator = Emulator()
    with Session(emulator=emulator) as session:
        session.login("cometchat-uid-1")
        call = make(session)
        fails_clearly(session, emulator, argument, lambda: call(**{**valid, argument: user}))


SESSION_ARGUMENTS = [
    "app_id", "region", "auth_key", "rest_api_key", "client_host", "admin_host", "store",
    "timeout", "retry",
]  # fmt: skip


@pytest.mark.parametrize("argument", SESSION_ARGUMENTS)
@pytest.mark.parametrize("position", range(len(ODD)))
def test_odd_session_arguments_fail_clearly(argument: str, position: int) -> None:
    value = ODD[position]
    try:
        Session(emulator=Emulator(), **{argument: value}).close()
    except (TypeError, ValueError) as exc:
        assert argument in str(exc), f"{type(exc).__name__}: {exc}"


# Values converted where the meaning is plain (`validation.plain`): user -> what is stored.
CONVERTED = [
    ("numpy int in metadata", {"metadata": {"n": np.int64(3)}}, {"metadata": {"n": 3}}),
    ("numpy float in metadata", {"metadata": {"x": np.float32(0.5)}}, {"metadata": {"x": 0.5}}),
    ("numpy bool in metadata", {"metadata": {"b": np.bool_(True)}}, {"metadata": {"b": True}}),
    ("Timestamp in metadata", {"metadata": {"t": pd.Timestamp("2026-01-02T03:04:05Z")}},
     {"metadata": {"t": "2026-01-02T03:04:05+00:00"}}),
    ("NaN and NA in metadata", {"metadata": {"a": float("nan"), "b": pd.NA, "c": pd.NaT}},
     {"metadata": {"a": None, "b": None, "c": None}}),
    ("numpy array of tags", {"tags": np.array(["a", "b"])}, {"tags": ["a", "b"]}),
    ("pd.NA avatar: not set", {"avatar": pd.NA}, {"avatar": None}),
    ("NaN link: not set", {"link": float("nan")}, {"link": None}),
    ("numpy text name", {"name": np.str_("Zoë")}, {"name": "Zoë"}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "given", "stored"), CONVERTED, ids=lambda v: v)
def test_plain_values_are_converted_on_every_path(
    emulator: Emulator, case: str, given: dict[str, Any], stored: dict[str, Any]
) -> None:
    key = next(iter(given))
    with Session(emulator=emulator) as s:
        s.create_user({"uid": "conv-1", "name": "C", **given})
        s.admin.create_user({"uid": "conv-2", "name": "C", **given})
        s.create_user({"uid": "conv-4", "name": "C"})
        s.admin.update_user("conv-4", given)  # a missing value leaves the field as it is
        result = s.create_users(
            pd.DataFrame([{"uid": "conv-3", "name": "C", **given}]), progress=False
        )
        assert list(result["result"]) == ["created"], result
        for uid in ("conv-1", "conv-2", "conv-3", "conv-4"):
            user = s.admin.get_user(uid)
            attribute = "status_message" if key == "status_message" else key
            assert getattr(user, attribute) == stored[key], (uid, getattr(user, attribute))


def test_delete_user_checks_permanent_before_sending(session: Session, emulator: Emulator) -> None:
    sent = len(emulator.requests)
    with pytest.raises(TypeError, match="permanent"):
        session.admin.delete_user("cometchat-uid-4", permanent="false")  # type: ignore[arg-type]
    assert len(emulator.requests) == sent
    assert emulator.users["cometchat-uid-4"].deactivated_at is None
