"""``micromacro suggest``: the goals and funnels proposed from a log, their evidence, the goals
file written (README: micromacro suggest).

Figures are counted by hand from the fixtures (``suggest_saas.log``, ``suggest_content.log``:
one visitor per address, 30 s between hits unless a gap is written) or taken from
sample_logs/README.md; proposals on the sample log are checked by what their matchers match.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from micromacro.cli import cli
from micromacro.goal_matching import hit_match
from micromacro.goals import DestinationMatcher, EventMatcher, Goal, HitMatcher, StringMatcher
from micromacro.goals_file import parse_goals
from micromacro.render.suggestion import comment_text, render_suggestion, yaml_scalar
from micromacro.suggest import GoalSuggestion, Suggestion, SuggestOptions, suggest_goals
from micromacro.suggest_steps import is_call, is_no_goal_post
from tests.helpers import combined_line

ROOT = Path(__file__).parent.parent
SAMPLE = str(ROOT / "sample_logs" / "access.log")
SAAS = str(ROOT / "tests" / "fixtures" / "suggest_saas.log")
CONTENT = str(ROOT / "tests" / "fixtures" / "suggest_content.log")
CLF = "%d/%b/%Y:%H:%M:%S +0000"


def _suggest(path: str) -> Suggestion:
    return suggest_goals(SuggestOptions(inputs=(path,)))


def _hit(
    kind: str, path: str, *, category: str | None = None, action: str | None = None
) -> pl.DataFrame:
    """One hit: a pageview of ``path``, or an event (a form post's label is its path)."""
    label = path if category == "request" else None
    return pl.DataFrame(
        {
            "kind": [kind],
            "path": [path],
            "query": [None],
            "event_category": [category],
            "event_action": [action],
            "event_label": [label],
            "event_name": [None],
            "event_value": [None],
        },
        schema={
            "kind": pl.String,
            "path": pl.String,
            "query": pl.String,
            "event_category": pl.String,
            "event_action": pl.String,
            "event_label": pl.String,
            "event_name": pl.String,
            "event_value": pl.Float64,
        },
    )


PAGE = "page"


def _post(path: str) -> pl.DataFrame:
    return _hit("event", path, category="request", action="POST")


def _download(path: str) -> pl.DataFrame:
    return _hit("event", path, category="download", action=path)


def _matches(goal: Goal, hit: pl.DataFrame) -> bool:
    match = hit_match(goal)
    return match is not None and bool(hit.select(match).item())


def _matcher_matches(matcher: HitMatcher, hit: pl.DataFrame) -> bool:
    if isinstance(matcher, DestinationMatcher):
        goal = Goal(name="x", kind="micro", type="destination", destination=matcher)
    else:
        assert isinstance(matcher, EventMatcher)
        goal = Goal(name="x", kind="micro", type="event", event=matcher)
    return _matches(goal, hit)


def _one(suggestion: Suggestion, hit: pl.DataFrame, **wanted: object) -> GoalSuggestion:
    """The one proposed goal that matches ``hit`` (and has the ``kind``/``category`` given)."""
    found = [
        s
        for s in suggestion.goals
        if _matches(s.goal, hit) and all(getattr(s.goal, k) == v for k, v in wanted.items())
    ]
    assert len(found) == 1, [s.goal.name for s in found]
    return found[0]


@pytest.fixture(scope="module")
def sample() -> Suggestion:
    return _suggest(SAMPLE)


# --- the sample shop -------------------------------------------------------------------------


def test_the_sample_shop_gets_its_purchase_page_as_macro(sample: Suggestion) -> None:
    purchase = _one(sample, _hit(PAGE, "/checkout/thank-you"), kind="macro")
    assert purchase.evidence.sessions == 6  # sample_logs/README.md
    assert "/checkout/place-order" in purchase.evidence.why
    assert not _matches(purchase.goal, _hit(PAGE, "/checkout/payment"))


@pytest.mark.parametrize(
    ("hit", "category", "sessions"),
    [
        (_post("/cart/add/BT-104"), "process_milestone", 24),
        (_hit(PAGE, "/checkout"), "process_milestone", 10),
        (_hit(PAGE, "/newsletter/thanks"), "secondary_action", 8),
        (_download("/downloads/size-guide.pdf"), "secondary_action", 10),
    ],
)
def test_the_sample_shop_gets_its_micro_goals(
    sample: Suggestion, hit: pl.DataFrame, category: str, sessions: int
) -> None:
    found = _one(sample, hit, kind="micro")
    assert found.goal.category == category
    assert found.evidence.sessions == sessions  # sample_logs/README.md


def test_the_sample_shop_gets_a_duration_and_a_pages_goal(sample: Suggestion) -> None:
    types = {s.goal.type: s for s in sample.goals}
    # 154 sessions do not bounce; the 75th percentile of their durations is 305 s (5m), of
    # their pageviews 5 (more than 4): the example goals file's own long and engaged visits.
    assert types["duration"].goal.condition is not None
    assert types["duration"].goal.condition.greater_than == 300
    assert types["duration"].evidence.sessions == 39
    assert types["pages"].goal.condition is not None
    assert types["pages"].goal.condition.greater_than == 4
    assert types["pages"].evidence.sessions == 45


def test_the_sample_shop_gets_the_checkout_funnel(sample: Suggestion) -> None:
    purchase = _one(sample, _hit(PAGE, "/checkout/thank-you"), kind="macro")
    (funnel,) = [f for f in sample.funnels if f.funnel.goal == purchase.goal.name]
    steps = funnel.funnel.steps
    assert _matcher_matches(steps[0].matchers[0], _hit(PAGE, "/products/vegan-hiker"))
    assert any(_matcher_matches(step.matchers[0], _hit(PAGE, "/checkout")) for step in steps)
    assert funnel.reached[-1] == 6
    assert list(funnel.reached) == sorted(funnel.reached, reverse=True)


def test_at_most_two_macro_eight_micro_goals_and_two_funnels(sample: Suggestion) -> None:
    kinds = [s.goal.kind for s in sample.goals]
    assert kinds.count("macro") <= 2
    assert kinds.count("micro") <= 8
    assert len(sample.funnels) <= 2
    assert kinds == sorted(kinds)  # macro goals first


# --- a SaaS site and a content site ----------------------------------------------------------


def _table(suggestion: Suggestion) -> list[tuple[str, str, str | None, int]]:
    return [
        (s.goal.name, s.goal.kind, s.goal.category, s.evidence.sessions) for s in suggestion.goals
    ]


def test_a_saas_site() -> None:
    suggestion = _suggest(SAAS)
    assert suggestion.sessions == 14
    assert _table(suggestion) == [
        ("demo_request", "macro", None, 2),  # sessions 7, 8
        ("signup", "macro", None, 3),  # sessions 1-3: /welcome after POST /signup
        ("pricing_view", "micro", "process_milestone", 5),  # sessions 1-4, 8
        ("pdf_download", "micro", "secondary_action", 3),  # sessions 5, 6, 13
        ("long_visit", "micro", "secondary_action", 3),
        ("engaged_visit", "micro", "secondary_action", 7),
    ]
    goals = {s.goal.name: s.goal for s in suggestion.goals}
    assert _matches(goals["signup"], _hit(PAGE, "/welcome"))
    assert _matches(goals["pdf_download"], _download("/docs/files/security.pdf"))
    # 12 sessions do not bounce (all but 12 and 14); their durations, sorted: 30 s × 3, 60 s
    # × 3, 90 s × 2, 120 s × 2, 150 s, 630 s; the nearest 75th percentile (the 9th) is 90 s.
    assert goals["long_visit"].condition is not None
    assert goals["long_visit"].condition.greater_than == 90
    # Their pageviews: 2 × 6, 3 × 4, 4 × 1, 5 × 1: the 9th is 3, so 3 pages or more.
    assert goals["engaged_visit"].condition is not None
    assert goals["engaged_visit"].condition.greater_than == 2
    (funnel,) = suggestion.funnels  # the demo has 2 converting sessions: too few for a funnel
    assert [step.name for step in funnel.funnel.steps] == [
        "/pricing",
        "/signup",
        "POST /signup",
        "signup",
    ]
    assert funnel.reached == (5, 3, 3, 3)


def test_the_login_and_the_app_are_no_goals() -> None:
    suggestion = _suggest(SAAS)
    for hit in (_post("/login"), _hit(PAGE, "/app/dashboard"), _hit(PAGE, "/app/projects/1042")):
        assert not any(_matches(s.goal, hit) for s in suggestion.goals)


def test_a_page_named_like_a_confirmation_is_not_enough(tmp_path: Path) -> None:
    lines = []
    for visit in range(4):
        ip = f"203.0.113.{visit}"
        for second, path in enumerate(("/success-stories", "/welcome-pack", "/about")):
            lines.append(
                combined_line(path, ip=ip, time=f"02/Nov/2026:0{visit}:00:{second}0 +0100")
            )
    log = tmp_path / "stories.log"
    log.write_text("\n".join(lines) + "\n")
    suggestion = _suggest(str(log))
    for path in ("/success-stories", "/welcome-pack"):
        assert not any(_matches(s.goal, _hit(PAGE, path)) for s in suggestion.goals)


def _visit_log(visits: list[tuple[str, ...]]) -> str:
    """A combined log of one visitor's visit per item, an hour apart, a step each 30 s: a step
    is a path (a page viewed) or ``METHOD PATH`` (a form posted, answered 303)."""
    start = datetime(2026, 11, 2, tzinfo=UTC)
    lines = []
    for visit, steps in enumerate(visits):
        for step, text in enumerate(steps):
            method, path = text.split(" ") if " " in text else ("GET", text)
            at = (start + timedelta(hours=visit, seconds=30 * step)).strftime(CLF)
            status = 303 if method == "POST" else 200
            ip = f"10.1.{visit // 250}.{visit % 250}"
            lines.append(combined_line(path, method=method, status=status, ip=ip, time=at))
    return "\n".join(lines) + "\n"


def test_a_last_page_named_like_a_confirmation_but_to_be_read_is_no_goal(tmp_path: Path) -> None:
    """A page whose name holds a confirmation word beside a word of a page to read
    (``/success-stories``, ``/help/order-confirmation-faq``) is no goal by its place alone,
    rarely landed on and often the last page as it is; ``/thank-you`` in the same place (a
    form posted to another site) is one."""
    last = ("/success-stories", "/help/order-confirmation-faq", "/thank-you")
    visits = [("/", "/about", last[i % 3]) for i in range(60)]
    log = tmp_path / "site.log"
    log.write_text(_visit_log(visits))
    suggestion = _suggest(str(log))
    macro = [s for s in suggestion.goals if s.goal.kind == "macro"]
    assert [s.goal.name for s in macro] == ["conversion_thank_you"]
    assert macro[0].evidence.sessions == 20
    for page in last[:2]:
        assert not any(_matches(s.goal, _hit(PAGE, page)) for s in suggestion.goals)


def test_the_locales_thank_you_pages_are_one_goal_that_takes_no_other_page(
    tmp_path: Path,
) -> None:
    """Purchases end on ``/en/thanks``, ``/de/thanks`` or ``/fr/thanks`` after a post of the
    checkout (12 sessions), newsletter sign-ups on ``/newsletter/thanks`` (6): ``/*/thanks``
    would take the sign-ups too (18), so the purchase names its locales' pages."""
    visits = [
        (f"/{locale}/", f"/{locale}/shop", f"POST /{locale}/checkout", f"/{locale}/thanks")
        for locale in ("en", "de", "fr")
        for _ in range(4)
    ]
    visits += [("/en/", "/en/shop", "POST /newsletter/subscribe", "/newsletter/thanks")] * 6
    log = tmp_path / "shop.log"
    log.write_text(_visit_log(visits))
    suggestion = _suggest(str(log))
    purchase = next(s for s in suggestion.goals if s.goal.name == "purchase")
    assert purchase.evidence.sessions == 12
    assert purchase.goal.destination == DestinationMatcher(
        StringMatcher("one_of", ("/de/thanks", "/en/thanks", "/fr/thanks"), case_sensitive=False)
    )
    assert not _matches(purchase.goal, _hit(PAGE, "/newsletter/thanks"))


def test_a_segment_that_only_looks_like_a_locale_keeps_its_pages_apart(tmp_path: Path) -> None:
    """``/it-help/`` and ``/hr-help/`` are no locales (``help`` is no script): their thank-you
    pages are two goals, as their templates are two pages."""
    visits = [
        *[("GET /it-help/form", "POST /it-help/ticket", "GET /it-help/thanks")] * 15,
        *[("GET /hr-help/form", "POST /hr-help/ticket", "GET /hr-help/thanks")] * 6,
        *[("GET /", "GET /about")] * 20,
    ]
    log = tmp_path / "help.log"
    log.write_text(_visit_log(visits))
    goals = [s for s in _suggest(str(log)).goals if s.goal.kind == "macro"]
    assert sorted(s.evidence.sessions for s in goals) == [6, 15]


def test_a_script_locale_in_lower_case_is_a_locale(tmp_path: Path) -> None:
    """``/zh-hant/`` (as Drupal and WPML write ``zh-Hant``) is a locale beside ``/en/`` and
    ``/de/``: one purchase goal for the three thank-you pages (33 sessions)."""
    visits = [
        (f"GET /{locale}/p", f"GET /{locale}/checkout", f"POST /{locale}/checkout",
         f"GET /{locale}/thanks")
        for locale in ("en", "de", "zh-hant")
        for _ in range(11)
    ]  # fmt: skip
    visits += [("GET /en/p", "GET /en/about")] * 20
    log = tmp_path / "locales.log"
    log.write_text(_visit_log(visits))
    purchase = next(s for s in _suggest(str(log)).goals if s.goal.name == "purchase")
    assert purchase.evidence.sessions == 33
    assert _matches(purchase.goal, _hit(PAGE, "/zh-hant/thanks"))


def test_a_city_holding_a_checkout_word_is_no_checkout(tmp_path: Path) -> None:
    """``kasse`` is a checkout word, but ``/standorte/kassel`` holds it only inside a word: the
    directions page visits reach from it is no purchase (60 visits, every fourth to Kassel)."""
    visits = [
        ("/", "/ueber-uns", *(("/standorte/kassel", "/standorte/kassel/anfahrt") * (i % 4 == 0)))
        for i in range(60)
    ]
    log = tmp_path / "kassel.log"
    log.write_text(_visit_log(visits))
    suggestion = _suggest(str(log))
    assert [s.goal.name for s in suggestion.goals if s.goal.kind == "macro"] == []
    assert not any(
        _matches(s.goal, _hit(PAGE, "/standorte/kassel/anfahrt")) for s in suggestion.goals
    )


def test_what_a_buyer_opens_after_the_confirmation_is_no_purchase(tmp_path: Path) -> None:
    """The order's confirmation (``/checkout/order/N/confirmation``) names the checkout, but is
    what follows it: the order list a buyer opens after it is not right after a checkout page.
    40 buyers; 12 of them open their order after the confirmation."""
    visits = [
        (
            "/products/tent",
            "/checkout/cart",
            "/checkout/payment",
            f"/checkout/order/{1000 + i}/confirmation",
            *((f"/account/orders/{1000 + i}",) * (i % 10 < 3)),
        )
        for i in range(40)
    ]
    log = tmp_path / "shop.log"
    log.write_text(_visit_log(visits))
    suggestion = _suggest(str(log))
    macro = [s for s in suggestion.goals if s.goal.kind == "macro"]
    assert [s.goal.name for s in macro] == ["purchase"]
    assert _matches(macro[0].goal, _hit(PAGE, "/checkout/order/1007/confirmation"))
    assert macro[0].evidence.sessions == 40
    assert not any(_matches(s.goal, _hit(PAGE, "/account/orders/1001")) for s in macro)


@pytest.mark.parametrize(
    ("download", "proposed"),
    [
        ("/files/tool.rar", "tool_download"),
        ("/files/data.tar.xz", "data_tar_download"),
        ("/files/notes.odt", "notes_download"),
        ("/files/report.rtf", "report_download"),
        ("/media/intro.mp4", None),  # a player streams it: no choice of the visitor's
        ("/media/episode-12.mp3", None),
    ],
)
def test_every_document_or_archive_the_report_counts_as_a_download_is_proposed(
    tmp_path: Path, download: str, proposed: str | None
) -> None:
    """Archives and documents the report counts as downloads (``.rar``, ``.xz``, ``.odt``,
    ``.rtf``) are proposed as a folder's download goal, as ``.zip`` and ``.pdf`` are; audio and
    video are left out. Three visitors each fetch the page, the file, then a guide (a download
    always proposed)."""
    lines = []
    for visit in range(3):
        ip = f"203.0.113.{visit}"
        for second, path in enumerate(("/files", download, "/docs/guide.pdf")):
            lines.append(
                combined_line(path, ip=ip, time=f"02/Nov/2026:0{visit}:00:{second}0 +0100")
            )
    log = tmp_path / "files.log"
    log.write_text("\n".join(lines) + "\n")
    downloads = [s for s in _suggest(str(log)).goals if _matches(s.goal, _download(download))]
    assert [(s.goal.name, s.evidence.sessions) for s in downloads] == (
        [(proposed, 3)] if proposed else []
    )


def test_a_content_site() -> None:
    suggestion = _suggest(CONTENT)
    assert suggestion.sessions == 10
    assert _table(suggestion) == [
        ("newsletter_signup", "macro", None, 2),  # sessions 1, 4; the site sells nothing
        ("pdf_download", "micro", "secondary_action", 3),  # sessions 2, 3, 9
        ("site_search", "micro", "secondary_action", 3),  # sessions 1, 3, 5
        ("long_visit", "micro", "secondary_action", 2),  # sessions 1 (120 s), 8 (17 min)
        ("engaged_visit", "micro", "secondary_action", 3),  # sessions 1, 3, 8
    ]
    goals = {s.goal.name: s for s in suggestion.goals}
    assert goals["newsletter_signup"].evidence.why.endswith(
        "; a macro goal, as no purchase, lead or sign-up was found"
    )
    assert _matches(goals["pdf_download"].goal, _download("/wp-content/uploads/2024/12/x.pdf"))
    assert goals["site_search"].evidence.examples == ("/?s=maps", "/?s=snow+boots")
    assert not suggestion.funnels  # two newsletter sign-ups: too few for a funnel
    # The comment form's post is no goal.
    assert not any(_matches(s.goal, _post("/wp-comments-post.php")) for s in suggestion.goals)


# --- the goals file --------------------------------------------------------------------------


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_accepts_it_and_report_runs_on_it(tmp_path: Path) -> None:
    code, text, err = _run("suggest", SAMPLE)
    assert code == 0
    assert err.endswith(
        "micromacro: proposed 2 macro and 7 micro goals and 2 funnels from 253 sessions\n"
    )
    goals = tmp_path / "goals.yaml"
    goals.write_text(text)
    code, out, err = _run("check", str(goals))
    assert (code, err) == (0, "")
    assert out == f"{goals}: OK, 9 goals (2 macro, 7 micro), 2 funnels\n"
    code, out, _ = _run("report", SAMPLE, "--goals", str(goals), "--format", "json")
    assert code == 0
    report = json.loads(out)
    rates = {goal["name"]: goal["converting_sessions"] for goal in report["goals"]}
    assert rates["purchase"] == 6
    assert [f["name"] for f in report["funnels"]] == ["checkout", "to_contact_lead"]


def test_it_keeps_the_order_and_style_of_the_example_goals_file() -> None:
    _, text, _ = _run("suggest", SAMPLE)
    data = yaml.safe_load(text)
    assert list(data) == ["goals", "funnels"]
    for goal in data["goals"]:
        keys = [k for k in goal if k not in ("destination", "event", "duration", "pages")]
        assert keys == [k for k in ("name", "kind", "category", "count") if k in goal]
        assert list(goal)[:2] == ["name", "kind"]
    assert "  - name: purchase\n    kind: macro\n    destination: /checkout/thank-you\n" in text
    assert "      label:\n        glob: /cart/add/*\n    count: every\n" in text
    assert "    duration:\n      greater_than: 5m\n" in text
    assert "    goal: purchase\n" in text


def test_each_goal_carries_its_evidence_as_a_comment() -> None:
    _, text, _ = _run("suggest", SAMPLE)
    block = text[text.index("  # purchase:") : text.index("  - name: purchase")]
    assert block == (
        "  # purchase: 6 of 253 sessions (2.4 %); e.g. /checkout/thank-you\n"
        "  # why: a confirmation page by its name; right after POST /checkout/place-order in 6 "
        "of 6\n"
        "  #   views; never a landing page; the last page of 5 of 6 sessions\n"
    )


def test_the_readme_example_is_the_sample_logs_proposal() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### `micromacro suggest") :]
    example = section[section.index("```yaml\n") + 8 : section.index("```\n\nWhat it looks")]
    assert example in _run("suggest", SAMPLE)[1]


def test_twice_on_the_same_logs_gives_the_same_file() -> None:
    assert _run("suggest", SAMPLE)[1] == _run("suggest", SAMPLE)[1]
    assert (
        _run("suggest", SAMPLE, "--format", "json")[1]
        == _run("suggest", SAMPLE, "--format", "json")[1]
    )


def test_output_goes_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    code, out, _ = _run("suggest", SAMPLE, "-o", str(target), "-q")
    assert (code, out) == (0, "")
    assert target.read_text() == _run("suggest", SAMPLE)[1]


def test_the_options_that_change_the_figures_are_named_in_the_heading() -> None:
    """Static files counted, a session timeout of 90 s and a bot pattern change what a report
    counts: the proposal names them, as a report on it with the defaults counts otherwise."""
    options = ["--include-static", "--session-timeout", "90s", "--bot-pattern", "Fire fox"]
    code, out, _ = _run("suggest", SAMPLE, *options)
    assert code == 0
    heading = " ".join(line.strip("# ") for line in out.split("\ngoals:")[0].splitlines())
    assert (
        "Read with --include-static --bot-pattern 'Fire fox' --session-timeout 90s: a report "
        "counts these sessions only with them too."
    ) in heading
    code, out, _ = _run("suggest", SAMPLE, *options, "--format", "json")
    assert json.loads(out)["read_with"] == [
        "--include-static", "--bot-pattern 'Fire fox'", "--session-timeout 90s"
    ]  # fmt: skip


def test_json_gives_the_candidates_with_their_evidence() -> None:
    code, out, _ = _run("suggest", SAAS, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["input", "sessions", "period", "read_with", "goals", "funnels", "exclude"]
    assert data["read_with"] == []  # read as a report reads by default
    assert data["exclude"] is None  # nothing excluded
    assert data["sessions"] == 14
    signup = next(g for g in data["goals"] if g["name"] == "signup")
    assert signup["definition"] == {"name": "signup", "kind": "macro", "destination": "/welcome"}
    assert signup["evidence"]["sessions"] == 3
    assert signup["evidence"]["share"] == 3 / 14
    assert signup["evidence"]["examples"] == ["/welcome"]
    assert signup["value_hint"] is None
    (funnel,) = data["funnels"]
    assert funnel["definition"]["goal"] == "signup"
    assert [step["reached"] for step in funnel["steps"]] == [5, 3, 3, 3]


def test_a_total_in_the_query_is_a_commented_value(tmp_path: Path) -> None:
    lines = []
    for n, total in enumerate(("59.90", "120", "15.5")):
        ip = f"203.0.113.{n}"
        lines += [
            combined_line("/cart", ip=ip, time=f"02/Nov/2026:0{n}:00:00 +0100"),
            combined_line(
                "/checkout/pay",
                method="POST",
                status=303,
                ip=ip,
                time=f"02/Nov/2026:0{n}:00:30 +0100",
            ),
            combined_line(
                f"/order/complete?id=9{n}&total={total}",
                ip=ip,
                time=f"02/Nov/2026:0{n}:01:00 +0100",
            ),
        ]
    log = tmp_path / "orders.log"
    log.write_text("\n".join(lines) + "\n")
    code, text, _ = _run("suggest", str(log))
    assert code == 0
    assert "\n    # value: {from: 'query:total'}\n" in text
    assert "holds a number in 3 of the 3 hits that carry it (e.g. 59.90)" in " ".join(
        line.strip(" #") for line in text.splitlines()
    )
    (purchase,) = [g for g in parse_goals(text).goals if g.name == "purchase"]
    assert not purchase.has_value  # a comment only: no number of our own
    value = yaml.safe_load(text.replace("    # value:", "    value:"))["goals"][0]["value"]
    assert value == {"from": "query:total"}


def test_a_log_without_goals_is_an_error(tmp_path: Path) -> None:
    log = tmp_path / "tiny.log"
    log.write_text(combined_line("/") + "\n")
    code, out, err = _run("suggest", str(log))
    assert (code, out) == (1, "")
    assert err.endswith(
        "\nmicromacro: error: no goal to propose: in the 1 session read, no confirmation page, "
        "form post, download, search, long visit or visit of many pages is reached by 2 "
        "sessions or more\n"
    )


def test_a_log_without_hits_says_so(tmp_path: Path) -> None:
    """Nothing to propose: what reading found says why before the error (where the lines went:
    a static file and an error)."""
    log = tmp_path / "assets.log"
    log.write_text(combined_line("/style.css") + "\n" + combined_line("/", status=404) + "\n")
    code, out, err = _run("suggest", str(log))
    assert (code, out) == (1, "")
    assert err.endswith(
        "micromacro: input: 2 lines (malformed 0, bot 0, static 1, error 1, request 0, "
        "redirect 0, other_method 0, download 0, page 0)\n"
        "micromacro: error: no goal to propose: no line of the input was counted as a hit\n"
    )


def test_a_period_without_hits_says_where_the_lines_are(tmp_path: Path) -> None:
    """A period the log does not reach: the warning a report gives (the times the lines run
    from and to) before the error."""
    log = tmp_path / "old.log"
    log.write_text(combined_line("/") + "\n" + combined_line("/about") + "\n")
    code, out, err = _run("suggest", str(log), "--since", "2020-01-01", "--until", "2020-01-02")
    assert (code, out) == (1, "")
    said = err.splitlines()
    assert any(
        line.startswith("micromacro: warning: no hits in the period 2020-01-01 00:00")
        and line.endswith("the lines read run from 2026-11-02 09:15 to 2026-11-02 09:15")
        for line in said
    )
    assert said[-1] == (
        "micromacro: error: no goal to propose: no line of the input was counted as a hit"
    )


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("suggest", "missing.log"), 1),
        (("suggest", SAMPLE, "--format", "csv"), 2),
        (("suggest",), 2),
    ],
)
def test_exit_codes(args: tuple[str, ...], code: int) -> None:
    assert _run(*args)[0] == code


