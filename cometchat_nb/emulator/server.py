"""`Server`: an `Emulator` over real HTTP, through a thin ASGI adapter served by uvicorn.

The adapter only translates: an ASGI request's parts go to `Emulator.respond`,
on uvicorn's event loop, and its raw answer goes back out. Every rule lives in
the emulator, so the in-process and the served emulator behave alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial
from os import PathLike
from typing import Any, Protocol
from urllib.parse import quote_from_bytes

import httpx
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import console, refusals, websocket
from .call import CORS_HEADERS, MAX_BODY, Reply, reply
from .faults import Dropped
from .presence import Presence

logger = logging.getLogger("cometchat_nb.emulator")
#: Where `JsonProtocol` puts, in each request's scope state, the way to close its connection.
_CLOSE = "cometchat_nb.close"


class Responder(Protocol):
    """What a server serves: an emulator's app id, its answer to a request's parts, and
    its presence (for WebSockets)."""

    app_id: str
    presence: Presence

    async def respond(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        *,
        host: str,
        record: Callable[[], httpx.Request],
    ) -> Reply: ...


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class App:
    """The ASGI application: one HTTP request in, `Emulator.respond`'s answer out; a
    WebSocket to `websocket.serve`."""

    def __init__(self, emulator: Responder) -> None:
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            emulator = self.emulator
            await websocket.serve(emulator.presence, emulator.app_id, scope, receive, send)
            return
        if scope["type"] != "http":  # uvicorn runs with lifespan off
            return
        body = await read_body(receive)
        if body is None:  # the client went before its body was complete: nothing is done
            return
        target: bytes = scope.get("raw_path") or scope["path"].encode()
        if query := scope.get("query_string"):
            target += b"?" + query
        server = scope.get("server") or ("127.0.0.1", 80)
        try:
            status, headers, content = await self.emulator.respond(
                scope["method"],
                target,
                scope["headers"],
                body,
                host=f"{server[0]}:{server[1]}",
                record=partial(_request, scope, target, body),
            )
        except Dropped as dropped:  # an injected fault: no answer at all
            await _drop(scope, receive, dropped.hold)
            return
        except Exception:  # a bug must still answer with an envelope
            logger.exception("emulator failed on %s", scope["method"])
            status, headers, content = _error_reply(refusals.internal_error())
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


async def _drop(scope: Scope, receive: Receive, hold: float) -> None:
    """Close the connection without an answer, after holding it up to `hold` seconds
    (returning early when the client goes); the client sees a dropped connection."""
    if hold:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(_disconnected(receive), hold)
    close = (scope.get("state") or {}).get(_CLOSE)
    if close is None:  # not served by `JsonProtocol`: the server answers for itself
        raise ConnectionAbortedError("connection dropped by an injected fault")
    close()
    await _disconnected(receive)  # so the server sees the client gone, and adds nothing


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _error_reply(error: refusals.ServiceError) -> Reply:
    return reply(error.status, error.envelope(), dict(CORS_HEADERS))


class JsonProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, answering JSON to what is not HTTP, and letting the
    app close its connection (for injected drops): every answer is the emulator's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app_state = dict(self.app_state)  # this connection's own
        self.refused = False  # answered 400: what else comes is dropped

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.app_state[_CLOSE] = transport.close

    def send_400_response(self, msg: str) -> None:
        _, headers, content = _error_reply(refusals.unreadable_request())
        head = b"HTTP/1.1 400 Bad Request\r\n" + b"".join(
            k + b": " + v + b"\r\n" for k, v in [*headers, (b"Connection", b"close")]
        )
        self.transport.write(head + b"\r\n" + content)
        # Close a moment later, reading (and dropping) what else comes meanwhile: closing
        # with unread bytes would reset the connection and lose the answer.
        self.refused = True
        self.loop.call_later(0.5, self.transport.close)

    def data_received(self, data: bytes) -> None:
        if not self.refused:
            super().data_received(data)


async def read_body(receive: Receive) -> bytes | None:
    """A request's body, read to at most `MAX_BODY` + 1 bytes; None when the client
    disconnected before sending all of it (such a request is never acted on).

    Reading stops there: the emulator answers 413 to anything longer, and a
    client cannot make the server buffer more than that.
    """
    body = bytearray()
    more = True
    while more and len(body) <= MAX_BODY:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return bytes(body[: MAX_BODY + 1])


def _request(scope: Scope, target: bytes, body: bytes) -> httpx.Request:
    """The `httpx.Request` kept in `Emulator.requests` for a served request."""
    server = scope.get("server") or ("127.0.0.1", 80)
    url = httpx.URL(
        scheme=scope.get("scheme", "http"), host=server[0], port=server[1], raw_path=_origin(target)
    )
    content = b"" if len(body) > MAX_BODY else body  # keep what was asked, not the body
    return httpx.Request(scope["method"], url, headers=list(scope["headers"]), content=content)


#: The longest target kept in a recorded request (httpx refuses URLs over 64 KiB,
#: and percent-encoding may triple it).
_KEPT_TARGET = 20_000


def _origin(target: bytes) -> bytes:
    """The request target as an origin-form path and query that httpx accepts.

    Anything else (`*`, an absolute URL, a stray `#`) is kept, percent-encoded
    into a path, as the emulator answered it: like any unknown route.
    """
    target = target[:_KEPT_TARGET].replace(b"#", b"%23")
    if not target.startswith(b"/"):
        target = b"/" + quote_from_bytes(target, safe="").encode()
    try:
        httpx.URL(raw_path=target)
    except httpx.InvalidURL:
        target = b"/" + quote_from_bytes(target, safe="/").encode()
    return target


def _url_host(host: str) -> str:
    """The host to put in a URL for a bind address (wildcards become loopback)."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class Server:
    """An `Emulator` served over HTTP (or HTTPS) by uvicorn in a background thread.

    `Emulator.serve()` returns one already started; use it as a context manager
    (`with emu.serve(port=0) as server: server.url`) or call `stop()`. The socket
    is bound before uvicorn starts, so `port=0` picks a free port; uvicorn's
    logging is left unconfigured, so a notebook's logging stays as it was.
    """

    def __init__(
        self,
        emulator: Responder,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls_cert: str | PathLike[str] | None = None,
        tls_key: str | PathLike[str] | None = None,
        start_timeout: float = 10.0,
        stop_timeout: float = 10.0,
    ) -> None:
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("give both tls_cert and tls_key, or neither")
        self.emulator = emulator
        self.host = host
        self.tls = tls_cert is not None
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._port = port
        self._config = uvicorn.Config(
            App(emulator),
            http=JsonProtocol,
            log_config=None,
            access_log=False,
            lifespan="off",
            ws="websockets-sansio",
            ssl_certfile=tls_cert,
            ssl_keyfile=tls_key,
        )
        self._server: uvicorn.Server | None = None
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def port(self) -> int:
        """The port bound (the one asked for, until started)."""
        return self._port

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:8790` (no version prefix)."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{_url_host(self.host)}:{self.port}"

    def console(self, width: str = "100%", height: int = 720) -> Any:
        """The console page (`url` + `/_emulator/ui`) in an IFrame, for a notebook to show;
        it asks for the REST API key once per browser tab."""
        return console.frame(self.url, width, height)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"Server(url={self.url!r}, app_id={self.emulator.app_id!r}, {state})"

    def start(self) -> Server:
        """Bind the socket, start uvicorn and wait until it accepts connections."""
        if self.running:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when
        # the listener says TCP, and without it every keep-alive answer waits ~40 ms.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._port))
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
        self._socket, self._port = sock, sock.getsockname()[1]
        self._error = None
        self._server = uvicorn.Server(self._config)
        self._thread = threading.Thread(
            target=self._run, name=f"cometchat-nb emulator {self.url}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + self.start_timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                reason = repr(self._error) if self._error else "no start within the timeout"
                raise RuntimeError(f"the emulator server did not start: {reason}")
            time.sleep(0.01)
        return self

    def _run(self) -> None:
        assert self._server is not None and self._socket is not None
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported by start(); SystemExit is uvicorn's failure
            self._error = exc

    def stop(self) -> None:
        """Shut uvicorn down (forcing it after `stop_timeout`) and close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(self.stop_timeout)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(self.stop_timeout)
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
        self._thread = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
