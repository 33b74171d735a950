"""Opt-in nested event loops, for readers who want `asyncio.run(...)` inside a notebook cell.

cometchat-nb never needs this (use `Session`, or top-level `await` with `AsyncSession`) and
never patches the loop on its own. It uses nest-asyncio2, the maintained fork of the archived
nest_asyncio: `pip install 'cometchat-nb[nested]'`.
"""

from __future__ import annotations


def enable_nested_asyncio() -> None:
    """Patch the running event loop so `asyncio.run` works inside it."""
    try:
        import nest_asyncio2
    except ImportError:
        raise ImportError(
            "enable_nested_asyncio needs nest-asyncio2: pip install 'cometchat-nb[nested]'"
        ) from None
    nest_asyncio2.apply()
