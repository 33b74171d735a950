"""The tutorials' widgets in a real browser: JupyterLab and Voila, clicked like a reader would.

Screenshots of every step go to `artifacts/browser/<test>/` for humans; nothing is compared
pixel by pixel. Legibility is measured instead: the contrast ratio (WCAG) between each text's
computed colour and the background it is drawn on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from cometchat_nb.emulator.defaults import AUTH_KEY, REST_API_KEY

QUICKSTART = "01-quickstart.ipynb"
# The HTML widgets (their content may reuse the class names, hence `.widget-html`).
STATUS, EVENT_LOG, USER_TABLE = (
    f".widget-html.{name}" for name in ("cc-login-status", "cc-event-log", "cc-user-table")
)
SMOKE = "widgets-smoke.ipynb"
LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"
# WCAG AA: 4.5 for body text, 3 for large text and UI parts. Every text must reach 3 (the
# theme's own secondary colours, e.g. `--jp-content-font-color2`, sit at 4.2-4.5); the
# content itself (uids, names, event names, the status line) must reach 4.5.
MIN_CONTRAST, MIN_CONTENT_CONTRAST = 3.0, 4.5
CONTENT = (
    "Logged in as",
    "login_success",
    "smoke-ada",
    "Ada Lovelace",
    "cometchat-uid-1",
    "EMULATOR",
)
# Every part of the widgets and reprs that shows text.
WIDGETS = ".cc-login-form, .cc-event-log-box, .cc-user-table-box, .cc-repr"

# Contrast of every visible text (and filled input) under `selector`: text colour against the
# background blended up through its ancestors, as the WCAG formula defines it.
CONTRAST_JS = """
(selector) => {
  const parse = (css) => {
    const m = css.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, base) => ({
    r: top.r * top.a + base.r * (1 - top.a), g: top.g * top.a + base.g * (1 - top.a),
    b: top.b * top.a + base.b * (1 - top.a), a: 1});
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    return layers.reduceRight((base, c) => over(c, base), {r: 255, g: 255, b: 255, a: 1});
  };
  const lum = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const shows = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden'
    && (el.tagName === 'INPUT' ? el.value.trim() !== ''
        : [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== ''));
  const samples = [];
  for (const root of document.querySelectorAll(selector)) {
    for (const el of [root, ...root.querySelectorAll('*')]) {
      if (!shows(el)) continue;
      const bg = background(el);
      const fg = over(parse(getComputedStyle(el).color), bg);
      const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      samples.push({ratio: (hi + 0.05) / (lo + 0.05), background: lum(bg), tag: el.tagName,
                    badge: el.classList.contains('cc-badge'),
                    text: (el.value || el.textContent).trim().slice(0, 40),
                    color: getComputedStyle(el).color});
    }
  }
  return samples;
}
"""


def set_theme(page: Page, theme: str) -> None:
    """Switch JupyterLab's theme and wait until its colours apply."""
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    page.wait_for_function(
        """(theme) => document.body.dataset.jpThemeName === theme
            && document.body.dataset.jpThemeLight === String(!theme.includes('Dark'))""",
        arg=theme,
    )
    page.wait_for_function(
        """(dark) => { const c = getComputedStyle(document.querySelector('.jp-Notebook'))
            .backgroundColor.match(/\\d+/g).map(Number);
            return dark ? c[0] < 100 : c[0] > 155; }""",
        arg=theme == DARK,
    )


def contrast(page: Page) -> list[dict[str, Any]]:
    samples: list[dict[str, Any]] = page.evaluate(CONTRAST_JS, WIDGETS)
    return samples


def expect_rendered(page: Page, scope: Locator) -> None:
    expect(scope).not_to_contain_text("Loading widget")
    expect(scope).not_to_contain_text("Error displaying widget")
    expect(page.locator('[data-mime-type="application/vnd.jupyter.error"]')).to_have_count(0)


def rows(log: Locator, text: str) -> Locator:
    return log.locator("tr", has_text=text)


