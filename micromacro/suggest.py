"""Suggested goals: the goals and funnels a site already has, found in its sessions.

reading ─▶ hits ─▶ sessions (as a report has them) ─▶ each hit as a step: its path template
(``path_templates``, on distinct paths) and kind (a pageview, a form post, a download) ─▶ the
figures of each step (sessions, what came right before it, how often it lands or exits) ─▶
candidate goals by the words of their paths and by their place in sessions ─▶ ranked and
capped ─▶ each goal's sessions counted by ``goal_matching``, as a report counts them ─▶ a
funnel to each of the first macro goals from the steps its converting sessions took
(``suggest_funnels``).

``suggest_goals`` returns a ``Suggestion``: goals of the goal model (``goals.Goal``) and funnels
(``goals.Funnel``), each with its evidence, and the exclusions the read applied.
``render.suggestion`` writes it as a goals file, its ``exclude:`` section those exclusions.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any, BinaryIO, get_args

import polars as pl

from micromacro.errors import InputError
from micromacro.goal_definitions import MAX_MACRO_GOALS
from micromacro.goal_matching import hit_match, session_conversions
from micromacro.goals import (
    DestinationMatcher,
    Exclusions,
    Goal,
    GoalCategory,
    GoalKind,
    NumberCondition,
    StringMatcher,
)
from micromacro.hit_schema import as_number
from micromacro.hits import InputSummary, MalformedLine
from micromacro.input_read import ReadOptions, input_warnings
from micromacro.option_values import DEFAULT_SESSION_TIMEOUT_S
from micromacro.path_templates import WILDCARD, has_wildcard
from micromacro.reading import ProgressCallback, read_inputs
from micromacro.sessions import first_and_last, session_table, sessionize
from micromacro.suggest_funnels import FunnelSuggestion, funnels_to
from micromacro.suggest_steps import (
    CART_WORDS,
    CHECKOUT_WORDS,
    CONFIRMATION_WORDS,
    DOWNLOAD_EXTENSIONS,
    MIN_STRUCTURAL_SESSIONS,
    PRICING_WORDS,
    SEARCH_PARAMETERS,
    VALUE_PARAMETER,
    Intent,
    destination,
    download_matcher,
    event_figures,
    intent_of,
    is_cart_add,
    is_checkout_step,
    is_no_goal_post,
    names_a_read,
    page_figures,
    post_matcher,
    regex_literal,
    seen_pages,
    template_regex,
    with_steps,
    words,
)

MAX_MICRO = 8
MAX_DOWNLOADS = 2
MIN_SESSIONS = 2  # a candidate reached by fewer sessions is not proposed
EXAMPLES = 2
# Durations (seconds) and page counts a person would write as a threshold.
NICE_SECONDS = (10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, 2700)
NICE_PAGES = (2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100)


@dataclass(frozen=True, kw_only=True)
class SuggestOptions(ReadOptions):
    """What to read (the ``ReadOptions``) and the session timeout."""

    session_timeout_s: float = DEFAULT_SESSION_TIMEOUT_S


@dataclass(frozen=True)
class ValueHint:
    """A query parameter of a goal's hits that looks like an order total: its name, in how
    many of them it holds a number, and one such number as the log has it."""

    parameter: str
    hits: int
    numeric: int
    example: str


@dataclass(frozen=True)
class Evidence:
    """Why a goal or funnel is proposed: the sessions that reach it (as a report counts them),
    their share of all sessions, up to two example paths, and the reason in words."""

    sessions: int
    share: float
    examples: tuple[str, ...]
    why: str

    def as_dict(self) -> dict[str, object]:
        return {
            "sessions": self.sessions,
            "share": self.share,
            "examples": list(self.examples),
            "why": self.why,
        }


@dataclass(frozen=True)
class GoalSuggestion:
    """A proposed goal (a goal of the goal model) with its evidence and value hint."""

    goal: Goal
    evidence: Evidence
    value_hint: ValueHint | None = None


@dataclass(frozen=True)
class Suggestion:
    """What ``micromacro suggest`` proposes, with what the read found and the exclusions it
    applied (the site's own visits, left out of the sessions as a report leaves them out)."""

    goals: tuple[GoalSuggestion, ...]
    funnels: tuple[FunnelSuggestion, ...]
    sessions: int
    input: InputSummary
    inputs: tuple[str, ...]
    first_hit: datetime | None
    last_hit: datetime | None
    tz: tzinfo
    malformed: tuple[MalformedLine, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    exclude: Exclusions = field(default_factory=Exclusions)
    # The options of the read that change what a report counts, as given (``reading_options``).
    read_with: tuple[str, ...] = ()


@dataclass
class _Candidate:
    """A goal before ranking: its goal, the rank it is sorted by, and its reason."""

    goal: Goal
    rank: tuple[int, ...]
    why: str
    intent: Intent | None = None
    value_hint: ValueHint | None = None


class NothingToPropose(InputError):
    """No goal to propose (exit 1), with what reading the inputs found, which says why (a
    period without hits, lines that are all bots, malformed lines)."""

    def __init__(
        self,
        message: str,
        summary: InputSummary,
        *,
        notes: tuple[str, ...],
        warnings: tuple[str, ...],
        malformed: tuple[MalformedLine, ...],
    ) -> None:
        super().__init__(message)
        self.summary = summary
        self.notes, self.warnings, self.malformed = notes, warnings, malformed


def suggest_goals(
    options: SuggestOptions,
    *,
    stdin: BinaryIO | None = None,
    progress: ProgressCallback | None = None,
) -> Suggestion:
    """Read the inputs as a report does and propose the goals and funnels their sessions show
    (raises ``MicromacroError`` as ``read_inputs`` does, and ``NothingToPropose`` when there is
    no goal to propose: a goals file needs one)."""
    read = read_inputs(options, stdin=stdin, progress=progress)
    hits = with_steps(sessionize(read.hits, timeout_s=options.session_timeout_s))
    sessions = session_table(hits)
    candidates = _candidates(hits, sessions)
    goals = tuple(c.goal for c in candidates)
    conversions = session_conversions(hits, sessions, goals)
    total = sessions.height
    reached = _sessions_per_goal(conversions, goals)
    suggested = []
    for index, candidate in enumerate(candidates):
        if reached[index] < MIN_SESSIONS:
            continue  # a duration or pages threshold too few sessions pass (a small log)
        examples = _examples(hits, candidate.goal)
        evidence = Evidence(
            sessions=reached[index],
            share=reached[index] / total if total else 0.0,
            examples=examples,
            why=candidate.why,
        )
        suggested.append(GoalSuggestion(candidate.goal, evidence, candidate.value_hint))
    if not suggested:
        raise NothingToPropose(
            _no_goal(total),
            read.summary,
            notes=(*read.notes,),
            warnings=(*read.warnings, *input_warnings(read, options)),
            malformed=(*read.malformed,),
        )
    funnels = funnels_to(hits, [s.goal for s in suggested if s.goal.kind == "macro"])
    first, last = first_and_last(hits)
    return Suggestion(
        goals=tuple(suggested),
        funnels=tuple(funnels),
        sessions=total,
        input=read.summary,
        inputs=options.inputs,
        first_hit=first,
        last_hit=last,
        tz=read.tz,
        malformed=tuple(read.malformed),
        notes=tuple(read.notes),
        warnings=(*read.warnings, *input_warnings(read, options)),
        exclude=options.exclude,
        read_with=reading_options(options),
    )


# The options of a read that count other hits than a report's defaults, and their flags.
_COUNTING_FLAGS = {
    "include_bots": "--include-bots",
    "include_static": "--include-static",
    "include_errors": "--include-errors",
    "include_redirects": "--include-redirects",
    "dedupe": "--dedupe",
}


def reading_options(options: SuggestOptions) -> tuple[str, ...]:
    """The options of ``options`` that change the figures a report counts, as a command line
    gives them (``--include-static``, ``--session-timeout 90s``): a report on the proposal
    counts its goals' sessions as ``suggest`` did only with them too."""
    given = [flag for name, flag in _COUNTING_FLAGS.items() if getattr(options, name)]
    given += [f"--bot-pattern {shlex.quote(pattern)}" for pattern in options.bot_patterns]
    if options.client_ip != SuggestOptions(inputs=()).client_ip:
        given.append(f"--client-ip {options.client_ip}")
    if options.session_timeout_s != DEFAULT_SESSION_TIMEOUT_S:
        given.append(f"--session-timeout {duration_text(options.session_timeout_s)}")
    if options.max_line_bytes != SuggestOptions(inputs=()).max_line_bytes:
        given.append(f"--max-line-bytes {options.max_line_bytes}")
    return tuple(given)


# --- candidates ------------------------------------------------------------------------------


@dataclass
class _Context:
    """What the candidate finders share: the figures of pages (those a person sees, not the
    calls of a program), posts and downloads."""

    hits: pl.DataFrame
    sessions: pl.DataFrame
    pages: pl.DataFrame
    posts: pl.DataFrame
    downloads: pl.DataFrame


def _candidates(hits: pl.DataFrame, sessions: pl.DataFrame) -> list[_Candidate]:
    """Every proposed goal, ranked and capped: macro goals first, then micro goals."""
    context = _Context(
        hits=hits,
        sessions=sessions,
        pages=seen_pages(page_figures(hits)),
        posts=event_figures(hits, "request"),
        downloads=event_figures(hits, "download"),
    )
    conversions = _conversion_candidates(context)
    has_purchase = any(c.intent == "purchase" for c in conversions)
    macro: list[_Candidate] = []
    micro: list[_Candidate] = []
    for candidate in conversions:
        if candidate.intent == "newsletter" or (candidate.intent == "signup" and has_purchase):
            micro.append(candidate)
        else:
            macro.append(candidate)
    if not macro and micro:  # no purchase, lead or sign-up found: the best of the rest is macro
        promoted = min(micro, key=lambda c: c.rank)
        micro.remove(promoted)
        promoted.why += "; a macro goal, as no purchase, lead or sign-up was found"
        macro.append(promoted)
    macro = _distinct(sorted(macro, key=lambda c: c.rank))  # before the cap: one goal each
    micro.sort(key=lambda c: c.rank)
    for extra in macro[MAX_MACRO_GOALS:]:
        extra.why += (
            f"; proposed as micro: more than {MAX_MACRO_GOALS} macro goals are hard to act on"
        )
    micro = [*macro[MAX_MACRO_GOALS:], *micro]
    macro = macro[:MAX_MACRO_GOALS]
    micro_found = [
        *_cart_candidates(context),
        *_checkout_candidates(context, macro),
        *_pricing_candidates(context),
        *micro,
        *_download_candidates(context),
        *_search_candidates(context),
        *_engagement_candidates(context),
    ]
    chosen = [_as_kind(c, "macro") for c in macro]
    chosen += [_as_kind(c, "micro") for c in _distinct(micro_found, chosen)[:MAX_MICRO]]
    return _uniquely_named(chosen)


def _distinct(
    candidates: Sequence[_Candidate], before: Sequence[_Candidate] = ()
) -> list[_Candidate]:
    """``candidates`` without those whose goal matches what an earlier one (or one of
    ``before``) matches: paths that differ in case only (``/Thank-You``, ``/thank-you``) are
    one page to a goal, which ignores case."""
    seen = {_matched(c.goal) for c in before}
    kept = []
    for candidate in candidates:
        key = _matched(candidate.goal)
        if key not in seen:
            seen.add(key)
            kept.append(candidate)
    return kept


def _matched(goal: Goal) -> object:
    """What ``goal`` matches, as a key: its matchers, texts in lower case where it ignores case."""
    if goal.destination is None or goal.destination.matcher.case_sensitive:
        return (goal.type, goal.destination, goal.event, goal.condition)
    matcher = goal.destination.matcher
    texts = matcher.value if isinstance(matcher.value, tuple) else (matcher.value,)
    folded = tuple(text.casefold() for text in texts)
    return (goal.type, matcher.op, folded, goal.destination.include_query)


def _uniquely_named(chosen: list[_Candidate]) -> list[_Candidate]:
    """``chosen`` with names made unique in their order (the best keeps ``purchase``, the
    next is ``purchase_2``, …)."""
    taken: set[str] = set()
    for candidate in chosen:
        wanted = candidate.goal.name
        name, number = wanted, 2
        while name in taken:
            name, number = f"{wanted}_{number}", number + 1
        taken.add(name)
        candidate.goal = replace(candidate.goal, name=name)
    return chosen


def _as_kind(candidate: _Candidate, kind: GoalKind) -> _Candidate:
    """The candidate's goal as a ``kind`` goal (a micro goal with its category)."""
    goal = candidate.goal
    category: GoalCategory | None = None
    if kind == "micro":
        category = goal.category or "secondary_action"
    candidate.goal = replace(goal, kind=kind, category=category)
    return candidate


_GOAL_NAMES: dict[Intent, str] = {
    "purchase": "purchase",
    "booking": "booking",
    "quote": "quote_request",
    "demo": "demo_request",
    "contact": "contact_lead",
    "application": "application",
    "donation": "donation",
    "signup": "signup",
    "newsletter": "newsletter_signup",
    "conversion": "conversion",
}
# What a conversion is for, most important first (Intent lists them in that order).
_INTENT_ORDER: tuple[Intent, ...] = get_args(Intent)


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole}"


def _conversion_candidates(context: _Context) -> list[_Candidate]:
    """Confirmation pages (by name, or by their place: right after a form post or a checkout
    page, rarely a landing page, often the last) and successful form posts whose path says
    what they are for; a page that follows one post is proposed in that post's place."""
    found: list[_Candidate] = []
    used_posts: set[str] = set()
    for row in context.pages.iter_rows(named=True):
        candidate = _confirmation(row, context)
        if candidate is not None:
            found.append(candidate)
            if row["before"] is not None and row["before_count"] >= 0.8 * row["after_request"]:
                used_posts.add(row["before"])
    for row in context.posts.iter_rows(named=True):
        step = row["step"]
        if step in used_posts or row["sessions"] < MIN_SESSIONS:
            continue
        if is_no_goal_post(row["template"]) or words(row["template"]) & CART_WORDS:
            continue
        if is_checkout_step(row["template"]):
            continue  # a step of the checkout: the page that confirms it is the goal
        intent = intent_of(row["template"])
        if intent is None:
            continue
        goal = Goal(
            name=_GOAL_NAMES[intent],
            kind="macro",
            type="event",
            event=post_matcher(step),
        )
        why = (
            f"a form post to {_a(intent)} path, answered below 400: {row['hits']} posts in "
            f"{row['sessions']} sessions"
        )
        rank = (_INTENT_ORDER.index(intent), 1, -row["sessions"])
        found.append(_Candidate(goal, rank, why, intent))
    return found


def _confirmation(row: dict[str, Any], context: _Context) -> _Candidate | None:
    """The candidate goal of a confirmation page (None: the page is no confirmation)."""
    template: str = row["template"]
    sessions, views, landing, exits = row["sessions"], row["views"], row["landing"], row["exits"]
    after_post, after_checkout = row["after_request"], row["after_checkout"]
    before: str | None = row["before"]
    before_count: int = row["before_count"]
    if sessions < MIN_SESSIONS or (has_wildcard(template) and not after_post + after_checkout):
        return None  # a templated page (``/checkouts/*/thank-you``) needs a post or checkout
    own_words = words(template)
    named = bool(own_words & CONFIRMATION_WORDS)
    # Shown again after posts from itself: the form (a payment declined), when that is half its
    # views after a post, or, for a page named a confirmation, after a post or a checkout page.
    if row["sent_back"] and row["sent_back"] >= 0.5 * (after_post + named * after_checkout):
        return None
    if own_words & (CHECKOUT_WORDS | CART_WORDS) and not named:
        return None  # a step of the checkout (its cart, payment or review), not what follows it
    if named and after_post and after_post + after_checkout < 0.8 * views:
        return None  # a page of thanks many visits reach another way: the post is the goal
    after = after_post + after_checkout
    quiet = landing <= 0.1 * sessions and exits >= 0.3 * sessions  # rarely lands, often ends
    placed = after >= 0.6 * views and quiet and sessions >= MIN_STRUCTURAL_SESSIONS
    # A page named so needs more than its name: a post or a checkout page before it, or the
    # place of a last page where no word of its name makes it a page to read (``/success-stories``,
    # ``/order-confirmation-faq``).
    read = quiet and not names_a_read(template)
    named = named and landing <= 0.5 * sessions and (after >= 0.5 * views or read)
    if not named and not placed:
        return None
    post = before if before is not None and before_count >= 0.8 * after_post else None
    if after_post and post is None and not named:
        return None  # after posts of several forms: the posts are the goals
    if post is not None and is_no_goal_post(post) and not words(post) & CHECKOUT_WORDS:
        return None  # what a login or a password reset leads to, named so or not
    if post is not None and words(post) & CART_WORDS:
        if not named:
            return None
        post = None
    intent = intent_of(_without_confirmation_words(template)) or (
        intent_of(post.split(" ", 1)[1]) if post else None
    )
    if intent is None and post is not None and row["form_count"] >= 0.8 * before_count:
        intent = intent_of(row["form"])  # POST /account from /account/register: a sign-up
    paid = after_checkout >= 0.5 * views or bool(post and words(post) & CHECKOUT_WORDS)
    if intent in (None, "newsletter") and paid:
        intent = "purchase"  # a subscription paid through a checkout (/subscribe/checkout)
    intent = intent or intent_of(template) or "conversion"
    reasons = []
    if named:
        reasons.append("a confirmation page by its name")
    else:
        reasons.append("a confirmation page by its place in sessions")
    if after_post:
        shown = post or "a form post"
        reasons.append(f"right after {shown} in {_share(after_post, views)} views")
    if after_checkout:
        reasons.append(f"right after a checkout page in {_share(after_checkout, views)} views")
    reasons.append(
        "never a landing page" if not landing else f"the landing page of {landing} sessions"
    )
    reasons.append(f"the last page of {_share(exits, sessions)} sessions")
    name = _GOAL_NAMES[intent] if intent != "conversion" else f"conversion_{_slug(template)}"
    goal = Goal(
        name=name,
        kind="macro",
        type="destination",
        destination=destination(row["templates"]),
    )
    rank = (_INTENT_ORDER.index(intent), 0 if named else 1, -sessions)
    hint = _value_hint(context.hits, goal)
    return _Candidate(goal, rank, "; ".join(reasons), intent, hint)


def _without_confirmation_words(template: str) -> str:
    """A template's words less those of confirmation (``welcome`` is a sign-up's page, but a
    ``/checkout/welcome`` page is the checkout's)."""
    return " ".join(sorted(words(template) - CONFIRMATION_WORDS))


def _slug(template: str) -> str:
    """A goal name's part made of a template: lower-case letters, digits and ``_``."""
    text = re.sub(r"[^a-z0-9]+", "_", template.lower()).strip("_")
    return text[:40].strip("_") or "page"


def _cart_candidates(context: _Context) -> list[_Candidate]:
    """Add to cart: form posts to a cart path (``/cart/add/*``, ``/basket``, an API's
    ``/api/cart``), every one counted; not those that remove, update or clear."""
    rows = [
        row
        for row in context.posts.iter_rows(named=True)
        if is_cart_add(row["template"]) and row["sessions"] >= MIN_SESSIONS
    ]
    if not rows:
        return []
    best = max(rows, key=lambda row: (row["sessions"], row["step"]))
    goal = Goal(
        name="add_to_cart",
        kind="micro",
        type="event",
        category="process_milestone",
        event=post_matcher(best["step"]),
        count="every",
    )
    why = (
        f"form posts to a cart path: {best['hits']} in {best['sessions']} sessions; every one "
        "counts"
    )
    return [_Candidate(goal, (), why)]


def _checkout_candidates(context: _Context, macro: Sequence[_Candidate]) -> list[_Candidate]:
    """Checkout started: the checkout's pages, but the confirmation page."""
    taken = {c.goal.destination for c in macro}
    rows = [
        row
        for row in context.pages.iter_rows(named=True)
        if is_checkout_step(row["template"])
        and destination(row["templates"]) not in taken
        and row["sessions"] >= MIN_SESSIONS
    ]
    if not rows:
        return []
    goal = Goal(
        name="checkout_started",
        kind="micro",
        type="destination",
        category="process_milestone",
        destination=destination([t for row in rows for t in row["templates"]]),
    )
    return [_Candidate(goal, (), f"the checkout's pages ({len(rows)}), but its confirmation")]


def _pricing_candidates(context: _Context) -> list[_Candidate]:
    """Pricing or plans views."""
    rows = [
        row
        for row in context.pages.iter_rows(named=True)
        if words(row["template"]) & PRICING_WORDS and row["sessions"] >= MIN_SESSIONS
    ]
    if not rows:
        return []
    goal = Goal(
        name="pricing_view",
        kind="micro",
        type="destination",
        category="process_milestone",
        destination=destination([t for row in rows for t in row["templates"]]),
    )
    return [_Candidate(goal, (), "a pricing or plans page: interest in buying")]


def _a(word: str) -> str:
    """``word`` after the indefinite article it takes: "an application", "a signup"."""
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def _download_candidates(context: _Context) -> list[_Candidate]:
    """Downloads of documents, archives and installers, by directory (at most two)."""
    rows = [
        row
        for row in context.downloads.iter_rows(named=True)
        if row["template"].rsplit(".", 1)[-1].lower() in DOWNLOAD_EXTENSIONS
    ]
    by_directory: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_directory.setdefault(row["template"].rsplit("/", 1)[0], []).append(row)
    groups: list[tuple[int, str, list[str], list[dict[str, Any]]]] = []
    for directory, members in by_directory.items():
        templates = sorted(str(m["template"]) for m in members)
        step_names = [f"download {t}" for t in templates]
        reach = context.hits.filter(pl.col("step").is_in(step_names)).get_column("session")
        sessions = reach.n_unique()
        if sessions >= MIN_SESSIONS:
            groups.append((sessions, directory, templates, members))
    groups.sort(key=lambda g: (-g[0], g[1]))
    found = []
    for sessions, directory, templates, members in groups[:MAX_DOWNLOADS]:
        top = max(members, key=lambda m: (m["hits"], str(m["top"])))
        stem = str(top["top"]).rsplit("/", 1)[-1].rsplit(".", 1)[0]
        single = len(members) == 1 and int(top["paths"]) == 1  # type: ignore[call-overload]
        kinds = {t.rsplit(".", 1)[-1].lower() for t in templates}
        folder = next((p for p in reversed(directory.split("/")) if p and p != WILDCARD), "")
        label = _slug(stem) if single else kinds.pop() if len(kinds) == 1 else _slug(folder)
        extensions = ", ".join(t.rsplit(".", 1)[-1] for t in templates)
        goal = Goal(
            name=f"{label}_download",
            kind="micro",
            type="event",
            category="secondary_action",
            event=download_matcher(templates),
        )
        why = f"downloads ({extensions}) in {directory or '/'}: {sessions} sessions"
        found.append(_Candidate(goal, (), why))
    return found


def _search_candidates(context: _Context) -> list[_Candidate]:
    """Site search: pageviews with a search parameter (``q``, ``s``, ``search``, ``query``)
    holding two or more different terms."""
    pages = context.hits.filter((pl.col("kind") == "page") & pl.col("query").is_not_null())
    best: tuple[int, str, str] | None = None
    for parameter in SEARCH_PARAMETERS:
        value = pl.col("query").str.extract(f"(?:^|&){re.escape(parameter)}=([^&#]+)", 1)
        found = (
            pages.with_columns(term=value)
            .filter(pl.col("term").is_not_null())
            .group_by("template")
            .agg(pl.col("session").n_unique().alias("sessions"), pl.col("term").n_unique())
            .filter(pl.col("term") >= 2)
            .sort(["sessions", "template"], descending=[True, False])
        )
        if found.height:
            template, sessions = found.row(0)[0], found.row(0)[1]
            if best is None or sessions > best[0]:
                best = (sessions, parameter, template)
    if best is None or best[0] < MIN_SESSIONS:
        return []
    sessions, parameter, template = best
    pattern = f"^{template_regex(template)}\\?(.*&)?{regex_literal(parameter)}="
    goal = Goal(
        name="site_search",
        kind="micro",
        type="destination",
        category="secondary_action",
        destination=DestinationMatcher(StringMatcher("regex", pattern), include_query=True),
    )
    why = f"searches on {template} (the query parameter {parameter}): {sessions} sessions"
    return [_Candidate(goal, (), why)]


def nice_seconds(seconds: float) -> int:
    """The threshold a person would write nearest ``seconds`` (30s, 1m, 90s, 2m, 5m, …).

    >>> [nice_seconds(s) for s in (7, 52, 131, 292, 500, 99999)]
    [10, 60, 120, 300, 600, 2700]
    """
    return min(NICE_SECONDS, key=lambda nice: (abs(nice - seconds) / nice, nice))


def nice_pages(pages: float) -> int:
    """The page count a person would write nearest ``pages``.

    >>> [nice_pages(p) for p in (1, 4.5, 7, 11, 300)]
    [2, 5, 8, 12, 100]
    """
    return min(NICE_PAGES, key=lambda nice: (abs(nice - pages) / nice, nice))


def _no_goal(sessions: int) -> str:
    """Why no goal is proposed from ``sessions`` sessions: each goal needs ``MIN_SESSIONS``
    sessions that reach it, a duration or pages goal too."""
    if not sessions:
        return "no goal to propose: no line of the input was counted as a hit"
    read = "the 1 session" if sessions == 1 else f"the {sessions:,} sessions"
    return (
        f"no goal to propose: in {read} read, no confirmation page, form post, download, "
        f"search, long visit or visit of many pages is reached by {MIN_SESSIONS} sessions or "
        "more"
    )


def duration_text(seconds: float) -> str:
    """``90s``, ``5m``, ``1h`` (as a goals file writes a duration); ``5m 5s`` when it takes
    two units.

    >>> [duration_text(s) for s in (90, 300, 3600, 305)]
    ['90s', '5m', '1h', '5m 5s']
    """
    whole = round(seconds)
    if whole % 3600 == 0 and whole:
        return f"{whole // 3600}h"
    if whole % 60 == 0 and whole:
        return f"{whole // 60}m"
    if whole < 120 or (whole % 30 == 0 and whole < 600):
        return f"{whole}s"
    return f"{whole // 60}m {whole % 60}s"


def _engagement_candidates(context: _Context) -> list[_Candidate]:
    """A long visit and an engaged visit, from the rounded 75th percentile of the duration and
    the pageviews of sessions that did not bounce: longer than it, that many pages or more."""
    engaged = context.sessions.filter(~pl.col("bounce"))
    if engaged.height < MIN_STRUCTURAL_SESSIONS:
        return []
    duration, pages = engaged.select(
        pl.col("duration_s").quantile(0.75, "nearest"),
        pl.col("pageviews").cast(pl.Float64).quantile(0.75, "nearest"),
    ).row(0)
    found = []
    if duration is not None and duration > 0:
        seconds = nice_seconds(duration)
        goal = Goal(
            name="long_visit",
            kind="micro",
            type="duration",
            category="secondary_action",
            condition=NumberCondition(greater_than=float(seconds)),
        )
        why = (
            f"the 75th percentile of the duration of the {engaged.height} sessions that did "
            f"not bounce is {duration_text(duration)}, rounded to {duration_text(seconds)}"
        )
        found.append(_Candidate(goal, (), why))
    if pages is not None and pages >= 2:
        threshold = max(nice_pages(pages), 3)  # two pages or more is any visit but a bounce
        goal = Goal(
            name="engaged_visit",
            kind="micro",
            type="pages",
            category="secondary_action",
            condition=NumberCondition(greater_than=float(threshold - 1)),
        )
        why = (
            f"the 75th percentile of the pageviews of the {engaged.height} sessions that did "
            f"not bounce is {pages:g}, rounded to {threshold}: {threshold} pages or more"
        )
        found.append(_Candidate(goal, (), why))
    return found


def _value_hint(hits: pl.DataFrame, goal: Goal) -> ValueHint | None:
    """A query parameter of the goal's hits named like an order total, when it holds a number
    in most of them (never a number of our own)."""
    match = hit_match(goal)
    if match is None:
        return None
    queries = hits.filter(match).get_column("query").drop_nulls()
    if not queries.len():
        return None
    names = queries.str.split("&").explode().str.extract(r"^([^=]+)=", 1).drop_nulls()
    for name in sorted(set(names.to_list())):
        if not VALUE_PARAMETER.match(name):
            continue
        values = queries.to_frame("q").select(
            pl.col("q").str.extract(f"(?:^|&){re.escape(name)}=([^&#]*)", 1).alias("v")
        )
        present = values.get_column("v").drop_nulls()
        numbers = present.to_frame("v").select(as_number(pl.col("v")).alias("n"))
        numeric = numbers.get_column("n").drop_nulls().len()
        if present.len() and numeric >= 0.8 * present.len():
            example = present.filter(numbers.get_column("n").is_not_null()).item(0)
            return ValueHint(name, present.len(), numeric, str(example))
    return None


# --- evidence --------------------------------------------------------------------------------


def _sessions_per_goal(conversions: pl.DataFrame, goals: Sequence[Goal]) -> list[int]:
    """The sessions converting each goal, in goal order (``session_conversions`` puts hit goals
    first, then session goals, in their columns)."""
    hit_goals = [i for i, g in enumerate(goals) if g.destination or g.event]
    order = [*hit_goals, *[i for i in range(len(goals)) if i not in hit_goals]]
    counts = [0] * len(goals)
    for position, index in enumerate(order):
        counts[index] = int(conversions.get_column(f"goal_{position}").gt(0).sum())
    return counts


def _examples(hits: pl.DataFrame, goal: Goal) -> tuple[str, ...]:
    """The two paths the goal's hits have most often (ties by path), with their query where
    the goal matches it."""
    match = hit_match(goal)
    if match is None:
        return ()
    target = pl.col("path")
    if goal.destination is not None and goal.destination.include_query:
        query = pl.when(pl.col("query").is_not_null()).then(pl.lit("?") + pl.col("query"))
        target = pl.concat_str(pl.col("path"), query, ignore_nulls=True)
    counts = (
        hits.filter(match)
        .group_by(target.alias("example"))
        .len()
        .sort(["len", "example"], descending=[True, False])
        .head(EXAMPLES)
    )
    return tuple(str(path) for path in counts.get_column("example"))
