"""Property tests: the vectorised pipeline agrees with the plain-Python reference (STYLE habit 7).

Two levels:
- hits → ``sessionize`` + ``session_table`` + ``session_conversions`` (+ the metric tables), on
  random hit sequences whose gaps sit around the session timeout (ties, exactly 30 min, ±1 µs)
  and random goals of all four types and every matcher operator;
- lines → ``build_report``: random combined-format lines (valid, malformed, bots, static, requests,
  redirects, 304, HEAD, downloads, errors) in one or two files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import polars as pl
import pytest
from click.testing import CliRunner
from crawleruseragents import CRAWLER_USER_AGENTS_DATA
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from micromacro.cli import cli
from micromacro.errors import InputError
from micromacro.goal_matching import goal_column, session_conversions, session_revenue
from micromacro.goals import (
    MATCH_OPS,
    DestinationMatcher,
    EventMatcher,
    Goal,
    GoalsConfig,
    NumberCondition,
    StringMatcher,
)
from micromacro.goals_file import load_goals, parse_goals
from micromacro.hit_schema import HIT_SCHEMA
from micromacro.metrics import goals_table, revenue_cells, site_summary
from micromacro.report import ReportOptions, build_report
from micromacro.sessions import session_table, sessionize
from tests import reference

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_GOALS = load_goals(ROOT / "goals.example.yaml")
# The example goals, plus goals that see the home page and the query string.
LINE_GOALS = GoalsConfig(
    EXAMPLE_GOALS.goals
    + parse_goals(
        """
goals:
  - {name: home, kind: micro, destination: /}
  - {name: ordered, kind: macro, destination: {contains: order=, include_query: true}}
  - {name: api_write, kind: micro, event: {category: request, action: {one_of: [PUT, PATCH]}}}
