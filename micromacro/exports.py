"""Event exports: CSV, NDJSON and Parquet files of analytics events read into the canonical hit
table (definitions §2.1), so that goals and funnels work on them as on access logs.

The ``source:`` section of the goals file (``goals.SourceMapping``) names the columns; a preset
(``ga4``, ``segment``) knows the columns of a well-known export, and the file's own keys override
it. Column names may be dotted paths into nested columns (``context.page.url``); a list of
``{key, value}`` structs (GA4's ``event_params``) is reached by key
(``event_params.page_location``).

Each file is scanned lazily by Polars and every row lands in one bucket of
``hit_schema.EXPORT_BUCKETS``. The visitor is the row's user id, else the user id its anonymous id
carries on another row, else the anonymous id. The README's "Event exports" section
describes it for users.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl

from micromacro.errors import InputError, UsageError
from micromacro.export_columns import LINE, ROW, ExportColumns
from micromacro.export_files import (
    BAD_EXCERPT,
    BAD_ROW,
    JSON_SPACE,
    csv_field_counts,
    csv_header,
    csv_rows_by_python,
    no_bad_rows,
    repair_ndjson,
)
from micromacro.export_presets import non_empty, preset_of
from micromacro.export_times import EPOCH_FACTORS, TimeReading, time_reading, within_calendar
from micromacro.export_urls import PATH_TEXT, URL_TEXT, with_url_parts, without_excluded_paths
from micromacro.goals import (
    ExportFormat,
    RowRule,
    SourceMapping,
    TimestampField,
)
from micromacro.hit_cache import EntryUnreadable
from micromacro.hit_schema import (
    COUNTED_EXPORT_BUCKETS,
    EXPORT_BUCKET,
    EXPORT_HIT_COLUMNS,
    HIT_SCHEMA,
    KIND,
    as_number,
)
from micromacro.hits import HitFilter, MalformedLine, export_bucket_expr, in_export_period
from micromacro.inputs import STDIN_NAME, Inputs
from micromacro.line_chunks import InputFile
from micromacro.overlapping_inputs import (
    SAMPLE_HASH,
    OverlapSample,
    row_hash,
    sampled,
    without_earlier_rows,
)
from micromacro.periods import TIME_OUT_OF_RANGE, Period, in_supported_range, parse_timezone
from micromacro.whole_files import WholeFiles

# --- which format a file is in -----------------------------------------------------------------

_COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")
_FORMAT_SUFFIXES: dict[str, ExportFormat] = {
    ".csv": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".json": "ndjson",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def export_format(name: str, source: SourceMapping) -> ExportFormat:
    """The format of the input ``name``: the source's ``format:``, else the file extension (after
    a compression suffix); a preset's exports are NDJSON unless the extension says otherwise.

    >>> export_format("events.parquet.gz", SourceMapping())
    'parquet'
    >>> export_format("<stdin>", SourceMapping(preset="ga4"))
    'ndjson'
    """
    if source.format is not None:
        return source.format
    base = name.lower()
    for suffix in _COMPRESSION_SUFFIXES:
        base = base.removesuffix(suffix)
    for suffix, found in _FORMAT_SUFFIXES.items():
        if name != STDIN_NAME and base.endswith(suffix):
            return found
    if source.preset is not None:
        return "ndjson"
    if name == STDIN_NAME:
        raise UsageError(
            "an event export on stdin (-) needs its format: set format: csv, ndjson or parquet "
            "in the source section of the goals file"
        )
    raise UsageError(
        f"{name}: cannot tell the export format from the file name (expected .csv, .ndjson, "
        ".jsonl, .json or .parquet; or set format: in the source section of the goals file)"
    )


def summary_format(source: SourceMapping, formats: list[ExportFormat]) -> str:
    """The ``format`` of the input summary: the preset's name, else the formats read.

    >>> summary_format(SourceMapping(), ["csv", "parquet", "csv"])
    'csv+parquet'
    """
    if source.preset is not None:
        return source.preset
    return "+".join(dict.fromkeys(formats))


# --- one file's rows ---------------------------------------------------------------------------

_USER = "__micromacro_user_id"
_ANONYMOUS = "__micromacro_anonymous_id"
_PAGEVIEW = "__micromacro_pageview"
_SKIP = "__micromacro_skip"
_SESSION_ONLY = "__micromacro_session_only"
_TRANSACTION = "__micromacro_transaction"
_BAD_TIME = "__micromacro_bad_time"
# True where a row's time was read but is outside the supported ones (``periods.EARLIEST`` to
# ``periods.LATEST``): its ``ts`` is then null and the row malformed, ``time out of range``.
_OUT_OF_RANGE = "__micromacro_time_out_of_range"
_HAS_VISITOR = "__micromacro_has_visitor"
_LINKED = "__micromacro_linked_user_id"
_TEXT_FIELDS = (
    "user_id", "anonymous_id", "session_id", "event_name", "event_category", "event_action",
    "event_label", "event_value", "revenue", "currency", "url", "path", "query", "referrer",
    "user_agent", "transaction_id",
)  # fmt: skip


@dataclass(frozen=True)
class ExportPlan:
    """What to compute for each row of one file, as expressions over its columns."""

    fields: dict[str, pl.Expr]
    time: TimeReading
    pageview: pl.Expr
    skip: pl.Expr
    session_only: pl.Expr
    keep: dict[str, pl.Expr]
    timestamp_column: str
    raw_time: pl.Expr
    # The columns of ``hit_schema.EXPORT_HIT_COLUMNS`` the mapping names, typed.
    extras: dict[str, pl.Expr] = field(default_factory=dict)
    # The numbers the goals' ``value: {from: …}`` read, by column.
    values: dict[str, pl.Expr] = field(default_factory=dict)
    # Columns the expressions above read, computed first (``ExportColumns.entries``).
    entries: dict[str, pl.Expr] = field(default_factory=dict)


def maps_user_agent(source: SourceMapping) -> bool:
    """Whether the export's hits carry a user agent (the source's own column, or its preset's)."""
    preset = preset_of(source)
    return source.user_agent is not None or (preset is not None and "user_agent" in preset.fields)


