"""`python -m cometchat_nb.emulator [options]`: the same as `cometchat-nb emulator`.

Built from `cli` alone, so running the emulator loads no other subcommand.
"""

from __future__ import annotations

import argparse
import sys

from .cli import add_parser

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="cometchat-nb")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["emulator", *sys.argv[1:]])
    sys.exit(args.run(args))
