"""What each command does: load the goals file, check the reading options, run the pipeline,
render, write the output and the messages on stderr.

``cli`` declares the commands and their options, and imports this module (and with it the
pipeline and Polars) only when a command runs, so that ``--help`` and ``--version`` start at
once. Each function takes the command's context and its parameters by the names of ``cli``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields, replace
from datetime import UTC, datetime, tzinfo
from typing import IO, Any

import click

from micromacro import periods
from micromacro.alerts import AlertResult, evaluate_alerts, run_comparison, segment_breakdowns
from micromacro.bots import validate_bot_patterns
from micromacro.dimensions import DEFAULT_ATTRIBUTION, parse_breakdowns
from micromacro.environment import Environment, environment
from micromacro.errors import ConfigError, ExitCode, OutputError, UsageError
from micromacro.format_choice import analyse_inputs
from micromacro.goals import GoalsConfig
from micromacro.goals_file import load_exclusions, load_goals
from micromacro.hit_cache import HitCache, default_cache_dir, missing_home
from micromacro.hit_partitions import default_hit_memory
from micromacro.hits import InputSummary, MalformedLine
from micromacro.logformats import (
    FORMATS,
    GENERAL_READERS,
    Detection,
    ExportReadAsLog,
    SampleAnalysis,
    choose_format,
    resolve_format,
)
from micromacro.logformats.envelopes import ENVELOPES
from micromacro.option_values import (
    AUTO,
    DEFAULT_GOALS_FILE,
    DEFAULT_MIN_SESSIONS,
    DEFAULT_TOP,
    HitFormat,
    OutputFormat,
    SuggestionFormat,
)
from micromacro.outputs import refuse_read_output, same_file, write_output
from micromacro.render import RunInfo, TerminalStyle, render
from micromacro.render.alerts import alert_line
from micromacro.render.values import short_span
from micromacro.report import Report, ReportOptions, build_report
from micromacro.text import file_name_text, inert, is_utf8_name

NO_GOALS_NOTE = (
    f"no goals file: reporting traffic only (pass --goals FILE or create {DEFAULT_GOALS_FILE}; "
    "see goals.example.yaml)"
)


def _goals_file_path(path: str | None) -> str | None:
    """The goals file ``--goals`` names, else ``goals.yaml`` of the current directory where it
    exists, else None."""
    if path is None and os.path.exists(DEFAULT_GOALS_FILE):
        return DEFAULT_GOALS_FILE
    return path


def _load_goals_option(env: Environment, path: str | None) -> GoalsConfig:
    """The goals file ``_goals_file_path`` finds (none: no goals); its warnings on stderr."""
    found = _goals_file_path(path)
    if found is None:
        return GoalsConfig(goals=(), path="")
    config = load_goals(found)
    for warning in config.warnings:
        env.message(warning, level="warning")
    return config


def _note_default_goals_file(env: Environment, path: str | None, found: str) -> None:
    """Say on stderr when the goals file read is the current directory's ``goals.yaml`` that no
    ``--goals`` named (``alert`` stays silent: cron mails its output)."""
    if path is None and found:
        env.message(f"goals: {found} of the current directory (--goals FILE names another)")


def _goals_of_run(env: Environment, path: str | None) -> GoalsConfig:
    """``_load_goals_option``, with ``_note_default_goals_file``'s note."""
    goals = _load_goals_option(env, path)
    _note_default_goals_file(env, path, goals.path)
    return goals


def _exclusions_of_run(env: Environment, path: str | None) -> tuple[GoalsConfig, str]:
    """For ``hits`` and ``suggest``, which read access logs and count no goal: a goals file
    holding the ``exclude:`` section alone of the file ``_goals_file_path`` finds (the rest of
    it not checked), and the path of that file ("" when there is none)."""
    found = _goals_file_path(path)
    if found is None:
        return GoalsConfig(goals=(), path=""), ""
    exclude = load_exclusions(found)
    _note_default_goals_file(env, path, found)
    return GoalsConfig(goals=(), path="", exclude=exclude), found


_SURROGATES = re.compile("([\ud800-\udfff])")  # the bytes of a file name that are not UTF-8


