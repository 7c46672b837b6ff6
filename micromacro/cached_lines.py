"""Access logs in the hit cache (``hit_cache``): what is kept of a file's classified lines, and
how a cached file comes back as classified lines for the run's period.

An entry holds one row per line of the file, as classified without a period: its time, bucket
and variant (and why it is malformed); a counted line (``page``, ``request``, ``download``) also
keeps its hit as a run reads it (``_HIT_COLUMNS``: given back, not made again) and the hashes
the overlap hints sample it by (of its text, and of its request where its second is sampled);
the text of a line only where a message may quote it (the first malformed lines, the first line
a format string did not read, the first with fields left unread). No other line's text, and no
field of a line that is not counted, is kept. Beside the rows, an entry says whether the file
ends in its last line with no line break after it (``_UNTERMINATED``), which a malformed last
line is named with. The entry of a plain file whose format's lines stand alone ends at a line
break: a last line with none after it (perhaps half written) is left out, and the next run reads
the file on from that line's start. ``in_period`` then gives each line its bucket in the run's
period, exactly as reading the file again would (``hits.in_period``); a line a message must
quote whose text the entry lacks is read from the file (``fetch_lines``).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from micromacro.bots import crawler_list_digest
from micromacro.entry_stream import EntryStream
from micromacro.format_choice import UNREAD_FIELDS, named_format_string
from micromacro.hit_cache import (
    CachedPart,
    EntryNotMade,
    EntryUnreadable,
    HitCache,
    Identity,
    read_together,
)
from micromacro.hit_collection import MALFORMED_EXAMPLES, MALFORMED_REASON
from micromacro.hit_schema import BUCKET, COUNTED_BUCKETS, HIT_SCHEMA, KIND, compact_strings
from micromacro.hits import ACCESS_LOG_CONSTANTS, HitFilter, canonical_hits, outside_period
from micromacro.line_chunks import (
    DEFAULT_CHUNK_BYTES,
    ByteRange,
    FileParts,
    InputFile,
    LineChunk,
    read_line_chunks,
)
from micromacro.logformats import LogFormat
from micromacro.logformats.families import FamilyFormat
from micromacro.overlapping_inputs import (
    REQUEST_SAMPLE,
    SAMPLE_HASH,
    request_sample,
    sample_hash,
)
from micromacro.periods import Period
from micromacro.read_ahead import read_ahead
from micromacro.timeless_lines import TIMELESS_BUCKETS

# What an entry keeps of a counted line's hit (``hits.canonical_hits``): the columns a run
# reads (``hit_collection.COUNTED_COLUMNS`` and ``SEGMENT_COLUMNS``) that are no constant of
# an access log, text kept categorical as a run holds it; so a cached line's hit is read, not
# made again. The constant ones (``ACCESS_LOG_CONSTANTS``) are added as the entry is read.
_HIT_COLUMNS: dict[str, pl.DataType] = {
    "visitor": pl.Categorical(),
    "kind": KIND,
    "host": pl.Categorical(),
    "path": pl.Categorical(),
    "query": pl.Categorical(),
    "status": HIT_SCHEMA["status"],
    "referrer": pl.Categorical(),
    "user_agent": pl.Categorical(),
    "event_category": pl.Categorical(),
    "event_action": pl.Categorical(),
    "event_label": pl.Categorical(),
}
_TEXT_HIT_COLUMNS = [name for name, dtype in _HIT_COLUMNS.items() if dtype == pl.Categorical]
# The entry of a grown file is rewritten once it grew by this part of what the entry holds
# (1/16): a log reported on every hour is not rewritten every hour for a few new lines.
_REWRITE_AFTER = 16
# The key of an entry's ``extra`` that says whether the file's bytes it holds end in a line
# with no line break after it: set only where the entry keeps such a line (a compressed file,
# a format whose lines depend on earlier ones).
_UNTERMINATED = "unterminated"
# The key of an entry's ``extra`` that names the variants its lines were read by (those of the
# lines it holds, perhaps a few more): where none of them is quoted, no line is looked for.
_VARIANTS = "variants"
# Every column of an entry, with its type.
ENTRY_SCHEMA: dict[str, pl.DataType] = {
    "ts": HIT_SCHEMA["ts"],
    "bucket": BUCKET,
    "variant": pl.String(),
    MALFORMED_REASON: pl.String(),
    **_HIT_COLUMNS,
    SAMPLE_HASH: pl.UInt64(),
    REQUEST_SAMPLE: pl.UInt64(),
    "line": pl.String(),
}


def cache_settings(
    fmt: LogFormat, hit_filter: HitFilter, *, client_ip: str, max_line_bytes: int
) -> dict[str, object]:
    """What besides the file decides an entry's lines: the format and the options that change
    buckets or hit fields, the exclusions too (never the period: an entry holds the lines of
    every time)."""
    string = named_format_string(fmt)
    return {
        "kind": "access log",
        "format": fmt.name,
        "family": fmt.family.name if isinstance(fmt, FamilyFormat) else None,
        # Its regex, and how its time is read: %{%d/%m/%Y:%T}t and %{%m/%d/%Y:%T}t share one.
        "format_string": (
            [string.regex, repr(string.time), string.json_escaped] if string is not None else None
        ),
        "client_ip": client_ip,
        "include_bots": hit_filter.include_bots,
        "include_static": hit_filter.include_static,
        "include_errors": hit_filter.include_errors,
        "include_redirects": hit_filter.include_redirects,
        "bot_patterns": list(hit_filter.bot_patterns),
        # An entry keeps no address or path of a line that is not counted: what was excluded
        # is decided as it was read, so other exclusions are another entry.
        "exclude": hit_filter.exclude.text(),
        "crawler_list": crawler_list_digest(),  # an upgraded list makes other lines bots
        "max_line_bytes": max_line_bytes,
    }


def _quoted_variants(fmt: LogFormat, variants: Iterable[str]) -> tuple[list[str], list[str]]:
    """Of ``variants``, those whose lines a message may quote: those leaving fields unread, and
    those other than the format string's own (none without one)."""
    string = named_format_string(fmt)
    names = sorted(set(variants))
    unread = [name for name in names if UNREAD_FIELDS in name]
    # (A format string's ``+fields`` variants are among both: each list is looked for apart.)
    others = [] if string is None else [name for name in names if name != string.name]
    return unread, others


