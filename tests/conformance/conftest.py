"""The conformance tests' shared fixture: the official JS SDK, installed once."""

from __future__ import annotations

from pathlib import Path

import pytest
from js_sdk import install


@pytest.fixture(scope="module")
def sdk_dir() -> Path:
    """The npm prefix holding the SDK."""
    return install()