def dated_path(path: str, start: datetime | None, tz: tzinfo) -> str:
    """``path`` with strftime codes (``reports/%Y-%m-%d.csv``) filled from the period's
    ``start``, in the time zone ``tz``; without one (no hit and no ``--since``), from the time
    of the run, as a file named by its codes helps nobody."""
    if "%" not in path:
        return path
    when = (start if start is not None else periods.clock()).astimezone(tz)
    # A byte of the name that is not UTF-8 is a lone surrogate, which strftime cannot encode:
    # the pieces between them are dated, and the bytes kept as they are.
    pieces = _SURROGATES.split(path)
    return "".join(
        piece if _SURROGATES.fullmatch(piece) else when.strftime(piece) for piece in pieces
    )


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
        why = f" ({line.reasons()})" if line.reasons() else ""
        env.message(f"{line.location()}: malformed {line.unit}{why}{excerpt}", level="warning")


def _print_input_messages(env: Environment, report: Report, fmt: str, goals: GoalsConfig) -> None:
    if not goals.path:
        env.message(NO_GOALS_NOTE)
    _print_read_messages(env, report.notes, report.warnings, report.malformed)
    if fmt != "table":
        _print_input_line(env, report.input)


def _print_input_line(env: Environment, summary: InputSummary) -> None:
    """The input summary on stderr: the lines read, and how many fell in each bucket."""
    buckets = ", ".join(f"{k} {v:,}" for k, v in summary.bucket_counts().items())
    lines = summary.lines
    env.message(f"input: {lines:,} line{'s' if lines != 1 else ''} ({buckets})")


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
        export=source is not None,
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
        exclude=goals.exclude.with_networks(params["exclude_ips"]),
        since=params["since"],
        until=params["until"],
        tz=params["tz"],
        compare=params.get("compare") if compare is None else compare,
        strict=params["strict"],
        dedupe=params["dedupe"],
        max_line_bytes=params["max_line_bytes"],
        hit_memory=_hit_memory(params),
        hit_memory_given=params.get("hit_memory") is not None,
        goals=goals,
        session_timeout_s=params["session_timeout_s"],
        by=tuple(breakdowns),
        top=params.get("top", DEFAULT_TOP) if top is None else top,
        min_sessions=params.get("min_sessions", DEFAULT_MIN_SESSIONS),
        site_hosts=params.get("site_hosts", ()),
        attribution=params.get("attribution", DEFAULT_ATTRIBUTION),
        baseline=params.get("baseline"),
        expected_split=params.get("expected_split", ()),
    )


def _hit_memory(params: dict[str, Any]) -> int | None:
    """``--hit-memory`` or its default; None for a command without it (suggest reads its hits
    whole, hits keeps every line)."""
    if "hit_memory" not in params:
        return None
    return int(params["hit_memory"] or default_hit_memory())


def _open_cache(ctx: click.Context, env: Environment) -> HitCache | None:
    """The hit cache of a command (None with ``--no-cache``, and with a warning where the
    directory's name is not UTF-8): when the command ends, it waits for the entries being
    written and says on stderr what could not be written."""
    if ctx.params.get("no_cache"):
        if ctx.params.get("cache_dir") is not None:
            raise UsageError("--cache and --no-cache: give one of them")
        return None
    directory = ctx.params.get("cache_dir") or default_cache_dir()
    home = missing_home() if ctx.params.get("cache_dir") is None else None
    if home is not None:
        env.message(
            f"cache: the home directory {file_name_text(home)} does not exist: the hit cache is "
            "off for this run (choose a directory with --cache DIR, or set XDG_CACHE_HOME)",
            level="warning",
        )
        return None
    if not is_utf8_name(directory):  # Polars takes no such path
        env.message(
            f"cache: {file_name_text(directory)} is not valid UTF-8: the hit cache is off for "
            "this run (choose another directory with --cache DIR)",
            level="warning",
        )
        return None
    cache = HitCache(directory)

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
            if param.name in _ANY_BYTES or not isinstance(text, str) or is_utf8_name(text):
                continue
            name = param.opts[0] if isinstance(param, click.Option) else "LOG"
            reads = name in ("LOG", "--detect")
            hint = " (read such a log from stdin: - < FILE)" if reads else ""
            raise UsageError(f"{name} '{file_name_text(text)}' is not valid UTF-8{hint}")


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


