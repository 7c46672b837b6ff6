"""Excluded hits (README: Goals, the exclude: section; definitions §2.2): the lines of the site's
own visits, by address (``exclude: ips``, ``--exclude-ip``) or by path (``exclude: paths``),
fall in the ``excluded`` bucket whatever else they would be, and play no part in sessions.

``tests/fixtures/owner.log`` holds ten lines of three visitors, counted by hand:

====  ==============  =========================  ===================================
line  address         request                    bucket without exclusions
====  ==============  =========================  ===================================
1     198.51.100.20   GET /                      page (a customer, Firefox)
2     203.0.113.7     GET /                      page (the owner, Firefox)
3     198.51.100.20   GET /products/1            page
4     203.0.113.7     GET /static/app.css        static
5     203.0.113.7     POST /cart/add             request (add_to_cart)
6     203.0.113.7     GET /checkout/thank-you    page (purchase)
7     192.0.2.44      GET /                      page (a customer, Chrome)
8     192.0.2.44      GET /wp-admin/ (302)       redirect
9     203.0.113.7     GET /health                bot (the owner's uptime monitor)
10    192.0.2.44      GET /products/2            page
====  ==============  =========================  ===================================

Without exclusions: 3 sessions (one per visitor; the monitor is a bot), the owner's the one
that buys. Excluding 203.0.113.7 and the paths beginning with /wp-admin: lines 2, 4, 5, 6, 8
and 9 are ``excluded``, 2 sessions are left and nobody buys.
"""

from __future__ import annotations

import json
import os
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner, Result

from micromacro import exclusions
from micromacro.cli import cli
from micromacro.errors import ConfigError
from micromacro.exclusions import address_in, excluded_lines
from micromacro.goals import DestinationMatcher, Exclusions, StringMatcher
from micromacro.goals_file import parse_exclusions, parse_goals
from micromacro.option_values import excluded_network

FIXTURES = Path(__file__).parent / "fixtures"
OWNER_LOG = str(FIXTURES / "owner.log")
GOALS = """goals:
  - name: purchase
    kind: macro
    destination: /checkout/thank-you
  - name: add_to_cart
    kind: micro
    event: {category: request, action: POST, label: /cart/add}
"""
EXCLUDE = """exclude:
  ips: [203.0.113.7]
  paths:
    - {begins_with: /wp-admin}
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def goals_file(folder: Path, text: str, name: str = "goals.yaml") -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def report_json(*args: str) -> dict[str, Any]:
    result = invoke("report", *args, "--format", "json", "--no-cache")
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def figures(report: dict[str, Any]) -> tuple[dict[str, object], int, int, dict[str, int]]:
    """The input summary, the sessions, the visitors and each goal's conversions."""
    summary = report["summary"]
    conversions = {goal["name"]: goal["conversions"] for goal in report["goals"]}
    return report["input"], summary["sessions"], summary["visitors"], conversions


BUCKETS_AFTER = ("bot", "static", "error", "request", "redirect", "other_method", "download")


def buckets(**counts: int) -> dict[str, object]:
    """The input object of owner.log with these counts (the others 0)."""
    named = ("malformed", *(("excluded",) if "excluded" in counts else ()), *BUCKETS_AFTER, "page")
    return {
        "lines": 10,
        "files": 1,
        "format": "combined",
        **{name: counts.get(name, 0) for name in named},
        "variants": {"combined": 10},
    }


# --- the buckets and the sessions ----------------------------------------------------------------


def test_without_exclusions_the_owners_purchase_counts(tmp_path: Path) -> None:
    report = report_json(OWNER_LOG, "--goals", goals_file(tmp_path, GOALS))
    assert figures(report) == (
        buckets(bot=1, static=1, request=1, redirect=1, page=6),
        3,
        3,
        {"purchase": 1, "add_to_cart": 1},
    )


def test_the_goals_files_exclusions_leave_the_owner_out(tmp_path: Path) -> None:
    report = report_json(OWNER_LOG, "--goals", goals_file(tmp_path, GOALS + EXCLUDE))
    assert figures(report) == (
        buckets(excluded=6, page=4),
        2,
        2,
        {"purchase": 0, "add_to_cart": 0},
    )
    assert report["summary"]["macro_conversion_rate"] == 0.0


