"""The REST API flows, made with the REST API key (server-side work, spec 4.1-4.11)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Literal, TypedDict, TypeVar

import httpx

from ..errors import failed_to_fetch, local_error
from ..models import AuthToken, Role, User
from ..protocol import object_data, parsed, read
from ..secret import Secret
from ..validation import (
    as_secret,
    check_credential,
    check_flag,
    check_new_user,
    check_strings,
    check_text,
    check_uid,
    scalar,
    user_fields,
)
from ..wire import UNSETTABLE_FIELDS
from .client import Core, Flow
from .stored import StoredLogin

Page = tuple[list[Any], int]  # the items, and the number of pages
T = TypeVar("T")


class RoleDetails(TypedDict, total=False):
    """What a role holds besides its id and name (REST `/roles`)."""

    description: str
    metadata: dict[str, Any]
    settings: dict[str, Any]


class RoleChanges(RoleDetails, total=False):
    """A role update: new values, and the fields to remove."""

    name: str
    unset: Iterable[Literal["description", "metadata", "settings"]]


def role_body(role: str | None, name: str | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The body of `POST /roles` (with `role` and `name`) or `PUT /roles/{role}`, checked."""
    allowed = RoleChanges.__annotations__ if role is None else RoleDetails.__annotations__
    if unknown := set(fields) - set(allowed):
        raise TypeError(f"unknown role fields: {', '.join(sorted(unknown))}")
    body: dict[str, Any] = {} if role is None else {"role": _role_id(role)}
    if role is not None:
        body["name"] = check_text("name", name)
    for key in ("name", "description"):
        if key in fields:
            body[key] = check_text(key, fields[key])
    for key in ("metadata", "settings"):
        if key in fields and not isinstance(fields[key], Mapping):
            raise TypeError(f"{key} must be a mapping, not {type(fields[key]).__name__}")
        if key in fields:
            body[key] = dict(fields[key])
    if "unset" in fields:
        body["unset"] = check_strings("unset", fields["unset"])
    return body


def _role_id(role: Any) -> str:
    if not isinstance(role, str) or not role.strip():
        raise local_error("INVALID_ROLE", "A role id is a non-empty string.")
    return role


def page_of(response: httpx.Response) -> Page:
    """A list answer's items and number of pages (`FAILED_TO_FETCH` for another shape)."""
    body = read(response)
    data, meta = body["data"], body.get("meta", {})
    pages = meta.get("pagination", {}).get("total_pages") if isinstance(meta, dict) else None
    if not isinstance(data, list) or not isinstance(pages, int):
        raise failed_to_fetch("unexpected response shape", response.status_code)
    return data, pages


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
    per_page = scalar(per_page)
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= 1000:
        raise local_error("MISSING_PARAMETERS", "per_page must be an integer from 1 to 1000.")
    if check_text("status", status) not in (None, "available", "offline"):
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

    def _request(self, method: str, *segments: str | Secret, **kwargs: Any) -> httpx.Request:
        """A REST request to `segments`, with the REST API key (`key` names the endpoint)."""
        return self.core.build(
            method, self.core.connection.hosts.rest, *segments, api_key=self.key(str(segments[0])),
            **kwargs,
        )  # fmt: skip

    def _call(
        self, method: str, *segments: str | Secret, required: tuple[str, ...] = (), **kwargs: Any
    ) -> Flow[dict[str, Any]]:
        """One REST call answered by an object holding `required` string fields."""
        return (yield from self._parsed(dict, method, *segments, required=required, **kwargs))

    def _parsed(
        self,
        parse: Callable[[dict[str, Any]], T],
        method: str,
        *segments: str | Secret,
        required: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> Flow[T]:
        """`_call`, its answer parsed (`FAILED_TO_FETCH` for an odd shape)."""
        response = yield self._request(method, *segments, **kwargs)
        return parsed(parse, object_data(response, *required), response)

    def _page(self, *segments: str, params: dict[str, Any]) -> Flow[Page]:
        response = yield self._request("GET", *segments, params=params)
        return page_of(response)

    def create_user(
        self, user: User | Mapping[str, Any], exist_ok: bool, with_auth_token: bool = False
    ) -> Flow[User]:
        """`POST /users`; with `with_auth_token`, the user comes back with a new auth token
        (minted with it, or, for a user read back or already there, by `create_auth_token`)."""
        check_flag("exist_ok", exist_ok)
        fields = user_fields(user)
        check_new_user(fields)
        body = (
            {**fields, "withAuthToken": True}
            if check_flag("with_auth_token", with_auth_token)
            else fields
        )
        request = self._request("POST", "users", body=body)
        # A lost answer is read back with the REST API key (`Core.reader`): no stored login
        # is needed, so none is read (this runs once per row of a bulk create).
        made = yield from self.core.send_create(request, fields, exist_ok, StoredLogin({}))
        if with_auth_token and made.auth_token is None:
            token = yield from self.create_auth_token(made.uid, True)
            made = made.replace(auth_token=token.auth_token)
        return made

    def get_user(self, uid: str) -> Flow[User]:
        return (yield from self._parsed(User.from_dict, "GET", "users", check_uid(uid)))

    def update_user(
        self, uid: str, changes: User | Mapping[str, Any], unset: Iterable[str]
    ) -> Flow[User]:
        body: dict[str, Any] = {
            k: v for k, v in user_fields(changes, "changes").items() if k != "uid"
        }
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

    def roles(self) -> Pager[Role]:
        """Every role of the app (`GET /roles`), page by page."""
        self.key("roles")
        return Pager(lambda page: self._page("roles", params={"page": page}), Role.from_dict)

    def role_call(
        self, method: str, role: str | None, body: dict[str, Any] | None = None
    ) -> Flow[Role]:
        """`POST /roles`, or `GET`/`PUT` `/roles/{role}` (`body` from `role_body`): the role
        as the service has it."""
        path = ("roles",) if role is None else ("roles", _role_id(role))
        return (yield from self._parsed(Role.from_dict, method, *path, body=body,
                                        required=("role",)))  # fmt: skip

    def delete_role(self, role: str) -> Flow[dict[str, Any]]:
        return (yield from self._call("DELETE", "roles", _role_id(role)))

    def create_auth_token(self, uid: str, force: bool) -> Flow[AuthToken]:
        return (
            yield from self._parsed(
                AuthToken.from_dict, "POST", "users", check_uid(uid), "auth_tokens",
                body={"force": check_flag("force", force)}, required=("authToken",),
            )
        )  # fmt: skip

    def delete_auth_token(self, uid: str, token: str | Secret | AuthToken) -> Flow[dict[str, Any]]:
        token = token.auth_token if isinstance(token, AuthToken) else as_secret(token)
        secret = check_credential("token", token)
        if not secret:
            raise local_error("MISSING_PARAMETERS", "An auth token is required.")
        return (yield from self._call("DELETE", "users", check_uid(uid), "auth_tokens", secret))

    def flush_auth_tokens(self, uid: str) -> Flow[dict[str, Any]]:
        return (yield from self._call("DELETE", "users", check_uid(uid), "auth_tokens"))
