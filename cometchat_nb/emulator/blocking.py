"""Blocking (sdk-users §3): `/blockedusers` for the token's user, `/users/{uid}/blockedusers`
with the REST API key. Block, unblock, and the blocked lists in both directions."""

from __future__ import annotations

from typing import Any, Literal

from . import refusals
from .call import Call
from .handlers import Context, uid_list
from .listing import Listing, active_user, pagination, paging, refuse_unknown, search, wire_user

#: The directions of a blocked list (absent: both).
DIRECTIONS = ("both", "blockedByMe", "hasBlockedMe")
_LIST_PARAMS = ("per_page", "perPage", "page", "direction", "searchKey")


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
    refuse_unknown(call, _LIST_PARAMS)
    direction = call.param("direction") or "both"
    if direction not in DIRECTIONS:
        raise refusals.bad_request({"direction": ["The selected direction is invalid."]})
    per_page, page = paging(call)
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
    chunk = records[(page - 1) * per_page : page * per_page]
    meta = {"pagination": pagination(len(records), len(chunk), per_page, page)}
    return Listing([wire_user(r, call, state, seen_by=me) for r in chunk], meta)