def _warn_of_unused_options(
    env: Environment, ctx: click.Context, output_format: str, *, csv_raw: bool, wide: bool
) -> None:
    """A warning for each option given that the output format does not use."""
    delimited = output_format in ("csv", "tsv")
    table_given = ctx.get_parameter_source("table") == click.core.ParameterSource.COMMANDLINE
    if table_given and not delimited:
        env.message("--table applies to --format csv and tsv only", level="warning")
    if csv_raw and not delimited:
        env.message("--csv-raw applies to --format csv and tsv only", level="warning")
    if wide and output_format != "table":
        env.message("--wide applies to --format table only", level="warning")


def _warn_of_an_empty_table(
    env: Environment, output_format: str, table: str, options: ReportOptions, with_alerts: bool
) -> None:
    """A CSV/TSV table that the options or the goals file leave empty whatever the data is
    written as its header alone: say why (``_empty_table_reason``)."""
    if output_format not in ("csv", "tsv"):
        return
    reason = _empty_table_reason(table, options, with_alerts)
    if reason is not None:
        env.message(reason, level="warning")


def _empty_table_reason(table: str, options: ReportOptions, with_alerts: bool) -> str | None:
    """Why ``table`` holds no row whatever the data (or, the ladder, no goal): an option not
    given, or what the goals file lacks; None for a table the data fills. Without a goals file
    the note that the report is of traffic only says why the goal tables are empty."""
    goals = options.goals
    if table == "status_codes" and goals.source is not None:
        return "--table status_codes is empty: event exports log no status"
    if table == "segments" and not options.by:
        return "--table segments is empty without --by: pass --by DIMENSION (e.g. --by channel)"
    if table == "experiment" and not options.by:
        return (
            "--table experiment is empty without --by and --baseline "
            "(e.g. --by query:variant --baseline A)"
        )
    if table == "experiment" and options.baseline is None:
        return (
            "--table experiment is empty without --baseline: pass --baseline VALUE (the value "
            f"of --by {options.by[0].label} the others are compared with)"
        )
    if table == "alerts" and not with_alerts:
        rules = (
            f"{file_name_text(goals.path)}'s alert rules"
            if goals.alerts
            else "a goals file's alerts: list"
        )
        return f"--table alerts is empty without --alerts: pass --alerts to check {rules}"
    if not goals.path:
        return None
    return _lacking_in_goals_file(table, goals)


def _lacking_in_goals_file(table: str, goals: GoalsConfig) -> str | None:
    """Why the goals file ``goals`` leaves ``table`` empty (the ladder, without a goal to
    count); None when it has what the table lists."""
    name = file_name_text(goals.path)
    if table == "funnels" and not goals.funnels:
        return f"--table funnels is empty: {name} has no funnels"
    if not goals.goals:
        if table == "ladder":
            return (
                f"--table ladder counts no goal: {name} has no goals, so every visitor is "
                "no_value_yet"
            )
        if table == "goals":
            shown = " (pass --table funnels for its funnels)" if goals.funnels else ""
            return f"--table goals is empty: {name} has no goals{shown}"
        if table in ("micro_macro", "experiment"):
            return f"--table {table} is empty: {name} has no goals"
        return None
    if table == "micro_macro" and not (goals.macro_goals and goals.micro_goals):
        lacking = "macro" if not goals.macro_goals else "micro"
        return f"--table micro_macro is empty: {name} has no {lacking} goal"
    return None


def _write_report_file(
    env: Environment,
    text: str,
    output: str,
    target: str,
    *,
    unread: bool,
    history: str | None,
    reads: Sequence[str],
) -> None:
    """Write the report to ``target`` (``output`` with its strftime codes filled), unless it is
    the ``--history`` file or an input; a dated file that exists is its period's report, which a
    run that read no line of the period (``unread``: a re-run once the logs are rotated away)
    keeps rather than replace with zeros."""
    _refuse_history_output(target, history)
    refuse_read_output(target, reads=reads)
    if unread and _names_its_period(output) and os.path.isfile(target):
        env.message(
            f"--output {file_name_text(target)}: no line of the input falls in the period, so "
            "the report written before for it is kept (its lines were read before, and are no "
            "longer in the logs given)",
            level="warning",
        )
    else:
        write_output(target, text, reads=reads)


