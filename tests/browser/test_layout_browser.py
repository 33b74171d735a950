"""The widgets at a narrow (800 px) and a wide viewport, in JupyterLab and Voila.

The Inspector beside a login form (tutorial 02's "See the wire"): with a request opened
to its JSON, both stay readable. Narrow, they stack: the form keeps its full width and
its inputs, note and status are not cut. Wide, they sit side by side, sharing the row.
Either way each request's status shows, inside the Inspector. Whole-tutorial screenshots
at the narrow width go to `artifacts/browser/` for humans.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

TOKENS = "02-auth-tokens.ipynb"
TUTORIALS = [
    "01-quickstart.ipynb",
    "02-auth-tokens.ipynb",
    "03-users-as-dataframes.ipynb",
    "04-listeners-and-event-log.ipynb",
]
NARROW, WIDE = 800, 1600
#: The narrowest a text input may be and still show a uid or a token's start.
MIN_INPUT = 150

# Boxes (left, right, top, bottom, and whether content is cut) of the parts that must be read.
BOXES_JS = """
(row) => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
            cut: e.scrollWidth > e.clientWidth + 1}; };
  const form = row.querySelector('.cc-login-form');
  const inspector = row.querySelector('.cc-inspector');
  const open = inspector.querySelector('details.cc-exchange[open]');
  return {
    row: box(row), form: box(form), inspector: box(inspector),
    inputs: [...form.querySelectorAll('input')].filter((i) => i.getClientRects().length)
      .map(box),
    status: box(form.querySelector('.cc-login-status')),
    note: box(form.querySelector('.widget-html-content small') || form),
    statuses: [...inspector.querySelectorAll('summary > span:first-child')].map(box),
    open: open ? box(open) : null,
  };
}
"""


def check_layout(page: Page, width: int, artifacts: Path, prefix: str) -> dict[str, Any]:
    """Open the latest request beside the form; both readable; the boxes measured."""
    page.set_viewport_size({"width": width, "height": 900})
    row = page.locator(".cc-side-by-side").first
    row.scroll_into_view_if_needed()
    summary = row.locator(".cc-inspector details.cc-exchange summary").last
    expect(summary).to_be_visible()
    summary.click()
    expect(row.locator(".cc-inspector details.cc-exchange[open] pre").first).to_be_visible()
    page.wait_for_timeout(300)  # the layout settles after the row opens
    row.locator(".cc-login-form").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"{prefix}-{width}px-form.png"))
    summary.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"{prefix}-{width}px-row-open.png"))
    boxes: dict[str, Any] = row.evaluate(BOXES_JS)
    form, inspector = boxes["form"], boxes["inspector"]
    for part in (form, inspector):  # nothing pokes out of the row
        assert (
            part["left"] >= boxes["row"]["left"] - 1 and part["right"] <= boxes["row"]["right"] + 1
        ), boxes
    assert boxes["inputs"] and all(i["width"] >= MIN_INPUT for i in boxes["inputs"]), boxes
    assert all(i["right"] <= form["right"] + 1 for i in boxes["inputs"]), boxes
    assert not boxes["status"]["cut"] and boxes["status"]["right"] <= form["right"] + 1, boxes
    assert boxes["statuses"], boxes
    for status in boxes["statuses"]:  # each request's status inside the Inspector
        assert inspector["left"] - 1 <= status["left"] and status["right"] <= inspector["right"] + 1
    assert boxes["open"] is not None and boxes["open"]["right"] <= inspector["right"] + 1, boxes
    return boxes


@pytest.mark.parametrize("width", [NARROW, WIDE])
def test_the_inspector_beside_a_form_in_jupyterlab(
    run_all: Callable[[str], Page], artifacts: Path, width: int
) -> None:
    page = run_all(TOKENS)
    boxes = check_layout(page, width, artifacts, "jupyterlab")
    form, inspector = boxes["form"], boxes["inspector"]
    if width == NARROW:  # stacked: the form as wide as the row, the Inspector under it
        assert inspector["top"] >= form["bottom"] - 1, boxes
        assert form["width"] >= boxes["row"]["width"] * 0.9, boxes
    else:  # side by side, sharing the row evenly, whatever the open row holds
        assert abs(inspector["top"] - form["top"]) <= 2, boxes
        assert abs(inspector["width"] - form["width"]) <= 0.1 * boxes["row"]["width"], boxes


@pytest.mark.parametrize("width", [NARROW, WIDE])
def test_the_inspector_beside_a_form_in_voila(
    voila: Callable[[str], Page], artifacts: Path, width: int
) -> None:
    page = voila(TOKENS)
    check_layout(page, width, artifacts, "voila")


@pytest.mark.parametrize("name", TUTORIALS)
def test_each_tutorial_at_a_narrow_width(
    voila: Callable[[str], Page], artifacts: Path, name: str
) -> None:
    """Each tutorial's app view at 800 px: nothing wider than the page; a screenshot."""
    page = voila(name)
    page.set_viewport_size({"width": NARROW, "height": 900})
    page.wait_for_timeout(300)
    wider = page.evaluate(
        """(limit) => [...document.querySelectorAll('.cc-repr, .cc-login-form, .cc-inspector,'
              + ' .cc-event-log-box, .cc-user-table-box, .cc-dashboard')]
            .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > limit)
            .map((e) => e.className)""",
        NARROW,
    )
    assert wider == []
    height = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll('body, body *')]
            .filter((e) => e.scrollHeight > e.clientHeight + 10 && !e.closest('.cc-repr'))
            .map((e) => e.scrollHeight), 900)"""
    )
    page.set_viewport_size({"width": NARROW, "height": min(int(height) + 100, 16000)})
    page.screenshot(path=str(artifacts / f"voila-{NARROW}px.png"), full_page=True)


def test_the_dashboard_at_a_narrow_width_in_jupyterlab(
    run_all: Callable[[str], Page], artifacts: Path
) -> None:
    """01's dashboard in JupyterLab at 800 px (its file browser open): nothing sticks out."""
    page = run_all(TUTORIALS[0])
    page.set_viewport_size({"width": NARROW, "height": 900})
    board = page.locator(".cc-dashboard").first
    board.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / f"jupyterlab-{NARROW}px-dashboard.png"))
    out = board.evaluate(
        """(board) => { const edge = board.getBoundingClientRect().right + 1;
            return [...board.querySelectorAll('*')]
              .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > edge
                      && !e.closest('.cc-scroll'))
              .map((e) => `${e.tagName}.${e.className}`).slice(0, 10); }"""
    )
    assert out == []