# --- hostile paths ---------------------------------------------------------------------------

HOSTILE = (
    "/thank-you/!!python/object/apply:os.system",
    "/thanks/&anchor",
    "/danke/{a:%20b}",
    "/merci/key:%20value",
    "/gracias/-%20[x]",
    "/success/'quoted'",
    "/receipt/\\x22double\\x22",  # a quote, as nginx writes it
    "/complete/%E2%80%A8next:%201",
    "/welcome/\x1b[31mred",
    "/thanks/\u202eevil",
    "/danke/*star*",
    "/merci/[a-z]+(",
    "/done/yes",
)


def _hostile_log(tmp_path: Path, path: str) -> Path:
    """A hostile page reached right after a form post, in three sessions."""
    lines = []
    for visit in range(3):
        ip = f"203.0.113.{visit}"
        hour = f"02/Nov/2026:{visit:02d}:00"
        lines += [
            combined_line("/contact", ip=ip, time=f"{hour}:00 +0100"),
            combined_line("/contact", method="POST", status=303, ip=ip, time=f"{hour}:10 +0100"),
            combined_line(path, ip=ip, time=f"{hour}:20 +0100"),
        ]
    log = tmp_path / "hostile.log"
    log.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return log


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_paths_stay_inert(path: str, tmp_path: Path) -> None:
    code, text, _ = _run("suggest", str(_hostile_log(tmp_path, path)))
    assert code == 0
    data = yaml.safe_load(text)  # valid YAML of plain data: no tag, no alias is constructed
    name = data["goals"][0]["name"]  # the page's own words may say what it is for
    for line in text.splitlines():  # a path never starts a line of its own
        assert (
            line == ""
            or line.lstrip().startswith(("#", "- "))
            or ": " in line
            or line.endswith(":")
        )
    goals = tmp_path / "goals.yaml"
    goals.write_text(text, encoding="utf-8")
    assert _run("check", str(goals))[0] == 0
    (contact,) = [g for g in parse_goals(text).goals if g.name == name]
    assert _matches(contact, _hit(PAGE, path))
    assert not _matches(contact, _hit(PAGE, "/contact"))
    evidence = text[text.index(f"# {name}:") : text.index(f"- name: {name}")]
    assert comment_text(path) in evidence


