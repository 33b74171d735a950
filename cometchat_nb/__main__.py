"""The `cometchat-nb` command line (also `python -m cometchat_nb`).

Each subcommand lives with what it drives and brings its own `add_parser` and
`run`: `emulator` (`cometchat_nb.emulator.cli`), `check` (`cometchat_nb.check`) and
`users` (`cometchat_nb.users_cli`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import check, users_cli
from .emulator import cli as emulator_cli


def main(argv: Sequence[str] | None = None) -> int:
    """Run `cometchat-nb` with `argv` (default: the process's arguments); the exit status."""
    parser = argparse.ArgumentParser(
        prog="cometchat-nb", description="cometchat-nb tools: CometChat users and auth, offline."
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    emulator_cli.add_parser(subcommands)
    check.add_parser(subcommands)
    users_cli.add_parser(subcommands)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