def _quotable(fmt: LogFormat, variants: list[str]) -> pl.Expr:
    """Lines a message may quote: malformed ones, those with fields left unread, those a format
    string did not read (``variants``: the variants of the lines looked at)."""
    unread, others = _quoted_variants(fmt, variants)
    quoted = pl.col("variant").is_in([*unread, *others]).fill_null(False)
    return (pl.col("bucket") == "malformed") | quoted


@dataclass
class _FileLines:
    """What a run read of one file, to be kept: every line's time, bucket and variant
    (``lines``), the fields of its counted lines (``hits``), the text of its first quotable
    lines (``texts``), the bytes read and where chunks start, and whether they end in a line
    with no line break after it."""

    lines: list[pl.DataFrame] = field(default_factory=list)
    hits: list[pl.DataFrame] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)
    size: int = 0
    index: list[tuple[int, int]] = field(default_factory=list)
    unterminated: bool = False
    # Where its last chunk starts in the file: its last line alone, where it is ``unterminated``.
    last_start: int = 0
    # The variants that read its lines (of its chunks: perhaps a few more).
    variants: set[str] = field(default_factory=set)
    # A file with no entry yet is written as it is read (``LineCache._hand_over``): its entry,
    # the lines handed to it (the file's first ones), how many lines are kept of each slice
    # not handed over yet (by its index) and the greatest line number kept.
    stream: EntryStream | None = None
    handed: int = 0
    counts: dict[int, int] = field(default_factory=dict)
    last: int = 0


# Lines of a cached file given back at a time (``LineCache.lines_of``).
_SLICE_LINES = 1 << 18
# A run that writes an entry as its file is read has the lines the chosen variant left read
# after this many lines at most (not after ``reading._HELD_LINES`` of them): a slice is handed
# to the entry only once its every line is read.
HELD_LINES_EVERY = 2 * _SLICE_LINES
# Lines a file's entry keeps the text of, at most (more are read from the file when quoted).
_TEXTS = 3 * MALFORMED_EXAMPLES


