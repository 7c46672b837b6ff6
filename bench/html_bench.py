"""The HTML report on a large log: its size, what writing it adds to the report's time, and how
long Chromium takes to render it.

    python bench/html_bench.py bench/data/access-5M.log --by channel --by device --by landing_page

Runs ``micromacro report LOG --format html`` in this process, timing the whole run (reading to
writing the file) and the HTML renderer alone, then opens the page in Debian's Chromium (when
``chromium``, ``chromedriver`` and selenium are there) and reads the time to its load event, best
of three. Further options are passed to ``micromacro report`` (default goals: goals.example.yaml).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import micromacro.render as render  # noqa: E402
from micromacro.cli import cli  # noqa: E402


def run_report(log: str, extra: list[str], out: Path) -> tuple[float, float]:
    """The seconds of the whole run and of the HTML renderer within it."""
    spent: list[float] = []
    original = render.render_html

    def timed(*args: Any, **kwargs: Any) -> str:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    render.render_html = timed
    goals = [] if "--goals" in extra else ["--goals", str(ROOT / "goals.example.yaml")]
    args = ["report", log, *goals, *extra, "--format", "html", "-o", str(out), "--quiet"]
    start = time.perf_counter()
    try:
        cli.main(args, standalone_mode=False)
    except SystemExit as stop:
        if stop.code not in (0, 3):
            raise
    finally:
        render.render_html = original
    return time.perf_counter() - start, sum(spent)


def render_ms(page: Path, repeat: int = 3) -> float | None:
    """The best time to the page's load event in headless Chromium, in milliseconds (None
    without Chromium, chromedriver or selenium)."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        return None
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.set_window_size(1280, 1000)
        times = []
        for _ in range(repeat):
            driver.get(page.as_uri())
            times.append(
                driver.execute_script(
                    "return performance.getEntriesByType('navigation')[0].loadEventEnd"
                )
            )
        return float(min(times))
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("--out", help="where to keep the page (default: a temporary file)")
    known, extra = parser.parse_known_args()
    out = Path(known.out or tempfile.mkdtemp(prefix="micromacro-html-")) / "report.html"
    if known.out:
        out = Path(known.out)
    total, html = run_report(known.log, extra, out)
    size = out.stat().st_size
    print(f"report: {total:.2f} s, of which HTML {html * 1000:.0f} ms ({html / total:.2%})")
    print(f"file: {size:,} bytes ({size / 2**20:.2f} MiB)")
    shown = render_ms(out)
    print("chromium: not found" if shown is None else f"chromium load event: {shown:.0f} ms")


if __name__ == "__main__":
    main()