def test_exclude_ip_adds_to_the_files_list(tmp_path: Path) -> None:
    """--exclude-ip alone: lines 2, 4, 5, 6 and 9 (the owner's address); with the file's
    /wp-admin path, line 8 too; the same address twice is one."""
    alone = report_json(
        OWNER_LOG, "--goals", goals_file(tmp_path, GOALS), "--exclude-ip", "203.0.113.7"
    )
    assert figures(alone) == (
        buckets(excluded=5, redirect=1, page=4),
        2,
        2,
        {"purchase": 0, "add_to_cart": 0},
    )
    paths_only = GOALS + "exclude:\n  paths: [{begins_with: /wp-admin}]\n"
    both = report_json(
        OWNER_LOG,
        "--goals",
        goals_file(tmp_path, paths_only, "paths.yaml"),
        "--exclude-ip",
        "203.0.113.0/24",
        "--exclude-ip",
        "203.0.113.7",
    )
    assert figures(both)[0] == buckets(excluded=6, page=4)


def test_a_path_is_excluded_whatever_else_the_line_would_be(tmp_path: Path) -> None:
    """A plain string is an exact path, as a destination's: /static/app.css (static) and
    /health (a bot's) go to excluded; /wp-admin/ is no exact match of /wp-admin."""
    paths = GOALS + "exclude:\n  paths: [/static/app.css, /health, /wp-admin]\n"
    report = report_json(OWNER_LOG, "--goals", goals_file(tmp_path, paths))
    assert figures(report) == (
        buckets(excluded=2, request=1, redirect=1, page=6),
        3,
        3,
        {"purchase": 1, "add_to_cart": 1},
    )


def test_an_excluded_line_outside_the_period_is_out_of_period(tmp_path: Path) -> None:
    """From 09:04: lines 1 to 4 are out_of_period (the owner's 2 and 4 too, as the period's
    rule comes first); 5, 6, 8 and 9 excluded; 7 and 10 pages, one session."""
    report = report_json(
        OWNER_LOG,
        "--goals",
        goals_file(tmp_path, GOALS + EXCLUDE),
        "--since",
        "2026-11-02T09:04:00+00:00",
    )
    summary, sessions, _, _ = figures(report)
    assert {k: v for k, v in summary.items() if v and k not in ("variants",)} == {
        "lines": 10,
        "files": 1,
        "format": "combined",
        "out_of_period": 4,
        "excluded": 4,
        "page": 2,
    }
    assert sessions == 1


def test_without_exclusions_no_excluded_bucket_is_shown(tmp_path: Path) -> None:
    report = report_json(OWNER_LOG, "--goals", goals_file(tmp_path, GOALS))
    assert "excluded" not in report["input"]


@pytest.mark.parametrize(
    ("output", "shown"),
    [
        (["--format", "table"], "  excluded           6   60.0%"),
        (["--format", "csv", "--table", "input"], "\nexcluded,6,0.6\n"),
        (["--format", "tsv", "--table", "input"], "\nexcluded\t6\t0.6\n"),
        (["--format", "markdown"], "| excluded | 6 | 60.0% |"),
        (["--format", "html"], '<span class="swatch c1"></span>excluded 6</li>'),
    ],
)
def test_every_format_shows_the_excluded_lines(
    tmp_path: Path, output: list[str], shown: str
) -> None:
    result = invoke("report", OWNER_LOG, "--goals", goals_file(tmp_path, GOALS + EXCLUDE), *output)
    assert result.exit_code == 0, result.stderr
    assert shown in result.stdout


def test_stderr_counts_the_excluded_lines(tmp_path: Path) -> None:
    result = invoke(
        "report", OWNER_LOG, "--goals", goals_file(tmp_path, GOALS + EXCLUDE), "--format", "json"
    )
    assert (
        "micromacro: input: 10 lines (malformed 0, excluded 6, bot 0, static 0, error 0, "
        "request 0, redirect 0, other_method 0, download 0, page 4)\n"
    ) in result.stderr


def test_the_hits_command_names_each_excluded_line() -> None:
    result = invoke("hits", OWNER_LOG, "--exclude-ip", "203.0.113.7", "--format", "ndjson")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(row["line"], row["bucket"]) for row in rows] == [
        (1, "page"), (2, "excluded"), (3, "page"), (4, "excluded"), (5, "excluded"),
        (6, "excluded"), (7, "page"), (8, "redirect"), (9, "excluded"), (10, "page"),
    ]  # fmt: skip
    assert "input: 10 lines (malformed 0, excluded 5, bot 0," in result.stderr