@dataclass
class LineCache:
    """The hit cache as one run of access logs uses it: the entries found for its files
    (``found``), and the lines read of the files it is to keep (``add``, ``store``)."""

    cache: HitCache
    settings: dict[str, object]
    fmt: LogFormat
    max_line_bytes: int
    found: dict[str, CachedPart] = field(default_factory=dict)
    identities: dict[str, Identity] = field(default_factory=dict)
    # The files whose lines are read whole (or after their cached part) and kept.
    keep: set[str] = field(default_factory=set)
    # Whether files read were left out of the cache after all (``stop_keeping``).
    dropped: bool = False
    appendable: dict[str, bool] = field(default_factory=dict)
    _read: dict[str, _FileLines] = field(default_factory=dict)

    def look_up(self, file: InputFile, *, seekable: bool) -> CachedPart | None:
        """The usable entry of ``file`` (a grown file's only with a format whose lines stand
        alone, ``seekable``); the file is kept after the run either way."""
        if file.scan_path != file.name:  # standard input, a FIFO: read once, never kept
            return None
        appendable = seekable and not file.compression
        self.appendable[file.name] = appendable
        identity, part = self.cache.lookup(
            file, self.settings, appendable=appendable, columns=ENTRY_SCHEMA, numbered="line_no"
        )
        if identity is None:
            return None
        self.identities[file.name] = identity
        if part is not None:
            self.found[file.name] = part
        if part is None or not part.whole:
            self.keep.add(file.name)
        return part

    def forget(self, file: InputFile, error: EntryUnreadable) -> str:
        """The entry of ``file`` could not be read after all (``error``): it is removed, and the
        file is read whole and kept anew. Returns the warning that says so."""
        self.found.pop(file.name, None)
        self.keep.add(file.name)
        self.cache.forget(file, self.settings)
        return self.cache.unreadable(error)

    def not_kept(self, name: str) -> None:
        """``name`` is read in stretches (``seeking``): nothing of it is kept."""
        self._abandon([name])
        self.keep.discard(name)

    def kept_again(self, name: str) -> None:
        """``name``, which was to be read in stretches, is read whole after all (not in time
        order): it is kept, unless this run keeps nothing (its hits spilled)."""
        if name in self.identities and not self.dropped:
            self.keep.add(name)

    def stop_keeping(self) -> None:
        """Keep nothing of this run: its lines are more than memory holds (``hit_partitions``)."""
        self.dropped = self.dropped or bool(self.keep)
        self.keep.clear()
        self._abandon(self._read)
        self._read.clear()

    def start_reading(self) -> None:
        """Forget the lines kept so far (a run reads again after ``seeking`` failed)."""
        self._abandon(self._read)
        self._read.clear()

    def add_chunk(self, chunk: LineChunk) -> None:
        """Note a chunk read of a kept file (its bytes and where it starts)."""
        name = str(chunk.lines.get_column("source_file")[0]) if chunk.lines.height else None
        if name is None or name not in self.keep:
            return
        kept = self._read.setdefault(name, _FileLines())
        kept.size += chunk.size
        first = int(chunk.lines.get_column("line_no")[0])
        kept.index.append((chunk.start, first - 1))
        kept.unterminated, kept.last_start = chunk.unterminated, chunk.start

    def unterminated_line(self, name: str) -> int | None:
        """The number of the last line of the cached file ``name`` when no line break follows
        it, else None."""
        part = self.found.get(name)
        return part.lines if part is not None and part.extra.get(_UNTERMINATED) else None

    def add(self, classified: pl.DataFrame) -> None:
        """Keep the rows of kept files among classified lines (no period applied)."""
        if not self.keep:
            return
        rows = classified
        if not self.keep.issuperset(self.found.keys() | self.identities.keys()):
            kept_names = pl.col("source_file").cast(pl.String).is_in(sorted(self.keep))
            rows = classified.filter(kept_names)
        if not rows.height:
            return
        reason = pl.col(MALFORMED_REASON) if MALFORMED_REASON in rows.columns else pl.lit(None)
        lines = rows.select(
            "source_file",
            "line_no",
            "ts",
            "bucket",
            # Kept categorical until written (each distinct value held once; see ``_entry``).
            pl.col("variant").cast(pl.Categorical),
            reason.cast(pl.String).cast(pl.Categorical).alias(MALFORMED_REASON),
        )
        counted = rows.lazy().filter(pl.col("bucket").is_in(COUNTED_BUCKETS))
        sampled = pl.col(SAMPLE_HASH) if SAMPLE_HASH in rows.columns else sample_hash()
        hits = pl.concat(
            [
                compact_strings(
                    canonical_hits(counted).select("source_file", "line_no", *_HIT_COLUMNS),
                    _TEXT_HIT_COLUMNS,
                ),
                counted.select(
                    sampled.alias(SAMPLE_HASH), request_sample(rows.columns).alias(REQUEST_SAMPLE)
                ),
            ],
            how="horizontal",
        ).collect()
        variants = rows.get_column("variant").drop_nulls().unique().to_list()
        quoted = (
            rows.select("source_file", "line_no", "line", "bucket", "variant")
            .filter(_quotable(self.fmt, variants))
            .select("source_file", "line_no", "line")
        )
        files = lines.get_column("source_file").unique(maintain_order=True).to_list()
        for name in files:
            kept = self._read.setdefault(str(name), _FileLines())
            one = pl.col("source_file") == name
            parts = (
                [lines, hits, quoted]
                if len(files) == 1
                else [frame.filter(one) for frame in (lines, hits, quoted)]
            )
            kept.lines.append(parts[0].drop("source_file"))
            kept.variants.update(variants)
            kept.hits.append(parts[1].drop("source_file"))
            room = _TEXTS - len(kept.texts)
            for number, text in parts[2].select("line_no", "line").head(room).iter_rows():
                kept.texts[int(number)] = str(text)
            if name not in self.found and name in self.identities:
                self._hand_over(str(name), kept, parts[0])

    @property
    def streams(self) -> bool:
        """Whether a file is written to its entry as it is read (one kept that has none)."""
        return any(name not in self.found for name in self.keep)

    def _hand_over(self, name: str, kept: _FileLines, lines: pl.DataFrame) -> None:
        """Note the ``lines`` just kept of ``name``, and hand every slice of lines now kept
        whole (and not the file's last: a later line is kept) to the file's entry, written as
        it is read; their rows are kept no more."""
        kept.last = max(kept.last, _span(lines)[1])
        slice_of = (lines.get_column("line_no") - 1) // _SLICE_LINES
        for index, count in slice_of.value_counts().iter_rows():
            kept.counts[index] = kept.counts.get(index, 0) + count
        first = whole = kept.handed // _SLICE_LINES
        while kept.counts.get(whole) == _SLICE_LINES and kept.last > (whole + 1) * _SLICE_LINES:
            del kept.counts[whole]
            whole += 1
        if whole == first:
            return
        if kept.stream is None:
            kept.stream = self.cache.stream(name, ENTRY_SCHEMA)
        end = whole * _SLICE_LINES
        placed = _placed(kept, end)
        for rows in _slices(placed, kept.handed + 1, end):
            kept.stream.put(rows)
        kept.handed, kept.lines, kept.hits = end, _after(kept.lines, end), _after(kept.hits, end)

    def _abandon(self, names: Iterable[str]) -> None:
        """The entries of ``names`` written as they are read are not kept after all."""
        for name in names:
            kept = self._read.get(name)
            if kept is not None and kept.stream is not None:
                kept.stream.abandon()

    def store(self, files: list[InputFile]) -> None:
        """Write the entries of the kept files read whole (or after their cached part). The
        entry of a plain file whose format's lines stand alone (``appendable``) ends at a line
        break: a last line with none after it (perhaps half written) is left out, and the next
        run reads the file on from that line's start."""
        for file in files:
            if file.name not in self.keep:
                continue
            part, read = self.found.get(file.name), self._read.get(file.name)
            appendable = self.appendable.get(file.name, False)
            cut_at = read.last_start if read and read.unterminated and appendable else None
            if part is not None and read is not None:
                grown = cut_at - part.size if cut_at is not None else read.size
                if grown == 0 or grown * _REWRITE_AFTER < part.size:
                    continue  # a little grown: its new lines are parsed again, not rewritten
            made = _new_lines(part, read)
            stream = read.stream if read is not None else None
            if made is None:
                if stream is not None:
                    stream.abandon()
                continue  # not read whole: never kept
            placed, first, rows = made
            size = (part.size if part else 0) + (read.size if read else 0)
            index = (*(part.index if part else ()), *(tuple(read.index) if read else ()))
            if cut_at is not None:
                rows, size, index = rows - 1, cut_at, index[:-1]
            slices = _slices(placed, first, rows)
            appendable = appendable and _ends_a_line(file, size)
            index = index if not file.compression else ()
            # An entry ending without a line break (of a compressed file, or of a format whose
            # lines do not stand alone) is always whole, and says so of its last line.
            extra = {
                _UNTERMINATED: bool(read and read.unterminated) and cut_at is None,
                **_variants_extra(part, read),
            }
            entry: pl.LazyFrame | EntryStream
            if stream is not None:
                for each in slices:
                    stream.put(each)
                entry = stream
            else:  # not yet computed: written as it is made, never whole in memory
                frames = [part.entry.select(list(ENTRY_SCHEMA))] if part is not None else []
                frames += [pl.defer(each, schema=ENTRY_SCHEMA) for each in slices]
                entry = pl.concat(frames) if frames else pl.LazyFrame(schema=ENTRY_SCHEMA)
            self.cache.store(
                file,
                self.settings,
                entry,
                rows=rows,
                size=size,
                appendable=appendable,
                index=index,
                extra=extra,
                before=self.identities.get(file.name),
            )
            self._read.pop(file.name, None)  # the entry holds what it needs of them

    def lines_of(
        self,
        files: Sequence[InputFile],
        source_dtype: pl.DataType,
        hit_filter: HitFilter,
        quoted_period: Period | None = None,
        *,
        leave_out: pl.Expr | None = None,
    ) -> Iterator[pl.DataFrame]:
        """The cached lines of ``files``, in their order, as classified lines (``source_file``,
        ``line_no``), but those ``leave_out`` selects (``left_out`` counts them), with the text
        of the lines a message of the run may quote (those of ``quoted_period``; None: the
        period of ``hit_filter``) read from the file where the entry lacks it; in slices of
        about ``_SLICE_LINES`` lines, as a file is read in chunks (what a run makes of lines,
        added all at once, would all be in memory at once), each read from the entries when it
        is wanted. The entries of small files (rotated logs) come back together, a slice of
        several files: what a run does per slice costs as much for a few lines as for many.
        Raises ``EntryUnreadable`` when an entry cannot be read after all."""
        parts = [self.found[file.name] for file in files]
        period = quoted_period or Period(hit_filter.since, hit_filter.until)
        quoted = read_together(
            [
                (part, quoted_lines(part.entry, hit_filter, period, self.fmt, _variants(part)))
                for part in parts
            ],
            counted=True,  # the first read of the entries
        )
        # Of those, the lines whose text the entry lacks.
        asked = [
            (file, part, numbers)
            for file, part, frames in zip(files, parts, quoted, strict=True)
            if (numbers := _numbers(frames))
        ]
        lacking = read_together(
            [(part, [_lacking_text(part.entry, numbers)]) for _, part, numbers in asked]
        )
        texts: dict[str, dict[int, str]] = {}
        for (file, part, _), frames in zip(asked, lacking, strict=True):
            if missing := _numbers(frames):
                texts[file.name] = fetch_lines(
                    file, missing, part.index, max_line_bytes=self.max_line_bytes
                )

        def labelled(file: InputFile, lines: pl.DataFrame) -> pl.DataFrame:
            lines = lines.with_columns(
                pl.lit(file.name, dtype=source_dtype).alias("source_file"),
                *(pl.lit(None, dtype=d).alias(n) for n, d in ACCESS_LOG_CONSTANTS.items()),
            )
            return _with_texts(lines, texts.get(file.name, {}))

        def slices() -> Iterator[pl.DataFrame]:
            for group in _slice_groups(list(zip(files, parts, strict=True)), _SLICE_LINES):
                if len(group) == 1:
                    file, part = group[0]
                    for start in range(0, max(part.lines, 1), _SLICE_LINES):  # an empty one too
                        lines = part.read(_rows(part.entry, start, _SLICE_LINES, leave_out))
                        yield labelled(file, lines)
                    continue
                read = read_together(
                    [(part, [_rows(part.entry, 0, part.lines, leave_out)]) for _, part in group]
                )
                yield pl.concat(
                    [labelled(file, lines) for (file, _), (lines,) in zip(group, read, strict=True)]
                )

        # The next slice is read while the run adds up this one.
        with contextlib.closing(read_ahead(slices(), name="micromacro-cache-read")) as read:
            yield from read

    def left_out(
        self, files: Sequence[InputFile], leave_out: pl.Expr
    ) -> tuple[int, datetime | None, datetime | None]:
        """How many of the cached lines of ``files`` ``leave_out`` selects, and the earliest and
        the latest of their times."""
        ts = pl.col("ts")
        summary = (pl.len(), ts.min().alias("earliest"), ts.max().alias("latest"))
        parts = [self.found[file.name] for file in files]
        found = read_together(
            [(part, [part.entry.filter(leave_out).select(*summary)]) for part in parts]
        )
        rows = [frame.row(0) for (frame,) in found]
        earliest = [first for _, first, _ in rows if first is not None]
        latest = [last for _, _, last in rows if last is not None]
        return (
            sum(int(count) for count, _, _ in rows),
            min(earliest, default=None),
            max(latest, default=None),
        )


