"""A goals file without goals (README: Goals): one holding funnels, an ``exclude:`` section, or
both, reports what a run without goals reports (the summary, the traffic overview) plus the
funnels, with the exclusions applied; ``check``, ``alert``, ``--alerts`` and ``--history`` say
what such a file holds or lacks.

``SIX_LINES`` is a log of three visitors (Firefox each), counted by hand:

====  ==============  ========  =============  =====================================
line  address         time      request        what it is
====  ==============  ========  =============  =====================================
1     198.51.100.20   09:00:00  GET /          session A, a page
2     198.51.100.20   09:01:00  GET /products/1  session A, step 1 of ``buy``
3     198.51.100.20   09:01:30  GET /cart      session A, step 2 of ``buy`` (30 s later)
4     192.0.2.44      09:03:00  GET /products/1  session B, step 1 of ``buy``, a bounce
5     203.0.113.9     09:04:00  GET /products/1  the owner: excluded
6     203.0.113.9     09:05:00  GET /cart      the owner: excluded
====  ==============  ========  =============  =====================================

With ``exclude: {ips: [203.0.113.9]}``: 2 excluded lines and 4 pages; 2 visitors, 2 sessions, 4
pageviews; session B bounces (1 of 2: 50%); A lasts 90 s and B 0 s (45 s on average). The
funnel ``buy`` (``/products/1`` then ``/cart``) is entered by both sessions and completed by A:
step 1 reached 2, dropped 1 (50%); step 2 reached 1 (50% from the start and from step 1), 30 s
after step 1, dropped 0. Without the exclusion the owner's session would complete it too.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from micromacro.cli import cli
from tests.helpers import combined_line

SIX_LINES = "".join(
    combined_line(target, ip=ip, time=f"02/Nov/2026:{time} +0100") + "\n"
    for ip, time, target in [
        ("198.51.100.20", "09:00:00", "/"),
        ("198.51.100.20", "09:01:00", "/products/1"),
        ("198.51.100.20", "09:01:30", "/cart"),
        ("192.0.2.44", "09:03:00", "/products/1"),
        ("203.0.113.9", "09:04:00", "/products/1"),
        ("203.0.113.9", "09:05:00", "/cart"),
    ]
)
FUNNEL = "funnels:\n  - name: buy\n    steps: [/products/1, /cart]\n"
OWNER = "exclude:\n  ips: [203.0.113.9]\n"
NO_GOALS_NOTE = "No goals defined: the goals file has no goals: list (see goals.example.yaml)."
FUNNEL_TITLE = (
    "Funnel 'buy' (sessions, closed, ordered): 2 entered, 1 completed (50.0%), "
    "0 of 2 sessions never entered"
)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- an event export with a source: and funnels, no goals ---------------------------------------


def test_an_export_without_goals_shows_its_funnels(tmp_path: Path) -> None:
    """Sessions A and B of ``SIX_LINES`` as an export's rows (no owner: an export maps no
    address): the funnel is shown after the note that the file has no goals."""
    export = write(
        tmp_path,
        "events.csv",
        "t,u,p\n2026-11-02T08:00:00Z,a,/\n2026-11-02T08:01:00Z,a,/products/1\n"
        "2026-11-02T08:01:30Z,a,/cart\n2026-11-02T08:03:00Z,b,/products/1\n",
    )
    goals = write(tmp_path, "goals.yaml", "source: {timestamp: t, user_id: u, path: p}\n" + FUNNEL)
    result = invoke("report", export, "--goals", goals, "--no-cache", "--quiet")
    assert (result.exit_code, result.stderr) == (0, "")
    assert f"Goals\n{NO_GOALS_NOTE}\n\n{FUNNEL_TITLE}\n" in result.stdout
