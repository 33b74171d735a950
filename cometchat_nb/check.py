"""`cometchat-nb check`: `Session.check()` from the command line.

The session is the one `Session()` opens: the app the `COMETCHAT_*` variables name,
the served emulator `COMETCHAT_EMULATOR_HOST` names, or an emulator embedded in this
command (which keeps nothing after it). Each line says whether it was checked, is not
checkable with these keys, or failed. Exit status 0 when something was checked and
nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from .session import Session

#: What the command says when it checked an emulator embedded in itself.
EMBEDDED = (
    "\nThis checked an emulator embedded in this command: nothing persists after this "
    "command;\nrun `cometchat-nb emulator` to keep state (and COMETCHAT_EMULATOR_HOST to "
    "reach it)."
)


def add_parser(subcommands: Any) -> argparse.ArgumentParser:
    """Add `check` to a parser's subcommands (what `add_subparsers()` returned)."""
    check: argparse.ArgumentParser = subcommands.add_parser(
        "check",
        help="check where a session connects and whether the service accepts its keys",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.set_defaults(run=run)
    return check


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the health report of `Session()`; 0 when ok, 1 otherwise."""
    out = out or sys.stdout
    with Session() as session:
        report = session.check()
        embedded = session.in_process
    print(report, file=out)
    if embedded:
        print(EMBEDDED, file=out)
    return 0 if report.ok else 1
