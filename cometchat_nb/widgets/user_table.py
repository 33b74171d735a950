"""`UserTable`: a create-user form and the table of the users a session created."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets

from .. import display
from ..display import forms
from ..errors import CometChatException, NotFoundError
from ..models import Event, User
from .base import RENDER_INTERVAL, Coalescer, SessionWidget
from .printed import Printed

if TYPE_CHECKING:
    from ..session import Session


class UserTable(SessionWidget):
    """Create users (uid and name) and see the users the session created (its latest
    `keep_created`; the table says how many older ones were let go).

    The table refreshes on `user_created` events (from this form, code or bulk
    creation), coalesced like the event log. A create the service refuses (a
    duplicate uid, an empty name) shows as a row error under the form: the uid
    and name asked for, the code and message. Anything else that goes wrong in a
    click is also reported to the event log. Users deleted since (by a later cell, or
    elsewhere) leave the table on `refresh()` (the Refresh button), which asks
    the service which of them still exist.
    """

    describes = "create users (UID and name) and see the users the session created"

    def __init__(
        self,
        session: Session,
        *,
        interval: float = RENDER_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        # the fields share the row's width; the buttons keep theirs (their labels in full);
        # the row wraps when it is too narrow for them all
        field = {"width": "auto", "flex": "1 1 12em", "min_width": "min(100%, 12em)"}
        button = {"width": "auto", "flex": "0 0 auto"}
        self.uid = ipywidgets.Text(
            description="UID", placeholder="e.g. kevin", layout=ipywidgets.Layout(**field)
        )
        self.uid.add_class("cc-user-uid")
        self.name = ipywidgets.Text(
            description="Name", placeholder="e.g. Kevin", layout=ipywidgets.Layout(**field)
        )
        self.name.add_class("cc-user-name")
        self.create = ipywidgets.Button(
            description="Create user", button_style="primary", layout=ipywidgets.Layout(**button)
        )
        self.create.add_class("cc-user-create")
        self.refresh_button = ipywidgets.Button(
            description="Refresh",
            icon="refresh",
            tooltip="Drop the users deleted since",
            layout=ipywidgets.Layout(**button),
        )
        self.refresh_button.add_class("cc-user-refresh")
        self.printed = Printed()
        self._gone: set[str] = set()
        self.status = ipywidgets.HTML()
        self.status.add_class("cc-user-status")
        self.table = ipywidgets.HTML()
        self.table.add_class("cc-user-table")
        self.coalescer: Coalescer = Coalescer(self._render, interval, clock)
        super().__init__(
            session,
            [
                ipywidgets.HBox(
                    [self.uid, self.name, self.create, self.refresh_button],
                    layout=ipywidgets.Layout(flex_flow="row wrap"),
                ),
                self.status,
                self.printed,
                self.table,
            ],
            **kwargs,
        )
        self.add_class("cc-user-table-box")
        self.create.on_click(self._on_create)
        self.refresh_button.on_click(lambda _button: self.refresh())
        self.coalescer.render()

    @property
    def renders(self) -> int:
        """How many times the table has been rendered."""
        return self.coalescer.renders

    def _on_create(self, _button: Any = None) -> None:
        self.create.disabled = True
        try:
            with self.printed.capture():
                user = self.session.create_user(
                    {"uid": self.uid.value.strip(), "name": self.name.value}
                )
        except CometChatException as exc:  # the service's (or the checks') answer
            self.status.value = forms.row_error_html(self.uid.value.strip(), self.name.value, exc)
        except Exception as exc:
            self.status.value = forms.row_error_html(self.uid.value.strip(), self.name.value, exc)
            self._report("create user", exc)
        except KeyboardInterrupt as exc:  # the kernel interrupted: say so, keep the kernel
            self.status.value = forms.row_error_html(self.uid.value.strip(), self.name.value, exc)
        else:
            self.uid.value = self.name.value = ""
            self.status.value = forms.created_html(user)
        finally:
            self.create.disabled = False

    def refresh(self) -> None:
        """Ask the service which of the users shown still exist; drop the deleted ones.

        One `get_user` per user shown (with the session's token, else the REST API
        key). A failure other than "not found" shows in the status line.
        """
        gone = set(self._gone)
        try:
            for user in self.session.created_users:
                if user.uid in gone:
                    continue
                try:
                    self.session.get_user(user.uid)
                except NotFoundError:
                    gone.add(user.uid)
        except Exception as exc:
            self.status.value = display.error_line(exc)
        else:
            deleted = len(gone)
            self.status.value = (
                f"{deleted} user{'s' if deleted > 1 else ''} deleted since: no longer shown"
                if deleted
                else ""
            )
        self._gone = gone
        self.coalescer.render()

    def _on_event(self, event: Event) -> None:
        if event.name == "user_created":
            if isinstance(event.payload, User):
                self._gone.discard(event.payload.uid)  # created again
            self.coalescer.touch()

    def _render(self) -> None:
        created = self.session.created_users
        users = [u for u in created if u.uid not in self._gone]
        self.table.value = forms.FORM_CSS + display.users_html(users, dropped=created.dropped)
