"""A slow, obvious, plain-Python reference of the report pipeline (definitions §2.1–2.4, §2.6).

Nothing here is vectorised and nothing is shared with ``micromacro``'s logic: one small function
per rule of the definitions, so that a reviewer can check each against them by eye. The
property and sample-log tests compare the program with it. Imported from ``micromacro`` are only
data (the extension lists) and the goal model (plain dataclasses).

    >>> report([]).summary["sessions"]
    0
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from statistics import NormalDist
from urllib.parse import unquote_plus

import crawleruseragents
import pytest

from micromacro.goals import Goal, NumberCondition, StringMatcher
from micromacro.hits import DOWNLOAD_EXTENSIONS, STATIC_EXTENSIONS, STATIC_FILES

# --- definitions §2.2: one line of the Common Log Format family --------------------------------

_QUOTED = r'"(?:[^"\\]|\\.)*"'  # a quoted field; nginx/Apache escape '"' as \" or \x22
# [vhost] client ident user [time] [(elapsed)] "request" status bytes ["referrer" "user agent"]
# [trailing fields]: referrer and user agent quoted or a bare -, status or bytes may be -.
CLF_LINE = re.compile(
    rf"(?P<client>[^\[]+?) [^ ]+ [^ ]+ \[(?P<time>[^\]]*)\](?: \((?P<elapsed>[^)]*)\))? "
    rf"(?P<request>{_QUOTED}) "
    rf"(?P<status>[0-9]{{3}}|-) (?P<bytes>[0-9]+|-)"
    rf"(?: (?P<referrer>{_QUOTED}|-) (?P<agent>{_QUOTED}|-))?(?P<rest>.*)"
)
# nginx's "$http_x_forwarded_for" after the user agent: addresses, or -. An address is IPv4
# (maybe with a port), IPv6 (maybe bracketed, with a zone or a port) or "unknown".
_V4 = r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?::[0-9]{1,5})?"
_V6 = (
    r"\[?[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.[0-9]{1,3}){0,3}(?:%[\w.-]+)?\]?"
    r"(?::[0-9]{1,5})?"
)
_ADDRESS = rf"(?:{_V4}|{_V6}|unknown)"
_ADDRESSES = rf"{_ADDRESS}(?:, ?{_ADDRESS})*"
XFF = re.compile(rf' "(?:-|(?:{_ADDRESSES})?)"')
# Or further along: a whole quoted field of addresses among the trailing fields.
LATER_XFF = re.compile(rf'(?:^|[ \t])"{_ADDRESSES}"(?=[ \t]|$)')
TRAEFIK_TAIL = re.compile(r' [0-9]+ "[^"]*" "[^"]*" [0-9]+ms\s*')
# Trailing fields are whole: runs of text or quoted strings; an unclosed quote is a cut line.
TRAILING = re.compile(rf'(?:[ \t]+(?:[^ \t"]|{_QUOTED})+)*\s*')
# RFC 9110: a method is a case-sensitive token; every method starts with a letter.
METHOD = r"[A-Za-z][-!#$%&'*+.^_`|~0-9A-Za-z]*"
# A target is origin-form (/…, or ?… for the root), absolute-form (scheme://…), * or an
# authority (host:port).
# A server splits the request line at spaces only: other whitespace is part of the target.
TARGET = r"(?:[/*?]|[A-Za-z][A-Za-z0-9+.-]*://)[^ ]*|[^ /?#]+:[0-9]+"
REQUEST_LINE = re.compile(
    rf"({METHOD}) ({TARGET}) (HTTP/[0-9](\.[0-9])?)"
)  # METHOD TARGET PROTOCOL
ABSOLUTE_FORM = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")  # scheme://authority
REQUEST_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BUCKETS = (
    "malformed", "bot", "static", "error", "request", "redirect", "other_method", "download",
    "page",
)  # fmt: skip
COMMENT = "comment"


@dataclass(frozen=True)
class LogLine:
    """The fields of a line that the pipeline uses, and the name of its variant."""

    ip: str
    ts: datetime
    method: str
    path: str
    query: str | None
    status: int | None
    user_agent: str | None
    variant: str = "combined"


@dataclass(frozen=True)
class Client:
    """What a client field holds: a virtual host, the connecting address, whether it was a list."""

    host: str | None
    ip: str
    listed: bool


def client_of(field: str) -> Client | None:
    """``[vhost] address``, or ``[vhost] list [address]`` where the list is quoted or written
    ``a, b``; the connecting address is the one after the list, else the list's last one."""
    quoted = re.fullmatch(r'(?:([^ ",]+) )?"([^"]*)"(?: ([^ ",]+))?', field)
    if quoted:
        host, addresses, after = quoted.groups()
        listed = "," in addresses or after is not None
        return Client(host, after or addresses.split(",")[-1].strip(), listed)
    items: list[str] = []
    for token in field.split(" "):
        if items and items[-1].endswith(","):
            items[-1] += " " + token  # "a, b" is one list
        else:
            items.append(token)
    if any(item.endswith(",") or not item for item in items):
        return None
    lists = ["," in item for item in items]
    if lists == [False]:
        return Client(None, items[0], False)
    if lists == [True]:
        return Client(None, items[0].split(",")[-1].strip(), True)
    if lists == [True, False]:
        return Client(None, items[1], True)
    if lists in ([False, False], [False, True]):
        return Client(items[0], items[1].split(",")[-1].strip(), lists[1])
    if lists == [False, True, False]:
        return Client(items[0], items[2], True)
    return None