"""
    ).goals
)
BASE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# Input order differs from name order: hits tied on time are ordered by file position, not name.
FILES = ("b.log", "a.log")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- hit-level strategies -----------------------------------------------------------------

PATHS = (
    "/", "/cart/add", "/cart/add/42", "/Cart/Add/7", "/cart/address", "/checkout",
    "/checkout/thank-you", "/CHECKOUT/Thank-You", "/downloads/size-guide.pdf",
    "/downloads/guides/x.PDF", "/blog/boots", "/newsletter", "/a/b/c", "/É/été",
)  # fmt: skip
QUERIES = (
    None, None, "", "a=1", "a=1", "order=7&utm_source=News", "total=12.5", "a=1&total=%31%30",
    "total=3&total=9", "total=abc", "total=+4", "total=", "xtotal=5", "total=1e2",
)  # fmt: skip
CATEGORIES = (None, "request", "download", "Video")
ACTIONS = (None, "POST", "post", "DELETE", "/downloads/size-guide.pdf", "play")
NAMES = (None, "signup", "SignUp", "purchase")
EVENT_VALUES = (None, 0.0, 1.5, 10.0, 100.0)
# Around the 30-minute boundary: offsets are multiples of 15 min, nudged by 0, ±1 µs, ±1 s.
NUDGES_US = (0, 0, 0, 1, -1, 1_000_000, -1_000_000, 500_000)
TIMEOUTS_S = (1800.0, 1800.0, 900.0, 2700.0)


@dataclass(frozen=True)
class DrawnHit:
    visitor: str
    offset_us: int
    kind: str
    path: str
    query: str | None
    category: str | None
    action: str | None
    label: str | None
    name: str | None
    value: float | None
    file: int


drawn_hits = st.builds(
    DrawnHit,
    visitor=st.sampled_from(("v1", "v2", "v3")),
    offset_us=st.builds(
        lambda quarter, nudge: max(0, quarter * 900_000_000 + nudge),
        st.integers(0, 8),
        st.sampled_from(NUDGES_US),
    ),
    kind=st.sampled_from(("page", "page", "event")),
    path=st.sampled_from(PATHS),
    query=st.sampled_from(QUERIES),
    category=st.sampled_from(CATEGORIES),
    action=st.sampled_from(ACTIONS),
    label=st.sampled_from((None, *PATHS[:6])),
    name=st.sampled_from(NAMES),
    value=st.sampled_from(EVENT_VALUES),
    file=st.integers(0, len(FILES) - 1),
)


@st.composite
def hit_lists(draw: st.DrawFn) -> list[reference.Hit]:
    """Hits with distinct (file, line) places, so hit order is total."""
    drawn = draw(st.lists(drawn_hits, max_size=25))
    line_numbers = draw(st.permutations(range(1, len(drawn) + 1)))
    return [
        reference_hit(i, hit, line)
        for i, (hit, line) in enumerate(zip(drawn, line_numbers, strict=True))
    ]


def reference_hit(hit_id: int, hit: DrawnHit, line_no: int) -> reference.Hit:
    event = hit.kind == "event"
    return reference.Hit(
        id=hit_id,
        visitor=hit.visitor,
        ts=BASE + timedelta(microseconds=hit.offset_us),
        kind=hit.kind,
        path=hit.path,
        query=hit.query,
        category=hit.category if event else None,
        action=hit.action if event else None,
        label=hit.label if event else None,
        name=hit.name if event else None,
        value=hit.value if event else None,
        file_rank=hit.file,
        line_no=line_no,
    )


# Strings that a path, a path with its query, or an event field may be tested against.
TEXTS = (
    "/", "/cart/add", "/checkout", "thank-you", "CART", "/downloads/", ".pdf", "é", "a=1", "?",
    "/checkout?", "/cart/add?a=1", "/checkout/thank-you?order=7&utm_source=News",
    "utm_source=news", "/CHECKOUT/thank-you", *PATHS,
)  # fmt: skip
REGEXES = (
    "^/cart/add(/|$)", "thank", "^/checkout$", "[0-9]+", r"\.pdf$", "^/a/.*/c$", r"order=\d",
    "^/$", r"\?", "utm_source=news$", "=1$", "^[^?]*$",
)  # fmt: skip
# No "?" in globs: the reference has only * and ** (definitions §2.4), and "?" would be
# ambiguous with include_query.
GLOBS = (
    "/downloads/*.pdf", "/cart/**", "/*", "/**", "**.PDF", "/a/*/c", "/checkout*", "*", "**",
    "/cart/add/*", "/checkout/thank-you*", "/**/c", "/cart/add*a=1", "**=News",
)  # fmt: skip
# Event fields get matchers from their own vocabulary, so that event goals do convert.
EVENT_VOCABULARY = {
    "category": (("request", "REQUEST", "down", "video"), ("^request$", "load", "^v"), ("*",)),
    "action": (
        ("POST", "post", "DELETE", "/downloads/size-guide.pdf", "play", "/downloads"),
        ("^post$", r"\.pdf$", "^(POST|DELETE)$"),
        ("/downloads/*.pdf", "/downloads/*.PDF", "*", "p*"),
    ),
    "label": (TEXTS, REGEXES, GLOBS),
    "name": (("signup", "SIGNUP", "sign", "purchase"), ("sign.?up", "^purchase$"), ("sign*",)),
}


@st.composite
def string_matchers(
    draw: st.DrawFn,
    texts: Sequence[str] = TEXTS,
    regexes: Sequence[str] = REGEXES,
    globs: Sequence[str] = GLOBS,
) -> StringMatcher:
    op = draw(st.sampled_from(MATCH_OPS))
    value: str | tuple[str, ...]
    if op == "regex":
        value = draw(st.sampled_from(regexes))
    elif op == "glob":
        value = draw(st.sampled_from(globs))
    elif op == "one_of":
        value = tuple(draw(st.lists(st.sampled_from(texts), min_size=1, max_size=3)))
    else:
        value = draw(st.sampled_from(texts))
    return StringMatcher(op, value, case_sensitive=draw(st.booleans()))


def rarely(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """``strategy`` a third of the time, else None."""
    return st.sampled_from((False, False, True)).flatmap(
        lambda given: strategy if given else st.none()
    )


def conditions(bounds: Sequence[float], *, with_equals: bool) -> st.SearchStrategy:
    bound = st.sampled_from((None, *bounds))
    equals = bound if with_equals else st.none()
    return st.builds(NumberCondition, greater_than=bound, less_than=bound, equals=equals).filter(
        lambda c: (c.greater_than, c.less_than, c.equals) != (None, None, None)
    )


# Whole and half seconds: Polars computes µs / 10⁶ as µs × 10⁻⁶, which can be 1 ulp off for
# other fractions (1799.000001 s comes out as 1799.0000009999999), so durations are compared to
# the microsecond and duration bounds are not set on a boundary finer than that.
DURATION_BOUNDS = (0, 1, 899, 900, 900.5, 1800, 1801, 2700)
event_matchers = st.builds(
    EventMatcher,
    category=rarely(string_matchers(*EVENT_VOCABULARY["category"])),
    action=rarely(string_matchers(*EVENT_VOCABULARY["action"])),
    label=rarely(string_matchers(*EVENT_VOCABULARY["label"])),
    name=rarely(string_matchers(*EVENT_VOCABULARY["name"])),
    value=rarely(conditions((0, 1.5, 10, 100), with_equals=True)),
).filter(lambda m: any((m.category, m.action, m.label, m.name, m.value)))


@st.composite
def goal_lists(draw: st.DrawFn) -> tuple[Goal, ...]:
    goals = []
    for i in range(draw(st.integers(0, 5))):
        goal_type = draw(st.sampled_from(("destination", "event", "duration", "pages")))
        matcher: dict[str, object] = {}
        if goal_type == "destination":
            include_query = draw(st.booleans())
            matcher["destination"] = DestinationMatcher(draw(string_matchers()), include_query)
        elif goal_type == "event":
            matcher["event"] = draw(event_matchers)
        elif goal_type == "duration":
            matcher["condition"] = draw(conditions(DURATION_BOUNDS, with_equals=False))
        else:
            matcher["condition"] = draw(conditions((0, 1, 2, 3, 4), with_equals=True))
        goals.append(
            Goal(
                name=f"goal {i}",
                kind=draw(st.sampled_from(("macro", "micro"))),
                type=goal_type,
                count=draw(st.sampled_from(("once_per_session", "every"))),
                **_value(draw, goal_type),
                **matcher,  # type: ignore[arg-type]
            )
        )
    return tuple(goals)


def _value(draw: st.DrawFn, goal_type: str) -> dict[str, object]:
    """A goal's value: none, fixed, or (a destination or event goal) from the data."""
    fixed = {"value": draw(st.sampled_from((None, 2.5, 60.0)))}
    if goal_type not in ("destination", "event"):
        return fixed
    sources = ["query:total"] + (["event_value"] if goal_type == "event" else [])
    return draw(st.sampled_from([fixed, {"value_from": draw(st.sampled_from(sources))}]))


