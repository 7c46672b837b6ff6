"""``micromacro suggest`` keeps the exclusions it was read with (README: suggest; decisions:
Suggested goals): the goals file's ``exclude:`` and ``--exclude-ip`` are written as the
proposal's ``exclude:`` section, which ``check`` and ``report`` read back as the same exclusions.

``tiny.log`` (written by ``_tiny_log``) holds fourteen lines of five visitors, 20 s apart
within a visit, counted by hand:

============  =====  ==========================================  ============================
address       from   requests                                    left out by
============  =====  ==========================================  ============================
192.0.2.1     09:00  GET /wp-admin/, GET /, POST /contact (303),   the path {begins_with:
                     GET /contact/thanks                          /wp-admin} (its first line)
198.51.100.7  09:05  GET /, POST /contact, GET /contact/thanks     198.51.100.0/24 (3 lines)
192.0.2.2     09:10  GET /, POST /contact, GET /contact/thanks     nothing (a customer)
2001:db8::5   09:15  GET /, GET /contact/thanks                    2001:db8::/32 (2 lines)
203.0.113.9   09:20  GET /, GET /contact/thanks                    --exclude-ip 203.0.113.9 (2)
============  =====  ==========================================  ============================

With the goals file's ``exclude:`` (``198.51.100.0/24``, ``2001:db8::/32``, ``/wp-admin``) and
``--exclude-ip 203.0.113.9``: 1 + 3 + 2 + 2 = 8 lines excluded; the two customers' sessions are
left (4 pages, 2 posts), from 09:00:20 to 09:10:40, each landing on ``/``, posting the contact
form and ending on ``/contact/thanks``: one goal, ``contact_lead`` (2 sessions of 2), no funnel
(a funnel needs three sessions reaching its goal), no duration or pages goal (two sessions that
did not bounce, fewer than three).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from micromacro.cli import cli
from micromacro.goals_file import load_exclusions, parse_exclusions
from tests.helpers import combined_line

EXCLUDE = """exclude:
  ips:
    - 198.51.100.0/24
    - 2001:db8::/32
  paths:
    - begins_with: /wp-admin
"""

HEADER = """# Goals proposed by `micromacro suggest` from tiny.log (2 sessions, 2026-11-02 09:00 to
#   2026-11-02 09:10).
# Each goal and funnel says how many sessions reach it, with examples, and why it was picked:
#   keep what fits the site, delete the rest, give the macro goals a value, and check the file
#   with `micromacro check`. goals.example.yaml explains every key.

goals:
  # --- macro goals: what the site is for ------------------------------------------------------
  # contact_lead: 2 of 2 sessions (100.0 %); e.g. /contact/thanks
  # why: a confirmation page by its name; right after POST /contact in 2 of 2 views; never a
  #   landing page; the last page of 2 of 2 sessions
  - name: contact_lead
    kind: macro
    destination: /contact/thanks

"""
NOTE = """exclude:
  # the site's own visits, left out of the 2 sessions read (a report on this file leaves them
"""
EXCLUDED = """  ips:
    - 198.51.100.0/24
    - 2001:db8::/32
    - 203.0.113.9
  paths:
    - begins_with: /wp-admin
