"""Inputs that overlap: rotated logs or copies that hold the same lines, whose hits are counted
once per input. Without ``--dedupe``, a run of several inputs keeps a sample of the counted
lines as it reads them (``OverlapSample``) and warns of each pair of inputs that share a sampled
line, with the time they overlap and about how many lines they share; ``--dedupe`` counts a
line found in an earlier input once. An event export's rows are compared as a log's lines
are (``row_hash``: their content), and ``--dedupe`` makes a counted row of a later file that an
earlier one holds a ``duplicate`` (``without_earlier_rows``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl

from micromacro.hit_schema import COUNTED_EXPORT_BUCKETS, EXPORT_BUCKET

_HASH = "_line_hash"
# One counted line in this many (by hash) is compared across inputs for the overlap hint.
_OVERLAP_SAMPLE = 16
# Pairs of inputs named by the overlap hint, at most.
_OVERLAP_PAIRS = 3
# A column a chunk of lines may carry: ``sample_hash`` of each line, worked out already (the
# hit cache keeps it, and no line's text).
SAMPLE_HASH = "_sample_hash"


def sample_hash() -> pl.Expr:
    """The hash of a line (``line``) when the line is in the sample, else null."""
    return sampled(pl.col("line").hash())


def sampled(hashes: pl.Expr) -> pl.Expr:
    """``hashes`` (of lines, or of an export's rows) where they are in the sample, else null."""
    return pl.when(hashes % _OVERLAP_SAMPLE == 0).then(hashes)


@dataclass
class OverlapSample:
    """The hash and input of a sample of the counted lines (one in ``_OVERLAP_SAMPLE``, by
    hash, so a line is sampled in every input that holds it), and the times of each input's
    counted lines, chunk by chunk."""

    sampled: list[pl.DataFrame] = field(default_factory=list)
    spans: list[pl.DataFrame] = field(default_factory=list)

    def add(self, counted: pl.DataFrame) -> None:
        """Sample a chunk's counted lines (classified lines: ``source_file``, ``ts``, and ``line``
        or ``SAMPLE_HASH``)."""
        sampled = pl.col(SAMPLE_HASH) if SAMPLE_HASH in counted.columns else sample_hash()
        hashed = counted.lazy().select("source_file", "ts", sampled.alias(_HASH))
        # One run of both queries: the hashes are taken once, and the run is paid once a chunk
        # (a month of rotated logs is many small chunks).
        sample, spans = pl.collect_all(
            [
                hashed.filter(pl.col(_HASH).is_not_null()).select(
                    _HASH, pl.col("source_file").cast(pl.String)
                ),
                hashed.group_by(pl.col("source_file").cast(pl.String)).agg(
                    pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"), pl.len()
                ),
            ]
        )
        self.sampled.append(sample)
        self.spans.append(spans)

    def warnings(self, order: Sequence[str]) -> list[str]:
        """A warning for each pair of inputs (``order``: their names in reading order) whose
        counted lines share a sampled line: overlapping rotated logs or copies, whose hits are
        counted twice unless ``--dedupe`` drops the later copies."""
        if not self.sampled:
            return []
        sample = pl.concat(self.sampled).unique()
        rank = {name: number for number, name in enumerate(order)}
        ranked = sample.with_columns(
            pl.col("source_file").replace_strict(rank, return_dtype=pl.UInt32).alias("_rank")
        )
        pairs = (
            ranked.join(ranked, on=_HASH, suffix="_later")
            .filter(pl.col("_rank") < pl.col("_rank_later"))
            .group_by("_rank", "_rank_later", "source_file", "source_file_later")
            .agg(pl.len().alias("shared"))
            .sort("_rank", "_rank_later")
        )
        if pairs.height == 0:
            return []
        spans = (
            pl.concat(self.spans)
            .group_by("source_file")
            .agg(pl.col("first").min(), pl.col("last").max(), pl.col("len").sum())
        )
        # Per input (one row each): its first and last counted time, and how many it counts.
        spans_of = {name: (first, last, lines) for name, first, last, lines in spans.iter_rows()}
        warnings = []
        for _, _, earlier, later, shared in pairs.head(_OVERLAP_PAIRS).iter_rows():
            (first_a, last_a, lines_a), (first_b, last_b, lines_b) = (
                spans_of[earlier],
                spans_of[later],
            )
            start, end = max(first_a, first_b), min(last_a, last_b)
            # The sample's estimate, never more lines than the smaller input counts.
            about = min(shared * _OVERLAP_SAMPLE, lines_a, lines_b)
            warnings.append(
                f"{earlier} and {later} overlap ({_utc_text(start)} to {_utc_text(end)}) and hold "
                f"the same lines (about {about:,} of the counted ones, from a "
                f"sample of one in {_OVERLAP_SAMPLE}): each copy is counted; --dedupe counts a "
                "line found in an earlier input once"
            )
        if pairs.height > _OVERLAP_PAIRS:
            warnings.append(f"{pairs.height - _OVERLAP_PAIRS} more pairs of inputs overlap so")
        return warnings


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