def test_a_long_uid_stays_inside_the_forms_at_a_narrow_width(
    voila: Callable[[str], Page], artifacts: Path
) -> None:
    """A 100-character uid (the longest allowed) created and logged in at 800 px: the status
    lines break it rather than poke out of the form and the user table."""
    page = voila("widgets-smoke.ipynb")
    page.set_viewport_size({"width": NARROW, "height": 900})
    uid = "u" * 100
    table = page.locator(".cc-user-table-box").first
    table.locator(".cc-user-uid input").fill(uid)
    table.locator(".cc-user-name input").fill("Long")
    table.locator(".cc-user-create").click()
    expect(table.locator(".cc-user-status")).to_contain_text("Created")
    form = page.locator(".cc-login-form").first
    form.locator(".cc-login-uid input").fill(uid)
    form.locator(".cc-login-submit").click()
    expect(form.locator(".cc-login-status")).to_contain_text("Logged in as")
    page.wait_for_timeout(300)
    form.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"voila-{NARROW}px-long-uid.png"))
    for widget in (form, table):
        out = widget.evaluate(
            """(box) => { const edge = box.getBoundingClientRect().right + 1;
                return [...box.querySelectorAll('.cc-login-status *, .cc-user-status *')]
                  .filter((e) => e.getBoundingClientRect().right > edge)
                  .map((e) => `${e.tagName}.${e.className}`); }"""
        )
        assert out == []
