"""The command line, end to end, over hand-counted fixtures.

tests/fixtures/shop.log (22 lines), worked out by hand:

    A  visitor V1 (Firefox)  09:00:00–09:08:01  481 s  pages /, /products/tent-2p, /cart,
       /checkout, /checkout/thank-you (5); events: 2 × POST /cart/add, POST /checkout/place-order
    B  visitor V1            10:08:01            0 s   /blog/trip (60 min after A: new session)
    C  visitor V2 (iPhone)   09:10:00–09:42:01  1921 s pages /contact, /contact/thanks, /about
       (the last exactly 30 min after the one before: same session); events: size-guide.pdf,
       POST /contact
    D  visitor V3 (Chrome)   09:20:00–09:21:00  60 s   /products/boots (304); POST /newsletter/…
    Not counted: static css, Googlebot, a 301, a 404, a HEAD, and a "-" request (malformed).

    sessions 4, visitors 3, pageviews 10, events 6, bounces 1 (B), durations 481+0+1921+60
    purchase A · contact_lead C · add_to_cart A (2 hits, count: every) · checkout_started A ·
    newsletter_signup D · size_guide_download C · long_visit (> 5 min) A, C · engaged (> 4 pages) A
    GA4's engaged sessions 3/4: A, C and D last 10 s or more (A and C have 2 pages or more too);
    B is one page of 0 s that converts no macro goal
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from micromacro import commands
from micromacro.cli import cli
from micromacro.environment import Environment
from micromacro.text import inert
from tests.helpers import SharedBuilds

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = str(FIXTURES / "shop.log")
GOALS = str(FIXTURES / "shop_goals.yaml")
HOSTILE = str(FIXTURES / "hostile.log")


def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin, env=env)


def report(*args: str, stdin: bytes | None = None) -> Result:
    return run("report", *args, stdin=stdin)


def shop_json(*extra: str) -> dict[str, object]:
    result = report(SHOP, "--goals", GOALS, "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --- the numbers -------------------------------------------------------------------------------


def test_input_summary_counts_every_line_once() -> None:
    assert shop_json()["input"] == {
        "lines": 22,
        "files": 1,
        "format": "combined",
        "malformed": 1,
        "bot": 1,
        "static": 1,
        "error": 1,
        "request": 5,
        "redirect": 1,
        "other_method": 1,
        "download": 1,
        "page": 10,
        "variants": {"combined": 21},  # every line but the malformed one
    }


def test_summary_figures() -> None:
    assert shop_json()["summary"] == {
        "visitors": 3,
        "sessions": 4,
        "pageviews": 10,
        "events": 6,
        "bounce_rate": 0.25,
        "avg_session_duration_s": (481 + 0 + 1921 + 60) / 4,
        "pages_per_session": 2.5,
        "macro_sessions": 2,
        "macro_conversion_rate": 0.5,
        "micro_sessions": 3,
        "micro_conversion_rate": 0.75,
        # A purchase at 60 and a contact lead at 25, over 4 sessions: 85, 21.25 a session.
        "macro_revenue": 85.0,
        "macro_revenue_per_session": 21.25,
        "currency": None,
        "macro_revenue_by_currency": [{"currency": None, "revenue": 85.0}],
        "engaged_sessions": 3,
        "engagement_rate": 0.75,
    }


def test_goal_figures() -> None:
    goals = {g["name"]: g for g in shop_json()["goals"]}  # type: ignore[union-attr]
    table = {
        name: (g["conversions"], g["converting_sessions"], g["conversion_rate"], g["visitors"])
        for name, g in goals.items()
    }
    assert table == {
        "purchase": (1, 1, 0.25, 1),
        "contact_lead": (1, 1, 0.25, 1),
        "add_to_cart": (2, 1, 0.25, 1),
        "checkout_started": (1, 1, 0.25, 1),
        "newsletter_signup": (1, 1, 0.25, 1),
        "size_guide_download": (1, 1, 0.25, 1),
        "long_visit": (2, 2, 0.5, 2),
        "engaged_visit": (1, 1, 0.25, 1),
    }
    purchase = goals["purchase"]
    assert purchase["value"] == 60.0
    assert goals["contact_lead"]["value"] == 25.0
    assert goals["add_to_cart"]["value"] is None
    assert purchase["visitor_conversion_rate"] == pytest.approx(1 / 3)
    # Wilson 95% interval of 1/4 (textbook value: 0.0456 to 0.6994)
    assert purchase["conversion_rate_ci_low"] == pytest.approx(0.04559, abs=1e-4)
    assert purchase["conversion_rate_ci_high"] == pytest.approx(0.69936, abs=1e-4)
    assert (purchase["kind"], purchase["category"], purchase["type"]) == (
        "macro",
        None,
        "destination",
    )
    assert goals["add_to_cart"]["category"] == "process_milestone"


def test_a_shorter_session_timeout_splits_the_thirty_minute_gap() -> None:
    summary = shop_json("--session-timeout", "10m")["summary"]
    assert (summary["sessions"], summary["visitors"]) == (5, 3)  # type: ignore[index]


def test_include_flags_count_more_hits() -> None:
    data = shop_json("--include-bots", "--include-static")
    assert data["input"]["page"] == 12  # type: ignore[index]
    assert data["summary"]["visitors"] == 4  # type: ignore[index]


def test_since_and_until_drop_hits_outside_the_period() -> None:
    data = shop_json("--since", "2026-11-02T09:10", "--until", "2026-11-02T10:00")
    assert data["input"]["out_of_period"] == 10  # type: ignore[index]
    counts = {k: v for k, v in data["input"].items() if k not in ("lines", "files", "format")}  # type: ignore[union-attr]
    assert sum(v for k, v in counts.items() if k != "variants") == 22
    assert (
        data["period"].items()
        >= {
            "start": "2026-11-02T08:10:00Z",
            "end": "2026-11-02T09:00:00Z",
        }.items()
    )


# --- output formats ----------------------------------------------------------------------------

GOALS_CSV_HEADER = (
    "name,kind,category,type,count,conversions,converting_sessions,conversion_rate,"
    "conversion_rate_ci_low,conversion_rate_ci_high,visitors,visitor_conversion_rate,"
    "visitor_conversion_rate_ci_low,visitor_conversion_rate_ci_high,value,revenue,"
    "revenue_per_session,revenue_per_visitor,currency"
)


def test_csv_goals_table_is_the_default() -> None:
    result = report(SHOP, "--goals", GOALS, "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0] == GOALS_CSV_HEADER
    assert len(lines) == 9
    assert lines[1].startswith("purchase,macro,,destination,once_per_session,1,1,0.25,")
    assert lines[1].endswith(",60.0,60.0,15.0,20.0,")  # 4 sessions, 3 visitors
    assert lines[3].startswith("add_to_cart,micro,process_milestone,event,every,2,1,0.25,")


def test_csv_summary_and_input_tables() -> None:
    summary = report(SHOP, "--goals", GOALS, "--format", "csv", "--table", "summary").stdout
    assert summary == (
        "visitors,sessions,pageviews,events,bounce_rate,avg_session_duration_s,"
        "pages_per_session,macro_sessions,macro_conversion_rate,micro_sessions,"
        "micro_conversion_rate,engaged_sessions,engagement_rate,macro_revenue,"
        "macro_revenue_per_session,currency\n"
        "3,4,10,6,0.25,615.5,2.5,2,0.5,3,0.75,3,0.75,85.0,21.25,\n"
    )
    table = report(SHOP, "--goals", GOALS, "--format", "tsv", "--table", "input").stdout
    assert table.splitlines()[:3] == ["bucket\tlines\tshare", "malformed\t1\t0.045454545454545456",
                                      "bot\t1\t0.045454545454545456"]  # fmt: skip


def _table_warnings(result: Result) -> list[str]:
    """The warnings of ``result`` about the CSV table it wrote (shop.log has a malformed line,
    which is warned of too)."""
    return [line for line in result.stderr.splitlines() if line.startswith(TABLE_WARNING)]


TABLE_WARNING = "micromacro: warning: --table "
MICRO_GOAL_ONLY = "goals:\n  - {name: cart, kind: micro, destination: {equals: /cart}}\n"
MACRO_GOAL_ONLY = "goals:\n  - {name: buy, kind: macro, destination: /checkout/thank-you}\n"
A_RULE = "alerts:\n  - {name: quiet, metric: summary.sessions, below: 1}\n"


@pytest.mark.parametrize(
    ("goals", "args", "warning"),
    [
        pytest.param(
            None, ["--table", "funnels"], "funnels is empty: {} has no funnels", id="no funnel"
        ),
        pytest.param(
            MICRO_GOAL_ONLY,
            ["--table", "micro_macro"],
            "micro_macro is empty: {} has no macro goal",
            id="no macro goal",
        ),
        pytest.param(
            MACRO_GOAL_ONLY,
            ["--format", "tsv", "--table", "micro_macro"],
            "micro_macro is empty: {} has no micro goal",
            id="no micro goal",
        ),
        pytest.param(
            None,
            ["--table", "experiment", "--by", "channel"],
            "experiment is empty without --baseline: pass --baseline VALUE (the value of --by "
            "channel the others are compared with)",
            id="no baseline",
        ),
        pytest.param(
            MACRO_GOAL_ONLY + A_RULE,
            ["--table", "alerts"],
            "alerts is empty without --alerts: pass --alerts to check {}'s alert rules",
            id="no --alerts",
        ),
    ],
)
def test_a_csv_table_the_goals_file_or_options_leave_empty_says_why(
    tmp_path: Path, goals: str | None, args: list[str], warning: str
) -> None:
    """The table is its header alone whatever shop.log holds, and one warning says why."""
    path = GOALS
    if goals is not None:
        path = str(tmp_path / "goals.yaml")
        Path(path).write_text(goals, encoding="utf-8")
    result = report(SHOP, "--goals", path, "--format", "csv", *args)
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1
    assert _table_warnings(result) == [TABLE_WARNING + warning.format(path)]


@pytest.mark.parametrize("onto", ["the log", "the history"])
def test_an_output_refused_is_told_alone_before_the_empty_table_warning(
    tmp_path: Path, onto: str
) -> None:
    """``--table funnels`` with a goals file of no funnel warns that the table is empty, but
    ``--output`` onto a file the run reads, or onto its ``--history`` file, is a usage error,
    which comes alone."""
    log = tmp_path / "in.log"
    log.write_bytes(Path(SHOP).read_bytes())
    goals = tmp_path / "goals.yaml"
    goals.write_text(MACRO_GOAL_ONLY, encoding="utf-8")
    history = tmp_path / "history.csv"
    output = log if onto == "the log" else history
    result = report(
        str(log), "--goals", str(goals), "--format", "csv", "--table", "funnels",
        "--history", str(history), "-o", str(output),
    )  # fmt: skip
    assert result.exit_code == 2
    problem = "this run reads it" if onto == "the log" else "it is the --history file"
    assert result.stderr == f"micromacro: error: --output {output}: {problem}: name another file\n"
    assert log.read_bytes() == Path(SHOP).read_bytes()
    assert not history.exists()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["report", "--format", "json", "--csv-raw", "--wide", "--table", "goals",
             "--baseline", "A"],
            "--baseline needs --by (the dimension that holds the variants)",
        ),
        (
            ["report", "--format", "json", "--csv-raw", "--cache", "c", "--no-cache"],
            "--cache and --no-cache: give one of them",
        ),
        (
            ["hits", "--format", "ndjson", "--csv-raw", "-o", SHOP],
            f"--output {SHOP}: this run reads it: name another file",
        ),
    ],
)  # fmt: skip
def test_a_usage_error_comes_alone_before_the_warnings_of_options_unused(
    args: list[str], error: str
) -> None:
    """``--csv-raw``, ``--wide`` and ``--table`` given to another format are warned of, but a
    usage error found after them comes alone: the run does nothing else."""
    command, *rest = args
    result = CliRunner().invoke(cli, [command, SHOP, *rest])
    assert result.exit_code == 2
    assert result.stderr == f"micromacro: error: {error}\n"


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        pytest.param(
            "goals: [\n",
            [],
            "error: {}:2:1: invalid YAML: expected the node content, but found '<stream end>' "
            "(while parsing a flow node at line 2, column 1)",
            id="an error in the file",
        ),
        pytest.param(
            MACRO_GOAL_ONLY,
            ["--format", "csv", "--table", "funnels"],
            "warning: --table funnels is empty: {} has no funnels",
            id="an empty table",
        ),
    ],
)
def test_a_goals_file_name_holding_a_byte_not_utf8_is_shown_as_elsewhere(
    tmp_path: Path, text: str, args: list[str], message: str
) -> None:
    """The byte 0x85 of the goals file's name is written ``\\x85``, as every file name is."""
    goals = os.path.join(str(tmp_path), "bad\udc85.yaml")
    Path(goals).write_text(text, encoding="utf-8")
    result = report(SHOP, "--goals", goals, *args)
    shown = str(tmp_path) + "/bad\\x85.yaml"
    # The message, and no other naming the goals file (shop.log has a malformed line too).
    named = [line for line in result.stderr.splitlines() if "bad" in line]
    assert named == ["micromacro: " + message.format(shown)]


