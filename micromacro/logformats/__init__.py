"""Log formats: name or recognise one, and parse lines into hit fields.

Every format cuts a line into raw fields (``fields.RAW_FIELDS``) with whole-column Polars
expressions, and ``fields.normalize`` types them the same way for all of them. Formats are the
presets of ``FORMATS`` or a format string (nginx ``log_format``, Apache ``LogFormat``).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from micromacro.cpus import usable_cpus
from micromacro.errors import InputError, UsageError
from micromacro.hit_schema import HIT_SCHEMA
from micromacro.logformats.base import LineParser, LogFormat, RegexFormat
from micromacro.logformats.clf import (
    CLF_FAMILY,
    COMBINED,
    COMMON,
    TRAEFIK_CLF,
    VHOST_COMBINED,
    VHOST_COMMON,
)
from micromacro.logformats.envelopes import ENVELOPES, Envelope, envelopes_of
from micromacro.logformats.families import Family, FamilyFormat, NotHttp
from micromacro.logformats.fields import PARSED_COLUMNS, UTC_MICROS
from micromacro.logformats.formatstrings import compile_format_string
from micromacro.logformats.jsonlines import JSON_FAMILY, holds_field
from micromacro.logformats.keyvalue import LOGFMT_FAMILY, LTSV_FAMILY
from micromacro.logformats.presets import LB_FAMILIES
from micromacro.logformats.w3c import W3C_FAMILIES
from micromacro.option_values import AUTO
from micromacro.text import quoted

__all__ = [
    "COMBINED",
    "COMMON",
    "FAMILIES",
    "FORMATS",
    "GENERAL_READERS",
    "PARSED_COLUMNS",
    "TRAEFIK_CLF",
    "UTC_MICROS",
    "VHOST_COMBINED",
    "VHOST_COMMON",
    "Candidate",
    "Detection",
    "ExportReadAsLog",
    "Family",
    "FamilyFormat",
    "LineParser",
    "LogFormat",
    "NotHttp",
    "RegexFormat",
    "SampleAnalysis",
    "UnrecognisedFormat",
    "analyse_sample",
    "choose_format",
    "detect_format",
    "has_forwarded_for",
    "parse_access_lines",
    "resolve_format",
]

# Every family, in the order auto-detection prefers them when two read the sample alike.
FAMILIES: tuple[Family, ...] = (
    CLF_FAMILY, *LB_FAMILIES, *W3C_FAMILIES, JSON_FAMILY, LOGFMT_FAMILY, LTSV_FAMILY,
)  # fmt: skip
# Every preset (a family read with one variant first), in the order ``micromacro formats``
# lists them.
FORMATS: dict[str, FamilyFormat] = {
    variant.name: family.choose(variant.name) for family in FAMILIES for variant in family.variants
}
# A family's general reader can be named too (auto-detection chooses it for files where no
# variant has half of the lines): ``clf``, ``alb_any``, ….
GENERAL_READERS: dict[str, FamilyFormat] = {
    family.general.name: family.choose(family.general.name)
    for family in FAMILIES
    if family.general is not None
}

# The fields two candidates must agree on for a tie between them not to be ambiguous.
_DECIDING_FIELDS = (
    "comment", "not_http", "parsed", "ts", "ip", "method", "path", "query", "status",
    "user_agent",
)  # fmt: skip
# The fields of the sample a family's reading keeps: those, and the host, which says whether
# an envelope's header was read as a virtual host (``_reads_better``).
_SAMPLE_FIELDS = (*_DECIDING_FIELDS, "host")


# A sample line a family accounts for: read as a request, as a non-HTTP record or a comment.
_ACCOUNTED = pl.col("parsed") | pl.col("not_http") | pl.col("comment")


@dataclass(frozen=True)
class Candidate:
    """How one family read the sample: lines it read (HTTP requests or its non-HTTP records)
    and the variants it read them with (variant → lines)."""

    family: str
    read: int
    variants: dict[str, int]

    @property
    def unread_fields(self) -> int:
        """Sample lines read with trailing fields left unread (a ``+fields`` variant)."""
        return sum(count for name, count in self.variants.items() if "+fields" in name)


@dataclass(frozen=True)
class Detection:
    """What auto-detection chose and why.

    ``parsed`` sample lines were read by the chosen format, of ``sampled`` (comment lines left
    out); ``candidates`` says how every family read the sample, best first; ``unread`` is the
    first sample line no family read (its location and text), if any.
    """

    format: FamilyFormat
    parsed: int
    sampled: int
    candidates: tuple[Candidate, ...] = ()
    unread: tuple[str, str] | None = None


def resolve_format(name: str) -> LogFormat:
    """The preset called ``name``, or the format an nginx or Apache format string describes.

    A family's general reader is named like a preset (``clf``). A format string is read
    first, with the Common Log Format family for the lines it does not read. Either may follow
    an envelope's name and a colon (``syslog:combined``): the format read in the lines it
    wraps. Raises ``UsageError`` (exit 2) naming the presets when ``name`` is neither.
    """
    envelope, colon, inner = name.partition(":")
    if colon and envelope in ENVELOPES:
        return _in_envelope(inner, ENVELOPES[envelope])
    return _unwrapped_format(name)


def _in_envelope(name: str, envelope: Envelope) -> LogFormat:
    """The format ``name`` read in the lines ``envelope`` wraps."""
    if name in (AUTO, ""):
        raise UsageError(
            f"--log-format {envelope.around(name)}: an envelope holds a format named after it "
            f"({envelope.around('combined')}); auto-detection finds envelopes itself"
        )
    if name.partition(":")[0] in ENVELOPES:
        raise UsageError(
            f"unknown log format {quoted(envelope.around(name))} (an envelope holds a log "
            "format, not another envelope)"
        )
    return _unwrapped_format(name).enveloped(envelope)


def _unwrapped_format(name: str) -> FamilyFormat:
    """``resolve_format`` of a name without an envelope."""
    if name in FORMATS:
        return FORMATS[name]
    if name in GENERAL_READERS:
        return GENERAL_READERS[name]
    compiled = compile_format_string(name)
    if compiled is None:
        names = [AUTO, *FORMATS, *GENERAL_READERS]
        raise UsageError(
            f"unknown log format {quoted(name)} ({_name_hint(name, names)}expected one of "
            f"{', '.join(names)}, or an nginx log_format or Apache LogFormat string, maybe "
            f"after {' or '.join(f'{e}:' for e in ENVELOPES)})"
        )
    return FamilyFormat(CLF_FAMILY, compiled, compiled.name)


# What a server writes when its configuration names no format, for a --log-format that names
# the server: its name is nearest to no preset of what it writes (nginx to nginx_json).
_SERVER_FORMATS = {
    "nginx": "did you mean combined or combined+xff? nginx writes combined by default, the main "
    "format of its stock nginx.conf is combined+xff, and nginx_json reads a JSON log_format; ",
    "apache": "did you mean combined or common? Apache httpd's stock configurations write one "
    "of them, and vhost_combined the virtual host first; ",
}
_SERVER_NAMES = {"nginx": "nginx", "apache": "apache", "apache2": "apache", "httpd": "apache"}


def _name_hint(name: str, names: Sequence[str]) -> str:
    """What an unknown ``--log-format`` ``name`` may have meant: the formats a server writes
    when it names one, else the nearest of ``names`` (empty when none is near).

    >>> _name_hint("combind", ["combined", "common"])
    'did you mean combined? '
    """
    server = _SERVER_NAMES.get(name.strip().lower())
    if server is not None:
        return _SERVER_FORMATS[server]
    near = difflib.get_close_matches(name, names, n=1)
    return f"did you mean {near[0]}? " if near else ""


def parse_access_lines(lines: pl.LazyFrame, fmt: LogFormat) -> pl.LazyFrame:
    """Parse one line table (``source_file``, ``line_no``, ``line``) with a fresh parser."""
    return fmt.parser()(lines)


def _sample_frame(sample: Sequence[str]) -> pl.LazyFrame:
    return pl.DataFrame(
        {
            "source_file": ["sample"] * len(sample),
            "line_no": pl.Series(range(1, len(sample) + 1), dtype=pl.UInt32),
            "line": pl.Series(sample, dtype=pl.String),
        }
    ).lazy()


def _primary_variant(family: Family, variants: dict[str, int]) -> str:
    """The variant a run reads every line with first: the strict variant most sample lines
    have, when at least half of them have it (its exact regex is the fast path); otherwise the
    family's general reader. The family's first variant when no line was an HTTP request."""
    strict = {v.name: variants.get(v.name, 0) for v in family.variants}
    best = max(strict, key=lambda name: strict[name])
    read = sum(variants.values())
    if family.general is None or (read and 2 * strict[best] >= read) or not read:
        return best
    return family.general.name


@dataclass(frozen=True)
class SampleAnalysis:
    """How every family reads a sample: ``candidates`` best first, the number of sample
    ``lines`` and of ``comments`` among them, and the first line no family reads (its
    location and text)."""

    lines: int
    comments: int
    candidates: tuple[Candidate, ...]
    unread: tuple[str, str] | None
    tables: dict[str, pl.DataFrame] = field(repr=False, compare=False)
    w3c_header: bool = False  # a ``#Fields:`` line is among them
    # The first line no family reads as a comment (its location and text): what a sample no
    # family recognises is named by, when every line is accounted for by records that do not
    # recognise a format (``NotHttp.recognises``).
    first_data: tuple[str, str] | None = None
    # What the lines read are wrapped in (None: they are read as they are).
    envelope: Envelope | None = None

    def records_and_unread(self, family: str) -> tuple[int, int] | None:
        """Of the sample lines that are no comment, how many ``family`` reads as records of
        the server's own (``not_http``, which name no format and so count in no ``read``) and
        how many it reads not at all; None for a family not tried."""
        table = self.tables.get(family)
        if table is None:
            return None
        left = ~pl.col("parsed") & ~pl.col("comment")
        counts = table.select(
            records=(left & pl.col("not_http")).sum(), unread=(left & ~pl.col("not_http")).sum()
        ).row(0)
        return int(counts[0]), int(counts[1])


def analyse_sample(
    sample: Sequence[str],
    locations: Sequence[str] | None = None,
    *,
    families: Sequence[Family] = FAMILIES,
) -> SampleAnalysis:
    """Parse ``sample`` with every family's most lenient reader. ``locations``
    (``access.log:3``, one per line) name the lines in messages.

    Where an envelope wraps half of the lines or more (a syslog header, a container's prefix:
    ``envelopes``), the lines inside it are read too, and that reading is the analysis
    (``envelope`` says so) when it reads more lines, or as many but other fields than the
    lines as they are: a header read as fields (a virtual host, a client) is no part of the
    server's line (``_reads_better``). A family that
    reads the header itself (HAProxy's) reads the same fields either way, and its lines are
    read as they are."""
    lines = list(sample)
    where = (
        list(locations) if locations is not None else [f"line {n + 1}" for n in range(len(lines))]
    )
    analysis = _analyse(lines, where, families)
    for envelope in envelopes_of(lines):
        inside = _analyse([envelope.unwrap(line) for line in lines], where, families)
        if _reads_better(inside, analysis):
            analysis = dataclasses.replace(inside, envelope=envelope)
    return _whole_lines(analysis, dict(zip(where, lines, strict=True)))


def _reads_better(inside: SampleAnalysis, outside: SampleAnalysis) -> bool:
    """Whether the reading ``inside`` an envelope is the sample's, rather than ``outside``:
    it reads more lines, or as many and accounts for as many (as requests, records or
    comments), some with other fields. Other fields decide against the lines as they are
    only: where ``outside`` is an earlier envelope's reading of as many lines, it is kept (a
    syslog header's host and tag look like stern's pod and container, and what is left of
    the header after them like a virtual host)."""
    best_inside, best_outside = _best_reading(inside), _best_reading(outside)
    if best_inside is None or best_outside is None:
        return best_inside is not None
    counts_inside, counts_outside = _reading_counts(inside), _reading_counts(outside)
    if counts_inside != counts_outside:
        return counts_inside > counts_outside
    if outside.envelope is not None:
        return False
    return not best_inside.drop("variant").equals(best_outside.drop("variant"))


def _best_reading(analysis: SampleAnalysis) -> pl.DataFrame | None:
    """The sample's table as the family reading most of its lines read it (None: none reads a
    line)."""
    if not analysis.candidates or not analysis.candidates[0].read:
        return None
    return analysis.tables[analysis.candidates[0].family]


def _reading_counts(analysis: SampleAnalysis) -> tuple[int, int]:
    """The lines the best family reads, and those it accounts for."""
    table = analysis.tables[analysis.candidates[0].family]
    return analysis.candidates[0].read, int(table.select(_ACCOUNTED.sum()).item())


def _whole_lines(analysis: SampleAnalysis, lines: dict[str, str]) -> SampleAnalysis:
    """``analysis`` quoting the whole lines (``lines``: by location) of the lines it names."""
    if analysis.envelope is None:
        return analysis

    def whole(found: tuple[str, str] | None) -> tuple[str, str] | None:
        return (found[0], lines[found[0]]) if found is not None else None

    return dataclasses.replace(
        analysis, unread=whole(analysis.unread), first_data=whole(analysis.first_data)
    )


def _analyse(lines: list[str], where: list[str], families: Sequence[Family]) -> SampleAnalysis:
    """``analyse_sample`` of the lines as they are."""
    frame = _sample_frame(lines)

    def read_with(family: Family) -> pl.DataFrame:
        if family.claims is not None and not _any_claimed(frame, family.claims):
            return _unread_lines(len(lines))
        return (
            parse_access_lines(frame, family.detector())
            .select(*_SAMPLE_FIELDS, "variant")
            .collect()
        )

    # The families read the sample side by side: each reader's time is Polars planning its
    # many small queries, which runs outside the GIL.
    with ThreadPoolExecutor(max_workers=usable_cpus()) as pool:
        tables = dict(zip([f.name for f in families], pool.map(read_with, families), strict=True))
    candidates = [_candidate(name, table) for name, table in tables.items()]
    accounted = pl.DataFrame(
        {name: table.select(_ACCOUNTED).to_series() for name, table in tables.items()}
    ).select(pl.any_horizontal(pl.all()).alias("read"))
    unread_rows = accounted.with_row_index().filter(~pl.col("read")).get_column("index")
    unread = (where[unread_rows[0]], lines[unread_rows[0]]) if len(unread_rows) else None
    comments = max((int(t["comment"].sum()) for t in tables.values()), default=0)
    ranked = tuple(sorted(candidates, key=lambda c: -c.read))
    w3c_header = any(line.startswith("#Fields:") for line in lines)
    data_rows = (
        pl.DataFrame({name: table.get_column("comment") for name, table in tables.items()})
        .select(~pl.any_horizontal(pl.all()).alias("data"))
        .with_row_index()
        .filter("data")
        .get_column("index")
    )
    first_data = (where[data_rows[0]], lines[data_rows[0]]) if len(data_rows) else None
    return SampleAnalysis(len(lines), comments, ranked, unread, tables, w3c_header, first_data)


def choose_format(analysis: SampleAnalysis, families: Sequence[Family] = FAMILIES) -> Detection:
    """The family that reads most sample lines, read with the variant most of them have.

    Among families reading equally many, those that leave fewest lines with trailing fields
    unread (``+fields``) are kept; of these the first in ``families`` wins when they read every
    line alike; when they read the lines differently the choice is ambiguous. Raises
    ``InputError`` when nothing reads a line or the choice is ambiguous, naming every candidate
    and how many sample lines it read.
    """
    ranked = analysis.candidates
    best = ranked[0].read if ranked else 0
    if best == 0 and analysis.lines and analysis.comments == analysis.lines:
        # Only blank, comment and directive lines (IIS writes its header before any request):
        # nothing to choose by, and nothing to read; W3C when a header says so.
        family = W3C_FAMILIES[0] if analysis.w3c_header else families[0]
        return Detection(family.choose(family.variants[0].name), 0, 0, ranked, None)
    if best == 0:
        raise _nothing_reads(analysis)
    order = [f.name for f in families]
    tied = [c for c in ranked if c.read == best]
    # Of families reading as many lines, those leaving fewest fields unread: a reader of the
    # whole line beats one that reads a prefix of it.
    fewest = min(c.unread_fields for c in tied)
    tied = sorted(
        (c for c in tied if c.unread_fields == fewest), key=lambda c: order.index(c.family)
    )
    first = analysis.tables[tied[0].family].select(_DECIDING_FIELDS)
    differing = [
        c for c in tied[1:] if not analysis.tables[c.family].select(_DECIDING_FIELDS).equals(first)
    ]
    if differing:
        names = ", ".join(
            f"{c.family} ({best} of {analysis.lines} lines)" for c in (tied[0], *differing)
        )
        raise InputError(
            f"ambiguous log format: {names} read the sample differently; name one with --log-format"
        )
    family = families[order.index(tied[0].family)]
    chosen = family.choose(_primary_variant(family, tied[0].variants), analysis.envelope)
    sampled = analysis.lines - analysis.comments
    return Detection(chosen, best, sampled, ranked, analysis.unread)


def detect_format(
    sample: Sequence[str],
    locations: Sequence[str] | None = None,
    *,
    families: Sequence[Family] = FAMILIES,
) -> Detection:
    """The format of ``sample`` (``analyse_sample``, then ``choose_format``).

    >>> detect_format([COMBINED.example]).format.name
    'combined'
    """
    return choose_format(analyse_sample(sample, locations, families=families), families)


# Variants that read a line with an X-Forwarded-For field, whatever it holds.
_FORWARDED_VARIANT = r"\+(?:xff|address_list)\b"


def has_forwarded_for(fmt: LogFormat, sample: Sequence[str]) -> bool:
    """Whether the log ``sample`` (its first lines) comes from has an X-Forwarded-For field for
    ``--client-ip first-forwarded``, even where it is empty (``-``): a line read with one (a
    ``+xff`` or ``+address_list`` variant, a format string or preset with the field), a value
    read, or a ``#Fields:`` header or JSON key naming it. True when no sample line parses:
    there is nothing to say it lacks one."""
    if not sample:
        return True
    parsed = parse_access_lines(_sample_frame(sample), fmt).collect()
    if not parsed.get_column("parsed").any():
        return True
    with_field = {"__none__"}
    if isinstance(fmt, FamilyFormat):
        readers = (fmt.primary, *fmt.family.variants)
        with_field |= {
            r.name
            for r in readers
            if isinstance(r, RegexFormat) and r.fields & {"forwarded_for", "client_address"}
        }
        marker = fmt.family.forwarded_for_marker
        if marker is not None and pl.Series(list(sample)).str.contains(marker).any():
            return True
    variant = pl.col("variant")
    found = parsed.select(
        (
            pl.col("parsed")
            & (
                pl.col("forwarded_for").is_not_null()
                | variant.is_in(sorted(with_field))
                | variant.str.contains(_FORWARDED_VARIANT)
            )
        ).any()
    ).item()
    return bool(found)


def _any_claimed(frame: pl.LazyFrame, claims: str) -> bool:
    """Whether some line of ``frame`` matches a family's ``claims``."""
    return bool(frame.select(pl.col("line").str.contains(claims).any()).collect().item())