def unquoted(field: str | None) -> str | None:
    """A quoted field's inside; - and empty are no value."""
    value = field[1:-1] if field is not None and field.startswith('"') else field
    return None if value in (None, "", "-") else value


def variant_of(fields: re.Match[str], client: Client, xff: bool, trailing: bool) -> str:
    """The variant name a line's shape gives (README: Log formats)."""
    base = ("vhost_" if client.host else "") + ("combined" if fields["agent"] else "common")
    suffixes = [
        ("address_list", client.listed),
        ("bare_dash", "-" in (fields["referrer"], fields["agent"])),
        ("dash_status", fields["status"] == "-"),
        ("elapsed", fields["elapsed"] is not None),
        ("xff", xff),
        ("fields", trailing),
    ]
    name = base + "".join(f"+{suffix}" for suffix, present in suffixes if present)
    if name == "combined+fields" and TRAEFIK_TAIL.fullmatch(fields["rest"]):
        return "traefik"
    return name


def clf_time(text: str) -> datetime | None:
    """A CLF time, with or without fractions of a second; None when invalid (30/Feb, 24:00)."""
    for layout in ("%d/%b/%Y:%H:%M:%S %z", "%d/%b/%Y:%H:%M:%S.%f %z"):
        try:
            return datetime.strptime(text, layout).astimezone(UTC)
        except ValueError:
            continue
    return None


def parse_line(line: str) -> LogLine | str:
    """The fields of ``line``; ``"comment"`` for a blank or ``#`` line, ``"malformed"`` when it
    does not read (definitions §2.2, the first buckets)."""
    if not line.strip() or line.lstrip().startswith("#"):
        return COMMENT
    fields = CLF_LINE.match(line)
    if fields is None:
        return "malformed"
    xff = XFF.match(fields["rest"])
    rest = fields["rest"][xff.end() :] if xff else fields["rest"]
    later = None if xff else LATER_XFF.search(rest)
    client = client_of(fields["client"])
    request_line = REQUEST_LINE.fullmatch(fields["request"][1:-1])
    # After a whole user agent anything may follow; without one, only whole fields.
    cut_short = fields["agent"] is None and not TRAILING.fullmatch(rest)
    if client is None or request_line is None or cut_short:
        return "malformed"
    ts = clf_time(fields["time"])
    if ts is None:
        return "malformed"
    target = request_line.group(2).split("#", 1)[0]  # a fragment is no part of path or query
    path, has_query, query = ABSOLUTE_FORM.sub("", target, count=1).partition("?")
    status = None if fields["status"] == "-" else int(fields["status"])
    variant = variant_of(fields, client, bool(xff or later), bool(rest.strip()))
    return LogLine(client.ip, ts, request_line.group(1), path or "/", query if has_query else None,
                   status, unquoted(fields["agent"]), variant)  # fmt: skip