def _variants(part: CachedPart) -> list[str]:
    """The variants the entry ``part`` says its lines were read by (or more). Every entry this
    code reads was written by it, and says; one that did not would be looked through."""
    names = part.extra.get(_VARIANTS)
    if isinstance(names, list):
        return [str(name) for name in names]
    found = part.read(part.entry.select(pl.col("variant").drop_nulls().unique()))
    return [str(name) for name in found.get_column("variant")]


def _variants_extra(part: CachedPart | None, read: _FileLines | None) -> dict[str, list[str]]:
    """What an entry of ``part`` then ``read`` says of its variants: all of both (nothing where
    ``part`` does not say its own, which ``_variants`` then reads)."""
    earlier = part.extra.get(_VARIANTS) if part is not None else []
    if not isinstance(earlier, list):
        return {}
    return {_VARIANTS: sorted({*map(str, earlier), *(read.variants if read else ())})}


def _rows(entry: pl.LazyFrame, start: int, rows: int, leave_out: pl.Expr | None) -> pl.LazyFrame:
    """The ``rows`` rows of ``entry`` from row ``start`` on, but those ``leave_out`` selects:
    chosen by their line numbers, so that Polars reads the columns of the rest only."""
    if leave_out is None:
        return entry.slice(start, rows)
    return entry.filter(pl.col("line_no").is_between(start + 1, start + rows) & ~leave_out)


