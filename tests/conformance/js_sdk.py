"""CometChat's official JS SDK for the conformance tests: installed from npm into a cache
outside the repo (never vendored)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from needs import unavailable

SDK = "@cometchat/chat-sdk-javascript"
SDK_VERSION = "4.2.0"
NPM_PREFIX = Path(
    os.environ.get("COMETCHAT_NB_NPM_PREFIX", Path.home() / ".cache" / "cometchat-nb" / "npm")
)
HERE = Path(__file__).resolve().parent


def _installed_version() -> str | None:
    package = NPM_PREFIX / "node_modules" / SDK / "package.json"
    try:
        return str(json.loads(package.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def install() -> Path:
    """The npm prefix holding the SDK, installed there once and reused (a skip without
    Node or npm, a failure under CI)."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed")
    if _installed_version() != SDK_VERSION:
        done = subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(NPM_PREFIX),
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                f"{SDK}@{SDK_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 or _installed_version() != SDK_VERSION:
            unavailable(f"npm install {SDK}@{SDK_VERSION} failed: {done.stderr[-2000:]}")
    return NPM_PREFIX


def run_harness(script: str, env: dict[str, str], *node_options: str) -> dict[str, Any]:
    """Run a harness of this folder in Node with `env` added; the JSON report it prints."""
    done = subprocess.run(
        ["node", *node_options, str(HERE / script)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"harness exit {done.returncode}: {done.stdout[-3000:]}"
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def websocket_options() -> tuple[str, ...]:
    """The Node options that give the SDK a `WebSocket` (Node 20 has it behind a flag; from 22
    on it is there): a skip where Node has none, a failure under CI."""
    for options in ((), ("--experimental-websocket",)):
        probe = [*options, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"]
        if subprocess.run(["node", *probe], capture_output=True, timeout=60).returncode == 0:
            return options
    unavailable("this Node has no WebSocket (Node 20.10 or later has one)")
