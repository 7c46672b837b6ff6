"""The command line: parses options, calls the library and renders what it returns.

With ``environment`` (the streams, and errors mapped to exit codes) it is the only part of the
package that knows about click, stdout, stderr and exit codes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import IO, Any, NoReturn

import click

from micromacro import __version__
from micromacro.alerts import AlertResult, evaluate_alerts, run_comparison, segment_breakdowns
from micromacro.bots import validate_bot_patterns
from micromacro.dimensions import ATTRIBUTIONS, parse_breakdowns
from micromacro.environment import PROG, Environment, MicromacroGroup, environment
from micromacro.errors import ConfigError, ExitCode, UsageError
from micromacro.format_choice import analyse_inputs
from micromacro.goals import GoalsConfig
from micromacro.goals_file import load_goals
from micromacro.history import append_history, history_rows
from micromacro.hit_cache import HitCache, default_cache_dir, describe_entries
from micromacro.hit_table import build_hit_table
from micromacro.hits import MalformedLine
from micromacro.inputs import DEFAULT_MAX_LINE_BYTES, MAX_LINE_BYTES_LIMIT
from micromacro.logformats import (
    AUTO,
    FORMATS,
    GENERAL_READERS,
    SampleAnalysis,
    choose_format,
    resolve_format,
)
from micromacro.outputs import write_output
from micromacro.periods import parse_timezone
from micromacro.reading import CLIENT_IP_MODES
from micromacro.render import (
    DEFAULT_TABLE,
    OUTPUT_FORMATS,
    TABLE_NAMES,
    OutputFormat,
    TerminalStyle,
    render,
)
from micromacro.render.alerts import alert_line
from micromacro.render.hits import HIT_FORMATS, HitFormat, write_hit_table
from micromacro.render.text import inert
from micromacro.render.values import short_span
from micromacro.report import Report, ReportOptions, build_report
from micromacro.segments import DEFAULT_MIN_SESSIONS, DEFAULT_TOP
from micromacro.timespans import parse_duration

DEFAULT_GOALS_FILE = "goals.yaml"

EXIT_CODES_HELP = (
    "Exit codes: 0 success (an empty log too), 1 input or output error, 2 usage or config error, "
    "3 an alert rule fired, 130 interrupted."
)


@click.group(
    cls=MicromacroGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@click.version_option(__version__, prog_name=PROG)
@click.option(
    "--traceback",
    is_flag=True,
    expose_value=False,
    help="Show the Python traceback of an error (for bug reports).",
)
def cli() -> None:
    """Micro and macro conversion reports from web server access logs.

    Reads the logs your server already writes, matches every hit against the goals in a YAML
    file, and prints conversion rates.
    """


def _duration_option(_ctx: click.Context, param: click.Parameter, value: str) -> float:
    try:
        seconds = parse_duration(value)
    except ValueError as error:
        raise click.BadParameter(str(error), param=param) from None
    if seconds <= 0:
        raise click.BadParameter("must be greater than 0", param=param)
    return seconds


def _timezone_option(param: click.Parameter, value: str | None) -> str | None:
    """``--tz`` as given, once it is known to name a time zone (``''`` does not)."""
    if value is not None:
        try:
            parse_timezone(value)
        except UsageError as error:
            raise click.BadParameter(str(error), param=param) from None
    return value


def _parse_split(value: str | None, param: click.Parameter) -> tuple[float, ...]:
    if value is None:
        return ()
    try:
        shares = tuple(float(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter(
            "expected numbers separated by commas, like 50,50", param=param
        ) from None
    if len(shares) < 2 or any(not share > 0 for share in shares):
        raise click.BadParameter("expected two or more positive shares, like 50,50", param=param)
    return shares


NO_GOALS_NOTE = (
    f"no goals file: reporting traffic only (pass --goals FILE or create {DEFAULT_GOALS_FILE}; "
    "see goals.example.yaml)"
)


def _load_goals_option(env: Environment, path: str | None) -> GoalsConfig:
    if path is None:
        if not os.path.exists(DEFAULT_GOALS_FILE):
            return GoalsConfig(goals=(), path="")
        path = DEFAULT_GOALS_FILE
    config = load_goals(path)
    for warning in config.warnings:
        env.message(warning, level="warning")
    return config


def dated_path(path: str, result: Report) -> str:
    """``path`` with strftime codes (``reports/%Y-%m-%d.csv``) filled from the reported
    period's start, in the report's time zone; unchanged without ``%`` or without a start."""
    if "%" not in path or result.start is None:
        return path
    return result.start.astimezone(result.tz).strftime(path)


def _print_read_messages(
    env: Environment,
    notes: Sequence[str],
    warnings: Sequence[str],
    malformed: Sequence[MalformedLine],
) -> None:
    """What reading found: notes, warnings and the first malformed lines, on stderr."""
    for note in notes:
        env.message(note)
    for warning in warnings:
        env.message(warning, level="warning")
    for line in malformed:
        excerpt = f": {inert(line.excerpt, limit=80)}" if line.excerpt else ""
        env.message(
            f"{line.location()}: malformed {line.unit}"
            f"{f' ({line.reason})' if line.reason else ''}{excerpt}",
            level="warning",
        )


def _print_input_messages(env: Environment, report: Report, fmt: str, goals: GoalsConfig) -> None:
    if not goals.path:
        env.message(NO_GOALS_NOTE)
    _print_read_messages(env, report.notes, report.warnings, report.malformed)
    if fmt != "table":
        buckets = ", ".join(f"{k} {v:,}" for k, v in report.input.bucket_counts().items())
        env.message(f"input: {report.input.lines:,} lines ({buckets})")


_GOALS_OPTION = click.option(
    "--goals",
    "goals_path",
    type=click.Path(dir_okay=False),
    help=f"Goals file (YAML). Default: {DEFAULT_GOALS_FILE} if it exists.",
)
_CSV_RAW_OPTION = click.option(
    "--csv-raw",
    is_flag=True,
    help="In CSV and TSV, write values starting with = + - @ as they are, without the ' that "
    "keeps spreadsheets from running them as formulas (for tools, not spreadsheets).",
)
_COMPARE_METAVAR = "previous|previous-week|previous-year|START..END"
_COMPARE_HELP = (
    "Also report an earlier period from the same inputs (read once) and the change of every "
    "figure: the period just before, the same days a week or a year before, or explicit dates."
)
# The options that say what to read and how to count it, shared by report and alert.
_READING_OPTIONS = (
    click.option(
        "--log-format",
        metavar="NAME|FORMAT",
        default=AUTO,
        show_default=True,
        help="Log format: auto (detect it), a preset (see micromacro formats), or an nginx "
        "log_format / Apache LogFormat string.",
    ),
    click.option(
        "--since",
        help="Start of the period: 2026-11-01, 2026-11-01T09:00, 7d, yesterday; or a whole "
        "calendar period: last-week, this-week, last-month, this-month, last-year, this-year.",
    ),
    click.option(
        "--until",
        help="End of the period (a date or calendar period includes the whole of it).",
    ),
    click.option(
        "--tz",
        callback=lambda _ctx, param, value: _timezone_option(param, value),
        help="Time zone of --since/--until (default: the log's own offset).",
    ),
    click.option(
        "--dedupe",
        is_flag=True,
        help="Count a line found in an earlier input (overlapping rotated logs) once; the "
        "copies go to the duplicate bucket.",
    ),
    click.option(
        "--max-line-bytes",
        type=click.IntRange(min=1, max=MAX_LINE_BYTES_LIMIT),
        default=DEFAULT_MAX_LINE_BYTES,
        show_default=True,
        metavar="N",
        help="A longer line is counted as malformed (too long) without being read into memory.",
    ),
    click.option(
        "--client-ip",
        type=click.Choice(CLIENT_IP_MODES),
        default="remote",
        show_default=True,
        help="The visitor's address: remote (the connecting address) or first-forwarded (the "
        "first public address of X-Forwarded-For, where the log has one).",
    ),
    click.option(
        "--session-timeout",
        "session_timeout_s",
        default="30m",
        show_default=True,
        callback=_duration_option,
        help="Inactivity gap that ends a session (90s, 30m, 1h).",
    ),
    click.option("--include-bots", is_flag=True, help="Count crawler hits as visits."),
    click.option("--include-static", is_flag=True, help="Count static assets (css, js, images)."),
    click.option("--include-errors", is_flag=True, help="Count 4xx/5xx responses."),
    click.option(
        "--include-redirects", is_flag=True, help="Count 3xx responses (but 304) as pages."
    ),
    click.option(
        "--bot-pattern",
        "bot_patterns",
        multiple=True,
        metavar="REGEX",
        help="Extra user-agent regex that marks a bot (repeatable, case-insensitive).",
    ),
    click.option("--strict", is_flag=True, help="Exit 1 if any line (or export row) is malformed."),
    click.option("--quiet", "-q", is_flag=True, help="Print errors only on stderr."),
)
# The options that say how to attribute and compare what was read, shared by report and alert.
_ANALYSIS_OPTIONS = (
    click.option("--compare", metavar=_COMPARE_METAVAR, help=_COMPARE_HELP),
    click.option(
        "--site-host",
        "site_hosts",
        multiple=True,
        metavar="HOST",
        help="A host of the site itself (repeatable): referrers from it are internal. Default: "
        "inferred from the log, and named on stderr.",
    ),
    click.option(
        "--attribution",
        type=click.Choice(ATTRIBUTIONS),
        default="session",
        show_default=True,
        help="Which source a session's channel comes from: its own first hit (session), or for "
        "a direct session its visitor's latest earlier non-direct source (last-non-direct, "
        "as GA).",
    ),
)


_CACHE_DIR_OPTION = click.option(
    "--cache",
    "cache_dir",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="The hit cache directory (default: $XDG_CACHE_HOME/micromacro, else ~/.cache/micromacro).",
)
# Where the hits of each log file are kept between runs, shared by report and alert.
_CACHE_OPTIONS = (
    _CACHE_DIR_OPTION,
    click.option(
        "--no-cache",
        is_flag=True,
        help="Read every log file, and keep nothing in the hit cache (by default a file read "
        "whole is kept, and the next run on it reads only what was added since).",
    ),
)


def _with_options(*options: Callable[..., Any]) -> Callable[[Callable[..., Any]], Any]:
    """A decorator adding ``options`` to a command, in the order given."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


