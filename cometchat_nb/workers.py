"""`Workers`: what a session hands its bulk calls (`create_users`, its `admin`'s), so they
never reach into it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from .listeners import ListenerRegistry
    from .ratelimit import RateLimits


@dataclass(frozen=True)
class Workers:
    """What a `Session` hands its bulk calls: how to send one request (from any thread),
    how to tell subscribers what was sent, the registry, the pacing."""

    send: Callable[[httpx.Request], httpx.Response]
    sent: Callable[[], None]
    listeners: ListenerRegistry
    limits: RateLimits
