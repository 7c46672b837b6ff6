"""The HTML report (``--format html``), read as markup: self-contained, strict, and inert
whatever the log and the goals file hold. tests/test_browser.py opens the same pages in
Chromium."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from micromacro import __version__, periods
from micromacro.cli import cli
from micromacro.render.html import CELL_CHARS, TITLE_CHARS, key_figures, shown, table_view
from micromacro.render.tables import Column, Table

FIXTURES = "tests/fixtures"
SAMPLE = ["report", "sample_logs/access.log", "--goals", "goals.example.yaml"]
SAMPLE_BY = [*SAMPLE, "--by", "query:variant", "--by", "channel", "--by", "device"]
HOSTILE = [
    "report", f"{FIXTURES}/hostile_html.log", "--goals", f"{FIXTURES}/hostile_html_goals.yaml",
    "--by", "query:variant", "--by", "landing_page", "--by", "channel", "--baseline", "A",
    "--alerts",
]  # fmt: skip
NOW = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
# What the page may hold: no script, no link, no form, no frame, no image from anywhere.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "link", "style", "body", "header", "main", "footer",
    "section", "h1", "h2", "p", "dl", "dt", "dd", "div", "ul", "li", "span", "code", "figure",
    "figcaption", "details", "summary", "table", "caption", "thead", "tbody", "tr", "th", "td",
    "svg", "rect", "line", "circle", "polyline", "text",
}  # fmt: skip


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class Page(HTMLParser):
    """Every element of a page with its attributes, and the text of each."""

    elements: list[Element] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    style: str = ""

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._open:
            self._open[-1].text += data
            if self._open[-1].tag == "style":
                self.style += data

    def find(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e for e in self.elements
            if e.tag == tag and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]  # fmt: skip


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    monkeypatch.setattr(periods, "clock", lambda: NOW)
    result = CliRunner().invoke(cli, [*args, "--format", "html", "-q"])
    return result.stdout, result.exit_code


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    patch = pytest.MonkeyPatch()
    try:
        sample, code = _run(SAMPLE_BY, patch)
        assert code == 0
        hostile, code = _run(HOSTILE, patch)
        assert code == 3  # its alert rule fires
    finally:
        patch.undo()
    return {"sample": sample, "hostile": hostile}


def _parsed(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_every_table_and_its_scrolling_box_is_named(pages: dict[str, str], name: str) -> None:
    """A screen reader lists each table by its title (a caption, shown by the heading), and a
    keyboard reaches each box that scrolls sideways: a focusable region named as its table."""
    page = _parsed(pages[name])
    tables = [e for e in page.elements if e.tag == "table"]
    captions = [e.text for e in page.elements if e.tag == "caption"]
    boxes = [e for e in page.elements if e.tag == "div" and e.attrs.get("class") == "scroll"]
    assert len(tables) == len(captions) == len(boxes) > 5
    assert all(caption.strip() for caption in captions)
    for box, caption in zip(boxes, captions, strict=True):
        assert (box.attrs["role"], box.attrs["tabindex"]) == ("region", "0")
        assert box.attrs["aria-label"] == caption


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_only_inert_elements_and_attributes(pages: dict[str, str], name: str) -> None:
    page = _parsed(pages[name])
    assert {e.tag for e in page.elements} <= ALLOWED_TAGS
    for element in page.elements:
        for attribute, value in element.attrs.items():
            assert not attribute.startswith("on"), (element.tag, attribute)
            assert attribute not in ("src", "srcset", "action", "formaction", "style", "xlink:href")
            if attribute == "href":  # the one link: an empty icon, so no favicon is fetched
                assert (element.tag, value) == ("link", "data:,")


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_content_security_policy_allows_the_one_style_sheet(
    pages: dict[str, str], name: str
) -> None:
    page = _parsed(pages[name])
    (policy,) = page.find("meta", http_equiv="Content-Security-Policy")
    digest = base64.b64encode(hashlib.sha256(page.style.encode()).digest()).decode()
    assert policy.attrs["content"] == (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; base-uri 'none'; "
        "form-action 'none'"
    )
    # The policy comes before anything it governs.
    assert page.elements.index(policy) < page.elements.index(page.find("style")[0])


def test_hostile_strings_stay_text(pages: dict[str, str]) -> None:
    text = pages["hostile"]
    page = _parsed(text)
    shown_text = "".join(page.texts)
    # The data is there, as text: a script tag, an img tag, a javascript: URL, a template.
    assert '<script>alert("data")</script>' in shown_text
    assert '"><img src=x onerror=alert(1)>' in shown_text
    assert "javascript:alert(document.domain)" in shown_text
    assert "{{7*7}}" in shown_text
    assert ">49<" not in text
    # … and never markup, never a live character that reorders or hides text.
    assert "<script" not in text
    assert "<img" not in text
    assert "<svg onload" not in text
    assert "\u202e" not in text
    assert "\\u202e" in shown_text
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)


def test_long_values_are_cut_with_a_title(pages: dict[str, str]) -> None:
    page = _parsed(pages["hostile"])
    long_cells = [e for e in page.elements if e.tag in ("td", "th") and "AAAAAAAAAA" in e.text]
    assert long_cells
    for cell in long_cells:
        assert len(cell.text.strip()) <= CELL_CHARS
        assert cell.text.strip().endswith("…")
        assert len(cell.attrs["title"]) == TITLE_CHARS
    assert "A" * (TITLE_CHARS + 1) not in pages["hostile"]


def test_shown_text() -> None:
    assert shown("plain") == ("plain", "")
    assert shown("a\x1b[31m") == ("a\\x1b[31m", "")
    text, title = shown("x" * 10_000)
    assert (len(text), len(title)) == (CELL_CHARS, TITLE_CHARS)


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_tables_have_scoped_headers(pages: dict[str, str], name: str) -> None:
    page = _parsed(pages[name])
    headers = [e for e in page.elements if e.tag == "th"]
    assert headers
    assert {e.attrs.get("scope") for e in headers} == {"col", "row"}


def test_text_cells_take_their_direction_from_their_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A Hebrew page's cell is laid out right to left (its … on the left when cut); a figure's
    cell keeps the page's direction."""
    log = tmp_path / "rtl.log"
    log.write_text(
        '203.0.113.9 - - [02/Nov/2026:10:00:00 +0000] "GET /%D7%A9%D7%9C%D7%95%D7%9D HTTP/1.1" '
        '200 512 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"\n'
    )
    out, code = _run(["report", str(log), "--by", "landing_page"], monkeypatch)
    assert code == 0
    cells = [e for e in _parsed(out).elements if e.tag in ("th", "td")]
    hebrew = [e.attrs for e in cells if e.text == "שלום" or e.text == "/שלום"]
    assert [attrs.get("dir") for attrs in hebrew] == ["auto"] * 3  # pages, landing, segment
    assert {e.attrs.get("dir") for e in cells if "num" in e.attrs.get("class", "")} == {None}
    assert {e.attrs.get("dir") for e in cells if "num" not in e.attrs.get("class", "")} == {"auto"}


