"""CSV and TSV cells are safe: quoted where they must be, formulas escaped, controls replaced.

Covers the report's CSV/TSV tables, the hit table (Polars' writer) and the cell functions the
history file uses too, with hand-written values and a hypothesis property over hostile strings.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro.cli import cli
from micromacro.outputs import csv_cell, csv_line, safe_text, tsv_cell, tsv_line, unguarded
from micromacro.render.hits import write_hit_table

FIXTURES = Path(__file__).parent / "fixtures"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf)", re.IGNORECASE
)

# Four visits to a shop whose query parameter v and user agent carry hostile text: a DDE
# payload, a negative number, a bare CR with ESC, a comma and a quote, and an @ formula.
HOSTILE_LOG = (
    '203.0.113.20 - - [02/Nov/2026:10:00:00 +0100] "GET /?v=%3Dcmd%7C%27%20%2FC%20calc%27%21A0 '
    'HTTP/1.1" 200 10 "-" "=HYPERLINK(1)"\n'
    '203.0.113.21 - - [02/Nov/2026:10:00:00 +0100] "GET /?v=-1 HTTP/1.1" 200 10 "-" "Mozilla/5.0"\n'
    '203.0.113.22 - - [02/Nov/2026:10:00:00 +0100] "GET /?v=a%0Db%1Bc%2C%22 HTTP/1.1" 200 10 "-" '
    '"-0.5"\n'
    '203.0.113.23 - - [02/Nov/2026:10:00:00 +0100] "GET /thanks?v=%40SUM(1) HTTP/1.1" 200 10 "-" '
    '"+33 1 23"\n'
)
GOALS = "goals:\n  - name: thanks\n    kind: macro\n    destination: /thanks\n"


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[str, str]:
    log, goals = tmp_path / "hostile.log", tmp_path / "goals.yaml"
    log.write_text(HOSTILE_LOG)
    goals.write_text(GOALS)
    return str(log), str(goals)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--quiet"])


def segments(hostile: tuple[str, str], *args: str) -> list[str]:
    log, goals = hostile
    result = run("report", log, "--goals", goals, "--by", "query:v", "--table", "segments", *args)
    assert result.exit_code == 0, result.output
    return [line.split(",thanks,")[0] for line in result.stdout.split("\n")[1:-1]]


# --- the cell functions ----------------------------------------------------------------------


def test_python_csv_leaves_a_bare_cr_unquoted_and_csv_cell_quotes_it() -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(["a\rb", "c"])
    assert buffer.getvalue() == "a\rb,c\n"  # read back, that is two rows
    assert csv_line(["a\rb", "c"]) == '"a\rb",c\n'
    assert list(csv.reader(io.StringIO(csv_line(["a\rb", "c"]), newline=""))) == [["a\rb", "c"]]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("plain", "plain"),
        ("a,b", '"a,b"'),
        ('say "hi"', '"say ""hi"""'),
        ("two\nlines", '"two\nlines"'),
        ("bare\rcr", '"bare\rcr"'),
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", '"\'\rx"'),
        ("-", "'-"),
        ("=a,b", '"\'=a,b"'),
        ("-0.05", "-0.05"),
        ("-1", "-1"),
        ("+5", "+5"),
        ("-1e-05", "-1e-05"),
        ("-inf", "-inf"),
        ("-1.", "-1."),
        ("a=b", "a=b"),
        ("nul\x00esc\x1b", "nul\ufffdesc\ufffd"),
        ("\x00=x", "\ufffd=x"),
        ("vt\x0bff\x0cfs\x1c", "vt\ufffdff\ufffdfs\ufffd"),
        ("tab\tkept", "tab\tkept"),
        ("del\x7fc1\x85\x9b", "del\x7fc1\ufffd\ufffd"),  # C1 (NEL, CSI) as C0
        ("line\u2028sep", "line\u2028sep"),
        ("", ""),
    ],
)
def test_csv_cell(value: str, cell: str) -> None:
    assert csv_cell(value) == cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("a\tb", "a\\tb"),
        ("a\nb\rc", "a\\nb\\rc"),
        ("back\\slash", "back\\\\slash"),
        ('"quoted", comma', '"quoted", comma'),
        ("=1+1", "'=1+1"),
        ("\tx", "'\\tx"),
        ("\rx", "'\\rx"),
        ("-0.05", "-0.05"),
        ("nul\x00", "nul\ufffd"),
    ],
)
def test_tsv_cell(value: str, cell: str) -> None:
    assert tsv_cell(value) == cell


