"""`session.admin`: the REST API calls made with the REST API key (server-side work)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeAlias, TypeVar, Unpack

from .core.rest import AdminFlows, Pager, RoleChanges, RoleDetails, list_params, role_body
from .models import AuthToken, Role, User
from .secret import Secret
from .validation import as_secret, check_flag
from .workers import Workers

if TYPE_CHECKING:
    import os

    import pandas as pd

    from .bulk.plan import Verb
    from .bulk.progress import ProgressOption
    from .core.client import Flow

#: Where a bulk call's results go: kept and returned (None), or a CSV path they stream to.
ResultsPath: TypeAlias = "str | os.PathLike[str] | None"
#: How a bulk call reads the app's users: 1,000 a page (the most), deactivated ones too.
APP: dict[str, Any] = {"per_page": 1000, "with_deactivated": True}

T = TypeVar("T")
Users = TypeVar("Users", Iterator[User], AsyncIterator[User])  # how a twin gives a listing


class Runner(Protocol):
    """Sends a flow's requests and returns its result (`Session`'s way of sending)."""

    def __call__(self, flow: Flow[T], /) -> T: ...


class AsyncRunner(Protocol):
    """`Runner`, awaited (`AsyncSession`'s way of sending)."""

    def __call__(self, flow: Flow[T], /) -> Awaitable[T]: ...


def items(run: Runner, pager: Pager[T]) -> Iterator[T]:
    """Every item of a listing, one page fetched (and held) at a time."""
    while (flow := pager.next()) is not None:
        yield from run(flow)


async def aitems(run: AsyncRunner, pager: Pager[T]) -> AsyncIterator[T]:
    """`items`, awaited: `async for item in aitems(...)`."""
    while (flow := pager.next()) is not None:
        for item in await run(flow):
            yield item


class _UserListing(Generic[Users]):
    """`list_users`, written once for both twins: each pages in its own way (`_users`)."""

    _flows: AdminFlows

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
    ) -> Users:
        """The app's users, newest first, fetched one page (`per_page` users) at a time and
        holding only that page: an iterator (on `AsyncAdmin`, `async for user in ...`)."""
        params = list_params(
            per_page, search_key, search_in, status, roles, tags,
            with_tags, with_deactivated, only_deactivated,
        )  # fmt: skip
        return self._users(self._flows.users(params))

    def _users(self, pager: Pager[User]) -> Users:
        """The listing's users, as this twin iterates them."""
        raise NotImplementedError