# strftime codes that name a year (``%Y``, ``%G``, ``%F``, ``%D``, …): a file named by one is one
# period's, where ``%a`` or ``%d`` alone names a weekday or a day of any month.
_YEAR_CODE = re.compile(r"%[YGygFDxcs]")


def _names_its_period(output: str | None) -> bool:
    """Whether an ``--output`` name, filled from the period's start, is that period's own: it
    holds a code of the year (a literal ``%%`` is none)."""
    return output is not None and bool(_YEAR_CODE.search(output.replace("%%", "")))


def _refuse_history_output(output: str, history: str | None) -> None:
    """A ``UsageError`` when the report's ``output`` is the ``--history`` file, which the
    report would replace."""
    if history is not None and same_file(output, history):
        raise UsageError(f"--output {output}: it is the --history file: name another file")


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
    """``micromacro report``: read, report, render, and write the report (and its history row)."""
    env = environment(ctx)
    env.quiet = quiet
    goals = _goals_of_run(env, goals_path)
    _check_reading(ctx.params)
    if with_alerts and not goals.alerts:
        raise UsageError(
            f"--alerts: {file_name_text(goals.path)} has no alert rules (add an alerts: list)"
            if goals.path
            else f"--alerts: no goals file, so no alert rules (pass --goals FILE or create "
            f"{DEFAULT_GOALS_FILE})"
        )
    if history is not None and not goals.goals:
        raise UsageError(
            f"--history writes a row per goal, and {file_name_text(goals.path)} has no goals "
            "(add a goals: list)"
            if goals.path
            else "--history writes a row per goal, and there is no goals file "
            f"(pass --goals FILE or create {DEFAULT_GOALS_FILE})"
        )
    since = ctx.params.get("since")
    overrides = _alert_setup(goals, compare, by, since=since) if with_alerts else {}
    options = _report_options(ctx, goals, **overrides)
    if baseline is not None and not by:
        raise UsageError("--baseline needs --by (the dimension that holds the variants)")
    if ctx.params.get("expected_split") and baseline is None:
        raise UsageError("--expected-split needs --baseline (the A/B test whose split it checks)")
    if output is not None and "%" not in output:  # a dated name is known once the period is
        refuse_read_output(output, reads=(*inputs, goals.path))
        _refuse_history_output(output, history)
    options = replace(options, cache=_open_cache(ctx, env))
    # The warnings after the errors: a usage error comes alone.
    _warn_of_unused_options(env, ctx, output_format, csv_raw=csv_raw, wide=wide)
    _warn_of_an_empty_table(env, output_format, table, options, with_alerts)
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
    run = RunInfo(argv=env.argv, inputs=inputs, generated=periods.clock())
    text = render(result, output_format, table=table, style=style, raw=csv_raw, run=run)
    source = result.input
    unread = source.lines == source.buckets.get("out_of_period", 0)  # none in the period
    if output is None:
        env.write_data(text)
    else:
        target = dated_path(output, result.start, result.tz)
        _write_report_file(env, text, output, target, unread=unread, history=history,
                           reads=(*inputs, goals.path))  # fmt: skip
    if history is not None:  # after the report: a history it cannot take loses no report
        from micromacro.history import append_history, history_rows  # --history only

        # A calendar period cut at now (this-month under --compare) is the calendar period's
        # in the history, so that the next run replaces its rows.
        end = result.period.calendar_end or result.end
        rows = history_rows(result.goals, result.summary.sessions, result.start, end)
        if append_history(history, rows, keep_held=unread):
            env.message(
                f"--history {history}: no line of the input falls in the period, so the rows "
                "the history holds for it are kept (its lines were read before, and are no "
                "longer in the logs given)",
                level="warning",
            )
    if any(outcome.status == "fired" for outcome in result.alerts or ()):
        ctx.exit(ExitCode.ALERT_FIRED)


