"""`cometchat-nb emulator` as a child process for tests: on a free port, stopped by signal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SERVING = re.compile(r"^cometchat-nb emulator serving .* at (\S+)$")


def emulator_command() -> list[str]:
    """The console script next to this Python, else `python -m cometchat_nb.emulator`."""
    script = Path(sys.executable).with_name("cometchat-nb")
    if script.exists():
        return [str(script), "emulator"]
    return [sys.executable, "-m", "cometchat_nb.emulator"]


class EmulatorProcess:
    """Runs the CLI with `args` (plus `--port 0`); `url` once its banner is printed."""

    def __init__(
        self, *args: str, command: list[str] | None = None, start_timeout: float = 30.0
    ) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.lines: list[str] = []
        self._served = threading.Event()
        self.url = ""
        self.proc = subprocess.Popen(
            [*(command or emulator_command()), "--port", "0", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._served.wait(start_timeout):
            self.stop(signal.SIGKILL)
            raise RuntimeError("emulator did not start:\n" + self.output)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if not self.url and (match := _SERVING.match(self.lines[-1])):
                self.url = match.group(1)
                self._served.set()

    @property
    def host(self) -> str:
        """`host:port`, as the JS SDK's overrides and `COMETCHAT_EMULATOR_HOST` want it."""
        return self.url.split("://", 1)[1]

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Send `sig`, wait for the exit (killing after `timeout`); the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        self._reader.join(timeout)
        return self.proc.returncode

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