def test_the_hits_command_applies_the_goals_files_exclusions(tmp_path: Path) -> None:
    goals = goals_file(tmp_path, GOALS + EXCLUDE)
    result = invoke("hits", OWNER_LOG, "--goals", goals, "--format", "ndjson")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["line"] for row in rows if row["bucket"] == "excluded"] == [2, 4, 5, 6, 8, 9]
    assert [row["session"] for row in rows if row["bucket"] == "page"] == [0, 0, 1, 1]


def test_hits_and_suggest_read_the_current_directorys_goals_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    goals_file(tmp_path, GOALS + EXCLUDE)
    monkeypatch.chdir(tmp_path)
    note = "micromacro: goals: goals.yaml of the current directory (--goals FILE names another)\n"
    hits = invoke("hits", OWNER_LOG)
    assert hits.exit_code == 0, hits.stderr
    assert hits.stderr.startswith(note)
    assert "input: 10 lines (malformed 0, excluded 6, bot 0," in hits.stderr
    suggest = invoke("suggest", OWNER_LOG)  # the owner's visit gone, two sessions are read
    assert (suggest.exit_code, suggest.stdout) == (1, "")
    assert suggest.stderr.startswith(note)
    assert "error: no goal to propose: in the 2 sessions read," in suggest.stderr


def test_suggest_without_exclusions_reads_the_owners_session(tmp_path: Path) -> None:
    suggest = invoke("suggest", OWNER_LOG, "--goals", goals_file(tmp_path, GOALS))
    assert "error: no goal to propose: in the 3 sessions read," in suggest.stderr


# Six lines of three visitors: 203.0.113.2 (the owner) on lines 1 and 4, every line a page.
BROWSER = '"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"'
SIX_LINES = "".join(
    f'{address} - - [02/Nov/2026:10:0{minute}:00 +0000] "GET {path} HTTP/1.1" 200 512 "-" '
    f"{BROWSER}\n"
    for minute, (address, path) in enumerate(
        [
            ("203.0.113.2", "/"),
            ("198.51.100.20", "/"),
            ("198.51.100.20", "/products/1"),
            ("203.0.113.2", "/products/1"),
            ("192.0.2.44", "/"),
            ("192.0.2.44", "/products/2"),
        ]
    )
)
OWNER_ONLY = "exclude: {ips: [203.0.113.2]}\n"


