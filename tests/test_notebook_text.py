"""The tutorials' committed outputs read well as text, in a narrow notebook, untrusted.

A notebook opened before it runs (untrusted in JupyterLab, or on GitHub) shows the text
forms: printed lines, a widget's `text/plain`, each repr's `<pre>` fallback. JupyterLab's
output `<pre>` breaks lines anywhere (`word-break: break-all`), so a line wider than the
column wraps mid-word ("crea/ted", a number cut in two). The text forms keep their lines
within `TEXT_WIDTH` (80 columns fit an 800 px wide notebook), and a repr's fallback, whose
lines may be longer, carries the inline style that wraps it between words instead.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cometchat_nb.display import TEXT_STYLE, TEXT_WIDTH

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
FALLBACK = re.compile(r"<pre class='cc-text-repr-fallback'([^>]*)>(.*?)</pre>", re.S)


def text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def too_wide(where: str, lines: str) -> list[str]:
    return [
        f"{where}: {len(line)} columns: {line}"
        for line in lines.splitlines()
        if len(line) > TEXT_WIDTH
    ]


def problems(notebook: Path) -> list[str]:
    """Every text form in `notebook`'s outputs that would wrap mid-word in a narrow view."""
    found: list[str] = []
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for number, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            where = f"{notebook.name} cell {number}"
            if output["output_type"] == "stream":
                found += too_wide(f"{where} printed", text(output["text"]))
                continue
            data: dict[str, Any] = output.get("data", {})
            page = text(data.get("text/html", ""))
            for style, body in FALLBACK.findall(page):
                if TEXT_STYLE not in style:
                    found.append(f"{where}: a text fallback that wraps mid-word")
                words = html.unescape(body).split()
                found += [
                    f"{where}: a word too long to wrap: {w}" for w in words if len(w) > TEXT_WIDTH
                ]
            shown_as_text = not page or "application/vnd.jupyter.widget-view+json" in data
            if shown_as_text:
                found += too_wide(f"{where} text", text(data.get("text/plain", "")))
    return found


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_committed_text_forms_never_wrap_mid_word(notebook: Path) -> None:
    assert problems(notebook) == []


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    """A long printed line, an unstyled fallback and a long widget text are each found."""
    long = "x " * 50
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": [long]},
        {
            "output_type": "display_data",
            "data": {"text/html": "<pre class='cc-text-repr-fallback'>a</pre>"},
        },
        {"output_type": "display_data", "data": {"text/plain": long}},
    ]
    notebook = tmp_path / "n.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": outputs}]}))
    assert len(problems(notebook)) == 3
