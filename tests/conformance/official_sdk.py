"""CometChat's official JS SDK 4.2.0 for the conformance tests: installed from npm into a
cache outside the repo (never vendored), and a scenario script run by Node against an emulator.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from emulator_process import EmulatorProcess
from needs import unavailable

from cometchat_nb.emulator import APP_ID, AUTH_KEY, REST_API_KEY

SDK = "@cometchat/chat-sdk-javascript"
SDK_VERSION = "4.2.0"
HERE = Path(__file__).resolve().parent
NPM_PREFIX = Path(
    os.environ.get("COMETCHAT_NB_NPM_PREFIX", Path.home() / ".cache" / "cometchat-nb" / "npm")
)


def installed_version() -> str | None:
    package = NPM_PREFIX / "node_modules" / SDK / "package.json"
    try:
        return str(json.loads(package.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def install() -> Path:
    """The npm prefix holding the SDK, installed there once and reused (skips without Node
    or npm, except under `CI=true`)."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed")
    if installed_version() != SDK_VERSION:
        done = subprocess.run(
            ["npm", "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund",
             "--ignore-scripts", f"{SDK}@{SDK_VERSION}"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if done.returncode != 0 or installed_version() != SDK_VERSION:
            unavailable(f"npm install {SDK}@{SDK_VERSION} failed: {done.stderr[-2000:]}")
    return NPM_PREFIX


def run_script(script: str, env: dict[str, str], *node_options: str) -> dict[str, Any]:
    """Run a script of this folder in Node with `env` added; the JSON report it prints (the
    run must reach its end: exit 0)."""
    done = subprocess.run(
        ["node", *node_options, str(HERE / script)],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"harness exit {done.returncode}: {done.stdout[-3000:]}"
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def run_scenario(
    script: str,
    emulator: EmulatorProcess,
    uid: str,
    sdk_dir: Path,
    *node_options: str,
    **env: str,
) -> dict[str, Any]:
    """Run a scenario script of this folder (Node with `node_options`) against `emulator` as
    user `uid`; its report."""
    environment = {
        "EMULATOR_HOST": emulator.host,
        "APP_ID": APP_ID,
        "AUTH_KEY": AUTH_KEY,
        "REST_API_KEY": REST_API_KEY,
        "UID": uid,
        "SDK_DIR": str(sdk_dir),
        **env,
    }
    report = run_script(script, environment, *node_options)
    report["emulator_host"] = emulator.host
    return report


def websocket_options() -> tuple[str, ...]:
    """The Node options that give the SDK a `WebSocket` (Node 20 has it behind a flag; from 22
    on it is there): a skip where Node has none, a failure under CI."""
    for options in ((), ("--experimental-websocket",)):
        probe = [*options, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"]
        if subprocess.run(["node", *probe], capture_output=True, timeout=60).returncode == 0:
            return options
    unavailable("this Node has no WebSocket (Node 20.10 or later has one)")