def log_in_and_out_and_create(page: Page, artifacts: Path, prefix: str) -> None:
    """The dashboard round trip: log in by uid, log out, create a user; screenshot each."""
    board = page.locator(".cc-dashboard")  # the quick start has another login form too
    status, log = board.locator(STATUS), board.locator(EVENT_LOG)
    expect(status).to_contain_text("Not logged in")
    logouts = rows(log, "logout_success").count()

    board.locator(".cc-login-uid input").fill("cometchat-uid-2")
    board.locator(".cc-login-submit").click()
    expect(status).to_contain_text("cometchat-uid-2")
    expect(rows(log, "login_success").filter(has_text="cometchat-uid-2")).to_have_count(1)
    # the quick start's listener prints; a click's prints show under the form, not in a hidden log
    expect(board.locator(".cc-login-form .cc-printed")).to_contain_text(
        "login_success: cometchat-uid-2"
    )
    board.locator(".cc-login-form").screenshot(path=str(artifacts / f"{prefix}-1-logged-in.png"))

    # a failed login: the error, and who is logged in now (a login replaces the user first)
    board.locator(".cc-login-uid input").fill("nobody-by-this-uid")
    board.locator(".cc-login-submit").click()
    expect(status).to_contain_text("ERR_UID_NOT_FOUND")
    expect(status).to_contain_text("Not logged in")
    expect(board.locator(".cc-login-form .cc-printed")).to_contain_text(
        "login_failure: ERR_UID_NOT_FOUND"
    )
    board.locator(".cc-login-form").screenshot(path=str(artifacts / f"{prefix}-1b-failed.png"))
    board.locator(".cc-login-uid input").fill("cometchat-uid-2")
    board.locator(".cc-login-submit").click()
    expect(status).to_have_text("Logged in as cometchat-uid-2 (George Alan)")

    board.locator(".cc-logout").click()
    expect(status).to_contain_text("Not logged in")
    expect(rows(log, "logout_success")).to_have_count(logouts + 1)
    board.locator(".cc-event-log-box").screenshot(path=str(artifacts / f"{prefix}-2-event-log.png"))

    # A typed token reaches the kernel when the field loses focus to the click, is used,
    # and is cleared: the front end shows an empty field again.
    board.locator(".cc-login-form .lm-TabBar-tab", has_text="Auth Token").click()
    token = board.locator(".cc-login-token input")
    token.fill("not-a-real-token")
    board.locator(".cc-login-submit").click()
    expect(status).to_contain_text("AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
    expect(token).to_have_value("")
    board.locator(".cc-login-form .lm-TabBar-tab", has_text="Auth Key").click()

    board.locator(".cc-user-uid input").fill("browser-made")
    board.locator(".cc-user-name input").fill("Made In Chromium")
    board.locator(".cc-user-create").click()
    expect(board.locator(USER_TABLE).locator("tr", has_text="browser-made")).to_contain_text(
        "Made In Chromium"
    )
    expect(rows(log, "user_created").filter(has_text="browser-made")).to_have_count(1)
    board.screenshot(path=str(artifacts / f"{prefix}-3-user-created.png"))


def test_quickstart_dashboard_in_jupyterlab(
    run_all: Callable[[str], Page], artifacts: Path
) -> None:
    page = run_all(QUICKSTART)
    panel = page.locator(".jp-NotebookPanel")
    expect(panel).to_contain_text("connected to the embedded emulator")
    expect(panel).to_contain_text("deleted nb-tutorial-01-kevin")
    expect(page.locator(".cc-dashboard")).to_be_visible()
    expect_rendered(page, panel)
    for heading in ("Log in", "Event log", "Users created by this session"):
        expect(page.locator(".cc-dashboard .cc-heading", has_text=heading)).to_be_visible()
    widths = page.eval_on_selector_all(
        ".cc-dashboard .cc-section", "boxes => boxes.map(b => Math.round(b.offsetWidth))"
    )
    assert len(widths) == 3 and len(set(widths)) == 1, widths
    # the clean-up cell deleted kevin and refreshed the table
    expect(page.locator(USER_TABLE)).not_to_contain_text("nb-tutorial-01-kevin")
    log_in_and_out_and_create(page, artifacts, "jupyterlab")
    page.screenshot(path=str(artifacts / "jupyterlab-quickstart.png"))
    open_a_request(page, artifacts)


def open_a_request(page: Page, artifacts: Path) -> None:
    """The Inspector: a click opens a request to its redacted JSON and curl command."""
    inspector = page.locator(".cc-inspector")
    logins = inspector.locator("details.cc-exchange", has_text="/auth_tokens")
    expect(logins.first).to_be_visible()
    row = logins.last  # the dashboard's login by uid, a moment ago
    expect(row.locator("pre").first).to_be_hidden()
    row.locator("summary").click()
    expect(row.locator("pre").first).to_be_visible()
    expect(row).to_contain_text('"platform": "WEB"')  # the request body, as JSON
    expect(row).to_contain_text('"authToken": "••••')  # the answer's token, masked
    expect(row).to_contain_text("${API_KEY}")  # the curl command's placeholder
    for secret in (AUTH_KEY, REST_API_KEY):
        expect(inspector).not_to_contain_text(secret)
    row.screenshot(path=str(artifacts / "inspector-row-open.png"))


def test_quickstart_dashboard_in_voila(voila: Callable[[str], Page], artifacts: Path) -> None:
    page = voila(QUICKSTART)
    body = page.locator("body")
    expect(body).to_contain_text("deleted nb-tutorial-01-kevin")
    expect(body).not_to_contain_text("Traceback")
    expect_rendered(page, body)
    log_in_and_out_and_create(page, artifacts, "voila")
    page.screenshot(path=str(artifacts / "voila-quickstart.png"), full_page=True)


def assert_legible(page: Page, artifacts: Path, dark: bool) -> None:
    """Every widget and repr rendered, screenshot, and its text contrast high enough."""
    expect_rendered(page, page.locator("body"))
    for part in (".cc-login-form", ".cc-event-log-box", ".cc-user-table-box", ".cc-repr"):
        widget = page.locator(part).first
        expect(widget).to_be_visible()
        widget.screenshot(path=str(artifacts / f"{part.strip('.')}.png"))
    expect(page.locator(EVENT_LOG)).to_contain_text("login_success")
    expect(page.locator(USER_TABLE)).to_contain_text("smoke-ada")
    page.screenshot(path=str(artifacts / "page.png"))
    aligned = page.eval_on_selector_all(
        ".cc-repr td", "cells => [...new Set(cells.map(c => getComputedStyle(c).textAlign))]"
    )
    assert aligned == ["left"], aligned  # the host's table styles do not realign the repr
    samples = contrast(page)
    worst = min(samples, key=lambda s: s["ratio"])
    assert worst["ratio"] >= MIN_CONTRAST, f"illegible: {worst}"
    for text in CONTENT:
        measured = [s for s in samples if text in s["text"]]
        assert measured, f"{text!r} was not measured"
        worst = min(measured, key=lambda s: s["ratio"])
        assert worst["ratio"] >= MIN_CONTENT_CONTRAST, f"hard to read: {worst}"
    if dark:  # the widgets follow the theme rather than staying light boxes
        # buttons and badges have their own colours
        texts = [s for s in samples if s["tag"] != "BUTTON" and not s["badge"]]
        lightest = max(texts, key=lambda s: s["background"])
        assert lightest["background"] < 0.2, lightest


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_widgets_legible_in_jupyterlab_themes(
    run_all: Callable[[str], Page], artifacts: Path, theme: str
) -> None:
    page = run_all(SMOKE)
    try:
        set_theme(page, theme)
        assert_legible(page, artifacts, dark=theme == DARK)
    finally:
        set_theme(page, LIGHT)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_widgets_legible_in_voila_themes(
    voila: Callable[[str], Page], artifacts: Path, theme: str
) -> None:
    page = voila(f"{SMOKE}?theme={theme}")
    expect(page.locator("body")).to_contain_text("smoke test ready")
    assert_legible(page, artifacts, dark=theme == "dark")


# -- every tutorial, as a newcomer sees it ---------------------------------------------------

TUTORIALS = [
    "01-quickstart.ipynb",
    "02-auth-tokens.ipynb",
    "03-users-as-dataframes.ipynb",
    "04-listeners-and-event-log.ipynb",
]
# For each repr: how many of its two forms (text fallback, HTML body) are visible.
FORMS_SHOWN_JS = """
() => [...document.querySelectorAll('.jp-NotebookPanel .cc-repr')].map((repr) =>
    [repr.querySelector(':scope > .cc-text-repr-fallback'), repr.querySelector(':scope > .cc-body')]
        .filter((e) => e && e.getClientRects().length > 0).length)
"""


def show_whole_notebook(page: Page) -> None:
    """A viewport tall enough for the whole notebook, so one screenshot shows every cell."""
    height = page.evaluate(
        """() => { const n = document.querySelector('.jp-NotebookPanel .jp-Notebook');
            const outer = n.querySelector('.jp-WindowedPanel-outer') || n;
            return outer.scrollHeight; }"""
    )
    page.set_viewport_size({"width": 1280, "height": min(int(height) + 300, 16000)})
    # Run All leaves the last cell scrolled into view: back to the top, and let every cell render
    page.evaluate(
        """() => { const n = document.querySelector('.jp-NotebookPanel .jp-Notebook');
            (n.querySelector('.jp-WindowedPanel-outer') || n).scrollTop = 0; }"""
    )
    page.wait_for_timeout(1000)


@pytest.mark.parametrize("name", TUTORIALS)
def test_committed_notebook_opened_untrusted_shows_each_repr_once(
    open_saved: Callable[[str], Page], artifacts: Path, name: str
) -> None:
    """Before it runs and before it is trusted: no doubled reprs, no raw widget dumps."""
    page = open_saved(name)
    panel = page.locator(".jp-NotebookPanel")
    expect(panel.locator(".jp-OutputArea-output").first).to_be_visible()
    assert page.evaluate(
        "() => !window.jupyterapp.shell.currentWidget.context.model.getMetadata?.('trusted')"
    )
    show_whole_notebook(page)
    expect(panel).not_to_contain_text("children=(")
    expect(panel).not_to_contain_text("Error displaying widget")
    shown = page.evaluate(FORMS_SHOWN_JS)
    assert shown and set(shown) == {1}, shown
    text = panel.inner_text()
    # the session's repr: its text form once, its HTML form (a `connected to` row) not at all
    assert text.count("Session(EMULATOR app_id='cometchat-nb-emulator'") == 1
    assert "connected to\t" not in text and "connected to\n" not in text
    if name in ("01-quickstart.ipynb", "04-listeners-and-event-log.ipynb"):
        expect(panel).to_contain_text("comes alive when you run this cell")
    page.screenshot(path=str(artifacts / "untrusted.png"))


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_after_run_all_in_light_and_dark(
    run_all: Callable[[str], Page], artifacts: Path, name: str
) -> None:
    """Run All, then a whole-notebook screenshot in each theme (artifacts for humans)."""
    page = run_all(name)
    panel = page.locator(".jp-NotebookPanel")
    expect_rendered(page, panel)
    expect(panel).not_to_contain_text("Traceback")
    if name == "04-listeners-and-event-log.ipynb":  # the event log stays open and full
        log = page.locator(EVENT_LOG)
        expect(log.locator("tbody tr")).to_have_count(8)
        names = log.locator("tbody tr td:nth-child(3)").all_text_contents()
        assert sorted(names) == sorted(
            ["login_success", "logout_success"] * 3 + ["listener_error", "login_failure"]
        ), names
        times = log.locator("tbody tr td:nth-child(1)").all_text_contents()
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", t) for t in times), times
    show_whole_notebook(page)
    try:
        for theme in (LIGHT, DARK):
            set_theme(page, theme)
            page.screenshot(path=str(artifacts / f"{theme.replace(' ', '-').lower()}.png"))
    finally:
        set_theme(page, LIGHT)


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_in_voila_light_and_dark(
    voila: Callable[[str], Page], artifacts: Path, name: str
) -> None:
    """The app view of each tutorial: it runs to the end, widgets render; a page per theme."""
    for theme in ("light", "dark"):
        page = voila(f"{name}?theme={theme}")
        body = page.locator("body")
        expect(body).not_to_contain_text("Traceback")
        expect_rendered(page, body)
        if name == "04-listeners-and-event-log.ipynb":
            expect(page.locator(EVENT_LOG).locator("tbody tr")).to_have_count(8)
        # Voila scrolls inside a container: make the viewport as tall as the longest scroller
        height = page.evaluate(
            """() => Math.max(...[...document.querySelectorAll('body, body *')]
                .filter((e) => e.scrollHeight > e.clientHeight + 10 && !e.closest('.cc-repr'))
                .map((e) => e.scrollHeight), 720)"""
        )
        page.set_viewport_size({"width": 1280, "height": min(int(height) + 100, 16000)})
        page.screenshot(path=str(artifacts / f"voila-{theme}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 720})
