"""`python -m cometchat_nb.emulator [options]`: the same as `cometchat-nb emulator`."""

from __future__ import annotations

import sys

from ..__main__ import main

if __name__ == "__main__":
    sys.exit(main(["emulator", *sys.argv[1:]]))
