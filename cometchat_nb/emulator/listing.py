"""Users as a caller sees them, and lists of them: paging, the `GET /users` query, the envelope.

A query parameter the emulator does not implement is refused (400 `ERR_BAD_REQUEST`
naming it), never ignored; so is a malformed value (sdk-users §1.4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from math import ceil
from typing import Any

from ..wire import UID_CHARS
from . import refusals
from .call import Call
from .snapshots import served_avatar
from .state import State, Which, stamp

_FLAG_TEXT = ("true", "1", "false", "0")
#: The paging parameters of every list route.
PAGING = ("per_page", "perPage", "page")
#: Every parameter of `GET /users` (`count` is documented and ignored, spec 4.2).
USER_PARAMS = frozenset(
    (*PAGING, "searchKey", "searchIn", "status", "role", "roles", "tags",
     "withTags", "uids", "sortBy", "sortOrder", "friendsOnly", "hideBlockedUsers",
     "withDeactivated", "onlyDeactivated", "count")
)  # fmt: skip
#: At most this many uids in `uids` (the SDK's docs).
MAX_UIDS = 25


@dataclass(frozen=True, slots=True)
class Listing:
    """A list answer: `data` plus `meta`."""

    data: list[Any]
    meta: dict[str, Any]


def viewer(call: Call) -> str | None:
    """The uid whose relationships a call sees: the token's user, else `onBehalfOf`."""
    if call.token is not None:
        uid: str = call.token["uid"]
        return uid
    on_behalf = call.headers.get("onbehalfof")
    return on_behalf.lower() if on_behalf else None


def wire_user(
    record: dict[str, Any],
    call: Call,
    state: State | None = None,
    *,
    tags: bool = True,
    seen_by: str | None = None,
) -> dict[str, Any]:
    """A user as the caller sees it: online is "online" to clients, "available" to REST;
    with `state`, the relationship fields for `seen_by` (default: the call's `viewer`,
    sdk-users §3.3)."""
    user = {k: v for k, v in record.items() if tags or k != "tags"}
    if "avatar" in user:  # the emulator's own avatars, on the address the caller used
        user["avatar"] = served_avatar(user["avatar"], call.host)
    if user.get("status") != "offline":
        user["status"] = "online" if call.scope == "token" else "available"
    me = seen_by or viewer(call) if state is not None else None
    if state is not None and me is not None:
        by_me, by_them = state.relation(me, record["uid"])
        user["blockedByMe"], user["hasBlockedMe"] = by_me is not None, by_them is not None
        if by_me is not None:
            user["blockedByMeAt"] = by_me
        if by_me is not None or by_them is not None:
            user["blockedAt"] = by_me if by_me is not None else by_them
    return user


def active_user(state: State, uid: str) -> dict[str, Any]:
    """The active user `uid` (any case), else `ERR_UID_NOT_FOUND`."""
    record = state.users.get(uid.lower()) if UID_CHARS.fullmatch(uid) else None
    if record is None or record.get("deactivatedAt"):
        raise refusals.uid_not_found(uid.lower())
    return record


def refuse_unknown(call: Call, known: Iterable[str]) -> None:
    """400 naming every query parameter outside `known` (also as `name[]`)."""
    allowed = set(known)
    unknown = sorted({k for k, _ in call.query if k.removesuffix("[]") not in allowed})
    if unknown:
        raise refusals.bad_request({k: [f"The {k} parameter is not supported."] for k in unknown})


def paging(call: Call) -> tuple[int, int]:
    """(per page, page) from `per_page` (the SDK's) or `perPage` (REST's; `per_page` wins)
    and `page`; out of range is `ERR_BAD_REQUEST`."""
    problems: dict[str, list[str]] = {}
    numbers: dict[str, int] = {}
    size = "per_page" if call.param("per_page") is not None else "perPage"
    for name, default, low, high in ((size, 100, 1, 1000), ("page", 1, 1, 10**9)):
        raw = call.param(name)
        try:
            numbers[name] = default if raw is None else int(raw)
            if not low <= numbers[name] <= high:
                raise ValueError
        except ValueError:
            words = "page" if name == "page" else "per page"
            problems[name] = [f"The {words} must be an integer between {low} and {high}."]
    if problems:
        raise refusals.bad_request(problems)
    return numbers[size], numbers["page"]


def pagination(total: int, count: int, per_page: int, page: int) -> dict[str, int]:
    return {
        "total": total,
        "count": count,
        "per_page": per_page,
        "current_page": page,
        "total_pages": ceil(total / per_page),
    }


def one_page(
    call: Call,
    items: list[Any],
    shape: Callable[[Any], Any] = dict,
    *,
    known: Iterable[str] = (),
) -> Listing:
    """The page of `items` the query asks for, each `shape`d; a parameter outside
    `PAGING` and `known` is refused."""
    refuse_unknown(call, (*PAGING, *known))
    per_page, page = paging(call)
    chunk = items[(page - 1) * per_page : page * per_page]
    meta = {"pagination": pagination(len(items), len(chunk), per_page, page)}
    return Listing([shape(item) for item in chunk], meta)


