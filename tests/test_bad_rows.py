"""Bad rows of event exports are counted, not fatal: an NDJSON line that is no JSON object, a CSV
row with the wrong number of fields, a Parquet time that cannot be read. Each is a ``malformed``
row, named on stderr with its file and row; ``--strict`` makes any of them exit 1; a file is read
whole by Polars unless it holds one.
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro import export_files, exports
from micromacro.cli import cli
from micromacro.errors import ConfigError
from micromacro.exports import read_exports
from micromacro.goals import SourceMapping, TimestampField
from micromacro.hits import HitFilter
from micromacro.inputs import Inputs
from tests.helpers import NO_REVENUE

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
GA4 = FIXTURES / "ga4.ndjson"
GA4_GOALS = str(FIXTURES / "ga4_goals.yaml")
TINY_SOURCE = "source:\n  timestamp: t\n  user_id: u\n  url: page\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["report", *args])


def report_json(*args: str) -> tuple[dict[str, object], str]:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def tiny_goals(folder: Path) -> str:
    path = folder / "goals.yaml"
    path.write_text(TINY_SOURCE)
    return str(path)


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "malformed row" in line]


# --- NDJSON ----------------------------------------------------------------------------------


def test_one_broken_ndjson_line_is_one_malformed_row_in_a_complete_report(tmp_path: Path) -> None:
    """ga4.ndjson (hand-counted in tests/test_exports.py) with a half-written event inserted as
    line 9, between the second session's page view and its purchase: a line cut off as an
    interrupted export leaves it.

    Rows 16 = malformed 3 (row 9; the fixture's rows 14 and 15, now 15 and 16) + session_only
    4 + page 6 + event 3. Every figure is the fixture's: sessions 4 (100, 61, 30 and 0 s,
    47.75 s on average), visitors 2, pageviews 6, events 3, bounce 1/4 (/pricing alone), pages per
    session 6/4 = 1.5; purchase, signup, add_to_cart, thank_you and pricing each convert one
    session: macro 2/4 (purchase S2, signup u9), micro 3/4 (S1, S2, u9's /pricing); engaged 3/4
    (S1 and S2 by their 2 pageviews, u9's first session by its signup; the lone /pricing has
    no engagement time); the visitor funnel buy reaches 2, 1, 1.
    """
    lines = GA4.read_text().splitlines(keepends=True)
    broken = lines[3][:70] + "\n"  # the first 70 characters of a page_view
    export = tmp_path / "ga4.ndjson"
    export.write_text("".join([*lines[:8], broken, *lines[8:]]))
    report, stderr = report_json(str(export), "--goals", GA4_GOALS)
    assert report["input"] == {
        "lines": 16,
        "files": 1,
        "format": "ga4",
        "malformed": 3,
        "skipped": 0,
        "session_only": 4,
        "page": 6,
        "event": 3,
    }
    assert report["summary"] == {
        "visitors": 2,
        "sessions": 4,
        "pageviews": 6,
        "events": 3,
        "bounce_rate": 0.25,
        "avg_session_duration_s": 47.75,
        "pages_per_session": 1.5,
        "macro_sessions": 2,
        "macro_conversion_rate": 0.5,
        "micro_sessions": 3,
        "micro_conversion_rate": 0.75,
        **NO_REVENUE,
        "engaged_sessions": 3,
        "engagement_rate": 0.75,
    }
    goals = report["goals"]
    assert isinstance(goals, list)
    assert [(g["name"], g["conversions"], g["converting_sessions"]) for g in goals] == [
        ("purchase", 1, 1),
        ("signup", 1, 1),
        ("add_to_cart", 1, 1),
        ("thank_you", 1, 1),
        ("pricing", 1, 1),
    ]
    funnels = report["funnels"]
    assert isinstance(funnels, list)
    assert [step["reached"] for step in funnels[0]["steps"]] == [2, 1, 1]
    assert warnings(stderr) == [
        "micromacro: warning: 3 malformed rows skipped (counted in the input summary)",
        f"micromacro: warning: {export}: row 9: malformed row (not valid JSON): {broken.strip()}",
        f"micromacro: warning: {export}: row 15: malformed row: no valid time in 'event_timestamp'",
        f"micromacro: warning: {export}: row 16: malformed row: neither a user id nor an "
        "anonymous id",
    ]
    # Everything but the input summary is the clean fixture's report.
    clean, _ = report_json(str(GA4), "--goals", GA4_GOALS)
    for key in ("summary", "goals", "funnels", "ladder", "micro_macro", "segments"):
        assert report[key] == clean[key], key


def test_strict_exits_1_on_a_broken_line(tmp_path: Path) -> None:
    export = tmp_path / "e.ndjson"
    export.write_text(
        '{"t": "2026-11-02T09:00:00Z", "u": "a", "page": "/"}\n{"t": "2026-11-02T09:00:05Z", "u"\n'
    )
    result = run(str(export), "--goals", tiny_goals(tmp_path), "--strict")
    assert result.exit_code == 1
    assert result.stderr == (
        f"micromacro: error: {export}: row 2: malformed row (1 in all; --strict allows none)\n"
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"t": "x", u}', "not valid JSON"),
        ('"just text"', "not a JSON object"),
        ("[1, 2]", "not a JSON object; a JSON array? NDJSON is one object per line"),
        ("[", "not valid JSON; a JSON array? NDJSON is one object per line"),
        ("null", "not a JSON object"),
        ('{"t": NaN}', "not valid JSON"),
        ('{"a": 1} {"a": 2}', "not valid JSON"),
        ('{"t": "2026-11-02T09:00:00Z", "u": "a",}', "not valid JSON"),
        ("\x0c", "not valid JSON"),
    ],
)
def test_every_line_that_is_no_json_object_is_a_malformed_row(
    tmp_path: Path, line: str, reason: str
) -> None:
    export = tmp_path / "e.ndjson"
    good = '{"t": "2026-11-02T09:00:00Z", "u": "a", "page": "/"}'
    export.write_text(f"{good}\n\n{line}\n{good}\n")
    report, stderr = report_json(str(export), "--goals", tiny_goals(tmp_path))
    assert report["input"] == {
        "lines": 3,
        "files": 1,
        "format": "ndjson",
        "malformed": 1,
        "skipped": 0,
        "page": 2,
        "event": 0,
    }
    # Row 2: a blank line is no row.
    assert f"{export}: row 2: malformed row ({reason})" in stderr


def test_hostile_ndjson_lines_do_not_crash(tmp_path: Path) -> None:
    """Row 1: invalid UTF-8 in a value (read as U+FFFD, as in logs). Row 2: a raw ESC in a
    string, invalid JSON: malformed, shown inert. Row 3: an escaped ESC, valid: a page whose
    path holds it. Row 4: a 1 MB invalid line. Row 5: a 1 MB valid line. Row 6: JSON nested
    2,000 deep (too deep to read: malformed). Rows 7-8: a form feed; a byte-order mark in the
    middle of the file (only one at the very start is dropped)."""
    export = tmp_path / "hostile.ndjson"
    big = "x" * (1 << 20)
    export.write_bytes(
        b'{"t": "2026-11-02T09:00:00Z", "u": "a\xff\xfe", "page": "/"}\n'
        b'{"t": "2026-11-02T09:00:01Z", "u": "a", "page": "/\x1b[31mred"}\n'
        b'{"t": "2026-11-02T09:00:02Z", "u": "a", "page": "/\\u001b[2Jclear"}\n'
        + f'{{"t": "2026-11-02T09:00:03Z", "u": "a", "page": "/{big}}}\n'.encode()
        + f'{{"t": "2026-11-02T09:00:04Z", "u": "a", "page": "/{big}"}}\n'.encode()
        + b'{"t": '
        + b"[" * 2000
        + b"]" * 2000
        + b"}\n"
        b"\x0c\n"
        b'\xef\xbb\xbf{"t": "2026-11-02T09:00:05Z", "u": "b"}\n'
    )
    result = run(str(export), "--goals", tiny_goals(tmp_path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    assert (data["input"]["malformed"], data["input"]["page"]) == (5, 3)
    assert data["summary"]["visitors"] == 2  # "a\ufffd\ufffd" and "a"
    bad = warnings(result.stderr)[1:]
    assert [line.split(": row ")[1].split(":")[0] for line in bad] == [
        "2",
        "4",
        "6",
        "7",
        "8",
    ]
    assert all(len(line) < 300 for line in bad)


def test_a_file_with_a_byte_order_mark_and_a_broken_line(tmp_path: Path) -> None:
    export = tmp_path / "e.ndjson"
    export.write_bytes(b'\xef\xbb\xbf{"t": "2026-11-02T09:00:00Z", "u": "a", "page": "/"}\n{oops\n')
    report, _ = report_json(str(export), "--goals", tiny_goals(tmp_path))
    assert (report["input"]["page"], report["input"]["malformed"]) == (1, 1)  # type: ignore[index]


def test_a_file_of_broken_lines_only_exits_1_naming_the_first(tmp_path: Path) -> None:
    export = tmp_path / "e.ndjson"
    export.write_text("not json\nneither\n")
    result = run(str(export), "--goals", tiny_goals(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"micromacro: error: no row of the export has a valid time and a user or anonymous id "
        f"(first: {export}: row 1, not valid JSON); check the source section of the goals "
        "file\n"
    )


def test_a_missing_mapped_column_is_still_an_error_with_broken_lines(tmp_path: Path) -> None:
    export = tmp_path / "e.ndjson"
    export.write_text('{"t": "2026-11-02T09:00:00Z", "user": "a"}\n{broken\n')
    result = run(str(export), "--goals", tiny_goals(tmp_path))
    assert result.exit_code == 2  # the source: mapping does not fit the file
    assert result.stderr == (
        f"micromacro: error: {export}: no columns 'u', 'page' (its columns: t, user)\n"
    )


def test_lines_whose_shapes_clash_still_stop_the_run(tmp_path: Path) -> None:
    # Both lines are JSON objects, but "x" is an object on one and a list on the other: no row
    # is to blame, and Polars cannot read them into one table.
    export = tmp_path / "e.ndjson"
    export.write_text(
        '{"t": "2026-11-02T09:00:00Z", "u": "a", "page": "/", "x": {"b": 1}}\n'
        '{"t": "2026-11-02T09:00:01Z", "u": "a", "page": "/", "x": [1]}\n'
    )
    result = run(str(export), "--goals", tiny_goals(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"micromacro: error: {export}: cannot read as NDJSON: ")
    assert result.stderr.endswith(
        " (a field is an object or a list on some lines and not on others)\n"
    )


def test_only_the_file_with_a_broken_line_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, bad = tmp_path / "good.ndjson", tmp_path / "bad.ndjson"
    good.write_text('{"t": "2026-11-02T09:00:00Z", "u": "a", "page": "/"}\n')
    bad.write_text('{"t": "2026-11-02T09:00:00Z", "u": "b", "page": "/"}\n{\n')
    repaired: list[str] = []
    repair = export_files.repair_ndjson

    def spy(source: str, target: str) -> export_files.RepairedNdjson:
        repaired.append(source)
        return repair(source, target)

    monkeypatch.setattr(exports, "repair_ndjson", spy)
    report, _ = report_json(str(good), str(bad), "--goals", tiny_goals(tmp_path))
    assert repaired == [str(bad)]
    assert (report["input"]["page"], report["input"]["malformed"]) == (2, 1)  # type: ignore[index]


@pytest.mark.parametrize("block_bytes", [1, 7, 64, 1 << 20])
def test_blocks_of_whole_lines_number_rows_across_blocks(tmp_path: Path, block_bytes: int) -> None:
    source, target = tmp_path / "in.ndjson", tmp_path / "out.ndjson"
    lines = ['{"a": 1}', "", "oops", '{"a": "' + "x" * 100 + '"}', "  ", "[", '{"a": 2}', "{"]
    source.write_text("\n".join(lines))  # no line break at the end
    repaired = export_files.repair_ndjson(str(source), str(target), block_bytes=block_bytes)
    assert repaired.rows == 6
    assert repaired.bad.get_column("line_no").to_list() == [2, 4, 6]
    fixed = [line if line not in ("oops", "[", "{") else "{}" for line in lines]
    assert target.read_text() == "\n".join(fixed)
    csv_file = tmp_path / "e.csv"
    csv_file.write_text("a,b\n1,2\n3\n" + '"x,y",' + "z" * 100 + "\n\n5,6,7\n8,9")
    counted = export_files.csv_field_counts(str(csv_file), 2, block_bytes=block_bytes)
    assert counted is not None
    assert counted.rows == 6
    assert counted.bad.get_column("line_no").to_list() == [2, 4, 5]


def test_a_quote_inside_an_unquoted_field_is_a_character_of_it(tmp_path: Path) -> None:
    """Fields are counted as Polars' reader and Python's csv read them: a quote opens a quoted
    field only where the field starts (doubled inside it), so two stray quotes in other fields
    do not join the commas between them into one field."""
    csv_file = tmp_path / "e.csv"
    rows = [
        "a,b,c,d",
        'u"2,x,/y"z,k',  # 4 fields: the quotes are the fields' own characters
        '1,"x,y",2,3',  # 4 fields, one quoted
        '"say ""hi"", twice",2,3,4',  # 4 fields, the first quoted with doubled quotes
        'u"2,x,/y"z',  # 3 fields
    ]
    csv_file.write_text("\n".join(rows) + "\n")
    counted = export_files.csv_field_counts(str(csv_file), 4)
    assert counted is not None
    assert counted.rows == 4
    # Rows are numbered from 1 after the header: the last is row 4.
    assert list(counted.bad.rows()) == [(4, "3 fields, the header has 4", 'u"2,x,/y"z')]


def test_a_compressed_export_with_a_broken_line(tmp_path: Path) -> None:
    import gzip

    export = tmp_path / "e.ndjson.gz"
    export.write_bytes(
        gzip.compress(b'{"t": "2026-11-02T09:00:00Z", "u": "a", "page": "/"}\n{"t": \n')
    )
    report, stderr = report_json(str(export), "--goals", tiny_goals(tmp_path))
    assert (report["input"]["page"], report["input"]["malformed"]) == (1, 1)  # type: ignore[index]
    assert f"{export}: row 2: malformed row (not valid JSON)" in stderr


# --- CSV -------------------------------------------------------------------------------------

CSV_HEADER = "t,u,page\n"


def test_csv_rows_with_the_wrong_number_of_fields_are_malformed(tmp_path: Path) -> None:
    """Row 1 fine, row 2 a field short, row 3 a field over, row 4 blank, row 5 fine with a
    quoted comma, row 6 fine with an empty last field (a missing page: an event), row 7 fine.
    Rows 7 = malformed 3 + page 3 + event 1; visitors a and b, one session each."""
    export = tmp_path / "e.csv"
    export.write_text(
        CSV_HEADER + "2026-11-02T09:00:00Z,a,/\n"
        "2026-11-02T09:00:01Z,a\n"
        "2026-11-02T09:00:02Z,a,/x,surplus\n"
        "\n"
        '2026-11-02T09:00:03Z,a,"/a,b"\n'
        "2026-11-02T09:00:04Z,b,\n"
        "2026-11-02T09:00:05Z,b,/c\n"
    )
    report, stderr = report_json(str(export), "--goals", tiny_goals(tmp_path))
    assert report["input"] == {
        "lines": 7,
        "files": 1,
        "format": "csv",
        "malformed": 3,
        "skipped": 0,
        "page": 3,
        "event": 1,
    }
    assert (report["summary"]["sessions"], report["summary"]["visitors"]) == (2, 2)  # type: ignore[index]
    assert warnings(stderr)[1:] == [
        f"micromacro: warning: {export}: row 2: malformed row (2 fields, the header has 3): "
        "2026-11-02T09:00:01Z,a",
        f"micromacro: warning: {export}: row 3: malformed row (4 fields, the header has 3): "
        "2026-11-02T09:00:02Z,a,/x,surplus",
        f"micromacro: warning: {export}: row 4: malformed row (blank line)",
    ]


def test_csv_rows_spanning_lines_are_read_row_by_row_with_the_same_result(tmp_path: Path) -> None:
    """A quoted field with a line break: rows are no longer lines, so the file is read with
    Python's csv module. Rows 4: row 1 fine, row 2 (lines 3-4) a page whose path holds a line
    break, row 3 a field short, row 4 broken quoting. Malformed 2, page 2."""
    export = tmp_path / "e.csv"
    export.write_text(
        CSV_HEADER + "2026-11-02T09:00:00Z,a,/\n"
        '2026-11-02T09:00:01Z,a,"/multi\nline"\n'
        "2026-11-02T09:00:02Z,a\n"
        '2026-11-02T09:00:03Z,a,"/x"y\n'
    )
    report, stderr = report_json(str(export), "--goals", tiny_goals(tmp_path))
    assert (report["input"]["lines"], report["input"]["page"], report["input"]["malformed"]) == (  # type: ignore[index]
        4,
        2,
        2,
    )
    assert warnings(stderr)[1:] == [
        f"micromacro: warning: {export}: row 3: malformed row (2 fields, the header has 3): "
        "2026-11-02T09:00:02Z,a",
        f"micromacro: warning: {export}: row 4: malformed row (not valid CSV: ',' expected "
        "after '\"')",
    ]


@pytest.mark.parametrize(
    "content",
    [
        (FIXTURES / "shop.csv").read_bytes(),
        b't,u,page\n2026-11-02T09:00:00Z,"a ""b""",\n,,"/x\r\ny"\n\xef\xbb\xbf,\xff,""\n',
    ],
    ids=["shop", "quotes, line breaks, empty fields, invalid UTF-8"],
)
def test_reading_row_by_row_gives_the_values_polars_reads(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    by_polars = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    table, bad = export_files.csv_rows_by_python(str(path), by_polars.columns, "e.csv")
    # Polars reads a quoted empty field as "" and an unquoted one as null; the csv module sees
    # both as "" (null here). Mapped fields take "" for no value either way.
    assert table.equals(by_polars.with_columns(pl.all().replace("", None)))
    assert bad.height == 0


def test_a_clean_csv_is_read_once_by_polars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("a clean file is not looked at line by line")

    monkeypatch.setattr(exports, "csv_field_counts", fail)
    monkeypatch.setattr(exports, "csv_rows_by_python", fail)
    monkeypatch.setattr(exports, "repair_ndjson", fail)
    export = tmp_path / "e.csv"
    export.write_text(CSV_HEADER + "2026-11-02T09:00:00Z,a,/\n2026-11-02T09:00:01Z,a,/b\n")
    ndjson = tmp_path / "e.ndjson"
    ndjson.write_text('{"t": "2026-11-02T09:00:00Z", "u": "a", "page": "/"}\n')
    report, _ = report_json(str(export), str(ndjson), "--goals", tiny_goals(tmp_path))
    assert report["input"]["page"] == 3  # type: ignore[index]


def test_strict_exits_1_on_a_short_csv_row(tmp_path: Path) -> None:
    export = tmp_path / "e.csv"
    export.write_text(CSV_HEADER + "2026-11-02T09:00:00Z,a,/\n2026-11-02T09:00:01Z,a\n")
    result = run(str(export), "--goals", tiny_goals(tmp_path), "--strict")
    assert result.exit_code == 1
    assert result.stderr == (
        f"micromacro: error: {export}: row 2: malformed row (1 in all; --strict allows none)\n"
    )


# --- Parquet ---------------------------------------------------------------------------------


def test_a_parquet_time_that_is_no_text_is_a_malformed_row(tmp_path: Path) -> None:
    """A byte-array time column (no string type): row 2 is not UTF-8, row 3 is no time; both
    are malformed rows, the others are read."""
    export = tmp_path / "e.parquet"
    pl.DataFrame(
        {
            "t": [b"2026-11-02T09:00:00Z", b"\xff\xfe", b"later", b"2026-11-02T09:00:05Z"],
            "u": [b"a", b"a", b"a", b"b\xff"],
            "page": ["/", "/", "/", "/"],
        }
    ).write_parquet(export)
    report, stderr = report_json(str(export), "--goals", tiny_goals(tmp_path))
    assert (report["input"]["malformed"], report["input"]["page"]) == (2, 2)  # type: ignore[index]
    assert report["summary"]["visitors"] == 2  # type: ignore[index]
    assert f"{export}: row 2: malformed row: no valid time in 't': '\ufffd\ufffd'" in stderr
    assert f"{export}: row 3: malformed row: no valid time in 't': 'later'" in stderr


# --- properties: the rows found bad are exactly those a plain-Python reading finds bad ---------

SOURCE = SourceMapping(timestamp=TimestampField("t"), user_id="u", url="page")


def bad_rows_read(path: Path, source: SourceMapping = SOURCE) -> dict[int, str]:
    with Inputs([str(path)], scannable=True) as inputs:
        read = read_exports(inputs, source, HitFilter(), examples=10_000)
    return {m.line_no: m.reason for m in read.malformed if m.reason}


VALUE = st.text(alphabet=st.sampled_from('ab ,"\n\r\t\x1b\u00e9'), max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.lists(VALUE, min_size=0, max_size=5).map(lambda r: r or []), min_size=1, max_size=12
    )
)
def test_csv_rows_of_the_wrong_width_are_found_as_python_counts_them(
    rows: list[list[str]],
) -> None:
    """Rows of 0-5 fields (commas, quotes, line breaks inside values) under a header of 3,
    written by Python's csv module: the malformed rows are those whose field count is not 3."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "e.csv"
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["t", "u", "page"])
            for fields in rows:
                writer.writerow(fields)
        expected = {}
        with open(path, newline="") as handle:
            for number, fields in enumerate(list(csv.reader(handle))[1:], start=1):
                if not fields:
                    expected[number] = "blank line"
                elif len(fields) != 3:
                    expected[number] = (
                        f"{len(fields)} field{'s' * (len(fields) != 1)}, the header has 3"
                    )
        assert bad_rows_read(path) == expected


JSON_LINE = st.one_of(
    st.fixed_dictionaries({"t": st.just("2026-11-02T09:00:00Z"), "u": st.sampled_from("ab")}).map(
        json.dumps
    ),
    st.text(alphabet=st.sampled_from('{}[]":, ab01\t'), max_size=12),
    st.sampled_from(["null", "true", "1", '"x"', "[]", "{}", "{", '{"t": 1}', "  "]),
)


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(JSON_LINE, min_size=1, max_size=12))
def test_ndjson_lines_that_are_no_json_object_are_found_as_python_reads_them(
    lines: list[str],
) -> None:
    """Random lines, valid objects among them: the malformed rows (numbered over non-blank
    lines) are the lines Python's json module does not read as an object. A file whose objects
    lack a mapped column is an error, unless no line is an object at all."""
    objects: list[dict[str, object]] = []
    expected = {}
    number = 0
    for line in lines:
        if not line.strip(" \t\r"):
            continue
        number += 1
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if isinstance(value, dict):
            objects.append(value)
        else:
            expected[number] = True
    if not number:
        return
    source = SourceMapping(timestamp=TimestampField("t"), user_id="u")
    missing = objects and not all(any(key in o for o in objects) for key in ("t", "u"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "e.ndjson"
        path.write_text("\n".join(lines) + "\n")
        if missing:
            with pytest.raises(ConfigError, match="no column"):
                bad_rows_read(path, source)
            return
        found = bad_rows_read(path, source)
    assert dict.fromkeys(found, True) == expected
