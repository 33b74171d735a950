"""`UserTable`: a create-user form and the table of the users a session created."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets

from .. import display
from ..models import Event
from .base import RENDER_INTERVAL, Coalescer, SessionWidget

if TYPE_CHECKING:
    from ..session import Session


class UserTable(SessionWidget):
    """Create users (uid and name) and see every user the session created.

    The table refreshes on `user_created` events (from this form, code or bulk
    creation), coalesced like the event log. A failed create shows its code and
    message here and in the event log.
    """

    def __init__(
        self,
        session: Session,
        *,
        interval: float = RENDER_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        self.uid = ipywidgets.Text(description="UID", placeholder="e.g. kevin")
        self.uid.add_class("cc-user-uid")
        self.name = ipywidgets.Text(description="Name", placeholder="e.g. Kevin")
        self.name.add_class("cc-user-name")
        self.create = ipywidgets.Button(description="Create user", button_style="primary")
        self.create.add_class("cc-user-create")
        self.status = ipywidgets.HTML()
        self.status.add_class("cc-user-status")
        self.table = ipywidgets.HTML()
        self.table.add_class("cc-user-table")
        self.coalescer = Coalescer(self._render, interval, clock)
        super().__init__(
            session,
            [ipywidgets.HBox([self.uid, self.name, self.create]), self.status, self.table],
            **kwargs,
        )
        self.add_class("cc-user-table-box")
        self.create.on_click(self._on_create)
        self.coalescer.render()

    @property
    def renders(self) -> int:
        """How many times the table has been rendered."""
        return self.coalescer.renders

    def _on_create(self, _button: Any = None) -> None:
        self.create.disabled = True
        try:
            user = self.session.create_user(
                {"uid": self.uid.value.strip(), "name": self.name.value}
            )
        except Exception as exc:
            self.status.value = display.error_line(exc)
            self._report("create user", exc)
        else:
            self.uid.value = self.name.value = ""
            self.status.value = f"Created <code>{display.escape(user.uid)}</code>"
        finally:
            self.create.disabled = False

    def _on_event(self, event: Event) -> None:
        if event.name == "user_created":
            self.coalescer.touch()

    def _on_flush(self) -> None:
        self.coalescer.flush()

    def _render(self) -> None:
        self.table.value = display.users_html(self.session.created_users)