class Admin(_UserListing[Iterator[User]]):
    """REST API calls with the session's REST API key (`API_KEY_NOT_SET` without one).

    Made by a `Session`, which hands it the REST flows, the runner that sends them and,
    for bulk calls, its `Workers`.

    The bulk calls (`create_users`, `update_users`, `upsert_users`, `delete_users`)
    run the one bulk pipeline (`cometchat_nb.bulk`): they take a DataFrame (a `uid`
    column or index), records, a chunked reader, a CSV path or (`delete_users`) a list
    of uids, and return one row per input row, in input order: `uid` (as given),
    `name`, `result`, `changes` (the fields written, or to be), `error_code`,
    `error_message`. Numeric uids become strings; `tags` as `"a,b"` and `metadata` as
    JSON text are parsed; an unknown column raises `UnknownColumnError` naming it
    (`strict=False`: a warning). `dry_run=True` applies every check the run applies
    and sends no write. Every call but a create reads the app's users first (`GET
    /users`, 1,000 a page), so a rerun does only what is left. Up to `concurrency`
    requests are in flight, paced by the session's rate limiter; `results=` a CSV path
    streams the result rows there; Ctrl-C returns the rows so far.
    """

    def __init__(self, flows: AdminFlows, run: Runner, workers: Workers) -> None:
        self._flows = flows
        self._run = run
        self._workers = workers

    def create_users(
        self, frame_or_records: Any, *, exist_ok: bool = False, dry_run: bool = False,
        concurrency: int = 8, strict: bool = True, progress: ProgressOption = True,
        results: ResultsPath = None,
    ) -> pd.DataFrame:  # fmt: skip
        """Create users (`POST /users`): `created`, `exists` (with `exist_ok`) or `error`."""
        return self._bulk("create", frame_or_records, exist_ok=exist_ok, dry_run=dry_run,
                          strict=strict, concurrency=concurrency, progress=progress,
                          results=results)  # fmt: skip

    def update_users(
        self, frame_or_records: Any, *, dry_run: bool = False, concurrency: int = 8,
        strict: bool = True, progress: ProgressOption = True, results: ResultsPath = None,
    ) -> pd.DataFrame:  # fmt: skip
        """Update users, only the fields that differ (`PUT /users/{uid}`): `updated`,
        `unchanged` or `error` (`ERR_UID_NOT_FOUND`, `USER_DEACTIVATED`)."""
        return self._bulk("update", frame_or_records, dry_run=dry_run, strict=strict,
                          concurrency=concurrency, progress=progress, results=results)  # fmt: skip

    def upsert_users(
        self, frame_or_records: Any, *, reactivate: bool = False, dry_run: bool = False,
        concurrency: int = 8, strict: bool = True, progress: ProgressOption = True,
        results: ResultsPath = None,
    ) -> pd.DataFrame:  # fmt: skip
        """Create the missing users, update the changed, leave the unchanged alone and,
        with `reactivate=True`, bring back the deactivated (`PUT /users`): `created`,
        `updated`, `unchanged`, `reactivated` or `error`."""
        return self._bulk("upsert", frame_or_records, reactivate=reactivate, dry_run=dry_run,
                          strict=strict, concurrency=concurrency, progress=progress,
                          results=results)  # fmt: skip

    def delete_users(
        self, frame_or_uids: Any, *, permanent: bool = False, confirm: bool = False,
        dry_run: bool = False, concurrency: int = 8, progress: ProgressOption = True,
        results: ResultsPath = None,
    ) -> pd.DataFrame:  # fmt: skip
        """Deactivate users (`DELETE /users/{uid}`), or delete them and their tokens with
        `permanent=True`: `deactivated`, `deleted`, `unchanged` (already deactivated),
        `absent` or `error`. Needs `confirm=True` on every app, the emulator's too
        (`CONFIRMATION_REQUIRED` says what it would do); `dry_run=True` does not."""
        verb: Verb = "delete" if check_flag("permanent", permanent) else "deactivate"
        return self._bulk(verb, frame_or_uids, confirm=confirm, dry_run=dry_run,
                          concurrency=concurrency, progress=progress, results=results)  # fmt: skip

    def _bulk(self, verb: Verb, source: Any, **options: Any) -> pd.DataFrame:
        """Run a bulk call (see `bulk`); its plan reads the app with `list_users`."""
        from .bulk.drive import run
        from .bulk.job import Job

        job = Job(verb, source, self._flows, **options)
        return run(job, self._workers, partial(self.list_users, **APP) if job.reads_app else None)

    def create_user(
        self, user: User | Mapping[str, Any], exist_ok: bool = False, *,
        with_auth_token: bool = False,
    ) -> User:  # fmt: skip
        """Create a user (`POST /users`); fires `user_created`. `ERR_UID_ALREADY_EXISTS`.
        With `with_auth_token=True` the user carries a new auth token (`user.auth_token`)."""
        return self._run(self._flows.create_user(user, exist_ok, with_auth_token))

    def list_roles(self) -> list[Role]:
        """Every role of the app (`GET /roles`), `default` first."""
        return list(items(self._run, self._flows.roles()))

    def get_role(self, role: str) -> Role:
        """One role (`GET /roles/{role}`). `ERR_ROLE_NOT_FOUND`."""
        return self._run(self._flows.role_call("GET", role))

    def create_role(self, role: str, name: str, **details: Unpack[RoleDetails]) -> Role:
        """Create a role (`POST /roles`): its id (letters, digits, `-`, `_`), a name, and
        `description`, `metadata`, `settings`. `ERR_ROLE_ALREADY_EXISTS`, `ERR_BAD_REQUEST`."""
        return self._run(self._flows.role_call("POST", None, role_body(role, name, details)))

    def update_role(self, role: str, **changes: Unpack[RoleChanges]) -> Role:
        """Change a role's `name`, `description`, `metadata`, `settings`; `unset` removes
        `description`, `metadata` or `settings` (`PUT /roles/{role}`). `ERR_ROLE_NOT_FOUND`."""
        return self._run(self._flows.role_call("PUT", role, role_body(None, None, changes)))

    def delete_role(self, role: str) -> dict[str, Any]:
        """Delete a role (`DELETE /roles/{role}`; `default` cannot be). `ERR_ROLE_NOT_FOUND`."""
        return self._run(self._flows.delete_role(role))

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

    def users_frame(self, **filters: Any) -> pd.DataFrame:
        """The app's users as a DataFrame (see `frames`), every page fetched, its users
        added to the columns as they arrive; `filters` as `list_users`."""
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
        token = as_secret(token)  # masked in frames
        return self._run(self._flows.delete_auth_token(uid, token))

    def flush_auth_tokens(self, uid: str) -> dict[str, Any]:
        """Revoke every token of `uid`."""
        return self._run(self._flows.flush_auth_tokens(uid))

    def _users(self, pager: Pager[User]) -> Iterator[User]:
        return self._items(pager)

    def _items(self, pager: Pager[T]) -> Iterator[T]:
        return items(self._run, pager)


