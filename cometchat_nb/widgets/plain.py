"""The plain-text form of the widgets: what a saved, not yet run notebook shows.

A notebook opened before it runs (untrusted in JupyterLab, or in a viewer without
a kernel) shows a widget's `text/plain` form. ipywidgets puts the widget's
`repr` there, cut at 110 characters (`Dashboard(children=(LoginForm(children=...`);
these widgets say instead what they are, and that they come alive when the cell runs.
"""

from __future__ import annotations

from typing import Any

from ..display import fold

ALIVE = "(an interactive widget: it comes alive when you run this cell in Jupyter)"


def where(session: Any) -> str:
    """Where a session is connected, in words, without any secret."""
    if getattr(session, "emulator", None) is not None:
        return "the embedded emulator"
    return f"the CometChat app {session.app_id}"


class PlainTextRepr:
    """Mixin: a `text/plain` form saying what the widget does, for a session, and `ALIVE`."""

    #: What the widget lets the reader do, completing "<Name>: ...".
    describes = "a cometchat-nb widget"

    def plain_text(self) -> str:
        session = getattr(self, "session", None)
        on = f", for a session on {where(session)}" if session is not None else ""
        return fold(f"{type(self).__name__}: {self.describes}{on}") + "\n" + fold(ALIVE)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        if data is not None:  # ipywidgets returns None for a widget without a view
            data["text/plain"] = self.plain_text()
        return data