@given(st.text())
def test_a_scalar_reads_back_as_written(text: str) -> None:
    assert yaml.safe_load(f"key: {yaml_scalar(text)}\n") == {"key": text}


@given(st.text())
def test_a_comment_stays_one_comment(text: str) -> None:
    loaded = yaml.safe_load(f"# {comment_text(text)}\nkey: 1\n")
    assert loaded == {"key": 1}
    assert len(f"# {comment_text(text)}".splitlines()) == 1


def test_the_yaml_renderer_and_the_json_agree(sample: Suggestion) -> None:
    data = yaml.safe_load(render_suggestion(sample, "yaml"))
    tools = json.loads(render_suggestion(sample, "json"))
    assert data["goals"] == [goal["definition"] for goal in tools["goals"]]
    assert data["funnels"] == [funnel["definition"] for funnel in tools["funnels"]]


def _visits(tmp_path: Path, durations: list[int]) -> Path:
    """A log of one two-page visit per duration (seconds from its first page to its second),
    each from an address of its own, an hour apart."""
    lines = []
    for n, seconds in enumerate(durations):
        start = 9 * 3600 + n * 3600
        for path, at in (("/", start), ("/about", start + seconds)):
            clock = f"{at // 3600:02d}:{at % 3600 // 60:02d}:{at % 60:02d}"
            lines.append(
                combined_line(path, ip=f"203.0.113.{n + 1}", time=f"02/Nov/2026:{clock} +0100")
            )
    log = tmp_path / "visits.log"
    log.write_text("".join(line + "\n" for line in lines))
    return log


