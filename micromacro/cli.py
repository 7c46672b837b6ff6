"""The command line: the commands and their options, whose bodies are in ``commands``.

With ``environment`` (the streams, and errors mapped to exit codes) and ``commands`` (what each
command does) it is the only part of the package that knows about click, stdout, stderr and exit
codes. It imports no Polars: the options are declared from ``option_values``, and a command
imports ``commands`` (and the pipeline) only when it runs, so that ``--help`` and ``--version``
start at once.
"""

from __future__ import annotations

from collections.abc import Callable
from math import isfinite
from typing import Any, NoReturn, TypeVar

import click

from micromacro import __version__
from micromacro.dimensions import ATTRIBUTIONS, DEFAULT_ATTRIBUTION
from micromacro.environment import (
    PROG,
    MicromacroGroup,
    collect_cycles_rarely,
    end_process,
    interrupt_on_termination,
)
from micromacro.errors import UsageError
from micromacro.option_values import (
    AUTO,
    CLIENT_IP_MODES,
    DEFAULT_GOALS_FILE,
    DEFAULT_MAX_LINE_BYTES,
    DEFAULT_MIN_SESSIONS,
    DEFAULT_SESSION_TIMEOUT,
    DEFAULT_TABLE,
    DEFAULT_TOP,
    HIT_FORMATS,
    MAX_LINE_BYTES_LIMIT,
    OUTPUT_FORMATS,
    SUGGESTION_FORMATS,
    TABLE_NAMES,
    excluded_network,
    site_host_name,
)
from micromacro.timespans import parse_duration


class _Path(click.Path):
    """A path option: ``click.Path`` that refuses an empty one (a usage error, exit 2)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "":
            self.fail("the path is empty", param, ctx)
        return super().convert(value, param, ctx)


# A goals file: a directory named for it is the goals file that cannot be read, said as every
# command (and ``check``) says it, exit 2.
_GOALS_FILE = _Path()


class _Output(_Path):
    """An ``--output`` path: ``-`` is stdout, as an input ``-`` is stdin (``./-`` names a file
    called ``-``)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return None if value == "-" else super().convert(value, param, ctx)


_OUTPUT = _Output(dir_okay=False)


