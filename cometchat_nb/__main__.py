"""The `cometchat-nb` command line (also `python -m cometchat_nb`).

Each subcommand lives with what it drives and brings its own `add_parser` and
`run`: `emulator` (`cometchat_nb.emulator.cli`), `check` (`cometchat_nb.check`) and
`users` (`cometchat_nb.users_cli`). This module presents their mistakes: one line
on stderr per mistake, naming the command, the file, flag or column, and what to
do; exit status 2 for usage and input errors, 1 for a failure of the work itself
(a subcommand returns 1 when rows failed), 130 for Ctrl-C; a traceback only with
`--debug`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import check, users_cli
from .emulator import cli as emulator_cli
from .errors import CometChatException
from .secret import redact

#: Exit statuses.
USAGE, FAILED, INTERRUPTED = 2, 1, 130


class UsageError(Exception):
    """A mistake in the command line, said in one line."""


class Parser(argparse.ArgumentParser):
    """An argparse parser whose mistakes are one line, pointing at `--help`."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> Parser:
    parser = Parser(
        prog="cometchat-nb",
        description="cometchat-nb tools: CometChat users and auth, offline.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error (anywhere in the line)"
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    emulator_cli.add_parser(subcommands)
    check.add_parser(subcommands)
    users_cli.add_parser(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `cometchat-nb` with `argv` (default: the process's arguments); the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [arg for arg in argv if arg != "--debug"]
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            prog = command_of(args)
            raise UsageError(
                f"{prog}: unrecognized argument{'s' if len(extra) > 1 else ''} "
                f"{' '.join(extra)} (see {prog} --help)"
            )
    except UsageError as exc:
        print(redact(str(exc)), file=sys.stderr)
        return USAGE
    if args.command is None:
        parser.print_help()
        return USAGE
    try:
        status: int = args.run(args)
    except KeyboardInterrupt:
        print(f"{command_of(args)}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except Exception as exc:
        if debug:
            raise
        status, line = explain(exc, getattr(args, "file", None))
        print(redact(f"{command_of(args)}: {line}"), file=sys.stderr)
    return status


def command_of(args: argparse.Namespace) -> str:
    """The command as typed: `cometchat-nb users import`."""
    words = ["cometchat-nb", getattr(args, "command", None), getattr(args, "action", None)]
    return " ".join(word for word in words if word)


def explain(exc: Exception, file: str | None = None) -> tuple[int, str]:
    """An error escaping a subcommand as (exit status, one line saying what to do).

    `file` is the file the subcommand reads or writes, named in a line about its content.
    """
    from pandas.errors import ParserError  # here: `cometchat-nb emulator` starts without pandas

    from .bulk.rows import FIELDS, UnknownColumnError

    name = getattr(exc, "filename", None)
    if isinstance(exc, FileNotFoundError):
        return USAGE, f"{name}: no such file or folder (check the path)"
    if isinstance(exc, IsADirectoryError):
        return USAGE, f"{name}: a folder, not a file (give a file's path)"
    if isinstance(exc, PermissionError):
        return USAGE, f"{name}: permission denied (check who may read or write it)"
    if isinstance(exc, UnknownColumnError):  # the library's hint is `strict=False`
        named = ", ".join(
            repr(column) + (f" (did you mean {close!r}?)" if close else "")
            for column, close in exc.columns
        )
        return USAGE, (
            f"{file}: unknown column{'s' if len(exc.columns) > 1 else ''} {named}: name them "
            f"{', '.join(FIELDS)} (any case), or pass --no-strict to leave them out"
        )
    if isinstance(exc, ParserError):  # a row of more cells than the header, past line 2
        return USAGE, f"{file}: {first_line(str(exc))} (quote the cells that hold the separator)"
    if isinstance(exc, UnicodeDecodeError):
        return USAGE, f'{file}: not UTF-8 text (save it as "CSV UTF-8" and try again)'
    if isinstance(exc, CometChatException):  # local: a setting or argument is missing or wrong
        status = USAGE if exc.source == "local" else FAILED
        return status, f"{exc.code}: {first_line(exc.message)}"
    if isinstance(exc, ValueError | TypeError | LookupError):
        return USAGE, first_line(str(exc))
    if isinstance(exc, OSError):
        return FAILED, first_line(str(exc))
    return FAILED, (
        f"{type(exc).__name__}: {first_line(str(exc))} (unexpected: rerun with --debug for the "
        "traceback, and report it)"
    )


def first_line(text: str) -> str:
    """The first line of `text` (an error message that runs on is cut, with a mark)."""
    lines = text.strip().splitlines() or [""]
    return lines[0] + (" …" if len(lines) > 1 else "")


if __name__ == "__main__":
    sys.exit(main())