def _numbers(frames: Sequence[pl.DataFrame]) -> set[int]:
    """The line numbers (``line_no``) of ``frames``."""
    return {int(number) for frame in frames for number in frame.get_column("line_no")}


def _lacking_text(entry: pl.LazyFrame, numbers: set[int]) -> pl.LazyFrame:
    """The numbers (``line_no``) of the lines ``numbers`` whose text ``entry`` does not keep."""
    wanted = pl.col("line_no").is_in(sorted(numbers)) & pl.col("line").is_null()
    return entry.filter(wanted).select("line_no")


def _slice_groups(
    parts: list[tuple[InputFile, CachedPart]], lines: int
) -> Iterator[list[tuple[InputFile, CachedPart]]]:
    """``parts`` in order, in groups read as one slice each: consecutive entries of ``lines``
    lines or fewer in all together; a larger entry alone (read ``lines`` at a time), and so
    is a small one between two larger ones."""
    group: list[tuple[InputFile, CachedPart]] = []
    held = 0
    for item in parts:
        size = item[1].lines
        if group and held + size > lines:
            yield group
            group, held = [], 0
        group.append(item)
        held += size
    if group:
        yield group


def _with_texts(lines: pl.DataFrame, texts: dict[int, str]) -> pl.DataFrame:
    """``lines`` (in line order) with the ``texts`` of those among them."""
    if not lines.height:
        return lines
    first, last = int(lines.get_column("line_no")[0]), int(lines.get_column("line_no")[-1])
    here = {number: text for number, text in texts.items() if first <= number <= last}
    if not here:
        return lines
    line = pl.col("line_no").replace_strict(
        list(here), list(here.values()), default=pl.col("line"), return_dtype=pl.String
    )
    return lines.with_columns(line.alias("line"))