# report and alert read, attribute and compare; hits only reads.
_reading_options = _with_options(*_READING_OPTIONS, *_CACHE_OPTIONS, *_ANALYSIS_OPTIONS)
_hit_reading_options = _with_options(*_READING_OPTIONS)


def _report_options(
    ctx: click.Context,
    goals: GoalsConfig,
    *,
    by: Sequence[str] | None = None,
    compare: str | None = None,
    top: int | None = None,
) -> ReportOptions:
    """The ``ReportOptions`` of a command, from its parameters (an option it lacks keeps its
    default), but ``by``, ``compare`` and ``top`` when given (what the alert rules need).

    ``--by`` is parsed here, once, into breakdowns (an event export's kept columns are
    dimensions too): an unknown dimension is a usage error (exit 2) before any reading.
    """
    params = ctx.params
    source = goals.source
    breakdowns = parse_breakdowns(
        params.get("by", ()) if by is None else by,
        extra=source.keep if source is not None else (),
    )
    return ReportOptions(
        inputs=params["inputs"],
        log_format=params["log_format"],
        client_ip=params["client_ip"],
        include_bots=params["include_bots"],
        include_static=params["include_static"],
        include_errors=params["include_errors"],
        include_redirects=params["include_redirects"],
        bot_patterns=params["bot_patterns"],
        since=params["since"],
        until=params["until"],
        tz=params["tz"],
        compare=params.get("compare") if compare is None else compare,
        strict=params["strict"],
        dedupe=params["dedupe"],
        max_line_bytes=params["max_line_bytes"],
        goals=goals,
        session_timeout_s=params["session_timeout_s"],
        by=tuple(breakdowns),
        top=params.get("top", DEFAULT_TOP) if top is None else top,
        min_sessions=params.get("min_sessions", DEFAULT_MIN_SESSIONS),
        site_hosts=params.get("site_hosts", ()),
        attribution=params.get("attribution", "session"),
        baseline=params.get("baseline"),
        expected_split=params.get("expected_split", ()),
    )


