"""`cometchat-nb emulator`: serve the emulator over HTTP until SIGINT or SIGTERM.

`add_parser` adds the subcommand to the `cometchat-nb` parser (`cometchat_nb.__main__`);
`run` carries it out.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from ..private import write_private
from . import console
from .defaults import APP_ID, AUTH_KEY, REGION, REST_API_KEY
from .limiter import DEFAULT_LIMITS, RateLimiter

if TYPE_CHECKING:  # imported in run(): `check` and `users` need neither (nor uvicorn)
    from .server import Server
    from .service import Emulator

DEFAULT_PORT = 8790
_N = TypeVar("_N", int, float)


def _text(value: str) -> str:
    """An argparse type: any non-empty string."""
    if not value.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def _number(
    parse: Callable[[str], _N], noun: str, fits: Callable[[_N], bool], rule: str
) -> Callable[[str], _N]:
    """An argparse type: `parse(value)`, refused with `rule` unless it `fits`."""

    def number(value: str) -> _N:
        try:
            parsed = parse(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not {noun}") from None
        if not fits(parsed):
            raise argparse.ArgumentTypeError(rule)
        return parsed

    return number


_count = _number(int, "an integer", lambda n: n >= 1, "must be at least 1")
_rate = _number(float, "a number", lambda n: 0 <= n <= 1, "must be from 0 to 1")
_port = _number(int, "a port number", lambda n: 0 <= n <= 65535, "must be from 0 to 65535")
_seconds = _number(
    float, "a number of seconds", lambda n: 0 <= n < float("inf"), "must be 0 or more"
)
_window = _number(
    float, "a number of seconds", lambda n: 0 < n < float("inf"), "must be more than 0"
)


def add_parser(subcommands: Any) -> argparse.ArgumentParser:
    """Add `emulator` to a parser's subcommands (what `add_subparsers()` returned)."""
    emu: argparse.ArgumentParser = subcommands.add_parser(
        "emulator",
        help="serve the CometChat emulator over HTTP",
        description="Serve the emulator of CometChat's users and auth API over HTTP, for "
        "Python sessions, CometChat's JS SDK, browsers and curl. Its keys are its own: "
        "local and throwaway.",
    )
    emu.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    emu.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to bind; 0 picks a free one (default {DEFAULT_PORT})",
    )
    emu.add_argument("--app-id", type=_text, default=APP_ID, help=f"app id (default {APP_ID})")
    emu.add_argument("--region", type=_text, default=REGION, help=f"region (default {REGION})")
    emu.add_argument("--auth-key", type=_text, default=AUTH_KEY, help="the auth key to accept")
    emu.add_argument(
        "--rest-api-key", type=_text, default=REST_API_KEY, help="the REST API key to accept"
    )
    emu.add_argument(
        "--data", metavar="PATH", help="SQLite file keeping users and tokens (default: memory)"
    )
    emu.add_argument("--no-seed", action="store_true", help="start without cometchat-uid-1 ... -5")
    emu.add_argument(
        "--import",
        dest="import_file",
        metavar="FILE",
        help="start with the users, tokens and settings of a state file (export_state() JSON)",
    )
    emu.add_argument(
        "--export-on-exit",
        metavar="FILE",
        help="write the state (users, tokens, settings; no keys) to FILE when stopped",
    )
    emu.add_argument(
        "--deterministic",
        action="store_true",
        help="a fixed clock (one second per request from 2024-05-29) and repeatable tokens",
    )
    emu.add_argument(
        "--latency",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="delay every answer by SECONDS (default 0)",
    )
    emu.add_argument(
        "--request-log-size",
        type=_number(int, "an integer", lambda n: n >= 0, "must be 0 or more"),
        default=1000,
        metavar="N",
        help="keep the latest N requests for GET /_emulator/requests, which says how many "
        "it dropped (default 1000)",
    )
    emu.add_argument(
        "--public-host",
        metavar="HOST:PORT",
        type=_text,
        help="host:port to name in login settings (default: the request's Host header)",
    )
    limits = emu.add_argument_group(
        "rate limits",
        "Off unless a limit is given; then over-limit requests get 429, with a Retry-After "
        "that waits out the window.",
    )
    limits.add_argument(
        "--rate-limit-core",
        type=_count,
        metavar="N",
        help=f"core requests per window (logins, user create/delete; "
        f"reported as {DEFAULT_LIMITS['core']})",
    )
    limits.add_argument(
        "--rate-limit-standard",
        type=_count,
        metavar="N",
        help=f"other requests per window (reported as {DEFAULT_LIMITS['standard']})",
    )
    limits.add_argument(
        "--rate-limit-window",
        type=_window,
        default=60,
        metavar="SECONDS",
        help="the window the limits count in (default 60: the calendar minute)",
    )
    faults = emu.add_argument_group(
        "fault injection",
        "Off by default. A share of requests gets a fault, each picked at random among: "
        "latency (0.2 s +/- 0.1 s), a 500/502/503/504, a 429 with Retry-After: 1, the "
        "connection dropped before or after the service acts, a cut answer, an HTML answer, "
        "and an answer held until the client times out.",
    )
    faults.add_argument(
        "--fault-rate",
        type=_rate,
        metavar="R",
        help="the share of requests to fault, from 0 to 1 (e.g. 0.1)",
    )
    faults.add_argument(
        "--fault-seed", type=int, metavar="N", help="seed of the fault picks, to repeat a run"
    )
    tls = emu.add_argument_group("TLS", "Serve https:// (the JS SDK always builds https URLs).")
    tls.add_argument("--tls-cert", metavar="PEM", help="certificate file")
    tls.add_argument("--tls-key", metavar="PEM", help="private key file")
    emu.set_defaults(run=run)
    return emu


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Serve until SIGINT or SIGTERM; every write is committed before its response.

    The exit status: 0 when stopped, 1 when it cannot serve, 2 for bad options.
    """
    from .server import Server
    from .service import Emulator

    out = out or sys.stdout
    if (args.tls_cert is None) != (args.tls_key is None):
        print("cometchat-nb emulator: give both --tls-cert and --tls-key", file=sys.stderr)
        return 2
    limits = dict(DEFAULT_LIMITS)
    enforce = False
    for name, value in (("core", args.rate_limit_core), ("standard", args.rate_limit_standard)):
        if value is not None:
            limits[name], enforce = value, True
    try:
        emulator = Emulator(
            args.app_id,
            args.region,
            args.auth_key,
            args.rest_api_key,
            seed=not args.no_seed,
            data=args.data,
            public_host=args.public_host,
            rate_limiter=RateLimiter(limits, enforce=enforce, window=args.rate_limit_window),
            keep_requests=args.request_log_size,  # read over GET /_emulator/requests
            deterministic=args.deterministic,
            latency=args.latency,
        )
    except (sqlite3.Error, OSError) as exc:
        print(f"cometchat-nb emulator: cannot use --data {args.data}: {exc}", file=sys.stderr)
        return 1
    if args.import_file is not None:
        try:
            with open(args.import_file, encoding="utf-8") as file:
                emulator.import_state(json.load(file))
        except (OSError, ValueError) as exc:
            emulator.close()
            print(
                f"cometchat-nb emulator: cannot --import {args.import_file}: {exc}", file=sys.stderr
            )
            return 1
    if args.fault_rate:
        emulator.faults.mix(args.fault_rate, args.fault_seed)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = Server(emulator, args.host, args.port, tls_cert=args.tls_cert, tls_key=args.tls_key)
    try:
        try:
            server.start()
        except (OSError, RuntimeError) as exc:
            print(
                f"cometchat-nb emulator: cannot serve on {args.host}:{args.port}: {exc}",
                file=sys.stderr,
            )
            return 1
        print(banner(server, emulator, args.data), file=out, flush=True)
        stop.wait()
        print("cometchat-nb emulator: stopping", file=out, flush=True)
        server.stop()
        if args.export_on_exit is not None:
            return _export(emulator, args.export_on_exit, out)
        return 0
    finally:
        emulator.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _export(emulator: Emulator, path: str, out: TextIO) -> int:
    """Write the emulator's state to `path` atomically, owner-only (it holds every user's
    auth tokens); 1 if it cannot be written."""
    try:
        write_private(Path(path), json.dumps(emulator.export_state(), ensure_ascii=False, indent=1))
    except OSError as exc:
        print(f"cometchat-nb emulator: cannot --export-on-exit {path}: {exc}", file=sys.stderr)
        return 1
    print(f"cometchat-nb emulator: state written to {path}", file=out, flush=True)
    return 0


def _faults_line(emu: Emulator) -> str:
    rules = emu.faults.rules
    if not rules:
        return ""
    return f"\n  faults        {rules[0].rate:.0%} of requests (--fault-rate), every kind"


def banner(server: Server, emu: Emulator, data: str | None) -> str:
    """What a newcomer needs: where it is, its keys, and how to point clients at it."""
    address = server.url.split("://", 1)[1]
    auth_key, rest_key = emu.auth_key.reveal(), emu.rest_api_key.reveal()
    stored = f"{data} (SQLite)" if data else "in memory (gone when stopped)"
    # With TLS the SDK's socket connects too; without, it cannot (it builds wss:// URLs).
    socket_off = "" if server.tls else "\n    .autoEstablishSocketConnection(false)"
    sdk_note = (
        "serving https:// and wss://, as the SDK expects: its socket drives presence"
        if server.tls
        else "the SDK builds https:// URLs: serve with --tls-cert/--tls-key, or rewrite them"
    )
    return f"""\