def quoted_lines(
    entry: pl.LazyFrame,
    hit_filter: HitFilter,
    period: Period,
    fmt: LogFormat,
    variants: Sequence[str],
) -> list[pl.LazyFrame]:
    """The lines of one file (classified without a period; ``entry``: its ``line_no``,
    ``bucket``, ``variant`` and ``ts``) whose text the run may quote in ``period`` (the
    period of ``hit_filter``, or with ``--compare`` the report's own within it): the first
    malformed line, the first malformed lines after the period's first line, the first line of
    the period a format string did not read, the first with fields left unread
    (``hit_collection.HitAccumulator``). As queries, each giving some of their numbers
    (``line_no``), to be collected together: they read a few columns of the entry, and only the
    numbers of the lines they find. ``variants``, the names of the variants the entry holds
    (or more), spare the look for the variants it does not hold."""
    line_no = pl.col("line_no")
    timed = ~pl.col("bucket").is_in(TIMELESS_BUCKETS)
    inside = ~outside_period(hit_filter) & period.contains().fill_null(False)
    read = ~timed | inside  # its bucket is not out_of_period, and its time in ``period``
    variant = pl.col("variant").cast(pl.String)
    # The variants a message quotes the first line of: those leaving fields unread, and any
    # but the format string's own (most entries hold none of them: no line is looked for).
    quoted = [variant.is_in(names) for names in _quoted_variants(fmt, variants) if names]
    bad = entry.filter(pl.col("bucket") == "malformed").select(line_no)
    queries = [bad.head(1)]
    if quoted:
        firsts = pl.concat_list([line_no.filter(test).min() for test in quoted])
        queries.append(
            entry.filter(read & variant.is_not_null())
            .select(firsts.alias("line_no"))
            .explode("line_no")
            .drop_nulls()
        )
    if period.since is not None:
        # One pass, the period's first line a scalar of it (a join of the two took 4 times as
        # long, run for many entries together).
        start = line_no.filter(timed & inside).min()
        malformed = pl.col("bucket") == "malformed"
        after = line_no.filter(malformed & (line_no > start)).head(MALFORMED_EXAMPLES)
        queries.append(entry.select(after))
    else:
        queries.append(bad.head(MALFORMED_EXAMPLES))
    return [query.select(line_no) for query in queries]