# --- the program and the reference, per session ------------------------------------------


def hits_frame(hits: list[reference.Hit]) -> pl.DataFrame:
    """The hit columns ``sessionize`` and ``session_conversions`` read, plus ``hit_id``."""
    columns = {
        "hit_id": [h.id for h in hits],
        "visitor": [h.visitor for h in hits],
        "session_id": [None for _ in hits],
        "ts": [h.ts for h in hits],
        "kind": [h.kind for h in hits],
        "path": [h.path for h in hits],
        "query": [h.query for h in hits],
        "event_category": [h.category for h in hits],
        "event_action": [h.action for h in hits],
        "event_label": [h.label for h in hits],
        "event_name": [h.name for h in hits],
        "event_value": [h.value for h in hits],
        "source_file": [FILES[h.file_rank] for h in hits],
        "line_no": [h.line_no for h in hits],
    }
    schema = {name: HIT_SCHEMA.get(name, pl.Int64()) for name in columns}
    schema["source_file"] = pl.Enum(FILES)
    return pl.DataFrame(columns, schema=schema)


class SessionFigures(NamedTuple):
    """What a session is, to compare: its visitor, span, counts, pages and goal conversions."""

    visitor: str
    start: datetime
    end: datetime
    duration_us: int  # to the microsecond: see DURATION_BOUNDS
    pageviews: int
    events: int
    bounce: bool
    landing_page: str | None
    exit_page: str | None
    conversions: tuple[int, ...]


def program_sessions(
    hits: list[reference.Hit], goals: tuple[Goal, ...], timeout_s: float
) -> tuple[dict[frozenset[int], SessionFigures], pl.DataFrame]:
    """Each session's hit ids and figures, by ``sessionize`` → ``session_conversions``."""
    sessionized = sessionize(hits_frame(hits), timeout_s=timeout_s)
    table = session_conversions(sessionized, session_table(sessionized), goals)
    members = dict(sessionized.group_by("session").agg("hit_id").iter_rows())
    visitors = dict(sessionized.select("visitor_id", "visitor").unique().iter_rows())
    figures = {}
    for row in table.iter_rows(named=True):
        figures[frozenset(members[row["session"]])] = SessionFigures(
            visitor=visitors[row["visitor_id"]],
            start=row["start"],
            end=row["end"],
            duration_us=round(row["duration_s"] * 1_000_000),
            pageviews=row["pageviews"],
            events=row["events"],
            bounce=row["bounce"],
            landing_page=row["landing_page"],
            exit_page=row["exit_page"],
            conversions=tuple(row[goal_column(i)] for i in range(len(goals))),
        )
    return figures, table