@pytest.mark.parametrize(
    ("text", "excluded"),
    [
        pytest.param(OWNER_ONLY, [1, 4], id="exclude alone, no goals"),
        pytest.param(
            "goals:\n  - {name: buy, kind: macro, destination: /thanks, bogus: 1}\n" + OWNER_ONLY,
            [1, 4],
            id="an invalid goal",
        ),
        pytest.param("bogus: 1\n" + OWNER_ONLY, [1, 4], id="an unknown section"),
        pytest.param("", [], id="empty"),
    ],
)
def test_hits_and_suggest_read_the_exclude_section_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, excluded: list[int]
) -> None:
    """Only exclude: is read: a goals file holding it alone, or one that report and check
    refuse (an invalid goal, an unknown section, empty) still leaves 203.0.113.2's lines 1 and 4
    out of hits and of suggest's sessions (none left out by the empty file)."""
    log = tmp_path / "six.log"
    log.write_text(SIX_LINES)
    goals_file(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    note = "micromacro: goals: goals.yaml of the current directory (--goals FILE names another)\n"
    hits = invoke("hits", str(log), "--format", "ndjson")
    assert hits.exit_code == 0, hits.stderr
    assert hits.stderr.startswith(note)
    rows = [json.loads(line) for line in hits.stdout.splitlines()]
    assert [row["line"] for row in rows if row["bucket"] == "excluded"] == excluded
    assert [row["line"] for row in rows if row["bucket"] == "page"] == [
        n for n in range(1, 7) if n not in excluded
    ]
    buckets = f"malformed 0, {'excluded 2, ' if excluded else ''}bot 0,"
    assert f"input: 6 lines ({buckets}" in hits.stderr
    suggest = invoke("suggest", str(log))
    assert (suggest.exit_code, suggest.stdout) == (1, "")
    assert suggest.stderr.startswith(note)
    sessions = 2 if excluded else 3
    assert f"error: no goal to propose: in the {sessions} sessions read," in suggest.stderr


@pytest.mark.parametrize("command", ["hits", "suggest"])
def test_a_wrong_exclude_section_is_still_an_error(tmp_path: Path, command: str) -> None:
    """The rest of the file unread (its goals: 3 is no list), the exclude: section is checked
    as check checks it."""
    path = goals_file(tmp_path, "goals: 3\nexclude:\n  ips: [203.0.113.2, office]\n")
    result = invoke(command, OWNER_LOG, "--goals", path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"micromacro: error: {path}:3:22: invalid address in exclude: ips: 'office' is no IP "
        "address or network (give one such as 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32)\n"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("goals: [\n", "goals.yaml:2:1: invalid YAML: expected the node content, but found "
         "'<stream end>' (while parsing a flow node at line 2, column 1)"),
        ("- exclude\n", "goals.yaml:1:1: invalid goals file: expected a mapping with a 'goals' "
         "list, 'funnels', 'exclude' or 'source', got a list"),
        ("exclude: {}\nexclude: {ips: [203.0.113.2]}\n", "goals.yaml:2:1: duplicate key "
         "'exclude' at the top level (first at line 1)"),
    ],
)  # fmt: skip
def test_a_file_that_is_no_yaml_mapping_has_no_exclusions_to_read(text: str, problem: str) -> None:
    """Invalid YAML, a document that is no mapping and a repeated exclude: are errors, as the
    whole file's reading reports them."""
    with pytest.raises(ConfigError) as caught:
        parse_exclusions(text, path="goals.yaml")
    assert caught.value.problems == [problem]
    assert problem in problems_of(text)


def test_the_exclusions_alone_are_those_of_the_whole_file() -> None:
    assert (
        parse_exclusions(GOALS + EXCLUDE, path="goals.yaml") == parse_goals(GOALS + EXCLUDE).exclude
    )
    assert parse_exclusions("# nothing yet\n", path="goals.yaml") == Exclusions()


def test_an_alert_rule_names_input_excluded(tmp_path: Path) -> None:
    rules = "alerts:\n  - {name: owner visits, metric: input.excluded, above: 5}\n"
    result = invoke("alert", OWNER_LOG, "--goals", goals_file(tmp_path, GOALS + EXCLUDE + rules))
    assert (result.exit_code, result.stderr) == (3, "")
    assert result.stdout.startswith("owner visits: input.excluded = 6 in ")
    assert result.stdout.endswith(" is above 5\n")


# --- addresses and networks ----------------------------------------------------------------------

V4, V6 = ip_network("198.51.100.0/24"), ip_network("2001:db8::/32")


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("198.51.100.0", True),
        ("198.51.100.255", True),
        ("198.51.101.0", False),
        ("198.51.99.255", False),
        ("::ffff:198.51.100.7", True),  # IPv4-mapped: the IPv4 network holds it
        ("::ffff:198.51.101.7", False),
        ("2001:db8::1", True),
        ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", True),
        ("2001:db9::1", False),
        ("2001:DB8::A", True),
        ("fe80::1%eth0", False),
        ("2001:db8::1%eth0", True),  # a zone id is left out
        ("unknown", False),
        ("", False),
    ],
)
def test_an_address_is_in_its_network(address: str, inside: bool) -> None:
    assert address_in(address, (V4, V6)) is inside


def test_a_mapped_network_is_its_ipv4_network() -> None:
    """::ffff:198.51.100.0/120 is 198.51.100.0/24: it holds the IPv4 addresses a server logs
    plainly as well as their mapped forms."""
    mapped = (excluded_network("::ffff:198.51.100.0/120"),)
    tried = ("::ffff:198.51.100.9", "198.51.100.9", "198.51.101.9", "::ffff:198.51.101.9")
    assert [address_in(a, mapped) for a in tried] == [True, True, False, False]