class AsyncAdmin(_UserListing[AsyncIterator[User]]):
    """The async twin of `Admin`."""

    def __init__(self, flows: AdminFlows, run: AsyncRunner, workers: Workers) -> None:
        self._flows = flows
        self._run = run
        self._workers = workers

    async def create_users(
        self, frame_or_records: Any, *, exist_ok: bool = False, dry_run: bool = False,
        concurrency: int = 8, strict: bool = True, progress: ProgressOption = True,
        results: ResultsPath = None,
    ) -> pd.DataFrame:  # fmt: skip
        """`Admin.create_users`, awaited: `concurrency` tasks on this event loop."""
        return await self._bulk("create", frame_or_records, exist_ok=exist_ok, dry_run=dry_run,
                                strict=strict, concurrency=concurrency, progress=progress,
                                results=results)  # fmt: skip

    async def update_users(
        self, frame_or_records: Any, *, dry_run: bool = False, concurrency: int = 8,
        strict: bool = True, progress: ProgressOption = True, results: ResultsPath = None,
    ) -> pd.DataFrame:  # fmt: skip
        """`Admin.update_users`, awaited."""
        return await self._bulk("update", frame_or_records, dry_run=dry_run, strict=strict,
                                concurrency=concurrency, progress=progress,
                                results=results)  # fmt: skip

    async def upsert_users(
        self, frame_or_records: Any, *, reactivate: bool = False, dry_run: bool = False,
        concurrency: int = 8, strict: bool = True, progress: ProgressOption = True,
        results: ResultsPath = None,
    ) -> pd.DataFrame:  # fmt: skip
        """`Admin.upsert_users`, awaited."""
        return await self._bulk("upsert", frame_or_records, reactivate=reactivate,
                                dry_run=dry_run, strict=strict, concurrency=concurrency,
                                progress=progress, results=results)  # fmt: skip

    async def delete_users(
        self, frame_or_uids: Any, *, permanent: bool = False, confirm: bool = False,
        dry_run: bool = False, concurrency: int = 8, progress: ProgressOption = True,
        results: ResultsPath = None,
    ) -> pd.DataFrame:  # fmt: skip
        """`Admin.delete_users`, awaited."""
        verb: Verb = "delete" if check_flag("permanent", permanent) else "deactivate"
        return await self._bulk(verb, frame_or_uids, confirm=confirm, dry_run=dry_run,
                                concurrency=concurrency, progress=progress,
                                results=results)  # fmt: skip

    async def _bulk(self, verb: Verb, source: Any, **options: Any) -> pd.DataFrame:
        """`Admin._bulk`, awaited."""
        from .bulk.drive import arun
        from .bulk.job import Job

        job = Job(verb, source, self._flows, **options)
        return await arun(
            job, self._workers, partial(self.list_users, **APP) if job.reads_app else None
        )

    async def create_user(
        self, user: User | Mapping[str, Any], exist_ok: bool = False, *,
        with_auth_token: bool = False,
    ) -> User:  # fmt: skip
        """`Admin.create_user`, awaited."""
        return await self._run(self._flows.create_user(user, exist_ok, with_auth_token))

    async def list_roles(self) -> list[Role]:
        """`Admin.list_roles`, awaited."""
        return [role async for role in aitems(self._run, self._flows.roles())]

    async def get_role(self, role: str) -> Role:
        """`Admin.get_role`, awaited."""
        return await self._run(self._flows.role_call("GET", role))

    async def create_role(self, role: str, name: str, **details: Unpack[RoleDetails]) -> Role:
        """`Admin.create_role`, awaited."""
        body = role_body(role, name, details)
        return await self._run(self._flows.role_call("POST", None, body))

    async def update_role(self, role: str, **changes: Unpack[RoleChanges]) -> Role:
        """`Admin.update_role`, awaited."""
        body = role_body(None, None, changes)
        return await self._run(self._flows.role_call("PUT", role, body))

    async def delete_role(self, role: str) -> dict[str, Any]:
        """`Admin.delete_role`, awaited."""
        return await self._run(self._flows.delete_role(role))

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

    async def users_frame(self, **filters: Any) -> pd.DataFrame:
        """`Admin.users_frame`, awaited."""
        from .frames import CHUNK, UserColumns

        columns, batch = UserColumns(), []
        async for user in self.list_users(**filters):
            batch.append(user)
            if len(batch) == CHUNK:
                columns.add(batch)
                batch = []
        columns.add(batch)
        return columns.frame()

    async def create_auth_token(self, uid: str, force: bool = True) -> AuthToken:
        """`Admin.create_auth_token`, awaited."""
        return await self._run(self._flows.create_auth_token(uid, force))

    async def list_auth_tokens(self, uid: str) -> list[AuthToken]:
        """`Admin.list_auth_tokens`, awaited."""
        return [token async for token in self._items(self._flows.auth_tokens(uid))]

    async def delete_auth_token(self, uid: str, token: str | Secret | AuthToken) -> dict[str, Any]:
        """`Admin.delete_auth_token`, awaited."""
        token = as_secret(token)
        return await self._run(self._flows.delete_auth_token(uid, token))

    async def flush_auth_tokens(self, uid: str) -> dict[str, Any]:
        """`Admin.flush_auth_tokens`, awaited."""
        return await self._run(self._flows.flush_auth_tokens(uid))

    def _users(self, pager: Pager[User]) -> AsyncIterator[User]:
        return self._items(pager)

    def _items(self, pager: Pager[T]) -> AsyncIterator[T]:
        return aitems(self._run, pager)