def test_raw_leaves_formulas_but_still_quotes_and_replaces_controls() -> None:
    assert csv_cell("=1+1", raw=True) == "=1+1"
    assert csv_cell("@x,y\x00", raw=True) == '"@x,y\ufffd"'
    assert tsv_cell("\tx", raw=True) == "\\tx"
    assert tsv_line(["=a", "b"], raw=True) == "=a\tb\n"


@given(st.text(alphabet=st.sampled_from("'=+-@\t\rx0.5e "), max_size=8))
def test_the_guard_comes_off_to_give_the_value_back(value: str) -> None:
    """One quote less is the value, whatever it held: a value that starts with quotes before a
    formula character gets a quote too (``'=x`` is written ``''=x``, ``=x`` is ``'=x``)."""
    assert unguarded(safe_text(value)) == value


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=x", "'=x"), ("'=x", "''=x"), ("''@x", "'''@x"), ("-0.5", "-0.5"), ("it's", "it's")],
)
def test_a_quote_before_a_formula_gets_a_quote_too(value: str, cell: str) -> None:
    assert safe_text(value) == cell


# --- the report --------------------------------------------------------------------------------


def test_report_csv_escapes_formulas_quotes_a_bare_cr_and_keeps_numbers(
    hostile: tuple[str, str],
) -> None:
    # Segments in name order: "-1", "=cmd…", "@SUM(1)", "a\rb\x1bc,\"".
    assert segments(hostile, "--format", "csv") == [
        "query:v,-1",
        "query:v,'=cmd|' /C calc'!A0",
        "query:v,'@SUM(1)",
        'query:v,"a\rb\ufffdc,"""',
    ]


def test_report_csv_raw_keeps_formulas(hostile: tuple[str, str]) -> None:
    assert segments(hostile, "--format", "csv", "--csv-raw") == [
        "query:v,-1",
        "query:v,=cmd|' /C calc'!A0",
        "query:v,@SUM(1)",
        'query:v,"a\rb\ufffdc,"""',
    ]


def test_report_tsv_escapes_formulas_and_line_breaks(hostile: tuple[str, str]) -> None:
    log, goals = hostile
    args = ["report", log, "--goals", goals, "--by", "query:v", "--table", "segments"]
    result = run(*args, "--format", "tsv")
    cells = [line.split("\t")[1] for line in result.stdout.split("\n")[1:-1]]
    assert cells == ["-1", "'=cmd|' /C calc'!A0", "'@SUM(1)", 'a\\rb\ufffdc,"']


def test_report_csv_reads_back_into_the_right_rows(hostile: tuple[str, str]) -> None:
    log, goals = hostile
    args = ["report", log, "--goals", goals, "--by", "query:v", "--table", "segments"]
    rows = list(csv.reader(io.StringIO(run(*args, "--format", "csv").stdout, newline="")))
    assert len(rows) == 5
    assert {len(row) for row in rows} == {19}
    assert rows[4][1] == 'a\rb\ufffdc,"'


def test_negative_changes_stay_numbers() -> None:
    # alerts.log: 22 Nov has 10 sessions, 1 purchase; the 21st 20 sessions, 6 purchases.
    args = ["report", str(FIXTURES / "alerts.log"), "--goals", str(FIXTURES / "alerts_goals.yaml")]
    period = ["--since", "2026-11-22", "--compare", "previous", "--format", "csv"]
    goals = list(csv.DictReader(io.StringIO(run(*args, *period).stdout)))
    assert goals[0]["change"] == "-0.19999999999999998"  # 1/10 - 6/20 in floats
    assert goals[1]["change"] == "-0.25"  # 0/10 - 5/20
    summary = next(csv.DictReader(io.StringIO(run(*args, *period, "--table", "summary").stdout)))
    assert (summary["change_visitors"], summary["change_pageviews"]) == ("-10", "-20")
    assert summary["change_avg_session_duration_s"] == "-39.0"  # 12 s against 51 s


def test_csv_raw_warns_with_other_formats(hostile: tuple[str, str]) -> None:
    log, goals = hostile
    result = CliRunner().invoke(
        cli, ["report", log, "--goals", goals, "--format", "json", "--csv-raw"]
    )
    assert result.exit_code == 0
    assert "micromacro: warning: --csv-raw applies to --format csv and tsv only\n" in (
        result.stderr
    )


# --- the hit table -----------------------------------------------------------------------------


def test_hits_csv_escapes_formulas_and_keeps_numbers(hostile: tuple[str, str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run("hits", hostile[0]).stdout, newline="")))
    assert [row["user_agent"] for row in rows] == [
        "'=HYPERLINK(1)",
        "Mozilla/5.0",
        "-0.5",
        "'+33 1 23",
    ]
    assert rows[0]["visitor"] == "203.0.113.20 =HYPERLINK(1)"


def test_hits_csv_raw(hostile: tuple[str, str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run("hits", hostile[0], "--csv-raw").stdout)))
    assert [row["user_agent"] for row in rows] == ["=HYPERLINK(1)", "Mozilla/5.0", "-0.5",
                                                   "+33 1 23"]  # fmt: skip


def test_hits_tsv_escapes_formulas(hostile: tuple[str, str]) -> None:
    lines = run("hits", hostile[0], "--format", "tsv").stdout.split("\n")
    header = lines[0].split("\t")
    agents = [line.split("\t")[header.index("user_agent")] for line in lines[1:-1]]
    assert agents == ["'=HYPERLINK(1)", "Mozilla/5.0", "-0.5", "'+33 1 23"]


def _frame(values: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts": [datetime(2026, 11, 2, 8, 15, 3, tzinfo=UTC)] * len(values),
            "value": values,
            "number": [-(i + 1) for i in range(len(values))],
            "other": ["x"] * len(values),
        }
    )


def test_hit_table_quotes_a_bare_cr_and_replaces_controls() -> None:
    data = write_hit_table(_frame(["a\rb", "c\x00d\x1b", "=1", "-2.5", ""]), "csv").decode()
    assert data == (
        "ts,value,number,other\n"
        '2026-11-02T08:15:03Z,"a\rb",-1,x\n'
        "2026-11-02T08:15:03Z,c\ufffdd\ufffd,-2,x\n"
        "2026-11-02T08:15:03Z,'=1,-3,x\n"
        "2026-11-02T08:15:03Z,-2.5,-4,x\n"
        '2026-11-02T08:15:03Z,"",-5,x\n'
    )


# --- the property ------------------------------------------------------------------------------

HOSTILE_PIECES = [
    "\r", "\n", "\r\n", ",", "\t", '"', "'", "\\", "=", "+", "-", "@", "\x00", "\x1b", "\x0b",
    "\x0c", "\x1c", "\x1e", "\x7f", "\x85", "\u2028", "\u2029", "=cmd|' /C calc'!A0", "-1",
    "-0.05", "1e5", "inf", " ", "é", "\ufeff",
]  # fmt: skip
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(st.characters(codec="utf-8"), max_size=3)),
    max_size=8,
).map("".join)


def _unescaped_formula(field: str) -> bool:
    return field[:1] in FORMULA_STARTS and not PLAIN_NUMBER.fullmatch(field)


def _tsv_value(field: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m[1], m[1]), field)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(hostile_text, min_size=3, max_size=3), min_size=1, max_size=4))
def test_any_value_reads_back_as_one_csv_and_tsv_field(rows: list[list[str]]) -> None:
    expected = [[safe_text(value) for value in row] for row in rows]
    text = "".join(csv_line(row) for row in rows)
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert read == expected
    assert not any(_unescaped_formula(field) for row in read for field in row)
    tsv = "".join(tsv_line(row) for row in rows)
    fields = list(csv.reader(io.StringIO(tsv, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert [[_tsv_value(field) for field in row] for row in fields] == expected
    assert not any(_unescaped_formula(field) for row in fields for field in row)


@settings(max_examples=150, deadline=None)
@given(st.lists(hostile_text, min_size=1, max_size=5))
def test_any_value_reads_back_from_the_hit_table(values: list[str]) -> None:
    frame = _frame(values)
    expected = [safe_text(value) for value in values]
    read = list(csv.reader(io.StringIO(write_hit_table(frame, "csv").decode(), newline="")))
    assert len(read) == len(values) + 1
    assert {len(row) for row in read} == {4}
    assert [row[1] for row in read[1:]] == expected
    assert [row[2] for row in read[1:]] == [str(-(i + 1)) for i in range(len(values))]
    assert not any(_unescaped_formula(row[1]) for row in read[1:])
    tsv = write_hit_table(frame, "tsv").decode()
    fields = list(csv.reader(io.StringIO(tsv, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(fields) == len(values) + 1
    assert {len(row) for row in fields} == {4}
    assert [_tsv_value(row[1]) for row in fields[1:]] == expected
    assert not any(_unescaped_formula(row[1]) for row in fields[1:])


# --- C1 controls and bidirectional characters ---------------------------------------------------

_C1_LINE = (
    '10.0.0.1 - - [02/Nov/2026:10:00:00 +0100] "GET /p/\u009b2J\u202eevil HTTP/1.1" 200 5 "-" '
    '"Mozilla/5.0 \u009b31m"\n'
)
# UTF-8 of U+009B (CSI), U+0085 (NEL) and U+202E (right-to-left override).
_RAW = (b"\xc2\x9b", b"\xc2\x85", b"\xe2\x80\xae")


def test_json_writes_c1_and_bidi_characters_as_escapes(tmp_path: Path) -> None:
    """The report's JSON and the hits' NDJSON hold no raw C1 or bidi character (a terminal
    acts on U+009B as on ESC [), and read back as the log's own text."""
    log = tmp_path / "c1.log"
    log.write_text(_C1_LINE, encoding="utf-8")
    report = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "-q"])
    hits = CliRunner().invoke(cli, ["hits", str(log), "--format", "ndjson", "-q"])
    for result in (report, hits):
        assert result.exit_code == 0, result.stderr
        assert not any(raw in result.stdout_bytes for raw in _RAW)
        assert "/p/\\u009b2J\\u202eevil" in result.stdout
    pages = json.loads(report.stdout)["traffic"]["pages"]
    assert [row["path"] for row in pages] == ["/p/\u009b2J\u202eevil"]
    row = json.loads(hits.stdout)
    assert (row["path"], row["user_agent"]) == ("/p/\u009b2J\u202eevil", "Mozilla/5.0 \u009b31m")


def test_the_hit_table_replaces_c1_controls_in_csv(tmp_path: Path) -> None:
    log = tmp_path / "c1.log"
    log.write_text(_C1_LINE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["hits", str(log), "-q"])
    assert result.exit_code == 0, result.stderr
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert (row["path"], row["user_agent"]) == ("/p/\ufffd2J\u202eevil", "Mozilla/5.0 \ufffd31m")
