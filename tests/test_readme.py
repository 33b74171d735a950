"""The README's Python examples and shell commands, and docs/emulator.md's examples, run as
written (the shell commands in a fresh clone)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from cometchat_nb import Emulator

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(path: Path) -> list[str]:
    blocks = re.findall(r"^( *)```python\n(.*?)^\1```", path.read_text(), flags=re.S | re.M)
    return [re.sub(rf"^{indent}", "", code, flags=re.M) for indent, code in blocks]


def run(path: Path) -> int:
    blocks = python_blocks(path)
    for block in blocks:
        exec(compile(block, str(path), "exec"), {})
    return len(blocks)


def test_readme_examples_run() -> None:
    assert run(ROOT / "README.md") >= 3


def test_emulator_doc_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its first example expects `COMETCHAT_EMULATOR_HOST` pointing at a running emulator."""
    with Emulator().serve(port=0) as server:
        monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", server.url.removeprefix("http://"))
        assert run(ROOT / "docs" / "emulator.md") >= 2
        assert "alice" in server.emulator.users


# -- the README's shell commands, as written, in a fresh clone --------------------------------

# Commands no test here runs, and why. Every other command of the README must be covered below.
NOT_RUN = {
    "make test": "it is this very suite (CI runs it through .ci/run)",
    "export COMETCHAT_": "needs a real CometChat app's keys",
    ".venv/bin/jupyter lab notebooks/": "the real-app section: needs a real CometChat app's keys",
    ".venv/bin/pip install voila": "it would change the venv the suite runs in (which has Voila)",
    ".venv/bin/voila notebooks/": "tests/browser/ serve the tutorials with Voila and click them",
}
EMULATORS = (".venv/bin/cometchat-nb emulator ", ".venv/bin/python -m cometchat_nb.emulator ")
README_PORT = "8790"