"""
# The file and --exclude-ip 203.0.113.9 (the comment names both, the list holds both).
PROPOSAL = (
    HEADER
    + NOTE
    + "  #   out too): from the exclude: section of goals.yaml and --exclude-ip 203.0.113.9\n"
    + EXCLUDED
)


def _tiny_log(folder: Path) -> None:
    """``tiny.log`` of the module's table."""
    visits = [
        ("192.0.2.1", 0, ["/wp-admin/", "/", "POST /contact", "/contact/thanks"]),
        ("198.51.100.7", 5, ["/", "POST /contact", "/contact/thanks"]),
        ("192.0.2.2", 10, ["/", "POST /contact", "/contact/thanks"]),
        ("2001:db8::5", 15, ["/", "/contact/thanks"]),
        ("203.0.113.9", 20, ["/", "/contact/thanks"]),
    ]
    lines = []
    for ip, minute, requests in visits:
        for step, request in enumerate(requests):
            time = f"02/Nov/2026:09:{minute:02d}:{step * 20:02d} +0100"
            if request.startswith("POST "):
                lines.append(
                    combined_line(request[5:], method="POST", status=303, ip=ip, time=time)
                )
            else:
                lines.append(combined_line(request, ip=ip, time=time))
    (folder / "tiny.log").write_text("".join(line + "\n" for line in lines))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder, the current directory, holding tiny.log and nothing else."""
    _tiny_log(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _input(*args: str) -> dict[str, Any]:
    """The input summary and sessions of ``report --format json`` (without zero buckets)."""
    result = _run("report", *args, "--format", "json", "--no-cache")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    counts = {k: v for k, v in data["input"].items() if isinstance(v, int) and v}
    return {**counts, "sessions": data["summary"]["sessions"]}


def test_the_proposal_keeps_the_goals_files_exclusions_and_exclude_ip(site: Path) -> None:
    (site / "goals.yaml").write_text(EXCLUDE)
    result = _run("suggest", "tiny.log", "--goals", "goals.yaml", "--exclude-ip", "203.0.113.9")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == PROPOSAL


def test_the_readme_example_is_the_tiny_logs_exclude_section() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme[readme.index("### `micromacro suggest") :]
    example = section[section.index("```yaml\nexclude:\n") + 8 :]
    assert PROPOSAL.endswith("\n\n" + example[: example.index("```\n")])


def test_check_and_report_read_back_the_same_exclusions(site: Path) -> None:
    (site / "goals.yaml").write_text(EXCLUDE)
    made = ("tiny.log", "--goals", "goals.yaml", "--exclude-ip", "203.0.113.9")
    assert _run("suggest", *made, "-o", "written.yaml").exit_code == 0
    checked = _run("check", "written.yaml")
    assert (checked.exit_code, checked.stderr) == (0, "")
    assert checked.stdout == (
        "written.yaml: OK, 1 goal (1 macro, 0 micro), 3 excluded networks, 1 excluded path\n"
    )
    read_back = {"lines": 14, "files": 1, "excluded": 8, "request": 2, "page": 4, "sessions": 2}
    assert _input("tiny.log", "--goals", "written.yaml") == read_back
    assert _input(*made) == read_back  # the run that made it leaves out the same lines
    proposed = json.loads(_run("suggest", *made, "--format", "json").stdout)
    assert proposed["input"]["excluded"] == 8


def test_the_json_carries_the_exclusions_as_the_goals_file_writes_them(site: Path) -> None:
    (site / "goals.yaml").write_text(EXCLUDE)
    made = ("tiny.log", "--exclude-ip", "203.0.113.9", "--exclude-ip", "203.0.113.9/32")
    result = _run("suggest", *made, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["input", "sessions", "period", "read_with", "goals", "funnels", "exclude"]
    assert data["exclude"] == {
        "definition": {
            "ips": ["198.51.100.0/24", "2001:db8::/32", "203.0.113.9"],
            "paths": [{"begins_with": "/wp-admin"}],
        },
        "goals_file": "goals.yaml",
        "exclude_ip": ["203.0.113.9"],
    }
    written = yaml.safe_load(_run("suggest", *made).stdout)
    assert written["exclude"] == data["exclude"]["definition"]


def test_exclude_ip_alone_is_kept_too(site: Path) -> None:
    """No goals file: 198.51.100.7's 3 lines, 2001:db8::5's 2 and 203.0.113.9's 2 are
    excluded (7); /wp-admin/ is a page of 192.0.2.1's session (5 pages)."""
    made = ("tiny.log", "--exclude-ip", "198.51.100.0/24", "--exclude-ip", "2001:DB8::5")
    made += ("--exclude-ip", "203.0.113.9")
    result = _run("suggest", *made, "-o", "written.yaml")
    assert result.exit_code == 0, result.stderr
    text = (site / "written.yaml").read_text()
    assert text.endswith(
        "\n\n"
        + NOTE
        + "  #   out too): from --exclude-ip 198.51.100.0/24, 2001:db8::5, 203.0.113.9\n"
        "  ips:\n"
        "    - 198.51.100.0/24\n"
        "    - 2001:db8::5\n"
        "    - 203.0.113.9\n"
    )
    checked = _run("check", "written.yaml")
    assert (checked.exit_code, checked.stderr) == (0, "")
    assert checked.stdout.endswith(", 3 excluded networks\n")
    read_back = {"lines": 14, "files": 1, "excluded": 7, "request": 2, "page": 5, "sessions": 2}
    assert _input("tiny.log", "--goals", "written.yaml") == read_back
    assert _input(*made) == read_back