def alert(
    ctx: click.Context,
    /,
    inputs: tuple[str, ...],
    goals_path: str | None,
    compare: str | None,
    quiet: bool,
    **_reading: Any,
) -> None:
    """``micromacro alert``: read, check the goals file's alert rules, print those that fired."""
    env = environment(ctx)
    env.quiet = quiet
    goals = _load_goals_option(env, goals_path)
    if not goals.path:
        raise UsageError(f"no goals file: pass --goals FILE (or create {DEFAULT_GOALS_FILE})")
    if not goals.alerts:
        raise UsageError(f"{file_name_text(goals.path)}: no alert rules (add an alerts: list)")
    _check_reading(ctx.params)
    setup = _alert_setup(goals, compare, since=ctx.params.get("since"))
    options = replace(_report_options(ctx, goals, top=0, **setup), cache=_open_cache(ctx, env))
    with env.progress() as on_progress:
        result = build_report(options, stdin=env.stdin, progress=on_progress)
    fired = [r for r in _check_alerts(env, goals, result) if r.status == "fired"]
    period, previous_period = _period_labels(result)
    env.write_data("".join(inert(alert_line(r, period, previous_period)) + "\n" for r in fired))
    if fired:
        ctx.exit(ExitCode.ALERT_FIRED)


def hits(
    ctx: click.Context,
    /,
    inputs: tuple[str, ...],
    goals_path: str | None,
    output_format: HitFormat,
    output: str | None,
    csv_raw: bool,
    quiet: bool,
    **_reading: Any,
) -> None:
    """``micromacro hits``: read (leaving out what the goals file's ``exclude:`` names), and
    write every input line as a row of the hit table."""
    from micromacro.hit_table import build_hit_table  # what a report does not load
    from micromacro.render.hits import write_hit_table

    env = environment(ctx)
    env.quiet = quiet
    exclusions, goals_read = _exclusions_of_run(env, goals_path)
    _check_reading(ctx.params)
    to_terminal = output is None and bool(env.stdout_isatty)
    if output_format == "parquet" and to_terminal:
        raise UsageError("--format parquet is binary: write it with -o FILE or to a pipe")
    options = _report_options(ctx, exclusions)
    if output is not None:
        refuse_read_output(output, reads=(*inputs, goals_read))
    if csv_raw and output_format not in ("csv", "tsv"):  # after the errors
        env.message("--csv-raw applies to --format csv and tsv only", level="warning")
    with env.progress() as on_progress, _access_logs_only("hits"):
        table = build_hit_table(options, stdin=env.stdin, progress=on_progress)
    _print_read_messages(env, table.notes, table.warnings, table.malformed)
    _print_input_line(env, table.input)
    data = write_hit_table(table.rows, output_format, raw=csv_raw)
    if output is not None:
        write_output(dated_path(output, table.start, table.tz), data, reads=(*inputs, goals_read))
    else:
        _write_bytes(env.stdout, data)


def suggest(
    ctx: click.Context,
    /,
    inputs: tuple[str, ...],
    goals_path: str | None,
    output_format: SuggestionFormat,
    output: str | None,
    quiet: bool,
    **_reading: Any,
) -> None:
    """``micromacro suggest``: read (leaving out what the goals file's ``exclude:`` and
    ``--exclude-ip`` name), and write a goals file proposed from the sessions, which keeps those
    exclusions in its ``exclude:`` section."""
    # What a report does not load:
    from micromacro.render.suggestion import ExclusionSources, render_suggestion
    from micromacro.suggest import NothingToPropose, SuggestOptions, suggest_goals

    env = environment(ctx)
    env.quiet = quiet
    exclusions, goals_read = _exclusions_of_run(env, goals_path)
    sources = ExclusionSources(
        goals_file=goals_read if exclusions.exclude else "",
        exclude_ips=tuple(ctx.params["exclude_ips"]),
    )
    _check_reading(ctx.params)
    base = _report_options(ctx, exclusions)
    options = SuggestOptions(**{f.name: getattr(base, f.name) for f in fields(SuggestOptions)})
    if output is not None:
        _refuse_json_onto_goals(output, output_format, goals_read)
        refuse_read_output(output, reads=inputs)
    try:
        with env.progress() as on_progress, _access_logs_only("suggest"):
            found = suggest_goals(options, stdin=env.stdin, progress=on_progress)
    except NothingToPropose as nothing:  # what the read found says why
        _print_read_messages(env, nothing.notes, nothing.warnings, nothing.malformed)
        _print_input_line(env, nothing.summary)
        raise
    _print_read_messages(env, found.notes, found.warnings, found.malformed)
    text = render_suggestion(found, output_format, sources)
    if output is not None:
        write_output(output, text, reads=inputs)
    macro = sum(1 for s in found.goals if s.goal.kind == "macro")
    env.message(
        f"proposed {macro} macro and {len(found.goals) - macro} micro goals and "
        f"{_plural(len(found.funnels), 'funnel') or '0 funnels'} from {found.sessions:,} "
        f"{'session' if found.sessions == 1 else 'sessions'}"
        + (f"; see {inert(output)}" if output else "")
    )
    if output is None:
        env.write_data(text)


