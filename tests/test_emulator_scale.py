"""The emulator with many users: pages in order with no user twice, and bulk loading."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import httpx
import pytest

from cometchat_nb import Emulator, Session, User
from cometchat_nb.emulator import APP_ID

USERS = 12_000


def rest(emulator: Emulator) -> httpx.Client:
    return httpx.Client(
        transport=emulator.transport(),
        base_url="http://emulator.invalid/v3",
        headers={"appId": APP_ID, "apiKey": emulator.rest_api_key.reveal()},
    )


def all_pages(client: httpx.Client, per_page: int, **query: Any) -> tuple[list[str], list[dict]]:
    """Every uid a listing returns, page by page, and each page's pagination."""
    uids: list[str] = []
    paginations = []
    page = 1
    while True:
        body = client.get("/users", params={"perPage": per_page, "page": page, **query}).json()
        paginations.append(body["meta"]["pagination"])
        uids += [u["uid"] for u in body["data"]]
        if page >= body["meta"]["pagination"]["total_pages"]:
            return uids, paginations
        page += 1


@pytest.fixture(scope="module")
def crowded() -> Emulator:
    """Thousands of users made at three moments (ties in `createdAt`), some deactivated,
    one deleted and created again, one updated."""
    clock = [1_800_000_000]
    emulator = Emulator(clock=lambda: clock[0])
    for start, moment in zip(range(0, USERS, 4000), (0, 0, 100), strict=True):
        clock[0] = 1_800_000_000 + moment
        emulator.add_users(User(f"u{i:05d}", name=f"User {i}") for i in range(start, start + 4000))
    clock[0] = 1_800_000_400
    with rest(emulator) as client:
        gone = ["u00007", "u04000", "u11999", "cometchat-uid-3"]
        assert client.request("DELETE", "/users", json={"uidsToDeactivate": gone}).is_success
        assert client.request("DELETE", "/users/u00042", json={"permanent": True}).is_success
        assert client.post("/users", json={"uid": "u00042", "name": "Again"}).is_success
        clock[0] = 1_800_000_500
        assert client.put("/users/u00100", json={"name": "Renamed"}).is_success
    return emulator


def expected_order(emulator: Emulator) -> list[str]:
    """Newest first, ties: later created first (spec 4.2), from the users' own fields."""
    users = list(emulator.users.values())  # in creation order
    ranked = sorted(enumerate(users), key=lambda p: (p[1].created_at, p[0]), reverse=True)
    return [u.uid for _, u in ranked]


def test_pages_walk_every_active_user_once_newest_first(crowded: Emulator) -> None:
    order = expected_order(crowded)
    deactivated = {uid for uid, u in crowded.users.items() if u.deactivated_at}
    assert len(deactivated) == 4
    with rest(crowded) as client:
        uids, paginations = all_pages(client, 1000)
        assert uids == [uid for uid in order if uid not in deactivated]
        assert uids[0] == "u00042"  # created again, so the newest
        total = USERS + 5 - 4
        assert {p["total"] for p in paginations} == {total}
        assert [p["count"] for p in paginations] == [1000] * 12 + [total - 12_000]
        assert paginations[-1]["total_pages"] == 13

        with_deactivated, _ = all_pages(client, 999, withDeactivated="true")
        assert with_deactivated == order and len(set(with_deactivated)) == len(order)
        only, _ = all_pages(client, 3, onlyDeactivated="true")
        assert only == [uid for uid in order if uid in deactivated]

        beyond = client.get("/users", params={"perPage": 100, "page": 1000}).json()
        assert beyond["data"] == [] and beyond["meta"]["pagination"]["total"] == total


def test_odd_page_sizes_tile_the_listing(crowded: Emulator) -> None:
    with rest(crowded) as client:
        whole, _ = all_pages(client, 1000)
        for per_page in (1, 7, 333):
            first_pages = []
            for page in range(1, 4):
                query = {"perPage": per_page, "page": page}
                first_pages += [u["uid"] for u in client.get("/users", params=query).json()["data"]]
            assert first_pages == whole[: 3 * per_page]
        middle = client.get("/users", params={"perPage": 7, "page": 1000}).json()["data"]
        assert [u["uid"] for u in middle] == whole[6993:7000]


def test_the_cursor_is_the_latest_change(crowded: Emulator) -> None:
    with rest(crowded) as client:
        meta = client.get("/users", params={"perPage": 1}).json()["meta"]
        assert meta["cursor"] == {"updatedAt": 1_800_000_500, "affix": "prepend"}
        only = client.get("/users", params={"onlyDeactivated": "1"}).json()["meta"]
        assert only["cursor"]["updatedAt"] == 1_800_000_100  # deactivating is no update