def test_o_onto_the_goals_file_read_keeps_its_exclusions(site: Path) -> None:
    """The goals file holding exclude: alone, found as goals.yaml of the current directory and
    replaced whole by the proposal; a second run on it writes the same exclusions again, from
    the file alone now."""
    (site / "goals.yaml").write_text(EXCLUDE)
    first = _run("suggest", "tiny.log", "--exclude-ip", "203.0.113.9", "-o", "goals.yaml")
    assert first.exit_code == 0, first.stderr
    assert (site / "goals.yaml").read_text() == PROPOSAL
    checked = _run("check", "goals.yaml")
    assert checked.stdout == (
        "goals.yaml: OK, 1 goal (1 macro, 0 micro), 3 excluded networks, 1 excluded path\n"
    )
    assert _run("suggest", "tiny.log", "-o", "goals.yaml").exit_code == 0
    assert (site / "goals.yaml").read_text() == (
        HEADER + NOTE + "  #   out too): from the exclude: section of goals.yaml\n" + EXCLUDED
    )
    assert _input("tiny.log")["excluded"] == 8


def test_every_matcher_and_address_reads_back_as_written(site: Path) -> None:
    """Path matchers of every shape and addresses YAML could misread are written so that the
    goals file's reader reads the same exclusions; an IPv4-mapped network is its IPv4 one."""
    (site / "goals.yaml").write_text(
        "exclude:\n"
        "  ips: ['::ffff:198.51.100.0/120', 2001:db8::/32, '1:2:3:4:5:6:7:8', 203.0.113.9]\n"
        "  paths:\n"
        "    - /health\n"
        "    - {begins_with: /wp-admin}\n"
        "    - {regex: '^/x: y', case_sensitive: true}\n"
        "    - {one_of: [/a, '/b c']}\n"
        "    - {equals: '/Q?x=1', include_query: true}\n"
        "    - {glob: '/tmp/*'}\n"
        "    - {contains: /admin-ajax}\n"
        "    - {equals: /Exact, case_sensitive: true}\n"
        "    - {begins_with: '/search?q=', include_query: true}\n"
    )
    result = _run("suggest", "tiny.log", "-o", "written.yaml")
    assert result.exit_code == 0, result.stderr
    text = (site / "written.yaml").read_text()
    assert parse_exclusions(text) == load_exclusions(site / "goals.yaml")
    assert text.endswith(
        "  ips:\n"
        "    - 198.51.100.0/24\n"
        "    - 2001:db8::/32\n"
        "    - '1:2:3:4:5:6:7:8'\n"
        "    - 203.0.113.9\n"
        "  paths:\n"
        "    - /health\n"
        "    - begins_with: /wp-admin\n"
        "    - regex: '^/x: y'\n"
        "      case_sensitive: true\n"
        "    - one_of: [/a, '/b c']\n"
        "    - equals: '/Q?x=1'\n"
        "      include_query: true\n"
        "    - glob: /tmp/*\n"
        "    - contains: /admin-ajax\n"
        "    - equals: /Exact\n"
        "      case_sensitive: true\n"
        "    - begins_with: '/search?q='\n"
        "      include_query: true\n"
    )
    checked = _run("check", "written.yaml")
    assert (checked.exit_code, checked.stderr) == (0, "")
    assert checked.stdout.endswith(", 4 excluded networks, 9 excluded paths\n")


