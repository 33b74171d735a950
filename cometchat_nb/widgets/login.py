"""`LoginForm`: log in with a UID and auth key or with an auth token; log out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets

from .. import display
from ..models import Event, User
from .base import Coalescer, SessionWidget
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
TOKEN_NOTE = "<small>An auth token minted server-side for one user (REST API).</small>"


def who_html(user: User | None, logged_in: str = "Logged in") -> str:
    """Who is logged in, in words: `Logged in as <uid> (<name>)` or `Not logged in`."""
    if user is None:
        return "Not logged in"
    name = f" ({display.escape(user.name)})" if user.name else ""
    return f"{logged_in} as <code>{display.escape(user.uid)}</code>{name}"


def status_html(user: User | None, error: BaseException | None = None) -> str:
    """The status line: who is logged in, after the last error's code and message if any.

    After a failed login the reader still needs to know whether anyone (and who)
    is logged in: a failure does not say so by itself.
    """
    if error is None:
        return who_html(user)
    return f"{display.error_line(error)}<br>{who_html(user, 'Still logged in')}"


class LoginForm(SessionWidget):
    """Log in (tabs "Auth Key" and "Auth Token") and out of a `Session`, with a status line.

    A typed key or token is read and cleared at once, never written back: the
    widget state saved in a notebook never holds it. An empty auth key field
    means "the session's key" (its placeholder shows it masked). The buttons are
    disabled while a call runs; Log out is disabled when nobody is logged in. The
    form follows logins, logouts and cleared sessions done in code. What listeners
    print during a click's call shows under the status line (`printed`).
    """

    describes = "log in with a UID and Auth Key or with an Auth Token, and log out"

    def __init__(self, session: Session, **kwargs: Any) -> None:
        self.uid = ipywidgets.Text(description="UID", placeholder="e.g. cometchat-uid-1")
        self.uid.add_class("cc-login-uid")
        self.auth_key = ipywidgets.Password(description="Auth Key")
        self.auth_key.add_class("cc-login-auth-key")
        self.token = ipywidgets.Password(description="Auth Token", placeholder="auth token")
        self.token.add_class("cc-login-token")
        self.tabs = ipywidgets.Tab(
            children=[
                ipywidgets.VBox([self.uid, self.auth_key, ipywidgets.HTML(DEV_NOTE)]),
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
        self._error: BaseException | None = None
        self._reported: Any = None  # the payload of the last failure event seen
        self._failed_in_call = False  # a login failed in the session call now running
        super().__init__(
            session,
            [self.tabs, ipywidgets.HBox([self.submit, self.logout]), self.status, self.printed],
            **kwargs,
        )
        self.add_class("cc-login-form")
        self.submit.on_click(self._on_submit)
        self.logout.on_click(self._on_logout)
        self.coalescer: Coalescer = Coalescer(self._follow)  # code's logins and logouts, paced
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
        """Run a session call with the buttons disabled; show and report its failure."""
        self.submit.disabled = self.logout.disabled = True
        self._error = None
        try:
            with self.printed.capture():
                action()
        except Exception as exc:
            self._error = exc
            if exc is not self._reported:  # the session did not put it in the log already
                self._report(during, exc)
        finally:
            self._show()

    # -- following the session ---------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if event.name not in _FOLLOWED:
            return
        if event.name == "login_failure":
            self._reported = self._error = event.payload
            self._failed_in_call = True
        elif event.name == "login_success" or not self._failed_in_call:
            self._error = None  # (a rejected token's logout keeps the failure shown)
        self.coalescer.touch()

    def _on_flush(self) -> None:
        self._failed_in_call = False
        self.coalescer.flush()

    def _follow(self) -> None:
        self._show(busy=self.submit.disabled)

    def _show(self, busy: bool = False) -> None:
        user = self.session.get_logged_in_user()
        self.status.value = status_html(user, self._error)
        key = self.session.auth_key
        self.auth_key.placeholder = (
            f"session key {key.masked}" if key else "auth key (the session has none)"
        )
        self.submit.disabled = busy
        self.logout.disabled = busy or user is None