cometchat-nb emulator serving CometChat's users and auth API at {server.url}
  base URL      {server.url}   (also under /v3 and /v3.0)
  console       {console.url(server.url)}   (in a browser; sign in with the REST API key)
  app id        {emu.app_id}
  region        {emu.region}
  auth key      {auth_key}
  REST API key  {rest_key}
  data          {stored}
  users         {len(emu.users)}{_faults_line(emu)}

Python (cometchat-nb):
  COMETCHAT_EMULATOR_HOST={address} python ...   then Session() uses this emulator
JavaScript SDK (@cometchat/chat-sdk-javascript):
  new CometChat.AppSettingsBuilder().setRegion("{emu.region}"){socket_off}
    .overrideClientHost("{address}/v3.0").overrideAdminHost("{address}/v3.0").build()
  CometChat.init("{emu.app_id}", appSettings); CometChat.login(uid, "{auth_key}")
  ({sdk_note})
curl:
  curl -H 'appId: {emu.app_id}' -H 'apiKey: {rest_key}' {server.url}/v3/users
Control (REST API key): GET {server.url}/_emulator/ lists the routes: reset, state,
  faults, settings, requests (what a GET answers, its PUT takes back)

These keys are the emulator's own, local and throwaway. Stop with Ctrl+C or SIGTERM."""