def reference_sessions(
    sessions: list[reference.Session], goals: tuple[Goal, ...]
) -> dict[frozenset[int], SessionFigures]:
    """Each session's hit ids and figures, by the reference."""
    return {
        frozenset(hit.id for hit in s.hits): SessionFigures(
            visitor=str(s.visitor),
            start=s.hits[0].ts,
            end=s.hits[-1].ts,
            duration_us=round(s.duration_s * 1_000_000),
            pageviews=s.pageviews,
            events=s.events,
            bounce=s.bounce,
            landing_page=s.landing_page,
            exit_page=s.exit_page,
            conversions=tuple(reference.conversions(goal, s) for goal in goals),
        )
        for s in sessions
    }


def explicit_hits() -> list[reference.Hit]:
    """Gaps of exactly the timeout and 1 µs more, a tie broken by file order, a query."""
    page = reference.Hit
    return [
        page(0, "v1", BASE, "page", "/checkout", "a=1", file_rank=1, line_no=1),
        page(1, "v1", BASE, "page", "/cart/add", None, file_rank=0, line_no=9),
        page(2, "v1", BASE + timedelta(minutes=30), "page", "/a/b/c", ""),
        page(3, "v1", BASE + timedelta(minutes=60, microseconds=1), "page", "/", None),
    ]


EXPLICIT_GOALS = tuple(
    Goal(f"g{i}", "micro", "destination", destination=DestinationMatcher(matcher, True))
    for i, matcher in enumerate(
        (StringMatcher("regex", "^/checkout$"), StringMatcher("contains", "a=1"))
    )
)


def valued_hits() -> list[reference.Hit]:
    """One session with three pageviews worth 12.5, nothing and 10, then an event worth 7."""
    page = reference.Hit
    return [
        page(0, "v1", BASE, "page", "/checkout", "total=12.5", line_no=1),
        page(1, "v1", BASE + timedelta(minutes=1), "page", "/checkout", "total=abc", line_no=2),
        page(2, "v1", BASE + timedelta(minutes=2), "page", "/checkout", "total=%31%30", line_no=3),
        page(3, "v1", BASE + timedelta(minutes=3), "event", "/x", None, name="buy", value=7.0,
             line_no=4),
    ]  # fmt: skip


VALUED_GOALS = tuple(
    Goal(name, kind, goal_type, count=count, value_from=source, **matcher)  # type: ignore[arg-type]
    for name, kind, goal_type, count, source, matcher in (
        ("first", "macro", "destination", "once_per_session", "query:total",
         {"destination": DestinationMatcher(StringMatcher("equals", "/checkout"))}),
        ("all", "micro", "destination", "every", "query:total",
         {"destination": DestinationMatcher(StringMatcher("equals", "/checkout"))}),
        ("buy", "macro", "event", "every", "event_value",
         {"event": EventMatcher(name=StringMatcher("equals", "buy"))}),
    )
)  # fmt: skip


@SETTINGS
@given(hits=hit_lists(), goals=goal_lists(), timeout_s=st.sampled_from(TIMEOUTS_S))
@example(hits=explicit_hits(), goals=EXPLICIT_GOALS, timeout_s=1800.0)
@example(hits=valued_hits(), goals=VALUED_GOALS, timeout_s=1800.0)
def test_sessions_and_conversions_equal_the_reference(
    hits: list[reference.Hit], goals: tuple[Goal, ...], timeout_s: float
) -> None:
    program, table = program_sessions(hits, goals, timeout_s)
    sessions = reference.sessions_of(hits, timeout_s)
    assert program == reference_sessions(sessions, goals)
    sessionized = sessionize(hits_frame(hits), timeout_s=timeout_s)
    cells = revenue_cells(table, session_revenue(sessionized, goals), goals)
    summary = site_summary(table, goals, cells).as_dict()
    reference.assert_same_figures(summary, reference.summary_of(sessions, goals))
    expected_rows = [reference.goal_row(goal, sessions) for goal in goals]
    for got, want in zip(goals_table(table, goals, cells), expected_rows, strict=True):
        reference.assert_same_figures(got.as_dict(), want)