def timestamp_field(source: SourceMapping) -> TimestampField:
    """The source's time column and format: its own, else its preset's."""
    preset = preset_of(source)
    stamp = source.timestamp or (preset.timestamp if preset else None)
    assert stamp is not None, "config requires a timestamp without a preset"
    return stamp


def export_plan(
    source: SourceMapping, columns: ExportColumns, *, require_columns: bool = True
) -> ExportPlan:
    """The expressions of every mapped field for a file with ``columns`` (the source's own keys
    first, then its preset's); mapped columns the file lacks are one ``InputError`` (without
    ``require_columns``, nulls: a file none of whose rows could be read has no columns)."""
    preset = preset_of(source)

    def text_field(name: str) -> pl.Expr:
        user_column: str | None = getattr(source, name)
        if user_column is not None:
            return non_empty(columns.text(user_column))
        if preset is not None and name in preset.fields:
            return non_empty(preset.fields[name](columns))
        return pl.lit(None, dtype=pl.String)

    stamp = timestamp_field(source)
    time_column, time_dtype = columns.column(stamp.column)
    fields = {name: text_field(name) for name in _TEXT_FIELDS}
    extras = {
        name: _typed(name, text_field(name), dtype)
        for name, dtype in EXPORT_HIT_COLUMNS.items()
        if getattr(source, name) is not None or (preset is not None and name in preset.fields)
    }
    pageview_rule = source.pageview or (preset.pageview if preset else None)
    if pageview_rule is not None:
        pageview = _rule_match(pageview_rule, columns)
    else:  # rows with a page and no event name
        has_page = fields["url"].is_not_null() | fields["path"].is_not_null()
        pageview = has_page & fields["event_name"].is_null()
    skip_rule = source.skip or (preset.skip if preset else None)
    skip = _rule_match(skip_rule, columns) if skip_rule is not None else pl.lit(False)
    session_rule = source.session_only or (preset.session_only if preset else None)
    session_only = _rule_match(session_rule, columns) if session_rule is not None else pl.lit(False)
    keep = {name: columns.text(name) for name in source.keep}
    values = {name: as_number(columns.text(name)) for name in source.values}
    if require_columns:
        columns.check_found()
    zone = parse_timezone(source.timezone)
    time_column = within_calendar(time_column, time_dtype)
    time = time_reading(time_column, time_dtype, stamp, zone, columns.file_name)
    return ExportPlan(
        fields,
        time,
        pageview,
        skip,
        session_only,
        keep,
        stamp.column,
        time_column.cast(pl.String),
        extras,
        values,
        dict(columns.entries),
    )


