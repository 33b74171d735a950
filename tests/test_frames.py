"""DataFrames of users and events: typed columns, the same dtypes when empty, no secrets."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from cometchat_nb import AsyncSession, Emulator, NotFoundError, Session, User
from cometchat_nb.emulator import AUTH_KEY, REST_API_KEY
from cometchat_nb.frames import EVENT_COLUMNS, USER_COLUMNS, events_frame, users_frame


def dtype_names(frame: pd.DataFrame) -> dict[str, str]:
    return {column: str(dtype) for column, dtype in frame.dtypes.items()}


EXPECTED = {
    "name": "string",
    "role": "category",
    "status": "category",
    "status_message": "string",
    "avatar": "string",
    "link": "string",
    "tags": "object",
    "metadata": "object",
    "created_at": "datetime64[ns, UTC]",
    "updated_at": "datetime64[ns, UTC]",
    "last_active_at": "datetime64[ns, UTC]",
    "deactivated_at": "datetime64[ns, UTC]",
}


def test_created_users_frame_is_typed(session: Session) -> None:
    session.create_user(
        User(
            "alice",
            "Alice",
            tags=["a", "b"],
            metadata={"team": "x"},
            role="default",
            link="https://a.test",
        )
    )
    session.create_user(User("bob", "Bob"))
    frame = session.created_users_frame()
    assert list(frame.index) == ["alice", "bob"]
    assert frame.index.name == "uid"
    assert dtype_names(frame) == EXPECTED
    assert frame.loc["alice", "tags"] == ["a", "b"]
    assert frame.loc["alice", "metadata"] == {"team": "x"}
    assert frame.loc["bob", "tags"] == [] and frame.loc["bob", "metadata"] == {}
    created = frame.loc["alice", "created_at"]
    assert isinstance(created, pd.Timestamp) and str(created.tz) == "UTC"
    assert pd.isna(frame.loc["alice", "deactivated_at"])
    assert list(frame["status"].cat.categories) == ["offline", "online"]
    assert frame.loc["alice", "link"] == "https://a.test"
    assert pd.isna(frame.loc["bob", "link"])


def test_empty_frames_keep_the_dtypes(session: Session) -> None:
    empty = session.created_users_frame()
    assert empty.empty
    assert dtype_names(empty) == EXPECTED
    assert empty.index.name == "uid"
    assert list(empty.columns) == list(USER_COLUMNS)
    events = events_frame([])
    assert dtype_names(events) == {
        "time": "datetime64[ns, UTC]",
        "kind": "category",
        "name": "category",
        "detail": "string",
    }
    assert list(events.columns) == list(EVENT_COLUMNS)


def test_admin_users_frame_pages_through_the_api(session: Session, emulator: Emulator) -> None:
    for i in range(7):
        session.admin.create_user(User(f"paged-{i}", f"Paged {i}", tags=["paged"]))
    before = len(emulator.requests)
    frame = session.admin.users_frame(per_page=3)
    assert len(emulator.requests) - before == 4  # 12 users, 3 per page
    assert len(frame) == 12
    assert set(frame.index) >= {f"paged-{i}" for i in range(7)} | {"cometchat-uid-1"}
    assert dtype_names(frame) == EXPECTED
    assert frame.loc["paged-3", "tags"] == ["paged"]
    filtered = session.admin.users_frame(tags=["paged"], per_page=2)
    assert sorted(filtered.index) == sorted(f"paged-{i}" for i in range(7))
    nothing = session.admin.users_frame(search_key="no-such-user")
    assert nothing.empty and dtype_names(nothing) == EXPECTED


def test_admin_users_frame_shows_online_users(session: Session) -> None:
    session.login("cometchat-uid-3")
    frame = session.admin.users_frame()
    assert frame.loc["cometchat-uid-3", "status"] == "online"
    assert frame.loc["cometchat-uid-1", "status"] == "offline"
    assert pd.notna(frame.loc["cometchat-uid-3", "last_active_at"])


async def test_async_frames(async_session: AsyncSession) -> None:
    await async_session.create_user(User("carol", "Carol"))
    frame = await async_session.admin.users_frame(per_page=2)
    assert "carol" in frame.index and len(frame) == 6
    assert dtype_names(frame) == EXPECTED
    mine = async_session.created_users_frame()
    assert list(mine.index) == ["carol"]


def test_frames_never_hold_a_secret(session: Session) -> None:
    user = session.login("cometchat-uid-1")
    token = session.admin.create_auth_token("cometchat-uid-2")
    session.create_user(User("dave", "Dave"))
    assert user.auth_token is not None
    frames = [
        session.created_users_frame(),
        session.admin.users_frame(),
        users_frame([user]),
        events_frame(session.listeners.recent),
    ]
    for frame in frames:
        text = frame.to_csv() + frame.to_html() + repr(frame.to_dict())
        for secret in (AUTH_KEY, REST_API_KEY, user.auth_token.reveal(), token.auth_token.reveal()):
            assert secret not in text
    assert "auth_token" not in users_frame([user]).columns


def test_events_frame_lists_events_in_order(session: Session) -> None:
    session.login("cometchat-uid-1")
    session.logout()
    with pytest.raises(NotFoundError):
        session.login("nobody")
    frame = events_frame(session.listeners.recent)
    assert list(frame["name"]) == ["login_success", "logout_success", "login_failure"]
    assert list(frame["kind"]) == ["login", "logout", "login"]
    assert frame["detail"].iloc[0] == "cometchat-uid-1"
    assert frame["detail"].iloc[2].startswith("ERR_UID_NOT_FOUND: ")
    assert frame["time"].is_monotonic_increasing


def record_by_record(users: list[User]) -> pd.DataFrame:
    """How frames were built before they were built column-wise: the reference."""
    from cometchat_nb.frames import _metadata

    records = [
        {
            "name": u.name,
            "role": u.role,
            "status": u.status,
            "status_message": u.status_message,
            "avatar": u.avatar,
            "link": u.link,
            "tags": list(u.tags) if u.tags is not None else [],
            "metadata": _metadata(u.metadata),
            "created_at": u.created_at,
            "updated_at": u.updated_at,
            "last_active_at": u.last_active_at,
            "deactivated_at": u.deactivated_at,
        }
        for u in users
    ]
    frame = pd.DataFrame(
        {
            name: pd.Series([r[name] for r in records], dtype=object).astype(dtype)
            for name, dtype in USER_COLUMNS.items()
        }
    )
    frame.index = pd.Index([u.uid for u in users], dtype="string", name="uid")
    return frame


class SubUser(User):
    pass


ODD_USERS = {
    "odd values": [
        User("plain"),
        User("b", 123, role=5, status="weird", tags=("x", 1), metadata="raw"),  # type: ignore[arg-type]
        User(
            "c",
            created_at=datetime(2024, 1, 1, tzinfo=UTC),
            updated_at=datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
        ),
        User(
            "d", "", tags=[], metadata={}, avatar="http://x", status_message="hi", status="online"
        ),
        User(
            "e", float("nan"), metadata={"a": [1]}, last_active_at=datetime(2030, 1, 1, tzinfo=UTC)
        ),  # type: ignore[arg-type]
    ],
    "a subclass": [User("u", "U"), SubUser("s", "S")],
    "another zone": [
        User("z", created_at=datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2))))
    ],
    "naive times": [User("n", created_at=datetime(2024, 1, 1))],
    "none": [],
}


@pytest.mark.filterwarnings("ignore:Constructing a Categorical")  # status "weird": NaN, both ways
@pytest.mark.parametrize("users", ODD_USERS.values(), ids=list(ODD_USERS))
def test_column_wise_frames_equal_record_by_record_ones(users: list[User]) -> None:
    frame = users_frame(users)
    pd.testing.assert_frame_equal(frame, record_by_record(users))
    assert dtype_names(frame) == EXPECTED


def test_a_frame_owns_its_lists_and_dicts_and_leaves_the_collector_on() -> None:
    tags, metadata = ["a"], {"k": 1}
    user = User("own", tags=tags, metadata=metadata)
    frame = users_frame([user, User("other")])
    assert frame.loc["own", "tags"] == tags and frame.loc["own", "tags"] is not tags
    assert frame.loc["own", "metadata"] == metadata and frame.loc["own", "metadata"] is not metadata
    assert frame.loc["other", "tags"] is not users_frame([User("x")]).loc["x", "tags"]
    assert gc.isenabled()
    gc.disable()
    try:
        users_frame([user])
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


async def test_users_frame_is_built_a_page_at_a_time_alike_in_both_twins(
    emulator: Emulator,
) -> None:
    emulator.add_users(
        User(f"page-{i:04d}", name=f"P {i}", tags=["t"] if i % 2 else None) for i in range(2500)
    )
    with Session(emulator=emulator) as session:
        users = session.admin.list_users(per_page=1000)
        next(users)
        assert session.wire.recorded == 1  # the first page only, until it is used up
        frame = session.admin.users_frame(per_page=1000, with_deactivated=True)
        assert session.wire.recorded == 4 and len(frame) == 2505
        whole = users_frame(list(session.admin.list_users(per_page=1000)))
    pd.testing.assert_frame_equal(frame, whole)
    assert dtype_names(frame) == EXPECTED and frame.loc["page-0001", "tags"] == ["t"]
    async with AsyncSession(emulator=emulator) as twin:
        pd.testing.assert_frame_equal(await twin.admin.users_frame(per_page=1000), frame)
