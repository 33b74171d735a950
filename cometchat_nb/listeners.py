"""`LoginListener` and the `ListenerRegistry` that tells them, and subscribers, what happened."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import CometChatException
from .models import Event, User
from .secret import redact

logger = logging.getLogger("cometchat_nb")

#: The four callbacks of CometChat's `LoginListener`, in Python spelling.
LOGIN_CALLBACKS = ("login_success", "login_failure", "logout_success", "logout_failure")
_KINDS = {
    "login_success": "login",
    "login_failure": "login",
    "logout_success": "logout",
    "logout_failure": "logout",
    "user_created": "user",
    "session_cleared": "session",
    "listener_error": "listener",
    "http": "http",
}


@dataclass(frozen=True)
class LoginListener:
    """Callbacks for login and logout, as in the SDK's `CometChat.LoginListener`.

    `login_success(user)`, `login_failure(exc)`, `logout_success()`,
    `logout_failure(exc)`; any may be left out.
    """

    login_success: Callable[[User], Any] | None = None
    login_failure: Callable[[CometChatException], Any] | None = None
    logout_success: Callable[[], Any] | None = None
    logout_failure: Callable[[CometChatException], Any] | None = None


def describe(payload: Any) -> str:
    """A short, secret-free text for an event's payload (never raises)."""
    try:
        if isinstance(payload, User):
            return str(payload.uid)
        if isinstance(payload, CometChatException):
            return redact(f"{payload.code}: {payload.message}")
        if isinstance(payload, BaseException):
            return redact(f"{type(payload).__name__}: {payload}")
        return "" if payload is None else redact(str(payload))
    except Exception:
        return f"<unprintable {type(payload).__name__}>"


class Subscription:
    """A handle from `ListenerRegistry.subscribe`; call it (or `.unsubscribe()`) to stop."""

    def __init__(
        self,
        remove: Callable[[Subscription], None],
        callback: Callable[[Event], Any],
        on_flush: Callable[[], Any] | None = None,
        http: bool = False,
    ) -> None:
        self._remove = remove  # the registry's way to forget this subscription
        self.callback = callback
        self.on_flush = on_flush
        self.http = http

    def unsubscribe(self) -> None:
        self._remove(self)

    __call__ = unsubscribe

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unsubscribe()


class ListenerRegistry:
    """Login listeners by id, plus subscribers that see every event.

    Listeners run in registration order, before the call that caused the event
    returns or raises. A listener that raises never breaks the call or the other
    listeners: its failure becomes a `listener_error` event. `recent` keeps the
    last few events for display.
    """

    def __init__(self, recent: int = 20) -> None:
        self._listeners: dict[str, LoginListener] = {}
        self._subscriptions: list[Subscription] = []
        self._lock = threading.RLock()
        self._queue = threading.local()  # per thread: events fired, not yet dispatched
        self.recent: deque[Event] = deque(maxlen=recent)

    def add(self, listener_id: str, listener: LoginListener) -> None:
        """Register `listener`; an existing one with the same id is replaced and moved last."""
        if not isinstance(listener_id, str) or not listener_id:
            raise TypeError(f"listener_id must be a non-empty string, not {listener_id!r}")
        if not isinstance(listener, LoginListener):
            raise TypeError(f"listener must be a LoginListener, not {type(listener).__name__}")
        with self._lock:
            self._listeners.pop(listener_id, None)
            self._listeners[listener_id] = listener

    def remove(self, listener_id: str) -> None:
        """Unregister the listener with this id (no error if there is none)."""
        with self._lock:
            self._listeners.pop(listener_id, None)

    @property
    def ids(self) -> list[str]:
        with self._lock:
            return list(self._listeners)

    def __len__(self) -> int:
        return len(self._listeners)

    def subscribe(
        self,
        callback: Callable[[Event], Any],
        *,
        on_flush: Callable[[], Any] | None = None,
        http: bool = False,
    ) -> Subscription:
        """Call `callback(event)` for every event from now on; returns the handle to stop.

        `on_flush()`, if given, runs at the end of every session call (see `flush`),
        so a subscriber that buffers work during a burst of events can finish it.
        `http=True` adds the `http` events: one per request sent (an `Exchange`).
        """
        if not isinstance(http, bool):
            raise TypeError(f"http must be True or False, not {http!r}")
        subscription = Subscription(self._unsubscribe, callback, on_flush, http)
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def flush(self) -> None:
        """Tell subscribers that a session call has ended (run their `on_flush`).

        Sessions call this when each public call returns or raises, on the
        calling thread. A failing `on_flush` is logged, never raised.
        """
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            if subscription.on_flush is None:
                continue
            try:
                subscription.on_flush()
            except Exception:
                logger.exception("a subscriber's on_flush failed")

    def report(self, who: str, during: str, exc: BaseException) -> Event:
        """Publish a `listener_error` event for `exc`, raised by `who` while `during`.

        For callbacks outside the registry (e.g. a widget's click handler) whose
        failures must reach the event log too.
        """
        return self._listener_failed(who, during, exc)

    def _unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    @property
    def wants_http(self) -> bool:
        """Whether any subscriber asked for the `http` events."""
        return any(s.http for s in self._subscriptions)

    def fire(self, name: str, payload: Any = None, *, detail: str | None = None) -> Event:
        """Tell the listeners with a `name` callback, then every subscriber.

        `detail` replaces the event's text made from the payload (it must hold no secret).

        Events reach everyone in the order they were fired: one fired by a listener
        or subscriber while an event is being told waits until that one is done, and
        a listener's failure (`listener_error`) comes after the event that caused it.
        """
        event = self._record(name, payload, detail)
        self._dispatch(event)
        return event

    def _dispatch(self, event: Event) -> None:
        """Queue `event`; the outermost call on this thread tells them all, in order."""
        pending: deque[Event] | None = getattr(self._queue, "pending", None)
        if pending is not None:
            pending.append(event)
            return
        pending = self._queue.pending = deque([event])
        try:
            while pending:
                self._tell(pending.popleft())
        finally:
            del self._queue.pending

    def _tell(self, event: Event) -> None:
        if event.name in LOGIN_CALLBACKS:
            with self._lock:
                listeners = list(self._listeners.items())
            for listener_id, listener in listeners:
                callback = getattr(listener, event.name)
                if callback is None:
                    continue
                try:
                    callback() if event.payload is None else callback(event.payload)
                except Exception as exc:
                    self._listener_failed(f"listener {listener_id!r}", event.name, exc)
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            if event.kind == "http" and not subscription.http:
                continue
            try:
                subscription.callback(event)
            except Exception as exc:
                if event.name == "listener_error":
                    logger.exception("subscriber failed on a listener_error event")
                else:
                    self._listener_failed("a subscriber", event.name, exc)

    def _record(self, name: str, payload: Any, detail: str | None = None) -> Event:
        event = Event(
            time=datetime.now(UTC),
            kind=_KINDS[name],
            name=name,
            detail=describe(payload) if detail is None else detail,
            payload=payload,
        )
        if event.kind != "http":  # requests have a log of their own: `session.transcript()`
            with self._lock:
                self.recent.append(event)
        return event

    def _listener_failed(self, who: str, name: str, exc: BaseException) -> Event:
        detail = f"{who} raised in {name}: {describe(exc)}"
        logger.warning("%s", detail)
        event = self._record("listener_error", exc, detail)
        self._dispatch(event)
        return event