def test_a_mapped_network_excludes_plain_ipv4_lines(tmp_path: Path) -> None:
    """owner.log logs 203.0.113.7 plainly: its lines 2, 4, 5, 6 and 9 are excluded whether
    the network is named in the goals file or by --exclude-ip."""
    goals = goals_file(tmp_path, GOALS + 'exclude:\n  ips: ["::ffff:203.0.113.0/120"]\n')
    for args in (("--goals", goals), ("--exclude-ip", "::ffff:203.0.113.0/120")):
        result = invoke("hits", OWNER_LOG, *args, "--format", "ndjson")
        assert result.exit_code == 0, result.stderr
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert [row["line"] for row in rows if row["bucket"] == "excluded"] == [2, 4, 5, 6, 9]


def test_addresses_as_logged_are_matched_without_brackets_and_port() -> None:
    lines = pl.DataFrame(
        {
            "ip": ["[2001:db8::1]:443", "198.51.100.7:4711", "203.0.113.7", None],
            "path": ["/", "/", "/", "/"],
            "query": [None, None, None, None],
        },
        schema_overrides={"query": pl.String},
    )
    flags = excluded_lines(lines, Exclusions(networks=(V4, V6)))
    assert flags.to_list() == [True, True, False, False]


def test_addresses_are_tested_once_per_distinct_address(monkeypatch: pytest.MonkeyPatch) -> None:
    tested: list[str] = []

    def counted(text: str, networks: tuple[object, ...]) -> bool:
        tested.append(text)
        return text == "198.51.100.7"

    monkeypatch.setattr(exclusions, "address_in", counted)
    ips = ["198.51.100.7", "203.0.113.7"] * 500
    lines = pl.DataFrame({"ip": ips, "path": ["/"] * 1000, "query": [None] * 1000})
    flags = excluded_lines(lines, Exclusions(networks=(V4,)))
    assert sorted(tested) == ["198.51.100.7", "203.0.113.7"]
    assert flags.sum() == 500


def test_paths_are_matched_as_destination_goals_are() -> None:
    lines = pl.DataFrame(
        {
            "ip": ["192.0.2.1"] * 5,
            "path": ["/WP-Admin/x", "/wp-adminx", "/cart", "/cart", "/shop"],
            "query": [None, None, "test=1", None, "test=1"],
        }
    )
    paths = (
        DestinationMatcher(StringMatcher("glob", "/wp-admin/**")),
        DestinationMatcher(StringMatcher("equals", "/cart?test=1"), include_query=True),
    )
    assert excluded_lines(lines, Exclusions(paths=paths)).to_list() == [
        True, False, True, False, False,
    ]  # fmt: skip


# --- errors --------------------------------------------------------------------------------------


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_goals(text, path="goals.yaml")
    return caught.value.problems


def test_the_exclude_section_is_read() -> None:
    config = parse_goals(GOALS + EXCLUDE + "  # comment\n", path="goals.yaml")
    assert config.exclude == Exclusions(
        networks=(ip_network("203.0.113.7/32"),),
        paths=(DestinationMatcher(StringMatcher("begins_with", "/wp-admin")),),
    )


def test_wrong_exclusions_name_their_line() -> None:
    text = GOALS + (
        "exclude:\n"
        "  ips: [203.0.113.7, office, 198.51.100.7/24, 2001:db8::/129]\n"
        "  paths:\n"
        "    - /wp-admin\n"
        "    - {beginswith: /admin}\n"
        "    - {regex: '('}\n"
        "  hosts: [shop.example]\n"
    )
    assert problems_of(text) == [
        "goals.yaml:9:22: invalid address in exclude: ips: 'office' is no IP address or "
        "network (give one such as 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32)",
        "goals.yaml:9:30: invalid address in exclude: ips: '198.51.100.7/24' has bits set "
        "past its prefix: the network is 198.51.100.0/24",
        "goals.yaml:9:47: invalid address in exclude: ips: '2001:db8::/129' is no IP address "
        "or network (give one such as 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32)",
        "goals.yaml:12:8: unknown key 'beginswith' in path 2 of exclude (expected one of "
        "equals, begins_with, contains, regex, glob, one_of, case_sensitive, include_query); "
        "did you mean 'begins_with'?",
        "goals.yaml:13:15: invalid regex '(': unclosed group",
        "goals.yaml:14:3: unknown key 'hosts' in exclude (expected one of ips, paths)",
    ]