class _History(_Path):
    """A ``--history`` path: a file rows are added to and read back, so ``-`` (stdout, as
    ``--output -`` is) is refused rather than taken for a file called ``-``."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "-":
            self.fail("the history is a file that rows are added to, not stdout (./- names a "
                      "file called -; /dev/null keeps none)", param, ctx)  # fmt: skip
        return super().convert(value, param, ctx)


# The hit cache's directory: a directory that cannot be listed (mode 300) still holds entries
# opened by name, and what cannot be read or written is the cache's to warn of.
_CACHE_DIRECTORY = _Path(file_okay=False, readable=False)

# ``--top`` past this shows every row, as 0 does (a larger number is taken as this one).
_MOST_ROWS = 1_000_000_000


class _RowCount(click.IntRange):
    """A number of rows: 0 or more (0 shows every row), a number past ``_MOST_ROWS`` taken as
    it; a negative one is an error, not 0."""

    def __init__(self) -> None:
        super().__init__(min=0, max=_MOST_ROWS, clamp=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.INT.convert(value, param, ctx)
        if number < 0:
            self.fail(f"{number} is not in the range x>=0 (0 shows every row).", param, ctx)
        return super().convert(number, param, ctx)


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


_Value = TypeVar("_Value")


def _each_value(
    parse: Callable[[str], _Value],
) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], tuple[_Value, ...]]:
    """The callback of a repeatable option whose every value ``parse`` reads (a
    ``ValueError`` is the option's usage error): ``--site-host``'s hosts (a URL pasted for one:
    its host), ``--exclude-ip``'s networks (an address: a network of one)."""

    def callback(
        _ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
    ) -> tuple[_Value, ...]:
        try:
            return tuple(parse(value) for value in values)
        except ValueError as error:
            raise click.BadParameter(str(error), param=param) from None

    return callback


def _timezone_option(param: click.Parameter, value: str | None) -> str | None:
    """``--tz`` as given, once it is known to name a time zone (``''`` does not)."""
    if value is not None:
        from micromacro.periods import parse_timezone  # Polars: only when --tz is given

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
    if len(shares) < 2 or not all(share > 0 for share in shares) or not isfinite(sum(shares)):
        raise click.BadParameter("expected two or more positive shares, like 50,50", param=param)
    return shares


_GOALS_OPTION = click.option(
    "--goals",
    "goals_path",
    type=_GOALS_FILE,
    help=f"Goals file (YAML). Default: {DEFAULT_GOALS_FILE} if it exists.",
)
# hits and suggest take the goals file's exclude: section alone.
_EXCLUSIONS_GOALS_OPTION = click.option(
    "--goals",
    "goals_path",
    type=_GOALS_FILE,
    help=f"Goals file (YAML) whose exclude: section to apply (only that section is read). "
    f"Default: {DEFAULT_GOALS_FILE} if it exists.",
)
_CSV_RAW_OPTION = click.option(
    "--csv-raw",
    is_flag=True,
    help="In CSV and TSV, write values starting with = + - @, a tab or CR as they are, without "
    "the ' that keeps spreadsheets from running them as formulas (for tools, not spreadsheets).",
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
        default=DEFAULT_SESSION_TIMEOUT,
        show_default=True,
        callback=_duration_option,
        help="Inactivity gap that ends a session (90s, 30m, 1h).",
    ),
    click.option("--include-bots", is_flag=True, help="Count crawler hits as visits."),
    click.option("--include-static", is_flag=True, help="Count static assets (css, js, images)."),
    click.option(
        "--include-errors",
        is_flag=True,
        help="Count 4xx/5xx responses, and those below 200 (none sent, a protocol switch).",
    ),
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
    click.option(
        "--exclude-ip",
        "exclude_ips",
        multiple=True,
        metavar="NET",
        callback=_each_value(excluded_network),
        help="Leave out the hits of this address or network, the site's own (repeatable: "
        "203.0.113.7, 198.51.100.0/24, 2001:db8::/32); counted as excluded, with the goals "
        "file's exclude: list.",
    ),
    click.option(
        "--strict",
        is_flag=True,
        help="Exit 1 if any line of the period (or export row) is malformed, or ends with fields "
        "no format reads.",
    ),
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
        callback=_each_value(site_host_name),
        help="A host of the site itself (repeatable): referrers from it are internal. Default: "
        "inferred from the log, and named on stderr.",
    ),
    click.option(
        "--attribution",
        type=click.Choice(ATTRIBUTIONS),
        default=DEFAULT_ATTRIBUTION,
        show_default=True,
        help="Which source a session's channel comes from: its own first hit (session); for "
        "a direct session its visitor's latest earlier non-direct source (last-non-direct, "
        "as GA); or its visitor's first source (first-user: GA4's first user source, from an "
        "export's traffic_source where it has one).",
    ),
)