@cache
def is_bot(user_agent: str | None) -> bool:
    """The crawler-user-agents package's own matcher; no user agent is no bot."""
    return user_agent is not None and crawleruseragents.is_crawler(user_agent)


def ends_with_extension(path: str, extensions: Iterable[str]) -> bool:
    return any(path.lower().endswith("." + ext) for ext in extensions)


def is_static(path: str) -> bool:
    last_segment = path.lower().rsplit("/", 1)[-1]
    return ends_with_extension(path, STATIC_EXTENSIONS) or last_segment in STATIC_FILES


@dataclass(frozen=True)
class Include:
    """The ``--include-…`` switches: an included rule no longer applies."""

    bots: bool = False
    static: bool = False
    errors: bool = False
    redirects: bool = False


def bucket_of(line: LogLine | str, include: Include = Include()) -> str:
    """The first bucket of definitions §2.2 whose rule applies (a line without a status is
    neither an error nor a redirect)."""
    if isinstance(line, str):
        return line
    status = line.status if line.status is not None else 200
    rules = [
        ("bot", not include.bots and is_bot(line.user_agent)),
        ("static", not include.static and is_static(line.path)),
        ("error", not include.errors and not 200 <= status <= 399),
        ("request", line.method in REQUEST_METHODS),
        ("redirect", not include.redirects and 300 <= status <= 399 and status != 304),
        ("other_method", line.method != "GET"),
        ("download", ends_with_extension(line.path, DOWNLOAD_EXTENSIONS)),
    ]
    return next((name for name, applies in rules if applies), "page")


# --- definitions §2.1: counted hits -----------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A counted hit: a pageview or an event. ``file_rank`` is the file's position in the input."""

    id: Hashable
    visitor: Hashable
    ts: datetime
    kind: str  # "page" | "event"
    path: str | None = None
    query: str | None = None
    category: str | None = None
    action: str | None = None
    label: str | None = None
    name: str | None = None
    value: float | None = None
    file_rank: int = 0
    line_no: int = 0
    status: int | None = None


def hit_of(line: LogLine, bucket: str, file_rank: int, line_no: int) -> Hit | None:
    """The hit a line counts as: request and download events, pageviews; None otherwise."""
    where = {"id": (file_rank, line_no), "file_rank": file_rank, "line_no": line_no}
    common = {"visitor": (line.ip, line.user_agent), "ts": line.ts, "path": line.path,
              "query": line.query, "status": line.status, **where}  # fmt: skip
    if bucket == "request":
        return Hit(kind="event", category="request", action=line.method, label=line.path, **common)
    if bucket == "download":
        return Hit(kind="event", category="download", action=line.path, **common)
    if bucket == "page":
        return Hit(kind="page", **common)
    return None


def read_lines(path: Path) -> list[str]:
    """The lines of a file as a log reader sees them: split at LF only, CRLF allowed."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


@dataclass
class Input:
    """Every line's bucket count and the counted hits of the files read."""

    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    hits: list[Hit] = field(default_factory=list)
    variants: dict[str, int] = field(default_factory=dict)


def read_logs(files: Sequence[Path], include: Include = Include()) -> Input:
    result = Input()
    for file_rank, file in enumerate(files):
        for line_no, text in enumerate(read_lines(file), start=1):
            line = parse_line(text)
            bucket = bucket_of(line, include)
            result.buckets[bucket] = result.buckets.get(bucket, 0) + 1
            if isinstance(line, LogLine):
                result.variants[line.variant] = result.variants.get(line.variant, 0) + 1
            hit = hit_of(line, bucket, file_rank, line_no) if isinstance(line, LogLine) else None
            if hit is not None:
                result.hits.append(hit)
    return result


# --- definitions §2.3: sessions ---------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A visitor's hits in hit order (time, then file, then line)."""

    visitor: Hashable
    hits: tuple[Hit, ...]

    @property
    def pageviews(self) -> int:
        return sum(hit.kind == "page" for hit in self.hits)

    @property
    def events(self) -> int:
        return sum(hit.kind == "event" for hit in self.hits)

    @property
    def duration_s(self) -> float:
        return (self.hits[-1].ts - self.hits[0].ts).total_seconds()

    @property
    def bounce(self) -> bool:
        return self.pageviews == 1 and self.events == 0

    @property
    def landing_page(self) -> str | None:
        pages = [hit.path for hit in self.hits if hit.kind == "page"]
        return pages[0] if pages else None

    @property
    def exit_page(self) -> str | None:
        pages = [hit.path for hit in self.hits if hit.kind == "page"]
        return pages[-1] if pages else None


