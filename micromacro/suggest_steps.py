"""The hits of a session as steps, and what the words of their paths say.

Each counted hit is a step: a pageview of a path template (``page /products/*``), a form post
(``POST /cart/add/*``) or a download (``download /downloads/*.pdf``); templates come from
``path_templates`` on the distinct paths, and the paths a form is posted to under each item of
a list are one (``sibling_forms``: ``/careers/*/apply``). The figures of each step (how many
sessions reach it, what comes right before it, how often it starts or ends a session) and the
words of its path (``INTENT_WORDS``: a purchase, a lead, a sign-up, …) are what ``suggest``
proposes goals from;
``template_matcher`` and ``step_matcher`` turn templates back into the matchers of a goals file.
A ``*`` a path holds in a segment that does not vary is written ``\\*`` in its template: only
what varies is a wildcard.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Literal
from urllib.parse import unquote

import polars as pl

from micromacro import hits
from micromacro.goals import DestinationMatcher, EventMatcher, HitMatcher, StringMatcher
from micromacro.matchers import folded
from micromacro.path_templates import (
    WILDCARD,
    file_template,
    has_wildcard,
    is_locale,
    path_templates,
)

# What a conversion is for, in order of rank (the first matters most to a site).
Intent = Literal[
    "purchase",
    "booking",
    "quote",
    "demo",
    "contact",
    "application",
    "donation",
    "signup",
    "conversion",
    "newsletter",
]

# Words of a path that say what a confirmation page or a form is for, checked in this order.
_INTENT_TEXT: tuple[tuple[Intent, str], ...] = (
    ("newsletter", "newsletter newsletters mailing mailinglist optin opt"),
    (
        "purchase",
        "order orders checkout purchase payment kasse bestellung commande pedido ordine "
        "bestelling caisse",
    ),
    ("booking", "booking book reservation reserve appointment termin buchung"),
    (
        "quote",
        "quote quotation devis angebot offerte presupuesto cotizacion preventivo estimate",
    ),
    ("demo", "demo"),
    ("application", "apply application applications bewerbung candidature"),
    ("donation", "donate donation donations spende spenden don"),
    (
        "contact",
        "contact kontakt contacto contatto enquiry inquiry lead leads callback anfrage",
    ),
    (
        "signup",
        "signup register registration join trial registrieren inscription welcome "
        "willkommen bienvenue bienvenido benvenuto",
    ),
    ("newsletter", "subscribe abonnieren"),
)
INTENT_WORDS: tuple[tuple[Intent, frozenset[str]], ...] = tuple(
    (intent, frozenset(text.split())) for intent, text in _INTENT_TEXT
)
CONFIRMATION_WORDS = frozenset(
    (
        "thank", "thanks", "thankyou", "danke", "merci", "gracias", "obrigado", "obrigada",
        "grazie", "bedankt", "dank", "tak", "tack", "kiitos", "confirmation", "confirmed",
        "confirmacion", "conferma", "bestaetigung", "bevestiging", "success", "successful",
        "complete", "completed", "receipt", "received", "welcome", "willkommen", "bienvenue",
        "bienvenido", "benvenuto"
    )
)  # fmt: skip
# Segments under which a program is called: whole, with more segments after them, any of them
# (``/api/v1/…``, ``/blog/ajax/…``, ``/wp-admin/admin-ajax.php``). As the last segment they
# name a page (``/pricing/api``, the pricing of an API product), and within one they are a word
# of a name (``/json-formatter/pricing``).
CALL_FOLDERS = frozenset(("api", "ajax", "json", "wp-admin"))
# Segments that are a program's endpoint wherever they are, the last included: WordPress's
# REST root (``/blog/wp-json/…``) and files, GraphQL and RPC, tracking, beacons, heartbeats and
# the browser's reports. ``/track-order`` and ``/ping-pong/…`` are pages.
CALL_ENDPOINTS = frozenset(
    (
        "wp-json", "admin-ajax.php", "ajax.php", "api.php", "xmlrpc.php", "wp-cron.php",
        "graphql", "rpc", "jsonrpc", "json-rpc", "track", "tracking", "beacon", "heartbeat",
        "ping", "csp", "csp-report"
    )
)  # fmt: skip
# A segment ending so is a JSON document, data a program reads (``/products/shoe.json``).
CALL_SUFFIX = ".json"
# Words that say how a form is sent besides a call (``is_call``): an auth service. A goal word
# in the same path outweighs them and a call (``POST /api/v1/auth/signup`` is a sign-up,
# ``POST /wp-json/contact-form-7/v1/contact-forms/42/feedback`` a contact).
TRANSPORT_WORDS = frozenset(("auth",))
# Words of a form post that is no goal, whatever else its path says, where a segment is made of
# them (``is_no_goal_segment``): signing in, password resets, tokens, tracking and beacons,
# admin, the cart's upkeep, comments, reviews and votes.
NOT_A_GOAL_WORDS = frozenset(
    (
        "login", "signin", "logout", "signout", "oauth", "token", "password", "forgot", "reset",
        "track", "tracking", "beacon", "csp", "heartbeat", "ping", "admin", "remove", "delete",
        "update", "clear", "coupon", "wishlist", "like", "vote", "comment", "comments", "rate",
        "review", "reviews"
    )
)  # fmt: skip
# Words of a form post that is no goal where its last segment is made of them and no goal word
# outweighs them: they name an analytics endpoint (``POST /v1/events``, ``/log``, ``/collect``)
# or a login (``/session``), and pages as well (``POST /events/42/register`` is a sign-up).
NO_GOAL_ENDPOINT_WORDS = frozenset(
    (
        "session", "sessions", "collect", "events", "event", "analytics", "metrics", "log",
        "logs", "report", "reports"
    )
)  # fmt: skip
CART_WORDS = frozenset(
    (
        "cart", "basket", "bag", "warenkorb", "panier", "carrito", "carrello", "winkelwagen",
        "addtocart"
    )
)  # fmt: skip
# Posts to the cart that keep it rather than fill it.
CART_UPKEEP_WORDS = frozenset(
    ("remove", "delete", "update", "clear", "coupon", "voucher", "wishlist", "empty", "quantity")
)
# ``checkouts`` is Shopify's (``/checkouts/cn/<token>/payment``).
CHECKOUT_WORDS = frozenset(["checkout", "checkouts", "kasse", "caisse"])
# Words that make a segment a step of its own, which ``sibling_forms`` keeps apart.
STEP_WORDS = (
    frozenset(word for _, vocabulary in INTENT_WORDS for word in vocabulary)
    | CONFIRMATION_WORDS
    | CART_WORDS
    | CHECKOUT_WORDS
)
PRICING_WORDS = frozenset(
    ["pricing", "plans", "prices", "preise", "tarifs", "tarif", "precios", "prezzi", "prijzen"]
)
# Words of a page's name that make it a page to read, whatever confirmation word it holds
# beside them (``/success-stories``, ``/help/order-confirmation-faq``).
READING_WORDS = frozenset(
    (
        "story", "stories", "faq", "faqs", "help", "blog", "guide", "guides", "tips", "news",
        "article", "articles", "case", "study", "studies", "example", "examples", "template",
        "templates", "note", "notes", "policy", "terms", "how", "what", "why", "customer",
        "customers"
    )
)  # fmt: skip
SEARCH_PARAMETERS = ("q", "s", "search", "query")
# The sessions a candidate found by its place in sessions alone needs (a confirmation page that
# follows posts and ends visits, a funnel's converting sessions).
MIN_STRUCTURAL_SESSIONS = 3
VALUE_PARAMETER = re.compile(
    r"^(?:(?:order|grand|cart)?_?(?:total|value|amount|revenue)|total_?(?:price|amount|value))$",
    re.I,
)
# The downloads proposed as goals: documents, archives and installers, every one the report
# counts, but audio and video, which players stream rather than people choose to download.
DOWNLOAD_EXTENSIONS = frozenset(hits.DOWNLOAD_EXTENSIONS) - frozenset(hits.MEDIA_EXTENSIONS)
_WORDS = re.compile(r"[a-z]+")
# The extension of a file segment (``.php`` of ``wp-login.php``).
_FILE_EXTENSION = re.compile(r"\.[a-z0-9]+$")


# --- hits as steps -----------------------------------------------------------------------------


def with_steps(hits: pl.DataFrame) -> pl.DataFrame:
    """Sessionized hits plus ``template`` (the path template; a download's is its directory's
    and extension) and ``step`` (``page /products/*``, ``POST /cart/add/*``, ``download
    /downloads/*.pdf``), and ``row``, the hit's position (hit order within each session)."""
    paths = hits.get_column("path").drop_nulls().unique().sort()
    shaped = path_templates(paths.to_list())
    posted = hits.filter(pl.col("event_category") == "request").get_column("path").drop_nulls()
    merged = sibling_forms(sorted({shaped[path] for path in posted.unique().to_list()}))
    templates = literal_stars({path: merged.get(t, t) for path, t in shaped.items()})
    downloads = (
        hits.filter(pl.col("event_category") == "download")
        .get_column("path")
        .drop_nulls()
        .unique()
        .to_list()
    )
    files = {path: file_template(path, templates[path]) for path in downloads}
    mapping = pl.DataFrame(
        {
            "path": list(templates),
            "template": list(templates.values()),
            "file": [files.get(path) for path in templates],
        },
        schema={"path": pl.String, "template": pl.String, "file": pl.String},
    )
    category = pl.col("event_category")
    return (
        hits.join(mapping, on="path", how="left", maintain_order="left")
        .with_row_index("row")
        .with_columns(
            template=pl.when(category == "download").then("file").otherwise("template"),
            step=pl.when(pl.col("kind") == "page")
            .then(pl.lit("page ") + pl.col("template"))
            .when(category == "request")
            .then(pl.col("event_action") + pl.lit(" ") + pl.col("template"))
            .when(category == "download")
            .then(pl.lit("download ") + pl.col("file")),
        )
        .drop("file")
    )


def sibling_forms(templates: Sequence[str]) -> dict[str, str]:
    """The templates of form posts that differ in one segment, under the same parent (holding a
    fixed segment) and before the same segments, as one: a form under each item of a list (a
    job, a course) is one goal, however few the items or however named. A segment whose words
    name a goal, a confirmation or a step of the checkout stays itself (``STEP_WORDS``).

    >>> sibling_forms(["/jobs/sre/apply", "/jobs/account-rep/apply"])
    {'/jobs/sre/apply': '/jobs/*/apply', '/jobs/account-rep/apply': '/jobs/*/apply'}
    >>> sibling_forms(["/forms/contact/submit", "/forms/quote/submit", "/contact", "/quote"])
    {}
    """
    groups: dict[tuple[int, str], list[str]] = {}
    for template in templates:
        segments = _segments(template)
        for index in range(1, len(segments) - 1):
            segment = segments[index]
            if not _is_wildcard(segment) and words(segment) & STEP_WORDS:
                continue
            if all(_is_wildcard(part) for part in segments[:index]):
                continue
            shape = "/" + "/".join([*segments[:index], WILDCARD, *segments[index + 1 :]])
            groups.setdefault((index, shape), []).append(template)
    merged: dict[str, str] = {}
    for (_, shape), members in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
        free = [template for template in members if template not in merged]
        if len(free) >= 2:
            merged.update(dict.fromkeys(free, shape))
    return merged


def literal_stars(templates: dict[str, str]) -> dict[str, str]:
    """Each path's template (of ``path_templates``) with the ``*`` a log holds in a segment
    that does not vary written ``\\*``: only what varies is a wildcard. ``/thanks/*`` logged so
    is ``/thanks/\\*``, and ``/thanks/*/1000`` and ``/thanks/*/1001`` are ``/thanks/\\*/*``.

    >>> literal_stars({"/thanks/*": "/thanks/*", "/a/*/1": "/a/*/*", "/a/*/2": "/a/*/*"})
    {'/thanks/*': '/thanks/\\\\*', '/a/*/1': '/a/\\\\*/*', '/a/*/2': '/a/\\\\*/*'}
    """
    varying: dict[str, set[int]] = {template: set() for template in templates.values()}
    for path, template in templates.items():
        for index, (own, shaped) in enumerate(
            zip(_segments(path), _segments(template), strict=True)
        ):
            if own != shaped:
                varying[template].add(index)
    written = {template: _escaped_but(template, varying[template]) for template in varying}
    return {path: written[template] for path, template in templates.items()}


def _escaped_but(template: str, varying: set[int]) -> str:
    """``template`` with its segments escaped but those at the ``varying`` positions."""
    segments = _segments(template)
    return "/" + "/".join(s if i in varying else _escaped(s) for i, s in enumerate(segments))


def _segments(path: str) -> list[str]:
    """The segments after the leading ``/`` (as ``path_templates`` splits a path)."""
    return path[1:].split("/") if path.startswith("/") else path.split("/")


def _escaped(segment: str) -> str:
    """A segment that does not vary as a template writes it: one holding a ``*`` with a ``\\``
    before each ``*`` and ``\\``, so that it is no wildcard; any other as it is."""
    if "*" not in segment:
        return segment
    return segment.replace("\\", "\\\\").replace("*", "\\*")


def _unescaped(segment: str) -> str:
    """A template's segment that is no wildcard as the log has it (``\\*`` → ``*``)."""
    return re.sub(r"\\(.)", r"\1", segment) if "*" in segment else segment


def template_path(template: str) -> str:
    """A template with its literal segments as the log has them and its wildcards as ``*``:
    the path itself when it has no wildcard, else its glob (when no literal holds a ``*``)."""
    return "/".join(
        segment if _is_wildcard(segment) else _unescaped(segment) for segment in template.split("/")
    )


def _is_wildcard(segment: str) -> bool:
    """Whether a template's segment is a wildcard (``*``, ``*.pdf``): a literal ``*`` is
    written ``\\*``."""
    return segment.startswith(WILDCARD)


# Letters a path spells out in ASCII in the word lists (``bestaetigung``).
_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _plain(text: str) -> str:
    """``text`` percent-decoded and in lower case, umlauts spelled out and other accents
    dropped: ``/kasse/best%C3%A4tigung`` → ``/kasse/bestaetigung``, ``confirmación`` →
    ``confirmacion``."""
    decoded = unquote(text).lower().translate(_SPELLED_OUT)
    return unicodedata.normalize("NFKD", decoded).encode("ascii", "ignore").decode("ascii")


def words(text: str) -> set[str]:
    """The lower-case words of a path or template (``/Checkout/thank-you`` → checkout, thank,
    you; ``thankyou`` is a word of its own too).

    >>> sorted(words("/Checkout/thank-you"))
    ['checkout', 'thank', 'thankyou', 'you']
    >>> sorted(words("/kasse/best%C3%A4tigung"))
    ['bestaetigung', 'kasse']
    """
    lowered = _plain(text)
    found = set(_WORDS.findall(lowered))
    for segment in lowered.split("/"):
        joined = "".join(_WORDS.findall(segment))
        if joined:
            found.add(joined)
    return found


def names_a_read(template: str) -> bool:
    """Whether the last named segment of a page's template holds a word of a page to read
    (``READING_WORDS``).

    >>> names_a_read("/success-stories"), names_a_read("/help/thank-you"), names_a_read("/faq/*")
    (True, False, True)
    """
    named = [s for s in template.split("/") if s and not _is_wildcard(s)]
    return bool(named) and bool(words(named[-1]) & READING_WORDS)


def is_checkout_step(template: str) -> bool:
    """Whether a page or a post is a step of the checkout: its words name a checkout (whole
    words: not ``/standorte/kassel``) and no confirmation (the order's confirmation is what
    follows the checkout, and what a visitor opens after it is no purchase).

    >>> [is_checkout_step(t) for t in ("/checkout/payment", "/checkout/thank-you", "/kassel")]
    [True, False, False]
    """
    found = words(template)
    return bool(found & CHECKOUT_WORDS) and not found & CONFIRMATION_WORDS


def intent_of(text: str) -> Intent | None:
    """What a path's words say it is for (``INTENT_WORDS``, first match), or None."""
    found = words(text)
    for intent, vocabulary in INTENT_WORDS:
        if found & vocabulary:
            return intent
    return None


def is_call(template: str) -> bool:
    """Whether a path is one a program calls, not a page a person sees: a segment of
    ``CALL_FOLDERS`` with more after it, or one of ``CALL_ENDPOINTS`` or ending in
    ``CALL_SUFFIX`` anywhere (segments percent-decoded and in lower case).

    >>> [is_call(t) for t in ("/api/v1/*/plans", "/wp-json/wp-statistics/v2/hit", "/graphql")]
    [True, True, True]
    >>> [is_call(t) for t in ("/pricing/api", "/track-order", "/json-formatter/pricing")]
    [False, False, False]
    """
    segments = [segment for segment in _plain(template).split("/") if segment]
    return any(
        segment in CALL_ENDPOINTS
        or segment.endswith(CALL_SUFFIX)
        or (segment in CALL_FOLDERS and index < len(segments) - 1)
        for index, segment in enumerate(segments)
    )


def is_no_goal_post(template: str) -> bool:
    """Whether a form post to ``template`` is no goal: a segment of its path is made of words of
    ``NOT_A_GOAL_WORDS``, or, when its path names no goal (``INTENT_WORDS``), its last segment
    is made of those and ``NO_GOAL_ENDPOINT_WORDS``, or it is a call (``is_call``) or holds a
    word of ``TRANSPORT_WORDS``. A word within a segment names a page (``/log-cabin/booking``).

    >>> [is_no_goal_post(t) for t in ("/api/v1/auth/signup", "/api/v1/auth/login", "/api/x")]
    [False, True, True]
    >>> [is_no_goal_post(t) for t in ("/auth/verify", "/pricing/api")]
    [True, False]
    >>> [is_no_goal_post(t) for t in ("/wp-login.php", "/v1/events", "/events/*/register")]
    [True, True, False]
    """
    segments = [segment for segment in _plain(template).split("/") if segment]
    if any(is_no_goal_segment(segment, NOT_A_GOAL_WORDS) for segment in segments):
        return True
    if intent_of(template) is not None:
        return False
    endpoint = NOT_A_GOAL_WORDS | NO_GOAL_ENDPOINT_WORDS
    if segments and is_no_goal_segment(segments[-1], endpoint):
        return True
    return is_call(template) or bool(words(template) & TRANSPORT_WORDS)


def is_no_goal_segment(segment: str, vocabulary: frozenset[str]) -> bool:
    """Whether a plain segment (of ``_plain``), a file's less its extension, is made of words of
    ``vocabulary``: all of its words but WordPress's ``wp`` are (``reset-password``,
    ``wp-login.php``), or they are one written apart (``sign-in``, ``log_out``).

    >>> [is_no_goal_segment(s, NOT_A_GOAL_WORDS) for s in ("wp-login.php", "sign-in", "ping-pong")]
    [True, True, False]
    """
    stem = _FILE_EXTENSION.sub("", segment)
    found = [word for word in _WORDS.findall(stem) if word != "wp"]
    return bool(found) and (set(found) <= vocabulary or "".join(found) in vocabulary)


def is_cart_add(template: str) -> bool:
    """Whether a form post to ``template`` fills the cart: its path holds a word of
    ``CART_WORDS`` (an API's ``/api/cart`` too) and none of ``CART_UPKEEP_WORDS``."""
    found = words(template)
    return bool(found & CART_WORDS) and not found & CART_UPKEEP_WORDS


def is_funnel_step(step: str) -> bool:
    """Whether a step (``page …``, ``download …``, ``METHOD …``) can be a funnel's: a page a
    person sees (no call, ``is_call``), a download, or a form post that is a goal
    (``is_no_goal_post`` and ``intent_of``) or fills the cart. A login, a tracking call, an
    API call that names no goal and a post that says nothing of what it is for are none.

    >>> [is_funnel_step(s) for s in ("page /pricing", "page /api/v1/*", "POST /api/v1/*/login")]
    [True, False, False]
    >>> [is_funnel_step(s) for s in ("POST /signup", "POST /api/cart", "POST /")]
    [True, True, False]
    """
    kind, template = step.split(" ", 1)
    if kind == "page":
        return not is_call(template)
    if kind == "download":
        return True
    if is_cart_add(template):
        return True
    return not is_no_goal_post(template) and intent_of(template) is not None


# --- the figures of each step ----------------------------------------------------------------


def page_figures(hits: pl.DataFrame) -> pl.DataFrame:
    """One row per page: ``template`` (its most viewed spelling), ``templates`` (the most viewed
    spelling of each variant, ``/thanks`` and ``/thanks/``), ``sessions``, ``views``,
    ``after_request`` (views right after a form post of the session), ``after_checkout``
    (right after a checkout page), ``before`` (the step most often right before it, a form post
    where there is one), its share of the views after a post, ``form`` (the page that post was
    most often sent from) and ``form_count`` (how often), ``sent_back`` (views right after
    a post from the page itself: the form shown again, as a declined payment is), ``landing``
    and ``exits`` (sessions it starts and ends). Templates that differ in case or a trailing ``/``
    only are one page (``page_key``), and so are a page's locales named apart
    (``_across_locales``): the goal of their ``templates`` matches them all, as it
    ignores case, and no other."""
    same = pl.col("session") == pl.col("session").shift(1)
    previous = pl.when(same).then(pl.col("step").shift(1))
    two_back = pl.when(same & same.shift(1)).then(pl.col("step").shift(2))
    # The page a form was posted from: the page before the post right before this one.
    form = pl.when(two_back.str.starts_with("page ")).then(two_back.str.slice(5))
    marked = hits.with_columns(previous=previous, form=form)
    pages = marked.filter(pl.col("kind") == "page")
    first = pl.col("session") != pl.col("session").shift(1)
    last = pl.col("session") != pl.col("session").shift(-1)
    checkouts = _checkout_steps(pages.get_column("previous"))
    after_request = pl.col("previous").str.starts_with("page ").not_() & ~pl.col(
        "previous"
    ).str.starts_with("download ")
    sent_back = after_request & (page_key(pl.col("form")) == page_key(pl.col("template")))
    keys = pages.select(page_key(pl.col("template"))).to_series()
    marked_pages = pages.with_columns(
        variant=folded(pl.col("template")),
        page=keys.replace(_across_locales(keys)),
        landing=first.fill_null(True),
        exit=last.fill_null(True),
        after_request=after_request.fill_null(False),
        sent_back=sent_back.fill_null(False),
        after_checkout=pl.col("previous").is_in(checkouts).fill_null(False),
    )
    figures = marked_pages.group_by("page").agg(
        pl.col("session").n_unique().cast(pl.UInt32).alias("sessions"),
        pl.len().cast(pl.UInt32).alias("views"),
        pl.col("after_request").sum().cast(pl.UInt32),
        pl.col("after_checkout").sum().cast(pl.UInt32),
        pl.col("sent_back").sum().cast(pl.UInt32),
        pl.col("landing").sum().cast(pl.UInt32),
        pl.col("exit").sum().cast(pl.UInt32).alias("exits"),
    )
    # The post most often right before each page (ties by name), and the page it was most
    # often posted from.
    before = (
        marked_pages.filter("after_request")
        .group_by("page", "previous")
        .agg(
            pl.len(),
            _most_common("form").alias("form"),
            (pl.col("form") == _most_common("form")).sum().alias("form_count"),
        )
        .sort(["page", "len", "previous"], descending=[False, True, False])
        .group_by("page", maintain_order=True)
        .first()
        .select(
            "page",
            pl.col("previous").alias("before"),
            pl.col("len").cast(pl.UInt32).alias("before_count"),
            "form",
            pl.col("form_count").cast(pl.UInt32),
        )
    )
    return (
        _spellings(marked_pages)
        .join(figures, on="page")
        .join(before, on="page", how="left")
        .with_columns(pl.col("before_count", "form_count").fill_null(0))
        .drop("page")
        .sort("template")
    )


def _checkout_steps(steps: pl.Series) -> list[str]:
    """The distinct ``steps`` that are a checkout's pages (``is_checkout_step``)."""
    return [
        step
        for step in steps.drop_nulls().unique()
        if step.startswith("page ") and is_checkout_step(step[5:])
    ]


def _most_common(column: str) -> pl.Expr:
    """The most common value of ``column`` in a group (the first by value among equals)."""
    return pl.col(column).drop_nulls().mode().sort().first()


def seen_pages(pages: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``page_figures`` of pages a person sees: those of calls (``is_call``) left
    out. Words are read once per template."""
    calls = [template for template in pages.get_column("template") if is_call(template)]
    return pages.filter(~pl.col("template").is_in(calls))


def _spellings(pages: pl.DataFrame) -> pl.DataFrame:
    """Per ``page``: ``template``, its most viewed spelling, and ``templates``, the most viewed
    spelling of each of its variants (ties by template)."""
    views = pages.group_by("page", "variant", "template").len()
    most = pl.col("template").sort_by(["len", "template"], descending=[True, False]).first()
    variants = views.group_by("page", "variant").agg(most, pl.col("len").sum())
    return variants.group_by("page").agg(most, pl.col("template").sort().alias("templates"))


def page_key(template: pl.Expr) -> pl.Expr:
    """What a page template is to a goal, which ignores case: folded as goal matching folds a
    path, less a trailing ``/`` (but the root's)."""
    return folded(template).str.replace(r"(.)/$", "${1}")


def _across_locales(keys: pl.Series) -> dict[str, str]:
    """The page keys led by a locale, on a site of several (as ``path_templates`` tells them),
    and the key of the one page each is in every language: the locales' pages named apart
    where ``/*/thanks`` would take another page (``/de/thanks`` → ``/*/thanks``)."""
    parts = {key: key.split("/", 2) for key in keys.drop_nulls().unique()}
    led = {key: p for key, p in parts.items() if len(p) == 3 and p[2] and is_locale(p[1])}
    if len({p[1] for p in led.values()}) < 2:
        return {}
    return {key: f"/{WILDCARD}/{p[2]}" for key, p in led.items()}


def event_figures(hits: pl.DataFrame, category: str) -> pl.DataFrame:
    """One row per step of the events of ``category`` (``request``, ``download``):
    ``sessions``, ``hits``, ``paths`` (distinct) and ``top`` (the most common path)."""
    events = hits.filter(pl.col("event_category") == category)
    return (
        events.group_by("step", "template")
        .agg(
            pl.col("session").n_unique().alias("sessions"),
            pl.len().alias("hits"),
            pl.col("path").n_unique().alias("paths"),
            pl.col("path").mode().sort().first().alias("top"),
        )
        .sort("step")
    )


def step_reach(hits: pl.DataFrame) -> dict[str, int]:
    """The sessions that reach each step."""
    reach = (
        hits.filter(pl.col("step").is_not_null()).group_by("step").agg(pl.col("session").n_unique())
    )
    return {str(step): int(count) for step, count in reach.iter_rows()}


# --- matchers ------------------------------------------------------------------------------


def regex_literal(text: str) -> str:
    """``text`` as a regex that matches it literally (Rust syntax, as goal matching escapes)."""
    meta = set("\\.+*?()|[]{}^$#&-~")
    return "".join(f"\\{ch}" if ch in meta else ch for ch in text)


def template_matcher(templates: Sequence[str]) -> StringMatcher:
    """A string matcher for paths of ``templates``: ``equals`` one path, ``one_of`` several,
    ``glob`` one template with wildcards, else a ``regex`` (a ``*`` the log holds, ``\\*``, is
    matched as itself: a glob has no escape).

    >>> template_matcher(["/products/*"])
    StringMatcher(op='glob', value='/products/*', case_sensitive=False)
    >>> template_matcher(["/checkout", "/checkout/payment"]).op
    'one_of'
    """
    ordered = sorted(set(templates))
    if not any(has_wildcard(t) for t in ordered):
        paths = sorted({template_path(t) for t in ordered})
        if len(paths) == 1:
            return StringMatcher("equals", paths[0])
        return StringMatcher("one_of", tuple(paths))
    if len(ordered) == 1 and not _literal_glob_characters(ordered[0]):
        return StringMatcher("glob", template_path(ordered[0]))
    return StringMatcher("regex", "^(" + "|".join(template_regex(t) for t in ordered) + ")$")


def _literal_glob_characters(template: str) -> bool:
    """Whether a literal part of ``template`` holds a character a glob would read as a pattern
    (a ``*`` the log holds, written ``\\*``; a glob has no escape)."""
    return any(
        not _is_wildcard(segment) and ("*" in segment or "?" in segment)
        for segment in template.split("/")
    )


def template_regex(template: str) -> str:
    """A template's paths as an unanchored regex: ``*`` within one segment, a literal ``*``
    (``\\*``) itself."""
    parts = []
    for segment in template.split("/"):
        if _is_wildcard(segment):
            parts.append("[^/]*" + regex_literal(segment[1:]))
        else:
            parts.append(regex_literal(_unescaped(segment)))
    return "/".join(parts)


def destination(templates: Sequence[str]) -> DestinationMatcher:
    return DestinationMatcher(template_matcher(templates))


def post_matcher(step: str) -> EventMatcher:
    """The event matcher of a form-post step (``POST /contact``)."""
    method, template = step.split(" ", 1)
    return EventMatcher(
        category=StringMatcher("equals", "request"),
        action=StringMatcher("equals", method),
        label=template_matcher([template]),
    )


def download_matcher(templates: Sequence[str]) -> EventMatcher:
    return EventMatcher(
        category=StringMatcher("equals", "download"), action=template_matcher(templates)
    )


def step_matcher(step: str) -> HitMatcher:
    """The matcher of a step (``page …``, ``download …``, ``METHOD …``)."""
    kind, template = step.split(" ", 1)
    if kind == "page":
        return destination([template])
    if kind == "download":
        return download_matcher([template])
    return post_matcher(step)


def step_name(step: str) -> str:
    """A funnel step's name: a page's template, else the step (``POST /cart/add/*``)."""
    return step.split(" ", 1)[1] if step.startswith("page ") else step
