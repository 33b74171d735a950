"""`cometchat-nb users`: provision an app's users from a CSV, or export them to one.

    cometchat-nb users import FILE.csv [--upsert] [--reactivate] [--dry-run]
    cometchat-nb users export FILE.csv

The session is the one `Session()` opens: the app the `COMETCHAT_*` variables name
(with `COMETCHAT_REST_API_KEY`), the served emulator `COMETCHAT_EMULATOR_HOST` names,
or the embedded emulator. `import` creates each row's user (with `--upsert`: creates
the missing, updates the changed, leaves the unchanged), shows its progress and the
service's rate figures on stderr, prints a count per result and, with `--results`,
writes the result rows as each chunk is done. The file is read a chunk at a time, so
its size does not matter. `--dry-run` prints the plan (the same checks, the same
counts) and writes nothing. Ctrl-C stops handing out rows, lets those in flight finish
and writes what was done; rerun the import with `--upsert` and it does only what is
left. Exit status 0 when no row failed, 1 when some did, 130 when interrupted.

The CSV: a `uid` column, `name`, and any of `avatar`, `link`, `role`,
`status_message`, `tags` (`"a,b"`), `metadata` (JSON); an export's other columns are
ignored, so an exported file imports back unchanged.

Before anything is sent, the file is checked (it exists, it is not empty, `--results` can
be written) and so is the app (it answers). `import` (but for `--dry-run`) refuses the
embedded emulator: it lives as long as the command, so it would keep nothing. The cells may
be separated by commas, semicolons, tabs or bars (found from the file's first lines).
"""

from __future__ import annotations

import argparse
import errno
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from .session import Session


def add_parser(subcommands: Any) -> argparse.ArgumentParser:
    """Add `users` (with `import` and `export`) to a parser's subcommands."""
    users: argparse.ArgumentParser = subcommands.add_parser(
        "users",
        help="import an app's users from a CSV (create or upsert), or export them",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = users.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="create (or upsert) the users of a CSV file")
    load.add_argument("file", help="the CSV file, one user a row")
    load.add_argument("--upsert", action="store_true", help="create, update or leave each row")
    load.add_argument("--reactivate", action="store_true", help="with --upsert: reactivate")
    load.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    load.add_argument("--concurrency", type=int, default=8, help="requests in flight (8)")
    load.add_argument("--no-strict", action="store_true", help="leave unknown columns out")
    load.add_argument("--results", metavar="OUT.csv", help="write the result rows there")
    load.set_defaults(run=run_import)
    save = actions.add_parser("export", help="write the app's users to a CSV file")
    save.add_argument("file", help="the CSV file to write")
    save.add_argument("--with-deactivated", action="store_true", help="include deactivated")
    save.set_defaults(run=run_export)
    return users


def run_import(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Import the CSV `args.file`, read and written a chunk at a time; 0 when no row
    failed, 1 when some did, 130 when interrupted (the results say what was done)."""
    out = out or sys.stdout
    options: dict[str, Any] = {
        "dry_run": args.dry_run, "strict": not args.no_strict, "results": args.results,
        "concurrency": args.concurrency, "progress": not args.dry_run,
    }  # fmt: skip
    source = input_file(args.file)
    if args.results:
        output_file(args.results)
    with open_session(writes=not args.dry_run) as session:
        if args.upsert:
            result = session.admin.upsert_users(source, reactivate=args.reactivate, **options)
        else:
            result = session.admin.create_users(source, **options)
        figures = "; ".join(str(f) for f in session.rate_limits.values())
    counts = result.attrs["counts"]
    verb = "would be" if args.dry_run else "done"
    total = sum(counts.values())
    print(f"{total} rows ({verb}): " + ", ".join(f"{k} {v}" for k, v in counts.items()),
          file=out)  # fmt: skip
    if figures:
        print(f"rate limits: {figures}", file=out)
    errors = result[result["result"] == "error"]
    for _, row in errors.head(10).iterrows():
        uid = row["uid"] if isinstance(row["uid"], str) else "(no uid)"
        print(f"  {uid}: {row['error_code']} {row['error_message']}", file=out)
    if result.attrs["interrupted"]:
        return 130
    return 1 if counts.get("error") else 0


def run_export(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Write the app's users to `args.file` (tags as `"a,b"`, metadata as JSON)."""
    out = out or sys.stdout
    output_file(args.file)
    with open_session(writes=False) as session:
        frame = session.admin.users_frame(with_deactivated=args.with_deactivated)
    frame["tags"] = [",".join(tags) for tags in frame["tags"]]
    frame["metadata"] = [json.dumps(m) if m else "" for m in frame["metadata"]]
    frame.to_csv(args.file)
    print(f"{len(frame)} users written to {args.file}", file=out)
    return 0


# -- what is checked before anything is sent (a mistake costs no request) ----------------


class NoAppError(ValueError):
    """The command would write to the embedded emulator, which keeps nothing."""


def input_file(name: str) -> Path:
    """The CSV to read: a file that exists and holds at least a header row."""
    path = Path(name)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "a folder", name)
    if not path.exists():
        raise FileNotFoundError(errno.ENOENT, "no such file", name)
    with path.open("rb") as file:
        if not file.read(4096).strip():
            raise ValueError(f"{name}: the file is empty (it needs a header row: uid,name,...)")
    return path


def output_file(name: str) -> Path:
    """A file to write: not a folder, in a folder that exists."""
    path = Path(name)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "a folder", name)
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(path.parent))
    return path


def open_session(writes: bool) -> Session:
    """The `Session()` the variables name, checked: the app answers its REST API key (a stale
    stored login does not stop a command), and a command that writes is not on the embedded
    emulator (it lives as long as this command: it would keep nothing)."""
    session = Session()
    try:
        if writes and session.in_process:
            raise NoAppError(
                "no app to write to: set COMETCHAT_APP_ID and COMETCHAT_REST_API_KEY (a real "
                "app), or COMETCHAT_EMULATOR_HOST for an emulator served by `cometchat-nb "
                "emulator`; the embedded one would keep nothing (--dry-run checks a file offline)"
            )
        report = session.check()
        rest = report.line("REST API key")  # what the commands use; a missing key is theirs
        if rest.verdict == "failed":
            served = " (is `cometchat-nb emulator` running there?)" if session.emulator else ""
            raise ConnectionError(f"{report.connects_to}: {rest.detail}{served}")
    except BaseException:
        session.close()
        raise
    return session