def bash_commands(path: Path) -> list[str]:
    """The commands of the ```bash blocks: comments dropped, continuations joined."""
    blocks = re.findall(r"^( *)```bash\n(.*?)^\1```", path.read_text(), flags=re.S | re.M)
    commands = []
    for _indent, code in blocks:
        for line in code.replace("\\\n", " ").splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh `git clone` of this checkout's HEAD, sharing this checkout's venv as `.venv`.

    Installing a venv per test run would take minutes and the network; the clone gets
    a `.venv` link to the venv running the tests, and a `pyproject.toml` older than its
    markers, so `make` sees it as set up, as it would be after a first `make quickstart`.
    """
    venv = Path(sys.prefix)
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    if not (venv / ".notebook").exists():
        pytest.skip("needs the Makefile's venv (make .venv/.test)")
    dest = tmp_path_factory.mktemp("clone") / "cometchat-nb"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True, timeout=120)
    heads = [
        subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout
        for repo in (ROOT, dest)
    ]
    assert heads[0] == heads[1], "the clone is not of this checkout's HEAD"
    (dest / ".venv").symlink_to(venv)
    older = (venv / ".notebook").stat().st_mtime - 60
    os.utime(dest / "pyproject.toml", (older, older))
    return dest


def environment(clone: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMETCHAT_", "PYTEST"))}
    env.update(PYTHONPATH=str(clone), PYTHONUNBUFFERED="1")
    return env


def test_every_readme_command_is_run_or_excused() -> None:
    commands = bash_commands(ROOT / "README.md")
    assert "make quickstart" in commands
    covered = ("make quickstart", "curl ", ".venv/bin/python benchmarks/", *EMULATORS, *NOT_RUN)
    assert [c for c in commands if not c.startswith(covered)] == []


def test_readme_make_quickstart_in_a_fresh_clone(clone: Path, tmp_path: Path) -> None:
    from quickstart_process import Quickstart, redacted

    with Quickstart(clone, tmp_path) as quickstart:
        assert "/lab/tree/notebooks/01-quickstart.ipynb?token=" in quickstart.url
        base, _, rest = quickstart.url.partition("/lab/tree/")
        path, _, query = rest.partition("?")
        with urllib.request.urlopen(f"{base}/api/contents/{path}?content=0&{query}") as answer:
            model = json.load(answer)
        assert model["path"] == "notebooks/01-quickstart.ipynb", redacted(str(model))
        with urllib.request.urlopen(quickstart.url) as answer:
            assert answer.status == 200


def test_readme_emulator_and_curl_commands_in_a_fresh_clone(clone: Path) -> None:
    commands = bash_commands(ROOT / "README.md")
    emulators = [c for c in commands if c.startswith(EMULATORS)]
    curls = [c for c in commands if c.startswith("curl ")]
    assert len(emulators) == 2 and curls
    for command in emulators:
        port = str(free_port())  # the README's port may be taken on a shared machine
        argv = shlex.split(command.replace(README_PORT, port))
        with subprocess.Popen(
            argv, cwd=clone, env=environment(clone), stdout=subprocess.PIPE, text=True
        ) as proc:
            try:
                assert proc.stdout is not None
                first = proc.stdout.readline()
                assert f"http://127.0.0.1:{port}" in first, first
                for curl in curls:
                    done = subprocess.run(
                        shlex.split(curl.replace(README_PORT, port)),
                        capture_output=True,
                        text=True,
                        timeout=60,
                    )
                    assert done.returncode == 0, done.stderr
                    uids = [user["uid"] for user in json.loads(done.stdout)["data"]]
                    assert "cometchat-uid-1" in uids
            finally:
                proc.send_signal(signal.SIGINT)  # Ctrl-C, as the README says
                proc.wait(30)


def test_readme_benchmark_command_in_a_fresh_clone(clone: Path) -> None:
    """The README's command, at the tiny size: the full measurement takes minutes."""
    (command,) = [
        c for c in bash_commands(ROOT / "README.md") if c.startswith(".venv/bin/python benchmarks/")
    ]
    done = subprocess.run(
        [*shlex.split(command), "--tiny", "--json", str(clone / "tiny.json")],
        cwd=clone,
        env=environment(clone),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ratio" in done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def console_commands(path: Path) -> list[str]:
    """The `$ ` commands of the ```console blocks, continuations joined."""
    blocks = re.findall(r"^```console\n(.*?)^```", path.read_text(), flags=re.S | re.M)
    text = "\n".join(blocks).replace("\\\n", " ")
    return [line[2:].strip() for line in text.splitlines() if line.startswith("$ ")]


def test_the_testing_docs_install_and_emulator_commands_run_as_written(
    clone: Path, tmp_path: Path
) -> None:
    """docs/testing.md: its emulator commands, in order, then curl against each; its install
    command names an extra that brings pytest (not run: it would reinstall the suite's venv)."""
    import tomllib

    doc = ROOT / "docs" / "testing.md"
    (install,) = bash_commands(doc)
    assert install == "pip install -e '.[test]'"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("pytest") for d in extras["optional-dependencies"]["test"])
    commands = console_commands(doc)
    emulators = [c for c in commands if c.startswith("cometchat-nb emulator ")]
    (curl,) = [c for c in commands if c.startswith("curl ")]
    assert len(emulators) == 2 and "--import state.json" in emulators[1]
    env = environment(clone)
    env["PATH"] = f"{clone / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    for command in emulators:  # the first writes state.json, the second starts from it
        port = str(free_port())
        argv = shlex.split(command.replace(README_PORT, port))
        with subprocess.Popen(
            argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
        ) as proc:
            try:
                assert proc.stdout is not None
                first = proc.stdout.readline()
                assert f"http://127.0.0.1:{port}" in first, first
                done = subprocess.run(
                    shlex.split(curl.replace(README_PORT, port)),
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                assert done.returncode == 0 and '"data"' in done.stdout, done.stdout
            finally:
                proc.send_signal(signal.SIGINT)
                proc.wait(30)
        assert proc.returncode == 0
        assert "cometchat-uid-1" in (tmp_path / "state.json").read_text()