def _open_cache(ctx: click.Context, env: Environment) -> HitCache | None:
    """The hit cache of a command (None with ``--no-cache``): when the command ends, it waits
    for the entries being written and says on stderr what could not be written."""
    if ctx.params.get("no_cache"):
        if ctx.params.get("cache_dir") is not None:
            raise UsageError("--cache and --no-cache: give one of them")
        return None
    cache = HitCache(ctx.params.get("cache_dir") or default_cache_dir())

    def close() -> None:
        cache.wait()
        for warning in cache.take_warnings():
            env.message(warning, level="warning")

    ctx.call_on_close(close)
    return cache


def _check_reading(params: dict[str, Any]) -> None:
    """Usage errors in the reading options, found before any reading (exit 2)."""
    _check_utf8(click.get_current_context())
    validate_bot_patterns(params["bot_patterns"])
    if params["log_format"] != AUTO:
        resolve_format(params["log_format"])


# Paths written to, and the goals file: any bytes the system allows.
_ANY_BYTES = frozenset({"goals_path", "output", "history"})


def _check_utf8(ctx: click.Context) -> None:
    """A usage error for an argument that is not UTF-8 (bytes a shell passes as they are, which
    Python keeps as lone surrogates): log names, hosts, patterns and dimensions become text the
    reports hold. Paths written to, and the goals file, may be any bytes."""
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        for text in value if isinstance(value, tuple) else (value,):
            if param.name in _ANY_BYTES or not isinstance(text, str):
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                name = param.opts[0] if isinstance(param, click.Option) else "LOG"
                reads = name in ("LOG", "--detect")
                hint = " (read such a log from stdin: - < FILE)" if reads else ""
                raise UsageError(f"{name} '{text}' is not valid UTF-8{hint}") from None


