"""The SDK's user management for the logged-in user (sdk-users §1-3), sans-IO: the users
list with `UsersRequestBuilder`'s filters, blocking, and `BlockedUsersRequestBuilder`'s lists.

Each call is made with the stored login's token; with none, `USER_NOT_LOGED_IN` (as the
SDK) before anything is sent. Checks mirror the SDK's local ones, codes included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypedDict

from ..errors import local_error
from ..models import User
from ..secret import Secret
from ..validation import check_flag, check_strings, check_text
from .client import Core, Flow, not_logged_in
from .rest import Page, Pager, page_of
from .stored import StoredLogin

#: Which blocked users a blocked list holds (the SDK's `direction`, in Python spelling).
Direction = Literal["both", "blocked_by_me", "has_blocked_me"]
_DIRECTIONS = {"both": "both", "blocked_by_me": "blockedByMe", "has_blocked_me": "hasBlockedMe"}
#: The most a page holds on the client route (the SDK's `setLimit` bound).
MAX_PER_PAGE = 100


class UserFilters(TypedDict, total=False):
    """The filters of `UsersRequestBuilder`, by keyword (sdk-users §1.1)."""

    search_key: str | None
    search_in: Iterable[Literal["uid", "name"]] | None
    status: Literal["online", "available", "offline"] | None
    roles: Iterable[str] | None
    tags: Iterable[str] | None
    with_tags: bool
    uids: Iterable[str] | None
    sort_by: Literal["name", "status"] | None
    sort_order: Literal["asc", "desc"] | None
    friends_only: bool
    hide_blocked_users: bool


def _per_page(per_page: Any) -> int:
    """`setLimit`'s checks: an integer from 1 to 100."""
    if isinstance(per_page, bool) or not isinstance(per_page, int) or per_page < 1:
        raise local_error("INVALID_SET_LIMIT", "per_page must be an integer from 1 to 100.")
    if per_page > MAX_PER_PAGE:
        raise local_error("ERROR_SET_LIMIT_EXCEEDED", "per_page cannot be more than 100.")
    return per_page


def _choice(name: str, value: Any, choices: Iterable[str], code: str) -> str | None:
    if value is not None and value not in choices:
        raise local_error(code, f"{name} must be one of {sorted(choices)}, not {value!r}.")
    return None if value is None else str(value)


def users_params(per_page: int, filters: UserFilters) -> dict[str, Any]:
    """The query the SDK sends for these filters (sdk-users §1.1), checked; unknown
    filters raise `TypeError` naming them."""
    if unknown := set(filters) - set(UserFilters.__annotations__):
        raise TypeError(f"unknown filters: {', '.join(sorted(unknown))}")
    status = _choice("status", filters.get("status"), ("online", "available", "offline"),
                     "INVALID_STATUS_VALUE")  # fmt: skip
    search_in = check_strings("search_in", filters.get("search_in"))
    for field in search_in or ():
        _choice("search_in", field, ("uid", "name"), "INVALID_SEARCH_IN")
    flags = {name: check_flag(name, filters.get(name, False))
             for name in ("with_tags", "friends_only", "hide_blocked_users")}  # fmt: skip
    return {
        "per_page": _per_page(per_page),
        "searchKey": (check_text("search_key", filters.get("search_key")) or "").strip() or None,
        "status": "available" if status == "online" else status,
        "hideBlockedUsers": 1 if flags["hide_blocked_users"] else None,
        "roles": check_strings("roles", filters.get("roles")) or None,
        "tags": check_strings("tags", filters.get("tags")) or None,
        "friendsOnly": 1 if flags["friends_only"] else None,
        "withTags": 1 if flags["with_tags"] else None,
        "uids": check_strings("uids", filters.get("uids")) or None,
        "sortBy": _choice("sort_by", filters.get("sort_by"), ("name", "status"), "INVALID_SORT_BY"),
        "sortOrder": _choice(
            "sort_order", filters.get("sort_order"), ("asc", "desc"), "INVALID_SORT_BY_ORDER"
        ),
        "searchIn": search_in or None,
    }


def _uid_list(uids: Any) -> list[str]:
    """`blockUsers`' checks: a non-empty list of uid strings."""
    if isinstance(uids, str | bytes) or not isinstance(uids, Iterable):
        raise local_error("INVALID_USER_LIST", "Give a list of uids.")
    listed = list(uids)
    if not listed:
        raise local_error("EMPTY_USERS_LIST", "The list of uids is empty.")
    if not all(isinstance(uid, str) and uid.strip() for uid in listed):
        raise local_error("INVALID_USER_LIST", "Every uid must be a non-empty string.")
    return listed


class UserFlows:
    """The logged-in user's user-management calls, as flows on a session's `Core`."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def _login(self, endpoint: str) -> tuple[StoredLogin, Secret]:
        seen = self.core.logins.read()
        if seen.token is None:
            raise not_logged_in(endpoint)
        return seen, seen.token

    def _pager(self, segment: str, params: dict[str, Any]) -> Pager[User]:
        seen, token = self._login(segment)
        base = self.core.hosts(seen).client

        def page(number: int) -> Flow[Page]:
            query = {**params, "page": number}
            request = self.core.build("GET", base, segment, auth_token=token, params=query)
            return (yield from self.core.client_call(request, tuple, read=page_of))

        return Pager(page, User.from_dict)

    def users(self, per_page: int, filters: UserFilters) -> Pager[User]:
        """`GET /users` with the builder's filters, page by page."""
        return self._pager("users", users_params(per_page, filters))

    def blocked(self, per_page: int, direction: Direction, search_key: str | None) -> Pager[User]:
        """`GET /blockedusers?direction=`, page by page."""
        wire = _choice("direction", direction, _DIRECTIONS, "INVALID_DIRECTION_VALUE")
        key = (check_text("search_key", search_key) or "").strip() or None
        params = {"per_page": _per_page(per_page), "direction": _DIRECTIONS[wire or "both"],
                  "searchKey": key}  # fmt: skip
        return self._pager("blockedusers", params)

    def block(self, uids: Iterable[str], *, unblock: bool) -> Flow[dict[str, Any]]:
        """`POST` (or, to unblock, `DELETE`) `/blockedusers {"blockedUids": [..]}`: the
        service's answer, a map from each uid to `{"success", "message"}`."""
        body = {"blockedUids": _uid_list(uids)}
        seen, token = self._login("blockedusers")
        method = "DELETE" if unblock else "POST"
        base = self.core.hosts(seen).client
        request = self.core.build(method, base, "blockedusers", auth_token=token, body=body)
        return (yield from self.core.client_call(request, dict))