def sessions_of(hits: Iterable[Hit], timeout_s: float = 1800) -> list[Session]:
    """Split each visitor's hits where the gap to the previous hit is greater than the timeout."""
    by_visitor: dict[Hashable, list[Hit]] = defaultdict(list)
    for hit in hits:
        by_visitor[hit.visitor].append(hit)
    timeout = timedelta(seconds=timeout_s)
    sessions: list[Session] = []
    for visitor, visits in by_visitor.items():
        visits.sort(key=lambda hit: (hit.ts, hit.file_rank, hit.line_no))
        current = [visits[0]]
        for previous, hit in pairwise(visits):
            if hit.ts - previous.ts > timeout:
                sessions.append(Session(visitor, tuple(current)))
                current = []
            current.append(hit)
        sessions.append(Session(visitor, tuple(current)))
    return sessions


# --- definitions §2.4: goals ------------------------------------------------------------------


def glob_regex(pattern: str) -> str:
    """``**/`` starting a segment is zero or more whole segments, ``**`` elsewhere anything,
    ``*`` anything within one path segment, the rest literal."""
    tokens = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*"}
    found = re.finditer(r"(?:(?<=/)|^)\*\*/|\*\*|\*|[^*]", pattern)
    return "".join(tokens.get(token[0], re.escape(token[0])) for token in found)


def string_matches(matcher: StringMatcher, text: str | None) -> bool:
    if text is None:
        return False
    flags = 0 if matcher.case_sensitive else re.IGNORECASE
    if matcher.op == "regex":
        return re.search(str(matcher.value), text, flags) is not None
    if matcher.op == "glob":
        return re.fullmatch(glob_regex(str(matcher.value)), text, flags) is not None
    # Ignoring case: lower case, a final sigma (of a pattern's last Σ) the sigma it stands for.
    fold = (lambda s: s) if matcher.case_sensitive else (lambda s: s.lower().replace("ς", "σ"))
    values = matcher.value if isinstance(matcher.value, tuple) else (matcher.value,)
    subject, wanted = fold(text), [fold(v) for v in values]
    if matcher.op == "equals":
        return subject == wanted[0]
    if matcher.op == "one_of":
        return subject in wanted
    if matcher.op == "begins_with":
        return subject.startswith(wanted[0])
    return wanted[0] in subject  # contains


def number_holds(condition: NumberCondition, number: float | None) -> bool:
    """Every given comparison holds; a missing number never does."""
    if number is None:
        return False
    checks = [
        condition.greater_than is None or number > condition.greater_than,
        condition.less_than is None or number < condition.less_than,
        condition.equals is None or number == condition.equals,
    ]
    return all(checks)


def hit_matches(goal: Goal, hit: Hit) -> bool:
    """A destination goal's pageview, or an event goal's event with every given field matching."""
    if goal.destination is not None:
        target = hit.path
        if goal.destination.include_query and hit.query is not None:
            target = f"{hit.path}?{hit.query}"
        return hit.kind == "page" and string_matches(goal.destination.matcher, target)
    event = goal.event
    assert event is not None
    fields = [(event.category, hit.category), (event.action, hit.action),
              (event.label, hit.label), (event.name, hit.name)]  # fmt: skip
    strings_ok = all(m is None or string_matches(m, text) for m, text in fields)
    value_ok = event.value is None or number_holds(event.value, hit.value)
    return hit.kind == "event" and strings_ok and value_ok


def conversions(goal: Goal, session: Session) -> int:
    """How many times ``goal`` converts ``session``: 0/1, or matching hits for ``count: every``."""
    if goal.type in ("duration", "pages"):
        assert goal.condition is not None
        measure = session.duration_s if goal.type == "duration" else session.pageviews
        return int(number_holds(goal.condition, measure))
    matching = sum(hit_matches(goal, hit) for hit in session.hits)
    return matching if goal.count == "every" else min(matching, 1)