def _alert_setup(
    goals: GoalsConfig, compare: str | None, by: tuple[str, ...] = (), *, since: str | None = ""
) -> dict[str, Any]:
    """The report options the goals file's alert rules need: their comparison period and the
    breakdowns their segment metrics name after ``by`` (the ``--by`` values ``_report_options``
    parses); exit 2 when the rules cannot share one period, or when a rule's own period has no
    ``since`` to compare (``since=""``: not a command that reads logs)."""
    chosen, problems = run_comparison(goals.alerts, compare, goals.path)
    if problems:
        raise ConfigError(problems)
    if chosen is not None and compare is None and since is None:
        rule = next(r for r in goals.alerts if r.is_change)
        raise UsageError(
            f"alert {rule.name!r} compares with {chosen}: a change needs a period to compare, "
            "pass --since (e.g. --since yesterday)"
        )
    return {"compare": chosen, "by": tuple(dict.fromkeys((*by, *segment_breakdowns(goals.alerts))))}


def _check_alerts(env: Environment, goals: GoalsConfig, result: Report) -> list[AlertResult]:
    """Evaluate the rules on the report; a rule that could not be checked is a warning."""
    results = evaluate_alerts(goals.alerts, result)
    for outcome in results:
        if outcome.status == "not_evaluated":
            env.message(
                f"alert {outcome.rule.name!r} not evaluated: {outcome.reason}", level="warning"
            )
    return results


