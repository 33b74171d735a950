"""The WebSocket the JS SDK opens after login (spec 5): auth, ping/pong, presence.

`serve` runs one ASGI WebSocket connection. The SDK's first frame authenticates
it with the login's JWT (answered `{"code": "200", "status": "OK"}`, or 401 with
the socket kept open, unauthenticated); `{"action": "ping"}` is answered
`{"action": "pong"}`; every other frame is ignored. An authenticated socket keeps
its user online (see `presence`) until it closes, or until the emulator closes it
(1000, with a reason: the user deactivated or deleted, the state reset). Only JSON
text frames are sent, one at a time, from a bounded outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .call import SOCKET_PATH
from .presence import Frame, Link, Presence

logger = logging.getLogger("cometchat_nb.emulator")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Where the SDK's socket URL lands: `wss://host:port` (no path), or the single-port
#: recipe's `wss://host:port/ws?_=:port` (spec 4.1).
PATHS = ("/", SOCKET_PATH)
#: Frames waiting for a slow socket; beyond it, frames are dropped (and counted).
OUTBOX = 1000
_SUBSCRIPTIONS = ("ALL_USERS", "ROLES", "FRIENDS")


class Outbox:
    """The frames to send one socket, bounded, and at most one close after them; `put` and
    `close` may be called from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[Frame | str] = asyncio.Queue(OUTBOX)  # str: a close's reason
        self.dropped = 0
        self.closing = False  # a close is on its way: nothing more is sent or heeded

    def put(self, frame: Frame) -> None:
        self._loop.call_soon_threadsafe(self._offer, frame)

    def close(self, reason: str) -> None:
        """Close the socket (code 1000, `reason`) after the frames already put."""
        self._loop.call_soon_threadsafe(self._shut, reason)

    def _offer(self, frame: Frame) -> None:
        if self.closing:
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._drop()

    def _shut(self, reason: str) -> None:
        if self.closing:
            return
        self.closing = True
        if self._queue.full():  # the close goes out even to a socket too slow to read
            self._queue.get_nowait()
            self._drop()
        self._queue.put_nowait(reason)

    def _drop(self) -> None:
        self.dropped += 1
        if self.dropped in (1, 10, 100) or self.dropped % 1000 == 0:
            logger.warning("a slow WebSocket has %d frames dropped so far", self.dropped)

    async def pump(self, send: Send) -> None:
        """Send the frames as they come, until a close is sent or this is cancelled."""
        while True:
            frame = await self._queue.get()
            if isinstance(frame, str):
                await send({"type": "websocket.close", "code": 1000, "reason": frame})
                return
            await send({"type": "websocket.send", "text": json.dumps(frame)})


def _auth_answer(app_id: str, ok: bool) -> Frame:
    if ok:
        return {"appId": app_id, "type": "auth", "body": {"code": "200", "status": "OK"}}
    message = "The JWT is invalid or revoked: log in again."
    body = {"code": "401", "status": "ERROR", "message": message}
    return {"appId": app_id, "type": "auth", "body": body}


def _link(frame: dict[str, Any], token: dict[str, Any], outbox: Outbox, scope: Scope) -> Link:
    """The socket's link, from its auth frame and the token its JWT names (spec 5.2)."""
    body = frame["body"]
    host = dict(scope["headers"]).get(b"host", b"emulator.invalid").decode("latin-1")
    device = frame.get("deviceId") or body.get("deviceId")
    subscription = body.get("presenceSubscription")
    roles = body.get("roles")
    return Link(
        uid=token["uid"],
        device=device if isinstance(device, str) else "",
        token=token["authToken"],
        deliver=outbox.put,
        close=outbox.close,
        subscription=subscription if subscription in _SUBSCRIPTIONS else None,
        roles=frozenset(r for r in roles if isinstance(r, str))
        if isinstance(roles, list)
        else frozenset(),
        host=host,
    )


async def serve(
    presence: Presence, app_id: str, scope: Scope, receive: Receive, send: Send
) -> None:
    """Run one WebSocket connection until it closes (refused, 403, off `PATHS`)."""
    if (await receive())["type"] != "websocket.connect":
        return
    if scope["path"] not in PATHS:
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "websocket.accept"})
    outbox = Outbox(asyncio.get_running_loop())
    pump = asyncio.create_task(outbox.pump(send))
    link: Link | None = None
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                break
            frame = _frame(message.get("text"))
            if frame is None or outbox.closing:
                continue
            if frame.get("action") == "ping":
                outbox.put({"action": "pong"})
            elif frame.get("type") == "auth" and isinstance(frame.get("body"), dict):
                token = await asyncio.to_thread(
                    presence.verify, frame.get("appId"), frame["body"].get("auth")
                )
                if token is not None:
                    if link is not None:
                        await asyncio.to_thread(presence.leave, link)
                    link = _link(frame, token, outbox, scope)
                    await asyncio.to_thread(presence.join, link)
                outbox.put(_auth_answer(app_id, token is not None))
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError, RuntimeError):
            await pump  # a send to a socket already gone may fail: nothing is left to say
        if link is not None:
            await asyncio.to_thread(presence.leave, link)


def _frame(text: Any) -> dict[str, Any] | None:
    """A text frame's JSON object; None for anything else (ignored, spec 5.7)."""
    if not isinstance(text, str):
        return None
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return frame if isinstance(frame, dict) else None
