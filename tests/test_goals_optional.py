"""A goals file without goals (README: Goals): one holding funnels, an ``exclude:`` section, or
both, reports what a run without goals reports (the summary, the traffic overview) plus the
funnels, with the exclusions applied; ``check``, ``alert``, ``--alerts`` and ``--history`` say
what such a file holds or lacks.

``SIX_LINES`` is a log of three visitors (Firefox each), counted by hand:

====  ==============  ========  =============  =====================================
line  address         time      request        what it is
====  ==============  ========  =============  =====================================
1     198.51.100.20   09:00:00  GET /          session A, a page
2     198.51.100.20   09:01:00  GET /products/1  session A, step 1 of ``buy``
3     198.51.100.20   09:01:30  GET /cart      session A, step 2 of ``buy`` (30 s later)
4     192.0.2.44      09:03:00  GET /products/1  session B, step 1 of ``buy``, a bounce
5     203.0.113.9     09:04:00  GET /products/1  the owner: excluded
6     203.0.113.9     09:05:00  GET /cart      the owner: excluded
====  ==============  ========  =============  =====================================

With ``exclude: {ips: [203.0.113.9]}``: 2 excluded lines and 4 pages; 2 visitors, 2 sessions, 4
pageviews; session B bounces (1 of 2: 50%); A lasts 90 s and B 0 s (45 s on average). The
funnel ``buy`` (``/products/1`` then ``/cart``) is entered by both sessions and completed by A:
step 1 reached 2, dropped 1 (50%); step 2 reached 1 (50% from the start and from step 1), 30 s
after step 1, dropped 0. Without the exclusion the owner's session would complete it too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from micromacro.cli import cli
from tests.helpers import combined_line

SIX_LINES = "".join(
    combined_line(target, ip=ip, time=f"02/Nov/2026:{time} +0100") + "\n"
    for ip, time, target in [
        ("198.51.100.20", "09:00:00", "/"),
        ("198.51.100.20", "09:01:00", "/products/1"),
        ("198.51.100.20", "09:01:30", "/cart"),
        ("192.0.2.44", "09:03:00", "/products/1"),
        ("203.0.113.9", "09:04:00", "/products/1"),
        ("203.0.113.9", "09:05:00", "/cart"),
    ]
)
FUNNEL = "funnels:\n  - name: buy\n    steps: [/products/1, /cart]\n"
OWNER = "exclude:\n  ips: [203.0.113.9]\n"
NO_GOALS_NOTE = "No goals defined: the goals file has no goals: list (see goals.example.yaml)."
FUNNEL_TITLE = (
    "Funnel 'buy' (sessions, closed, ordered): 2 entered, 1 completed (50.0%), "
    "0 of 2 sessions never entered"
)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- an event export with a source: and funnels, no goals ---------------------------------------


def test_an_export_without_goals_shows_its_funnels(tmp_path: Path) -> None:
    """Sessions A and B of ``SIX_LINES`` as an export's rows (no owner: an export maps no
    address): the funnel is shown after the note that the file has no goals."""
    export = write(
        tmp_path,
        "events.csv",
        "t,u,p\n2026-11-02T08:00:00Z,a,/\n2026-11-02T08:01:00Z,a,/products/1\n"
        "2026-11-02T08:01:30Z,a,/cart\n2026-11-02T08:03:00Z,b,/products/1\n",
    )
    goals = write(tmp_path, "goals.yaml", "source: {timestamp: t, user_id: u, path: p}\n" + FUNNEL)
    result = invoke("report", export, "--goals", goals, "--no-cache", "--quiet")
    assert (result.exit_code, result.stderr) == (0, "")
    assert f"Goals\n{NO_GOALS_NOTE}\n\n{FUNNEL_TITLE}\n" in result.stdout


# --- an access log with a goals file of funnels and exclusions, no goals ---------------------


def six_line_run(tmp_path: Path, *args: str, goals: str = FUNNEL + OWNER) -> Result:
    """``report SIX_LINES --goals goals.yaml ARGS`` (the goals file ``goals``), --quiet."""
    log = write(tmp_path, "six.log", SIX_LINES)
    path = write(tmp_path, "goals.yaml", goals)
    return invoke("report", log, "--goals", path, "--no-cache", "--quiet", *args)


def test_the_json_report_has_the_funnel_and_no_goals(tmp_path: Path) -> None:
    result = six_line_run(tmp_path, "--format", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    report = json.loads(result.stdout)
    assert report["goals"] == []
    assert report["micro_macro"] == []
    assert (report["input"]["excluded"], report["input"]["page"]) == (2, 4)
    summary = report["summary"]
    assert (summary["visitors"], summary["sessions"], summary["pageviews"]) == (2, 2, 4)
    assert (summary["bounce_rate"], summary["avg_session_duration_s"]) == (0.5, 45.0)
    assert (summary["macro_sessions"], summary["macro_conversion_rate"]) == (0, None)
    assert report["funnels"] == [
        {
            "name": "buy",
            "scope": "session",
            "entry": "closed",
            "order": "ordered",
            "within_s": None,
            "within_step_s": None,
            "units": 2,
            "entered": 2,
            "never_entered": 0,
            "completed": 1,
            "conversion_rate": 0.5,
            "steps": [
                {
                    "step": 1,
                    "name": "/products/1",
                    "reached": 2,
                    "entrances": 2,
                    "dropped": 1,
                    "drop_off_rate": 0.5,
                    "conversion_from_start": 1.0,
                    "conversion_from_previous": None,
                    "median_time_from_previous_s": None,
                },
                {
                    "step": 2,
                    "name": "/cart",
                    "reached": 1,
                    "entrances": 0,
                    "dropped": 0,
                    "drop_off_rate": 0.0,
                    "conversion_from_start": 0.5,
                    "conversion_from_previous": 0.5,
                    "median_time_from_previous_s": 30.0,
                },
            ],
        }
    ]
    pages = [(row["path"], row["pageviews"]) for row in report["traffic"]["pages"]]
    assert pages == [("/products/1", 2), ("/", 1), ("/cart", 1)]


def test_the_terminal_report_notes_no_goals_then_shows_the_funnel(tmp_path: Path) -> None:
    result = six_line_run(tmp_path)
    assert (result.exit_code, result.stderr) == (0, "")
    assert f"Goals\n{NO_GOALS_NOTE}\n\n{FUNNEL_TITLE}\n" in result.stdout
    assert "Pages: top 3 of 3, by pageviews" in result.stdout


def test_the_markdown_report_has_the_funnel_steps(tmp_path: Path) -> None:
    result = six_line_run(tmp_path, "--format", "markdown")
    assert (result.exit_code, result.stderr) == (0, "")
    assert (
        f"## Goals\n\n{NO_GOALS_NOTE}\n\n## {FUNNEL_TITLE}\n\n"
        "| Step | Name | Reached | Dropped | Drop-off | From start | From previous "
        "| Median time from previous |\n"
        "| ---: | :--- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        "| 1 | /products/1 | 2 | 1 | 50.0% | 100.0% | n/a | n/a |\n"
        "| 2 | /cart | 1 | 0 | 0.0% | 50.0% | 50.0% | 30s |\n"
    ) in result.stdout


def test_the_csv_funnels_table(tmp_path: Path) -> None:
    result = six_line_run(tmp_path, "--format", "csv", "--table", "funnels")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "funnel,step,step_name,reached,entrances,dropped,drop_off_rate,conversion_from_start,"
        "conversion_from_previous,median_time_from_previous_s\n"
        "buy,1,/products/1,2,2,1,0.5,1.0,,\n"
        "buy,2,/cart,1,0,0,0.0,0.5,0.5,30.0\n"
    )


def test_the_html_report_has_the_funnel(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = six_line_run(tmp_path, "--format", "html", "--output", str(page))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    html = page.read_text(encoding="utf-8")
    assert NO_GOALS_NOTE in html
    assert FUNNEL_TITLE.replace("'", "&#39;") in html


def test_alert_rules_of_a_file_without_goals(tmp_path: Path) -> None:
    """The funnel's completion (1 of 2: 50%) is below 60%, the owner's 2 lines are above 1; the
    2 sessions are not below 2."""
    rules = (
        "alerts:\n"
        "  - {name: leak, metric: funnels.buy.conversion_rate, below: 60%}\n"
        "  - {name: own, metric: input.excluded, above: 1}\n"
        "  - {name: quiet, metric: summary.sessions, below: 2}\n"
    )
    log = write(tmp_path, "six.log", SIX_LINES)
    path = write(tmp_path, "goals.yaml", FUNNEL + OWNER + rules)
    day = ("--since", "2026-11-02", "--until", "2026-11-02")
    result = invoke("alert", log, "--goals", path, "--no-cache", *day)
    assert (result.exit_code, result.stderr) == (3, "")
    assert result.stdout == (
        "leak: funnels.buy.conversion_rate = 50.00% in 2 Nov 2026 is below 60.00%\n"
        "own: input.excluded = 2 in 2 Nov 2026 is above 1\n"
    )
    report = six_line_run(tmp_path, "--alerts", *day, goals=FUNNEL + OWNER + rules)
    assert (report.exit_code, report.stderr) == (3, "")
    assert "Alerts: 2 of 3 fired" in report.stdout


def test_a_rule_on_the_ladder_of_a_file_without_goals_is_refused_at_load(tmp_path: Path) -> None:
    """Every visitor is ``no_value_yet`` without goals: ``customers.share`` (0) below 1% would
    fire on every run of a cron job, exit 3; the file is refused instead, by every command."""
    rules = "alerts:\n  - {name: buyers, metric: ladder.customers.share, below: 1%}\n"
    path = write(tmp_path, "goals.yaml", FUNNEL + OWNER + rules)
    log = write(tmp_path, "six.log", SIX_LINES)
    problem = (
        f"micromacro: error: {path}:7:28: metric 'ladder.customers.share': the goals file has no "
        "goals, so the engagement ladder puts every visitor at no_value_yet (add a goals: list) "
        "in alert 'buyers'\n"
    )
    for args in (["check", path], ["alert", log, "--goals", path, "--no-cache"]):
        result = invoke(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", problem)


# --- check ---------------------------------------------------------------------------------------


def test_check_counts_what_a_file_without_goals_holds(tmp_path: Path) -> None:
    """No "(0 macro, 0 micro)" after "0 goals": there are no goals to split."""
    path = write(tmp_path, "goals.yaml", FUNNEL + OWNER)
    result = invoke("check", path)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        f"{path}: OK, 0 goals, 1 funnel, 1 excluded network\n",
        "",
    )
    paths = write(tmp_path, "paths.yaml", "exclude:\n  paths: [/health, {begins_with: /wp-}]\n")
    result = invoke("check", paths)
    assert (result.exit_code, result.stdout) == (0, f"{paths}: OK, 0 goals, 2 excluded paths\n")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param(
            "alerts:\n  - {name: quiet, metric: summary.sessions, below: 1}\n",
            "1:1: missing key 'goals' at the top level (expected a list of goals; without one, "
            "a funnel under funnels: or an address or path under exclude:)",
            id="alerts alone",
        ),
        pytest.param(
            "# nothing yet\n",
            "1:1: the goals file is empty "
            "(expected a mapping with a 'goals' list, 'funnels', 'exclude' or 'source')",
            id="empty",
        ),
    ],
)
def test_check_says_what_a_file_lacks(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, "goals.yaml", text)
    result = invoke("check", path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"micromacro: error: {path}:{problem}\n"


# --- report options that need goals -------------------------------------------------------------


def test_history_needs_goals_and_says_the_file_has_none(tmp_path: Path) -> None:
    """A history row is a goal's: a file of funnels and exclusions has none to write, and the
    error names the file rather than saying there is no goals file."""
    history = tmp_path / "history.csv"
    result = six_line_run(tmp_path, "--history", str(history))
    path = tmp_path / "goals.yaml"
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        f"micromacro: error: --history writes a row per goal, and {path} has no goals "
        "(add a goals: list)\n",
    )
    assert not history.exists()


@pytest.mark.parametrize(
    ("goals", "hint"),
    [
        pytest.param(FUNNEL + OWNER, " (pass --table funnels for its funnels)", id="funnels"),
        pytest.param(OWNER, "", id="exclusions alone"),
    ],
)
def test_the_csv_goals_table_is_its_header_and_a_warning_says_why(
    tmp_path: Path, goals: str, hint: str
) -> None:
    log = write(tmp_path, "six.log", SIX_LINES)
    path = write(tmp_path, "goals.yaml", goals)
    result = invoke("report", log, "--goals", path, "--no-cache", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.startswith("name,kind,category,type,count,conversions,")
    assert result.stdout.count("\n") == 1
    warning = f"micromacro: warning: --table goals is empty: {path} has no goals{hint}\n"
    assert warning in result.stderr


@pytest.mark.parametrize(
    ("args", "header", "why"),
    [
        pytest.param(
            ["--table", "micro_macro"], "goal,visitors_with,", "is empty: {} has no goals", id="mm"
        ),
        pytest.param(
            ["--table", "experiment", "--by", "channel", "--baseline", "Direct"],
            "variant,sessions,goal,",
            "is empty: {} has no goals",
            id="experiment",
        ),
        pytest.param(
            ["--format", "tsv", "--table", "funnels"],
            "funnel\tstep\t",
            "is empty: {} has no funnels",
            id="funnels",
        ),
        pytest.param(
            ["--table", "alerts"],
            "name,metric,condition,",
            "is empty without --alerts: pass --alerts to check a goals file's alerts: list",
            id="alerts",
        ),
    ],
)
def test_every_csv_table_a_file_of_exclusions_leaves_empty_says_why(
    tmp_path: Path, args: list[str], header: str, why: str
) -> None:
    """The exclusions alone: no goal, no funnel, no rule; each such table is its header, with
    one warning."""
    log = write(tmp_path, "six.log", SIX_LINES)
    path = write(tmp_path, "goals.yaml", OWNER)
    result = invoke("report", log, "--goals", path, "--no-cache", "--format", "csv", *args)
    assert result.exit_code == 0
    assert result.stdout.startswith(header)
    assert result.stdout.count("\n") == 1
    table = args[args.index("--table") + 1]
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == [f"micromacro: warning: --table {table} {why.format(path)}"]


def test_the_csv_ladder_of_a_file_without_goals_warns_that_it_counts_no_goal(
    tmp_path: Path,
) -> None:
    """The ladder is not empty: its 2 visitors (the owner excluded) are both ``no_value_yet``,
    which is all it can say without goals."""
    log = write(tmp_path, "six.log", SIX_LINES)
    path = write(tmp_path, "goals.yaml", FUNNEL + OWNER)
    result = invoke(
        "report", log, "--goals", path, "--no-cache", "--format", "csv", "--table", "ladder"
    )
    assert (result.exit_code, result.stdout) == (
        0,
        "step,visitors,share\ncustomers,0,0.0\npotential_customers,0,0.0\nno_value_yet,2,1.0\n",
    )
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"micromacro: warning: --table ladder counts no goal: {path} has no goals, so every "
        "visitor is no_value_yet"
    ]