def _typed(name: str, text: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A mapped column's text as the hit column ``name`` of type ``dtype``: a number (text that
    is none is null); ``session_engaged``, a flag (``1`` or ``true``, in any case, is set); a
    click id, whether the row has one; else the text, as a category."""
    if dtype == pl.Float64:
        return text.cast(pl.Float64, strict=False)
    if name == "session_engaged":
        return text.str.strip_chars().str.to_lowercase().is_in(["1", "true"])
    if dtype == pl.Boolean:
        return text.is_not_null()
    return text.cast(dtype)


def _rule_match(rule: RowRule, columns: ExportColumns) -> pl.Expr:
    if not rule.values:
        return pl.lit(False)
    return columns.text(rule.column).is_in(list(rule.values))


def mapped_rows(
    frame: pl.LazyFrame, plan: ExportPlan, source_file: pl.Expr, extra: Sequence[pl.Expr] = ()
) -> pl.LazyFrame:
    """Every row of one file as hit columns (the url and path still as text), with what the
    buckets, stitching and the malformed examples need: the raw ids, the row rules, the time
    text ``plan.time.first`` could not read; and the ``extra`` columns."""
    fields = plan.fields
    has_visitor = fields["user_id"].is_not_null() | fields["anonymous_id"].is_not_null()
    frame = frame.with_columns(expr.alias(name) for name, expr in plan.entries.items())
    return frame.select(
        plan.time.first.alias("ts"),
        fields["user_id"].alias(_USER),
        fields["anonymous_id"].alias(_ANONYMOUS),
        fields["session_id"].alias("session_id"),
        fields["url"].alias(URL_TEXT),
        fields["path"].alias(PATH_TEXT),
        fields["query"].alias("query"),
        fields["referrer"].alias("referrer"),
        fields["user_agent"].alias("user_agent"),
        fields["event_category"].alias("event_category"),
        fields["event_action"].alias("event_action"),
        fields["event_label"].alias("event_label"),
        fields["event_name"].alias("event_name"),
        as_number(fields["event_value"]).alias("event_value"),
        as_number(fields["revenue"]).alias("revenue"),
        non_empty(fields["currency"].str.strip_chars().str.to_uppercase()).alias("currency"),
        source_file.alias("source_file"),
        pl.col(ROW).alias("line_no"),
        has_visitor.alias(_HAS_VISITOR),
        plan.pageview.alias(_PAGEVIEW),
        plan.skip.alias(_SKIP),
        plan.session_only.alias(_SESSION_ONLY),
        _order_id(fields["transaction_id"]).alias(_TRANSACTION),
        *(expr.alias(name) for name, expr in plan.keep.items()),
        *(expr.alias(name) for name, expr in plan.values.items()),
        *(expr.alias(name) for name, expr in plan.extras.items()),
        pl.when(plan.time.first.is_null() | ~in_supported_range(plan.time.first))
        .then(plan.raw_time)
        .alias(_BAD_TIME),
        *extra,
    )


def with_bad_rows(rows: pl.DataFrame, bad: pl.DataFrame) -> pl.DataFrame:
    """Collected rows with why each one cannot be read (``BAD_ROW``, null for most) and its
    start (``BAD_EXCERPT``), from ``bad`` (a table of ``export_files``)."""
    if bad.height == 0:
        none = pl.lit(None, dtype=pl.String)
        return rows.with_columns(none.alias(BAD_ROW), none.alias(BAD_EXCERPT))
    return rows.join(bad, on="line_no", how="left", maintain_order="left")


def classify_rows(rows: pl.DataFrame, plan: ExportPlan, hit_filter: HitFilter) -> pl.DataFrame:
    """Collected rows (``with_bad_rows``) with the times ``plan.time.rest`` reads and the
    ``bucket`` of each row; a bad row is malformed and carries no time or id."""
    readable = pl.col(BAD_ROW).is_null()
    rows = rows.with_columns(
        pl.when(readable).then(pl.col(name)).alias(name)
        for name in ("ts", _USER, _ANONYMOUS, _BAD_TIME, _HAS_VISITOR)
    )
    if plan.time.rest is not None:
        rest = plan.time.rest(pl.col(_BAD_TIME))
        rows = rows.with_columns(pl.coalesce("ts", rest).alias("ts"))
    in_range = in_supported_range(pl.col("ts"))  # null where there is no time
    rows = rows.with_columns(
        pl.when(in_range).then(pl.col("ts")).alias("ts"),
        (~in_range).fill_null(False).alias(_OUT_OF_RANGE),
        pl.when(~in_range.fill_null(False)).then(pl.col(_BAD_TIME)).alias(_BAD_TIME),
    )
    return rows.with_columns(
        export_bucket_expr(
            hit_filter,
            has_visitor=pl.col(_HAS_VISITOR),
            skip=pl.col(_SKIP),
            session_only=pl.col(_SESSION_ONLY),
            pageview=pl.col(_PAGEVIEW),
        )
    )


# --- reading files -----------------------------------------------------------------------------

_FORMAT_NAMES = {"csv": "CSV", "ndjson": "NDJSON", "parquet": "Parquet"}
_SNIFF_BYTES = 8192
_MAX_REASON = 200


def scan_export(
    file: InputFile, export: ExportFormat, *, path: str | None = None, ragged: bool = False
) -> pl.LazyFrame:
    """A lazy scan of one export (or of its repaired copy at ``path``) with its 1-based row
    number in ``__micromacro_row``.

    CSV columns are all read as text (each mapped field is converted on its own); with
    ``ragged`` a row with more fields than the header is cut instead of failing the file.
    NDJSON types are inferred from every line, so a field that is a number on one line and text
    on another is text.
    """
    path = path or file.scan_path
    if export == "csv":
        return pl.scan_csv(
            path,
            infer_schema=False,
            encoding="utf8-lossy",
            row_index_name=ROW,
            row_index_offset=1,
            truncate_ragged_lines=ragged,
        )
    if export == "ndjson":
        return pl.scan_ndjson(
            path, infer_schema_length=None, row_index_name=ROW, row_index_offset=1
        )
    return pl.scan_parquet(path, row_index_name=ROW, row_index_offset=1)


def _binary_header(path: str) -> bool:
    """True when the first line of a file holds a NUL byte: no CSV header does."""
    with open(path, "rb") as handle:
        return b"\x00" in handle.read(_SNIFF_BYTES).split(b"\n", 1)[0]


def _unreadable(file: InputFile, export: ExportFormat, error: BaseException) -> InputError:
    """The one-line error for a file Polars could not read as ``export``."""
    message = str(error).strip()
    reason = message.splitlines()[0][:_MAX_REASON] if message else type(error).__name__
    if export == "ndjson" and isinstance(error, pl.exceptions.SchemaError):
        # Every line is a JSON object (the others are bad rows), but their shapes clash.
        reason += " (a field is an object or a list on some lines and not on others)"
    return InputError(f"{file.name}: cannot read as {_FORMAT_NAMES[export]}: {reason}")


_READ_ERRORS = (pl.exceptions.PolarsError, OSError)
# True where a CSV row's last column has no value: the rows a short row may hide among.
_LAST_MISSING = "__micromacro_last_missing"
_Read = tuple[pl.DataFrame, ExportPlan]


def _collect(
    frame: pl.LazyFrame, plan: ExportPlan, source_file: pl.Expr, extra: Sequence[pl.Expr] = ()
) -> pl.DataFrame:
    return mapped_rows(frame, plan, source_file, extra).collect(engine="streaming")


def _ndjson_rows(
    file: InputFile, source: SourceMapping, source_file: pl.Expr, inputs: Inputs
) -> _Read | None:
    """The mapped rows of an NDJSON file: read whole, else (a line that is no JSON object fails
    the whole file) from a copy with each such line a bad row."""
    frame = scan_export(file, "ndjson")
    try:
        schema = frame.collect_schema()
    except _READ_ERRORS:
        schema = None
    if schema is not None:
        columns = ExportColumns(schema, file.name, json_lines=True)
        plan = export_plan(source, columns)
        frame = _with_lines(frame, columns, file.scan_path)
        try:
            return with_bad_rows(_collect(frame, plan, source_file), no_bad_rows()), plan
        except _READ_ERRORS:
            pass
    copy = inputs.scratch_path(file)
    try:
        repaired = repair_ndjson(file.scan_path, copy)
        if repaired.rows == 0:  # blank lines only
            return None
        frame = scan_export(file, "ndjson", path=copy)
        try:
            schema = frame.collect_schema()
        except _READ_ERRORS as error:
            raise _unreadable(file, "ndjson", error) from None
        some_read = repaired.bad.height < repaired.rows
        columns = ExportColumns(schema, file.name, json_lines=True)
        plan = export_plan(source, columns, require_columns=some_read)
        frame = _with_lines(frame, columns, copy)
        try:
            rows = _collect(frame, plan, source_file)
        except _READ_ERRORS as error:
            raise _unreadable(file, "ndjson", error) from None
    finally:
        if os.path.exists(copy):
            os.remove(copy)
    return with_bad_rows(rows, repaired.bad), plan


def _with_lines(frame: pl.LazyFrame, columns: ExportColumns, path: str) -> pl.LazyFrame:
    """``frame`` (the scan of the NDJSON file at ``path``) with each row's line as written
    (``LINE``), where a mapped name reads a member of a field that is text on some lines."""
    if not columns.reads_lines:
        return frame
    lines = (
        pl.scan_lines(path, name=LINE)
        .filter(pl.col(LINE).str.strip_chars(JSON_SPACE).str.len_bytes() > 0)  # no row
        .with_row_index(ROW, offset=1)
    )
    return frame.join(lines, on=ROW, how="left", maintain_order="left")


def _csv_rows(file: InputFile, source: SourceMapping, source_file: pl.Expr) -> _Read:
    """The mapped rows of a CSV file, with the rows whose number of fields is not the
    header's: a file whose last column always has a value and that Polars reads has none."""
    if _binary_header(file.scan_path):
        raise InputError(f"{file.name}: not a CSV file (binary data)")
    frame = scan_export(file, "csv")
    try:
        schema = frame.collect_schema()
    except _READ_ERRORS as error:
        raise _unreadable(file, "csv", error) from None
    names = [name for name in schema.names() if name != ROW]
    header = csv_header(file.scan_path, len(names))
    plan = export_plan(source, ExportColumns(schema, file.name, header=header))
    rows: pl.DataFrame | None = None
    try:
        last_missing = pl.col(names[-1]).is_null().alias(_LAST_MISSING)
        rows = _collect(frame, plan, source_file, [last_missing])
        if not rows.get_column(_LAST_MISSING).any():
            return with_bad_rows(rows.drop(_LAST_MISSING), no_bad_rows()), plan
        rows = rows.drop(_LAST_MISSING)
    except _READ_ERRORS:  # more fields than the header, or broken quoting
        pass
    counted = csv_field_counts(file.scan_path, len(names))
    if counted is not None:
        if rows is None:
            with contextlib.suppress(*_READ_ERRORS):
                rows = _collect(scan_export(file, "csv", ragged=True), plan, source_file)
        if rows is not None and rows.height == counted.rows:
            return with_bad_rows(rows, counted.bad), plan
    # Rows that cannot be told by lines: read row by row.
    table, bad = csv_rows_by_python(file.scan_path, names, file.name)
    try:
        rows = _collect(table.lazy().with_row_index(ROW, offset=1), plan, source_file)
    except _READ_ERRORS as error:
        raise _unreadable(file, "csv", error) from None
    return with_bad_rows(rows, bad), plan


