"""Access logs read through a log collector's own output: Grafana Loki's ``logcli query``
(its default output and ``--output=jsonl``), Fluentd's ``out_file``, Fluent Bit's ``file``
output, and what stern and ``podman logs`` of several containers put before a line (read in the
``container`` envelope with docker's and kubectl's). The server's line inside is read with its
own format, detected or named (``loki:combined``), and messages quote the whole line.

Each wrapping is the one the tool writes, from its source or its documentation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from micromacro.cli import cli
from micromacro.logformats import detect_format
from micromacro.logformats.envelopes import ENVELOPES, envelopes_of
from micromacro.text import QUOTE_CHARS, inert
from tests.helpers import parse

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GOOGLEBOT = "Googlebot/2.1 (+http://www.google.com/bot.html)"


def clf(path: str, second: int, ip: str = "203.0.113.7", agent: str = FIREFOX) -> str:
    """A combined line at 15:10:SS on 6 December 2026, in +01:00."""
    return (
        f'{ip} - - [06/Dec/2026:15:10:{second:02d} +0100] "GET {path} HTTP/1.1" 200 512 '
        f'"-" "{agent}"'
    )


LINE = clf("/pricing", 1)
JSON_LINE = '{"remote_addr":"203.0.113.7","request":"GET /pricing HTTP/1.1","status":200}'


def compact(record: object) -> str:
    """JSON as Go's encoding/json writes it: no spaces."""
    return json.dumps(record, separators=(",", ":"))


# Each envelope's wrappings of a server's line, as its tool writes them.
WRAPPINGS: dict[str, list[Callable[[str], str]]] = {
    "loki": [
        # logcli query: the labels that are not common to every stream.
        lambda line: f'2026-12-06T14:10:01Z {{filename="/var/log/nginx/access.log"}} {line}',
        lambda line: (
            f'2026-12-06T14:10:01Z {{filename="/var/log/nginx/access.log", job="nginx"}} {line}'
        ),
        # One stream: every label is common, none is left; padding to the longest label set.
        lambda line: f"2026-12-06T14:10:01Z {{}} {line}",
        lambda line: f'2026-12-06T14:10:01Z {{pod="web-1"}}       {line}',
        # --timezone Local; a value Go quotes with escapes.
        lambda line: f'2026-12-06T15:10:01+01:00 {{app="a \\"b\\" {{c}}"}} {line}',
    ],
    "loki_jsonl": [
        # logcli query --output=jsonl: Go's encoding/json sorts a map's keys.
        lambda line: compact(
            {"labels": {"job": "nginx"}, "line": line, "timestamp": "2026-12-06T14:10:01Z"}
        ),
        # --no-labels
        lambda line: compact({"line": line, "timestamp": "2026-12-06T15:10:01.5+01:00"}),
    ],
    "fluentd": [
        # out_file of in_tail reading Docker's json-file logs, with the record's time parsed.
        lambda line: (
            "2026-12-06T15:10:01+01:00\tdocker.var.lib.docker.containers.3f2a.log\t"
            + compact({"log": line + "\n", "stream": "stdout"})
        ),
        # ... with Kubernetes' metadata added (the filter writes it after the record's keys).
        lambda line: (
            "2026-12-06T14:10:01+00:00\tkube.var.log.containers.web-1_default_nginx-3f2a.log\t"
            + compact(
                {
                    "log": line + "\n",
                    "stream": "stdout",
                    "docker": {"container_id": "3f2a"},
                    "kubernetes": {"pod_name": "web-1", "container_name": "nginx"},
                }
            )
        ),
        # in_tail of the access log itself with <parse> @type none; Fluentd 0.12's time.
        lambda line: f"2026-12-06T14:10:01+00:00\tnginx.access\t{compact({'message': line})}",
        lambda line: f"2026-12-06T15:10:01\tnginx.access\t{compact({'message': line})}",
    ],
    "fluentbit": [
        # file output of tail (no parser: the line as "log"); Fluent Bit 2 writes nanoseconds.
        lambda line: f"tail.0: [1796566201.123456789, {compact({'log': line})}]",
        # ... of tail with the docker parser and Kubernetes' metadata; before 2.0, microseconds.
        lambda line: (
            "kube.var.log.containers.web-1_default_nginx-3f2a.log: [1796566201.123456, "
            + compact(
                {
                    "stream": "stdout",
                    "log": line + "\n",
                    "kubernetes": {"pod_name": "web-1", "container_name": "nginx"},
                }
            )
            + "]"
        ),
        # ... of tail with the cri parser of its parsers file, whose line is "message".
        lambda line: (
            "kube.var.log.containers.web-1.log: [1796566201.123456789, "
            + compact({"stream": "stdout", "logtag": "F", "message": line})
            + "]"
        ),
    ],
    "container": [
        # stern: the pod and the container; a StatefulSet's pod; --timestamps.
        lambda line: f"web-5d9c7b-x2x4q nginx {line}",
        lambda line: f"web-0 nginx {line}",
        lambda line: f"web-5d9c7b-x2x4q nginx 2026-12-06T14:10:01.123456789Z {line}",
        # podman logs of several containers: each line's container id (its first 12 digits),
        # with -t its time (nanoseconds, zeros kept); with --names -t the name.
        lambda line: f"3f2a9c1b5d7e {line}",
        lambda line: f"3f2a9c1b5d7e 2026-12-06T15:10:01.100000000+01:00 {line}",
        lambda line: f"web 2026-12-06T15:10:01.100000000+01:00 {line}",
    ],
}
CASES = [(name, wrap) for name, wraps in WRAPPINGS.items() for wrap in wraps]


