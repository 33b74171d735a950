"""Fixtures of the conformance tests: the official SDK, installed once per run, and its
user-management scenario with the socket on, run once against the emulator served over TLS."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from emulator_process import EmulatorProcess
from official_sdk import install, run_scenario, websocket_options


@pytest.fixture(scope="session")
def sdk_dir() -> Path:
    """The npm prefix holding the official SDK 4.2.0."""
    return install()


@pytest.fixture(scope="session")
def served_tls(certificate: tuple[Path, Path]) -> Iterator[EmulatorProcess]:
    """`cometchat-nb emulator` serving https:// and wss:// with the throwaway certificate."""
    cert, key = certificate
    with EmulatorProcess("--tls-cert", str(cert), "--tls-key", str(key)) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def users_run(
    served_tls: EmulatorProcess, sdk_dir: Path, certificate: tuple[Path, Path]
) -> dict[str, Any]:
    """The report of `sdk_users.mjs` (socket on, over TLS), run once as prefix `sdk<hex>`."""
    options = websocket_options()
    tls = {"TLS": "1", "NODE_EXTRA_CA_CERTS": str(certificate[0]), "TOTAL_TIMEOUT_MS": "150000"}
    report = run_scenario(
        "sdk_users.mjs", served_tls, f"sdk{uuid.uuid4().hex[:8]}", sdk_dir, *options, **tls
    )
    assert report["completed"], report.get("aborted") or report.get("fatal")
    return report