# --- line level: random combined-format lines through build_report -------------------------

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
AGENTS = (
    FIREFOX,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "-",
    "",
    'Mozilla/5.0 \\"quoted\\" \x1b[31m[bold]red[/bold] <script>',
)
IPS = ("203.0.113.7", "198.51.100.2", "2001:db8::1")
TARGETS = (
    "/", "/products/tent", "/static/app.css", "/static/app.CSS?v=3", "/img/logo.png",
    "/robots.txt", "/favicon.ico", "/blog/robots.txt", "/notrobots.txt", "/fonts/Inter.WOFF2",
    "/downloads/size-guide.pdf", "/files/report.PDF", "/files/data.csv?x=1", "/a.pdf/b",
    "/search?q=a.css", "/cart/add/3", "/cart/add", "/contact", "/newsletter/subscribe",
    "/checkout", "/checkout/thank-you?order=1", "http://shop.example.com/checkout",
    "https://shop.example.com", "*",
)  # fmt: skip
METHODS = ("GET", "GET", "GET", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
STATUSES = (200, 200, 200, 204, 206, 301, 302, 303, 304, 307, 400, 403, 404, 410, 500, 503)
PROTOCOLS = ("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/2")
ZONES = ("+0100", "+0000", "-0500")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def clf_time(offset_s: int, zone: str) -> str:
    local = datetime(2026, 11, 2, 9, 0) + timedelta(seconds=offset_s)
    return f"{local:%d}/{MONTHS[local.month - 1]}/{local:%Y:%H:%M:%S} {zone}"


@st.composite
def log_lines(draw: st.DrawFn) -> str:
    """One line: mostly valid combined format, sometimes broken in one of several ways."""
    ip, agent = draw(st.sampled_from(IPS)), draw(st.sampled_from(AGENTS))
    offset = draw(st.integers(0, 6)) * 900 + draw(st.sampled_from((0, 0, 1, -1)))
    time = clf_time(max(0, offset), draw(st.sampled_from(ZONES)))
    method, target = draw(st.sampled_from(METHODS)), draw(st.sampled_from(TARGETS))
    request = f"{method} {target} {draw(st.sampled_from(PROTOCOLS))}"
    status, size = draw(st.sampled_from(STATUSES)), draw(st.sampled_from(("512", "-", "0")))
    line = f'{ip} - - [{time}] "{request}" {status} {size} "-" "{agent}"'
    broken = {
        "dash request": f'{ip} - - [{time}] "-" 400 0 "-" "-"',
        "tls bytes": f'{ip} - - [{time}] "\\x16\\x03\\x01\\x02\\x00\\x01" 400 226 "-" "-"',
        "cut short": line[: len(line) // 2],
        "no protocol": f'{ip} - - [{time}] "GET /" 400 0 "-" "{agent}"',
        "extra word": f'{ip} - - [{time}] "GET /a b HTTP/1.1" 400 0 "-" "{agent}"',
        "bad date": line.replace(time[:6], "30/Feb"),
        "bad month": line.replace("/Nov/", "/Foo/"),
        "bad hour": line.replace(":09:", ":24:", 1),
        "empty": "",
        "noise": "hello world",
        "extra fields": line + ' "x-forwarded-for" 0.012',
    }
    after_time = f'"{request}" {status} {size} "-" "{agent}"'
    shapes = {  # the Common Log Format family's variants of the same request
        "vhost": f"shop.example.com:443 {line}",
        "address list": f"{ip}, 10.0.0.1 - - [{time}] {after_time}",
        "quoted list": f'"{ip}, 10.0.0.2" 10.0.0.7 - - [{time}] {after_time}',
        "vhost and list": f"shop.example.com {ip}, 10.0.0.1 10.0.0.9 - - [{time}] {after_time}",
        "bare dash": line.replace(f' "-" "{agent}"', f' - "{agent}"'),
        "xff": line + f' "{ip}, 10.0.0.1"',
        "common": f'{ip} - - [{time}] "{request}" {status} {size}',
        "dash status": line.replace(f'" {status} {size} "', f'" - {size} "'),
        "elapsed": line.replace("] ", "] (0 s) ", 1),
        "fraction": line.replace(" +", ".125 +", 1).replace(" -0500", ".125 -0500", 1),
        "unclosed after the agent": line + ' "oops',
    }
    kind = draw(st.sampled_from(("valid",) * 12 + tuple(shapes) + tuple(broken)))
    return line if kind == "valid" else {**shapes, **broken}[kind]


@dataclass(frozen=True)
class Switches:
    timeout_s: float
    include: reference.Include


DEFAULTS = Switches(timeout_s=1800.0, include=reference.Include())
switches = st.builds(
    Switches,
    timeout_s=st.sampled_from((1800.0, 600.0)),
    include=st.builds(reference.Include),
)


def write_files(directory: Path, lines: list[str], split: int) -> list[Path]:
    """``lines`` in one file, or in two when ``split`` cuts them (``2.log`` is read first)."""
    parts = [lines[:split], lines[split:]] if 0 < split < len(lines) else [lines]
    files = [directory / f"{len(parts) - i}.log" for i in range(len(parts))]
    for file, part in zip(files, parts, strict=True):
        file.write_text("".join(line + "\n" for line in part), encoding="utf-8", newline="")
    return files


def program_report(files: list[Path], chosen: Switches, *, log_format: str = "combined"):
    options = ReportOptions(
        inputs=tuple(str(f) for f in files),
        goals=LINE_GOALS,
        log_format=log_format,
        include_bots=chosen.include.bots,
        include_static=chosen.include.static,
        include_errors=chosen.include.errors,
        include_redirects=chosen.include.redirects,
        session_timeout_s=chosen.timeout_s,
    )
    return build_report(options)


def assert_report_equals_reference(files: list[Path], chosen: Switches, **kwargs: str) -> None:
    expected = reference.report(
        files, LINE_GOALS.goals, timeout_s=chosen.timeout_s, include=chosen.include
    )
    data_lines = expected.input["lines"] - expected.input.get("comment", 0)
    if 0 < data_lines == expected.input["malformed"]:
        with pytest.raises(InputError, match="no line parses"):
            program_report(files, chosen, **kwargs)
        return
    actual = program_report(files, chosen, **kwargs)
    reference.assert_report_matches(actual.as_dict(), expected)


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(log_lines(), max_size=30), split=st.integers(0, 30), chosen=switches)
def test_report_of_random_lines_equals_the_reference(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], split: int, chosen: Switches
) -> None:
    files = write_files(tmp_path_factory.mktemp("logs"), lines, split)
    assert_report_equals_reference(files, chosen)


