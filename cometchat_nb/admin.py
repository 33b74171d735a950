"""`session.admin`: the REST API calls made with the REST API key (server-side work)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .errors import failed_to_fetch, local_error
from .models import AuthToken, User
from .protocol import object_data, read
from .secret import Secret
from .validation import check_new_user, check_uid, user_fields

if TYPE_CHECKING:
    import pandas as pd

    from .session import AsyncSession, Flow, Session, _SessionBase

Page = tuple[list[Any], int]  # the items, and the number of pages


def _list_params(
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
    if not isinstance(per_page, int) or not 1 <= per_page <= 1000:
        raise local_error("MISSING_PARAMETERS", "per_page must be an integer from 1 to 1000.")
    if status not in (None, "available", "offline"):
        raise local_error("MISSING_PARAMETERS", "status must be 'available' or 'offline'.")
    return {
        "perPage": per_page,
        "searchKey": search_key,
        "searchIn": list(search_in) if search_in else None,
        "status": status,
        "roles": list(roles) if roles else None,
        "tags": list(tags) if tags else None,
        "withTags": with_tags or None,
        "withDeactivated": with_deactivated or None,
        "onlyDeactivated": only_deactivated or None,
    }


def _strings(values: Iterable[str], name: str) -> Iterable[str]:
    """`values`, refusing a lone string (which would be split into characters)."""
    if isinstance(values, str | bytes):
        raise TypeError(f"{name} takes a list of strings, not a single string")
    return values


class _AdminFlows:
    """The REST flows, shared by `Admin` and `AsyncAdmin`."""

    def __init__(self, session: _SessionBase) -> None:
        self._session = session

    def _key(self, endpoint: str) -> Secret:
        key = self._session._connection.rest_api_key
        if key is None:
            raise local_error(
                "API_KEY_NOT_SET",
                f"An apiKey is needed to use the {endpoint} api: pass rest_api_key= to Session "
                "or set COMETCHAT_REST_API_KEY.",
            )
        return key

    def _call(
        self, method: str, *segments: str, required: tuple[str, ...] = (), **kwargs: Any
    ) -> Flow[dict[str, Any]]:
        """One REST call answered by an object holding `required` string fields."""
        request = self._session._build(
            method, self._session._connection.hosts.rest, *segments,
            api_key=self._key(segments[0]), **kwargs,
        )  # fmt: skip
        response = yield request
        return object_data(response, *required)

    def _page(self, *segments: str, params: dict[str, Any]) -> Flow[Page]:
        request = self._session._build(
            "GET",
            self._session._connection.hosts.rest,
            *segments,
            api_key=self._key(segments[0]),
            params=params,
        )
        response = yield request
        body = read(response)
        data, meta = body["data"], body.get("meta", {})
        pages = meta.get("pagination", {}).get("total_pages") if isinstance(meta, dict) else None
        if not isinstance(data, list) or not isinstance(pages, int):
            raise failed_to_fetch("unexpected response shape", response.status_code)
        return data, pages

    def _create_user(self, user: User | Mapping[str, Any], exist_ok: bool) -> Flow[User]:
        fields = user_fields(user)
        check_new_user(fields)
        request = self._session._build(
            "POST",
            self._session._connection.hosts.rest,
            "users",
            api_key=self._key("users"),
            body=fields,
        )
        return (yield from self._session._created_or_existing(request, fields["uid"], exist_ok))

    def _get_user(self, uid: str) -> Flow[User]:
        return User.from_dict(
            (yield from self._call("GET", "users", check_uid(uid), required=("uid",)))
        )

    def _update_user(
        self, uid: str, changes: User | Mapping[str, Any], unset: Iterable[str]
    ) -> Flow[User]:
        body: dict[str, Any] = {k: v for k, v in user_fields(changes).items() if k != "uid"}
        if unset:
            body["unset"] = list(_strings(unset, "unset"))
        data = yield from self._call("PUT", "users", check_uid(uid), body=body, required=("uid",))
        return User.from_dict(data)

    def _delete_user(self, uid: str, permanent: bool) -> Flow[dict[str, Any]]:
        body = {"permanent": bool(permanent)}
        return (yield from self._call("DELETE", "users", check_uid(uid), body=body))

    def _bulk(self, method: str, key: str, uids: Iterable[str]) -> Flow[dict[str, Any]]:
        uid_list = list(_strings(uids, "uids"))
        if not uid_list or not all(isinstance(u, str) for u in uid_list):
            raise local_error("INVALID_UID", "Give a non-empty list of uid strings.")
        return (yield from self._call(method, "users", body={key: uid_list}))

    def _create_auth_token(self, uid: str, force: bool) -> Flow[AuthToken]:
        data = yield from self._call(
            "POST", "users", check_uid(uid), "auth_tokens",
            body={"force": bool(force)}, required=("authToken",),
        )  # fmt: skip
        return AuthToken.from_dict(data)

    def _delete_auth_token(self, uid: str, token: str | Secret | AuthToken) -> Flow[dict[str, Any]]:
        if isinstance(token, AuthToken):
            token = token.auth_token
        value = token.reveal() if isinstance(token, Secret) else token
        if not isinstance(value, str) or not value:
            raise local_error("MISSING_PARAMETERS", "An auth token is required.")
        return (yield from self._call("DELETE", "users", check_uid(uid), "auth_tokens", value))

    def _flush_auth_tokens(self, uid: str) -> Flow[dict[str, Any]]:
        return (yield from self._call("DELETE", "users", check_uid(uid), "auth_tokens"))


class Admin(_AdminFlows):
    """REST API calls with the session's REST API key (`API_KEY_NOT_SET` without one)."""

    _session: Session

    def create_user(self, user: User | Mapping[str, Any], exist_ok: bool = False) -> User:
        """Create a user (`POST /users`); fires `user_created`. `ERR_UID_ALREADY_EXISTS`."""
        return self._session._run(self._create_user(user, exist_ok))

    def get_user(self, uid: str) -> User:
        """Fetch a user, deactivated ones excepted (`GET /users/{uid}`). `ERR_UID_NOT_FOUND`."""
        return self._session._run(self._get_user(uid))

    def update_user(
        self, uid: str, changes: User | Mapping[str, Any], unset: Iterable[str] = ()
    ) -> User:
        """Update a user's fields; `unset` removes `avatar`, `link` or `metadata`."""
        return self._session._run(self._update_user(uid, changes, unset))

    def delete_user(self, uid: str, permanent: bool = False) -> dict[str, Any]:
        """Deactivate a user, or delete it and its tokens with `permanent=True`."""
        return self._session._run(self._delete_user(uid, permanent))

    def deactivate_users(self, uids: Iterable[str]) -> dict[str, Any]:
        """Deactivate many users (`DELETE /users`): which were deactivated, already, not found."""
        return self._session._run(self._bulk("DELETE", "uidsToDeactivate", uids))

    def reactivate_users(self, uids: Iterable[str]) -> dict[str, Any]:
        """Reactivate many users (`PUT /users`)."""
        return self._session._run(self._bulk("PUT", "uidsToActivate", uids))

    def list_users(
        self,
        *,
        per_page: int = 100,
        search_key: str | None = None,
        search_in: Iterable[str] | None = None,
        status: str | None = None,
        roles: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        with_tags: bool = True,
        with_deactivated: bool = False,
        only_deactivated: bool = False,
    ) -> Iterator[User]:
        """The app's users, newest first, fetched one page (`per_page` users) at a time."""
        params = _list_params(
            per_page,
            search_key,
            search_in,
            status,
            roles,
            tags,
            with_tags,
            with_deactivated,
            only_deactivated,
        )
        self._key("users")
        return self._iter_users(params)

    def users_frame(self, **filters: Any) -> pd.DataFrame:
        """The app's users as a DataFrame, every page fetched; `filters` as `list_users`."""
        from .frames import users_frame

        return users_frame(self.list_users(**filters))

    def _iter_users(self, params: dict[str, Any]) -> Iterator[User]:
        page = 1
        while True:
            items, pages = self._session._run(self._page("users", params={**params, "page": page}))
            yield from (User.from_dict(item) for item in items)
            if page >= pages or not items:
                return
            page += 1

    def create_auth_token(self, uid: str, force: bool = True) -> AuthToken:
        """Mint an auth token for `uid`, as a server would for its client. `ERR_UID_NOT_FOUND`."""
        return self._session._run(self._create_auth_token(uid, force))

    def list_auth_tokens(self, uid: str) -> list[AuthToken]:
        """Every auth token of `uid`, newest first."""
        tokens: list[AuthToken] = []
        page = 1
        while True:
            items, pages = self._session._run(
                self._page("users", check_uid(uid), "auth_tokens", params={"page": page})
            )
            tokens.extend(AuthToken.from_dict(item) for item in items)
            if page >= pages or not items:
                return tokens
            page += 1

    def delete_auth_token(self, uid: str, token: str | Secret | AuthToken) -> dict[str, Any]:
        """Revoke one token; it stops working at once. `ERR_AUTH_TOKEN_NOT_FOUND`."""
        return self._session._run(self._delete_auth_token(uid, token))

    def flush_auth_tokens(self, uid: str) -> dict[str, Any]:
        """Revoke every token of `uid`."""
        return self._session._run(self._flush_auth_tokens(uid))


