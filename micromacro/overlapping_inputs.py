"""Inputs that overlap: rotated logs or copies that hold the same lines, whose hits are counted
once per input. Without ``--dedupe``, a run of several inputs keeps a sample of the counted
lines as it reads them (``OverlapSample``) and warns of each pair of inputs that share a sampled
line, with the time they overlap and about how many lines they share; ``--dedupe`` counts a
line found in an earlier input once. An event export's rows are compared as a log's lines
are (``row_hash``: their content), and ``--dedupe`` makes a counted row of a later file that an
earlier one holds a ``duplicate`` (``without_earlier_rows``).

Two access logs may also log the same requests in other layouts, so that no line of one is a
line of the other: mod_ssl's ``ssl_request_log`` logs again, without status, referrer or user
agent, each request of ``ssl_access_log``, and a glob of ``/var/log/httpd/*`` reads both. With
or without ``--dedupe`` (which compares lines), a run of several access logs also samples the
requests of its counted lines (``request_sample``: time, client address, method, path and
query, of the lines of one second in 16 but redirects) and warns of each pair of inputs whose
lines of different variants log the same requests (``_copies``): nine tenths or more, and four
at least, of the sampled requests of the time both cover, of the one with fewer there, each as
often, where that time holds a tenth of one's; a request logged by more than eight inputs (one
page asked for at once on many balanced servers) is left out. Each request is counted twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from micromacro.hit_schema import COUNTED_EXPORT_BUCKETS, EXPORT_BUCKET

_HASH = "_line_hash"
# An input's name as text (a categorical in the hits).
_SOURCE = pl.col("source_file").cast(pl.String)
# One counted line in this many (by hash) is compared across inputs for the overlap hint.
_OVERLAP_SAMPLE = 16
# Pairs of inputs named by the overlap hint, at most.
_OVERLAP_PAIRS = 3
# A column a chunk of lines may carry: ``sample_hash`` of each line, worked out already (the
# hit cache keeps it, and no line's text).
SAMPLE_HASH = "_sample_hash"
# A column a chunk of lines may carry: ``request_sample`` of each line, worked out already (the
# hit cache keeps it, and no client address or method).
REQUEST_SAMPLE = "_request_sample"
# A column parsed lines may carry: the connection's address, where ``--client-ip`` made the
# client a forwarded one.
CONNECTION = "_connection"
# What a request is, whatever layout logged it: its time, connecting address, method, path and
# query.
_REQUEST = ("method", "path", "query")
# Inputs whose lines of different variants share at least this part (9/10) of the sampled
# requests of their common stretch of time, of the one with fewer there, log the same requests:
# a copy shares all of them, two servers behind a balancer that logs its own address as every
# client share only those of one page in one second on both (under half, but more as they are
# busier).
_SAME_SHARE = (9, 10)
# ... at least this many of them (about 64 requests), and where the stretch of time both cover
# holds at least this part (1/10) of one of the two inputs' sampled requests.
_SAME_AT_LEAST = 4
_SAME_STRETCH = 10
# A request logged by more inputs than this is no copy's (a copy is in two, a few more where
# rotated copies overlap): it is left out of the comparison, whose pairs it would multiply.
_SAME_INPUTS = 8


def sample_hash() -> pl.Expr:
    """The hash of a line (``line``) when the line is in the sample, else null."""
    return sampled(pl.col("line").hash())


def request_sample(columns: Collection[str]) -> pl.Expr:
    """The hash of the request a classified line logs (its time, connecting address, method,
    path and query) where the line's second is in the sample (one in ``_OVERLAP_SAMPLE``) and
    it is no redirect, else null: two layouts that log the same request give it one hash, and
    both copies are sampled.
    The address is ``CONNECTION`` where the lines (``columns``) have it: every layout logs the
    connection's address, only some a forwarded client's."""
    client = pl.col(CONNECTION if CONNECTION in columns else "ip").cast(pl.String)
    fields = (pl.col(name).cast(pl.String) for name in _REQUEST)
    return pl.when(_in_request_sample()).then(pl.struct("ts", client, *fields).hash())


def _in_request_sample() -> pl.Expr:
    """Whether a line's request is in the sample: its second is, and it is no redirect (a 3xx
    but 304, which counts as a page; with ``--include-redirects``, a plain-HTTP log's redirect
    to HTTPS is the same second, address and path as the request that follows it, but another
    request)."""
    redirect = (pl.col("status").is_between(300, 399) & (pl.col("status") != 304)).fill_null(False)
    return (pl.col("ts").dt.epoch("s") % _OVERLAP_SAMPLE == 0) & ~redirect


def sampled(hashes: pl.Expr) -> pl.Expr:
    """``hashes`` (of lines, or of an export's rows) where they are in the sample, else null."""
    return pl.when(hashes % _OVERLAP_SAMPLE == 0).then(hashes)


@dataclass
class OverlapSample:
    """The hash and input of a sample of the counted lines (one in ``_OVERLAP_SAMPLE``, by
    hash, so a line is sampled in every input that holds it; not with ``lines`` False: with
    ``--dedupe``, which compares every line), the times of each input's counted lines, and
    with ``requests`` (access logs) the requests of a sample of them (``request_sample``), with
    their time and variant and whether they read a status and a user agent, chunk by chunk."""

    lines: bool = True
    requests: bool = False
    sampled: list[pl.DataFrame] = field(default_factory=list)
    spans: list[pl.DataFrame] = field(default_factory=list)
    requested: list[pl.DataFrame] = field(default_factory=list)

    def add(self, counted: pl.DataFrame) -> None:
        """Sample a chunk's counted lines (classified lines: ``source_file``, ``ts``, and ``line``
        or ``SAMPLE_HASH``; with ``requests``, ``variant``, ``status``, ``user_agent`` and the
        request's fields or ``REQUEST_SAMPLE``)."""
        sampled = pl.col(SAMPLE_HASH) if SAMPLE_HASH in counted.columns else sample_hash()
        hashed = counted.lazy().select(
            "source_file", "ts", *([sampled.alias(_HASH)] if self.lines else [])
        )
        # One run of the queries: the hashes are taken once, and the run is paid once a chunk
        # (a month of rotated logs is many small chunks).
        queries = [_spans_of(hashed)]
        if self.lines:
            queries.append(hashed.filter(pl.col(_HASH).is_not_null()).select(_HASH, _SOURCE))
        if self.requests:
            queries.append(_requests_of(counted))
        spans, *samples = pl.collect_all(queries)
        self.spans.append(spans)
        if self.lines:
            self.sampled.append(samples.pop(0))
        if self.requests:
            self.requested.append(samples.pop(0))

    def drop_copies(self, copies: pl.DataFrame, hits: pl.DataFrame) -> None:
        """Leave out the lines ``--dedupe`` found in an earlier input (``copies``: their
        ``source_file`` and ``line_no``): the requests compared and the inputs' counted lines
        are those of the hits still counted (``hits``)."""
        self.spans = [_spans_of(hits.lazy()).collect()]
        if self.requested:
            positions = copies.select(_SOURCE, pl.col("line_no").cast(pl.UInt32))
            requested = pl.concat(self.requested).with_columns(pl.col("line_no").cast(pl.UInt32))
            self.requested = [requested.join(positions, on=["source_file", "line_no"], how="anti")]

    def warnings(self, order: Sequence[str]) -> list[str]:
        """A warning for each pair of inputs (``order``: their names in reading order) whose
        counted lines share a sampled line (overlapping rotated logs or copies, whose hits are
        counted twice unless ``--dedupe`` drops the later copies), then for each pair that log
        the same requests in other layouts."""
        if not self.spans:
            return []
        spans = (
            pl.concat(self.spans)
            .group_by("source_file")
            .agg(pl.col("first").min(), pl.col("last").max(), pl.col("len").sum())
        )
        rank = {name: number for number, name in enumerate(order)}
        warnings = self._line_warnings(rank, spans) if self.sampled else []
        if self.requested:
            warnings += _same_request_warnings(pl.concat(self.requested), rank, spans)
        return warnings

    def _line_warnings(self, rank: dict[str, int], spans: pl.DataFrame) -> list[str]:
        """A warning for each pair of inputs whose counted lines share a sampled line
        (``spans``: each input's first and last counted time and its counted lines)."""
        sample = pl.concat(self.sampled).unique()
        ranked = sample.with_columns(_ranked(rank))
        pairs = (
            ranked.join(ranked, on=_HASH, suffix="_later")
            .filter(pl.col("_rank") < pl.col("_rank_later"))
            .group_by("_rank", "_rank_later", "source_file", "source_file_later")
            .agg(pl.len().alias("shared"))
            .sort("_rank", "_rank_later")
        )
        if pairs.height == 0:
            return []
        named = _with_common_stretch(pairs.head(_OVERLAP_PAIRS), spans)
        warnings = []
        for pair in named.sort("_rank", "_rank_later").iter_rows(named=True):
            warnings.append(
                f"{pair['source_file']} and {pair['source_file_later']} overlap "
                f"({_utc_text(pair['start'])} to {_utc_text(pair['end'])}) and hold the same "
                f"lines (about {_about(pair):,} of the counted ones, from a sample of one in "
                f"{_OVERLAP_SAMPLE}): each copy is counted; --dedupe counts a line found in an "
                "earlier input once"
            )
        if pairs.height > _OVERLAP_PAIRS:
            warnings.append(_more_pairs(pairs.height - _OVERLAP_PAIRS, "overlaps", "overlap"))
        return warnings


def _spans_of(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Each input's first and last time among ``lines`` (``first``, ``last``) and how many it
    has (``len``)."""
    ts = pl.col("ts")
    return lines.group_by(_SOURCE).agg(ts.min().alias("first"), ts.max().alias("last"), pl.len())


def _ranked(rank: dict[str, int]) -> pl.Expr:
    """Each sampled line's input's place in reading order (``_rank``)."""
    return pl.col("source_file").replace_strict(rank, return_dtype=pl.UInt32).alias("_rank")


def _about(pair: dict[str, Any]) -> int:
    """About how many of the counted lines a pair of inputs shares: the sample's estimate,
    never more than the input with fewer counts."""
    return int(min(pair["shared"] * _OVERLAP_SAMPLE, pair["len"], pair["len_later"]))


def _more_pairs(more: int, one: str, many: str) -> str:
    """The line that counts the pairs past those named (``one``, ``many``: what they do)."""
    if more == 1:
        return f"1 more pair of inputs {one} so"
    return f"{more} more pairs of inputs {many} so"


def _requests_of(counted: pl.DataFrame) -> pl.LazyFrame:
    """The sampled requests of a chunk's counted lines (``REQUEST_SAMPLE``, or the request's
    fields): their hash, input, line, time and variant, and whether the line read a status and a
    user agent."""
    if REQUEST_SAMPLE in counted.columns:
        lines, hashes = counted.lazy(), pl.col(REQUEST_SAMPLE)
    else:  # only the lines in the sample are hashed
        lines, hashes = counted.lazy().filter(_in_request_sample()), request_sample(counted.columns)
    return lines.select(
        hashes.alias(_HASH),
        _SOURCE,
        "line_no",
        "ts",
        pl.col("variant").cast(pl.String),
        pl.col("status").is_not_null().alias("status"),
        pl.col("user_agent").is_not_null().alias("agent"),
    ).filter(pl.col(_HASH).is_not_null())


def _same_request_warnings(
    requested: pl.DataFrame,
    rank: dict[str, int],
    spans: pl.DataFrame,
) -> list[str]:
    """A warning for each pair of inputs whose lines of different variants log the same
    requests (``_copies``; ``requested``: as ``_requests_of`` gives them; ``spans``: each
    input's first and last counted time and its counted lines)."""
    if requested.get_column("variant").n_unique() < 2:  # one layout: its lines are the line hint's
        return []
    # A request logged by many inputs is one page asked for in one second on many servers
    # behind a balancer, by chance, not a copy's: left out, of the pairs and of their counts.
    requested = requested.filter(pl.col("source_file").n_unique().over(_HASH) <= _SAME_INPUTS)
    per_variant = (
        requested.with_columns(_ranked(rank))
        .group_by(_HASH, "source_file", "_rank", "variant")
        .agg(pl.len().alias("times"), pl.col("status").any(), pl.col("agent").any())
    )
    shared = (
        per_variant.join(per_variant, on=_HASH, suffix="_later")
        .filter(
            (pl.col("_rank") < pl.col("_rank_later"))
            & (pl.col("variant") != pl.col("variant_later"))
        )
        .group_by("_rank", "_rank_later", "source_file", "source_file_later")
        .agg(
            # A request logged twice in one and once in the other is shared once.
            pl.min_horizontal("times", "times_later").sum().alias("shared"),
            *(pl.col(name).mode().sort().first() for name in ("variant", "variant_later")),
            *(pl.col(name).any() for name in ("status", "status_later", "agent", "agent_later")),
        )
        .sort("_rank", "_rank_later")
    )
    if shared.height == 0:
        return []
    named = []
    for pair in (
        _copies(shared, requested, spans).sort("_rank", "_rank_later").iter_rows(named=True)
    ):
        named.append(_same_requests_text(pair, _about(pair)))
    if len(named) > _OVERLAP_PAIRS:
        return [
            *named[:_OVERLAP_PAIRS],
            _more_pairs(
                len(named) - _OVERLAP_PAIRS, "logs the same requests", "log the same requests"
            ),
        ]
    return named


def _copies(shared: pl.DataFrame, requested: pl.DataFrame, spans: pl.DataFrame) -> pl.DataFrame:
    """Of the pairs of inputs that share sampled requests (``shared``), those that log the same
    requests: they share at least ``_SAME_AT_LEAST`` of them, nine tenths (``_SAME_SHARE``) of
    those the one with fewer has in the stretch of time both cover, and that stretch holds a
    tenth (``_SAME_STRETCH``) of the sampled requests of one of them. Two servers behind a
    balancer that logs its own address share some by chance: fewer than nine tenths, or, where
    their logs are rotated a minute apart, nearly all of the few of that minute."""
    pairs = _with_common_stretch(shared, spans)
    totals = requested.group_by("source_file").len("total")
    sides = ("source_file", "source_file_later")
    for side, suffix in zip(sides, ("", "_later"), strict=True):
        pairs = pairs.join(totals.rename({"source_file": side, "total": f"total{suffix}"}), on=side)
    # Each in the order of ``pairs`` as it is now.
    within = [_sampled_within(pairs, requested, side) for side in sides]
    pairs = pairs.with_columns(within[0].alias("within"), within[1].alias("within_later"))
    share, stretch = _SAME_SHARE, _SAME_STRETCH
    return pairs.filter(
        pl.col("shared") >= _SAME_AT_LEAST,
        pl.col("shared") * share[1] >= pl.min_horizontal("within", "within_later") * share[0],
        (pl.col("within") * stretch >= pl.col("total"))
        | (pl.col("within_later") * stretch >= pl.col("total_later")),
    )


def _with_common_stretch(pairs: pl.DataFrame, spans: pl.DataFrame) -> pl.DataFrame:
    """``pairs`` of inputs (``source_file``, ``source_file_later``) with each one's counted
    lines (``len``, ``len_later``) and the stretch of time both cover (``start``, ``end``)."""
    for side, suffix in (("source_file", ""), ("source_file_later", "_later")):
        names = {"source_file": side, "first": f"first{suffix}", "last": f"last{suffix}"}
        pairs = pairs.join(spans.rename({**names, "len": f"len{suffix}"}), on=side)
    return pairs.with_columns(
        pl.max_horizontal("first", "first_later").alias("start"),
        pl.min_horizontal("last", "last_later").alias("end"),
    )


def _sampled_within(pairs: pl.DataFrame, requested: pl.DataFrame, side: str) -> pl.Series:
    """For each pair, in order, the sampled requests its input ``side`` has between ``start``
    and ``end``: how many it has up to ``end`` less those before ``start`` (each found by an
    as-of join on the input's requests in time order, one row per pair)."""
    upto = (
        requested.select("source_file", "ts")
        .sort("ts")
        .with_columns(pl.int_range(1, pl.len() + 1).over("source_file").alias("upto"))
    )
    asked = pairs.select(pl.col(side).alias("source_file"), "start", "end").with_row_index()

    def counted(at: str, *, exact: bool) -> pl.DataFrame:
        found = asked.sort(at).join_asof(
            upto,
            left_on=at,
            right_on="ts",
            by="source_file",
            allow_exact_matches=exact,
            check_sortedness=False,  # both are sorted by time, so within each input too
        )
        return found.select("index", pl.col("upto").fill_null(0))

    through = counted("end", exact=True).join(
        counted("start", exact=False), on="index", suffix="_before"
    )
    ordered = through.sort("index")
    # (0 where ``start`` is after ``end``, though no pair that shares a request has such a stretch.)
    difference = ordered.get_column("upto").cast(pl.Int64) - ordered.get_column("upto_before")
    return difference.clip(lower_bound=0).alias(side)


def _same_requests_text(pair: dict[str, object], about: int) -> str:
    """The warning of two inputs (a row of ``_same_request_warnings``) that log about ``about``
    of the same requests in other layouts; it names the one to leave out where its lines log
    less of status and user agent than the other's."""
    earlier, later = pair["source_file"], pair["source_file_later"]
    logged = {
        earlier: {name for name in ("status", "agent") if pair[name]},
        later: {name for name in ("status", "agent") if pair[f"{name}_later"]},
    }
    # The one whose lines log less than the other's, if either does.
    poorer = [
        (name, logged[other] - logged[name])
        for name, other in ((later, earlier), (earlier, later))
        if logged[name] < logged[other]
    ]
    return (
        f"{earlier} and {later} log the same requests in other layouts ({pair['variant']} and "
        f"{pair['variant_later']}: about {about:,} of the counted ones, from a sample of one "
        f"second in {_OVERLAP_SAMPLE}): each is counted in both; read one of them"
        + (_leave_out(str(poorer[0][0]), poorer[0][1]) if poorer else "")
    )


def _leave_out(name: str, missing: set[str]) -> str:
    """Which input to leave out, and what its lines do not log that the other's do."""
    words = {"status": "status", "agent": "user agent"}
    effects = {
        "status": "its errors count as pages",
        "agent": "its visitors are counted a second time",
    }
    lacking = [field for field in ("status", "agent") if field in missing]
    return (
        f" (leave {name} out: its lines log no {' and no '.join(words[f] for f in lacking)}, "
        f"so {' and '.join(effects[f] for f in lacking)})"
    )


def _utc_text(instant: datetime) -> str:
    return f"{instant.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


# --- event exports' rows ---------------------------------------------------------------------

_ROW_HASH = "__micromacro_row_hash"
_CATEGORIES = (pl.Categorical, pl.Enum)


def row_hash(rows: pl.DataFrame) -> pl.Expr:
    """The hash of each row's content: every column but its file, row number and bucket
    (categories as their text, so that two files' rows compare)."""
    content = [
        pl.col(name).cast(pl.String) if isinstance(dtype, _CATEGORIES) else pl.col(name)
        for name, dtype in rows.schema.items()
        if name not in ("source_file", "line_no", "bucket")
    ]
    return pl.struct(content).hash()


def without_earlier_rows(rows: pl.DataFrame, earlier: pl.Series) -> tuple[pl.DataFrame, pl.Series]:
    """An event export file's rows (with ``bucket``), each counted row that an earlier file
    holds (``earlier``: the hashes of their counted rows) a ``duplicate``; and the hashes with
    this file's counted rows added. Rows repeated within the file stay: its repeats are its own."""
    is_counted = pl.col("bucket").is_in(COUNTED_EXPORT_BUCKETS)
    hashed = rows.with_columns(row_hash(rows).alias(_ROW_HASH))
    repeated = is_counted & pl.col(_ROW_HASH).is_in(earlier.implode())
    marked = hashed.with_columns(
        pl.when(repeated).then(pl.lit("duplicate", dtype=EXPORT_BUCKET)).otherwise("bucket")
        .alias("bucket")
    )  # fmt: skip
    mine = hashed.filter(is_counted).get_column(_ROW_HASH)
    return marked.drop(_ROW_HASH), pl.concat([earlier, mine]).unique()