def test_shared_builds_build_again_a_log_rewritten_or_read_from_another_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commands sharing builds (``SharedBuilds``) with equal options read the log again when it
    was rewritten, or when its relative name is read from another working directory."""
    SharedBuilds().share(monkeypatch)

    def line(ip: str) -> str:
        return f'{ip} - - [02/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0"\n'

    def visitors() -> str:
        result = report("in.log", "--format", "csv", "--table", "summary", "--no-cache", "-q")
        assert result.exit_code == 0, result.stderr
        return result.stdout.splitlines()[1].split(",")[0]

    one, other = tmp_path / "one", tmp_path / "other"
    one.mkdir()
    other.mkdir()
    (one / "in.log").write_text(line("203.0.113.1"))
    (other / "in.log").write_text(line("203.0.113.1") + line("203.0.113.2"))
    monkeypatch.chdir(one)
    assert visitors() == "1"
    (one / "in.log").write_text(line("203.0.113.1") + line("203.0.113.2") + line("203.0.113.3"))
    assert visitors() == "3"
    monkeypatch.chdir(other)
    assert visitors() == "2"


def test_without_a_goals_file_only_the_alerts_table_warns() -> None:
    """The note that the report is of traffic only says why the goals and funnels tables are
    empty; the alerts table is empty for want of --alerts, and a goals file's rules."""
    result = report(SHOP, "--format", "csv", "--table", "alerts")
    assert (result.exit_code, result.stdout.count("\n")) == (0, 1)
    assert _table_warnings(result) == [
        f"{TABLE_WARNING}alerts is empty without --alerts: pass --alerts to check a goals "
        "file's alerts: list"
    ]
    for table in ("goals", "funnels", "micro_macro"):
        result = report(SHOP, "--format", "csv", "--table", table)
        assert "micromacro: no goals file: reporting traffic only" in result.stderr
        assert _table_warnings(result) == []