def _period_labels(result: Report) -> tuple[str, str]:
    """The report's period and its comparison period as alert lines name them (empty when
    unknown: no hits and no --since)."""

    def label(report: Report | None) -> str:
        if report is None or report.start is None or report.end is None:
            return ""
        return short_span(report.start, report.end, result.tz)

    return label(result), label(result.previous)


def _warn_of_an_empty_table(
    env: Environment, output_format: str, table: str, options: ReportOptions
) -> None:
    """A CSV/TSV table that no option fills is written as its header alone: say why."""
    if output_format not in ("csv", "tsv"):
        return
    if table == "status_codes" and options.goals.source is not None:
        env.message("--table status_codes is empty: event exports log no status", level="warning")
    if options.by:
        return
    if table == "segments":
        env.message(
            "--table segments is empty without --by: pass --by DIMENSION (e.g. --by channel)",
            level="warning",
        )
    elif table == "experiment":
        env.message(
            "--table experiment is empty without --by and --baseline "
            "(e.g. --by query:variant --baseline A)",
            level="warning",
        )


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="LOG...")
@_GOALS_OPTION
@click.option(
    "--by",
    "by",
    multiple=True,
    metavar="DIMENSION[,DIMENSION]",
    help="Break the report down by a dimension (repeatable; a comma crosses two): channel, "
    "source, medium, campaign, referrer, landing_page, exit_page, device, browser, os, hour, "
    "weekday, day, week, month, host, query:NAME, or an event export's kept column.",
)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=DEFAULT_TOP,
    show_default=True,
    help="Segments shown per --by, by sessions (the rest are folded into (other)), and rows "
    "shown per traffic table (pages, landing and exit pages, referrers, channels, status codes), "
    "largest first. 0 shows all.",
)
@click.option(
    "--min-sessions",
    type=click.IntRange(min=0),
    default=DEFAULT_MIN_SESSIONS,
    show_default=True,
    help="Segments with fewer sessions are flagged as small samples (never hidden).",
)
@click.option(
    "--baseline",
    metavar="VALUE",
    help="Compare every segment of the first --by with this one, goal by goal (an A/B test: "
    "--by query:variant --baseline A), with a sample-ratio-mismatch check.",
)
@click.option(
    "--expected-split",
    metavar="SHARES",
    callback=lambda ctx, param, value: _parse_split(value, param),
    help="The expected shares of the variants, in name order (50,50 or 90,10); default even.",
)
@click.option(
    "--alerts",
    "with_alerts",
    is_flag=True,
    help="Check the goals file's alert rules too: an alerts section in the report, and exit 3 "
    "if any fired.",
)
@click.option(
    "--history",
    type=click.Path(dir_okay=False),
    help="Append one row per goal for the reported period to this CSV file (rows of the same "
    "period are replaced; safe for overlapping cron runs).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(OUTPUT_FORMATS),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--table",
    type=click.Choice(TABLE_NAMES),
    default=DEFAULT_TABLE,
    show_default=True,
    help="The table to write with --format csv or tsv.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Write to FILE (a regular file is replaced atomically; a device, FIFO or /dev/fd/N is "
    "written in place); strftime codes (reports/%Y-%m-%d.csv) are filled from the period's start.",
)
@_CSV_RAW_OPTION
@click.option(
    "--wide",
    is_flag=True,
    help="On a terminal, show every column of every table, however wide (as when piped); "
    "by default tables wider than the terminal hide their least important columns.",
)
@_reading_options
@click.pass_context
def report(
    ctx: click.Context,
    /,
    inputs: tuple[str, ...],
    goals_path: str | None,
    by: tuple[str, ...],
    baseline: str | None,
    with_alerts: bool,
    history: str | None,
    output_format: OutputFormat,
    table: str,
    output: str | None,
    csv_raw: bool,
    wide: bool,
    compare: str | None,
    quiet: bool,
    **_reading: Any,
) -> None:
    """Report goal conversions for access logs or event exports (files, globs, .gz/.bz2/.xz/.zst,
    or - for stdin).

    \b
    Examples:
      micromacro report access.log --goals goals.yaml
      micromacro report 'logs/access.log*' --since 7d --format csv > weekly.csv
      micromacro report 'logs/access.log*' --since last-week --compare previous
      zcat access.log.2.gz | micromacro report - --format json
      micromacro report access.log --by channel --by device
      micromacro report access.log --by query:variant --baseline A
    """
    env = environment(ctx)
    env.quiet = quiet
    goals = _load_goals_option(env, goals_path)
    _check_reading(ctx.params)
    if ctx.get_parameter_source("table") == click.core.ParameterSource.COMMANDLINE and (
        output_format not in ("csv", "tsv")
    ):
        env.message("--table applies to --format csv and tsv only", level="warning")
    if csv_raw and output_format not in ("csv", "tsv"):
        env.message("--csv-raw applies to --format csv and tsv only", level="warning")
    if wide and output_format != "table":
        env.message("--wide applies to --format table only", level="warning")
    if with_alerts and not goals.alerts:
        raise UsageError(f"--alerts: {goals.path or 'no goals file'} has no alert rules")
    since = ctx.params.get("since")
    overrides = _alert_setup(goals, compare, by, since=since) if with_alerts else {}
    options = replace(_report_options(ctx, goals, **overrides), cache=_open_cache(ctx, env))
    _warn_of_an_empty_table(env, output_format, table, options)
    if baseline is not None and not by:
        raise UsageError("--baseline needs --by (the dimension that holds the variants)")
    with env.progress() as on_progress:
        result = build_report(options, stdin=env.stdin, progress=on_progress)
    _print_input_messages(env, result, output_format, goals)
    if with_alerts:
        result = replace(result, alerts=tuple(_check_alerts(env, goals, result)))
    to_terminal = output is None and bool(env.stdout_isatty)
    style = TerminalStyle(
        color=to_terminal and not env.no_color,
        width=env.stdout_width if to_terminal and not wide else None,
    )
    text = render(result, output_format, table=table, style=style, raw=csv_raw)
    if history is not None:
        rows = history_rows(result.goals, result.summary.sessions, result.start, result.end)
        append_history(history, rows)
    if output is not None:
        write_output(dated_path(output, result), text)
    else:
        env.stdout.write(text)
        env.stdout.flush()
    if any(outcome.status == "fired" for outcome in result.alerts or ()):
        ctx.exit(ExitCode.ALERT_FIRED)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="LOG...")