_CACHE_DIR_OPTION = click.option(
    "--cache",
    "cache_dir",
    metavar="DIR",
    type=_CACHE_DIRECTORY,
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


_SIZE_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _size_option(_ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """A size in bytes from ``512M``, ``2G``, ``1.5G`` or ``100000`` (K, M, G, T: powers of
    1024; a trailing ``B`` or ``iB`` is allowed)."""
    if value is None:
        return None
    text = value.strip().upper().removesuffix("IB").removesuffix("B")
    scale = _SIZE_UNITS.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    try:
        size = float(number) * scale
    except ValueError:
        size = -1
    if not 1 <= size < 1 << 60:
        raise click.BadParameter(f"{value!r}: give a size such as 512M, 2G or 1.5G", param=param)
    return int(size)


_HIT_MEMORY_OPTION = click.option(
    "--hit-memory",
    metavar="SIZE",
    callback=_size_option,
    help="Counted hits held in memory at most (512M, 2G); beyond it they are written to a "
    "temporary directory ($TMPDIR) and reported a partition of visitors at a time. Default: a "
    "quarter of the machine's memory.",
)


def _with_options(*options: Callable[..., Any]) -> Callable[[Callable[..., Any]], Any]:
    """A decorator adding ``options`` to a command, in the order given."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


# report and alert read, attribute and compare; hits only reads.
_reading_options = _with_options(
    *_READING_OPTIONS, *_CACHE_OPTIONS, _HIT_MEMORY_OPTION, *_ANALYSIS_OPTIONS
)
_hit_reading_options = _with_options(*_READING_OPTIONS)


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
    type=_RowCount(),
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
    type=_History(dir_okay=False),
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
    type=_OUTPUT,
    help="Write to FILE (a regular file is replaced atomically; a device, FIFO or /dev/fd/N is "
    "written in place; - is stdout); strftime codes (reports/%Y-%m-%d.csv) are filled from the "
    "period's start.",
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
def report(ctx: click.Context, /, **params: Any) -> None:
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
    from micromacro import commands  # the pipeline, only now that a command runs

    commands.report(ctx, **params)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="LOG...")
@_GOALS_OPTION
@_reading_options
@click.pass_context
def alert(ctx: click.Context, /, **params: Any) -> None:
    """Check the alert rules of the goals file: print one line per rule that fired and exit 3,
    or print nothing and exit 0 (so cron mails only on trouble).

    \b
    Examples:
      micromacro alert access.log --goals goals.yaml --since yesterday --until yesterday
      micromacro alert 'logs/access.log*' --since yesterday --compare previous-week
    """
    from micromacro import commands  # the pipeline, only now that a command runs

    commands.alert(ctx, **params)


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
    type=_OUTPUT,
    help="Write to FILE (a regular file is replaced atomically; a device, FIFO or /dev/fd/N is "
    "written in place; - is stdout).",
)
@_CSV_RAW_OPTION
@_EXCLUSIONS_GOALS_OPTION
@_hit_reading_options
@click.pass_context
def hits(ctx: click.Context, /, **params: Any) -> None:
    """Write every input line as a row of the canonical hit table: its file, line, bucket,
    variant, parsed fields, visitor and session (for debugging a format, for DuckDB or a
    spreadsheet, or to check the parser line by line).

    \b
    Examples:
      micromacro hits access.log > hits.csv
      micromacro hits 'logs/access.log*' --since 7d --format parquet -o hits.parquet
      micromacro hits access.log --format ndjson | jq 'select(.bucket == "malformed")'
    """
    from micromacro import commands  # the pipeline, only now that a command runs

    commands.hits(ctx, **params)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="LOG...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(SUGGESTION_FORMATS),
    default="yaml",
    show_default=True,
    help="yaml: a goals file, each goal under comments that say why; json: the candidates "
    "with their evidence, for tools.",
)
@click.option(
    "--output",
    "-o",
    type=_OUTPUT,
    help="Write to FILE (a regular file is replaced atomically) instead of stdout (-).",
)
@_EXCLUSIONS_GOALS_OPTION
@_hit_reading_options
@click.pass_context
def suggest(ctx: click.Context, /, **params: Any) -> None:
    """Propose a goals file from the logs: the macro and micro goals and the funnels their
    sessions show, each with the evidence for it (read as report reads them), and the goals
    file's exclude: and --exclude-ip applied, kept as its exclude: section.

    \b
    Examples:
      micromacro suggest access.log -o goals.yaml && micromacro check goals.yaml
      micromacro suggest 'logs/access.log*' --since 30d --format json
    """
    from micromacro import commands  # the pipeline, only now that a command runs

    commands.suggest(ctx, **params)


@cli.command()
@click.argument("goals_file", type=click.Path(dir_okay=True))
@click.option(
    "--compare",
    metavar=_COMPARE_METAVAR,
    help="The comparison period the alert job passes: change rules without their own compare: "
    "use it.",
)
@click.pass_context
def check(ctx: click.Context, /, **params: Any) -> None:
    """Validate and lint a goals file without reading any log."""
    from micromacro import commands  # the pipeline, only now that a command runs

    commands.check(ctx, **params)


@cli.group()
def cache() -> None:
    """Show or empty the hit cache: the hits of each log file a report read whole, kept so that
    the next report on the file does not parse it again."""


@cache.command("info")
@_CACHE_DIR_OPTION
@click.pass_context
def cache_info(ctx: click.Context, /, **params: Any) -> None:
    """List the entries of the cache: the file each belongs to, its lines and its size."""
    from micromacro import commands  # the pipeline, only now that a command runs

    commands.cache_info(ctx, **params)


@cache.command("clear")
@_CACHE_DIR_OPTION
@click.pass_context
def cache_clear(ctx: click.Context, /, **params: Any) -> None:
    """Remove every entry of the cache."""
    from micromacro import commands  # the pipeline, only now that a command runs

    commands.cache_clear(ctx, **params)


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
def formats(ctx: click.Context, /, **params: Any) -> None:
    """List the log formats --log-format accepts, with an example line each; or with --detect,
    explain what auto-detection makes of a log."""
    from micromacro import commands  # the pipeline, only now that a command runs

    commands.formats(ctx, **params)


def main() -> NoReturn:
    """The console-script entry point: runs the command, then ends the process at once
    (``environment.end_process``); SIGTERM and SIGHUP interrupt it as Ctrl-C does, and Python's
    cycle collector runs rarely (``environment.collect_cycles_rarely``)."""
    interrupt_on_termination()
    collect_cycles_rarely()
    try:
        cli.main(prog_name=PROG)
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            end_process(done.code or 0)
        raise