def _parquet_rows(file: InputFile, source: SourceMapping, source_file: pl.Expr) -> _Read:
    frame = scan_export(file, "parquet")
    try:
        schema = frame.collect_schema()
        plan = export_plan(source, ExportColumns(schema, file.name))
        rows = _collect(frame, plan, source_file)
    except _READ_ERRORS as error:
        raise _unreadable(file, "parquet", error) from None
    return with_bad_rows(rows, no_bad_rows()), plan


def _file_rows(
    file: InputFile,
    export: ExportFormat,
    source: SourceMapping,
    hit_filter: HitFilter,
    source_file: pl.Expr,
    inputs: Inputs,
) -> tuple[pl.DataFrame, str] | None:
    """The classified rows of one file and its timestamp column; None for an empty file."""
    if file.size == 0:
        return None
    read: _Read | None
    if export == "ndjson":
        read = _ndjson_rows(file, source, source_file, inputs)
    elif export == "csv":
        read = _csv_rows(file, source, source_file)
    else:
        read = _parquet_rows(file, source, source_file)
    if read is None:
        return None
    rows, plan = read
    return classify_rows(rows, plan, hit_filter), plan.timestamp_column


def _with_file(rows: pl.DataFrame, source_file: pl.Expr) -> pl.DataFrame:
    """A file's rows as its entry keeps them (without ``source_file``) with the file's name, in
    the place a file read gives it (before ``line_no``): the rows of files read and cached are
    stacked together."""
    columns = rows.columns
    at = columns.index("line_no")
    return rows.with_columns(source_file.alias("source_file")).select(
        *columns[:at], "source_file", *columns[at:]
    )