def hit_value(goal: Goal, hit: Hit) -> float | None:
    """What a hit is worth to a goal valued from the data (definitions §2.4): the value of its
    query parameter (``query:NAME``, the first one, URL-decoded), or its event value; None when
    it holds no finite number."""
    column = goal.value_from
    if column == "event_value":
        return hit.value
    assert column is not None, goal
    assert column.startswith("query:"), column
    name = column.removeprefix("query:")
    pieces = (hit.query or "").split("#")[0].split("&")
    text = next((p.removeprefix(name + "=") for p in pieces if p.startswith(name + "=")), None)
    if text is None:
        return None
    try:
        number = float(unquote_plus(text).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def session_revenue(goal: Goal, session: Session) -> float | None:
    """What ``goal``'s conversions in ``session`` are worth: value × conversions for a fixed
    value; from the data, the first matching hit's value (``once_per_session``) or the sum of
    the values of the matching hits (``every``); None when nothing has a value."""
    if goal.value is not None:
        count = conversions(goal, session)
        return goal.value * count if count else None
    if goal.value_from is None:
        return None
    values = [hit_value(goal, hit) for hit in session.hits if hit_matches(goal, hit)]
    if goal.count != "every":
        return values[0] if values else None
    found = [v for v in values if v is not None]
    return sum(found) if found else None


def revenue_figures(
    goals: Sequence[Goal], sessions: list[Session], prefix: str = ""
) -> dict[str, object]:
    """The revenue of ``goals`` together (no currency in a log: one group), and per session."""
    if not any(g.value is not None or g.value_from is not None for g in goals):
        return {f"{prefix}revenue": None, f"{prefix}revenue_per_session": None,
                "currency": None, f"{prefix}revenue_by_currency": None}  # fmt: skip
    worth = [v for g in goals for s in sessions if (v := session_revenue(g, s)) is not None]
    total = float(sum(worth))
    return {
        f"{prefix}revenue": total,
        f"{prefix}revenue_per_session": ratio(total, len(sessions)),
        "currency": None,
        f"{prefix}revenue_by_currency": (
            [{"currency": None, "revenue": pytest.approx(total, rel=1e-12)}] if worth else []
        ),
    }


# --- definitions §2.6: rates ------------------------------------------------------------------

Z95 = NormalDist().inv_cdf(0.975)


def wilson(successes: int, trials: int) -> tuple[float | None, float | None]:
    """The 95% Wilson score interval, (x + z²/2 ± z·√(x(n−x)/n + z²/4)) / (n + z²)."""
    if trials == 0:
        return None, None
    z2 = Z95 * Z95
    centre = (successes + z2 / 2) / (trials + z2)
    half = Z95 * math.sqrt(successes * (trials - successes) / trials + z2 / 4) / (trials + z2)
    return max(0.0, centre - half), min(1.0, centre + half)


def ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


# --- definitions §2.6: the traffic overview ---------------------------------------------------

NONE = "(none)"
TOP = 20  # --top's default


def _label(value: str | None) -> str:
    return value if value else NONE


def _ranked(counts: dict[Hashable, int], top: int) -> list[Hashable]:
    """The names of ``counts``, largest count first, ties by name; the first ``top`` (0: all)."""
    names = sorted(counts, key=lambda name: (-counts[name], name))  # type: ignore[operator]
    return names[:top] if top else names


def top_pages(sessions: list[Session], top: int = TOP) -> list[dict[str, object]]:
    """Per path: pageviews, and sessions with at least one of them."""
    views: dict[Hashable, int] = defaultdict(int)
    viewing: dict[Hashable, set[int]] = defaultdict(set)
    for number, session in enumerate(sessions):
        for hit in session.hits:
            if hit.kind == "page":
                views[_label(hit.path)] += 1
                viewing[_label(hit.path)].add(number)
    return [
        {"path": p, "pageviews": views[p], "sessions": len(viewing[p])} for p in _ranked(views, top)
    ]


def landing_pages(sessions: list[Session], top: int = TOP) -> list[dict[str, object]]:
    """Per first pageview's path: sessions, and the share of them that bounced."""
    landed: dict[Hashable, int] = defaultdict(int)
    bounced: dict[Hashable, int] = defaultdict(int)
    for session in sessions:
        landed[_label(session.landing_page)] += 1
        bounced[_label(session.landing_page)] += session.bounce
    return [
        {"path": p, "sessions": landed[p], "bounce_rate": bounced[p] / landed[p]}
        for p in _ranked(landed, top)
    ]


def exit_pages(sessions: list[Session], top: int = TOP) -> list[dict[str, object]]:
    """Per last pageview's path: sessions."""
    left: dict[Hashable, int] = defaultdict(int)
    for session in sessions:
        left[_label(session.exit_page)] += 1
    return [{"path": p, "sessions": left[p]} for p in _ranked(left, top)]


def status_codes(hits: Iterable[Hit], top: int = TOP) -> list[dict[str, object]]:
    """Per status code: the counted hits answered with it (hits without one left out)."""
    answered: dict[Hashable, int] = defaultdict(int)
    for hit in hits:
        if hit.status is not None:
            answered[hit.status] += 1
    return [{"status": s, "hits": answered[s]} for s in _ranked(answered, top)]


def traffic_of(sessions: list[Session], top: int = TOP) -> dict[str, list[dict[str, object]]]:
    """The traffic tables the reference computes (referrers and channels it leaves to the
    hand-counted tests)."""
    hits = [hit for session in sessions for hit in session.hits]
    return {
        "pages": top_pages(sessions, top),
        "landing_pages": landing_pages(sessions, top),
        "exit_pages": exit_pages(sessions, top),
        "status_codes": status_codes(hits, top),
    }


# The traffic tables compared with the program's: status codes are left out while the program's
# counted hits do not keep their status (tests/test_traffic.py checks them as an expected failure).
COMPARED_TRAFFIC = ("pages", "landing_pages", "exit_pages", "status_codes")


@dataclass
class Report:
    """The ``input``, ``summary``, ``goals`` and (some of the) ``traffic`` parts of the JSON
    report (definitions §4)."""

    input: dict[str, object]
    summary: dict[str, float | int]
    goals: list[dict[str, object]]
    sessions: list[Session]
    traffic: dict[str, list[dict[str, object]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"input": self.input, "summary": self.summary, "goals": self.goals}


def summary_of(sessions: list[Session], goals: Sequence[Goal]) -> dict[str, float | int | None]:
    def any_goal(kind: str, s: Session) -> bool:
        return any(conversions(g, s) > 0 for g in goals if g.kind == kind)

    n = len(sessions)
    pageviews = sum(s.pageviews for s in sessions)
    macro = sum(any_goal("macro", s) for s in sessions)
    micro = sum(any_goal("micro", s) for s in sessions)
    # GA4's engaged session on a log: 10 s or more, 2 pageviews or more, or a key (macro) goal.
    engaged = sum(s.duration_s >= 10 or s.pageviews >= 2 or any_goal("macro", s) for s in sessions)
    return {
        "visitors": len({s.visitor for s in sessions}),
        "sessions": n,
        "pageviews": pageviews,
        "events": sum(s.events for s in sessions),
        "bounce_rate": ratio(sum(s.bounce for s in sessions), n),
        "avg_session_duration_s": ratio(sum(s.duration_s for s in sessions), n),
        "pages_per_session": ratio(pageviews, n),
        "macro_sessions": macro,
        # A kind of goal the goals file does not have has no rate (null).
        "macro_conversion_rate": ratio(macro, n) if any(g.kind == "macro" for g in goals) else None,
        "micro_sessions": micro,
        "micro_conversion_rate": ratio(micro, n) if any(g.kind == "micro" for g in goals) else None,
        **revenue_figures([g for g in goals if g.kind == "macro"], sessions, "macro_"),
        "engaged_sessions": engaged,
        "engagement_rate": ratio(engaged, n),
    }


def goal_row(goal: Goal, sessions: list[Session]) -> dict[str, object]:
    per_session = [conversions(goal, s) for s in sessions]
    converting = [s for s, c in zip(sessions, per_session, strict=True) if c > 0]
    visitors = len({s.visitor for s in sessions})
    converting_visitors = len({s.visitor for s in converting})
    session_ci = wilson(len(converting), len(sessions))
    visitor_ci = wilson(converting_visitors, visitors)
    row: dict[str, object] = {
        "name": goal.name, "kind": goal.kind, "category": goal.category, "type": goal.type,
        "count": goal.count,
        "conversions": sum(per_session),
        "converting_sessions": len(converting),
        "conversion_rate": ratio(len(converting), len(sessions)),
        "conversion_rate_ci_low": session_ci[0],
        "conversion_rate_ci_high": session_ci[1],
        "visitors": converting_visitors,
        "visitor_conversion_rate": ratio(converting_visitors, visitors),
        "visitor_conversion_rate_ci_low": visitor_ci[0],
        "visitor_conversion_rate_ci_high": visitor_ci[1],
        **revenue_figures([goal], sessions),
    }  # fmt: skip
    revenue = row["revenue"]
    assert revenue is None or isinstance(revenue, float)
    row["value"] = revenue
    row["revenue_per_visitor"] = None if revenue is None else ratio(revenue, visitors)
    return row


def report(
    files: Sequence[Path],
    goals: Sequence[Goal] = (),
    *,
    timeout_s: float = 1800,
    include: Include = Include(),
) -> Report:
    """The reference report of combined-format ``files`` (read in the order given)."""
    read = read_logs(files, include)
    sessions = sessions_of(read.hits, timeout_s)
    lines = sum(read.buckets.values())
    variants = read.variants
    return Report(
        input={
            "lines": lines,
            "files": len(files),
            "format": "combined",
            **read.buckets,
            "variants": variants,
        },
        summary=summary_of(sessions, goals),
        goals=[goal_row(goal, sessions) for goal in goals],
        sessions=sessions,
        traffic=traffic_of(sessions),
    )


# --- segments: Benjamini–Hochberg q-values over the goal rows ---------------------------------


def benjamini_hochberg(p_values: list[float | None]) -> list[float | None]:
    """Benjamini–Hochberg q-values (false discovery rate) of ``p_values``, in the same order;
    None stays None and is not counted among the tests.

    """
    ranked = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    count = len(ranked)
    q_values: list[float | None] = [None] * len(p_values)
    smallest = 1.0
    for rank in range(count, 0, -1):
        p, index = ranked[rank - 1]
        smallest = min(smallest, p * count / rank)
        q_values[index] = smallest
    return q_values


# --- comparing the program's JSON report with the reference -----------------------------------


def assert_same_figures(actual: dict[str, object], expected: dict[str, object]) -> None:
    """Every expected key present and equal; floats to 12 significant digits."""
    missing = sorted(set(expected) - set(actual))
    assert not missing, f"missing keys {missing}"
    for key, want in expected.items():
        got = actual[key]
        same = got == pytest.approx(want, rel=1e-12) if isinstance(want, float) else got == want
        assert same, f"{key}: program {got!r}, reference {want!r}"


def assert_report_matches(actual: dict[str, object], expected: Report) -> None:
    """``actual`` (the JSON report as a dict) has the reference's input, summary and goals, and
    its traffic tables of ``COMPARED_TRAFFIC``, row for row in order."""
    assert_same_figures(actual["input"], expected.input)  # type: ignore[arg-type]
    assert_same_figures(actual["summary"], expected.summary)  # type: ignore[arg-type]
    goals = actual["goals"]
    assert isinstance(goals, list)
    names = [g["name"] for g in goals]
    assert names == [g["name"] for g in expected.goals], f"goals {names}"
    for got, want in zip(goals, expected.goals, strict=True):
        assert_same_figures(got, want)
    traffic = actual["traffic"]
    assert isinstance(traffic, dict)
    for name in COMPARED_TRAFFIC:
        assert_same_traffic(traffic[name], expected.traffic[name], name)


def assert_same_traffic(actual: object, expected: list[dict[str, object]], name: str) -> None:
    """The rows of a traffic table, in order, with the same figures."""
    assert isinstance(actual, list)
    names = [next(iter(row.values())) for row in actual]
    assert names == [next(iter(row.values())) for row in expected], f"traffic {name}: {names}"
    for got, want in zip(actual, expected, strict=True):
        assert_same_figures(got, want)
