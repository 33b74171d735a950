"""Fixtures of the conformance tests: the official SDK, installed once per run."""

from __future__ import annotations

from pathlib import Path

import pytest
from official_sdk import install


@pytest.fixture(scope="session")
def sdk_dir() -> Path:
    """The npm prefix holding the official SDK 4.2.0."""
    return install()
