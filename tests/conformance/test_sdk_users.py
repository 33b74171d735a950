"""User management: the official JS SDK 4.2.0 (its socket on) and cometchat-nb against one
emulator served over TLS.

`sdk_users.mjs` (run once, the `users_run` fixture) runs getUser, the users request with each
filter over several pages, updateUser, updateCurrentUserDetails, blocking and both blocked
lists, hideBlockedUsers, getOnlineUserCount; then the same calls are made from Python (sync)
on the same emulator, with users of their own prefix, and both must answer the same
(prefixes aside). What the socket drives is checked in `test_js_sdk_socket.py`.
"""

from __future__ import annotations

import re
import ssl
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator_process import EmulatorProcess
from official_sdk import SDK_VERSION

from cometchat_nb import MemoryStore, Session, User
from cometchat_nb.emulator import APP_ID, REST_API_KEY, RemoteEmulator

pytestmark = pytest.mark.timeout(600)
#: The steps the scenario lists users or blocked users with, page by page.
LISTS = (
    "list.limit", "list.uids", "list.online", "list.offline", "list.roles", "list.tags",
    "list.searchIn_name", "list.searchIn_uid", "list.friends", "list.sort_name_asc",
    "list.sort_name_desc", "list.default_order", "blocked.both", "blocked.blockedByMe",
    "blocked.hasBlockedMe", "list.hideBlocked", "blocked.blockedByMe_after",
)  # fmt: skip
#: The steps answered with one user.
USERS = (
    "A.login", "getUser", "getUser.blockedByMe", "getUser.hasBlockedMe",
    "B.getUser.hasBlockedMe", "getUser.unblocked", "updateUser", "updateCurrentUserDetails",
    "getUser.after_update",
)  # fmt: skip
#: The steps answered with the online count (both logged in, their sockets open).
COUNTS = ("A.getOnlineUserCount", "B.getOnlineUserCount")


def relative(value: Any, prefix: str) -> Any:
    """`value` with the run's prefix written `P` in every string."""
    if isinstance(value, str):
        return value.replace(prefix, "P")
    if isinstance(value, list | tuple):
        return type(value)(relative(v, prefix) for v in value)
    if isinstance(value, dict):
        return {relative(k, prefix): relative(v, prefix) for k, v in value.items()}
    return value


def seen(user: dict[str, Any]) -> tuple[Any, ...]:
    return user["uid"], user["name"], user.get("blockedByMe"), user.get("hasBlockedMe")


def node_answers(report: dict[str, Any]) -> dict[str, Any]:
    """What each step of the SDK's run answered: pages of uids (with the relationship flags
    on blocked lists), users as (uid, name, blockedByMe, hasBlockedMe), success maps."""
    answers: dict[str, Any] = {}
    for step in report["steps"]:
        assert step["ok"], step
        name, result = step["step"], step["result"]
        if (listing := re.sub(r"\.p\d+$", "", name)) in LISTS:
            answers.setdefault(listing, [])
            if result:
                answers[listing].append([seen(u) for u in result])
        elif name in USERS:
            answers[name] = seen(result)
        elif name in ("blockUsers", "unblockUsers"):
            answers[name] = {uid: outcome["success"] for uid, outcome in result.items()}
        elif name in COUNTS:
            answers[name] = result
    return relative(answers, report["config"]["uid"])


