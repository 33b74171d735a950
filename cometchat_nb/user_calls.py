"""The SDK's user management on a session, with the logged-in user's token: the users
list with `UsersRequestBuilder`'s filters (page by page, or as a DataFrame), `blockUsers`,
`unblockUsers` and `BlockedUsersRequestBuilder`'s lists (sdk-users §1-3).

Mixed into `Session` (`UserCalls`) and `AsyncSession` (`AsyncUserCalls`); the flows are
`core.users`' and the sending is the session's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, Unpack

from .admin import aitems, items
from .core.users import Direction, UserFilters

if TYPE_CHECKING:
    import pandas as pd

    from .core.client import Flow
    from .core.users import UserFlows
    from .models import User

T = TypeVar("T")


class _Sends(Protocol):
    _user_flows: UserFlows

    def _run(self, flow: Flow[T], /) -> T: ...


class _AwaitsSends(Protocol):
    _user_flows: UserFlows

    def _run(self, flow: Flow[T], /) -> Awaitable[T]: ...


class UserCalls:
    """`Session`'s user-management calls (the SDK's, named as the README's table says)."""

    def list_users(self: _Sends, *, per_page: int = 30, **filters: Unpack[UserFilters]
                   ) -> Iterator[User]:  # fmt: skip
        """The app's users as the logged-in user sees them (`GET /users`), fetched one page
        (`per_page`, at most 100) at a time: `search_key` (+ `search_in`), `status`
        (`"online"` or `"offline"`), `roles`, `tags` (+ `with_tags`), `uids`, `sort_by`
        (`"name"`, `"status"`) + `sort_order`, `friends_only`, `hide_blocked_users`.
        Each user carries `blocked_by_me` / `has_blocked_me`. Raises `USER_NOT_LOGED_IN`,
        `INVALID_SET_LIMIT`, `ERROR_SET_LIMIT_EXCEEDED`, `INVALID_STATUS_VALUE`, ... locally."""
        return items(self._run, self._user_flows.users(per_page, filters))

    def users_frame(self: _Sends, **filters: Unpack[UserFilters]) -> pd.DataFrame:
        """`list_users` as a DataFrame, every page fetched (100 users a page)."""
        from .frames import users_frame

        return users_frame(items(self._run, self._user_flows.users(100, filters)))

    def block_users(self: _Sends, uids: Iterable[str]) -> dict[str, Any]:
        """Block users (`POST /blockedusers`): `{uid: {"success": bool, "message": str}}`.
        Raises `INVALID_USER_LIST`, `EMPTY_USERS_LIST` locally."""
        return self._run(self._user_flows.block(uids, unblock=False))

    def unblock_users(self: _Sends, uids: Iterable[str]) -> dict[str, Any]:
        """Unblock users (`DELETE /blockedusers`); answers as `block_users`."""
        return self._run(self._user_flows.block(uids, unblock=True))

    def list_blocked_users(
        self: _Sends, *, per_page: int = 30, direction: Direction = "both",
        search_key: str | None = None,
    ) -> Iterator[User]:  # fmt: skip
        """The users the logged-in user blocked (`direction="blocked_by_me"`), who blocked
        it (`"has_blocked_me"`), or both (`GET /blockedusers`), oldest block first, one page
        at a time. Raises `INVALID_DIRECTION_VALUE` locally."""
        return items(self._run, self._user_flows.blocked(per_page, direction, search_key))


class AsyncUserCalls:
    """`AsyncSession`'s twins of `UserCalls`: the same calls, awaited or `async for`."""

    def list_users(self: _AwaitsSends, *, per_page: int = 30, **filters: Unpack[UserFilters]
                   ) -> AsyncIterator[User]:  # fmt: skip
        """`Session.list_users` as an async iterator (`async for user in ...`)."""
        return aitems(self._run, self._user_flows.users(per_page, filters))

    async def users_frame(self: _AwaitsSends, **filters: Unpack[UserFilters]) -> pd.DataFrame:
        """`Session.users_frame`, awaited."""
        from .frames import users_frame

        pages = aitems(self._run, self._user_flows.users(100, filters))
        return users_frame([user async for user in pages])

    async def block_users(self: _AwaitsSends, uids: Iterable[str]) -> dict[str, Any]:
        """`Session.block_users`, awaited."""
        return await self._run(self._user_flows.block(uids, unblock=False))

    async def unblock_users(self: _AwaitsSends, uids: Iterable[str]) -> dict[str, Any]:
        """`Session.unblock_users`, awaited."""
        return await self._run(self._user_flows.block(uids, unblock=True))

    def list_blocked_users(
        self: _AwaitsSends, *, per_page: int = 30, direction: Direction = "both",
        search_key: str | None = None,
    ) -> AsyncIterator[User]:  # fmt: skip
        """`Session.list_blocked_users` as an async iterator."""
        return aitems(self._run, self._user_flows.blocked(per_page, direction, search_key))
