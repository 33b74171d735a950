"""`Printed`: what the session calls run by a click printed, shown in the notebook.

A click handler runs outside any cell, so what a login listener prints during
it (`print` in `login_success`, a failing listener's warning) would go to
JupyterLab's log console, and nowhere at all in Voila. The forms run their
session calls inside `Printed.capture()`, which collects stdout and stderr for
that call and shows them in this HTML widget, under the form. Nothing relies
on an `Output` widget's capture of a callback's output. (`sys.stdout` is
process-wide: a background thread printing during the call lands here too.)
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout

import ipywidgets

from ..display import forms
from ..secret import redact

#: The most lines of printed text kept on show.
MAX_LINES = 20


class Printed(ipywidgets.HTML):  # type: ignore[misc]
    """The text the last click's session call printed; hidden while there is none."""

    def __init__(self) -> None:
        super().__init__(value="")
        self.add_class("cc-printed")
        self.layout.display = "none"
        self.text = ""

    @contextmanager
    def capture(self) -> Iterator[None]:
        """Collect what is printed inside the block, then show it (or hide if nothing)."""
        buffer = io.StringIO()
        try:
            with redirect_stdout(buffer), redirect_stderr(buffer):
                yield
        finally:
            self.show(buffer.getvalue())

    def show(self, text: str) -> None:
        """Show `text` (its last `MAX_LINES` lines, secrets redacted); hide if empty."""
        lines = redact(text).rstrip("\n").splitlines()[-MAX_LINES:]
        self.text = "\n".join(lines)
        if not self.text:
            self.value, self.layout.display = "", "none"
            return
        self.value = forms.printed_html(self.text)
        self.layout.display = None
