"""`Workers`: what a session hands every bulk call (`create_users`, its `admin`'s), so they
never reach into it. `Session` and `AsyncSession` hand the same five; only how they send
differs (a function, or a coroutine function)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core.client import Flow
    from .listeners import ListenerRegistry
    from .ratelimit import RateLimits


@dataclass(frozen=True)
class Workers:
    """How to run a flow and send one request (the thread driver sends from worker
    threads; the task driver runs flows as tasks), how to tell subscribers what was
    sent, the registry, and the pacing."""

    run: Callable[[Flow[Any]], Any]
    send: Callable[[Any], Any]
    sent: Callable[[], None]
    listeners: ListenerRegistry
    limits: RateLimits