def test_exclusions_of_the_wrong_shape_are_errors() -> None:
    assert problems_of(GOALS + "exclude: [203.0.113.7]\n") == [
        "goals.yaml:8:10: invalid exclude: expected a mapping with ips and/or paths, got a list"
    ]
    assert problems_of(GOALS + "exclude:\n  ips: 203.0.113.7\n  paths: /wp-admin\n") == [
        "goals.yaml:9:8: invalid exclude: ips: expected a list of addresses and networks, "
        "got the string '203.0.113.7'",
        "goals.yaml:10:10: invalid exclude: paths: expected a list of path matchers, got the "
        "string '/wp-admin'",
    ]


def test_check_counts_the_exclusions(tmp_path: Path) -> None:
    """An address is a network of one; each path matcher counts once."""
    exclude = "exclude:\n  ips: [203.0.113.7, 198.51.100.0/24]\n  paths: [/wp-admin]\n"
    path = goals_file(tmp_path, GOALS + exclude)
    result = invoke("check", path)
    assert (result.exit_code, result.stdout) == (
        0, f"{path}: OK, 2 goals (1 macro, 1 micro), 2 excluded networks, 1 excluded path\n"
    )  # fmt: skip


def test_a_wrong_exclusion_fails_check_with_exit_2(tmp_path: Path) -> None:
    path = goals_file(tmp_path, GOALS + "exclude:\n  ips: [office]\n")
    result = invoke("check", path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"micromacro: error: {path}:9:9: invalid address in exclude: ips: 'office' is no IP "
        "address or network (give one such as 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32)\n"
    )


@pytest.mark.parametrize("command", ["report", "alert", "hits", "suggest"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("office", "'office' is no IP address or network (give one such as 203.0.113.7, "
         "198.51.100.0/24 or 2001:db8::/32)"),
        ("10.1.2.3/8", "'10.1.2.3/8' has bits set past its prefix: the network is 10.0.0.0/8"),
    ],
)  # fmt: skip
def test_a_wrong_exclude_ip_is_a_usage_error(
    tmp_path: Path, command: str, value: str, reason: str
) -> None:
    result = invoke(command, OWNER_LOG, "--exclude-ip", value)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"micromacro: error: Invalid value for '--exclude-ip': {reason} "
        f"(see 'cli {command} --help')\n"
    )


def test_the_readme_quotes_the_whole_exclude_ip_error() -> None:
    result = CliRunner().invoke(
        cli, ["report", OWNER_LOG, "--exclude-ip", "198.51.100.7/24"], prog_name="micromacro"
    )
    assert result.exit_code == 2
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"`{result.stderr.strip()}`" in readme


# --- the hit cache -------------------------------------------------------------------------------


def test_other_exclusions_never_read_a_wrong_cached_bucket(tmp_path: Path) -> None:
    """One cache directory, the exclusions changed between runs: every cached run gives the
    JSON of a run without the cache, byte for byte (an entry of other exclusions is another
    entry, never read)."""
    goals = goals_file(tmp_path, GOALS)
    runs = [[], ["--exclude-ip", "203.0.113.7"], ["--exclude-ip", "192.0.2.0/24"], []]
    for options in [*runs, *runs]:
        args = ["report", OWNER_LOG, "--goals", goals, "--format", "json", *options]
        cached, uncached = invoke(*args), invoke(*args, "--no-cache")
        assert cached.exit_code == uncached.exit_code == 0, cached.stderr
        assert cached.stdout == uncached.stdout
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "micromacro"
    assert len(list(folder.glob("hits-*.parquet"))) == 3  # one per set of exclusions


def test_the_cache_key_holds_the_exclusions(tmp_path: Path) -> None:
    """A run that wrote the cache, then one with other exclusions: that one reads the file
    again, and gives the other buckets."""
    args = ["report", OWNER_LOG, "--goals", goals_file(tmp_path, GOALS), "--format", "json"]
    first = json.loads(invoke(*args).stdout)
    second = json.loads(invoke(*args, "--exclude-ip", "192.0.2.44").stdout)
    assert (first["input"]["page"], first["input"]["redirect"]) == (6, 1)
    assert (second["input"]["excluded"], second["input"]["page"]) == (3, 4)


# --- event exports -------------------------------------------------------------------------------