def _unread_lines(count: int) -> pl.DataFrame:
    """The detection table (``_SAMPLE_FIELDS`` and ``variant``) of ``count`` lines a family
    does not account for, as its parse gives it: neither read, nor a comment, nor a non-HTTP
    record, and no field."""
    flags = ("comment", "not_http", "parsed")
    fields = [name for name in _SAMPLE_FIELDS if name not in flags]
    return pl.DataFrame({name: pl.repeat(False, count, eager=True) for name in flags}).with_columns(
        *(pl.lit(None, dtype=HIT_SCHEMA[name]).alias(name) for name in fields),
        pl.lit(None, dtype=pl.String).alias("variant"),
    )


# Records that are no request and do not recognise their format (``NotHttp.recognises``).
_UNRECOGNISING = [r.name for f in FAMILIES for r in f.not_http if not r.recognises]


def _candidate(family: str, table: pl.DataFrame) -> Candidate:
    recognising = pl.col("not_http") & ~pl.col("variant").is_in(_UNRECOGNISING).fill_null(False)
    read = int(table.select((pl.col("parsed") | recognising).sum()).item())
    counts = table.filter(pl.col("parsed")).get_column("variant").value_counts()
    variants = {str(name): int(count) for name, count in counts.iter_rows()}
    return Candidate(family, read, variants)


