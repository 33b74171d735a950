"""`session.admin`: the REST API calls made with the REST API key (server-side work)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .core.admin import AdminFlows, Pager, list_params
from .models import AuthToken, User
from .secret import Secret

if TYPE_CHECKING:
    import pandas as pd

    from .core.client import Flow

T = TypeVar("T")


class Runner(Protocol):
    """Sends a flow's requests and returns its result (`Session`'s way of sending)."""

    def __call__(self, flow: Flow[T], /) -> T: ...


class AsyncRunner(Protocol):
    """`Runner`, awaited (`AsyncSession`'s way of sending)."""

    def __call__(self, flow: Flow[T], /) -> Awaitable[T]: ...


class Admin:
    """REST API calls with the session's REST API key (`API_KEY_NOT_SET` without one).

    Made by a `Session`, which hands it the REST flows and the runner that sends them.
    """

    def __init__(self, flows: AdminFlows, run: Runner) -> None:
        self._flows = flows
        self._run = run

    def create_user(self, user: User | Mapping[str, Any], exist_ok: bool = False) -> User:
        """Create a user (`POST /users`); fires `user_created`. `ERR_UID_ALREADY_EXISTS`."""
        return self._run(self._flows.create_user(user, exist_ok))

    def get_user(self, uid: str) -> User:
        """Fetch a user, deactivated ones excepted (`GET /users/{uid}`). `ERR_UID_NOT_FOUND`."""
        return self._run(self._flows.get_user(uid))

    def update_user(
        self, uid: str, changes: User | Mapping[str, Any], unset: Iterable[str] = ()
    ) -> User:
        """Update a user's fields; `unset` removes `avatar`, `link` or `metadata`."""
        return self._run(self._flows.update_user(uid, changes, unset))

    def delete_user(self, uid: str, permanent: bool = False) -> dict[str, Any]:
        """Deactivate a user, or delete it and its tokens with `permanent=True`."""
        return self._run(self._flows.delete_user(uid, permanent))

    def deactivate_users(self, uids: Iterable[str]) -> dict[str, Any]:
        """Deactivate many users (`DELETE /users`): which were deactivated, already, not found."""
        return self._run(self._flows.deactivate_users(uids))

    def reactivate_users(self, uids: Iterable[str]) -> dict[str, Any]:
        """Reactivate many users (`PUT /users`)."""
        return self._run(self._flows.reactivate_users(uids))

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
        params = list_params(
            per_page, search_key, search_in, status, roles, tags,
            with_tags, with_deactivated, only_deactivated,
        )  # fmt: skip
        return self._items(self._flows.users(params))

    def users_frame(self, **filters: Any) -> pd.DataFrame:
        """The app's users as a DataFrame, every page fetched; `filters` as `list_users`."""
        from .frames import users_frame

        return users_frame(self.list_users(**filters))

    def create_auth_token(self, uid: str, force: bool = True) -> AuthToken:
        """Mint an auth token for `uid`, as a server would for its client. `ERR_UID_NOT_FOUND`."""
        return self._run(self._flows.create_auth_token(uid, force))

    def list_auth_tokens(self, uid: str) -> list[AuthToken]:
        """Every auth token of `uid`, newest first."""
        return list(self._items(self._flows.auth_tokens(uid)))

    def delete_auth_token(self, uid: str, token: str | Secret | AuthToken) -> dict[str, Any]:
        """Revoke one token; it stops working at once. `ERR_AUTH_TOKEN_NOT_FOUND`."""
        return self._run(self._flows.delete_auth_token(uid, token))

    def flush_auth_tokens(self, uid: str) -> dict[str, Any]:
        """Revoke every token of `uid`."""
        return self._run(self._flows.flush_auth_tokens(uid))

    def _items(self, pager: Pager[T]) -> Iterator[T]:
        while (flow := pager.next()) is not None:
            yield from self._run(flow)


class AsyncAdmin:
    """The async twin of `Admin`."""

    def __init__(self, flows: AdminFlows, run: AsyncRunner) -> None:
        self._flows = flows
        self._run = run

    async def create_user(self, user: User | Mapping[str, Any], exist_ok: bool = False) -> User:
        """`Admin.create_user`, awaited."""
        return await self._run(self._flows.create_user(user, exist_ok))

    async def get_user(self, uid: str) -> User:
        """`Admin.get_user`, awaited."""
        return await self._run(self._flows.get_user(uid))

    async def update_user(
        self, uid: str, changes: User | Mapping[str, Any], unset: Iterable[str] = ()
    ) -> User:
        """`Admin.update_user`, awaited."""
        return await self._run(self._flows.update_user(uid, changes, unset))

    async def delete_user(self, uid: str, permanent: bool = False) -> dict[str, Any]:
        """`Admin.delete_user`, awaited."""
        return await self._run(self._flows.delete_user(uid, permanent))

    async def deactivate_users(self, uids: Iterable[str]) -> dict[str, Any]:
        """`Admin.deactivate_users`, awaited."""
        return await self._run(self._flows.deactivate_users(uids))

    async def reactivate_users(self, uids: Iterable[str]) -> dict[str, Any]:
        """`Admin.reactivate_users`, awaited."""
        return await self._run(self._flows.reactivate_users(uids))

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
        params = list_params(
            per_page, search_key, search_in, status, roles, tags,
            with_tags, with_deactivated, only_deactivated,
        )  # fmt: skip
        return self._items(self._flows.users(params))

    async def users_frame(self, **filters: Any) -> pd.DataFrame:
        """`Admin.users_frame`, awaited."""
        from .frames import users_frame

        return users_frame([user async for user in self.list_users(**filters)])

    async def create_auth_token(self, uid: str, force: bool = True) -> AuthToken:
        """`Admin.create_auth_token`, awaited."""
        return await self._run(self._flows.create_auth_token(uid, force))

    async def list_auth_tokens(self, uid: str) -> list[AuthToken]:
        """`Admin.list_auth_tokens`, awaited."""
        return [token async for token in self._items(self._flows.auth_tokens(uid))]

    async def delete_auth_token(self, uid: str, token: str | Secret | AuthToken) -> dict[str, Any]:
        """`Admin.delete_auth_token`, awaited."""
        return await self._run(self._flows.delete_auth_token(uid, token))

    async def flush_auth_tokens(self, uid: str) -> dict[str, Any]:
        """`Admin.flush_auth_tokens`, awaited."""
        return await self._run(self._flows.flush_auth_tokens(uid))

    async def _items(self, pager: Pager[T]) -> AsyncIterator[T]:
        while (flow := pager.next()) is not None:
            for item in await self._run(flow):
                yield item
