"""What a test needs from the machine: skipped where it is missing, a failure under CI."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> NoReturn:
    """Skip for want of a tool, or fail under CI, which must install it (`.ci/run`)."""
    if in_ci():
        pytest.fail(f"{reason}; CI must install it (.ci/run)")
    pytest.skip(reason)