class UnrecognisedFormat(InputError):
    """No format reads a line of the sample (and it is no event export)."""


class ExportReadAsLog(InputError):
    """An event export read as an access log (no goals file's ``source:`` maps it): the input
    ``name`` and what it looks like (``kind``). The message says how to report it; a command
    that reads access logs only says so instead (``reads_logs_only``)."""

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind
        # The presets read GA4's and Segment's nested NDJSON and Parquet; a flat file is mapped.
        presets = "" if "CSV" in kind else "preset: ga4 or segment; "
        super().__init__(
            f"{self._looks_like()}: report it with a goals file whose source: section maps its "
            f"columns ({presets}see the README's Event exports)"
        )

    def _looks_like(self) -> str:
        return f"{self.name} looks like {self.kind}, not an access log"

    def reads_logs_only(self, command: str) -> InputError:
        """The error of ``micromacro COMMAND``, which reads access logs only.

        >>> str(ExportReadAsLog("e.json", "a GA4 export").reads_logs_only("hits"))
        'e.json looks like a GA4 export, not an access log: micromacro hits reads access logs only'
        """
        return InputError(f"{self._looks_like()}: micromacro {command} reads access logs only")


# Keys that name an analytics event rather than a request, in the first object of an export.
_GA4_KEYS = ('"event_name"', '"user_pseudo_id"', '"event_timestamp"')
_SEGMENT_KEYS = ('"anonymousId"', '"userId"', '"messageId"')
# A CSV header: two or more names (quoted or not) of letters, digits, _ . - and spaces.
_NAME = r'(?:[A-Za-z_][\w.\- ]*|"[A-Za-z_][\w.\- ]*")'
_CSV_HEADER = re.compile(rf"\ufeff?{_NAME}(?:,{_NAME})+\s*")


