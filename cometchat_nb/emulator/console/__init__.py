"""The emulator's console: a page in the browser over the same routes the Python client uses.

Served at `GET /_emulator/ui` (its assets under `/_emulator/ui/`) with no key: the page
asks for the REST API key and keeps it in the tab's session storage. Plain HTML, CSS
and JavaScript shipped as package data; the page's policy lets it reach only the
emulator that served it. `frame(url)` shows it in a notebook.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

#: The console's path on a served emulator.
PATH = "/_emulator/ui"
#: Its files, by the name after `/_emulator/ui/` ("" for the page), with their types.
FILES = {
    "": ("index.html", "text/html; charset=utf-8"),
    "console.css": ("console.css", "text/css; charset=utf-8"),
    "console.js": ("console.js", "text/javascript; charset=utf-8"),
}
#: Sent with each file: nothing is loaded or reached but the emulator itself.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def url(base: str) -> str:
    """The console's address on the emulator served at `base` (e.g. `http://127.0.0.1:8790`)."""
    return base.rstrip("/") + PATH


def asset(name: str) -> tuple[bytes, str] | None:
    """A console file's bytes and content type, by its name after `/_emulator/ui/`; None if
    there is no such file."""
    found = FILES.get(name)
    if found is None:
        return None
    filename, content_type = found
    return resources.files(__name__).joinpath(filename).read_bytes(), content_type


def frame(base: str, width: str = "100%", height: int = 720) -> Any:
    """The console of the emulator served at `base`, as an IFrame a notebook displays."""
    from IPython.display import IFrame

    return IFrame(url(base), width=width, height=height)