def test_a_usage_error_comes_without_a_warning_about_the_table() -> None:
    """--baseline without --by is refused: the experiment table it would have left empty is
    never written, and is not warned of."""
    result = report(SHOP, "--format", "csv", "--table", "experiment", "--baseline", "A")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        "micromacro: error: --baseline needs --by (the dimension that holds the variants)\n",
    )


def test_markdown_report() -> None:
    result = report(SHOP, "--goals", GOALS, "--format", "markdown")
    assert result.exit_code == 0
    assert "## Goals" in result.stdout
    assert "| purchase | macro | – | destination | 1 | 1 | 25.0% | 1 | 33.3% | 60.00 |" in (
        result.stdout
    )


def test_table_output_when_piped_is_plain_and_complete() -> None:
    result = report(SHOP, "--goals", GOALS)
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout
    assert "size_guide_download" in result.stdout
    assert "Input: 22 lines in 1 file (combined format)" in result.stdout
    assert "Macro conversion rate" in result.stdout
    assert "50.0%" in result.stdout
    assert "input:" not in result.stderr  # the table itself shows the input summary


def test_non_table_formats_put_the_input_summary_on_stderr() -> None:
    result = report(SHOP, "--goals", GOALS, "--format", "json")
    assert "micromacro: input: 22 lines (malformed 1, bot 1," in result.stderr
    assert "tests/fixtures/shop.log:18: malformed line" in result.stderr.replace(os.sep, "/")
    assert "log format: combined (detected: 21 of 22 sample lines parsed)" in result.stderr


def test_quiet_keeps_stderr_empty() -> None:
    result = report(SHOP, "--goals", GOALS, "--format", "json", "--quiet")
    assert result.exit_code == 0
    assert result.stderr == ""


def _run_with_terminal(no_color: bool) -> str:
    out, err = io.StringIO(), io.StringIO()
    environment = Environment(
        stdin=io.BytesIO(), stdout=out, stderr=err, stdout_isatty=True, no_color=no_color
    )
    result = CliRunner().invoke(cli, ["report", SHOP, "--goals", GOALS], obj=environment)
    assert result.exit_code == 0, result.output
    return out.getvalue()


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    assert "\x1b[" in _run_with_terminal(no_color=False)
    assert "\x1b[" not in _run_with_terminal(no_color=True)