def _export_kind(line: str) -> str | None:
    """What event export ``line`` (the first line no family reads) starts, if it starts one."""
    if line.startswith("PAR1"):
        return "a Parquet file (an event export?)"
    if _CSV_HEADER.fullmatch(line):
        return "a CSV file with a header (an event export?)"
    if not line.lstrip().startswith("{"):
        return None
    if any(key in line for key in _GA4_KEYS):
        return "a GA4 event export"
    if any(key in line for key in _SEGMENT_KEYS):
        return "a Segment event export"
    return None


def _nothing_reads(analysis: SampleAnalysis) -> UnrecognisedFormat | ExportReadAsLog:
    """The error of a sample no family reads a line of: an event export named for what it is."""
    tried = ", ".join(f"{c.family} {c.read}" for c in analysis.candidates)
    if not analysis.lines:
        return UnrecognisedFormat(
            f"cannot recognise the log format: no sample lines; tried {tried}"
        )
    unread = analysis.unread or analysis.first_data
    export = _export_kind(unread[1]) if unread else None
    if unread and export:
        return ExportReadAsLog(unread[0].rsplit(":", 1)[0], export)
    first = f"; first line {unread[0]}: {unread[1][:120]}" if unread else ""
    advice = (
        _json_advice(unread[1]) or _encoding_advice(unread[1]) if unread else None
    ) or "name it with --log-format (see micromacro formats)"
    return UnrecognisedFormat(
        f"cannot recognise the log format: no format reads any of the {analysis.lines} sample "
        f"lines (lines read: {tried}){first}; {advice}"
    )