def test_a_duration_goal_one_visit_passes_is_not_proposed(tmp_path: Path) -> None:
    # The 75th percentile of 60, 120, 180 and 600 s is 180 s: only the 600 s visit is longer.
    code, out, err = _run("suggest", str(_visits(tmp_path, [60, 120, 180, 600])))
    assert (code, out) == (1, "")
    assert err.endswith(
        "micromacro: error: no goal to propose: in the 4 sessions read, no confirmation page, "
        "form post, download, search, long visit or visit of many pages is reached by 2 "
        "sessions or more\n"
    )
    # Eight visits: the 75th percentile is 360 s, written 7m (the nearest of the durations a
    # person writes, by ratio); the 1200 s and 1500 s visits pass it, two: enough.
    code, out, err = _run(
        "suggest", str(_visits(tmp_path, [60, 120, 180, 240, 300, 360, 1200, 1500]))
    )
    assert code == 0, err
    (goal,) = yaml.safe_load(out)["goals"]
    assert goal["name"] == "long_visit"
    assert goal["duration"] == {"greater_than": "7m"}
    assert "# long_visit: 2 of 8 sessions (25.0 %)" in out


def _flows(tmp_path: Path, flows: list[tuple[int, list[str]]]) -> Path:
    """A log of ``count`` visitors (one address each) through each flow of paths, a hit every
    30 s; ``POST /x`` is a form post answered 303."""
    lines, visitor = [], 0
    for count, steps in flows:
        for _ in range(count):
            visitor += 1
            ip = f"10.{visitor // 250}.{visitor % 250}.1"
            for number, step in enumerate(steps):
                method, _, path = step.rpartition(" ")
                seconds = visitor * 600 + number * 30
                time = (
                    f"02/Nov/2026:{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
                )
                lines.append(
                    combined_line(
                        path,
                        method=method or "GET",
                        status=303 if method else 200,
                        ip=ip,
                        time=f"{time} +0000",
                    )
                )
    log = tmp_path / "access.log"
    log.write_text("\n".join(lines) + "\n")
    return log