EXPORT = """event_time,user_id,event,page_url
2026-11-02T09:00:00Z,u1,page_view,https://shop.example/
2026-11-02T09:01:00Z,owner,page_view,https://shop.example/wp-admin/
2026-11-02T09:02:00Z,owner,add_to_cart,https://shop.example/wp-admin/orders?id=3
2026-11-02T09:03:00Z,u1,page_view,https://shop.example/checkout/thank-you
2026-11-02T09:04:00Z,owner,page_view,https://shop.example/products/1
"""
EXPORT_GOALS = """source:
  timestamp: event_time
  user_id: user_id
  event_name: event
  url: page_url
  pageview: {column: event, equals: page_view}
goals:
  - {name: purchase, kind: macro, destination: /checkout/thank-you}
  - {name: add_to_cart, kind: micro, event: {name: add_to_cart}}
"""


def test_an_exports_rows_on_excluded_paths_are_excluded(tmp_path: Path) -> None:
    """Rows 2 (a pageview) and 3 (an event) are on /wp-admin: excluded; the owner's session
    is left its row 5, and add_to_cart no conversion."""
    export = tmp_path / "events.csv"
    export.write_text(EXPORT)
    plain = report_json(str(export), "--goals", goals_file(tmp_path, EXPORT_GOALS))
    assert figures(plain)[1:] == (2, 2, {"purchase": 1, "add_to_cart": 1})
    excluded = EXPORT_GOALS + "exclude:\n  paths: [{begins_with: /wp-admin}]\n"
    report = report_json(str(export), "--goals", goals_file(tmp_path, excluded, "ex.yaml"))
    summary, sessions, visitors, conversions = figures(report)
    assert summary == {
        "lines": 5,
        "files": 1,
        "format": "csv",
        "malformed": 0,
        "skipped": 0,
        "excluded": 2,
        "page": 3,
        "event": 0,
    }
    assert (sessions, visitors, conversions) == (2, 2, {"purchase": 1, "add_to_cart": 0})


LINKING_EXPORT = """event_time,user_id,anonymous_id,event,page_url
2026-11-02T09:00:00Z,,a1,page_view,https://shop.example/
2026-11-02T10:00:00Z,,a2,page_view,https://shop.example/pricing
2026-11-02T11:00:00Z,u9,a1,page_view,https://shop.example/wp-admin/
2026-11-02T11:01:00Z,u9,a2,page_view,https://shop.example/wp-admin/
"""


def test_an_exports_excluded_rows_still_tie_its_ids(tmp_path: Path) -> None:
    """u9's rows 3 and 4, on /wp-admin, are excluded, yet tie a1 and a2 to u9, as rows outside
    the period would: rows 1 and 2 are one visitor's two sessions (an hour apart)."""
    export = tmp_path / "linked.csv"
    export.write_text(LINKING_EXPORT)
    mapping = EXPORT_GOALS.replace(
        "  user_id: user_id\n", "  user_id: user_id\n  anonymous_id: anonymous_id\n"
    )
    goals = mapping + "exclude:\n  paths: [{begins_with: /wp-admin}]\n"
    report = report_json(str(export), "--goals", goals_file(tmp_path, goals))
    summary, sessions, visitors, _ = figures(report)
    assert (summary["excluded"], summary["page"], sessions, visitors) == (2, 2, 2, 1)


def _ga4_row(micros: int, event: str, session: int, page: str | None = None) -> str:
    params: list[dict[str, Any]] = [{"key": "ga_session_id", "value": {"int_value": str(session)}}]
    if page is not None:
        params.append({"key": "page_location", "value": {"string_value": page}})
    row = {
        "event_date": "20261102",
        "event_timestamp": str(micros),
        "event_name": event,
        "event_params": params,
        "user_id": None,
        "user_pseudo_id": f"{session}.{session}",
    }
    return json.dumps(row) + "\n"