def flags(call: Call, *names: str) -> dict[str, bool]:
    """Boolean parameters (`true`/`false`/`1`/`0`, any case); anything else is refused."""
    values: dict[str, bool] = {}
    problems: dict[str, list[str]] = {}
    for name in names:
        raw = call.param(name)
        if raw is not None and raw.lower() not in _FLAG_TEXT:
            problems[name] = [f"The {name} field must be true or false."]
        values[name] = raw is not None and raw.lower() in ("true", "1")
    if problems:
        raise refusals.bad_request(problems)
    return values


def search(call: Call) -> Callable[[dict[str, Any]], bool] | None:
    """The `searchKey` + `searchIn` filter (prefix of uid and/or name, any case), if any."""
    key = (call.param("searchKey") or "").strip().lower()
    fields = call.param_list("searchIn") or ["uid", "name"]
    if bad := [f for f in fields if f not in ("uid", "name")]:
        raise refusals.bad_request({"searchIn": [f"The selected searchIn {bad[0]} is invalid."]})
    if not key:
        return None
    return lambda r: any(str(r.get(f, "")).lower().startswith(key) for f in fields)


def _choice(call: Call, name: str, choices: tuple[str, ...]) -> str | None:
    value = call.param(name)
    if value is not None and value.lower() not in choices:
        raise refusals.bad_request({name: [f"The selected {name} is invalid."]})
    return None if value is None else value.lower()


def _user_filters(
    call: Call, state: State, switches: dict[str, bool]
) -> list[Callable[[dict[str, Any]], bool]]:
    """The query's filters on users other than deactivation (sdk-users §1.4)."""
    filters: list[Callable[[dict[str, Any]], bool]] = []
    if matcher := search(call):
        filters.append(matcher)
    if status := _choice(call, "status", ("available", "offline")):
        online = status == "available"
        filters.append(lambda r: (r.get("status") != "offline") == online)
    if roles := call.param_list("roles") + call.param_list("role"):
        filters.append(lambda r: r.get("role") in roles)
    if tags := set(call.raw_list("tags")):
        filters.append(lambda r: bool(set(r.get("tags") or ()) & tags))
    if uids := call.param_list("uids"):
        if len(uids) > MAX_UIDS:
            too_many = f"The uids may not have more than {MAX_UIDS} items."
            raise refusals.bad_request({"uids": [too_many]})
        wanted = {u.lower() for u in uids}
        filters.append(lambda r: r["uid"] in wanted)
    me = viewer(call)
    for name in ("friendsOnly", "hideBlockedUsers"):
        if switches[name] and me is None:
            needs = f"The {name} filter needs an authToken or onBehalfOf."
            raise refusals.bad_request({name: [needs]})
    if switches["friendsOnly"]:
        friends = state.friends.get(me or "", set())
        filters.append(lambda r: r["uid"] in friends)
    if switches["hideBlockedUsers"]:
        hidden = state.blocks.get(me or "", {})
        filters.append(lambda r: r["uid"] not in hidden)
    return filters


def _order(call: Call) -> tuple[Callable[[dict[str, Any]], Any] | None, bool]:
    """The sort key of `sortBy` (None: newest first) and whether `sortOrder` reverses it."""
    sort_by = _choice(call, "sortBy", ("name", "status"))
    descending = _choice(call, "sortOrder", ("asc", "desc")) == "desc"
    if sort_by is None and call.scope != "token":
        if descending:
            raise refusals.bad_request({"sortOrder": ["The sortOrder field needs sortBy."]})
        return None, False  # the REST default: newest first

    def by_name(r: dict[str, Any]) -> tuple[str, str]:
        return str(r.get("name", "")).lower(), r["uid"]

    if sort_by == "name":
        return by_name, descending
    # sortBy=status, and the client route's default: online first, then name, then uid
    return (lambda r: (r.get("status") == "offline", *by_name(r))), descending


def list_users(state: State, call: Call) -> Listing:
    """`GET /users` (spec 4.2, sdk-users §1): an unfiltered REST page is a slice of the index."""
    refuse_unknown(call, USER_PARAMS)
    switches = flags(call, "withTags", "withDeactivated", "onlyDeactivated", "friendsOnly",
                     "hideBlockedUsers", "count")  # fmt: skip
    which: Which = (
        "deactivated"
        if switches["onlyDeactivated"]
        else "all"
        if switches["withDeactivated"]
        else "active"
    )
    per_page, page = paging(call)
    offset = (page - 1) * per_page
    filters, (order, descending) = _user_filters(call, state, switches), _order(call)
    if filters or order is not None:
        wanted = {"active": False, "deactivated": True}.get(which)
        matched = [
            r
            for r in state.newest_first()
            if (wanted is None or bool(r.get("deactivatedAt")) == wanted)
            and all(f(r) for f in filters)
        ]
        if order is not None:
            matched.sort(key=order, reverse=descending)
        total, chunk = len(matched), matched[offset : offset + per_page]
        newest = max((stamp(r) for r in matched), default=None)
    else:
        total, chunk = state.count(which), state.page(which, offset, per_page)
        newest = state.newest_stamp(which)
    meta: dict[str, Any] = {"pagination": pagination(total, len(chunk), per_page, page)}
    if newest is not None:
        meta["cursor"] = {"updatedAt": newest, "affix": "prepend"}
    return Listing([wire_user(r, call, state, tags=switches["withTags"]) for r in chunk], meta)