def _cached_rows(
    file: InputFile,
    export: ExportFormat,
    source: SourceMapping,
    source_file: pl.Expr,
    inputs: Inputs,
    cache: WholeFiles | None,
) -> tuple[pl.DataFrame, str] | None:
    """The classified rows of one file without a period (``_file_rows``), from the hit cache
    when it holds them; a file read is kept in it with what no later step reads left out: of a
    row that is not counted only its bucket, time, row number and ids (which link visitors),
    and of the first malformed rows why they are."""
    settings = {"export": export}
    part = cache.get(file, settings) if cache is not None else None
    if part is not None:
        try:
            return _with_file(part.read(), source_file), str(part.extra["timestamp_column"])
        except EntryUnreadable as error:  # damaged since it was found: read the file
            assert cache is not None
            cache.forget(file, settings, error)
    read = _file_rows(file, export, source, HitFilter(), source_file, inputs)
    if read is None or cache is None:
        return read
    rows, timestamp_column = read
    counted = pl.col("bucket").is_in(COUNTED_EXPORT_BUCKETS)
    bad = pl.col("bucket") == "malformed"
    example = bad & (
        pl.col("line_no") <= pl.col("line_no").filter(bad).sort().head(_EXAMPLES).max()
    )
    always = ("bucket", "ts", "line_no", _USER, _ANONYMOUS)
    why = (_BAD_TIME, _OUT_OF_RANGE, BAD_ROW, BAD_EXCERPT)
    kept = rows.drop("source_file").select(
        pl.col(name)
        if name in always
        else pl.when(counted | example if name in why else counted).then(pl.col(name)).alias(name)
        for name in rows.columns
        if name != "source_file"
    )
    cache.put(file, settings, kept, {"timestamp_column": timestamp_column})
    return read


# --- all files ---------------------------------------------------------------------------------

# What GA4's export writes as the transaction id of a purchase sent without one.
_NO_ORDER_ID = "(not set)"


def _order_id(text: pl.Expr) -> pl.Expr:
    """A transaction id, none where GA4 wrote that there was none (``(not set)``): such
    purchases are no repeats of one order."""
    return pl.when(text != _NO_ORDER_ID).then(text)


# What makes an order: its event's name and its transaction id.
_ORDER = {"event_name": pl.String(), _TRANSACTION: pl.String()}
# The index of a counted row's input, in input order.
_INPUT = "__micromacro_input"


