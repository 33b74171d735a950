"""The emulator's users list as the SDK sends it, blocking, friends and roles (sdk-users §1-3).

In-process, over the emulator's own transport; the served side is the conformance scenario.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from cometchat_nb import Emulator
from cometchat_nb.emulator import APP_ID, AUTH_KEY, REST_API_KEY

REST = {"appId": APP_ID, "apiKey": REST_API_KEY}


@pytest.fixture
def http(emulator: Emulator) -> httpx.Client:
    with httpx.Client(transport=emulator.transport(), base_url="http://emulator.invalid/v3") as c:
        yield c


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    return error


def people(http: httpx.Client) -> dict[str, str]:
    """Users a..e plus `me`, logged in; the headers of `me`'s token and of `b`'s."""
    ok(http.post("/roles", headers=REST, json={"role": "mod", "name": "Moderator"}))
    for uid, name, role, tags in (
        ("a", "Zed", "default", ["red"]),
        ("b", "Yan", "default", ["red", "blue"]),
        ("c", "Xu", "mod", []),
        ("d", "Wu", "mod", []),
        ("e", "Vi", "default", ["blue"]),
        ("me", "Me", "default", []),
    ):
        body: dict[str, Any] = {"uid": uid, "name": name, "role": role}
        ok(http.post("/users", headers=REST, json={**body, **({"tags": tags} if tags else {})}))
    headers = {}
    for uid in ("me", "b"):
        token = ok(http.post(f"/users/{uid}/auth_tokens", headers=REST))["authToken"]
        headers[uid] = token
        ok(http.put("/me", headers={"appId": APP_ID, "authToken": token}, json={"platform": "x"}))
    return headers


def as_user(token: str) -> dict[str, str]:
    return {"appId": APP_ID, "authToken": token}


def uids(http: httpx.Client, query: str, token: str) -> list[str]:
    return [u["uid"] for u in ok(http.get(f"/users?{query}", headers=as_user(token)))]


def test_the_users_list_as_the_sdk_sends_it(emulator: Emulator, http: httpx.Client) -> None:
    tokens = people(http)
    me = tokens["me"]
    mine = "searchKey=&uids=a,b,c,d,e,me"
    # per_page (the SDK's) pages; the client route's default order: online first, then name
    page = http.get("/users?per_page=2&uids=a,b,c,d,e,me&page=3", headers=as_user(me)).json()
    assert [u["uid"] for u in page["data"]] == ["c", "a"]
    assert page["meta"]["pagination"]["per_page"] == 2
    assert uids(http, f"{mine}&per_page=2&page=4", me) == []
    assert uids(http, mine, me) == ["me", "b", "e", "d", "c", "a"]
    assert uids(http, f"{mine}&sortBy=name&sortOrder=desc", me) == ["a", "b", "c", "d", "e", "me"]
    assert uids(http, f"{mine}&status=available", me) == ["me", "b"]
    assert uids(http, f"{mine}&status=OFFLINE", me) == ["e", "d", "c", "a"]
    assert uids(http, "roles=mod", me) == ["d", "c"]
    tagged = ok(http.get(f"/users?{mine}&tags=red&withTags=1", headers=as_user(me)))
    assert [(u["uid"], u["tags"]) for u in tagged] == [("b", ["red", "blue"]), ("a", ["red"])]
    assert uids(http, "searchKey=zed&searchIn=name", me) == ["a"]
    assert uids(http, "searchKey=zed&searchIn=uid", me) == []
    # the REST default stays newest first
    rest = ok(http.get("/users?uids=a,b,c&perPage=5", headers=REST))
    assert [u["uid"] for u in rest] == ["c", "b", "a"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=blue", "colour"),
        ("status=away", "status"),
        ("sortBy=createdAt", "sortBy"),
        ("sortBy=name&sortOrder=up", "sortOrder"),
        ("searchIn=email", "searchIn"),
        ("friendsOnly=yes", "friendsOnly"),
        ("per_page=0", "per_page"),
        ("uids=" + ",".join(f"u{i}" for i in range(26)), "uids"),
    ],
)
def test_unknown_or_malformed_parameters_are_refused(
    http: httpx.Client, query: str, field: str
) -> None:
    token = ok(http.post("/users/cometchat-uid-1/auth_tokens", headers=REST))["authToken"]
    error = refused(http.get(f"/users?{query}", headers=as_user(token)), 400, "ERR_BAD_REQUEST")
    assert list(error["details"]) == [field]


@pytest.mark.parametrize(
    "path", ["/users/cometchat-uid-1/auth_tokens", "/roles", "/users/cometchat-uid-1/friends"]
)
def test_every_list_route_refuses_unknown_parameters(http: httpx.Client, path: str) -> None:
    error = refused(http.get(f"{path}?perPage=5&colour=red", headers=REST), 400, "ERR_BAD_REQUEST")
    assert list(error["details"]) == ["colour"]
    assert ok(http.get(f"{path}?per_page=5&page=1", headers=REST)) is not None


def test_friends_only_needs_a_user_and_lists_friends(http: httpx.Client) -> None:
    me = people(http)["me"]
    added = ok(
        http.post("/users/me/friends", headers=REST, json={"accepted": ["a", "E", "nobody"]})
    )
    assert added["accepted"]["a"]["success"] and added["accepted"]["e"]["success"]
    assert added["accepted"]["nobody"]["success"] is False
    assert uids(http, "friendsOnly=1", me) == ["e", "a"]
    assert [u["uid"] for u in ok(http.get("/users/a/friends", headers=REST))] == ["me"]
    error = refused(http.get("/users?friendsOnly=1", headers=REST), 400, "ERR_BAD_REQUEST")
    assert list(error["details"]) == ["friendsOnly"]
    ok(http.request("DELETE", "/users/me/friends", headers=REST, json={"friends": ["a"]}))
    assert uids(http, "friendsOnly=true", me) == ["e"]


def test_blocking_both_ways(http: httpx.Client) -> None:
    tokens = people(http)
    me, b = as_user(tokens["me"]), as_user(tokens["b"])
    answer = ok(http.post("/blockedusers", headers=me, json={"blockedUids": ["B", "c", "ghost"]}))
    assert answer["b"] == {
        "success": True,
        "message": "The user with UID me has blocked user with UID b successfully.",
    }
    assert answer["ghost"]["success"] is False
    ok(http.post("/users/d/blockedusers", headers=REST, json={"blockedUids": ["me"]}))
    bob = ok(http.get("/users/b", headers=me))
    assert bob["blockedByMe"] is True and bob["hasBlockedMe"] is False and "blockedByMeAt" in bob
    assert ok(http.get("/users/me", headers=b))["hasBlockedMe"] is True
    assert ok(http.get("/users/d", headers=me))["hasBlockedMe"] is True
    listed = ok(http.get("/users?uids=b,d", headers=me))
    assert [(u["uid"], u["blockedByMe"], u["hasBlockedMe"]) for u in listed] == [
        ("b", True, False),
        ("d", False, True),
    ]
    assert "blockedByMe" not in ok(http.get("/users/b", headers=REST))
    both = ok(http.get("/blockedusers?per_page=10", headers=me))
    assert [u["uid"] for u in both] == ["b", "c", "d"]  # mine, oldest first, then theirs
    by_me = ok(http.get("/blockedusers?direction=blockedByMe", headers=me))
    assert [u["uid"] for u in by_me] == ["b", "c"]
    theirs = ok(http.get("/users/d/blockedusers", headers=REST))
    assert [(u["uid"], u["blockedByMe"], u["hasBlockedMe"]) for u in theirs] == [
        ("me", True, False)
    ]
    has = ok(http.get("/blockedusers?direction=hasBlockedMe", headers=me))
    assert [u["uid"] for u in has] == ["d"]
    assert uids(http, "uids=a,b,c,d&hideBlockedUsers=1", tokens["me"]) == ["d", "a"]
    bad = http.get("/blockedusers?direction=sideways", headers=me)
    assert list(refused(bad, 400, "ERR_BAD_REQUEST")["details"]) == ["direction"]
    gone = ok(http.request("DELETE", "/blockedusers", headers=me, json={"blockedUids": ["b", "c"]}))
    assert gone["b"]["message"].endswith("has unblocked user with UID b successfully.")
    assert ok(http.get("/users/b", headers=me))["blockedByMe"] is False
    assert ok(http.get("/blockedusers?direction=blockedByMe", headers=me)) == []
    refused(
        http.post("/blockedusers", headers=me, json={"blockedUids": []}), 400, "ERR_BAD_REQUEST"
    )


def test_roles_api(emulator: Emulator, http: httpx.Client) -> None:
    made = ok(http.post("/roles", headers=REST, json={"role": "Mod", "name": "Moderator"}))
    assert made["role"] == "mod" and made["name"] == "Moderator" and "mod" in emulator.roles
    again = http.post("/roles", headers=REST, json={"role": "mod", "name": "X"})
    refused(again, 400, "ERR_ROLE_ALREADY_EXISTS")
    bad = http.post("/roles", headers=REST, json={"role": "a b", "description": 5})
    assert sorted(refused(bad, 400, "ERR_BAD_REQUEST")["details"]) == [
        "description",
        "name",
        "role",
    ]
    assert [r["role"] for r in ok(http.get("/roles", headers=REST))] == ["default", "mod"]
    changed = ok(http.put("/roles/mod", headers=REST, json={"description": "Keeps order"}))
    assert changed["description"] == "Keeps order" and "updatedAt" in changed
    assert ok(http.get("/roles/mod", headers=REST)) == changed
    ok(http.post("/users", headers=REST, json={"uid": "m", "name": "M", "role": "mod"}))
    ok(http.delete("/roles/mod", headers=REST))
    refused(http.get("/roles/mod", headers=REST), 404, "ERR_ROLE_NOT_FOUND")
    refused(http.delete("/roles/default", headers=REST), 400, "ERR_BAD_REQUEST")
    auth = {"appId": APP_ID, "apiKey": AUTH_KEY}
    refused(http.get("/roles", headers=auth), 403, "AUTH_ERR_NO_ACCESS")
    emulator.reset()
    assert emulator.roles == {"default"}


def relations_of(emulator: Emulator) -> tuple[Any, ...]:
    state = emulator.export_state()
    return state["roles"], state["blocks"], state["friends"]


def test_relations_persist_in_sqlite_and_snapshots(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    first = Emulator(data=path, deterministic=True)
    with httpx.Client(transport=first.transport(), base_url="http://emulator.invalid/v3") as http:
        people(http)
        ok(http.post("/users/me/friends", headers=REST, json={"accepted": ["a"]}))
        ok(http.post("/users/me/blockedusers", headers=REST, json={"blockedUids": ["b"]}))
    kept = relations_of(first)
    assert kept[1] == [["me", "b", kept[1][0][2]]] and kept[2] == [["a", "me"]]
    first.close()
    again = Emulator(data=path)
    assert relations_of(again) == kept
    copy = Emulator(seed=False)
    copy.import_state(again.export_state())
    assert relations_of(copy) == kept
    again.close()
    broken = again.export_state() | {"blocks": [["me", "nobody", 1]]}
    with pytest.raises(ValueError, match="blocks"):
        copy.import_state(broken)
    assert relations_of(copy) == kept  # a refused snapshot changes nothing
    with httpx.Client(transport=copy.transport(), base_url="http://emulator.invalid/v3") as http:
        ok(http.request("DELETE", "/users/me", headers=REST, json={"permanent": True}))
    assert relations_of(copy)[1:] == ([], [])  # a deleted user's blocks and friends go with it