@_GOALS_OPTION
@_reading_options
@click.pass_context
def alert(
    ctx: click.Context,
    /,
    inputs: tuple[str, ...],
    goals_path: str | None,
    compare: str | None,
    quiet: bool,
    **_reading: Any,
) -> None:
    """Check the alert rules of the goals file: print one line per rule that fired and exit 3,
    or print nothing and exit 0 (so cron mails only on trouble).

    \b
    Examples:
      micromacro alert access.log --goals goals.yaml --since yesterday --until yesterday
      micromacro alert 'logs/access.log*' --since yesterday --compare previous-week
    """
    env = environment(ctx)
    env.quiet = quiet
    goals = _load_goals_option(env, goals_path)
    if not goals.path:
        raise UsageError(f"no goals file: pass --goals FILE (or create {DEFAULT_GOALS_FILE})")
    if not goals.alerts:
        raise UsageError(f"{goals.path}: no alert rules (add an alerts: list)")
    _check_reading(ctx.params)
    setup = _alert_setup(goals, compare, since=ctx.params.get("since"))
    options = replace(_report_options(ctx, goals, top=0, **setup), cache=_open_cache(ctx, env))
    with env.progress() as on_progress:
        result = build_report(options, stdin=env.stdin, progress=on_progress)
    fired = [r for r in _check_alerts(env, goals, result) if r.status == "fired"]
    period, previous_period = _period_labels(result)
    for outcome in fired:
        env.stdout.write(inert(alert_line(outcome, period, previous_period)) + "\n")
    env.stdout.flush()
    if fired:
        ctx.exit(ExitCode.ALERT_FIRED)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="LOG...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(HIT_FORMATS),
    default="csv",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Write to FILE (a regular file is replaced atomically; a device, FIFO or /dev/fd/N is "
    "written in place).",
)
@_CSV_RAW_OPTION
@_hit_reading_options
@click.pass_context
def hits(
    ctx: click.Context,
    /,
    inputs: tuple[str, ...],
    output_format: HitFormat,
    output: str | None,
    csv_raw: bool,
    quiet: bool,
    **_reading: Any,
) -> None:
    """Write every input line as a row of the canonical hit table: its file, line, bucket,
    variant, parsed fields, visitor and session (for debugging a format, for DuckDB or a
    spreadsheet, or to check the parser line by line).

    \b
    Examples:
      micromacro hits access.log > hits.csv
      micromacro hits 'logs/access.log*' --since 7d --format parquet -o hits.parquet
      micromacro hits access.log --format ndjson | jq 'select(.bucket == "malformed")'
    """
    env = environment(ctx)
    env.quiet = quiet
    _check_reading(ctx.params)
    if csv_raw and output_format not in ("csv", "tsv"):
        env.message("--csv-raw applies to --format csv and tsv only", level="warning")
    to_terminal = output is None and bool(env.stdout_isatty)
    if output_format == "parquet" and to_terminal:
        raise UsageError("--format parquet is binary: write it with -o FILE or to a pipe")
    options = _report_options(ctx, GoalsConfig(goals=(), path=""))
    with env.progress() as on_progress:
        table = build_hit_table(options, stdin=env.stdin, progress=on_progress)
    _print_read_messages(env, table.notes, table.warnings, table.malformed)
    buckets = ", ".join(f"{k} {v:,}" for k, v in table.input.bucket_counts().items())
    env.message(f"input: {table.input.lines:,} lines ({buckets})")
    data = write_hit_table(table.rows, output_format, raw=csv_raw)
    if output is not None:
        write_output(output, data)
    else:
        _write_bytes(env.stdout, data)