def repeated_orders(counted: pl.DataFrame, periods: Sequence[Period] = ()) -> pl.Series:
    """Whether each of ``counted`` (every file's counted rows, in input order, each with its
    input's index in ``_INPUT``) repeats an order: its event name and transaction id are an
    earlier row's, earlier in time (then by input, then by row), in the same one of
    ``periods`` (a comparison's periods are told apart: an order of the one repeated in the
    other is counted in both; rows in none of them are a group of their own)."""
    group = pl.lit(len(periods), dtype=pl.UInt32)
    for index, period in reversed(list(enumerate(periods))):
        group = pl.when(period.contains()).then(pl.lit(index, dtype=pl.UInt32)).otherwise(group)
    order = pl.struct(group.alias("_group"), *(pl.col(c).cast(t) for c, t in _ORDER.items()))
    repeated = pl.col(_TRANSACTION).is_not_null() & ~order.is_first_distinct()
    return (
        counted.with_row_index("_row")
        .sort("ts", _INPUT, "line_no")
        .select("_row", repeated.alias("repeated"))
        .sort("_row")
        .get_column("repeated")
    )


_EXAMPLES = 5  # the malformed rows of a file ever named


@dataclass
class ExportRead:
    """What the exports of a run add up to: rows per bucket, the counted hits (the canonical
    table plus the ``keep`` columns), the first malformed rows and each file's format."""

    counts: dict[str, int] = field(default_factory=dict)
    hits: pl.DataFrame = field(default_factory=lambda: empty_export_hits(()))
    malformed: list[MalformedLine] = field(default_factory=list)
    formats: list[ExportFormat] = field(default_factory=list)
    # With ``keep_times``: the time and bucket of every row in the period (``--compare``).
    times: list[pl.DataFrame] = field(default_factory=list)
    # When times read as text were numbers: how to name their epoch format (else empty).
    epoch_hint: str = ""
    # Files that hold the same counted rows (without ``dedupe``): each pair, named.
    overlap_warnings: list[str] = field(default_factory=list)


# A time written as a number alone: seconds, milliseconds or microseconds since 1970.
_EPOCH_NUMBER = r"^\s*[+-]?\d+(?:\.\d*)?\s*$"


def _epoch_hint(rows: pl.DataFrame, file_name: str, column: str, source: SourceMapping) -> str:
    """How to read the file's times that are numbers written as text, when the source reads
    them as ISO 8601 and one of its first malformed rows (those the hit cache keeps whole) has
    such a time; else empty."""
    time_format = timestamp_field(source).format
    first = rows.filter(pl.col("bucket") == "malformed").sort("line_no").head(_EXAMPLES)
    if time_format in _EPOCH_UNITS and (unit := _larger_epoch_unit(rows, time_format)):
        return f"{file_name}: times in {column!r} read as {time_format} are all in the 1970s: " + (
            _unit_advice(column, unit)
        )
    if time_format in _EPOCH_UNITS:  # a number out of range: another unit, by its digits
        beyond = first.filter(pl.col(_OUT_OF_RANGE).fill_null(False))
        lengths = beyond.get_column(_BAD_TIME).str.extract(r"^\s*\+?(\d+)", 1).str.len_chars()
        unit = _EPOCH_BY_DIGITS.get(lengths.drop_nulls().max() or 0)  # type: ignore[arg-type]
        if unit is None or unit == time_format:
            return ""
        return f"{file_name}: times in {column!r} are out of range as {time_format}: " + (
            _unit_advice(column, unit)
        )
    if time_format not in (None, "iso8601"):
        return ""
    numbers = pl.col("ts").is_null() & pl.col(_BAD_TIME).str.contains(_EPOCH_NUMBER)
    if not first.select(numbers.any()).item():
        return ""
    digits = first.filter(numbers).get_column(_BAD_TIME).str.extract(r"^\s*\+?(\d+)", 1)
    unit = _EPOCH_BY_DIGITS.get(digits.str.len_chars().max() or 0)  # type: ignore[arg-type]
    if unit is not None:  # a time of 2001–2286 in one unit, by its digits
        return f"{file_name}: times in {column!r} are numbers: " + _unit_advice(column, unit)
    return (
        f"{file_name}: times in {column!r} are numbers: name their unit in the source "
        f"section, timestamp: {{column: {column}, format: epoch_s}} (or epoch_ms, epoch_us)"
    )


def _unit_advice(column: str, unit: str) -> str:
    """What the numbers of a time column count, and the ``timestamp:`` that reads them so."""
    return (
        f"numbers of their length count {_EPOCH_UNITS[unit]}, timestamp: {{column: {column}, "
        f"format: {unit}}}"
    )