def test_key_figures_are_the_json_summary(pages: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, [*SAMPLE_BY, "--format", "json", "-q"])
    summary = json.loads(result.stdout)["summary"]
    figures = [e for e in _parsed(pages["sample"]).elements if "data-key" in e.attrs]
    assert [f.attrs["data-key"] for f in figures[:4]] == [
        "sessions", "visitors", "macro_conversion_rate", "micro_conversion_rate",
    ]  # fmt: skip
    for figure in figures:
        assert float(figure.attrs["data-value"]) == pytest.approx(summary[figure.attrs["data-key"]])


def test_the_footer_names_the_version_and_the_command_as_typed(
    pages: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = pages["sample"]
    assert f"micromacro {__version__}" in text
    assert "<dt>Generated</dt><dd>9 Nov 2026 09:00 (+01:00)</dd>" in text
    expected = "micromacro report sample_logs/access.log --goals goals.example.yaml --by"
    assert expected in text
    # A glob and a dated --output are shown as typed, not expanded.
    monkeypatch.setattr(periods, "clock", lambda: NOW)
    output = str(tmp_path / "report-%Y-%m-%d.html")
    args = ["report", "sample_logs/acc*.log", "--goals", "goals.example.yaml", "--format",
            "html", "-o", output, "-q"]  # fmt: skip
    assert CliRunner().invoke(cli, args).exit_code == 0
    written = html.unescape((tmp_path / "report-2026-11-02.html").read_text(encoding="utf-8"))
    typed = "micromacro report 'sample_logs/acc*.log' --goals goals.example.yaml --format html"
    assert f"{typed} -o {shlex.quote(output)} -q</code>" in written


def test_a_goals_file_name_that_is_not_utf8_is_shown_escaped_in_the_footer(
    tmp_path: Path,
) -> None:
    # A file name holding the byte 0x85 (no UTF-8): Python gives it as a lone surrogate, which
    # the page, written as UTF-8, cannot hold as it is.
    goals = tmp_path / "goals\udc85.yaml"
    with open(os.fsencode(goals), "w", encoding="utf-8") as file:
        file.write("goals:\n  - {name: buy, kind: macro, destination: /checkout/thank-you}\n")
    output = tmp_path / "report.html"
    args = ["report", "sample_logs/access.log", "--goals", str(goals), "--format", "html",
            "-o", str(output), "-q"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    written = html.unescape(output.read_text(encoding="utf-8"))
    shown = shlex.quote(str(tmp_path / "goals\\x85.yaml"))
    assert f"--goals {shown}" in written


def _marks(page: Page, section: str, series: str) -> int:
    """How many marks of ``series`` the section of table ``section`` draws."""
    return len(_in_section(page, section, "data-series", series))


def _in_section(page: Page, name: str, attribute: str, value: str) -> list[Element]:
    inside, found = False, []
    for element in page.elements:
        if element.tag == "section":
            inside = element.attrs.get("data-table") == name
        elif inside and element.attrs.get(attribute) == value:
            found.append(element)
    return found


def test_every_chart_has_a_mark_per_table_row(pages: dict[str, str]) -> None:
    report = json.loads(CliRunner().invoke(cli, [*SAMPLE_BY, "--format", "json", "-q"]).stdout)
    page = _parsed(pages["sample"])
    trend = report["trend"]["rows"]
    assert _marks(page, "trend", "sessions") == len(trend) == 7
    rated = [row for row in trend if row["macro_conversion_rate"] is not None]
    assert _marks(page, "trend", "rate") == len(rated)
    assert _marks(page, "goals", "rate") == len(report["goals"])
    assert _marks(page, "micro_macro", "lift") == len(report["micro_macro"])
    steps = sum(len(funnel["steps"]) for funnel in report["funnels"])
    assert _marks(page, "funnel", "steps") == steps
    assert _marks(page, "ladder", "bar") == 3
    segments = len(report["segments"])
    assert _marks(page, "segment", "bar") == segments
    buckets = [e for e in page.elements if e.attrs.get("data-series") == "bucket"]
    assert len(buckets) == 9  # malformed, bot, static, error, request, …, page


def test_sample_ratio_mismatch_is_a_banner(monkeypatch: pytest.MonkeyPatch) -> None:
    # 90/10 expected, about 50/50 seen: a mismatch.
    args = [*SAMPLE, "--by", "query:variant", "--baseline", "A", "--expected-split", "90,10"]
    text, code = _run(args, monkeypatch)
    assert code == 0
    page = _parsed(text)
    (banner,) = _in_section(page, "experiment", "class", "banner")
    assert banner.text.startswith("Sample-ratio mismatch: the variants' sessions (A 75, B 87")


def test_fired_alerts_come_first_and_red(pages: dict[str, str]) -> None:
    page = _parsed(pages["hostile"])
    sections = [e for e in page.elements if e.tag == "section"]
    assert sections[0].attrs["class"] == "block alerts fired"
    assert [e.tag for e in page.elements if e.attrs.get("class") == "fired"] == ["tr"]


def test_the_trend_shows_in_html_not_in_text(monkeypatch: pytest.MonkeyPatch) -> None:
    table = CliRunner().invoke(cli, [*SAMPLE, "-q"]).stdout
    markdown = CliRunner().invoke(cli, [*SAMPLE, "--format", "markdown", "-q"]).stdout
    assert "Trend" not in table
    assert "Trend" not in markdown
    text, _ = _run(SAMPLE, monkeypatch)
    assert "<h2>Trend: sessions and conversion rates per day</h2>" in text


def test_an_empty_log_still_makes_a_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_text("")
    text, code = _run(["report", str(empty), "--goals", "goals.example.yaml"], monkeypatch)
    assert code == 0
    assert "No day or hour to show: the period has no hits." in text
    assert _parsed(text).find("section")


def _summary(row: dict[str, object]) -> Table:
    columns = (
        Column("sessions", "Sessions", "int"),
        Column("previous_sessions", "Sessions before", "int"),
        Column("change_sessions", "Sessions change", "delta"),
        Column("bounce_rate", "Bounce rate", "rate"),
        Column("previous_bounce_rate", "Bounce rate before", "rate"),
        Column("change_bounce_rate", "Bounce rate change", "change"),
        Column("change_p_value_bounce_rate", "Bounce rate change p", "pvalue"),
        Column("macro_conversion_rate", "Macro conversion rate", "rate"),
        Column("previous_macro_conversion_rate", "Macro before", "rate"),
        Column("change_macro_conversion_rate", "Macro change", "change"),
        Column("change_p_value_macro_conversion_rate", "Macro change p", "pvalue"),
    )
    return Table("summary", "Summary", columns, [row])


@pytest.mark.parametrize(
    ("p_bounce", "p_macro", "colours"),
    [
        (0.01, 0.01, {"bounce_rate": "bad", "macro_conversion_rate": "good"}),
        (0.2, 0.049, {"bounce_rate": "", "macro_conversion_rate": "good"}),
        (None, None, {"bounce_rate": "", "macro_conversion_rate": ""}),
    ],
)
def test_significant_changes_are_green_or_red(
    p_bounce: float | None, p_macro: float | None, colours: dict[str, str]
) -> None:
    row: dict[str, object] = {
        "sessions": 120, "previous_sessions": 100, "change_sessions": 20,
        "bounce_rate": 0.5, "previous_bounce_rate": 0.4, "change_bounce_rate": 0.1,
        "change_p_value_bounce_rate": p_bounce,
        "macro_conversion_rate": 0.05, "previous_macro_conversion_rate": 0.02,
        "change_macro_conversion_rate": 0.03, "change_p_value_macro_conversion_rate": p_macro,
    }  # fmt: skip
    figures = {f.key: f for f in key_figures(_summary(row))}
    assert list(figures) == ["sessions", "macro_conversion_rate", "bounce_rate"]
    assert {key: figures[key].css for key in colours} == colours
    assert figures["sessions"].css == ""  # a count has no test
    assert (figures["sessions"].text, figures["sessions"].before) == ("120", "100")
    assert figures["sessions"].change == "▲ +20"
    assert figures["bounce_rate"].change == "▲ +10.0 pp"
    assert figures["macro_conversion_rate"].raw == "0.05"


def test_a_change_that_rounds_to_nothing_has_no_arrow() -> None:
    """A change shown as nothing points nowhere: 0.04 pp is ``= 0.0 pp``, and a session
    0.4 s shorter is ``+0s``, not ``▼ -0s``; a second shorter is ``▼ -1s``."""
    columns = (
        Column("avg_session_duration_s", "Avg. session duration", "seconds"),
        Column("previous_avg_session_duration_s", "Duration before", "seconds"),
        Column("change_avg_session_duration_s", "Duration change", "delta_seconds"),
        Column("macro_conversion_rate", "Macro conversion rate", "rate"),
        Column("previous_macro_conversion_rate", "Macro before", "rate"),
        Column("change_macro_conversion_rate", "Macro change", "change"),
    )
    for change, shown_change in ((-0.4, "+0s"), (-1.0, "▼ -1s")):
        row: dict[str, object] = {
            "avg_session_duration_s": 10.0 + change, "previous_avg_session_duration_s": 10.0,
            "change_avg_session_duration_s": change, "macro_conversion_rate": 0.1226,
            "previous_macro_conversion_rate": 0.1230, "change_macro_conversion_rate": -0.0004,
        }  # fmt: skip
        figures = {f.key: f for f in key_figures(Table("summary", "Summary", columns, [row]))}
        assert figures["avg_session_duration_s"].change == shown_change
        assert figures["macro_conversion_rate"].change == "= 0.0 pp"


def test_a_significant_change_shown_as_nothing_has_no_colour() -> None:
    """A change of 0.04 pp, significant on millions of sessions, is shown ``= 0.0 pp``: no arrow
    and no colour, which would say a direction the figure does not show."""
    row: dict[str, object] = {
        "macro_conversion_rate": 0.1226, "previous_macro_conversion_rate": 0.1230,
        "change_macro_conversion_rate": -0.0004, "change_p_value_macro_conversion_rate": 0.001,
    }  # fmt: skip
    for change, text, css in ((-0.0004, "= 0.0 pp", ""), (-0.004, "▼ -0.4 pp", "bad")):
        row["change_macro_conversion_rate"] = change
        macro = next(f for f in key_figures(_summary(row)) if f.key == "macro_conversion_rate")
        assert (macro.change, macro.css) == (text, css)


def test_only_a_long_unbroken_text_wraps_anywhere() -> None:
    """A short path keeps its words whole (``/en/checkout/thank-you`` on a phone); a text of
    40 characters or more without a space (an id, or a long path: a browser breaks it at few
    of its slashes) wraps anywhere, so its column does not push the figures out of the box."""

    def css(path: str) -> str:
        table = Table("pages", "Pages", (Column("path", "Page", "text"),), [{"path": path}])
        return table_view(table).rows[0].cells[0].css

    assert css("/en/checkout/thank-you") == ""
    assert css("/dl/" + "3F2504E04F8911D39A0C0305E82C3301" * 4) == "long"
    assert css("/documentation/administration/authentication/singlesignon") == "long"
    assert css("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0") == ""


def test_a_currency_from_the_data_is_inert_in_its_cards_value() -> None:
    """The summary card's ``data-value`` of a text figure (the revenue's currency, from an
    export) holds it as its cell shows it: escapes, no raw control or bidi character, cut."""
    columns = (Column("currency", "Currency", "text"),)
    for currency in ("\x1b[31mX\x1b]0;t\x07", "\u202e" + "E" * 5000):
        (figure,) = key_figures(Table("summary", "Summary", columns, [{"currency": currency}]))
        assert figure.raw == shown(currency)[0] == figure.text
        assert len(figure.raw) <= CELL_CHARS
        assert not any(ord(c) < 32 or c == "\u202e" for c in figure.raw)


def test_a_long_funnel_name_leaves_its_figures_in_the_heading(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The name is cut (to 100 characters), not what the heading says after it: a 300-character
    name made the page lose "entered, completed, never entered". Quotes and backslashes in it
    are shown as they are, not as Python writes them."""
    name = 'it\'s "x" \\ ' + "n" * 300
    goals = tmp_path / "goals.yaml"
    funnel = {
        "name": name,
        "steps": [{"destination": {"begins_with": "/products/"}}, {"destination": "/cart"}],
    }
    cart = {"name": "cart", "kind": "macro", "destination": "/cart"}
    goals.write_text(json.dumps({"goals": [cart], "funnels": [funnel]}))
    text, code = _run(["report", "sample_logs/access.log", "--goals", str(goals)], monkeypatch)
    assert code == 0
    (heading,) = re.findall(r"<h2>(Funnel [^<]*)</h2>", text)
    shown = html.unescape(heading)
    assert shown.startswith("Funnel 'it's \"x\" \\ nnn")
    assert "n" * 88 + "…' (sessions, closed, ordered): " in shown
    assert shown.endswith(" sessions never entered")


def test_a_funnel_steps_tooltip_covers_its_whole_row_of_bars(pages: dict[str, str]) -> None:
    """The tooltip was on the dropped part alone, under the bar drawn over it: a step where
    nobody dropped (or nobody arrived: a bar of no width) had none that could be reached."""
    for chart in re.findall(r'<svg class="chart funnel".*?</svg>', pages["sample"], re.S):
        rects = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*'
                           r'class="([^"]*)"[^>]*>(<title>.*?</title>)?</rect>', chart)  # fmt: skip
        titled = [(x, width, css) for x, width, css, title in rects if title]
        steps = len([css for _, _, css, _ in rects if css == "bar"])
        assert titled == [("170.0", "260.0", "hit mark")] * steps


def test_the_trends_rate_line_breaks_where_a_day_has_no_rate() -> None:
    """Days 1–2 and 4 have sessions, day 3 none: two stretches of the rate's line (day 4 a
    dot alone), none across day 3."""
    from micromacro.render.charts import trend_chart
    from micromacro.rows import Trend, TrendRow

    rows = (
        TrendRow("2026-11-01", 10, 10, 1, 0.1, 0, None),
        TrendRow("2026-11-02", 10, 10, 5, 0.5, 0, None),
        TrendRow("2026-11-03", 0, 0, 0, None, 0, None),
        TrendRow("2026-11-04", 4, 4, 0, 0.0, 0, None),
    )
    chart = trend_chart(Trend("day", rows))
    lines = [s.points for s in chart.shapes if s.kind == "polyline" and "rate" in s.css]
    assert [len(points) for points in lines] == [2, 1]
    dots = [s for s in chart.shapes if s.series == "rate"]
    assert [dot.x for dot in dots] == [lines[0][0][0], lines[0][1][0], lines[1][0][0]]


def test_a_report_without_macro_goals_draws_no_rate_in_its_trend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a goals file no day has a macro conversion rate: the trend draws sessions
    alone, with no rate axis (0.0% to 1.0% of nothing) and no rate in its key."""
    text, code = _run(["report", "sample_logs/access.log"], monkeypatch)
    assert code == 0
    trend = text[text.index('data-table="trend"') :]
    trend = trend[: trend.index("</section>")]
    assert '<span class="key sessions">Sessions</span>' in trend
    assert '<span class="key rate">' not in trend
    assert "rate-text" not in trend
    assert 'class="line rate"' not in trend


@pytest.mark.parametrize(
    ("sessions", "rates", "counts", "percents", "heights"),
    [
        ((5, 4), (0.5, 0.25), ["0", "3", "6"], ["0.0%", "25.0%", "50.0%"], [47.3, 78.7]),
        ((157, 100), (0.123, 0.05), ["0", "80", "160"], ["0.0%", "6.2%", "12.4%"], [19.5, 86.5]),
        ((0, 0), (None, None), ["0", "1", "2"], [], [204.0, 204.0]),  # no rate: no rate axis
    ],
)
def test_the_trends_axes_are_labelled_with_their_exact_values(
    sessions: tuple[int, int],
    rates: tuple[float | None, float | None],
    counts: list[str],
    percents: list[str],
    heights: list[float],
) -> None:
    """Grid lines at 0, half and the top of axes rounded up so that each reads exactly: a top
    of 5 sessions labelled its half (2.5) "2", of 157 its half "78"; no session "0.00",
    "0.50", "1.00"; 12.3% its half "6.1%" (6.15%). A point's height is its sessions against
    the axis's top (the grid from 204 at 0 to 16 at the top: 5 of 6 at 204 - 188 × 5/6)."""
    from micromacro.render.charts import trend_chart
    from micromacro.rows import Trend, TrendRow

    rows = tuple(
        TrendRow(f"2026-11-0{day}", count, count, 0, rate, 0, None)
        for day, (count, rate) in enumerate(zip(sessions, rates, strict=True), start=1)
    )
    chart = trend_chart(Trend("day", rows))
    labels = sorted(
        ((s.y, s.text, "rate" in s.css) for s in chart.shapes if s.css.startswith("axis")),
        reverse=True,
    )
    grid = [s.y for s in chart.shapes if s.css == "grid"]
    assert [text for y, text, rate in labels if not rate and y - 4 in grid] == counts
    assert [text for y, text, rate in labels if rate] == percents
    assert [s.y for s in chart.shapes if s.series == "sessions"] == heights


@pytest.mark.parametrize(
    ("days", "ticks"),
    [
        (["2026-01-01", "2026-12-02", "2026-12-03"], ["01-01", "12-02", "12-03"]),
        (["2025-12-31", "2026-01-01"], ["2025-12-31", "2026-01-01"]),
    ],
)
def test_the_trends_days_show_their_year_when_the_period_spans_two(
    days: list[str], ticks: list[str]
) -> None:
    """A period from December to February read 12-02 … 01-01 … 02-05: which year each was
    only the header said."""
    from micromacro.render.charts import trend_chart
    from micromacro.rows import Trend, TrendRow

    chart = trend_chart(Trend("day", tuple(TrendRow(day, 1, 1, 0, 0.0, 0, None) for day in days)))
    labels = [s.text for s in chart.shapes if s.css == "axis" and s.anchor == "middle"]
    assert labels == ticks


def test_a_name_with_escapes_is_fitted_by_its_shown_text() -> None:
    """A control character shows as a four-character escape: the name is cut where its shown
    text runs out of room, not at the length of its raw text."""
    from micromacro.render.charts import fitted

    assert fitted("a\x1bb", 200) == "a\\x1bb"
    # An escape is 2.16 ems (\ 0.36, x 1 b 0.6 each), 28.1 units at 13: two fit in 60, not
    # with the ellipsis after them, and an escape is never cut in two.
    assert fitted("\x1b" * 10, 60) == "\\x1b…"
