"""`LoginForm`: log in with a UID and auth key or with an auth token; log out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets

from ..display import forms
from ..errors import CometChatException
from ..models import Event, User
from .base import Coalescer, SessionWidget, field_layout
from .printed import Printed

if TYPE_CHECKING:
    from ..session import Session

_FOLLOWED = ("login_success", "login_failure", "logout_success", "session_cleared")
DEV_NOTE = (
    "<small>Development only: the auth key can create and log in any user. "
    "In production, mint an auth token on your server "
    "(<code style='font-size: inherit'>session.admin.create_auth_token(uid)</code>) and use the "
    "Auth Token tab.</small>"
)
#: What the status line says after the login changed outside the form.
ELSEWHERE = "The login changed outside this form (a cell, another widget or another session)."
TOKEN_NOTE = "<small>An auth token minted server-side for one user (REST API).</small>"


class LoginForm(SessionWidget):
    """Log in (tabs "Auth Key" and "Auth Token") and out of a `Session`, with a status line.

    A typed key or token is read and cleared at once, never written back: the
    widget state saved in a notebook never holds it. An empty auth key field
    means "the session's key" (its placeholder shows it masked). The buttons are
    disabled while a call runs; Log out is disabled when nobody is logged in.

    The status line shows the outcome of this form's own last click (after a
    failed one, whether the login that was there survived) and who is logged in.
    A login or logout done elsewhere (a cell, another widget, another session on
    the same store) never shows as this form's error: the form follows it and
    says that the login changed outside it. What listeners print during a
    click's call shows under the status line (`printed`).
    """

    describes = "log in with a UID and Auth Key or with an Auth Token, and log out"

    def __init__(self, session: Session, **kwargs: Any) -> None:
        field = field_layout()
        self.uid = ipywidgets.Text(
            description="UID", placeholder="e.g. cometchat-uid-1", layout=field
        )
        self.uid.add_class("cc-login-uid")
        self.auth_key = ipywidgets.Password(description="Auth Key", layout=field_layout())
        self.auth_key.add_class("cc-login-auth-key")
        self.token = ipywidgets.Password(
            description="Auth Token", placeholder="auth token", layout=field_layout()
        )
        self.token.add_class("cc-login-token")
        self.tabs = ipywidgets.Tab(
            children=[
                ipywidgets.VBox(
                    [self.uid, self.auth_key, ipywidgets.HTML(forms.FORM_CSS + DEV_NOTE)]
                ),
                ipywidgets.VBox([self.token, ipywidgets.HTML(TOKEN_NOTE)]),
            ],
            titles=("Auth Key", "Auth Token"),
        )
        self.submit = ipywidgets.Button(description="Log in", button_style="primary")
        self.submit.add_class("cc-login-submit")
        self.logout = ipywidgets.Button(description="Log out")
        self.logout.add_class("cc-logout")
        self.status = ipywidgets.HTML()
        self.status.add_class("cc-login-status")
        self.printed = Printed()
        self._error: BaseException | None = None  # the failure of this form's last click
        self._before: User | None = None  # who was logged in when that click came
        self._clicking = False  # this form's call is running: its events are its own
        self._elsewhere: str | None = None  # what changed the login outside this form
        super().__init__(
            session,
            [
                self.tabs,
                ipywidgets.HBox(
                    [self.submit, self.logout], layout=ipywidgets.Layout(flex_flow="row wrap")
                ),
                self.status,
                self.printed,
            ],
            **kwargs,
        )
        self.add_class("cc-login-form")
        self.submit.on_click(self._on_submit)
        self.logout.on_click(self._on_logout)
        self.coalescer: Coalescer = Coalescer(self._follow)  # logins done elsewhere, paced
        self._show()

    # -- clicks ----------------------------------------------------------------

    def _on_submit(self, _button: Any = None) -> None:
        if self.tabs.selected_index == 1:
            token, self.token.value = self.token.value, ""
            self._call("log in", lambda: self.session.login(auth_token=token))
        else:
            key, self.auth_key.value = self.auth_key.value, ""
            uid = self.uid.value.strip()
            self._call("log in", lambda: self.session.login(uid, key or None))

    def _on_logout(self, _button: Any = None) -> None:
        self._call("log out", self.session.logout)

    def _call(self, during: str, action: Any) -> None:
        """Run a session call with the buttons disabled; show its outcome here.

        The service's refusals (`CometChatException`) are the session's events
        already; anything else is reported to the event log too. A kernel interrupt
        stops the call and shows as "Interrupted" (with who is logged in after it).
        """
        self.submit.disabled = self.logout.disabled = True
        self._error, self._elsewhere = None, None
        self._before = self.session.get_logged_in_user()
        self._clicking = True
        try:
            with self.printed.capture():
                action()
        except CometChatException as exc:
            self._error = exc
        except Exception as exc:
            self._error = exc
            self._report(during, exc)
        except KeyboardInterrupt as exc:  # the kernel interrupted: say so, keep the kernel
            self._error = exc
        finally:
            self._clicking = False
            self._show()

    # -- following the session ---------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if event.name not in _FOLLOWED or self._clicking:
            return
        self._error = None  # this form's last outcome is no longer what shows
        self._elsewhere = ELSEWHERE
        self.coalescer.touch()

    def _follow(self) -> None:
        self._show(busy=self._clicking)

    def _show(self, busy: bool = False) -> None:
        user = self.session.get_logged_in_user()
        self.status.value = forms.status_html(user, self._error, self._before, self._elsewhere)
        key = self.session.auth_key
        self.auth_key.placeholder = (
            f"session key {key.masked}" if key else "auth key (the session has none)"
        )
        self.submit.disabled = busy
        self.logout.disabled = busy or user is None