def _larger_epoch_unit(rows: pl.DataFrame, time_format: str) -> str | None:
    """The epoch unit the times of ``rows`` count (by their numbers' digits) where, read in the
    smaller unit ``time_format``, every one falls in the 1970s: seconds read as milliseconds
    (no export of web events holds only times before 1980). None otherwise."""
    latest = rows.select(pl.col("ts").dt.epoch("us").max()).item()
    if not isinstance(latest, int) or not 0 < latest < _YEAR_1980_US:
        return None
    unit = _EPOCH_BY_DIGITS.get(len(str(latest // EPOCH_FACTORS[time_format])))
    return unit if unit is not None and unit != time_format else None


# Microseconds since 1970 at the start of 1980.
_YEAR_1980_US = 315_532_800_000_000
# The epoch formats, what they count, and the one a time of this many digits is (a time of
# 2001–2286).
_EPOCH_UNITS = {"epoch_s": "seconds", "epoch_ms": "milliseconds", "epoch_us": "microseconds"}
_EPOCH_BY_DIGITS = {10: "epoch_s", 13: "epoch_ms", 16: "epoch_us"}


def _malformed_rows(rows: pl.DataFrame, timestamp_column: str, room: int) -> list[MalformedLine]:
    bad = rows.filter(pl.col("bucket") == "malformed").sort("line_no").head(room)
    examples = []
    for file_name, row, ts, bad_time, out_of_range, bad_row, excerpt in bad.select(
        "source_file", "line_no", "ts", _BAD_TIME, _OUT_OF_RANGE, BAD_ROW, BAD_EXCERPT
    ).iter_rows():
        if bad_row is not None:  # not read at all: why, and its start as written
            examples.append(
                MalformedLine(str(file_name), int(row), excerpt or "", "row", str(bad_row))
            )
            continue
        if ts is None:
            shown = f": {str(bad_time)[:80]!r}" if bad_time is not None else ""
            problem = TIME_OUT_OF_RANGE if out_of_range else "no valid time"
            reason = f"{problem} in {timestamp_column!r}{shown}"
        else:
            reason = "neither a user id nor an anonymous id"
        examples.append(MalformedLine(str(file_name), int(row), reason, unit="row"))
    return examples


def _identity_links(rows: pl.DataFrame) -> pl.DataFrame:
    """For each anonymous id seen with a user id, the user id of its earliest such row."""
    return (
        rows.filter(pl.col(_USER).is_not_null() & pl.col(_ANONYMOUS).is_not_null())
        .sort("ts", nulls_last=True, maintain_order=True)
        .group_by(_ANONYMOUS, maintain_order=True)
        .agg(pl.col(_USER).first().alias(_LINKED), pl.col("ts").first())
    )


_SESSION_VISITOR = "__micromacro_session_visitor"


def _with_visitors(hits: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Hits with their ``visitor``: the user id, else the user id linked to the anonymous id,
    else the anonymous id; and every row with a session id its session's: the earliest user id
    among the session's rows, else the visitor of its earliest row (a session is one visitor's,
    even on a device where two people sign in)."""
    linked = (
        links.sort("ts", nulls_last=True, maintain_order=True)
        .group_by(_ANONYMOUS, maintain_order=True)
        .agg(pl.col(_LINKED).first())
    )
    hits = hits.join(linked, on=_ANONYMOUS, how="left", maintain_order="left").with_columns(
        pl.coalesce(_USER, _LINKED, _ANONYMOUS).alias("visitor")
    )
    sessions = (
        hits.select("session_id", "ts", _USER, "visitor")
        .filter(pl.col("session_id").is_not_null())
        .sort("ts", nulls_last=True, maintain_order=True)
        .group_by("session_id", maintain_order=True)
        .agg(
            pl.coalesce(pl.col(_USER).drop_nulls().first(), pl.col("visitor").first()).alias(
                _SESSION_VISITOR
            )
        )
    )
    return (
        hits.join(sessions, on="session_id", how="left", maintain_order="left")
        .with_columns(pl.coalesce(_SESSION_VISITOR, "visitor").alias("visitor"))
        .drop(_SESSION_VISITOR)
    )


def canonical_export_hits(
    rows: pl.DataFrame, keep: tuple[str, ...], values: tuple[str, ...] = ()
) -> pl.DataFrame:
    """The canonical hit table (definitions §2.1) of counted rows that have a ``visitor``,
    followed by the columns of ``hit_schema.EXPORT_HIT_COLUMNS`` the rows have, then the
    ``keep`` columns and the ``values`` goals read; columns an export does not have (status,
    user agent, …) are null."""

    def hit_column(name: str, dtype: pl.DataType) -> pl.Expr:
        if name == "kind":
            return pl.col("bucket").cast(pl.String).cast(KIND)
        if name == "source_file":  # an Enum in input order, as for access logs
            return pl.col(name)
        found = pl.col(name) if name in rows.columns else pl.lit(None)
        return found.cast(dtype)

    return rows.select(
        *(hit_column(name, dtype).alias(name) for name, dtype in HIT_SCHEMA.items()),
        *(pl.col(name) for name in EXPORT_HIT_COLUMNS if name in rows.columns),
        *(pl.col(name) for name in keep),
        *(pl.col(name) for name in values),
    )


def empty_export_hits(keep: tuple[str, ...], values: tuple[str, ...] = ()) -> pl.DataFrame:
    """An export hit table without rows."""
    schema = (
        dict(HIT_SCHEMA) | dict.fromkeys(keep, pl.String()) | dict.fromkeys(values, pl.Float64())
    )
    return pl.DataFrame(schema=schema)


def read_exports(
    inputs: Inputs,
    source: SourceMapping,
    hit_filter: HitFilter,
    progress: Callable[[int, int], None] | None = None,
    *,
    examples: int = 5,
    keep_times: bool = False,
    cache: WholeFiles | None = None,
    dedupe: bool = False,
    order_periods: Sequence[Period] = (),
) -> ExportRead:
    """Read every input as an event export: rows per bucket, counted hits, first malformed rows
    (and with ``keep_times`` the time and bucket of each row in the period). With ``dedupe``, a
    counted row that an earlier file holds too is a ``duplicate``; without it, files that hold
    the same counted rows are named (``overlap_warnings``). A counted row repeating an order
    (``repeated_orders``, each of ``order_periods`` apart) is a ``duplicate`` too.

    Raises ``InputError`` for a file that cannot be read or lacks a mapped column, and
    ``UsageError`` when a file's format cannot be told. Rows are classified without the period
    and the excluded paths of ``hit_filter``, which are applied after (``hits.in_export_period``,
    ``without_excluded_paths``), so that the ``cache`` keeps them all.
    """
    result = ExportRead(hits=empty_export_hits(source.keep, source.values))
    source_dtype = inputs.source_dtype
    counted: list[pl.DataFrame] = []
    others: list[pl.DataFrame] = []  # the time and bucket of every row not counted
    links: list[pl.DataFrame] = []
    done = 0
    overlap = OverlapSample() if not dedupe and len(inputs.files) > 1 else None
    earlier = pl.Series([], dtype=pl.UInt64)  # the hashes of earlier files' counted rows
    is_counted = pl.col("bucket").is_in(COUNTED_EXPORT_BUCKETS)
    for index, file in enumerate(inputs.files):
        export = export_format(file.name, source)
        result.formats.append(export)
        source_file = pl.lit(file.name, dtype=source_dtype)
        read = _cached_rows(file, export, source, source_file, inputs, cache)
        done += file.size
        if progress is not None:
            progress(done, inputs.total_bytes)
        if read is None:
            continue
        rows = without_excluded_paths(in_export_period(read[0], hit_filter), hit_filter.exclude)
        timestamp_column = read[1]
        if dedupe:
            rows, earlier = without_earlier_rows(rows, earlier)
        elif overlap is not None:
            overlap.add(
                rows.filter(is_counted).select(
                    "source_file", "ts", sampled(row_hash(rows)).alias(SAMPLE_HASH)
                )
            )
        room = examples - len(result.malformed)
        if room > 0:
            result.malformed += _malformed_rows(rows, timestamp_column, room)
        if not result.epoch_hint:
            result.epoch_hint = _epoch_hint(rows, file.name, timestamp_column, source)
        links.append(_identity_links(rows))
        counted.append(rows.filter(is_counted).with_columns(pl.lit(index).alias(_INPUT)))
        others.append(rows.filter(~is_counted).select("ts", "bucket"))
    hits = pl.concat(counted) if counted else None
    if hits is not None:
        repeated = repeated_orders(hits, order_periods)
        duplicate = pl.when(repeated).then(pl.lit("duplicate", dtype=EXPORT_BUCKET))
        others.append(hits.select("ts", duplicate.otherwise("bucket").alias("bucket")))
        hits = hits.filter(~repeated).drop(_INPUT)
        result.hits = canonical_export_hits(
            with_url_parts(_with_visitors(hits, pl.concat(links))), source.keep, source.values
        )
    _count_buckets(result, others, keep_times=keep_times)
    if overlap is not None:
        result.overlap_warnings = overlap.warnings([file.name for file in inputs.files])
    return result


def _count_buckets(result: ExportRead, rows: list[pl.DataFrame], *, keep_times: bool) -> None:
    """Count the buckets of ``rows`` (each the time and bucket of rows read) into ``result``;
    with ``keep_times``, keep the time and bucket of those in the period too."""
    if not rows:
        return
    buckets = pl.concat(rows)
    for bucket, count in buckets.get_column("bucket").value_counts(sort=True).iter_rows():
        result.counts[str(bucket)] = int(count)
    if keep_times:
        in_period = ~pl.col("bucket").is_in(["malformed", "out_of_period"])
        result.times.append(
            buckets.filter(in_period).with_columns(pl.col("bucket").cast(pl.String))
        )