def looks_utf16(line: str) -> bool:
    r"""Whether ``line`` (read as UTF-8) looks like UTF-16 text: a NUL byte beside every other
    character, as ASCII text in UTF-16 reads.

    >>> looks_utf16("1\x000\x00.\x001\x00 \x00-\x00"), looks_utf16("\x00\x00\x00abc")
    (True, False)
    """
    # A character beyond U+00FF has no NUL byte: a third of NULs, never two side by side.
    return len(line) >= 8 and line.count("\x00") * 3 >= len(line) and "\x00\x00" not in line


def _encoding_advice(line: str) -> str | None:
    """What to do with a sample whose first unread line is UTF-16 text (None: it is not)."""
    if not looks_utf16(line):
        return None
    # A byte-order mark reads as two U+FFFD; then the NUL byte comes first in big-endian text.
    order = "BE" if line.lstrip("\ufffd").startswith("\x00") else "LE"
    return (
        "the log looks UTF-16 encoded (a NUL byte beside every character, as Windows "
        f"PowerShell's Out-File writes): convert it to UTF-8 first (iconv -f UTF-16{order} -t "
        "UTF-8 FILE)"
    )


# A JSON document written across lines, or an array of objects: what a cloud console's download
# gives, where an access log in JSON is one object a line.
_JSON_DOCUMENT = re.compile(r"\s*(?:\[\s*\{?|\{)\s*")


def _json_advice(line: str) -> str | None:
    """What to do with a sample whose first unread line is JSON no reader takes: a document
    across lines or an array (one object a line is needed), or objects with no key the ``json``
    reader knows for a time or a request (None: the line is no JSON)."""
    if _JSON_DOCUMENT.fullmatch(line) or line.lstrip().startswith("[{"):
        return (
            "it looks like a JSON array or a JSON document across lines: an access log in JSON "
            "is one object a line (convert it with jq -c '.[]' FILE, or jq -c . FILE)"
        )
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):  # no JSON, or nested too deep to read
        return None
    if not isinstance(record, dict) or {"level", "msg"} <= record.keys():
        return None  # no JSON, or a logger's message (Caddy's own): the log may be read still
    missing = [name for name in ("time", "request") if not holds_field(record, name)]
    if not missing:
        return None
    return (
        f"its JSON objects hold no key the json reader knows for the {' or the '.join(missing)} "
        "(the README's json format lists the keys it reads: write the log with them, or rename "
        "its keys, with jq say)"
    )