class AsyncAdmin(_AdminFlows):
    """The async twin of `Admin`."""

    _session: AsyncSession

    async def create_user(self, user: User | Mapping[str, Any], exist_ok: bool = False) -> User:
        """`Admin.create_user`, awaited."""
        return await self._session._run(self._create_user(user, exist_ok))

    async def get_user(self, uid: str) -> User:
        """`Admin.get_user`, awaited."""
        return await self._session._run(self._get_user(uid))

    async def update_user(
        self, uid: str, changes: User | Mapping[str, Any], unset: Iterable[str] = ()
    ) -> User:
        """`Admin.update_user`, awaited."""
        return await self._session._run(self._update_user(uid, changes, unset))

    async def delete_user(self, uid: str, permanent: bool = False) -> dict[str, Any]:
        """`Admin.delete_user`, awaited."""
        return await self._session._run(self._delete_user(uid, permanent))

    async def deactivate_users(self, uids: Iterable[str]) -> dict[str, Any]:
        """`Admin.deactivate_users`, awaited."""
        return await self._session._run(self._bulk("DELETE", "uidsToDeactivate", uids))

    async def reactivate_users(self, uids: Iterable[str]) -> dict[str, Any]:
        """`Admin.reactivate_users`, awaited."""
        return await self._session._run(self._bulk("PUT", "uidsToActivate", uids))

    def list_users(
        self,
        *,
        per_page: int = 100,
        search_key: str | None = None,
        search_in: Iterable[str] | None = None,
        status: str | None = None,
        roles: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        with_tags: bool = True,
        with_deactivated: bool = False,
        only_deactivated: bool = False,
    ) -> AsyncIterator[User]:
        """`Admin.list_users` as an async iterator (`async for user in ...`)."""
        params = _list_params(
            per_page,
            search_key,
            search_in,
            status,
            roles,
            tags,
            with_tags,
            with_deactivated,
            only_deactivated,
        )
        self._key("users")
        return self._iter_users(params)

    async def users_frame(self, **filters: Any) -> pd.DataFrame:
        """`Admin.users_frame`, awaited."""
        from .frames import users_frame

        return users_frame([user async for user in self.list_users(**filters)])

    async def _iter_users(self, params: dict[str, Any]) -> AsyncIterator[User]:
        page = 1
        while True:
            items, pages = await self._session._run(
                self._page("users", params={**params, "page": page})
            )
            for item in items:
                yield User.from_dict(item)
            if page >= pages or not items:
                return
            page += 1

    async def create_auth_token(self, uid: str, force: bool = True) -> AuthToken:
        """`Admin.create_auth_token`, awaited."""
        return await self._session._run(self._create_auth_token(uid, force))

    async def list_auth_tokens(self, uid: str) -> list[AuthToken]:
        """`Admin.list_auth_tokens`, awaited."""
        tokens: list[AuthToken] = []
        page = 1
        while True:
            items, pages = await self._session._run(
                self._page("users", check_uid(uid), "auth_tokens", params={"page": page})
            )
            tokens.extend(AuthToken.from_dict(item) for item in items)
            if page >= pages or not items:
                return tokens
            page += 1

    async def delete_auth_token(self, uid: str, token: str | Secret | AuthToken) -> dict[str, Any]:
        """`Admin.delete_auth_token`, awaited."""
        return await self._session._run(self._delete_auth_token(uid, token))

    async def flush_auth_tokens(self, uid: str) -> dict[str, Any]:
        """`Admin.flush_auth_tokens`, awaited."""
        return await self._session._run(self._flush_auth_tokens(uid))