def test_a_small_input_writes_nothing_to_a_terminal_stderr() -> None:
    """The progress bar is for inputs of 64 MB or more: below, a terminal's stderr gets only
    the messages, not even the codes that hide and show the cursor; above, the bar is drawn
    while the input is read and its line cleared at the end."""
    err = io.StringIO()
    environment = Environment(stdin=io.BytesIO(), stdout=io.StringIO(), stderr=err,
                              stderr_isatty=True)  # fmt: skip
    result = CliRunner().invoke(cli, ["report", SHOP, "--format", "json"], obj=environment)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in err.getvalue()
    large = Environment(stdout=io.StringIO(), stderr=io.StringIO(), stderr_isatty=True)
    with large.progress() as advance:
        assert advance is not None
        advance(1 << 20, 100 << 20)
        assert "Reading logs" in large.stderr.getvalue()
    assert "\x1b[?25h" in large.stderr.getvalue().rsplit("Reading logs", 1)[1]  # cursor back


def test_no_color_environment_variable() -> None:
    assert Environment(stdout=io.StringIO(), stderr=io.StringIO()).no_color is (
        bool(os.environ.get("NO_COLOR"))
    )


def test_output_file_is_written_and_stdout_stays_empty(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    result = report(SHOP, "--goals", GOALS, "--format", "csv", "--output", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert target.read_text().splitlines()[0] == GOALS_CSV_HEADER
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]  # no temporary file left


@pytest.mark.parametrize("command", ["report", "hits", "suggest"])
def test_output_dash_is_stdout(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-o -`` writes to stdout, as an input ``-`` reads stdin: no file called ``-`` appears
    where the job runs; ``./-`` names one."""
    log = str(Path(__file__).parent.parent / "sample_logs" / "access.log")
    monkeypatch.chdir(tmp_path)
    to_stdout = CliRunner().invoke(cli, [command, log, "-q", "-o", "-"])
    assert to_stdout.exit_code == 0, to_stdout.stderr
    plain = CliRunner().invoke(cli, [command, log, "-q"])
    assert to_stdout.stdout == plain.stdout != ""
    assert list(tmp_path.iterdir()) == []
    to_file = CliRunner().invoke(cli, [command, log, "-q", "-o", "./-"])
    assert (to_file.exit_code, to_file.stdout) == (0, "")
    assert (tmp_path / "-").read_text() == plain.stdout


def test_output_into_a_missing_directory_exits_1_with_one_line(tmp_path: Path) -> None:
    target = str(tmp_path / "nope" / "r.csv")
    result = report(SHOP, "--output", target, "--format", "csv", "--quiet")
    assert result.exit_code == 1
    assert "cannot write" in result.stderr
    assert result.stderr.count("\n") == 1


# --- inputs ------------------------------------------------------------------------------------


def test_stdin_and_gzip_give_the_same_report(tmp_path: Path) -> None:
    raw = Path(SHOP).read_bytes()
    piped = report("-", "--goals", GOALS, "--format", "json", stdin=raw)
    compressed = tmp_path / "shop.log.gz"
    compressed.write_bytes(gzip.compress(raw))
    zipped = report(str(compressed), "--goals", GOALS, "--format", "json")
    assert piped.exit_code == zipped.exit_code == 0
    assert json.loads(piped.stdout) == json.loads(zipped.stdout) == shop_json()


def test_several_files_and_a_glob_add_up(tmp_path: Path) -> None:
    lines = Path(SHOP).read_text().splitlines(keepends=True)
    (tmp_path / "access.log.1").write_text("".join(lines[:11]))
    (tmp_path / "access.log").write_text("".join(lines[11:]))
    result = report(str(tmp_path / "access.log*"), "--goals", GOALS, "--format", "json")
    data = json.loads(result.stdout)
    assert data["input"]["files"] == 2
    assert data["summary"] == shop_json()["summary"]


def test_an_empty_log_is_a_report_of_zeros(tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_text("")
    result = report(str(empty), "--goals", GOALS, "--format", "json")
    assert result.exit_code == 0
    assert "warning: the input is empty" in result.stderr
    data = json.loads(result.stdout)
    assert data["input"]["lines"] == 0
    assert data["summary"]["sessions"] == 0
    assert data["summary"]["macro_conversion_rate"] == 0.0
    assert [g["conversions"] for g in data["goals"]] == [0] * 8


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: str(d / "missing.log"), "missing.log: no such file"),
        (lambda d: str(d), "is a directory"),
    ],
)
def test_unreadable_inputs_exit_1_with_one_line(tmp_path: Path, make: object, message: str) -> None:
    result = report(make(tmp_path))  # type: ignore[operator]
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("micromacro: error: ")


def test_corrupt_gzip_exits_1_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "access.log.gz"
    broken.write_bytes(gzip.compress(Path(SHOP).read_bytes())[:-40])
    result = report(str(broken))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"micromacro: error: {broken}: cannot decompress")
    assert "Traceback" not in result.stderr


def test_a_log_in_neither_format_exits_1_and_suggests_log_format(tmp_path: Path) -> None:
    other = tmp_path / "app.log"
    other.write_text('{"level": "info", "msg": "started"}\n' * 5)
    result = report(str(other))
    assert result.exit_code == 1
    assert "cannot recognise the log format: no format reads any of the 5 sample lines" in (
        result.stderr
    )
    assert "(lines read: clf 0, alb 0, elb 0, haproxy 0, " in result.stderr
    assert ", json 0, logfmt 0, ltsv 0); first line" in result.stderr
    assert f'first line {other}:1: {{"level": "info", "msg": "started"}}' in result.stderr
    # A logger's own message: the log may be read still (Caddy's own messages come first).
    assert result.stderr.endswith("; name it with --log-format (see micromacro formats)\n")


def test_a_line_of_brackets_nested_too_deep_for_json_is_no_internal_error(tmp_path: Path) -> None:
    log = tmp_path / "deep.log"
    log.write_text("[" * 50_000 + "\n")
    result = report(str(log))
    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    assert result.stderr.endswith("; name it with --log-format (see micromacro formats)\n")


@pytest.mark.parametrize(
    ("lines", "advice"),
    [
        # Vercel's log drain: a time, but the request under proxy, whose keys the json reader
        # does not read.
        (
            ['{"id": "1", "host": "shop.example.com", "timestamp": 1793607303123, "proxy": '
             '{"method": "GET", "host": "shop.example.com", "path": "/", "statusCode": 200}}'],
            "no key the json reader knows for the request (",
        ),
        # Akamai DataStream 2: neither its time nor its request keys are the reader's.
        (
            ['{"cliIP": "203.0.113.7", "reqMethod": "GET", "reqPath": "/", "reqTimeSec": '
             '"1793607303.123", "statusCode": "200"}'],
            "no key the json reader knows for the time or the request (",
        ),
        # Caddy's own messages first (a sample of nothing else): the log may be read as caddy.
        (['{"level":"info","ts":1793610903.1,"logger":"tls","msg":"started maintenance"}'] * 3,
         "; name it with --log-format (see micromacro formats)"),
        # A console's download: one JSON array across lines.
        (["[", "  {", '    "ip": "203.0.113.7"', "  }", "]"],
         "it looks like a JSON array or a JSON document across lines: an access log in JSON is "
         "one object a line (convert it with jq -c '.[]' FILE, or jq -c . FILE)"),
    ],
)  # fmt: skip
def test_json_no_reader_takes_gets_advice_of_its_own(
    tmp_path: Path, lines: list[str], advice: str
) -> None:
    log = tmp_path / "cloud.json"
    log.write_text("\n".join(lines) + "\n")
    result = report(str(log))
    assert result.exit_code == 1
    assert advice in result.stderr
    assert ("--log-format" in result.stderr) == advice.endswith("(see micromacro formats)")


def test_a_log_of_only_directives_is_an_empty_report(tmp_path: Path) -> None:
    """IIS writes its header lines before the first request: such a file is empty, not
    unreadable."""
    log = tmp_path / "u_ex261102.log"
    log.write_text(
        "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
        "#Date: 2026-11-02 00:00:00\n#Fields: date time c-ip cs-method cs-uri-stem sc-status\n"
    )
    result = report(str(log), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["input"]["comment"] == 4
    assert "log format: w3c (no data line to detect a format by)" in result.stderr
    assert "the input holds no request: its 4 lines are blank, comment or directive" in (
        result.stderr
    )


def test_counts_of_one_read_in_the_singular_and_large_ones_grouped(tmp_path: Path) -> None:
    comment = tmp_path / "empty.log"
    comment.write_text("#Fields: date time c-ip cs-method cs-uri-stem sc-status\n")
    assert (
        "the input holds no request: its one line is a blank, comment or directive line\n"
    ) in report(str(comment), "--format", "json").stderr
    one = tmp_path / "one.log"
    one.write_text(Path(SHOP).read_text().splitlines(keepends=True)[0])
    assert "micromacro: input: 1 line (" in run("hits", str(one)).stderr
    assert "(1 line, " in run("cache", "info").stdout
    broken = tmp_path / "broken.log"
    broken.write_text(Path(SHOP).read_text() + "not a request\n" * 1_200)
    strict = report(str(broken), "--strict")
    assert "malformed line (1,201 in all; --strict allows none)" in strict.stderr


def test_forcing_a_format_that_matches_nothing_exits_1(tmp_path: Path) -> None:
    other = tmp_path / "app.log"
    other.write_text("hello\nworld\n")
    result = report(str(other), "--log-format", "common")
    assert result.exit_code == 1
    assert "no line parses as common format" in result.stderr


def test_strict_turns_a_malformed_line_into_exit_1() -> None:
    result = report(SHOP, "--strict")
    assert result.exit_code == 1
    assert "shop.log:18: malformed line (1 in all; --strict allows none)" in result.stderr


def test_common_format_is_detected_and_can_be_forced(tmp_path: Path) -> None:
    log = tmp_path / "common.log"
    log.write_text(
        '203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 77\n'
        '203.0.113.7 - - [02/Nov/2026:09:16:03 +0100] "GET /about HTTP/1.1" 200 77\n'
    )
    for args in ([], ["--log-format", "common"]):
        data = json.loads(report(str(log), *args, "--format", "json", "-q").stdout)
        assert (data["input"]["format"], data["input"]["page"]) == ("common", 2)
        assert (data["summary"]["sessions"], data["summary"]["pageviews"]) == (1, 2)
    # A format is a family: the combined lines of a log read as common are read by the family.
    forced = json.loads(report(SHOP, "--log-format", "common", "--format", "json").stdout)
    assert (forced["input"]["format"], forced["input"]["variants"]) == ("common", {"combined": 21})


# --- hostile input -----------------------------------------------------------------------------


def test_hostile_lines_are_counted_and_shown_inert(tmp_path: Path) -> None:
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n"
        "  - name: '[red]x[/red] <script>y</script>'\n"
        "    kind: macro\n"
        "    destination:\n"
        "      contains: '[link='\n"
    )
    result = report(HOSTILE, "--goals", str(goals))
    assert result.exit_code == 0
    output = result.stdout + result.stderr
    assert "\x1b" not in output
    assert "\x00" not in output
    assert "[red]x[/red] <script>y</script>" in result.stdout
    assert "\\x1b[2J\\x1b[31mRED [red]markup[/red] <script>x</script>" in result.stderr
    assert 'malformed line: 203.0.113.12 - - [02/Nov/2026:10:02:02 +0100] "\\x16\\x03' in (
        result.stderr
    )
    data = json.loads(report(HOSTILE, "--goals", str(goals), "--format", "json").stdout)
    counts = [data["input"][k] for k in ("lines", "page", "malformed", "comment")]
    assert counts == [12, 4, 7, 1]  # the blank line is a comment
    assert (data["summary"]["sessions"], data["summary"]["visitors"]) == (3, 3)
    assert data["goals"][0]["conversions"] == 1  # the path with rich markup in it


def test_line_separators_in_values_break_no_table_line(tmp_path: Path) -> None:
    # U+2028 and U+2029 end a line for str.splitlines; U+061C is a bidi mark.
    log = tmp_path / "access.log"
    log.write_text(
        '203.0.113.1 - - [02/Nov/2026:10:00:00 +0100] "GET /p?variant=a%E2%80%A8b%E2%80%A9c'
        '%D8%9Cd HTTP/1.1" 200 1 "-" "Mozilla/5.0"\n'
    )
    goals = tmp_path / "goals.yaml"
    goals.write_text('goals:\n  - name: "x\\u2028y"\n    kind: macro\n    destination: /p\n')
    result = report(str(log), "--goals", str(goals), "--by", "query:variant")
    assert result.exit_code == 0
    assert not {"\u2028", "\u2029", "\u061c"} & set(result.stdout)
    row = next(line for line in result.stdout.splitlines() if "a\\u2028b" in line)
    assert row.split()[0] == "a\\u2028b\\u2029c\\u061cd"
    assert "x\\u2028y" in result.stdout


def test_zero_width_characters_are_shown_and_the_table_fits_the_terminal(tmp_path: Path) -> None:
    """A path of 40 letters joined by zero-width joiners: a terminal may draw it in one cell
    or in 40. Shown as escapes, it is cut to the page column like any long path, and every
    line fits 80 columns (counted one cell a character, two for a wide one)."""
    joined = "\u200d".join("abcdefghijklmnopqrstuvwxyzabcdefghijklmn")
    log = tmp_path / "access.log"
    log.write_text(
        "".join(
            f'203.0.113.{n} - - [02/Nov/2026:10:00:0{n} +0100] "GET /{joined} HTTP/1.1" 200 1 '
            f'"-" "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"\n'
            for n in range(3)
        )
    )
    out = io.StringIO()
    terminal = Environment(stdin=io.BytesIO(), stdout=out, stderr=io.StringIO(),
                           stdout_isatty=True, no_color=True, stdout_width=80)  # fmt: skip
    result = CliRunner().invoke(cli, ["report", str(log), "--no-cache"], obj=terminal)
    assert result.exit_code == 0
    text = out.getvalue()
    assert "\u200d" not in text
    assert "/a\\u200db\\u200dc" in text

    def cells(line: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)

    assert max(cells(line) for line in text.splitlines()) <= 80


def test_markdown_escapes_markup_and_html(tmp_path: Path) -> None:
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n  - name: 'a|b <i>c</i> ~~struck~~ *em* `code` [link]'\n    kind: macro\n"
        "    destination: /x\n"
    )
    result = report(HOSTILE, "--goals", str(goals), "--format", "markdown")
    assert (
        "a\\|b &lt;i&gt;c&lt;/i&gt; \\~\\~struck\\~\\~ \\*em\\* \\`code\\` \\[link\\]"
        in result.stdout
    )


def test_a_one_megabyte_line_is_just_a_line_under_a_cap_that_allows_it(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    long_agent = "A" * 1_000_000
    log.write_text(
        Path(SHOP).read_text() + '203.0.113.99 - - [02/Nov/2026:11:00:00 +0100] "GET /x HTTP/1.1" '
        f'200 1 "-" "{long_agent}"\n'
    )
    allowed = report(str(log), "--format", "json", "-q", "--max-line-bytes", "2000000")
    data = json.loads(allowed.stdout)
    assert (data["input"]["lines"], data["input"]["page"]) == (23, 11)
    # Under the default cap (64 KB) it is malformed: too long (tests/test_pipes.py).
    capped = json.loads(report(str(log), "--format", "json", "-q").stdout)["input"]
    assert (capped["lines"], capped["page"], capped["malformed"]) == (23, 10, 2)  # shop.log has 1


# --- goals files and usage errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("goals:\n\t- name: a\n", ":2:1: invalid YAML: found a tab character"),
        ("goals:\n  - name: a\n    kind: macro\n    clik: /x\n", ":4:5: unknown key 'clik'"),
        ("goals:\n  - name: a\n    kind: 3\n    destination: /x\n", ":3:11: invalid kind"),
        (
            "goals:\n  - name: a\n    kind: macro\n    destination:\n      regex: '('\n",
            ":5:14: invalid regex '('",
        ),
        (
            "goals:\n  - name: a\n    kind: macro\n    destination: /x\n"
            "  - name: a\n    kind: micro\n    destination: /y\n",
            ":5:11: duplicate goal name 'a' (first used at line 2)",
        ),
    ],
    ids=["tab", "unknown-key", "wrong-type", "bad-regex", "duplicate-name"],
)
def test_goal_file_errors_exit_2_with_line_and_column(
    tmp_path: Path, text: str, expected: str
) -> None:
    goals = tmp_path / "goals.yaml"
    goals.write_text(text)
    for result in (report(SHOP, "--goals", str(goals)), run("check", str(goals))):
        assert result.exit_code == 2
        assert result.stderr.startswith(f"micromacro: error: {goals}")
        assert expected in result.stderr
        assert "Traceback" not in result.stderr


def test_check_reports_ok_and_lints_macro_goals(tmp_path: Path) -> None:
    ok = run("check", GOALS)
    assert (ok.exit_code, ok.stdout) == (0, f"{GOALS}: OK, 8 goals (2 macro, 6 micro)\n")
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n"
        + "".join(f"  - name: g{i}\n    kind: macro\n    destination: /{i}\n" for i in range(3))
    )
    linted = run("check", str(goals))
    assert linted.exit_code == 0
    assert "warning" in linted.stderr
    assert "3 macro goals" in linted.stderr


def test_missing_goals_file_exits_2() -> None:
    result = report(SHOP, "--goals", "no-such-goals.yaml")
    assert result.exit_code == 2
    assert "no-such-goals.yaml: cannot read goals file" in result.stderr


@pytest.mark.parametrize("command", ["report", "alert", "hits", "suggest", "check"])
def test_a_directory_named_as_the_goals_file_is_said_alike_by_every_command(
    tmp_path: Path, command: str
) -> None:
    """``check dir.yaml`` and ``report --goals dir.yaml`` said it in two ways (click's "File …
    is a directory" for the option): every command says it as the goals file it cannot read."""
    folder = tmp_path / "goals.yaml"
    folder.mkdir()
    args = [command, str(folder)] if command == "check" else [command, SHOP, "--goals", str(folder)]
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr == f"micromacro: error: {folder}: cannot read goals file: Is a directory\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "Invalid value for '--format'"),
        (["--session-timeout", "soon"], "Invalid value for '--session-timeout'"),
        (["--since", "last tuesday"], "cannot read 'last tuesday'"),
        (["--tz", "Mars/Olympus"], "unknown time zone"),
        (["--bot-pattern", "("], "invalid --bot-pattern '(': unclosed group"),
        (["--bot-pattern", "(?=x)"], "invalid --bot-pattern '(?=x)': look-around, including"),
        (["--bot-pattern", ""], "invalid --bot-pattern '': it matches every user agent (an empty"),
        (["--bot-pattern", "bot|"], "invalid --bot-pattern 'bot|': it matches every user agent"),
        (["--since", ""], "--since is empty: give a date, a time or a period"),
        (["--until", " "], "--until is empty"),
        (["-o", ""], "Invalid value for '--output' / '-o': the path is empty"),
        (["--history", ""], "Invalid value for '--history': the path is empty"),
        (["--by", "query:v", "--baseline", "a", "--expected-split", "inf,1"], "positive shares"),
        (["--log-format", '%h %t "%r" %>s %{'], "has '%{' at character 16, which is no directive"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = report(SHOP, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("micromacro: error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("pattern", ["^$", "^-?$", "Chrome"])
def test_a_bot_pattern_that_leaves_some_agents_alone_is_taken(pattern: str) -> None:
    """Only a pattern that matches both an empty agent and a browser's matches every agent."""
    assert report(SHOP, "--bot-pattern", pattern, "--format", "json").exit_code == 0


def test_no_input_is_a_usage_error() -> None:
    result = report()
    assert result.exit_code == 2
    assert "Missing argument 'LOG...'" in result.stderr


def test_help_lists_the_exit_codes_and_version_works() -> None:
    assert "130 interrupted" in run("--help").stdout
    version = run("--version")
    assert (version.exit_code, version.stdout) == (0, "micromacro, version 0.1.0\n")


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "build_report", interrupted)
    result = report(SHOP)
    assert (result.exit_code, result.stderr) == (130, "micromacro: error: interrupted\n")


def test_an_unexpected_error_is_one_line_unless_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(commands, "build_report", broken)
    result = report(SHOP)
    assert result.exit_code == 1
    assert result.stderr == (
        "micromacro: error: internal error: RuntimeError: boom (run with --traceback)\n"
    )
    traced = run("--traceback", "report", SHOP)
    assert "Traceback (most recent call last)" in traced.stderr


# --- as a real process ----------------------------------------------------------------------------


def test_python_dash_m_and_a_closed_pipe(tmp_path: Path) -> None:
    goals = tmp_path / "many.yaml"
    goals.write_text(
        "goals:\n"
        + "".join(
            f"  - name: goal{i}\n    kind: micro\n    destination: /{i}\n" for i in range(3000)
        )
    )
    command = [sys.executable, "-m", "micromacro", "report", SHOP, "--goals", str(goals)]
    command += ["--format", "csv", "-q"]
    producer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert producer.stdout is not None
    first = producer.stdout.readline()
    producer.stdout.close()  # like `| head -1`
    _, err = producer.communicate(timeout=60)
    assert first.startswith(b"name,kind,")
    assert producer.returncode == 0
    assert b"Traceback" not in err
    assert err == b""


def test_goals_yaml_in_the_current_directory_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    without = report(SHOP, "--format", "json")
    assert json.loads(without.stdout)["goals"] == []
    assert "no goals file: reporting traffic only" in without.stderr
    (tmp_path / "goals.yaml").write_text(Path(GOALS).read_text())
    with_goals = report(SHOP, "--format", "json", "-q")
    assert [g["name"] for g in json.loads(with_goals.stdout)["goals"]][:2] == [
        "purchase",
        "contact_lead",
    ]


def test_engagement_ladder() -> None:
    # V1 bought and V2 sent the contact form (customers); V3 only signed up to the newsletter.
    # All three have a micro goal (V1 and V2 a long visit), so none is without one: that rate
    # has no visitor to divide by.
    assert shop_json()["ladder"] == {
        "customers": {"visitors": 2, "share": 2 / 3},
        "potential_customers": {"visitors": 1, "share": 1 / 3},
        "no_value_yet": {"visitors": 0, "share": 0.0},
        "macro_rate_with_micro": 2 / 3,
        "macro_rate_without_micro": None,
    }


def test_micro_to_macro_table() -> None:
    rows = shop_json()["micro_macro"]
    assert isinstance(rows, list)
    table = [
        (r["goal"], r["visitors_with"], r["macro_visitors_with"], r["visitors_without"],
         r["macro_visitors_without"], r["lift"], r["small_sample"])
        for r in rows
    ]  # fmt: skip
    # By difference of the macro rates, largest first: long_visit 2/2 − 0/1 = 1.0 (its lift
    # has no finite value), then 1/1 − 1/2 = 0.5 in goals-file order, newsletter 0/1 − 2/2 = −1.
    assert table == [
        ("long_visit", 2, 2, 1, 0, None, True),
        ("add_to_cart", 1, 1, 2, 1, 2.0, True),
        ("checkout_started", 1, 1, 2, 1, 2.0, True),
        ("size_guide_download", 1, 1, 2, 1, 2.0, True),
        ("engaged_visit", 1, 1, 2, 1, 2.0, True),
        ("newsletter_signup", 1, 0, 2, 2, 0.0, True),
    ]
    assert [r["difference"] for r in rows] == [1.0, 0.5, 0.5, 0.5, 0.5, -1.0]
    first = rows[1]
    # Pooled z-test of 1/1 against 1/2: p = 2/3, z = 0.5 / sqrt(2/3 · 1/3 · 3/2) = 0.866.
    assert first["p_value"] == pytest.approx(0.3865, abs=1e-4)
    assert first["macro_rate_with"] == 1.0
    assert first["macro_rate_without"] == 0.5


def test_without_a_macro_goal_no_micro_goal_predicts_one(tmp_path: Path) -> None:
    """Micro goals only: no macro rate, so the micro → macro table has no row (it read 0.0%
    with and without each goal, p = 1, as if the site converted nobody); people read why."""
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n"
        "  - {name: cart, kind: micro, destination: {equals: /cart}}\n"
        "  - {name: long_visit, kind: micro, duration: {greater_than: 1m}}\n"
    )
    data = json.loads(report(SHOP, "--goals", str(goals), "--format", "json").stdout)
    assert data["micro_macro"] == []
    assert data["ladder"]["macro_rate_with_micro"] is None
    csv = report(SHOP, "--goals", str(goals), "--format", "csv", "--table", "micro_macro").stdout
    assert len(csv.splitlines()) == 1
    for output in ("table", "markdown"):
        text = report(SHOP, "--goals", str(goals), "--format", output).stdout
        assert "The goals file has no macro goal (a purchase, a lead, a sign-up), so no micro" in (
            " ".join(text.split())
        )
    assert "no macro goal" not in report(SHOP, "--goals", GOALS).stdout


def test_csv_micro_macro_header() -> None:
    result = report(SHOP, "--goals", GOALS, "--format", "csv", "--table", "micro_macro")
    assert result.stdout.splitlines()[0] == (
        "goal,visitors_with,macro_visitors_with,macro_rate_with,visitors_without,"
        "macro_visitors_without,macro_rate_without,difference,lift,diff_ci_low,diff_ci_high,"
        "p_value,small_sample"
    )
    assert result.stdout.splitlines()[1].startswith("long_visit,2,2,1.0,1,0,0.0,1.0,,")


def test_a_top_past_any_table_shows_every_row() -> None:
    every = report(SHOP, "--format", "json", "--by", "landing_page", "--top", "0", "-q")
    huge = report(SHOP, "--format", "json", "--by", "landing_page", "--top", "9" * 30, "-q")
    assert huge.exit_code == 0
    assert json.loads(huge.stdout)["segments"] == json.loads(every.stdout)["segments"]


@pytest.mark.parametrize("top", ["-1", "-5"])
def test_a_negative_top_is_a_usage_error(top: str) -> None:
    """It was read as 0, which shows every row."""
    result = report(SHOP, "--top", top, "-q")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"micromacro: error: Invalid value for '--top': {top} is not in the range x>=0 "
        "(0 shows every row)."
    )


@pytest.mark.parametrize("args", [[], ["cache"]])
def test_a_group_alone_prints_its_help(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]  # the program is "cli" under CliRunner
    assert first.startswith("Usage: ")
    assert first.endswith(f"{''.join(f' {arg}' for arg in args)} [OPTIONS] COMMAND [ARGS]...")
    assert "\\x0a" not in result.stderr
    assert "Commands:" in result.stderr


def test_check_reads_the_compare_it_is_given() -> None:
    result = run("check", GOALS, "--compare", "bogus")
    assert result.exit_code == 2
    assert result.stderr.startswith("micromacro: error: --compare: cannot read 'bogus'")


# Invisible characters beyond the format category (Unicode's other default-ignorable ones).
_IGNORABLE = "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\ufe00\ufe0f\uffa0"


def test_every_invisible_character_is_shown_as_an_escape_that_names_it() -> None:
    """Every format character (Unicode category Cf: zero-width, soft hyphen, invisible
    operators, tags) and the other default-ignorable ones are escapes, which read back as the
    character: no two shown texts differ by a character one cannot see."""
    invisible = (
        [chr(code) for code in range(0x110000) if unicodedata.category(chr(code)) == "Cf"]
        + list(_IGNORABLE)
        + ["\U000e0100", "\U000e01ef"]
    )  # variation selectors 17 and 256
    for character in invisible:
        shown = inert(f"/a{character}b")
        assert shown.isascii(), repr(character)
        assert shown.encode().decode("unicode_escape") == f"/a{character}b"


def test_paths_that_differ_by_an_invisible_character_are_told_apart(tmp_path: Path) -> None:
    """/checkout, then with a tag character, an invisible times and a zero-width space: four
    pages, each shown differently in the terminal, Markdown and HTML."""
    tails = ["", "\U000e0041", "\u2062", "\u200b"]
    log = tmp_path / "access.log"
    log.write_text(
        "".join(
            f'10.0.0.{n} - - [02/Nov/2026:10:0{n}:00 +0100] "GET /checkout{tail} HTTP/1.1" 200 5 '
            '"-" "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"\n'
            for n, tail in enumerate(tails)
        ),
        encoding="utf-8",
    )
    shown = ["/checkout", "/checkout\\U000e0041", "/checkout\\u2062", "/checkout\\u200b"]
    for output in ("table", "markdown", "html"):
        escaped = "\\\\" if output == "markdown" else "\\"  # Markdown escapes a backslash
        result = CliRunner().invoke(
            cli, ["report", str(log), "--no-cache", "--format", output, "--table", "pages"]
        )
        assert result.exit_code == 0, result.output
        assert not set(tails[1:]) & set(result.stdout), output
        for path in (path.replace("\\", escaped) for path in shown):
            assert f"{path} " in result.stdout or f"{path}<" in result.stdout, (output, path)