def _write_bytes(stream: IO[str], data: bytes) -> None:
    """Write ``data`` to a text stream's underlying binary stream."""
    stream.flush()
    binary = getattr(stream, "buffer", None)
    if binary is None:
        stream.write(data.decode("utf-8", errors="replace"))
    else:
        binary.write(data)
        binary.flush()


@cli.command()
@click.argument("goals_file", type=click.Path(dir_okay=True))
@click.option(
    "--compare",
    metavar=_COMPARE_METAVAR,
    help="The comparison period the alert job passes: change rules without their own compare: "
    "use it.",
)
@click.pass_context
def check(ctx: click.Context, goals_file: str, compare: str | None) -> None:
    """Validate and lint a goals file without reading any log."""
    env = environment(ctx)
    config = load_goals(goals_file)
    for warning in config.warnings:
        env.message(warning, level="warning")
    _alert_setup(config, compare)
    macro, micro = len(config.macro_goals), len(config.micro_goals)
    extras = [
        _plural(len(config.funnels), "funnel"),
        _plural(len(config.alerts), "alert rule"),
    ]
    counts = "".join(f", {extra}" for extra in extras if extra)
    env.stdout.write(
        f"{inert(goals_file)}: OK, {_plural(len(config.goals), 'goal') or '0 goals'} "
        f"({macro} macro, {micro} micro)"
        f"{counts}\n"
    )


