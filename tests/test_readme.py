"""The Python examples of the README and of docs/emulator.md run as written."""

from __future__ import annotations

import re
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