# --- hostile bytes (definitions §5): nothing crashes, nothing is lost from the counts --------

HOSTILE = {
    "ansi and markup": "\x1b[2J\x1b[31m[bold][link=http://x]",
    "nul": "\x00",
    "lone carriage return": "a\rb",
    "vertical tab and form feed": "\x0b\x0c",
    "file/group/record separators": "\x1c\x1d\x1e",
    "unicode line breaks": "\u2028\u2029\x85",
    "byte order mark": "\ufeff",
    "unit separator": "\x1f",
}


@pytest.mark.parametrize("position", ["first line", "later line"])
@pytest.mark.parametrize(
    "text",
    [pytest.param(text, id=name) for name, text in HOSTILE.items()],
)
def test_hostile_characters_in_the_user_agent(tmp_path: Path, text: str, position: str) -> None:
    # Only the quoted user agent: which control characters may sit in a request target is not
    # specified (Python's \\s counts \x1c-\x1f as space, Rust's does not), so that is not tested.
    hostile = [
        f'203.0.113.9 - - [02/Nov/2026:09:00:00 +0100] "GET /x HTTP/1.1" 200 5 "-" "UA{text}"',
        '203.0.113.9 - - [02/Nov/2026:09:00:05 +0100] "GET /y HTTP/1.1" 200 5 "-" "UA"',
    ]
    plain = [
        f'203.0.113.7 - - [02/Nov/2026:09:00:0{i} +0100] "GET /{i} HTTP/1.1" 200 5 "-" "{FIREFOX}"'
        for i in range(3)
    ]
    lines = hostile + plain if position == "first line" else plain + hostile
    log = tmp_path / "hostile.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    assert_report_equals_reference([log], DEFAULTS)


def test_invalid_utf8_counts_like_any_other_line(tmp_path: Path) -> None:
    line = '203.0.113.9 - - [02/Nov/2026:09:00:00 +0100] "GET /{} HTTP/1.1" 200 5 "-" "UA{}"'
    log = tmp_path / "latin1.log"
    log.write_bytes(
        line.format("caf\xe9", "\xff\xfe").encode("latin-1") + b"\r\n"
        + line.format("ok", "").encode() + b"\n"
    )  # fmt: skip
    assert_report_equals_reference([log], DEFAULTS)