def test_a_ga4_session_of_excluded_pages_keeps_its_session_start(tmp_path: Path) -> None:
    """Session 2's pageviews are on /wp-admin, excluded; its session_start names no page, so
    it stays, a session of one session_only row (decisions: event exports)."""
    export = tmp_path / "ga4.ndjson"
    export.write_text(
        _ga4_row(1793610000000000, "session_start", 1)
        + _ga4_row(1793610000000000, "page_view", 1, "https://s.example/")
        + _ga4_row(1793620000000000, "session_start", 2)
        + _ga4_row(1793620001000000, "page_view", 2, "https://s.example/wp-admin/")
        + _ga4_row(1793620060000000, "page_view", 2, "https://s.example/wp-admin/edit")
    )
    goals = "source: {preset: ga4}\ngoals:\n  - {name: t, kind: macro, destination: /thanks}\n"
    excluding = goals + "exclude:\n  paths: [{begins_with: /wp-admin}]\n"
    summary, sessions, visitors, _ = figures(
        report_json(str(export), "--goals", goals_file(tmp_path, excluding))
    )
    assert (summary["excluded"], summary["session_only"], summary["page"]) == (2, 2, 1)
    assert (sessions, visitors) == (2, 2)


def test_an_export_is_excluded_by_path_alone(tmp_path: Path) -> None:
    """An export maps no address: the addresses to exclude are named as ignored."""
    export = tmp_path / "events.csv"
    export.write_text(EXPORT)
    args = ["report", str(export), "--goals", goals_file(tmp_path, EXPORT_GOALS)]
    result = invoke(*args, "--exclude-ip", "203.0.113.7", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert (
        "micromacro: warning: exclude: ips and --exclude-ip: event exports map no address "
        "(ignored)\n"
    ) in result.stderr
    assert "excluded" not in json.loads(result.stdout)["input"]


def test_an_exports_exclusions_apply_to_its_cached_rows(tmp_path: Path) -> None:
    """The export's entry holds no exclusion: runs with and without exclude: paths on one
    cache directory give the JSON of runs without the cache."""
    export = tmp_path / "events.csv"
    export.write_text(EXPORT)
    plain = goals_file(tmp_path, EXPORT_GOALS)
    excluding = EXPORT_GOALS + "exclude:\n  paths: [{begins_with: /wp-admin}]\n"
    paths = goals_file(tmp_path, excluding, "ex.yaml")
    for goals in (plain, paths, plain, paths):
        args = ["report", str(export), "--goals", goals, "--format", "json"]
        cached, uncached = invoke(*args), invoke(*args, "--no-cache")
        assert cached.exit_code == uncached.exit_code == 0, cached.stderr
        assert cached.stdout == uncached.stdout


def test_the_examples_exclude_block_reads() -> None:
    """goals.example.yaml's commented exclude: section, uncommented, is a valid section."""
    text = (Path(__file__).parent.parent / "goals.example.yaml").read_text()
    start = text.index("# exclude:\n")
    section = "\n".join(line.removeprefix("# ") for line in text[start:].splitlines())
    config = parse_goals(text[:start] + section + "\n", path="goals.example.yaml")
    assert [str(network) for network in config.exclude.networks] == [
        "203.0.113.7/32", "198.51.100.0/24", "2001:db8::/32",
    ]  # fmt: skip
    assert config.exclude.paths == (
        DestinationMatcher(StringMatcher("equals", "/health")),
        DestinationMatcher(StringMatcher("begins_with", "/wp-admin")),
    )


@pytest.mark.parametrize(
    ("client_ip", "network", "excluded"),
    [
        ("remote", "203.0.113.10", 0),  # a forwarded address, not the connecting one
        ("first-forwarded", "203.0.113.10", 3),  # lines 1, 3 and 4
        ("remote", "10.0.0.0/8", 8),  # the proxy's: every line but 7 and 10
        ("first-forwarded", "10.0.0.0/8", 1),  # line 8 forwards a private address alone
    ],
)
def test_the_address_is_the_one_client_ip_chose(
    client_ip: str, network: str, excluded: int
) -> None:
    log = str(FIXTURES / "nginx_xff_fields.log")
    args = [log, "--client-ip", client_ip, "--exclude-ip", network]
    assert report_json(*args)["input"]["excluded"] == excluded


def test_lines_without_an_address_are_not_excluded_by_address() -> None:
    lines = pl.DataFrame(
        {"ip": [None, None], "path": ["/", "/wp-admin"], "query": [None, None]},
        schema={"ip": pl.String, "path": pl.String, "query": pl.String},
    )
    owner = Exclusions(
        networks=(V4,), paths=(DestinationMatcher(StringMatcher("equals", "/wp-admin")),)
    )
    assert excluded_lines(lines, owner).to_list() == [False, True]
