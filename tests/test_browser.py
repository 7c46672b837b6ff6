"""The HTML report in a real browser: Debian's Chromium, driven by Selenium through Debian's
chromedriver (docs/decisions.md says why Selenium). One browser serves every test of a run.

Before a page loads, the browser is given a hook (through the DevTools protocol, which the
page's Content-Security-Policy does not govern) that records every dialog, ``window.open`` and
policy violation; Chromium's own logs give the console messages and every network request.

Skipped, with the reason, where Chromium or chromedriver is missing: ``.ci/run`` installs them
with apt-get. ``MICROMACRO_SCREENSHOT=write`` also writes docs/report.png.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from micromacro import periods
from micromacro.cli import cli
from micromacro.render.values import format_value
from tests.helpers import SharedBuilds

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

pytestmark = [
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="the browser tests need Chromium and chromedriver (apt-get install chromium "
        "chromium-driver; .ci/run installs them where apt-get works)",
    ),
    pytest.mark.xdist_group("browser"),  # one worker, so one browser
]

FIXTURES = "tests/fixtures"
SAMPLE = ["sample_logs/access.log", "--goals", "goals.example.yaml"]
PAGES: dict[str, list[str]] = {
    "sample": [*SAMPLE, "--by", "channel", "--by", "device", "--by", "query:variant"],
    "compare": [*SAMPLE, "--since", "2026-11-05", "--compare", "previous", "--by", "channel"],
    "hostile": [
        f"{FIXTURES}/hostile_html.log", "--goals", f"{FIXTURES}/hostile_html_goals.yaml",
        "--by", "query:variant", "--by", "landing_page", "--by", "channel", "--baseline", "A",
        "--alerts",
    ],
    "wide": ["sample_logs/access.log", "--goals", f"{FIXTURES}/wide_names_goals.yaml"],
}  # fmt: skip
NOW = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
ARGUMENTS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--hide-scrollbars", "--force-color-profile=srgb",
)  # fmt: skip
# Run before any script of the page: what would show that the data ran as code.
HOOK = """
window.__seen = [];
for (const name of ["alert", "confirm", "prompt", "print", "open"]) {
  const original = window[name];
  window[name] = function (...args) {
    window.__seen.push(name);
    return original.apply(this, args);
  };
}
document.addEventListener("securitypolicyviolation", (event) => {
  window.__seen.push("csp " + event.violatedDirective + " " + event.blockedURI);
}, true);
"""


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the whole run, its console and network logged. Its profile
    and the directory of its single-instance socket (which Chromium makes in ``TMPDIR`` and
    leaves behind) are in the run's own temporary directory, not in /tmp."""
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    scratch = tmp_path_factory.mktemp("chromium")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (*ARGUMENTS, f"--user-data-dir={scratch / 'profile'}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.set_capability("unhandledPromptBehavior", "ignore")
    service = Service(str(CHROMEDRIVER), env={**os.environ, "TMPDIR": str(scratch)})
    driver = webdriver.Chrome(service=service, options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Each page of ``PAGES`` written to a file, with the JSON report of the same run: the
    page and the JSON written from one build (``SharedBuilds``)."""
    folder = tmp_path_factory.mktemp("html")
    patch = pytest.MonkeyPatch()
    patch.setattr(periods, "clock", lambda: NOW)
    SharedBuilds().share(patch)
    made = {}
    try:
        for name, args in PAGES.items():
            path = folder / f"{name}.html"
            command = ["report", *args, "--format", "html", "-o", str(path), "-q"]
            result = CliRunner().invoke(cli, command)
            assert result.exit_code in (0, 3), result.output
            data = CliRunner().invoke(cli, ["report", *args, "--format", "json", "-q"]).stdout
            made[name] = (path, json.loads(data))
    finally:
        patch.undo()
    return made


def _open(browser: Any, path: Path, width: int = 1280, height: int = 1000) -> dict[str, Any]:
    """Load ``path`` at ``width`` and return what happened: dialogs and violations seen,
    console messages, network requests, the time to the load event."""
    browser.get_log("browser")
    browser.get_log("performance")
    browser.set_window_size(width, height)
    url = path.as_uri()
    browser.get(url)
    events = [json.loads(entry["message"])["message"] for entry in browser.get_log("performance")]
    requests = [
        event["params"]["request"]["url"]
        for event in events
        if event["method"] == "Network.requestWillBeSent"
        and event["params"]["request"]["url"] != url
    ]
    return {
        "seen": browser.execute_script("return window.__seen"),
        "console": browser.get_log("browser"),
        "requests": requests,
        "resources": browser.execute_script(
            "return performance.getEntriesByType('resource').length"
        ),
        "load_ms": browser.execute_script(
            "return performance.getEntriesByType('navigation')[0].loadEventEnd"
        ),
    }


@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_runs_nothing_and_asks_for_nothing(
    browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]], name: str
) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    happened = _open(browser, reports[name][0])
    assert happened["seen"] == []  # no dialog, no window, no blocked script or request
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 (reading it is the check)
    assert happened["requests"] == []
    assert happened["resources"] == 0
    errors = [entry for entry in happened["console"] if entry["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    assert browser.execute_script("return document.scripts.length") == 0
    assert browser.execute_script("return document.querySelectorAll('a, img, iframe').length") == 0
    if name == "hostile":  # the data is on the page, as text
        shown = browser.execute_script("return document.body.innerText")
        assert '<script>alert("data")</script>' in shown
        assert '"><img src=x onerror=alert(1)>' in shown


def test_it_renders_in_less_than_a_second(
    browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]]
) -> None:
    assert _open(browser, reports["sample"][0])["load_ms"] < 1000


def _kind(key: str) -> str:
    """How the summary figure ``key`` reads (an independent reading of tables' columns)."""
    if key.endswith("_rate"):
        return "rate"
    if key.endswith("_s"):
        return "seconds"
    if "revenue" in key:
        return "money"
    return "float" if key == "pages_per_session" else "int"


@pytest.mark.parametrize("name", ["sample", "compare"])
def test_key_figures_are_the_json_report(
    browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]], name: str
) -> None:
    path, report = reports[name]
    _open(browser, path)
    summary = report["summary"]
    figures = browser.execute_script(
        "return [...document.querySelectorAll('.figure')].map(f => [f.dataset.key,"
        " f.dataset.value, f.querySelector('.value').textContent,"
        " (f.querySelector('.change') || {}).textContent || null])"
    )
    assert [key for key, *_ in figures[:4]] == [
        "sessions", "visitors", "macro_conversion_rate", "micro_conversion_rate",
    ]  # fmt: skip
    for key, raw, text, change in figures:
        assert float(raw) == pytest.approx(summary[key])
        assert text == format_value(summary[key], _kind(key))
        if name == "compare":
            delta = summary[f"change_{key}"]
            arrow = "▲" if delta > 0 else "▼" if delta < 0 else ""
            assert change.startswith(arrow)
        else:
            assert change is None


def test_every_chart_has_a_mark_per_table_row(
    browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]]
) -> None:
    path, report = reports["sample"]
    _open(browser, path)
    counted = browser.execute_script(
        """return [...document.querySelectorAll('section')].map(s => {
          const series = {};
          for (const m of s.querySelectorAll('svg [data-series]')) {
            series[m.dataset.series] = (series[m.dataset.series] || 0) + 1;
          }
          return [s.dataset.table, s.querySelectorAll('tbody tr').length, series];
        })"""
    )
    rated = [row for row in report["trend"]["rows"] if row["macro_conversion_rate"] is not None]
    charted = 0
    for table, rows, series in counted:
        for name, marks in series.items():
            charted += 1
            if (table, name) == ("trend", "rate"):  # a day without sessions has no rate
                assert marks == len(rated)
            else:
                assert marks == rows, (table, name)
    assert charted >= 10
    buckets = browser.execute_script(
        "return [document.querySelectorAll('header svg [data-series=bucket]').length,"
        " document.querySelectorAll('header tbody tr').length]"
    )
    assert buckets[0] == buckets[1] == 9


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_screenshots_and_no_horizontal_scroll_on_a_phone(
    browser: Any,
    reports: dict[str, tuple[Path, dict[str, Any]]],
    name: str,
    tmp_path: Path,
) -> None:
    path = reports[name][0]
    for width in (1280, 390):
        _open(browser, path, width, 900)
        shot = tmp_path / f"{name}-{width}.png"
        assert browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        scroll = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll[0] <= scroll[1], f"{name} scrolls sideways at {width} px: {scroll}"
    if name == "sample" and os.environ.get("MICROMACRO_SCREENSHOT") == "write":
        _open(browser, path, 1280, 1700)
        browser.save_screenshot(str(ROOT / "docs" / "report.png"))


