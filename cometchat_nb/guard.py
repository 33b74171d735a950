"""The live guard: while it is on, sessions reach only loopback addresses and emulators.

It is on when `COMETCHAT_NB_FORBID_LIVE` is set (to anything but "" or "0"): a CI job
sets it to keep every session in the job off real CometChat apps, and cometchat-nb's
pytest plugin sets it for every test not marked `cometchat_live`. Every request a
`Session` or `AsyncSession` sends is checked here first; one aimed at a real app (an app
id with explicit keys, `client_host`, `COMETCHAT_*` variables) raises `LiveAppForbidden`
before a byte is sent.
"""

from __future__ import annotations

import ipaddress
import os

import httpx

#: The variable that turns the guard on.
VARIABLE = "COMETCHAT_NB_FORBID_LIVE"
#: The pytest mark of tests allowed to reach a real app.
MARK = "cometchat_live"
#: The service's own domain: never an emulator.
SERVICE_DOMAIN = "cometchat.io"


class LiveAppForbidden(RuntimeError):
    """A session was about to reach a real CometChat app while the live guard is on."""


def active() -> bool:
    """Whether the guard is on (`COMETCHAT_NB_FORBID_LIVE` set)."""
    return os.environ.get(VARIABLE, "") not in ("", "0")


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine: `localhost` or a loopback address (no lookup)."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check(request: httpx.Request, *, emulator: bool) -> None:
    """Raise `LiveAppForbidden` if the guard is on and `request` would leave for a real app.

    Allowed: loopback hosts, and a session's emulator (in-process, or served anywhere
    but on CometChat's own domain).
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this one
    if not active():
        return
    host = request.url.host
    on_service = host == SERVICE_DOMAIN or host.endswith("." + SERVICE_DOMAIN)
    if is_loopback(host) or (emulator and not on_service):
        return
    raise LiveAppForbidden(
        f"cometchat-nb's live guard stopped a {request.method} to {host} before sending it: "
        f"{VARIABLE} is set, so sessions reach only loopback and emulators. In pytest, mark "
        f"the test @pytest.mark.{MARK} (it then runs only when COMETCHAT_APP_ID, "
        "COMETCHAT_REGION and COMETCHAT_AUTH_KEY or COMETCHAT_REST_API_KEY are set); "
        f"elsewhere, unset {VARIABLE}."
    )