def _macro_pages(suggestion: Suggestion, paths: list[str]) -> list[str]:
    """Which of ``paths`` a proposed macro goal matches (as a pageview)."""
    return [
        path
        for path in paths
        if any(
            s.goal.kind == "macro" and _matches(s.goal, _hit(PAGE, path)) for s in suggestion.goals
        )
    ]


def test_the_steps_of_a_checkout_are_no_purchase(tmp_path: Path) -> None:
    """A checkout of several steps, each a form post then a page: only the page after the last
    is the purchase (the payment and review pages came after a checkout post too)."""
    steps = ["/", "/products/tent", "POST /cart/add", "/cart", "POST /checkout/address",
             "/checkout/payment", "POST /checkout/payment", "/checkout/review",
             "POST /checkout/review", "/checkout/success"]  # fmt: skip
    log = _flows(tmp_path, [(20, steps), (15, steps[:6]), (10, steps[:8])])
    suggestion = _suggest(str(log))
    pages = ["/checkout/payment", "/checkout/review", "/checkout/success", "/cart"]
    assert _macro_pages(suggestion, pages) == ["/checkout/success"]
    posts = [_post("/checkout/address"), _post("/checkout/payment"), _post("/checkout/review")]
    macro = [s.goal for s in suggestion.goals if s.goal.kind == "macro"]
    assert not any(_matches(goal, post) for goal in macro for post in posts)
    assert [goal.name for goal in macro] == ["purchase"]


