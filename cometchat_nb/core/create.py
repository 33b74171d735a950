"""Creating a user, and never misreporting it.

A create (`POST /users`) is not idempotent, so it is never resent blindly. When its
answer is lost (`outcome_unknown`: the connection dropped after sending, a timeout,
a cut or non-JSON answer, a 5xx), the user is read back: found with the fields sent, it
was created (reported once); missing, the create is sent again. With neither a login nor
a REST API key to read it back, the create is sent again, and an `ERR_UID_ALREADY_EXISTS`
after the lost answer counts as created. The create is sent at most `sends` times in
all (the session's `Retry.attempts`; a read-back is not a send of the create). When the
last is lost too, the user is read back once more, so the error reported is never that
of a user who exists.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import Any

import httpx

from ..errors import AlreadyExistsError, CometChatException
from ..models import User
from ..protocol import object_data, parsed
from ..wire import ERR_UID_ALREADY_EXISTS, ERR_UID_NOT_FOUND

Flow = Generator[httpx.Request, httpx.Response, User]


def create(
    request: httpx.Request,
    fields: Mapping[str, Any],
    make_reader: Callable[[], httpx.Request | None],
    sends: int,
) -> Flow:
    """Send a create (`request`, made of `fields`) at most `sends` times; a lost answer is
    resolved with the request `make_reader()` makes, which reads the user back (None when
    there is no way to read it; made only then: most creates never need it)."""
    try:
        return (yield from _send(request))
    except CometChatException as exc:
        if not exc.outcome_unknown:
            raise
        unknown = exc
    sent = max(1, unknown.attempts)  # the session may have resent it (a 429)
    uid, reader = str(fields["uid"]), make_reader()
    while sent < sends:
        if reader is not None:
            found = yield from read_back(reader)
            if found is not None:
                if _holds(found, fields):
                    return found
                raise _taken(uid)
        try:
            return (yield from _send(request))
        except CometChatException as again:
            sent += max(1, again.attempts)
            if again.code == ERR_UID_ALREADY_EXISTS and reader is None:
                return User.from_dict({**fields, "uid": uid.lower()})
            if not (again.outcome_unknown or again.code == ERR_UID_ALREADY_EXISTS):
                raise
            unknown = again
    if reader is not None:  # the last answer was lost too: what did it do?
        found = yield from read_back(reader)
        if found is not None:
            if _holds(found, fields):
                return found
            raise _taken(uid)
    raise unknown


def read_back(reader: httpx.Request) -> Generator[httpx.Request, httpx.Response, User | None]:
    """The user as the service has it now; None when it does not exist."""
    try:
        return (yield from _send(reader))
    except CometChatException as exc:
        if exc.code == ERR_UID_NOT_FOUND:
            return None
        raise


def _send(request: httpx.Request) -> Flow:
    response = yield request
    return parsed(User.from_dict, object_data(response, "uid"), response)


def _holds(user: User, fields: Mapping[str, Any]) -> bool:
    """Whether `user` has every field a create sent (so that create made it)."""
    stored = user.to_dict()
    for key, value in fields.items():
        if key == "metadata" and isinstance(value, str):
            value = {"rawMetadata": value}
        if key != "uid" and stored.get(key) != value:
            return False
    return True


def _taken(uid: str) -> CometChatException:
    """What the service answers for a uid taken by a user this create did not make."""
    return AlreadyExistsError(
        ERR_UID_ALREADY_EXISTS,
        f"The uid {uid.lower()} already exists. Please use another uid or try after "
        "permanently deleting the user.",
    )