@cli.group()
def cache() -> None:
    """Show or empty the hit cache: the hits of each log file a report read whole, kept so that
    the next report on the file does not parse it again."""


@cache.command("info")
@_CACHE_DIR_OPTION
@click.pass_context
def cache_info(ctx: click.Context, cache_dir: str | None) -> None:
    """List the entries of the cache: the file each belongs to, its lines and its size."""
    hit_cache = HitCache(cache_dir or default_cache_dir())
    lines = describe_entries(hit_cache).splitlines()
    environment(ctx).stdout.write("".join(inert(line) + "\n" for line in lines))


@cache.command("clear")
@_CACHE_DIR_OPTION
@click.pass_context
def cache_clear(ctx: click.Context, cache_dir: str | None) -> None:
    """Remove every entry of the cache."""
    hit_cache = HitCache(cache_dir or default_cache_dir())
    removed, freed = hit_cache.clear()
    environment(ctx).stdout.write(
        f"{inert(hit_cache.directory)}: removed {_plural(removed, 'entry') or '0 entries'} "
        f"({freed / 1e6:,.1f} MB)\n"
    )


def _plural(count: int, noun: str) -> str:
    """``2 funnels``, ``1 alert rule``; empty for none."""
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{count} {noun if count == 1 else plural}" if count else ""


@cli.command()
@click.option(
    "--detect",
    "detect",
    multiple=True,
    metavar="LOG",
    help="Instead, show how every format family reads the first lines of LOG (repeatable), "
    "and which format auto-detection chooses.",
)
@click.pass_context
def formats(ctx: click.Context, detect: tuple[str, ...]) -> None:
    """List the log formats --log-format accepts, with an example line each; or with --detect,
    explain what auto-detection makes of a log."""
    env = environment(ctx)
    if detect:
        _check_utf8(ctx)
        _explain_detection(env, analyse_inputs(detect, stdin=env.stdin))
        return
    lines = []
    for fmt in FORMATS.values():
        lines.append(f"{fmt.name}: {fmt.description}")
        lines += [f"    {inert(example)}" for example in fmt.example.splitlines()]
        lines.append("")
    lines.append("A family's general reader, for files that mix its variants:")
    lines += [f"{fmt.name}: {fmt.description}" for fmt in GENERAL_READERS.values()]
    lines.append("")
    lines.append(
        "Or an nginx log_format string ('$remote_addr - $remote_user [$time_local] "
        '"$request" $status …\') or an Apache LogFormat string (\'%h %l %u %t "%r" %>s %b …\').'
    )
    env.stdout.write("\n".join(lines) + "\n")


def _explain_detection(env: Environment, analysis: SampleAnalysis) -> None:
    """Print how each family read the sample, then the choice (or raise why there is none)."""
    out = [
        f"sample: {_plural(analysis.lines, 'line') or '0 lines'} "
        f"({analysis.comments} blank, comment or directive)",
        f"{'family':<12} {'read':>5}  variants",
    ]
    for candidate in analysis.candidates:
        ranked = sorted(candidate.variants.items(), key=lambda item: (-item[1], item[0]))
        variants = ", ".join(f"{name} {count}" for name, count in ranked)
        out.append(f"{candidate.family:<12} {candidate.read:>5}  {variants}".rstrip())
    if analysis.unread is not None:
        where, text = analysis.unread
        out.append(f"first line no format reads: {where}: {inert(text, limit=120)}")
    env.stdout.write("\n".join(out) + "\n")
    env.stdout.flush()
    detection = choose_format(analysis)
    env.stdout.write(
        f"chosen: {detection.format.name}, of the {detection.format.family.name} family (it "
        f"reads {detection.parsed} of {detection.sampled} sample lines; the rest of the family "
        "reads what it does not)\n"
    )


def main() -> NoReturn:
    """The console-script entry point."""
    cli.main(prog_name=PROG)