def test_nothing_excluded_writes_no_exclude_section(site: Path) -> None:
    text = _run("suggest", "tiny.log").stdout
    assert "exclude" not in text
    assert json.loads(_run("suggest", "tiny.log", "--format", "json").stdout)["exclude"] is None


def test_a_goals_file_name_that_is_not_utf8_is_written_with_escapes(site: Path) -> None:
    """A name of any bytes is the goals file's name (decisions: arguments that are not UTF-8):
    its byte 0x85 is written ``\\x85`` in the JSON's ``goals_file`` and in the YAML's comment,
    as micromacro's messages write such a name, and the output is UTF-8."""
    name = os.fsdecode(b"bad\x85.yaml")
    (site / name).write_text("exclude:\n  ips: [203.0.113.9]\n")
    result = _run("suggest", "tiny.log", "--goals", name, "--format", "json", "-o", "o.json")
    assert result.exit_code == 0, result.stderr
    data = json.loads((site / "o.json").read_bytes().decode("utf-8"))
    assert data["exclude"]["goals_file"] == "bad\\x85.yaml"
    assert _run("suggest", "tiny.log", "--goals", name, "-o", "o.yaml").exit_code == 0
    text = (site / "o.yaml").read_bytes().decode("utf-8")
    assert "  #   out too): from the exclude: section of bad\\x85.yaml\n  ips:\n" in text


@pytest.mark.parametrize(
    ("goals", "output", "shown"),
    [
        (None, "goals.yaml", ""),  # goals.yaml of the current directory
        ("goals.yaml", "goals.yaml", ""),
        ("goals.yaml", "link.yaml", " (as goals.yaml)"),  # a link to it
    ],
)
def test_json_onto_the_goals_file_read_is_refused(
    site: Path, goals: str | None, output: str, shown: str
) -> None:
    """The JSON is no goals file: written over the goals file read, it would leave a file that
    check and report refuse; refused before the log (which does not exist) is read."""
    (site / "goals.yaml").write_text(EXCLUDE)
    (site / "link.yaml").symlink_to("goals.yaml")
    named = ("--goals", goals) if goals else ()
    result = _run("suggest", "missing.log", *named, "--format", "json", "-o", output)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"micromacro: error: --output {output}: it is the goals file read{shown}, and --format "
        "json writes no goals file (write the YAML, or name another file)"
    )
    assert "missing.log" not in result.stderr
    assert (site / "goals.yaml").read_text() == EXCLUDE


def test_a_line_break_in_a_name_or_zone_id_keeps_to_its_comment_line(site: Path) -> None:
    """A log, a goals file and an ``--exclude-ip`` zone id whose names hold a line break: each is
    shown on its line with the break written ``\\n``. Left out: 198.51.100.7's 3 lines,
    2001:db8::5's 2 and /wp-admin/; 3 sessions are left, from 09:00 to 203.0.113.9's at 09:20."""
    (site / "ti\nny.log").write_bytes((site / "tiny.log").read_bytes())
    (site / "g\ng.yaml").write_text(EXCLUDE)
    made = ("ti\nny.log", "--goals", "g\ng.yaml", "--exclude-ip", "fe80::1%et\nh0")
    result = _run("suggest", *made)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "# Goals proposed by `micromacro suggest` from ti\\nny.log (3 sessions, "
        "2026-11-02 09:00 to\n#   2026-11-02 09:20).\n# Each goal and funnel says"
    )
    assert result.stdout.endswith(
        "\n\n"
        + NOTE.replace("the 2 sessions", "the 3 sessions")
        + "  #   out too): from the exclude: section of g\\ng.yaml and --exclude-ip "
        "fe80::1%et\\nh0\n"
        "  ips:\n"
        "    - 198.51.100.0/24\n"
        "    - 2001:db8::/32\n"
        '    - "fe80::1%et\\nh0"\n'
        "  paths:\n"
        "    - begins_with: /wp-admin\n"
    )
    assert yaml.safe_load(result.stdout)["exclude"]["ips"][-1] == "fe80::1%et\nh0"