def test_what_a_login_or_a_password_reset_leads_to_is_no_goal(tmp_path: Path) -> None:
    """/account/welcome after POST /login and /password/reset/success after a reset are named
    like confirmations: still no goal. The sign-up's thanks is."""
    log = _flows(
        tmp_path,
        [
            (30, ["/", "/login", "POST /login", "/account/welcome"]),
            (20, ["/", "/password/reset", "POST /password/reset", "/password/reset/success"]),
            (10, ["/", "/register", "POST /register", "/register/thank-you"]),
        ],
    )
    suggestion = _suggest(str(log))
    pages = ["/account/welcome", "/password/reset/success", "/register/thank-you"]
    assert _macro_pages(suggestion, pages) == ["/register/thank-you"]
    assert not any(
        _matches(s.goal, _hit(PAGE, path)) for s in suggestion.goals for path in pages[:2]
    )


def test_a_confirmation_named_in_percent_encoded_letters_is_named(tmp_path: Path) -> None:
    """/kasse/bestätigung, logged percent-encoded: a confirmation by its name."""
    page = "/kasse/best%C3%A4tigung"
    log = _flows(tmp_path, [(12, ["/", "/kasse", "POST /kasse/zahlung", page])])
    (purchase,) = [s for s in _suggest(str(log)).goals if s.goal.name == "purchase"]
    assert _matches(purchase.goal, _hit(PAGE, page))
    assert purchase.evidence.why.startswith("a confirmation page by its name")


def test_a_confirmation_named_by_an_id_takes_no_other_page(tmp_path: Path) -> None:
    """/contact/thanks-2026 (a code of three digits, by its shape) beside /contact/form: the
    goal is the page itself, not /contact/*, which would count every session that saw the form
    (10, where 4 sent it)."""
    log = _flows(
        tmp_path,
        [
            (4, ["/shop", "/contact/form", "POST /contact/form", "/contact/thanks-2026"]),
            (6, ["/contact/form", "/shop"]),
        ],
    )
    (lead,) = [s for s in _suggest(str(log)).goals if s.goal.kind == "macro"]
    assert lead.goal.destination == DestinationMatcher(
        StringMatcher("equals", "/contact/thanks-2026")
    )
    assert (lead.evidence.sessions, lead.evidence.examples) == (4, ("/contact/thanks-2026",))
    assert not _matches(lead.goal, _hit(PAGE, "/contact/form"))


def test_names_are_made_unique_in_the_order_goals_are_proposed() -> None:
    """The best-ranked of two purchase pages is ``purchase``, the next ``purchase_2``: names
    were handed out as the pages were found, so the real purchase could be ``purchase_3``."""
    from micromacro.suggest import _Candidate, _uniquely_named

    def candidate(path: str) -> _Candidate:
        goal = Goal(name="purchase", kind="macro", type="destination",
                    destination=DestinationMatcher(StringMatcher("equals", path)))  # fmt: skip
        return _Candidate(goal, (0,), "")

    named = _uniquely_named([candidate("/checkout/success"), candidate("/checkout/payment")])
    assert [(c.goal.name, c.goal.destination.matcher.value) for c in named] == [  # type: ignore[union-attr]
        ("purchase", "/checkout/success"),
        ("purchase_2", "/checkout/payment"),
    ]


def test_paths_that_differ_in_case_are_one_goal(tmp_path: Path) -> None:
    """Half the thanks logged /Thank-You, half /thank-you: one goal (it ignores case), not two
    goals and two funnels each claiming every session."""
    log = _flows(
        tmp_path,
        [
            (15, ["/", "/contact", "POST /contact", "/Thank-You"]),
            (15, ["/", "/contact", "POST /contact", "/thank-you"]),
        ],
    )
    suggestion = _suggest(str(log))
    thanks = [s for s in suggestion.goals if _matches(s.goal, _hit(PAGE, "/thank-you"))]
    assert [(s.goal.name, s.evidence.sessions) for s in thanks] == [("contact_lead", 30)]
    assert len(suggestion.funnels) == 1


def test_a_star_the_log_holds_in_a_path_is_no_wildcard(tmp_path: Path) -> None:
    """/thanks/* logged so is one page: its goal matches it alone (not /thanks/faq, a page
    three other sessions land on), and its sessions are the four that reached it."""
    log = _flows(
        tmp_path,
        [(4, ["/", "/contact", "POST /contact", "/thanks/*"]), (3, ["/thanks/faq"])],
    )
    (thanks,) = [s for s in _suggest(str(log)).goals if s.goal.kind == "macro"]
    assert thanks.goal.destination == DestinationMatcher(StringMatcher("equals", "/thanks/*"))
    assert (thanks.evidence.sessions, thanks.evidence.examples) == (4, ("/thanks/*",))
    assert thanks.evidence.why == (
        "a confirmation page by its name; right after POST /contact in 4 of 4 views; never a "
        "landing page; the last page of 4 of 4 sessions"
    )


def test_a_star_the_log_holds_stays_itself_beside_a_wildcard(tmp_path: Path) -> None:
    """/thanks/*/1000 … /thanks/*/1003: the ids vary, the * does not (a glob has no escape,
    so the goal is a regex)."""
    flows = [(1, ["/", "/contact", "POST /contact", f"/thanks/*/{n}"]) for n in range(1000, 1004)]
    (thanks,) = [s for s in _suggest(str(_flows(tmp_path, flows))).goals if s.goal.kind == "macro"]
    assert thanks.goal.destination == DestinationMatcher(
        StringMatcher("regex", r"^(/thanks/\*/[^/]*)$")
    )
    assert thanks.evidence.sessions == 4
    assert _matches(thanks.goal, _hit(PAGE, "/thanks/*/1004"))
    assert not _matches(thanks.goal, _hit(PAGE, "/thanks/x/1000"))


