"""Fault injection: `Emulator.faults`, scripted by method, path and count, or at a seeded rate.

Off until a rule is injected. Each request the emulator answers is matched against the
rules, in the order they were injected; the first that fires picks the request's fault.
The kinds (`KINDS`) and what the client sees of each are listed in docs/emulator.md:
`latency`, `status` and `rate_limit` (the service does not act), `drop_before` and
`drop_after` (no answer), `truncate`, `not_json`, and `timeout` (in-process
`httpx.ReadTimeout` at once; served, the connection is held up to `hold` seconds).
Rules, counts and log go to and from JSON (`export`, `load`): `/_emulator/faults`.
"""

from __future__ import annotations

import random
import re
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from . import refusals
from .refusals import ServiceError

#: The options each kind of fault takes, with their defaults; kinds in the docs' order.
OPTIONS: dict[str, dict[str, Any]] = {
    "latency": {"seconds": 0.5, "jitter": 0.0},
    "status": {"status": 503},
    "rate_limit": {"retry_after": 1},
    "drop_before": {},
    "drop_after": {},
    "truncate": {"keep": 0.5},
    "not_json": {},
    "timeout": {"hold": 60.0},
}
KINDS = tuple(OPTIONS)  #: every kind of fault
#: Faults answered instead of the service: it never acts on the request.
BEFORE = frozenset({"status", "rate_limit", "drop_before"})
#: The statuses a `status` fault may answer.
STATUSES = (500, 502, 503, 504)
#: The request's extension naming the fault injected into it (in `Emulator.requests`).
EXTENSION = "cometchat_nb.fault"


@dataclass(frozen=True, slots=True)
class Fault:
    """The fault picked for one request: its kind and options (`seconds`, `status`, ...)."""

    kind: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def before(self) -> bool:
        """Whether the service must not act on the request."""
        return self.kind in BEFORE


class Dropped(Exception):
    """Raised to a served emulator's adapter: send no answer, close the connection
    (after holding it up to `hold` seconds, or until the client goes)."""

    def __init__(self, kind: str, hold: float = 0.0) -> None:
        super().__init__(kind)
        self.kind, self.hold = kind, hold


@dataclass(frozen=True, slots=True)
class Injected:
    """One fault injected, as `Faults.log` keeps it."""

    number: int  # 1 for the first fault injected since the last clear()
    kind: str
    method: str
    path: str
    at: float  # time.time() when it was injected