def contents(name: str, lines: list[str]) -> list[str]:
    """The lines inside ``lines`` as the envelope's whole-column expression takes them out."""
    frame = pl.DataFrame({"line": pl.Series(lines, dtype=pl.String)})
    return frame.select(ENVELOPES[name].contents()).to_series().to_list()


@pytest.mark.parametrize(("name", "wrap"), CASES)
def test_each_wrapping_gives_back_the_line(name: str, wrap: Callable[[str], str]) -> None:
    wrapped = wrap(LINE)
    assert contents(name, [wrapped]) == [LINE]
    assert ENVELOPES[name].unwrap(wrapped) == LINE
    assert envelopes_of([wrapped]) == [ENVELOPES[name]]
    assert detect_format([wrapped]).format.name == f"{name}:combined"


# A server's line: a client address first, then anything but a line break.
server_lines = st.from_regex(r"[0-9a-f.:]{1,20} [^\r\n]{0,60}", fullmatch=True)


@given(case=st.sampled_from(CASES), inner=server_lines)
def test_the_line_inside_is_what_the_tool_wrapped(
    case: tuple[str, Callable[[str], str]], inner: str
) -> None:
    name, wrap = case
    assert contents(name, [wrap(inner)]) == [inner]
    assert ENVELOPES[name].unwrap(wrap(inner)) == inner


def test_a_loki_time_without_labels_is_no_envelope() -> None:
    """``logcli --no-labels`` prints the time alone, as a server's ``$time_iso8601`` starts its
    line: no envelope takes it (name it with a format string that starts with the time)."""
    line = f"2026-12-06T14:10:01Z {LINE}"
    assert ENVELOPES["loki"].unwrap(line) == line


def test_a_fluent_bit_record_with_text_after_it_is_left_whole() -> None:
    """The record ends the line, in its bracket: after text that follows, it is no record."""
    line = f"tail.0: [1796566201.123456789, {compact({'log': LINE})}] {LINE}"
    assert contents("fluentbit", [line]) == [line]
    assert ENVELOPES["fluentbit"].unwrap(line) == line


@pytest.mark.parametrize(
    ("name", "wrapped"),
    [
        (
            "fluentd",
            "2026-12-06T15:10:01+01:00\tnginx\t"
            + compact({"log": {"file": "/x"}, "message": LINE}),
        ),
        ("fluentbit", f"tail.0: [1796566201.5, {compact({'log': ['x'], 'message': LINE})}]"),
        ("docker", compact({"log": JSON_LINE + "\n", "stream": "stdout"})),
        # Another member named "log" holding a plain string does not make this one text.
        (
            "fluentd",
            "2026-12-06T15:10:01+01:00\tnginx\t"
            + compact({"log": {"file": "/x"}, "k8s": {"log": "on"}, "message": LINE}),
        ),
    ],
)
def test_a_member_holding_an_object_is_no_line(name: str, wrapped: str) -> None:
    """A record's ``log`` that is an object or a list (Filebeat's ``"log":{"file":…}``) holds
    no line: the next key's is read, in the column as line by line; a line that is itself JSON
    text is a string, and read."""
    inner = JSON_LINE if name == "docker" else LINE
    assert contents(name, [wrapped]) == [inner]
    assert ENVELOPES[name].unwrap(wrapped) == inner


