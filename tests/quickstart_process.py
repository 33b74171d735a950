"""`make quickstart` as a reader runs it: started, its printed URL read, then stopped.

Used by the browser test (the printed URL opens the quick-start notebook) and the README
test. The server gets throwaway Jupyter and cometchat-nb directories, and `BROWSER=true`
so that it opens no browser on the machine running the tests.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

REPO = Path(__file__).resolve().parents[1]
# The URL JupyterLab prints for 127.0.0.1, with the token.
URL = re.compile(r"http://127\.0\.0\.1:\d+/\S*\?token=[0-9a-f]+")


def redacted(text: str) -> str:
    """`text` without token values (for failure messages)."""
    return re.sub(r"token=[0-9a-f]+", "token=REDACTED", text)


class Quickstart:
    """`make quickstart` in `cwd`, until `stop()`; `url` is the 127.0.0.1 URL it printed."""

    def __init__(self, cwd: Path, tmp: Path, timeout: float = 300.0) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COMETCHAT_", "PYTEST"))}
        env.update(
            BROWSER="true",  # `webbrowser` runs `true`: nothing opens
            JUPYTER_CONFIG_DIR=str(tmp / "config"),
            JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
            IPYTHONDIR=str(tmp / "ipython"),
            COMETCHAT_NB_HOME=str(tmp / "home"),
        )
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            ["make", "quickstart"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: stop() ends make and jupyter
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_url(timeout)
        self._wait_until_answering(timeout)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def _wait_for_url(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = URL.search(self.output)
            if found:
                return found.group()
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"make quickstart printed no URL:\n{redacted(self.output)[-3000:]}")

    def _wait_until_answering(self, timeout: float) -> None:
        """Poll the server's status API (with the printed token) until it answers 200."""
        base, _, rest = self.url.partition("/lab/")
        status = f"{base}/api/status?{rest.partition('?')[2]}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(status, timeout=5) as answer:
                    if answer.status == 200:
                        return
            except urllib.error.HTTPError as error:  # e.g. 403: not our server, or a bad token
                self.stop()
                raise RuntimeError(f"the printed URL's server answered {error.code}") from None
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server never answered:\n{redacted(self.output)[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(30)

    def __enter__(self) -> Quickstart:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