class Rule:
    """One `inject` call: which requests it matches, how often it fires, how often it fired.

    `describe()` is its JSON form, what `GET /_emulator/faults` lists and
    `rule_from` (and so `PUT`/`POST /_emulator/faults`) takes back.
    """

    def __init__(
        self,
        kinds: tuple[str, ...],
        method: str | None,
        path: str | re.Pattern[str] | None,
        times: int | None,
        rate: float | None,
        seed: int | None,
        options: dict[str, Any],
    ) -> None:
        self.kinds, self.method, self.times, self.rate = kinds, method, times, rate
        self.seed = seed
        self.pattern = _pattern(path)
        self.path = _source(path)
        self.rng = random.Random(seed)
        self.options = options
        self.fired = 0  # how many faults this rule injected

    def __repr__(self) -> str:
        kinds = self.kinds[0] if len(self.kinds) == 1 else list(self.kinds)
        return (
            f"Rule({kinds!r}, method={self.method!r}, path={self.path!r}, "
            f"times={self.times!r}, rate={self.rate!r}, fired={self.fired})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rule) and self.describe() == other.describe()

    __hash__ = None  # type: ignore[assignment]

    def describe(self) -> dict[str, Any]:
        """The rule as JSON-able data: what `rule_from` takes back."""
        return {
            "kind": self.kinds[0] if len(self.kinds) == 1 else list(self.kinds),
            "method": self.method,
            "path": self.path,
            "times": self.times,
            "rate": self.rate,
            "seed": self.seed,
            "options": dict(self.options),
            "fired": self.fired,
        }

    def fire(self, method: str, path: str) -> Fault | None:
        """The fault for a request, or None (counts `fired` up to `times`)."""
        if self.times is not None and self.fired >= self.times:
            return None
        if self.method is not None and self.method != method:
            return None
        if self.pattern is not None and not self.pattern.search(path):
            return None
        if self.rate is not None and self.rng.random() >= self.rate:
            return None
        self.fired += 1
        kind = self.kinds[0] if len(self.kinds) == 1 else self.rng.choice(self.kinds)
        options = {**OPTIONS[kind], **{k: v for k, v in self.options.items() if k in OPTIONS[kind]}}
        if kind == "status" and "status" not in self.options and len(self.kinds) > 1:
            options["status"] = self.rng.choice(STATUSES)
        if kind == "latency":  # the seconds this request waits, jitter applied
            jitter = float(options["jitter"])
            spread = self.rng.uniform(-jitter, jitter) if jitter else 0.0
            options["seconds"] = max(0.0, float(options["seconds"]) + spread)
        return Fault(kind, options)


def _source(path: str | re.Pattern[str] | None) -> str | None:
    """A rule's path as text `_pattern` reads back to the same matches."""
    if not isinstance(path, re.Pattern):
        return path
    return path.pattern if path.pattern.startswith("^") else f"^.*?(?:{path.pattern})"


def _pattern(path: str | re.Pattern[str] | None) -> re.Pattern[str] | None:
    """A path glob (`*` one segment, `**` any) as a full-match regex; `^...` or a
    compiled pattern is a regex searched as given."""
    if path is None or isinstance(path, re.Pattern):
        return path
    if not isinstance(path, str):
        raise TypeError(f"path must be a glob, a regex or None, not {type(path).__name__}")
    if path.startswith("^"):
        return re.compile(path)
    glob = "/" + path.strip("/")
    parts = re.split(r"(\*\*|\*|\?)", glob)
    wild = {"**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("^" + "".join(wild.get(p, re.escape(p)) for p in parts) + "/?$")


class FaultApi(ABC):
    """The fault API, wherever the rules live: `inject` and `mix` make a checked rule
    and `add` it (`Faults` here, `RemoteFaults` on a served emulator)."""

    @abstractmethod
    def add(self, rule: Rule) -> Rule:
        """Add a checked rule; the rule as it now stands."""

    def inject(
        self,
        kind: str | Sequence[str],
        *,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        times: int | None = None,
        rate: float | None = None,
        seed: int | None = None,
        **options: Any,
    ) -> Rule:
        """Inject `kind` (or, for a list of kinds, one picked per fault) into matching requests.

        `method` ("POST") and `path` (without the version prefix: a glob such as
        "/users/*/auth_tokens", or a regex starting with "^") narrow the requests;
        `times` fires on the next N of them, `rate` on each with that probability
        (from `seed`); with neither, on every one. Options by kind: `latency`
        `seconds`, `jitter`; `status` `status`; `rate_limit` `retry_after`;
        `truncate` `keep`; `timeout` `hold` (served: the most seconds to hold).
        Raises `ValueError` for an unknown kind or option, `TypeError` for an
        argument of the wrong type.
        """
        return self.add(new_rule(kind, method, path, times, rate, seed, options))

    def mix(self, rate: float, seed: int | None = None, kinds: Sequence[str] = KINDS) -> Rule:
        """Inject a mix of `kinds` (by default every kind) into each request at `rate`,
        with short latencies (0.2 s +/- 0.1 s): what `--fault-rate` does."""
        return self.inject(kinds, rate=rate, seed=seed, seconds=0.2, jitter=0.1)


class Faults(FaultApi):
    """An emulator's fault injection (`emulator.faults`); off until `inject` is called.

    `injected` counts the faults injected by kind; `log` lists the latest (at most
    `keep`), each also marked on its request in `Emulator.requests`
    (`request.extensions["cometchat_nb.fault"]`).
    """

    def __init__(self, keep: int = 10_000) -> None:
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._log: deque[Injected] = deque(maxlen=keep)

    def __repr__(self) -> str:
        return f"Faults(rules={len(self._rules)}, injected={dict(self._counts)})"

    def add(self, rule: Rule) -> Rule:
        """Add a rule made by `new_rule` or `rule_from` (what `POST /_emulator/faults` does)."""
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule, and forget the counts and the log."""
        with self._lock:
            self._rules.clear()
            self._counts.clear()
            self._log.clear()

    @property
    def rules(self) -> list[Rule]:
        with self._lock:
            return list(self._rules)

    @property
    def injected(self) -> dict[str, int]:
        """How many faults were injected, by kind (kinds not injected are absent)."""
        with self._lock:
            return dict(self._counts)

    @property
    def log(self) -> list[Injected]:
        """The latest faults injected, oldest first."""
        with self._lock:
            return list(self._log)

    def export(self) -> dict[str, Any]:
        """Rules (with how often each fired), counts and log as JSON-able data: what
        `GET /_emulator/faults` answers and `load` (`PUT`) takes back."""
        with self._lock:
            return {
                "rules": [rule.describe() for rule in self._rules],
                "injected": dict(self._counts),
                "log": [asdict(entry) for entry in self._log],
            }

    def load(self, document: Mapping[str, Any]) -> None:
        """Replace rules, counts and log with an `export()`'s (counts and log optional).

        Raises `ValueError` (or `TypeError`) for a malformed document, changing nothing.
        """
        if not isinstance(document, Mapping) or not isinstance(document.get("rules"), list):
            raise ValueError("a faults document is a mapping with a list of rules")
        rules = [rule_from(item) for item in document["rules"]]
        counts = document.get("injected", {})
        if not isinstance(counts, Mapping) or any(
            k not in KINDS or not _is_count(n) for k, n in counts.items()
        ):
            raise ValueError("injected maps kinds to counts")
        log = [injected_from(item) for item in document.get("log", [])]
        with self._lock:
            self._rules = rules
            self._counts = Counter({k: n for k, n in counts.items() if n})
            self._log = deque(log, maxlen=self._log.maxlen)

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault for a request (`path` without the version prefix), or None."""
        if not self._rules:  # the common case: no rules, no lock
            return None
        with self._lock:
            for rule in self._rules:
                fault = rule.fire(method, path)
                if fault is not None:
                    self._counts[fault.kind] += 1
                    number = self._counts.total()  # faults injected since the last clear()
                    self._log.append(Injected(number, fault.kind, method, path, time.time()))
                    return fault
        return None


def new_rule(
    kind: str | Sequence[str],
    method: str | None,
    path: str | re.Pattern[str] | None,
    times: int | None,
    rate: float | None,
    seed: int | None,
    options: Mapping[str, Any],
) -> Rule:
    """A checked rule (see `Faults.inject`); raises `ValueError` or `TypeError`."""
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    if not kinds or any(k not in KINDS for k in kinds):
        raise ValueError(f"kind must be one of {', '.join(KINDS)} (or a list of them)")
    known = {name for k in kinds for name in OPTIONS[k]}
    if unknown := sorted(set(options) - known):
        raise ValueError(f"unknown option(s) for {'/'.join(kinds)}: {', '.join(unknown)}")
    _check_options(options)
    if method is not None and (not isinstance(method, str) or not method.strip()):
        raise TypeError("method must be an HTTP method name such as 'POST', or None")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
        raise TypeError(f"times must be an integer or None, not {times!r}")
    if times is not None and times < 1:
        raise ValueError(f"times must be at least 1, not {times}")
    if rate is not None and (
        isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1
    ):
        raise ValueError(f"rate must be a number from 0 to 1, not {rate!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an integer or None, not {seed!r}")
    return Rule(kinds, method and method.upper(), path, times, rate, seed, dict(options))


def rule_from(description: Any) -> Rule:
    """A rule from its `Rule.describe()` form (`kind` required; the rest optional).

    Raises `ValueError` (or `TypeError`) for anything else.
    """
    if not isinstance(description, Mapping) or "kind" not in description:
        raise ValueError(f"a fault rule is a mapping with a kind: {description!r:.80}")
    if unknown := sorted(set(description) - _DESCRIBED):
        raise ValueError(f"unknown field(s) of a fault rule: {', '.join(unknown)}")
    kind, options = description["kind"], description.get("options") or {}
    if not isinstance(kind, str) and not (
        isinstance(kind, list) and all(isinstance(k, str) for k in kind)
    ):
        raise TypeError("kind must be a kind's name or a list of them")
    if not isinstance(options, Mapping):
        raise TypeError("options must be a mapping, such as {'status': 503}")
    d = description
    rule = new_rule(
        kind, d.get("method"), d.get("path"), d.get("times"), d.get("rate"), d.get("seed"), options
    )  # fmt: skip
    fired = description.get("fired", 0)
    if not _is_count(fired) or (rule.times is not None and fired > rule.times):
        raise ValueError(f"fired must be a count, at most times: {fired!r}")
    rule.fired = fired
    return rule


def injected_from(entry: Any) -> Injected:
    """A log entry from its JSON form (what `Faults.export()` lists)."""
    if not isinstance(entry, Mapping) or set(entry) != _LOGGED:
        raise ValueError(f"a fault log entry has {', '.join(sorted(_LOGGED))}: {entry!r:.80}")
    number, kind, method, path, at = (entry[k] for k in ("number", "kind", "method", "path", "at"))
    if not _is_count(number) or kind not in KINDS or not isinstance(method, str):
        raise ValueError(f"not a fault log entry: {entry!r:.80}")
    if not isinstance(path, str) or isinstance(at, bool) or not isinstance(at, int | float):
        raise ValueError(f"not a fault log entry: {entry!r:.80}")
    return Injected(number, kind, method, path, float(at))


_DESCRIBED = frozenset({"kind", "method", "path", "times", "rate", "seed", "options", "fired"})
_LOGGED = frozenset({"number", "kind", "method", "path", "at"})


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_options(options: Mapping[str, Any]) -> None:
    for name in ("seconds", "jitter", "retry_after", "keep", "hold"):
        value = options.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            raise ValueError(f"{name} must be a number >= 0, not {value!r}")
    if "keep" in options and not 0 <= options["keep"] < 1:
        raise ValueError(f"keep must be from 0 to 1 (less than the whole), not {options['keep']!r}")
    if "status" in options and options["status"] not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {options['status']!r}")


def spoil(fault: Fault, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[
    int, list[tuple[bytes, bytes]], bytes
]:  # fmt: skip
    """The answer a `truncate` or `not_json` fault makes of the service's answer."""
    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type")]
    if fault.kind == "truncate":
        cut = body[: int(len(body) * float(fault.options.get("keep", 0.5)))]
        content_type = b"application/json"
    else:
        cut = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        content_type = b"text/html"
    kept += [(b"Content-Length", str(len(cut)).encode()), (b"Content-Type", content_type)]
    return status, kept, cut


def refusal(fault: Fault) -> tuple[ServiceError, dict[str, str]]:
    """The error (and extra headers) a `status` or `rate_limit` fault answers with."""
    if fault.kind == "status":
        return refusals.injected_failure(fault.options["status"]), {}
    seconds = fault.options["retry_after"]
    return refusals.too_many_requests(seconds), {"Retry-After": str(seconds)}


def marked(
    record: httpx.Request | Callable[[], httpx.Request], kind: str
) -> httpx.Request | Callable[[], httpx.Request]:
    """A request record carrying the fault injected into it (`extensions`)."""
    if isinstance(record, httpx.Request):  # a copy: the client may send this one again
        extensions = {**record.extensions, EXTENSION: kind}
        return httpx.Request(
            record.method, record.url, headers=record.headers, content=record.content,
            extensions=extensions,
        )  # fmt: skip

    def build() -> httpx.Request:
        request = record()
        request.extensions = {**request.extensions, EXTENSION: kind}
        return request

    return build


def dropped(fault: Fault, request: httpx.Request | None) -> Exception:
    """What a drop or a timeout raises: served, `Dropped`; in-process, httpx's own error."""
    if request is None:
        hold = float(fault.options["hold"]) if fault.kind == "timeout" else 0.0
        return Dropped(fault.kind, hold)
    if fault.kind == "timeout":
        return httpx.ReadTimeout("timed out (a fault injected by the emulator)", request=request)
    return httpx.RemoteProtocolError(
        "Server disconnected without sending a response.", request=request
    )
