"""The log format of a run, and what is said about how its lines were read.

The format is the one ``--log-format`` names, or the one auto-detection chooses from the first
lines of every input (``logformats``); the report's time zone is ``--tz``, or the first offset
in the first lines of an input (``[10/Oct/2000:13:55:36 -0700]``), or UTC. ``analyse_inputs``
shows what detection decides on (``micromacro formats --detect``).

Once the lines are read, the notes say what read them (the detected format, the first sample
line no format reads, the variants), and the warnings name the lines a format string did not
match and the lines whose trailing fields no format read (``UnreadFields``), each with its
first line and a remedy. ``--client-ip first-forwarded`` on a log without an X-Forwarded-For
field is a usage error.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from ipaddress import IPv4Network, IPv6Network
from typing import BinaryIO

import polars as pl

from micromacro.errors import UsageError
from micromacro.hit_cache import HitCache
from micromacro.hits import Unterminated, ending_text
from micromacro.inputs import Inputs
from micromacro.line_chunks import InputFile
from micromacro.logformats import (
    FAMILIES,
    Candidate,
    Detection,
    LogFormat,
    SampleAnalysis,
    UnrecognisedFormat,
    analyse_sample,
    choose_format,
    has_forwarded_for,
)
from micromacro.logformats import resolve_format as resolve_log_format
from micromacro.logformats.envelopes import ENVELOPES, envelopes_of
from micromacro.logformats.families import FamilyFormat
from micromacro.logformats.fields import bare_address, first_forwarded_ip
from micromacro.logformats.formatstrings import FormatString, suggest_format_string
from micromacro.option_values import AUTO
from micromacro.periods import parse_timezone

# The first lines of each input (file, line number, text): read once, used for the format,
# the time zone and the order of the inputs.
Sample = list[tuple[InputFile, int, str]]
# The first lines of each input a run looks at for its format and zone, and as many as it looks
# at in an input none of whose first ``SAMPLE_LINES`` the format reads: a program's start-up
# messages may come before the first request (an ingress controller's banner and its first log
# lines, in kubectl logs).
SAMPLE_LINES = 50
LONGER_SAMPLE_LINES = 2_000
# The UTC offset a line writes its time with: a bracketed time (the Common Log Format's), an ISO
# 8601 time or a CLF time unbracketed (JSON values: nginx's $time_iso8601 and $time_local,
# Traefik's StartLocal). A time in UTC (Z) or without an offset names no zone.
_LOG_OFFSET = re.compile(
    r"\[[^\]]*?([+-]\d{2}:?\d{2})\]"
    r"|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?([+-]\d{2}:?\d{2})\b"
    r"|\d{2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2} ([+-]\d{4})\b"
)
# How much of a line a note or a malformed line shows.
EXCERPT_CHARS = 120

# The mark of a variant that leaves fields at the end of its lines unread (``combined+fields``).
UNREAD_FIELDS = "+fields"
_TAIL_CHARS = 80


@dataclass(frozen=True)
class SampledFormat:
    """The log format of a run, its detection (None: named), the sample lines it was chosen by,
    how it reads them (``sample_read``) and the lines of the sample its inputs end in."""

    format: LogFormat
    detection: Detection | None
    sample: Sample
    read: pl.DataFrame
    # By input: the line of ``sample`` it ends in, no line break after it (``Inputs.unfinished``
    # as ``sample`` was taken: a later sampling of a grown input does not change it).
    unfinished: dict[str, int]


def choose_format_for(inputs: Inputs, requested: str, cache: HitCache | None) -> SampledFormat:
    """The format of ``inputs`` (``choose_log_format``), chosen by the first ``SAMPLE_LINES``
    lines of each input; an input none of whose first lines the format reads as a request
    (nothing is detected in any, or the format read in the others or named reads none of its
    lines) is sampled to its first ``LONGER_SAMPLE_LINES`` instead."""
    sample = list(inputs.sample_lines(SAMPLE_LINES))
    unfinished = dict(inputs.unfinished)
    try:
        fmt, detection = choose_log_format(sample, requested, cache)
    except UnrecognisedFormat:
        longer = list(inputs.sample_lines(LONGER_SAMPLE_LINES))
        if len(longer) == len(sample):
            raise
        fmt, detection = choose_log_format(longer, requested, cache)
        return SampledFormat(
            fmt, detection, longer, sample_read(fmt, longer), dict(inputs.unfinished)
        )
    read = sample_read(fmt, sample)
    unread = _inputs_unread(read)
    if not unread:
        return SampledFormat(fmt, detection, sample, read, unfinished)
    further = list(inputs.sample_lines(LONGER_SAMPLE_LINES, unread))
    longer = [line for line in sample if line[0].name not in unread] + further
    if len(longer) == len(sample):
        return SampledFormat(fmt, detection, sample, read, unfinished)
    # In input order, as the sample is.
    order = {file.name: index for index, file in enumerate(inputs.files)}
    longer.sort(key=lambda line: order[line[0].name])
    return SampledFormat(fmt, detection, longer, sample_read(fmt, longer), dict(inputs.unfinished))


def _inputs_unread(read: pl.DataFrame) -> set[str]:
    """The inputs of a ``sample_read`` none of whose sampled lines reads as a request (a
    program's own messages before its first request may be records of the format)."""
    per_input = read.group_by("source_file").agg(pl.col("ts").is_not_null().any())
    return {str(name) for name, done in per_input.iter_rows() if not done}


def choose_log_format(
    sample: Sample, requested: str, cache: HitCache | None = None
) -> tuple[LogFormat, Detection | None]:
    """The format named by ``requested`` (``--log-format``), or the one detected in ``sample``
    with its detection (``combined`` when there is no line to detect a format by). With a
    ``cache``, a detection is kept there, and the same sample lines (in the same files) are
    not read by every family again."""
    if requested != AUTO:
        return resolve_log_format(requested), None
    if not sample:
        return resolve_log_format("combined"), None
    key = json.dumps(["detection", [(file.name, number, text) for file, number, text in sample]])
    detection = _recalled(cache.recall(key)) if cache is not None else None
    if detection is None:
        detection = choose_format(_analysis(sample))
        if cache is not None:
            cache.remember(key, _record(detection))
    return detection.format, detection


def _record(detection: Detection) -> dict[str, object]:
    """A detection as JSON (``_recalled`` reads it back)."""
    return {
        "family": detection.format.family.name,
        "name": detection.format.unwrapped_name,
        "envelope": detection.format.envelope.name if detection.format.envelope else None,
        "parsed": detection.parsed,
        "sampled": detection.sampled,
        "candidates": [[c.family, c.read, c.variants] for c in detection.candidates],
        "unread": list(detection.unread) if detection.unread is not None else None,
    }


def _recalled(record: object) -> Detection | None:
    """The detection ``_record`` wrote, or None when ``record`` is none or not one."""
    if not isinstance(record, dict):
        return None
    try:
        family = next(f for f in FAMILIES if f.name == record["family"])
        unread = record["unread"]
        envelope = ENVELOPES[record["envelope"]] if record["envelope"] is not None else None
        return Detection(
            family.choose(str(record["name"]), envelope),
            int(record["parsed"]),
            int(record["sampled"]),
            tuple(
                Candidate(str(name), int(read), {str(k): int(v) for k, v in variants.items()})
                for name, read, variants in record["candidates"]
            ),
            (str(unread[0]), str(unread[1])) if unread is not None else None,
        )
    except (LookupError, StopIteration, TypeError, ValueError, AttributeError, ArithmeticError):
        return None


def _analysis(sample: Sample) -> SampleAnalysis:
    texts = [text for _, _, text in sample]
    return analyse_sample(texts, [f"{file.name}:{number}" for file, number, _ in sample])


def analyse_inputs(patterns: Sequence[str], *, stdin: BinaryIO | None = None) -> SampleAnalysis:
    """How every log format family reads the first lines of the inputs: what auto-detection
    decides on (``micromacro formats --detect``)."""
    with Inputs(patterns, stdin=stdin) as inputs:
        analysis = _analysis(list(inputs.sample_lines(SAMPLE_LINES)))
        if analysis.candidates and analysis.candidates[0].read:
            return analysis
        longer = list(inputs.sample_lines(LONGER_SAMPLE_LINES))
        return _analysis(longer) if len(longer) > analysis.lines else analysis


def named_format_string(fmt: LogFormat) -> FormatString | None:
    """The format string ``fmt`` reads with first, if it was named by one."""
    if isinstance(fmt, FamilyFormat) and isinstance(fmt.primary, FormatString):
        return fmt.primary
    return None


def unwrapped(fmt: LogFormat, line: str) -> str:
    """The line ``fmt`` reads in ``line``: itself, or the line inside its envelope
    (``syslog:combined``)."""
    return fmt.unwrap(line) if isinstance(fmt, FamilyFormat) else line


def _unwrapped_example(
    fmt: LogFormat, example: tuple[str, int, str] | None
) -> tuple[str, int, str] | None:
    """``example`` (input, line number, text) with the line ``fmt`` reads in its text."""
    return example if example is None else (example[0], example[1], unwrapped(fmt, example[2]))


def _in_envelope_of(fmt: LogFormat, name: str | None) -> str | None:
    """The ``--log-format`` that reads the lines of ``fmt`` with the format ``name``: in the same
    envelope (``syslog:`` + a format string)."""
    envelope = fmt.envelope if isinstance(fmt, FamilyFormat) else None
    return envelope.around(name) if envelope is not None and name is not None else name


def envelope_hint(fmt: LogFormat, requested: str, sample: Sample) -> str | None:
    """What to name when the format named (``requested``) reads none of the lines but does in
    an envelope that wraps them: ``--log-format syslog:combined`` (None: no envelope helps)."""
    if not isinstance(fmt, FamilyFormat) or fmt.envelope is not None:
        return None
    for envelope in envelopes_of([text for _, _, text in sample]):
        if sample_read(fmt.enveloped(envelope), sample).get_column("read").any():
            named = shlex.quote(envelope.around(requested))
            return f"its lines are wrapped in the {envelope.name} envelope: --log-format {named}"
    return None


def check_forwarded_for(fmt: LogFormat, sample: Sample) -> None:
    """A usage error for ``--client-ip first-forwarded`` on a log without an X-Forwarded-For
    field: the option would silently change nothing."""
    texts = [text for _, _, text in sample]
    if has_forwarded_for(fmt, texts):
        return
    lines = f"{len(texts)} sample line{'' if len(texts) == 1 else 's'}"
    raise UsageError(
        f"--client-ip first-forwarded: the log has no X-Forwarded-For field (read as {fmt.name}, "
        f"in {lines}); log it ($http_x_forwarded_for, %{{X-Forwarded-For}}i) and name the "
        "format with --log-format, or leave --client-ip remote"
    )


# A log whose X-Forwarded-For names this many times more clients than its connecting addresses
# do (and this many at least), on most of its first lines, is one written behind a proxy.
_PROXIED_RATIO = 3
_PROXIED_CLIENTS = 10
# The first lines looked at for it: enough for a CDN's many edge addresses to show as few.
PROXIED_SAMPLE_LINES = 2000
# Lines that may carry a forwarded address (others are not parsed for one): a quoted value
# that starts with an IPv4 or IPv6 address, as nginx and Apache log an X-Forwarded-For; in a
# JSON line, an X-Forwarded-For key whose value starts like an address.
_QUOTED_ADDRESS = re.compile(
    r'"[ \t]*(?:(?:\d{1,3}\.){3}\d{1,3}[ \t",:]|\[?[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]*[ \t",\]])'
)
_JSON_FORWARDED = re.compile(
    r'(?i)"(?:http_x_forwarded_for|x-forwarded-for|request_x-forwarded-for'
    r'|http\.request\.header\.x-forwarded-for)"\s*:\s*\[?\s*"\[?[0-9a-f]'
)


def proxied_clients_warning(
    fmt: LogFormat, sample: Sample, more: Callable[[], Sample]
) -> str | None:
    """A warning when most requests carry a public X-Forwarded-For address and those name far
    more clients than the connecting addresses: a log written behind a proxy or CDN, whose few
    addresses ``--client-ip remote`` would take for the visitors. Decided on ``more`` lines
    (the first ``PROXIED_SAMPLE_LINES``) when the ``sample`` has such addresses."""
    if _forwarded_clients(fmt, sample) is None:
        return None
    found = _forwarded_clients(fmt, more())
    if found is None:  # the first lines were behind a proxy, most of the others are not
        return None
    lines, remote, clients = found
    if clients < max(_PROXIED_CLIENTS, _PROXIED_RATIO * remote):
        return None
    string = named_format_string(fmt)
    header = string.forwarded_header if string is not None else "X-Forwarded-For"
    return (
        f"the {header} field names {clients:,} clients in the first {lines:,} requests, "
        f"where the connecting address names {remote:,}: a log written behind a proxy or CDN "
        "counts its addresses as the visitors; --client-ip first-forwarded takes the forwarded "
        "address instead (trust it behind your own proxy only)"
    )


_Network = IPv4Network | IPv6Network
# Cloudflare's published address ranges (www.cloudflare.com/ips): the connecting address of
# every request its proxy passes on.
_CLOUDFLARE = tuple(
    ipaddress.ip_network(network)
    for network in (
        "173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22",
        "141.101.64.0/18", "108.162.192.0/18", "190.93.240.0/20", "188.114.96.0/20",
        "197.234.240.0/22", "198.41.128.0/17", "162.158.0.0/15", "104.16.0.0/13",
        "104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22",
        "2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32",
        "2405:8100::/32", "2a06:98c0::/29", "2c0f:f248::/32",
    )
)  # fmt: skip


def client_address_warning(fmt: LogFormat, read: pl.DataFrame) -> str | None:
    """A warning when most requests of a sample (``read``: ``sample_read``) name no client
    address (visitors would be told apart by their user agent alone), or connect from
    Cloudflare's addresses (a site behind its proxy whose log has the proxy's address where
    the visitor's goes, so that ``--client-ip remote`` would count Cloudflare's servers as the
    visitors)."""
    requests = read.filter(pl.col("ts").is_not_null())
    if requests.is_empty():
        return None
    unnamed = requests.get_column("ip").null_count()
    if 2 * unnamed >= requests.height:
        envoy = isinstance(fmt, FamilyFormat) and fmt.family.name == "envoy"
        return (
            f"{unnamed:,} of the first {requests.height:,} requests name no client address: "
            "their visitors are told apart by their user agent alone"
            + (
                " (Envoy's default format logs the client in X-Forwarded-For only, here empty: "
                "add %DOWNSTREAM_REMOTE_ADDRESS% to it)"
                if envoy
                else ""
            )
        )
    counts = requests.select(bare_address(pl.col("ip"))).drop_nulls().to_series().value_counts()
    edge = sum(int(count) for ip, count in counts.iter_rows() if _in_networks(str(ip), _CLOUDFLARE))
    if 2 * edge < requests.height:
        return None
    where = (
        f"{edge:,} of the first {requests.height:,} requests connect from Cloudflare's addresses"
    )
    if 2 * requests.get_column("forwarded").sum() >= requests.height:
        return (
            f"{where}: their visitor's address is the forwarded one the log has; "
            "--client-ip first-forwarded reads it"
        )
    return (
        f"{where}: a log written behind its proxy counts Cloudflare's servers as the visitors; "
        "log the visitor's address (nginx: the realip module with real_ip_header "
        "CF-Connecting-IP, or $http_cf_connecting_ip in the log_format; Apache: mod_remoteip, "
        "or %{CF-Connecting-IP}i) and read a logged header with --client-ip first-forwarded"
    )


def _in_networks(address: str, networks: Sequence[_Network]) -> bool:
    """Whether ``address`` (``bare_address``) lies in one of ``networks``."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped  # ::ffff:172.70.1.2, as Node logs an IPv4 client
    return any(parsed in network for network in networks)


def _forwarded_clients(fmt: LogFormat, sample: Sample) -> tuple[int, int, int] | None:
    """Of the requests of ``sample``: how many, their connecting addresses, and the clients
    their X-Forwarded-For names (its first public address); None unless most requests have
    one."""
    if not any(_may_name_forwarded(unwrapped(fmt, text)) for _, _, text in sample):
        return None
    parsed = fmt.parser()(_sample_frame(sample))
    if "forwarded_for" not in parsed.collect_schema().names():
        return None
    forwarded = pl.col("_forwarded")
    lines, remote, proxied, clients = (
        parsed.filter(pl.col("parsed"))
        .with_columns(first_forwarded_ip().alias("_forwarded"))
        .select(
            pl.len().alias("lines"),
            pl.col("ip").n_unique().alias("remote"),
            (forwarded != pl.col("ip")).sum().alias("proxied"),
            forwarded.filter(forwarded != pl.col("ip")).n_unique(),
        )
        .collect()
        .row(0)
    )
    return (lines, remote, clients) if lines and proxied * 2 >= lines else None


def _may_name_forwarded(text: str) -> bool:
    """Whether a log line may hold a forwarded address (see ``_QUOTED_ADDRESS``)."""
    pattern = _JSON_FORWARDED if text.lstrip().startswith("{") else _QUOTED_ADDRESS
    return pattern.search(text) is not None


def _sample_frame(sample: Sample) -> pl.LazyFrame:
    return pl.DataFrame(
        {
            "source_file": pl.Series([file.name for file, _, _ in sample], dtype=pl.String),
            "line_no": pl.Series([number for _, number, _ in sample], dtype=pl.UInt32),
            "line": pl.Series([text for _, _, text in sample], dtype=pl.String),
        }
    ).lazy()


def sample_read(fmt: LogFormat, sample: Sample) -> pl.DataFrame:
    """How ``fmt`` reads each line of ``sample``: its input (``source_file``) and number
    (``line_no``), whether it is data (not a comment), whether it reads as ``fmt`` (``read``: a
    request, or another record of the format), whether it reads as a request with no field
    left unread (``whole``), and where it is a request its time (``ts``), client address
    (``ip``) and whether it has a forwarded one (``forwarded``)."""
    parsed = pl.col("parsed")
    unread = pl.col("variant").str.contains(UNREAD_FIELDS, literal=True).fill_null(False)
    return (
        fmt.parser()(_sample_frame(sample))
        .select(
            "source_file",
            "line_no",
            (~pl.col("comment")).alias("data"),
            (parsed | pl.col("not_http")).alias("read"),
            (parsed & ~unread).fill_null(False).alias("whole"),
            pl.when(parsed).then(pl.col("ts")).alias("ts"),
            pl.when(parsed).then(pl.col("ip")).alias("ip"),
            (parsed & pl.col("forwarded_for").is_not_null()).alias("forwarded"),
        )
        .collect()
    )


def unread_inputs(
    fmt: LogFormat,
    read: pl.DataFrame,
    unfinished: Mapping[str, int] | None = None,
    cut_rest: Callable[[str], bool] | None = None,
) -> list[str]:
    """A warning for each input of several none of whose sampled data lines reads as ``fmt``
    (``read``: ``sample_read``): a log of another format given with the others, whose lines
    would all be malformed. A line an input ends in with no line break after it
    (``unfinished``, its number by input: a new log's first line, half written) is not
    counted; nor is an input whose one data line is its first when that is the rest of a line
    cut in two by a ``copytruncate`` rotation (``cut_rest``, by input: the copy, another input,
    ends in the line's start with no line break after it)."""
    if read.get_column("source_file").n_unique() < 2:
        return []
    last = pl.col("source_file").replace_strict(
        dict(unfinished or {}), default=None, return_dtype=pl.UInt32
    )
    half_written = (pl.col("line_no") == last).fill_null(False)
    data = pl.col("data") & ~half_written
    per_input = read.group_by("source_file", maintain_order=True).agg(
        data.sum().alias("data"),
        pl.col("read").sum().alias("read"),
        (data & (pl.col("line_no") == 1)).any().alias("first"),
    )
    return [
        f"{name}: {_none_of_first(lines)} as {fmt.name}, the format found for the run's "
        "inputs, so its lines count as malformed; report on it in a run of its own"
        for name, lines, done, first in per_input.iter_rows()
        if lines
        and not done
        and not (lines == 1 and first and cut_rest is not None and cut_rest(name))
    ]


def _none_of_first(lines: int) -> str:
    """``none of its first 3 lines reads``, ``its first line does not read``."""
    return (
        "its first line does not read" if lines == 1 else f"none of its first {lines:,} lines reads"
    )


def report_timezone(
    requested: str | None, sampled: SampledFormat, newest_first: Sequence[str]
) -> tzinfo:
    """The zone ``requested`` (``--tz``), or the log's own: the first offset among the sample
    lines its format reads as requests, in the newest input holding one (``newest_first``: the
    inputs' names, newest first), the server's latest zone the sample shows (in the line
    inside any envelope); or UTC."""
    if requested:
        return parse_timezone(requested)
    requests = sampled.read.filter(pl.col("ts").is_not_null()).select("source_file", "line_no")
    lines_read = set(requests.iter_rows())
    rank = {name: index for index, name in enumerate(newest_first)}
    ordered = sorted(sampled.sample, key=lambda line: rank.get(line[0].name, len(rank)))
    for file, number, text in ordered:
        if (file.name, number) not in lines_read:
            continue
        match = _LOG_OFFSET.search(unwrapped(sampled.format, text))
        if match:
            offset = next(group for group in match.groups() if group)
            with contextlib.suppress(UsageError):  # no offset (+9900): look further
                return parse_timezone(offset)
    return UTC


def format_notes(
    fmt: LogFormat, detection: Detection | None, variants: dict[str, int]
) -> list[str]:
    """What was read how: the detected format, the first sample line no format reads, and the
    variants of the format that read the lines when there were several."""
    notes = []
    if detection is not None and not detection.sampled:
        notes.append(f"log format: {fmt.name} (no data line to detect a format by)")
    elif detection is not None:
        notes.append(
            f"log format: {fmt.name} (detected: {detection.parsed} of {detection.sampled} "
            "sample lines parsed)"
        )
        if detection.unread is not None:
            where, text = detection.unread
            notes.append(f"first sample line no format reads: {where}: {text[:EXCERPT_CHARS]}")
    name = fmt.unwrapped_name if isinstance(fmt, FamilyFormat) else fmt.name
    if len(variants) > 1 or (variants and next(iter(variants)) != name):
        ranked = sorted(variants.items(), key=lambda item: (-item[1], item[0]))
        shown = ", ".join(f"{name} {count:,}" for name, count in ranked)
        notes.append(f"variants read: {shown}")
    return notes


def unmatched_warning(
    fmt: LogFormat, variants: dict[str, int], example: tuple[str, int, str] | None
) -> list[str]:
    """A warning for the lines of the period a format string did not read, which the Common
    Log Format family read instead: where the first stops matching."""
    string = named_format_string(fmt)
    others = {name: count for name, count in variants.items() if string and name != string.name}
    example = _unwrapped_example(fmt, example)
    if string is None or not others or example is None:
        return []
    name, number, line = example
    shown = ", ".join(f"{variant} {count:,}" for variant, count in sorted(others.items()))
    lines = sum(others.values())
    return [
        f"{lines:,} {'line does' if lines == 1 else 'lines do'} not match the --log-format "
        f"string and {'was' if lines == 1 else 'were'} read by the Common Log Format family "
        f"instead ({shown}); first "
        f"{name}:{number}: {string.mismatch(line)}"
    ]


@dataclass(frozen=True)
class UnreadFields:
    """Lines of the period read with trailing fields left unread: how many, by which variants,
    the first of them, and a format string that reads it whole (None: none is known)."""

    lines: int
    variants: tuple[str, ...]
    location: str
    line: str
    suggestion: str | None
    # Whether the first is the last line of its input with no line break after it (``hits``'
    # ``Unterminated``): "live", it may be half written and is then the only one.
    unterminated: Unterminated = ""

    @property
    def unfinished(self) -> bool:
        """Whether the only line is a live input's last, perhaps half written: a line cut after
        its first fields, not a format with more of them."""
        return self.lines == 1 and self.unterminated == "live"

    def remedy(self) -> str:
        """What to do about them ("" for an ``unfinished`` line: wait for the rest of it)."""
        if self.unfinished:
            return ""
        if self.suggestion is None:
            return "name the format with --log-format (an nginx or Apache format string)"
        return f"to read them, name the format: --log-format {shlex.quote(self.suggestion)}"

    def where(self) -> str:
        """The first line's place, and what its ending says of it."""
        ending = ending_text(self.unterminated)
        return f"{self.location} ({ending})" if ending else self.location

    def warning(self) -> str:
        """``60 lines end with fields left unread (…), first access.log:1: …; …``."""
        tail = self.line if len(self.line) <= _TAIL_CHARS else "…" + self.line[-_TAIL_CHARS:]
        plural = "line ends" if self.lines == 1 else "lines end"
        remedy = self.remedy()
        return (
            f"{self.lines:,} {plural} with fields left unread ({', '.join(self.variants)}), "
            f"first {self.where()}: {tail}{f'; {remedy}' if remedy else ''}"
        )


def lines_with_unread_fields(
    fmt: LogFormat,
    variants: dict[str, int],
    example: tuple[str, int, str] | None,
    unterminated: Unterminated = "",
) -> UnreadFields | None:
    """The lines ``fmt`` read with ``+fields`` variants (``variants``: lines by variant), the
    first of them ``example`` (input, line number, text; ``unterminated``: whether its input
    ends in it with no line break after it); None when there are none."""
    names = sorted(name for name in variants if UNREAD_FIELDS in name)
    example = _unwrapped_example(fmt, example)
    if not names or example is None:
        return None
    name, number, line = example
    return UnreadFields(
        lines=sum(variants[v] for v in names),
        variants=tuple(names),
        location=f"{name}:{number}",
        line=line,
        suggestion=_in_envelope_of(fmt, suggest_format_string(line)),
        unterminated=unterminated,
    )