def test_filters_still_see_every_user(crowded: Emulator) -> None:
    with rest(crowded) as client:
        found, paginations = all_pages(client, 50, searchKey="u0010", searchIn="uid")
        assert found == [f"u{i:05d}" for i in range(109, 99, -1)]
        assert paginations[0]["total"] == 10
        renamed = client.get("/users", params={"searchKey": "renamed", "searchIn": "name"}).json()
        assert [u["uid"] for u in renamed["data"]] == ["u00100"]


def test_a_reopened_data_file_lists_in_the_same_order(tmp_path: Path) -> None:
    path = tmp_path / "emulator.db"
    first = Emulator(data=path, clock=lambda: 1_800_000_000)
    first.add_users(User(f"p{i:03d}", name="P") for i in range(300))
    with rest(first) as client:
        before, _ = all_pages(client, 40, withDeactivated="true")
        client.request("DELETE", "/users", json={"uidsToDeactivate": ["p010", "p299"]})
        active, _ = all_pages(client, 40)
    first.close()
    second = Emulator(data=path)
    with rest(second) as client:
        assert all_pages(client, 40, withDeactivated="true")[0] == before
        assert all_pages(client, 40)[0] == active
    second.close()


def test_add_users_checks_every_user_before_adding_any(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="already exists"):
        emulator.add_users([User("fresh", name="F"), User("Cometchat-UID-1", name="Taken")])
    with pytest.raises(ValueError, match="uid"):
        emulator.add_users([User("no spaces allowed", name="X")])
    assert len(emulator.users) == 5
    emulator.add_users([User("Fresh", name="F", role="default", tags=["a"])])
    with Session(emulator=emulator) as session:
        fresh = session.get_user("fresh")
    assert (fresh.name, fresh.role, fresh.tags, fresh.status) == ("F", "default", ["a"], "offline")
    assert len(emulator.requests) == 1  # adding sent nothing
    with pytest.raises(ValueError, match="role"):
        emulator.add_users([User("guest", name="G", role="nobody")])
    with pytest.raises(ValueError, match="quota"):
        Emulator(user_quota=6).add_users(User(f"q{i}", name="Q") for i in range(2))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pages_match_a_plain_sort_after_any_changes(seed: int) -> None:
    """Creates (with a clock that also goes back), updates, deactivations, reactivations
    and deletions in random order: every listing still equals sorting every user."""
    rng = random.Random(seed)
    clock = [1_800_000_000]
    emulator = Emulator(clock=lambda: clock[0])
    uids = [f"r{i:03d}" for i in range(60)]
    with rest(emulator) as client:
        for _ in range(400):
            clock[0] += rng.choice([-3, 0, 0, 1, 5])
            uid = rng.choice(uids)
            action = rng.choice(["create", "create", "update", "off", "on", "delete"])
            if action == "create":
                client.post("/users", json={"uid": uid, "name": uid})
            elif action == "update":
                client.put(f"/users/{uid}", json={"name": "changed"})
            elif action == "off":
                client.request("DELETE", "/users", json={"uidsToDeactivate": [uid]})
            elif action == "on":
                client.put("/users", json={"uidsToActivate": [uid]})
            else:
                client.request("DELETE", f"/users/{uid}", json={"permanent": True})
            if rng.random() < 0.2:
                check_listings(client, emulator, per_page=rng.choice([1, 7, 100]))
        check_listings(client, emulator, per_page=7)


def check_listings(client: httpx.Client, emulator: Emulator, per_page: int) -> None:
    """Each listing mode against a plain sort of every user, and its cursor."""
    order = expected_order(emulator)
    users = emulator.users
    off = {uid for uid, u in users.items() if u.deactivated_at}
    for query, wanted in (
        ({}, [u for u in order if u not in off]),
        ({"withDeactivated": "true"}, order),
        ({"onlyDeactivated": "true"}, [u for u in order if u in off]),
    ):
        listed, paginations = all_pages(client, per_page, **query)
        assert listed == wanted
        assert paginations[0]["total"] == len(wanted)
        stamps = [
            int((users[uid].updated_at or users[uid].created_at).timestamp())  # type: ignore[union-attr]
            for uid in wanted
        ]
        meta = client.get("/users", params=query).json()["meta"]
        assert meta.get("cursor", {}).get("updatedAt") == max(stamps, default=None)
