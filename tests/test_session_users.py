"""The SDK's user management on the session, and roles on `session.admin`: in-process,
both twins, local checks before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

from cometchat_nb import (
    AlreadyExistsError,
    AsyncSession,
    CometChatException,
    Emulator,
    NotFoundError,
    Session,
    User,
)


async def settle(value: Any) -> Any:
    return await value if hasattr(value, "__await__") else value


async def listed(users: Any) -> list[str]:
    if hasattr(users, "__aiter__"):
        return [u.uid async for u in users]
    return [u.uid for u in users]


@pytest.fixture(params=[Session, AsyncSession], ids=["sync", "async"])
def twin(request: pytest.FixtureRequest, emulator: Emulator) -> Session | AsyncSession:
    session: Session | AsyncSession = request.param(emulator=emulator)
    return session


async def test_list_users_with_filters_and_blocking(twin: Session | AsyncSession) -> None:
    await settle(twin.login("cometchat-uid-1"))
    # online first, then by name: Andrew (1), George (2), John Paul (5), Nancy (3), Susan (4)
    everyone = ["cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-5", "cometchat-uid-3",
                "cometchat-uid-4"]  # fmt: skip
    assert await listed(twin.list_users(per_page=2)) == everyone
    assert await listed(twin.list_users(status="online")) == ["cometchat-uid-1"]
    found = twin.list_users(
        sort_by="name", sort_order="desc", uids=["cometchat-uid-2", "cometchat-uid-3"]
    )
    assert await listed(found) == ["cometchat-uid-3", "cometchat-uid-2"]
    answer = await settle(twin.block_users(["cometchat-uid-2"]))
    assert answer["cometchat-uid-2"]["success"] is True
    assert await listed(twin.list_blocked_users(direction="blocked_by_me")) == ["cometchat-uid-2"]
    assert await listed(twin.list_blocked_users(direction="has_blocked_me")) == []
    assert "cometchat-uid-2" not in await listed(twin.list_users(hide_blocked_users=True))
    user = await settle(twin.get_user("cometchat-uid-2"))
    assert user.blocked_by_me is True and user.has_blocked_me is False
    frame = await settle(twin.users_frame(uids=["cometchat-uid-2"]))
    assert list(frame.index) == ["cometchat-uid-2"] and frame["name"].iloc[0] == "George Alan"
    await settle(twin.unblock_users(["cometchat-uid-2"]))
    assert await listed(twin.list_blocked_users()) == []


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda s: s.list_users(per_page=101), "ERROR_SET_LIMIT_EXCEEDED"),
        (lambda s: s.list_users(per_page=0), "INVALID_SET_LIMIT"),
        (lambda s: s.list_users(status="away"), "INVALID_STATUS_VALUE"),
        (lambda s: s.list_users(sort_by="age"), "INVALID_SORT_BY"),
        (lambda s: s.list_users(sort_order="up"), "INVALID_SORT_BY_ORDER"),
        (lambda s: s.list_users(search_in=["email"]), "INVALID_SEARCH_IN"),
        (lambda s: s.list_blocked_users(direction="sideways"), "INVALID_DIRECTION_VALUE"),
        (lambda s: s.block_users([]), "EMPTY_USERS_LIST"),
        (lambda s: s.unblock_users("cometchat-uid-2"), "INVALID_USER_LIST"),
    ],
)
async def test_local_checks_send_nothing(
    twin: Session | AsyncSession, emulator: Emulator, call: Any, code: str
) -> None:
    await settle(twin.login("cometchat-uid-1"))
    sent = len(emulator.requests)
    with pytest.raises(CometChatException) as caught:
        await settle(call(twin))
    assert caught.value.code == code and len(emulator.requests) == sent


async def test_not_logged_in_and_unknown_filters(twin: Session | AsyncSession) -> None:
    with pytest.raises(CometChatException) as caught:
        twin.list_users()
    assert caught.value.code == "USER_NOT_LOGED_IN"
    with pytest.raises(CometChatException):
        await settle(twin.block_users(["cometchat-uid-2"]))
    with pytest.raises(TypeError, match="colour"):
        twin.list_users(colour="blue")  # type: ignore[call-arg]


async def test_roles_and_a_user_with_its_token(twin: Session | AsyncSession) -> None:
    admin = twin.admin
    made = await settle(admin.create_role("mod", "Moderator", metadata={"level": 2}))
    assert (made.role, made.name, made.metadata) == ("mod", "Moderator", {"level": 2})
    with pytest.raises(AlreadyExistsError):
        await settle(admin.create_role("mod", "Again"))
    changed = await settle(admin.update_role("mod", description="Keeps order", unset=["metadata"]))
    assert changed.description == "Keeps order" and changed.metadata is None
    assert [r.role for r in await settle(admin.list_roles())] == ["default", "mod"]
    user = await settle(
        admin.create_user(User("kim", name="Kim", role="mod"), with_auth_token=True)
    )
    assert user.role == "mod" and user.auth_token is not None
    assert "kim" in repr(user) and user.auth_token.reveal() not in repr(user)
    logged = await settle(twin.login(auth_token=user.auth_token))
    assert logged.uid == "kim"
    again = await settle(admin.create_user(User("kim", name="Kim"), True, with_auth_token=True))
    assert again.auth_token is not None and again.auth_token != user.auth_token
    await settle(admin.delete_role("mod"))
    with pytest.raises(NotFoundError):
        await settle(admin.get_role("mod"))
    with pytest.raises(TypeError, match="colour"):
        await settle(admin.create_role("x", "X", colour="red"))  # type: ignore[call-arg]


async def test_a_tag_with_a_comma_stays_one_tag(twin: Session | AsyncSession) -> None:
    admin = twin.admin
    await settle(admin.create_user(User("t1", name="T1", tags=["a,b", "c d"])))
    await settle(admin.create_user(User("t2", name="T2", tags=["a"])))
    await settle(twin.login("t1"))
    assert await listed(twin.list_users(tags=["a,b"])) == ["t1"]
    assert await listed(twin.list_users(tags=["a", "c d"])) == ["t1", "t2"]
    assert await listed(admin.list_users(tags=["a,b"])) == ["t1"]
