"""Shared fixtures: a fresh emulator per test, and no real credentials from the environment."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from needs import unavailable

from cometchat_nb import AsyncSession, Emulator, Session
from cometchat_nb.emulator.server import Server


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests never see a developer's COMETCHAT_* settings or session files."""
    for name in (
        "APP_ID",
        "REGION",
        "AUTH_KEY",
        "REST_API_KEY",
        "CLIENT_HOST",
        "ADMIN_HOST",
        "EMULATOR_HOST",
    ):
        monkeypatch.delenv(f"COMETCHAT_{name}", raising=False)
    monkeypatch.setenv("COMETCHAT_NB_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator()
    yield emu
    emu.close()


@pytest.fixture
def server(emulator: Emulator) -> Iterator[Server]:
    """The test's emulator, served over real HTTP on a free port."""
    with emulator.serve(port=0) as served:
        yield served


@pytest.fixture
def session(emulator: Emulator) -> Iterator[Session]:
    with Session(emulator=emulator) as s:
        yield s


@pytest.fixture
async def async_session(emulator: Emulator) -> AsyncSession:
    async with AsyncSession(emulator=emulator) as s:
        yield s


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1, and its key: (cert.pem, key.pem)."""
    if shutil.which("openssl") is None:
        unavailable("the TLS tests need openssl to make a throwaway certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key