def python_answers(host: str, prefix: str, cert: Path) -> dict[str, Any]:
    """The scenario's calls made with cometchat-nb (sync), as `node_answers` reports them,
    against the emulator at `host` serving TLS with `cert` (trusted via `SSL_CERT_FILE`)."""
    role = f"{prefix}-mod"
    names = ("me", "alice", "bob", "carol", "dave", "erin")
    me, alice, bob, carol, dave, erin = (f"{prefix}-{n}" for n in names)
    target = RemoteEmulator.at(f"https://{host}")
    trusted = ssl.create_default_context(cafile=str(cert))
    answers: dict[str, Any] = {}

    def one(user: User) -> tuple[Any, ...]:
        """As the SDK reads a user: a relationship flag not sent is false."""
        return user.uid, user.name, bool(user.blocked_by_me), bool(user.has_blocked_me)

    def pages(users: Iterable[User], size: int = 2) -> list[list[tuple[Any, ...]]]:
        flat = [one(u) for u in users]
        return [flat[i : i + size] for i in range(0, len(flat), size)]

    with (
        Session(emulator=target, store=MemoryStore()) as a,
        Session(emulator=target, store=MemoryStore()) as b,
        httpx.Client(
            base_url=f"https://{host}/v3.0", headers={"appId": APP_ID}, verify=trusted
        ) as http,
    ):
        a.admin.create_role(role, "Moderator")
        for uid, name, user_role, tags in (
            (alice, f"Zed {prefix}", "default", ["red"]),
            (bob, f"Yan {prefix}", "default", ["red", "blue"]),
            (carol, f"Xu {prefix}", role, None),
            (dave, f"Wu {prefix}", role, None),
            (erin, f"Vi {prefix}", "default", ["blue"]),
            (me, f"Me {prefix}", "default", None),
        ):
            a.admin.create_user(User(uid, name=name, role=user_role, tags=tags))
        rest = {"apiKey": REST_API_KEY}
        friends = http.post(f"/users/{me}/friends", headers=rest, json={"accepted": [alice, erin]})
        blocked = http.post(f"/users/{dave}/blockedusers", headers=rest, json={"blockedUids": [me]})
        assert friends.status_code == blocked.status_code == 200
        answers["A.login"] = one(a.login(me))
        b.login(bob)
        answers["A.getOnlineUserCount"] = a.get_online_user_count()
        answers["B.getOnlineUserCount"] = b.get_online_user_count()
        answers["getUser"] = one(a.get_user(alice))
        answers["list.limit"] = pages(a.list_users(per_page=2, search_key=prefix))
        answers["list.uids"] = pages(a.list_users(per_page=2, uids=[alice, carol]))
        answers["list.online"] = pages(a.list_users(per_page=2, search_key=prefix, status="online"))
        answers["list.offline"] = pages(
            a.list_users(per_page=2, search_key=prefix, status="offline")
        )
        answers["list.roles"] = pages(a.list_users(per_page=2, roles=[role]))
        answers["list.tags"] = pages(
            a.list_users(per_page=2, search_key=prefix, tags=["red"], with_tags=True)
        )
        for field in ("name", "uid"):
            found = a.list_users(per_page=2, search_key=f"Zed {prefix}", search_in=[field])
            answers[f"list.searchIn_{field}"] = pages(found)
        answers["list.friends"] = pages(a.list_users(per_page=2, friends_only=True))
        for order in ("asc", "desc"):
            found = a.list_users(per_page=2, search_key=prefix, sort_by="name", sort_order=order)
            answers[f"list.sort_name_{order}"] = pages(found)
        answers["list.default_order"] = pages(a.list_users(per_page=2, search_key=prefix))
        answered = a.block_users([bob, carol])
        answers["blockUsers"] = {uid: outcome["success"] for uid, outcome in answered.items()}
        answers["getUser.blockedByMe"] = one(a.get_user(bob))
        answers["getUser.hasBlockedMe"] = one(a.get_user(dave))
        answers["B.getUser.hasBlockedMe"] = one(b.get_user(me))
        for direction, step in (
            ("both", "blocked.both"),
            ("blocked_by_me", "blocked.blockedByMe"),
            ("has_blocked_me", "blocked.hasBlockedMe"),
        ):
            answers[step] = pages(a.list_blocked_users(per_page=2, direction=direction))
        answers["list.hideBlocked"] = pages(
            a.list_users(per_page=2, search_key=prefix, hide_blocked_users=True)
        )
        answered = a.unblock_users([bob, carol])
        answers["unblockUsers"] = {uid: outcome["success"] for uid, outcome in answered.items()}
        answers["getUser.unblocked"] = one(a.get_user(bob))
        answers["blocked.blockedByMe_after"] = pages(
            a.list_blocked_users(per_page=2, direction="blocked_by_me")
        )
        answers["updateUser"] = one(a.admin.update_user(alice, {"name": f"Zed {prefix} (updated)"}))
        renamed = User(me, name=f"Me {prefix} (updated)")
        answers["updateCurrentUserDetails"] = one(a.update_current_user_details(renamed))
        answers["getUser.after_update"] = one(a.get_user(alice))
    return relative(answers, prefix)


