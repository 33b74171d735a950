"""The REST API flows, made with the REST API key (server-side work, spec 4.1-4.11)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

import httpx

from ..errors import failed_to_fetch, local_error
from ..models import AuthToken, User
from ..protocol import object_data, parsed, read
from ..secret import Secret
from ..validation import (
    check_credential,
    check_flag,
    check_new_user,
    check_strings,
    check_text,
    check_uid,
    check_user_argument,
    user_fields,
)
from ..wire import UNSETTABLE_FIELDS
from .client import Core, Flow
from .stored import StoredLogin

Page = tuple[list[Any], int]  # the items, and the number of pages
T = TypeVar("T")


class Pager(Generic[T]):
    """A listing, one flow per page: run `next()`'s flows until it returns None."""

    def __init__(self, page: Callable[[int], Flow[Page]], parse: Callable[[Any], T]) -> None:
        self._page = page
        self._parse = parse
        self._number = 1
        self._done = False

    def next(self) -> Flow[list[T]] | None:
        """The flow fetching the next page's items, parsed, or None after the last page."""
        return None if self._done else self._fetch()

    def _fetch(self) -> Flow[list[T]]:
        items, pages = yield from self._page(self._number)
        self._done = self._number >= pages or not items
        self._number += 1
        return [self._parse(item) for item in items]


def list_params(
    per_page: int,
    search_key: str | None,
    search_in: Iterable[str] | None,
    status: str | None,
    roles: Iterable[str] | None,
    tags: Iterable[str] | None,
    with_tags: bool,
    with_deactivated: bool,
    only_deactivated: bool,
) -> dict[str, Any]:
    """The query of `GET /users` (spec 4.2), checked."""
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= 1000:
        raise local_error("MISSING_PARAMETERS", "per_page must be an integer from 1 to 1000.")
    if status not in (None, "available", "offline"):
        raise local_error("MISSING_PARAMETERS", "status must be 'available' or 'offline'.")
    return {
        "perPage": per_page,
        "searchKey": check_text("search_key", search_key),
        "searchIn": check_strings("search_in", search_in) or None,
        "status": status,
        "roles": check_strings("roles", roles) or None,
        "tags": check_strings("tags", tags) or None,
        "withTags": check_flag("with_tags", with_tags) or None,
        "withDeactivated": check_flag("with_deactivated", with_deactivated) or None,
        "onlyDeactivated": check_flag("only_deactivated", only_deactivated) or None,
    }


