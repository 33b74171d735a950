"""`RemoteEmulator`: a handle on an emulator served by another process, known by its URL."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .defaults import APP_ID, REGION


@dataclass(frozen=True)
class RemoteEmulator:
    """An emulator reached over HTTP that this process does not hold (`cometchat-nb emulator`).

    What `session.emulator` is when `COMETCHAT_EMULATOR_HOST` points a session at
    one: its base `url` and the `app_id` and `region` used with it. It holds no
    keys and no state; inspect or reset that in the process that serves it.
    """

    url: str
    app_id: str = APP_ID
    region: str = REGION

    @classmethod
    def at(cls, host: str, app_id: str = APP_ID, region: str = REGION) -> RemoteEmulator:
        """The emulator at `host:port` (as in `COMETCHAT_EMULATOR_HOST`); `http://` by default.

        Raises `ValueError` for an empty or malformed address.
        """
        address = host.strip()
        parts = urlsplit(address if "://" in address else f"http://{address}")
        try:
            parts.port  # noqa: B018 (raises ValueError for a bad port)
        except ValueError:
            parts = parts._replace(netloc="")
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.query
            or any(c.isspace() for c in address)
        ):
            raise ValueError(
                f"not an emulator address: {host!r} (expected host:port, e.g. 127.0.0.1:8790)"
            )
        return cls(
            f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}", app_id, region.lower()
        )