def test_the_sdk_ran_every_step_against_the_served_emulator(
    users_run: dict[str, Any], served_tls: EmulatorProcess
) -> None:
    assert users_run["sdk"]["version"] == SDK_VERSION and users_run["uncaught"] == []
    assert [s["status"] for s in users_run["setup"]] == [200] * len(users_run["setup"])
    failed = [s["step"] for s in users_run["steps"] if not s["ok"]]
    assert failed == []
    for request in users_run["requests"]:  # the SDK's own URLs, on the TLS emulator
        assert request["url"].startswith(f"https://{served_tls.host}/"), request
        assert not request.get("blocked") and request["status"] == 200, request


def test_each_filter_pages_as_the_sdk_expects(users_run: dict[str, Any]) -> None:
    answers = node_answers(users_run)

    def uids(step: str) -> list[list[str]]:
        return [[user[0] for user in page] for page in answers[step]]

    everyone = [["P-me", "P-bob"], ["P-erin", "P-dave"], ["P-carol", "P-alice"]]
    assert uids("list.limit") == uids("list.default_order") == everyone
    assert uids("list.uids") == [["P-carol", "P-alice"]]
    assert uids("list.online") == [["P-me", "P-bob"]]
    assert uids("list.offline") == [["P-erin", "P-dave"], ["P-carol", "P-alice"]]
    assert uids("list.roles") == [["P-dave", "P-carol"]]
    assert uids("list.tags") == [["P-bob", "P-alice"]]
    assert uids("list.searchIn_name") == [["P-alice"]] and uids("list.searchIn_uid") == []
    assert uids("list.friends") == [["P-erin", "P-alice"]]
    by_name = [["P-me", "P-erin"], ["P-dave", "P-carol"], ["P-bob", "P-alice"]]
    assert uids("list.sort_name_asc") == by_name
    assert uids("list.sort_name_desc") == [[u for u in reversed(p)] for p in reversed(by_name)]
    assert uids("list.hideBlocked") == [["P-me", "P-erin"], ["P-dave", "P-alice"]]
    # every page the SDK asked for carried meta.pagination with the size it asked for
    for request in users_run["requests"]:
        if request["method"] == "GET" and "per_page=" in request["path"]:
            body = request["response"]
            assert body["meta"]["pagination"]["per_page"] == 2 or not body["data"], request


def test_blocking_as_the_sdk_sees_it(users_run: dict[str, Any]) -> None:
    answers = node_answers(users_run)
    assert answers["blockUsers"] == answers["unblockUsers"] == {"P-bob": True, "P-carol": True}
    assert answers["getUser.blockedByMe"][2:] == (True, False)
    assert answers["getUser.hasBlockedMe"][2:] == (False, True)
    assert answers["B.getUser.hasBlockedMe"][2:] == (False, True)
    assert answers["getUser.unblocked"][2:] == (False, False)
    flat = {step: [u[0] for page in answers[step] for u in page] for step in LISTS}
    assert flat["blocked.both"] == ["P-bob", "P-carol", "P-dave"]
    assert flat["blocked.blockedByMe"] == ["P-bob", "P-carol"]
    assert flat["blocked.hasBlockedMe"] == ["P-dave"] and flat["blocked.blockedByMe_after"] == []
    blocks = [r for r in users_run["requests"] if r["path"] == "/v3.0/blockedusers"]
    uids = [users_run["users"]["bob"], users_run["users"]["carol"]]
    assert [(r["method"], r["body"]) for r in blocks] == [
        ("POST", {"blockedUids": uids}),
        ("DELETE", {"blockedUids": uids}),
    ]


def test_updates(users_run: dict[str, Any]) -> None:
    answers = node_answers(users_run)
    assert answers["updateUser"][:2] == ("P-alice", "Zed P (updated)")
    assert answers["getUser.after_update"] == answers["updateUser"]
    assert answers["updateCurrentUserDetails"][:2] == ("P-me", "Me P (updated)")


def test_python_answers_the_same_calls_the_same(
    users_run: dict[str, Any],
    served_tls: EmulatorProcess,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the sessions trust the emulator
    sdk = node_answers(users_run)
    ours = python_answers(served_tls.host, f"py{uuid.uuid4().hex[:8]}", certificate[0])
    assert set(ours) == set(sdk)
    for step, answer in sdk.items():
        assert ours[step] == answer, step