class AdminFlows:
    """The REST calls of `session.admin`, as flows on a session's `Core`."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def key(self, endpoint: str) -> Secret:
        """The REST API key, or `API_KEY_NOT_SET` naming the endpoint."""
        key = self.core.connection.rest_api_key
        if key is None:
            raise local_error(
                "API_KEY_NOT_SET",
                f"An apiKey is needed to use the {endpoint} api: pass rest_api_key= to Session "
                "or set COMETCHAT_REST_API_KEY.",
            )
        return key

    def _request(self, method: str, *segments: str, **kwargs: Any) -> httpx.Request:
        """A REST request to `segments`, with the REST API key (`key` names the endpoint)."""
        return self.core.build(
            method, self.core.connection.hosts.rest, *segments, api_key=self.key(segments[0]),
            **kwargs,
        )  # fmt: skip

    def _call(
        self, method: str, *segments: str, required: tuple[str, ...] = (), **kwargs: Any
    ) -> Flow[dict[str, Any]]:
        """One REST call answered by an object holding `required` string fields."""
        return (yield from self._parsed(dict, method, *segments, required=required, **kwargs))

    def _parsed(
        self,
        parse: Callable[[dict[str, Any]], T],
        method: str,
        *segments: str,
        required: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> Flow[T]:
        """`_call`, its answer parsed (`FAILED_TO_FETCH` for an odd shape)."""
        response = yield self._request(method, *segments, **kwargs)
        return parsed(parse, object_data(response, *required), response)

    def _page(self, *segments: str, params: dict[str, Any]) -> Flow[Page]:
        response = yield self._request("GET", *segments, params=params)
        body = read(response)
        data, meta = body["data"], body.get("meta", {})
        pages = meta.get("pagination", {}).get("total_pages") if isinstance(meta, dict) else None
        if not isinstance(data, list) or not isinstance(pages, int):
            raise failed_to_fetch("unexpected response shape", response.status_code)
        return data, pages

    def create_user(self, user: User | Mapping[str, Any], exist_ok: bool) -> Flow[User]:
        check_flag("exist_ok", exist_ok)
        fields = user_fields(user)
        check_new_user(fields)
        request = self._request("POST", "users", body=fields)
        # A lost answer is read back with the REST API key (`Core.reader`): no stored login
        # is needed, so none is read (this runs once per row of a bulk create).
        return (yield from self.core.send_create(request, fields, exist_ok, StoredLogin({})))

    def get_user(self, uid: str) -> Flow[User]:
        return (yield from self._parsed(User.from_dict, "GET", "users", check_uid(uid)))

    def update_user(
        self, uid: str, changes: User | Mapping[str, Any], unset: Iterable[str]
    ) -> Flow[User]:
        check_user_argument("changes", changes)
        body: dict[str, Any] = {k: v for k, v in user_fields(changes).items() if k != "uid"}
        removed = check_strings("unset", unset) or []
        if any(field not in UNSETTABLE_FIELDS for field in removed):
            raise ValueError(f"unset takes fields among {UNSETTABLE_FIELDS}, not {removed!r}")
        if removed:
            body["unset"] = removed
        return (yield from self._parsed(User.from_dict, "PUT", "users", check_uid(uid), body=body))

    def delete_user(self, uid: str, permanent: bool) -> Flow[dict[str, Any]]:
        body = {"permanent": check_flag("permanent", permanent)}
        return (yield from self._call("DELETE", "users", check_uid(uid), body=body))

    def deactivate_users(self, uids: Iterable[str]) -> Flow[dict[str, Any]]:
        return self._bulk("DELETE", "uidsToDeactivate", uids)

    def reactivate_users(self, uids: Iterable[str]) -> Flow[dict[str, Any]]:
        return self._bulk("PUT", "uidsToActivate", uids)

    def _bulk(self, method: str, key: str, uids: Iterable[str]) -> Flow[dict[str, Any]]:
        uid_list = check_strings("uids", uids)
        if not uid_list:
            raise local_error("INVALID_UID", "Give a non-empty list of uid strings.")
        return (yield from self._call(method, "users", body={key: uid_list}))

    def users(self, params: dict[str, Any]) -> Pager[User]:
        """The app's users, page by page (`params` from `list_params`)."""
        self.key("users")
        return Pager(
            lambda page: self._page("users", params={**params, "page": page}), User.from_dict
        )

    def auth_tokens(self, uid: str) -> Pager[AuthToken]:
        """Every auth token of `uid`, page by page."""
        check_uid(uid)
        return Pager(
            lambda page: self._page("users", uid, "auth_tokens", params={"page": page}),
            AuthToken.from_dict,
        )

    def create_auth_token(self, uid: str, force: bool) -> Flow[AuthToken]:
        return (
            yield from self._parsed(
                AuthToken.from_dict, "POST", "users", check_uid(uid), "auth_tokens",
                body={"force": check_flag("force", force)}, required=("authToken",),
            )
        )  # fmt: skip

    def delete_auth_token(self, uid: str, token: str | Secret | AuthToken) -> Flow[dict[str, Any]]:
        if isinstance(token, AuthToken):
            token = token.auth_token
        secret = check_credential("token", token)
        if not secret:
            raise local_error("MISSING_PARAMETERS", "An auth token is required.")
        value = secret.reveal()
        return (yield from self._call("DELETE", "users", check_uid(uid), "auth_tokens", value))

    def flush_auth_tokens(self, uid: str) -> Flow[dict[str, Any]]:
        return (yield from self._call("DELETE", "users", check_uid(uid), "auth_tokens"))