def test_podmans_container_id_is_no_virtual_host() -> None:
    """The id before each line reads as a virtual host too (``vhost_combined``): the envelope
    is the reading, and the line has no host."""
    detection = detect_format([f"3f2a9c1b5d7e {clf('/', n)}" for n in range(3)])
    assert (detection.format.name, detection.parsed) == ("container:combined", 3)
    parsed = parse([f"3f2a9c1b5d7e {LINE}"], detection.format)
    assert parsed.select("ip", "host", "path").row(0) == ("203.0.113.7", None, "/pricing")


def test_a_containers_name_alone_is_a_virtual_host() -> None:
    """``podman logs --names`` without ``-t`` writes the name alone, as a virtual host starts a
    ``vhost_combined`` line: it is read as one (the counts are the same)."""
    detection = detect_format([f"web {clf('/', n)}" for n in range(3)])
    assert detection.format.name == "vhost_combined"
    assert parse([f"web {LINE}"], detection.format).select("ip", "host").row(0) == (
        "203.0.113.7", "web",
    )  # fmt: skip


def test_a_syslog_header_is_not_taken_for_sterns_prefix() -> None:
    """journalctl's ``short-unix`` header starts with two words, as stern's pod and container:
    the lines inside both envelopes read alike (``nginx[812]:`` as a virtual host in the
    container's), and the first envelope that reads them, syslog, is kept."""
    line = f"1796547600.123456 web1 nginx[812]: {LINE}"
    assert ENVELOPES["container"] in envelopes_of([line])
    assert detect_format([line]).format.name == "syslog:combined"


# --- End to end ------------------------------------------------------------------------------

# Two visitors and a crawler: 203.0.113.7 views /, /pricing and /signup/thanks (one session, a
# conversion), 198.51.100.9 views /pricing (a second session), Googlebot views / (a bot); and a
# line of another program, which no format reads (malformed).
PAGES = [
    clf("/", 1),
    clf("/pricing", 2),
    clf("/pricing", 3, ip="198.51.100.9"),
    clf("/signup/thanks", 4),
    clf("/", 5, ip="66.249.66.1", agent=GOOGLEBOT),
]
OTHER = "worker exited"
GOALS = "goals:\n  - name: sign-up\n    kind: macro\n    destination: /signup/thanks\n"


# The first wrapping of each envelope, and podman's (the container envelope's first is stern's).
REPORTED = [(name, wraps[0]) for name, wraps in WRAPPINGS.items()] + [
    ("container", WRAPPINGS["container"][3])
]


@pytest.mark.parametrize(("name", "wrap"), REPORTED)
def test_a_log_in_the_envelope_reports_as_its_lines_do(
    tmp_path: Path, name: str, wrap: Callable[[str], str]
) -> None:
    lines = [wrap(line) for line in PAGES]
    lines.insert(2, wrap(OTHER))
    log = tmp_path / "web.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    goals = tmp_path / "goals.yaml"
    goals.write_text(GOALS, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["report", str(log), "--goals", str(goals), "--format", "json", "--no-cache"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    counts = ("format", "lines", "malformed", "bot", "page")
    assert [data["input"][key] for key in counts] == [f"{name}:combined", 6, 1, 1, 4]
    assert (data["summary"]["visitors"], data["summary"]["sessions"]) == (2, 2)
    assert (data["summary"]["pageviews"], data["goals"][0]["conversions"]) == (4, 1)
    assert data["period"]["time_zone"] == "+01:00"  # the server's line's, not the envelope's
    # The malformed line is quoted whole, envelope and all (as far as a message quotes).
    quoted = inert(wrap(OTHER), limit=QUOTE_CHARS)
    assert f"web.log:3: malformed line: {quoted}\n" in result.stderr