def test_a_page_spelled_in_other_cases_or_with_a_trailing_slash_is_one_goal(
    tmp_path: Path,
) -> None:
    """/contact/thanks in 3 sessions, /Contact/Thanks in 2, /contact/thanks/ in 2, each right
    after POST /contact: one goal matching all three, its sessions and its reasons counted
    over all seven (they were 5 of 7 sessions but 3 of 3 views, and the slash a second
    macro goal said to be 'more than 2')."""
    form = ["/", "/contact", "POST /contact"]
    log = _flows(
        tmp_path,
        [
            (3, [*form, "/contact/thanks"]),
            (2, [*form, "/Contact/Thanks"]),
            (2, [*form, "/contact/thanks/"]),
        ],
    )
    suggestion = _suggest(str(log))
    (thanks,) = [s for s in suggestion.goals if _matches(s.goal, _hit(PAGE, "/contact/thanks/"))]
    assert (thanks.goal.name, thanks.goal.kind) == ("contact_lead", "macro")
    assert thanks.goal.destination == DestinationMatcher(
        StringMatcher("one_of", ("/contact/thanks", "/contact/thanks/"))
    )
    assert (thanks.evidence.sessions, thanks.evidence.examples) == (
        7,
        ("/contact/thanks", "/Contact/Thanks"),
    )
    assert thanks.evidence.why == (
        "a confirmation page by its name; right after POST /contact in 7 of 7 views; never a "
        "landing page; the last page of 7 of 7 sessions"
    )
    assert not any("macro goals are hard" in s.evidence.why for s in suggestion.goals)
    assert [f.funnel.name for f in suggestion.funnels] == ["to_contact_lead"]


# --- calls of a program ----------------------------------------------------------------------


def test_an_api_call_is_no_view_of_a_page(tmp_path: Path) -> None:
    """GET /api/v1/billing/plans is the app fetching the plans in its checkout, not a person
    viewing the pricing: pricing_view is /pricing alone, its 5 sessions (with the call's 3 it
    was 8, and the micro → macro table showed a lift of the purchase it comes before)."""
    log = _flows(
        tmp_path,
        [
            (5, ["/", "/pricing", "/about"]),
            (3, ["/", "/app", "/api/v1/billing/plans", "/app/settings"]),
        ],
    )
    (pricing,) = [s for s in _suggest(str(log)).goals if s.goal.name == "pricing_view"]
    assert pricing.goal.destination == DestinationMatcher(StringMatcher("equals", "/pricing"))
    assert (pricing.evidence.sessions, pricing.evidence.examples) == (5, ("/pricing",))


def _goals(suggestion: Suggestion) -> list[tuple[str, str, int, str]]:
    """The proposed goals but the duration and pages goals: name, kind, sessions, why."""
    return [
        (s.goal.name, s.goal.kind, s.evidence.sessions, s.evidence.why)
        for s in suggestion.goals
        if s.goal.type in ("destination", "event")
    ]


def test_a_form_sent_to_an_api_is_a_goal_when_its_path_names_one(tmp_path: Path) -> None:
    """Contact Form 7 posts to /wp-json/contact-form-7/v1/contact-forms/42/feedback and an app
    signs up with POST /api/v1/auth/signup: a contact and a sign-up, though their paths hold
    wp, json, api and auth. The login and WordPress's admin-ajax.php stay no goals, and the
    newsletter is no longer the macro goal of a site said to have no lead."""
    feedback = "/wp-json/contact-form-7/v1/contact-forms/42/feedback"
    log = _flows(
        tmp_path,
        [
            (3, ["/", "/contact/", f"POST {feedback}"]),
            (4, ["/", "/blog/", "POST /wp-admin/admin-ajax.php"]),
            (5, ["/", "POST /", "/newsletter/"]),
            (4, ["/", "/signup", "POST /api/v1/auth/signup", "/app/projects"]),
            (6, ["/", "/login", "POST /api/v1/auth/login", "/app/projects"]),
        ],
    )
    suggestion = _suggest(str(log))
    assert _goals(suggestion) == [
        ("contact_lead", "macro", 3, "a form post to a contact path, answered below 400: 3 posts "
         "in 3 sessions"),
        ("signup", "macro", 4, "a form post to a signup path, answered below 400: 4 posts in 4 "
         "sessions"),
        ("newsletter_signup", "micro", 5, "a confirmation page by its place in sessions; right "
         "after POST / in 5 of 5 views; never a landing page; the last page of 5 of 5 sessions"),
    ]  # fmt: skip
    goals = {s.goal.name: s.goal for s in suggestion.goals}
    assert _matches(goals["contact_lead"], _post(feedback))
    assert _matches(goals["signup"], _post("/api/v1/auth/signup"))
    for post in ("/api/v1/auth/login", "/wp-admin/admin-ajax.php"):
        assert not any(_matches(s.goal, _post(post)) for s in suggestion.goals)


def test_the_page_after_a_form_sent_to_an_api_is_its_confirmation(tmp_path: Path) -> None:
    """/welcome after POST /api/signup is the sign-up's page of thanks, as after POST /signup
    (the post was taken for an API call, and so was what it leads to)."""
    log = _flows(
        tmp_path, [(4, ["/", "/signup", "POST /api/signup", "/welcome"]), (3, ["/", "/about"])]
    )
    suggestion = _suggest(str(log))
    assert _goals(suggestion) == [
        ("signup", "macro", 4, "a confirmation page by its name; right after POST /api/signup "
         "in 4 of 4 views; never a landing page; the last page of 4 of 4 sessions"),
    ]  # fmt: skip
    assert _matches(suggestion.goals[0].goal, _hit(PAGE, "/welcome"))


def test_with_no_lead_found_the_newsletter_is_the_macro_goal_and_says_so(tmp_path: Path) -> None:
    """What the promoted newsletter says is what suggest knows: that it found no purchase,
    lead or sign-up (not that the site has none)."""
    log = _flows(tmp_path, [(5, ["/", "POST /", "/newsletter/"]), (3, ["/", "/blog/"])])
    assert _goals(_suggest(str(log))) == [
        ("newsletter_signup", "macro", 5, "a confirmation page by its place in sessions; right "
         "after POST / in 5 of 5 views; never a landing page; the last page of 5 of 5 sessions; "
         "a macro goal, as no purchase, lead or sign-up was found"),
    ]  # fmt: skip


def _funnel_steps(suggestion: Suggestion) -> list[tuple[list[str], tuple[int, ...]]]:
    return [([step.name for step in f.funnel.steps], f.reached) for f in suggestion.funnels]


def test_a_funnel_takes_no_ajax_tracking_or_untold_post_as_a_step(tmp_path: Path) -> None:
    """Every visit of a WordPress site posts to admin-ajax.php and fetches a statistics hit
    through wp-json; the newsletter form posts to /: none is a step people take to the
    contact (they were the funnel's first three steps)."""
    noise = ["/", "/wp-json/wp-statistics/v2/hit", "POST /wp-admin/admin-ajax.php"]
    log = _flows(
        tmp_path,
        [
            (5, [*noise, "/contact/", "POST /", "/contact/thanks/"]),
            (10, [*noise, "/blog/"]),
        ],
    )
    assert _funnel_steps(_suggest(str(log))) == [(["/", "/contact/", "contact_lead"], (15, 5, 5))]