def test_every_crawler_instance_is_a_bot_as_the_package_says(tmp_path: Path) -> None:
    """The program's Rust-regex bot rule agrees with ``crawleruseragents.is_crawler`` on every
    example user agent the list ships (and on browsers, which are no bots)."""
    examples = {i for entry in CRAWLER_USER_AGENTS_DATA for i in entry.get("instances", [])}
    agents = sorted(examples | set(AGENTS[:2]))
    log = tmp_path / "crawlers.log"
    log.write_text(
        "".join(
            f'203.0.113.{i % 250} - - [02/Nov/2026:09:00:00 +0100] "GET / HTTP/1.1" 200 5 "-" '
            f'"{agent.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"\n'
            for i, agent in enumerate(agents)
        ),
        encoding="utf-8",
    )
    expected = reference.report([log], LINE_GOALS.goals)
    assert 0 < expected.input["page"] < expected.input["bot"] < len(agents)
    reference.assert_report_matches(program_report([log], DEFAULTS).as_dict(), expected)


# --- request lines: definitions §2.2 "METHOD TARGET PROTOCOL", else malformed -----------------


@pytest.mark.parametrize(
    "request_line",
    [
        pytest.param("GET ?q=1 HTTP/1.1", id="query only: path /"),
        pytest.param("GET http://shop.example.com/checkout?x=1 HTTP/1.1", id="absolute form"),
        pytest.param("GET https://shop.example.com HTTP/1.1", id="absolute form without path"),
        pytest.param("GET /checkout#f?x=1 HTTP/1.1", id="fragment"),
        pytest.param("GET /checkout?a?order=1 HTTP/1.1", id="two question marks"),
        pytest.param("GET //evil.example/x HTTP/1.1", id="double slash"),
        pytest.param("GET /robots.txt? HTTP/1.1", id="empty query"),
        pytest.param("GET / HTTP/3", id="HTTP/3"),
        pytest.param("GET / HTTP/1.1 x", id="extra word"),
        pytest.param("GET\t/ HTTP/1.1", id="tab"),
        pytest.param("GET / http/1.1", id="lowercase protocol"),
        pytest.param("GET / HTTP/1.1.1", id="bad protocol version"),
        pytest.param("GET  HTTP/1.1", id="empty target"),
        pytest.param("get / HTTP/1.1", id="lowercase method"),
        pytest.param("M-SEARCH * HTTP/1.1", id="method with a dash"),
    ],
)
def test_request_line_forms(tmp_path: Path, request_line: str) -> None:
    line = f'203.0.113.9 - - [02/Nov/2026:09:00:00 +0100] "{request_line}" 200 5 "-" "UA"'
    log = tmp_path / "requests.log"
    # A second, plain line keeps the log from being all malformed.
    log.write_text(line + "\n" + line.replace(f'"{request_line}"', '"GET /x HTTP/1.1"') + "\n")
    assert_report_equals_reference([log], DEFAULTS)


@pytest.mark.parametrize(
    ("matcher", "converts"),
    [
        ("begins_with: /ΟΔΟΣ", True),  # the pattern's last Σ lowers to ς, the path's to σ
        ("contains: ΟΔΟΣ", True),
        ("equals: /οδοσα", True),
        ("begins_with: /ΟΔΟΣ\n      case_sensitive: true", True),
        ("regex: ^/οδοσ", True),
        ("begins_with: /ΟΔΟΣΒ", False),
    ],
)
def test_ignoring_case_never_matches_less(tmp_path: Path, matcher: str, converts: bool) -> None:
    """A Greek path, /ΟΔΟΣΑ: ignoring case, a pattern ending in Σ matched it only when case
    was not ignored (Python and Polars lower a final Σ to ς, a Σ within a word to σ)."""
    log = tmp_path / "greek.log"
    log.write_text(
        '10.0.0.1 - - [02/Nov/2026:10:00:00 +0100] "GET /ΟΔΟΣΑ HTTP/1.1" 200 5 "-" '
        '"Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"\n',
        encoding="utf-8",
    )
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        f"goals:\n  - name: road\n    kind: macro\n    destination:\n      {matcher}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["report", str(log), "--goals", str(goals), "--format", "json", "-q"]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["goals"][0]["conversions"] == int(converts)
