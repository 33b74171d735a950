"""`session.admin` (REST API key) and its async twin, against a served emulator over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from cometchat_nb import (
    AlreadyExistsError,
    AsyncSession,
    AuthenticationError,
    CometChatException,
    Emulator,
    InvalidInputError,
    NotFoundError,
    Session,
    User,
)
from cometchat_nb.emulator import REST_API_KEY
from cometchat_nb.emulator.server import Server


@pytest.fixture
def admin_session(server: Server) -> Iterator[Session]:
    with Session(emulator=server) as session:
        yield session


@pytest.fixture
async def async_admin_session(server: Server) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(emulator=server) as session:
        yield session


def rest_paths(emulator: Emulator) -> list[str]:
    return [f"{r.method} {r.url.raw_path.decode()}" for r in emulator.requests]


# -- users -------------------------------------------------------------------------


def test_users_crud(admin_session: Session, emulator: Emulator) -> None:
    admin = admin_session.admin
    created = admin.create_user(User("Carol", "Carol", tags=["a"], metadata={"k": 1}))
    assert created.uid == "carol" and created.tags == ["a"]
    assert admin_session.created_users == [created]
    with pytest.raises(AlreadyExistsError) as exists:
        admin.create_user(User("carol", "Again"))
    assert exists.value.code == "ERR_UID_ALREADY_EXISTS" and exists.value.http_status == 400
    assert admin.create_user(User("carol", "Again"), exist_ok=True).name == "Carol"

    assert admin.get_user("CAROL").metadata == {"k": 1}
    updated = admin.update_user(
        "carol", {"name": "Carol B", "link": "https://c.test"}, unset=["metadata"]
    )
    assert updated.name == "Carol B" and updated.link == "https://c.test"
    assert updated.metadata is None and updated.updated_at is not None
    with pytest.raises(InvalidInputError) as invalid:
        admin.update_user("carol", {"avatar": "not a url"})
    assert invalid.value.details == {"avatar": ["The avatar must be a valid URL."]}

    assert admin.delete_user("carol") == {"deactivatedUids": ["carol"]}
    with pytest.raises(NotFoundError):
        admin.get_user("carol")
    assert admin.reactivate_users(["carol", "cometchat-uid-1", "Ghost"]) == {
        "reactivatedUids": ["carol"],
        "nonDeactivatedUids": ["cometchat-uid-1"],
        "notFound": ["Ghost"],
    }
    assert admin.deactivate_users(["carol", "Ghost"]) == {
        "deactivatedUids": ["carol"],
        "notFound": ["Ghost"],
    }
    assert admin.deactivate_users(["carol"]) == {"alreadyDeactivatedUids": ["carol"]}
    assert admin.delete_user("cometchat-uid-5", permanent=True) == {
        "success": True,
        "message": "User with UID cometchat-uid-5 has been deleted successfully.",
    }
    with pytest.raises(NotFoundError) as missing:
        admin.delete_user("cometchat-uid-5")
    assert missing.value.code == "ERR_UID_NOT_FOUND"
    assert all(p.split()[1].startswith("/v3/") for p in rest_paths(emulator))
    assert {r.headers["apikey"] for r in emulator.requests} == {REST_API_KEY}


def test_list_users_one_page_at_a_time(admin_session: Session, emulator: Emulator) -> None:
    admin = admin_session.admin
    for i in range(7):
        admin.create_user(User(f"page-{i}", f"Page {i}", tags=["even" if i % 2 else "odd"]))
    before = len(emulator.requests)
    users = admin.list_users(per_page=5)
    assert len(emulator.requests) == before  # nothing fetched until iterated
    first = next(users)
    assert first.uid == "page-6" and len(emulator.requests) == before + 1
    rest = list(users)
    assert len(emulator.requests) == before + 3  # 12 users: pages of 5, 5, 2
    assert [u.uid for u in [first, *rest]][:7] == [f"page-{i}" for i in range(6, -1, -1)]
    assert len(rest) == 11

    assert [u.uid for u in admin.list_users(search_key="PAGE-1")] == ["page-1"]
    assert {u.uid for u in admin.list_users(tags=["even"])} == {"page-1", "page-3", "page-5"}
    assert all(u.tags for u in admin.list_users(tags=["odd"]))
    assert [u.tags for u in admin.list_users(search_key="page-0", with_tags=False)] == [None]
    admin.delete_user("page-0")
    assert [u.uid for u in admin.list_users(only_deactivated=True)] == ["page-0"]
    assert "page-0" not in {u.uid for u in admin.list_users()}
    assert "page-0" in {u.uid for u in admin.list_users(with_deactivated=True)}
    assert list(admin.list_users(status="available")) == []
    admin_session.login("page-2")
    assert [u.uid for u in admin.list_users(status="available")] == ["page-2"]
    assert [u.uid for u in admin.list_users(roles=["default"], search_key="page-3")] == ["page-3"]
    with pytest.raises(CometChatException):
        admin.list_users(per_page=0)


def test_auth_tokens(admin_session: Session) -> None:
    admin = admin_session.admin
    first = admin.create_auth_token("cometchat-uid-1")
    second = admin.create_auth_token("cometchat-uid-1", force=False)
    assert first.uid == "cometchat-uid-1" and first.auth_token != second.auth_token
    assert first.auth_token.reveal() not in repr(first)
    assert [t.auth_token for t in admin.list_auth_tokens("cometchat-uid-1")] == [
        second.auth_token,
        first.auth_token,
    ]
    user = admin_session.login(auth_token=first)
    assert user.uid == "cometchat-uid-1"
    assert admin.delete_auth_token("cometchat-uid-1", first) == {
        "success": True,
        "message": "Auth token deleted successfully.",
    }
    with pytest.raises(NotFoundError) as gone:
        admin.delete_auth_token("cometchat-uid-1", first.auth_token.reveal())
    assert gone.value.code == "ERR_AUTH_TOKEN_NOT_FOUND"
    # The deleted token was the session's: the next client call logs it out.
    with pytest.raises(AuthenticationError):
        admin_session.update_current_user_details({"name": "Nope"})
    assert admin_session.get_logged_in_user() is None
    assert admin.flush_auth_tokens("cometchat-uid-1") == {
        "success": True,
        "message": "Cleared Auth Tokens successfully for uid cometchat-uid-1.",
    }
    assert admin.list_auth_tokens("cometchat-uid-1") == []
    with pytest.raises(NotFoundError):
        admin.create_auth_token("ghost")


def test_a_wrong_rest_api_key_is_refused_and_never_shown(server: Server) -> None:
    with Session(emulator=server, rest_api_key="wrong-rest-key-0123456789") as session:
        with pytest.raises(AuthenticationError) as refused:
            session.admin.get_user("cometchat-uid-1")
        with pytest.raises(AuthenticationError):
            next(session.admin.list_users())
    assert refused.value.code == "AUTH_ERR_APIKEY_NOT_FOUND"
    shown = f"{refused.value!s} {refused.value!r} {refused.value.message}"
    assert "wrong-rest-key-0123456789" not in shown


# -- the async twin ------------------------------------------------------------------


async def test_async_users(async_admin_session: AsyncSession) -> None:
    admin = async_admin_session.admin
    created = await admin.create_user(User("dave", "Dave"))
    assert created.uid == "dave"
    with pytest.raises(AlreadyExistsError):
        await admin.create_user(User("dave", "Dave"))
    assert (await admin.create_user({"uid": "dave", "name": "X"}, exist_ok=True)).name == "Dave"
    assert (await admin.get_user("dave")).name == "Dave"
    updated = await admin.update_user("dave", {"status_message": "hi"})
    assert updated.status_message == "hi"
    assert await admin.delete_user("dave") == {"deactivatedUids": ["dave"]}
    assert await admin.reactivate_users(["dave"]) == {"reactivatedUids": ["dave"]}
    assert await admin.deactivate_users(["dave"]) == {"deactivatedUids": ["dave"]}
    result = await admin.delete_user("cometchat-uid-4", permanent=True)
    assert result["success"] is True
    with pytest.raises(NotFoundError):
        await admin.get_user("cometchat-uid-4")


async def test_async_list_users_pages(
    async_admin_session: AsyncSession, emulator: Emulator
) -> None:
    admin = async_admin_session.admin
    before = len(emulator.requests)
    uids = [user.uid async for user in admin.list_users(per_page=2)]
    assert uids == [f"cometchat-uid-{i}" for i in range(5, 0, -1)]
    assert len(emulator.requests) == before + 3
    found = [u.uid async for u in admin.list_users(search_key="cometchat-uid-3")]
    assert found == ["cometchat-uid-3"]


async def test_async_auth_tokens(async_admin_session: AsyncSession) -> None:
    admin = async_admin_session.admin
    token = await admin.create_auth_token("cometchat-uid-2")
    assert [t.auth_token for t in await admin.list_auth_tokens("cometchat-uid-2")] == [
        token.auth_token
    ]
    assert (await async_admin_session.login(auth_token=token)).uid == "cometchat-uid-2"
    assert (await admin.delete_auth_token("cometchat-uid-2", token.auth_token))["success"]
    await admin.create_auth_token("cometchat-uid-2")
    assert (await admin.flush_auth_tokens("cometchat-uid-2"))["success"]
    assert await admin.list_auth_tokens("cometchat-uid-2") == []
    with pytest.raises(NotFoundError):
        await admin.flush_auth_tokens("ghost")