def _refuse_json_onto_goals(output: str, output_format: SuggestionFormat, goals_read: str) -> None:
    """A usage error for ``suggest --format json -o`` naming the goals file read: the YAML
    proposal may replace it (it keeps its exclusions), the JSON is no goals file."""
    if output_format != "json" or not goals_read or not same_file(output, goals_read):
        return
    also = "" if output == goals_read else f" (as {goals_read})"
    raise UsageError(
        f"--output {output}: it is the goals file read{also}, and --format json writes no goals "
        "file (write the YAML, or name another file)"
    )


@contextmanager
def _access_logs_only(command: str) -> Iterator[None]:
    """An event export given to ``micromacro COMMAND``, which reads access logs only, is an
    error that says so (not how to report the export, as ``report`` says)."""
    try:
        yield
    except ExportReadAsLog as error:
        raise error.reads_logs_only(command) from None


def _write_bytes(stream: IO[str], data: bytes) -> None:
    """Write ``data`` to a text stream's underlying binary stream."""
    stream.flush()
    binary = getattr(stream, "buffer", None)
    if binary is None:
        stream.write(data.decode("utf-8", errors="replace"))
    else:
        binary.write(data)
        binary.flush()


def check(ctx: click.Context, goals_file: str, compare: str | None) -> None:
    """``micromacro check``: load and lint a goals file, and say what it holds."""
    env = environment(ctx)
    if compare is not None:  # as an alert job would pass it: its period is that job's
        periods.check_comparison(compare, tz=UTC, now=periods.clock())
    config = load_goals(goals_file)
    for warning in config.warnings:
        env.message(warning, level="warning")
    _alert_setup(config, compare)
    macro, micro = len(config.macro_goals), len(config.micro_goals)
    kinds = f" ({macro} macro, {micro} micro)" if config.goals else ""
    extras = [
        _plural(len(config.funnels), "funnel"),
        _plural(len(config.alerts), "alert rule"),
        _plural(len(config.exclude.networks), "excluded network"),
        _plural(len(config.exclude.paths), "excluded path"),
    ]
    counts = "".join(f", {extra}" for extra in extras if extra)
    env.stdout.write(
        f"{_shown_name(goals_file)}: OK, {_plural(len(config.goals), 'goal') or '0 goals'}{kinds}"
        f"{counts}\n"
    )


def _describe_entries(cache: HitCache) -> str:
    """What ``micromacro cache info`` prints: the directory, its entries and their size, then
    one line per entry (the most recently used first)."""
    entries = cache.entries()
    total = sum(entry.entry_bytes for entry in entries)
    count = f"{len(entries):,} entr{'y' if len(entries) == 1 else 'ies'}"
    lines = [f"{_shown_name(cache.directory)}: {count}, {total / 1e6:,.1f} MB"]
    for entry in entries:
        used = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.used))
        size = f"{entry.entry_bytes / 1e6:8,.1f} MB"
        if not entry.kind:  # damaged, or another user's: the run that needs it reads again
            name = os.path.basename(entry.path)
            lines.append(f"{size}  {name}: an entry that cannot be read, last used {used}")
            continue
        moved = ", renamed or removed since" if entry.moved else ""
        lines.append(
            f"{size}  {entry.kind}: {_shown_name(entry.file)} "
            f"({entry.lines:,} line{'s' if entry.lines != 1 else ''}, "
            f"{entry.file_bytes:,} bytes{moved}), last used {used}"
        )
    return "\n".join(lines)