def test_a_funnel_takes_no_api_call_or_login_as_a_step(tmp_path: Path) -> None:
    """A single-page app fetches its config from /api/v1/config and signs in through
    POST /api/v1/auth/login in every visit: no step of the way to the purchase. The post that
    pays, sent to the API too, is one."""
    start = ["/api/v1/config", "/login", "POST /api/v1/auth/login", "/app"]
    log = _flows(
        tmp_path,
        [
            (4, [*start, "/pricing", "POST /api/v1/billing/checkout", "/app/billing/success"]),
            (6, start),
        ],
    )
    assert _funnel_steps(_suggest(str(log))) == [
        (["/login", "/app", "/pricing", "POST /api/v1/billing/checkout", "purchase"],
         (10, 10, 4, 4, 4)),
    ]  # fmt: skip


@pytest.mark.parametrize("pricing", ["/pricing/api", "/pricing/plans"])
def test_a_page_named_api_is_a_page_as_any_other(pricing: str, tmp_path: Path) -> None:
    """The pricing of an API product, /pricing/api, is a pricing view and a step of the way to
    the sign-up, as /pricing/plans is: api ends its path (it was taken for a call, and the
    funnel lost it)."""
    blog = [(2, ["/", "/features", f"/blog/post-{n}"]) for n in range(5)]
    visit = ["/", "/features", pricing]
    log = _flows(tmp_path, [(4, [*visit, "POST /signup", "/signup/thank-you"]), (4, visit), *blog])
    suggestion = _suggest(str(log))
    assert _goals(suggestion) == [
        ("signup", "macro", 4, "a confirmation page by its name; right after POST /signup in 4 "
         "of 4 views; never a landing page; the last page of 4 of 4 sessions"),
        ("pricing_view", "micro", 8, "a pricing or plans page: interest in buying"),
    ]  # fmt: skip
    assert suggestion.goals[1].goal.destination == DestinationMatcher(
        StringMatcher("equals", pricing)
    )
    assert _funnel_steps(suggestion) == [
        (["/", "/features", pricing, "POST /signup", "signup"], (18, 18, 8, 4, 4))
    ]


def test_a_form_of_a_product_named_json_is_no_call(tmp_path: Path) -> None:
    """A post to /json-formatter/pro is a form of the JSON Formatter, whose thanks are a goal
    and whose page a step: json names the product, it is no folder a program is called under
    (the post was taken for an API call, the page of thanks for what one leads to)."""
    flow = ["/", "/json-formatter/", "POST /json-formatter/pro", "/thank-you"]
    suggestion = _suggest(str(_flows(tmp_path, [(4, flow), (3, ["/", "/about"])])))
    assert _goals(suggestion) == [
        ("conversion_thank_you", "macro", 4, "a confirmation page by its name; right after POST "
         "/json-formatter/pro in 4 of 4 views; never a landing page; the last page of 4 of 4 "
         "sessions"),
    ]  # fmt: skip
    assert _funnel_steps(suggestion) == [
        (["/", "/json-formatter/", "conversion_thank_you"], (7, 4, 4))
    ]


CALLS = (
    "/api/v1/billing/plans", "/API/v1/Plans", "/blog/wp-json/wp/v2/posts",
    "/wp-json/wp-statistics/v2/hit", "/wp-admin/admin-ajax.php", "/xmlrpc.php", "/wp-cron.php",
    "/graphql", "/app/graphql", "/v1/track", "/rpc", "/ajax/cart/*", "/products/shoe.json",
)  # fmt: skip
PAGES = (
    "/pricing/api", "/api", "/docs/api", "/docs/api/", "/api-docs/auth", "/track-order",
    "/ping-pong/checkout/thank-you", "/json-formatter/pricing", "/wp-admin/", "/wp-login.php",
    "/blog/ajax-tips",
)  # fmt: skip


@pytest.mark.parametrize(("path", "call"), [(p, True) for p in CALLS] + [(p, False) for p in PAGES])
def test_a_call_is_told_by_a_whole_segment_before_others_or_an_endpoint(
    path: str, call: bool
) -> None:
    """api, ajax, json and wp-admin are a call's folder when more segments follow; graphql,
    xmlrpc.php, track and the like are endpoints wherever they are; a word within a segment or
    a last api names a page."""
    assert is_call(path) is call


def test_registering_for_an_event_is_a_sign_up(tmp_path: Path) -> None:
    """POST /events/42/register is a sign-up, and the page of thanks after POST
    /report/download-request a conversion: events and report are no analytics endpoint where
    a goal word outweighs them or more segments follow (both were taken for no goals, and the
    site had none to propose)."""
    register = ["/", "/events", "/events/42", "POST /events/42/register"]
    report = ["/", "/report", "POST /report/download-request", "/report/thank-you"]
    log = _flows(tmp_path, [(5, register), (4, report), (3, ["/", "/about"])])
    assert _goals(_suggest(str(log))) == [
        ("signup", "macro", 5, "a form post to a signup path, answered below 400: 5 posts in 5 "
         "sessions"),
        ("conversion_report_thank_you", "macro", 4, "a confirmation page by its name; right "
         "after POST /report/download-request in 4 of 4 views; never a landing page; the last "
         "page of 4 of 4 sessions"),
    ]  # fmt: skip


NO_GOAL_POSTS = (
    "/login", "/wp-login.php", "/users/sign_in", "/log-in", "/api/v1/auth/logout",
    "/account/password/reset", "/signup/reset-password", "/forgot-password", "/oauth/token",
    "/track/signup", "/v1/track", "/beacon", "/admin/users/42", "/wp-admin/admin-ajax.php",
    "/blog/post-1/comment", "/orders/42/review", "/products/42/reviews", "/posts/42/vote",
    "/cart/remove", "/wishlist/add", "/events", "/v1/events", "/log", "/api/logs", "/collect",
    "/csp-report", "/session", "/auth/verify", "/api/x",
)  # fmt: skip
GOAL_POSTS = (
    "/events/42/register", "/ping-pong/contact", "/log-cabin/booking",
    "/report/download-request", "/reports/download-request", "/photo-session/booking",
    "/sessions/42/register", "/clear-aligners/booking", "/analytics/demo", "/track-order",
    "/api/v1/auth/signup", "/contact", "/events/42/rsvp",
)  # fmt: skip


@pytest.mark.parametrize(
    ("path", "no_goal"), [(p, True) for p in NO_GOAL_POSTS] + [(p, False) for p in GOAL_POSTS]
)
def test_a_post_is_no_goal_by_a_segment_made_of_its_words(path: str, no_goal: bool) -> None:
    """Signing in, password resets, tracking, admin, comments, reviews, votes and the cart's
    upkeep are no goals where a segment (a file's stem) is made of their words, whatever else
    the path says; events, log, report, session and the like where the last segment is and
    the path names no goal. A word within a segment names a page (ping-pong, log-cabin)."""
    assert is_no_goal_post(path) is no_goal
