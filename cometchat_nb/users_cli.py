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
"""

from __future__ import annotations

import argparse
import json
import sys
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
    with Session() as session:
        if args.upsert:
            result = session.admin.upsert_users(args.file, reactivate=args.reactivate, **options)
        else:
            result = session.admin.create_users(args.file, **options)
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
    with Session() as session:
        frame = session.admin.users_frame(with_deactivated=args.with_deactivated)
    frame["tags"] = [",".join(tags) for tags in frame["tags"]]
    frame["metadata"] = [json.dumps(m) if m else "" for m in frame["metadata"]]
    frame.to_csv(args.file)
    print(f"{len(frame)} users written to {args.file}", file=out)
    return 0
