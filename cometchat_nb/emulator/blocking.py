"""Blocking (sdk-users §3): `/blockedusers` for the token's user, `/users/{uid}/blockedusers`
with the REST API key. Block, unblock, and the blocked lists in both directions."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from . import refusals
from .call import Call
from .handlers import Context, uid_list
from .listing import Listing, active_user, one_page, search, wire_user

#: The directions of a blocked list (absent: both).
DIRECTIONS = ("both", "blockedByMe", "hasBlockedMe")


def _blocker(context: Context, call: Call) -> str:
    """Whose blocks a call is about: the token's user, or the REST path's uid."""
    if call.token is not None:
        uid: str = call.token["uid"]
        return uid
    return str(active_user(context.state, call.segments[1])["uid"])


def _change(context: Context, call: Call, verb: Literal["blocked", "unblocked"]) -> dict[str, Any]:
    me = _blocker(context, call)
    state = context.state
    answer: dict[str, dict[str, Any]] = {}
    done: list[str] = []
    for raw in uid_list(call, "blockedUids"):
        uid = raw.lower()
        record = state.users.get(uid)
        if record is None or record.get("deactivatedAt"):
            answer[uid] = {"success": False, "message": f"The UID {uid} does not exist."}
        elif uid == me:
            answer[uid] = {"success": False, "message": f"The user with UID {me} cannot be {verb}."}
        else:
            done.append(uid)
            answer[uid] = {
                "success": True,
                "message": f"The user with UID {me} has {verb} user with UID {uid} successfully.",
            }
    if verb == "blocked":
        state.block(me, done, context.now())
    else:
        state.unblock(me, done)
    return answer


def block(context: Context, call: Call) -> dict[str, Any]:
    """`POST /blockedusers {"blockedUids": [..]}`: a success map keyed by lowercased uid."""
    return _change(context, call, "blocked")


def unblock(context: Context, call: Call) -> dict[str, Any]:
    """`DELETE /blockedusers {"blockedUids": [..]}`: a success map keyed by lowercased uid."""
    return _change(context, call, "unblocked")


def list_blocked(context: Context, call: Call) -> Listing:
    """`GET /blockedusers?direction=`: users with their relationship fields."""
    direction = call.param("direction") or "both"
    if direction not in DIRECTIONS:
        raise refusals.bad_request({"direction": ["The selected direction is invalid."]})
    me, state = _blocker(context, call), context.state
    # Oldest block first (the live order): those the user blocked, then those who blocked it.
    listed: dict[str, None] = {}
    if direction != "hasBlockedMe":
        listed.update(dict.fromkeys(state.blocks.get(me, {})))
    if direction != "blockedByMe":
        listed.update(dict.fromkeys(state.blocked_by.get(me, {})))
    matcher = search(call)
    records = [
        r
        for uid in listed
        if (r := state.users.get(uid)) is not None and not r.get("deactivatedAt")
        if matcher is None or matcher(r)
    ]
    shape = partial(wire_user, call=call, state=state, seen_by=me)
    return one_page(call, records, shape, known=("direction", "searchKey"))
