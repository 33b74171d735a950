"""`enable_nested_asyncio` makes `asyncio.run` work inside a running loop, on request only."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import asyncio
import cometchat_nb
from cometchat_nb import AsyncSession

async def login():
    async with AsyncSession() as s:
        return (await s.login("cometchat-uid-1")).uid

async def cell():  # a notebook cell runs inside the kernel's loop
    try:
        asyncio.run(login())
    except RuntimeError:
        print("refused before")
    cometchat_nb.enable_nested_asyncio()
    print(asyncio.run(login()))

asyncio.run(cell())
"""


def test_enable_nested_asyncio() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["refused", "before", "cometchat-uid-1"]