# For each chart text: the chart, its class, its text, its left and right end and the chart's
# width (SVG units), and the x where the chart's bars begin (its name column's end).
_TEXT_BOXES = """
return [...document.querySelectorAll('svg.funnel, svg.lift, svg.trend')].flatMap(svg => {
  const names = {funnel: 170, lift: 160, trend: Infinity};
  const kind = ['funnel', 'lift', 'trend'].find(k => svg.classList.contains(k));
  return [...svg.querySelectorAll('text')].map(t => {
    const box = t.getBBox();
    return [kind, t.getAttribute('class') || '', t.textContent, box.x, box.x + box.width,
            svg.viewBox.baseVal.width, names[kind]];
  });
});
"""


@pytest.mark.parametrize("name", ["sample", "wide", "hostile"])
def test_chart_texts_stay_in_their_charts_and_names_clear_of_the_bars(
    browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]], name: str
) -> None:
    """Measured where Chromium draws them: the value after a funnel's longest bar and a lift's
    label ran past the chart's right edge, and a step's name under the bars beside it."""
    _open(browser, reports[name][0])
    boxes = browser.execute_script(_TEXT_BOXES)
    assert {kind for kind, *_ in boxes} >= {"funnel", "lift", "trend"}
    # A glyph may overhang its start by a unit or two (a "j").
    outside = [b for b in boxes if b[3] < -2 or b[4] > b[5] + 0.5]
    assert outside == []
    over_bars = [b for b in boxes if b[1] == "name" and b[4] > b[6]]
    assert over_bars == []