def fetch_lines(
    file: InputFile,
    numbers: set[int],
    index: tuple[tuple[int, int], ...],
    *,
    max_line_bytes: int,
) -> dict[int, str]:
    """The text of the lines ``numbers`` of ``file``, as a run reads them (too long ones as
    their marker): from the chunk of ``index`` that holds them (uncompressed files), else read
    from the start."""
    found: dict[int, str] = {}
    wanted = set(numbers)
    starts = [(lines_before, start) for start, lines_before in index]
    dtype = pl.Enum([file.name])
    for number in sorted(numbers):
        if number in found:
            continue
        parts = None
        before = [pair for pair in starts if pair[0] < number]
        if before and not file.compression:
            lines_before, start = max(before)
            parts = FileParts((ByteRange(start, file.size, lines_before),), 0)
        for chunk in read_line_chunks(
            file, dtype, DEFAULT_CHUNK_BYTES, parts, max_line_bytes=max_line_bytes
        ):
            frame = chunk.lines.filter(pl.col("line_no").is_in(sorted(wanted)))
            for line_no, text in frame.select("line_no", "line").iter_rows():
                found[int(line_no)] = str(text)
                wanted.discard(int(line_no))
            last = chunk.lines.get_column("line_no")
            if not wanted or (last.len() and int(last[-1]) >= max(wanted)):
                break
    return found


_Made = tuple[tuple["_Placed", ...] | None, int, int]


def _new_lines(part: CachedPart | None, read: _FileLines | None) -> _Made | None:
    """The rows of the lines of a file's entry not yet in it (after its cached part and the
    lines handed over), placed by line number, the first of them and the last line of the
    entry; None unless the lines are every line from the first."""
    before = (part.lines if part is not None else 0) + (read.handed if read is not None else 0)
    if read is None or not read.lines:
        return None, before + 1, before
    placed = _placed(read, None)
    numbers = placed[0].numbers
    added = numbers.len()
    if (
        numbers.n_unique() != added
        or numbers.min() != before + 1
        or numbers.max() != before + added
    ):
        return None
    return placed, before + 1, before + added


def _placed(kept: _FileLines, end: int | None) -> tuple[_Placed, ...]:
    """The lines, hits and texts ``kept`` of a file, placed by line number (those of frames
    holding a line up to ``end``, with None all)."""

    def holding(frames: list[pl.DataFrame]) -> list[pl.DataFrame]:
        return [f for f in frames if f.height and (end is None or _span(f)[0] <= end)]

    lines = _Placed.of(holding(kept.lines))
    texts = pl.DataFrame(
        {"line_no": list(kept.texts), "line": list(kept.texts.values())},
        schema={"line_no": lines.numbers.dtype, "line": pl.String},
    )
    return lines, _Placed.of(holding(kept.hits) or kept.hits[:1]), _Placed.of([texts])