def _shown_name(path: str) -> str:
    """A file or directory name as one line of any output can hold it: bytes that are not
    UTF-8 and control characters (a line break) as escapes."""
    return inert(file_name_text(path))


def cache_info(ctx: click.Context, cache_dir: str | None) -> None:
    """``micromacro cache info``: list the entries of the cache."""
    hit_cache = HitCache(cache_dir or default_cache_dir())
    try:
        lines = _describe_entries(hit_cache).splitlines()
    except OSError as error:
        raise OutputError(
            f"{hit_cache.directory}: cannot read: {error.strerror or error}"
        ) from None
    environment(ctx).stdout.write("".join(line + "\n" for line in lines))


def cache_clear(ctx: click.Context, cache_dir: str | None) -> None:
    """``micromacro cache clear``: remove every entry of the cache."""
    hit_cache = HitCache(cache_dir or default_cache_dir())
    try:
        removed, freed, failed = hit_cache.clear()
    except OSError as error:
        raise OutputError(
            f"{hit_cache.directory}: cannot read: {error.strerror or error}"
        ) from None
    environment(ctx).stdout.write(
        f"{_shown_name(hit_cache.directory)}: removed {_plural(removed, 'entry') or '0 entries'} "
        f"({freed / 1e6:,.1f} MB)\n"
    )
    if failed:
        files = "1 file" if len(failed) == 1 else f"{len(failed):,} files"
        raise OutputError(
            f"{hit_cache.directory}: {files} could not be removed (first: {failed[0]})"
        )


def _plural(count: int, noun: str) -> str:
    """``2 funnels``, ``1 alert rule``; empty for none."""
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{count} {noun if count == 1 else plural}" if count else ""


def formats(ctx: click.Context, detect: tuple[str, ...]) -> None:
    """``micromacro formats``: list the log formats, or explain the detection of ``--detect``."""
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
    lines.append("")
    lines.append(
        "Any of them in an envelope, named first (syslog:combined): lines sent through another "
        "program, which auto-detection finds too:"
    )
    for envelope in ENVELOPES.values():
        lines.append(f"{envelope.name}: {envelope.description}")
        lines.append(f"    {inert(envelope.example)}")
    env.stdout.write("\n".join(lines) + "\n")


def _explain_detection(env: Environment, analysis: SampleAnalysis) -> None:
    """Print how each family read the sample, then the choice (or raise why there is none)."""
    out = [
        f"sample: {_plural(analysis.lines, 'non-blank line') or '0 non-blank lines'} "
        f"({analysis.comments} comment or directive)",
        f"{'family':<12} {'read':>5}  variants",
    ]
    for candidate in analysis.candidates:
        ranked = sorted(candidate.variants.items(), key=lambda item: (-item[1], item[0]))
        variants = ", ".join(f"{name} {count}" for name, count in ranked)
        out.append(f"{candidate.family:<12} {candidate.read:>5}  {variants}".rstrip())
    if analysis.envelope is not None:
        out.append(f"read inside the {analysis.envelope.name} envelope of the lines")
    if analysis.unread is not None:
        where, text = analysis.unread
        out.append(f"first line no format reads: {inert(where)}: {inert(text, limit=120)}")
    env.stdout.write("\n".join(out) + "\n")
    env.stdout.flush()
    detection = choose_format(analysis)
    family = detection.format.family.name
    records, unread = _records_and_unread(analysis, detection)
    told = "".join(
        (
            f"; the server's own messages: {_plural(records, 'sample line')} (not_http)"
            if records
            else "",
            f"; {_plural(unread, 'sample line')} none reads would be malformed" if unread else "",
        )
    )
    env.stdout.write(
        f"chosen: {detection.format.name}, of the {family} family (the family reads "
        f"{detection.parsed} of {detection.sampled} sample lines: what {detection.format.name} "
        f"does not read is tried with its other variants{told})\n"
    )


def _records_and_unread(analysis: SampleAnalysis, detection: Detection) -> tuple[int, int]:
    """Of the sample lines that are no comment, how many the chosen family reads as records of
    the server's own (``not_http``) and how many not at all (malformed in a run)."""
    counted = analysis.records_and_unread(detection.format.family.name)
    return counted if counted is not None else (0, detection.sampled - detection.parsed)