# Under print: per table, its rows, how many of them show (a closed <details> hides its content
# by content-visibility, which checkVisibility sees), and how far it reaches past the right edge
# of its section (pixels).
_PRINTED_TABLES = """
return [...document.querySelectorAll('table')].map(table => {
  const box = table.closest('section, header').getBoundingClientRect();
  const rows = [...table.querySelectorAll('tbody tr')];
  const shown = rows.filter(row => row.checkVisibility());
  return [table.className, rows.length, shown.length,
          Math.round(table.getBoundingClientRect().right - box.right)];
});
"""


@pytest.mark.parametrize("name", ["sample", "compare", "hostile"])
def test_print_shows_every_row_and_column_of_every_table(
    browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]], name: str
) -> None:
    """Printed on A4 (about 720 pixels inside the margins): a table folded under its chart
    (the trend) printed no row, and the goals and segments tables ran off the page."""
    _open(browser, reports[name][0], 720, 1000)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        tables = browser.execute_script(_PRINTED_TABLES)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert {"input", "trend", "goals", "micro_macro", "segment"} <= {t[0] for t in tables}
    assert [t for t in tables if t[2] != t[1] or t[3] > 0] == []


# Per bar drawn in a table cell (of a table not folded away): its table, and how far it
# reaches past its cell's right edge (pixels).
_CELL_BARS = """
return [...document.querySelectorAll('td svg.inline, th svg.inline')]
  .filter(bar => bar.checkVisibility())
  .map(bar => [bar.closest('table').className, Math.round(
    bar.getBoundingClientRect().right - bar.closest('td, th').getBoundingClientRect().right)]);
"""


@pytest.mark.parametrize("name", ["sample", "compare"])
def test_a_bar_in_a_cell_stays_in_its_cell(
    browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]], name: str
) -> None:
    """The segments table, too wide for 1280 pixels, squeezed its macro-rate column and its
    bars ran 32 pixels into the next column."""
    for width in (1280, 390):
        _open(browser, reports[name][0], width, 900)
        bars = browser.execute_script(_CELL_BARS)
        assert {"segment", "channels"} <= {table for table, _ in bars}
        assert [bar for bar in bars if bar[1] > 0] == [], width


def test_a_long_unbroken_value_leaves_the_figures_in_view_on_a_desktop(
    browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]]
) -> None:
    """At 1280 pixels the hostile page's tables of paths (a 100 KB path, cut to 120 characters
    of no space) were wider than their box, their figures scrolled out of view: a long value
    wraps anywhere, and each table of pages fits its box."""
    _open(browser, reports["hostile"][0], 1280, 900)
    sizes = browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('.scroll')].map(box =>"
        " [box.querySelector('table').className, [box.clientWidth, box.scrollWidth]]))"
    )
    for table in ("pages", "landing_pages", "exit_pages"):
        width, scrolled = sizes[table]
        assert scrolled <= width, table


@pytest.mark.parametrize("name", ["sample", "wide"])
def test_charts_fit_their_box_on_a_phone(
    browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]], name: str
) -> None:
    """At 390 pixels a chart kept 448 (28 rem) in a box of 348, its end scrolled out of sight
    with nothing to show it was there: the last day, the rate axis, the funnel's counts."""
    _open(browser, reports[name][0], 390, 900)
    boxes = browser.execute_script(
        "return [...document.querySelectorAll('.chart-box')].map(box => [box.clientWidth,"
        " box.scrollWidth, Math.round(box.querySelector('svg').getBoundingClientRect().width)])"
    )
    assert len(boxes) >= 3
    assert boxes == [[348, 348, 348]] * len(boxes)


# Every colour of the page's first :root rule (its light colours) as the page now computes
# them, and its colour scheme.
_COLOURS = """
const root = getComputedStyle(document.documentElement);
const names = [...document.styleSheets[0].cssRules[0].style].filter(n => n.startsWith('--'));
return {...Object.fromEntries(names.map(n => [n, root.getPropertyValue(n).trim()])),
        scheme: root.colorScheme};
"""


def test_a_dark_system_prints_the_light_colours(
    browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]]
) -> None:
    """A print from a system in dark mode kept the dark warning boxes behind black text, the
    dark lines and the pale chart colours."""
    _open(browser, reports["hostile"][0])
    light = browser.execute_script(_COLOURS)
    dark = {"media": "", "features": [{"name": "prefers-color-scheme", "value": "dark"}]}
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", dark)
    try:
        on_screen = browser.execute_script(_COLOURS)
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {**dark, "media": "print"})
        printed = browser.execute_script(_COLOURS)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})
    assert on_screen["--warn-bg"] == "#352c14"  # the emulation took
    assert light["--warn-bg"] == printed["--warn-bg"] == "#fff6e0"
    assert len(light) == 23  # 22 colours and the scheme
    paper = {"--bg": "#fff", "--panel": "#fff", "--fg": "#000", "--muted": "#444"}
    assert printed == {**light, **paper, "scheme": "light"}