def _slices(
    placed: tuple[_Placed, ...] | None, first: int, last: int
) -> list[Callable[[], pl.DataFrame]]:
    """The rows of lines ``first`` … ``last`` of ``placed``, a slice of lines at a time, each
    made when called: the hits' columns of every line are never in memory at once."""
    if placed is None:
        return []
    return [
        functools.partial(_entry_rows, placed, start, min(_SLICE_LINES, last + 1 - start))
        for start in range(first, last + 1, _SLICE_LINES)
    ]


def _after(frames: list[pl.DataFrame], end: int) -> list[pl.DataFrame]:
    """The rows of ``frames`` (one at least) of lines after line ``end``; none: one frame of
    their columns with no rows, so the rows of the lines after are still placed by them."""
    later = pl.col("line_no") > end
    spans = [(frame, _span(frame)) for frame in frames if frame.height]
    kept = [
        frame if least > end else frame.filter(later)
        for frame, (least, last) in spans
        if last > end
    ]
    return kept or [frames[0].clear()]


@dataclass(frozen=True)
class _Placed:
    """Rows of some lines of a file (by ``line_no``, each line at most once), in frames as a
    run kept them (each in line order but for the held lines, which come later), given back
    as a row per line of a stretch of lines, in line order, null on the lines they hold none
    of: what a left join of the lines with them gives, by position."""

    frames: tuple[pl.DataFrame, ...]
    spans: tuple[tuple[int, int], ...]  # each frame's least and greatest line number
    numbers: pl.Series  # the line numbers of every row, ascending
    columns: pl.DataFrame  # no rows: the columns given back

    @classmethod
    def of(cls, frames: Sequence[pl.DataFrame]) -> _Placed:
        """The rows of ``frames`` (each with a ``line_no``), placed by it."""
        kept = tuple(frame for frame in frames if frame.height)
        numbers = [frame.get_column("line_no") for frame in kept]
        return cls(
            kept,
            tuple(_span(frame) for frame in kept),
            pl.concat(numbers).sort() if numbers else pl.Series("line_no", [], pl.UInt32),
            frames[0].clear().drop("line_no"),
        )

    def stretch(self, first: int, count: int) -> pl.DataFrame:
        """A row per line of lines ``first`` … ``first + count - 1``, made of the frames
        holding some of them only, so that a stretch costs what it holds."""
        last = first + count - 1
        start, end = (int(self.numbers.search_sorted(n, "left")) for n in (first, last + 1))
        if start == end:
            return self.columns.clear(count)
        holding = [
            frame
            for frame, (least, greatest) in zip(self.frames, self.spans, strict=True)
            if least <= last and greatest >= first
        ]
        rows = (
            pl.concat(holding, rechunk=False)
            .filter(pl.col("line_no").is_between(first, last))
            .sort("line_no")
            .drop("line_no")
        )
        if end - start == count:  # a row of every line
            return rows
        place = self.numbers.slice(start, end - start).cast(pl.Int64) - first
        held = pl.int_range(0, end - start, dtype=pl.UInt32, eager=True)
        row_of_line = pl.repeat(None, count, dtype=pl.UInt32, eager=True).scatter(place, held)
        return rows.select(pl.all().gather(row_of_line))


def _entry_rows(placed: Sequence[_Placed], first: int, count: int) -> pl.DataFrame:
    """The rows of an entry of lines ``first`` … ``first + count - 1``: of each of ``placed``
    side by side."""
    try:
        rows = pl.concat([each.stretch(first, count) for each in placed], how="horizontal")
        return rows.select(pl.col(name).cast(dtype) for name, dtype in ENTRY_SCHEMA.items())
    except (pl.exceptions.PolarsError, ValueError, MemoryError) as error:  # made as it is written
        memory = isinstance(error, MemoryError)
        reason = str(error) or ("out of memory" if memory else type(error).__name__)
        raise EntryNotMade(reason) from error


def _span(frame: pl.DataFrame) -> tuple[int, int]:
    """The least and the greatest ``line_no`` of ``frame``."""
    numbers = pl.col("line_no")
    least, greatest = frame.select(numbers.min().alias("least"), numbers.max()).row(0)
    return int(least), int(greatest)


def _ends_a_line(file: InputFile, size: int) -> bool:
    """Whether the first ``size`` bytes of ``file`` end with a line break (or are none): only
    then can a later run read what was added after them as lines of their own."""
    if size == 0:
        return True
    try:
        with open(file.scan_path, "rb") as handle:
            handle.seek(size - 1)
            return handle.read(1) == b"\n"
    except OSError:
        return False
