"""A minimal friends list (REST `/users/{uid}/friends`, REST API key): what `friendsOnly`
of the users list filters on (sdk-users §1.4). Friendship goes both ways."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from . import refusals
from .call import Call
from .handlers import Context, uid_list
from .listing import Listing, active_user, one_page, search, wire_user

#: At most this many uids in one call (the REST docs).
MAX_FRIENDS = 25


def _change(context: Context, call: Call, key: Literal["accepted", "friends"]) -> dict[str, Any]:
    """Befriend (`accepted`) or unfriend (`friends`) the body's uids: a success map under `key`."""
    me = active_user(context.state, call.segments[1])["uid"]
    uids = uid_list(call, key)
    if len(uids) > MAX_FRIENDS:
        raise refusals.bad_request({key: [f"The {key} may not have more than 25 items."]})
    answer: dict[str, Any] = {}
    found: list[str] = []
    for raw in dict.fromkeys(u.lower() for u in uids):
        record = context.state.users.get(raw)
        if record is None or record.get("deactivatedAt"):
            answer[raw] = {"success": False, "message": f"The UID {raw} does not exist."}
        elif raw == me:
            answer[raw] = {"success": False, "message": "A user cannot befriend itself."}
        else:
            found.append(raw)
    if key == "accepted":
        context.state.befriend(me, found)
    else:
        context.state.unfriend(me, found)
    done = "Created relationship with status accepted." if key == "accepted" else "Removed."
    answer.update({uid: {"success": True, "message": done} for uid in found})
    return {key: answer}


def add_friends(context: Context, call: Call) -> dict[str, Any]:
    """`POST /users/{uid}/friends {"accepted": [..]}`: a success map under `accepted`."""
    return _change(context, call, "accepted")


def remove_friends(context: Context, call: Call) -> dict[str, Any]:
    """`DELETE /users/{uid}/friends {"friends": [..]}`: a success map under `friends`."""
    return _change(context, call, "friends")


def list_friends(context: Context, call: Call) -> Listing:
    """`GET /users/{uid}/friends`: the friends, by name then uid."""
    state = context.state
    me = active_user(state, call.segments[1])["uid"]
    matcher = search(call)
    records = sorted(
        (
            r
            for uid in state.friends.get(me, set())
            if (r := state.users.get(uid)) is not None and not r.get("deactivatedAt")
            if matcher is None or matcher(r)
        ),
        key=lambda r: (str(r.get("name", "")).lower(), r["uid"]),
    )
    return one_page(call, records, partial(wire_user, call=call), known=("searchKey", "searchIn"))
