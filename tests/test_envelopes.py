"""Access logs that reach their file through another program: a syslog daemon's header, what
docker, Compose and kubectl put before a line, Docker's json-file records. The line inside is
read with its own format, detected or named (``syslog:combined``), and messages quote the
whole line.

The headers are those the programs write: rsyslog's traditional and high-precision file
formats and RFC 5424's, journalctl's ``short``, ``short-precise`` and ``short-iso``,
``docker logs --timestamps``, ``docker compose logs``, ``kubectl logs --prefix``, a CRI
runtime's log file (``/var/log/containers/*.log``) and Docker's ``json-file`` driver.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from micromacro.cli import cli
from micromacro.logformats import detect_format, parse_access_lines, resolve_format
from micromacro.logformats.envelopes import CONTAINER, DOCKER, ENVELOPES, SYSLOG, envelopes_of
from tests.helpers import lines_frame

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def clf(path: str, second: int, ip: str = "203.0.113.7", agent: str = UA) -> str:
    """A combined line at 15:10:SS on 6 December 2026, in +01:00."""
    return (
        f'{ip} - - [06/Dec/2026:15:10:{second:02d} +0100] "GET {path} HTTP/1.1" 200 512 '
        f'"-" "{agent}"'
    )


LINE = clf("/pricing", 1)
# Each header as its program writes it before LINE, by envelope.
HEADERS = {
    "syslog": [
        "Dec  6 14:10:01 web1 nginx: ",  # rsyslog's traditional format, a day padded by a space
        "Dec 16 14:10:01 web1 nginx: ",
        "<190>Dec  6 14:10:01 web1 nginx: ",  # as nginx sends it, with its priority
        "Dec 06 14:10:01 web1 nginx[812]: ",  # journalctl -o short
        "Dec 06 14:10:01.123456 web1 nginx[812]: ",  # journalctl -o short-precise
        "2026-12-06T14:10:01+0000 web1 nginx[812]: ",  # journalctl -o short-iso
        "2026-12-06T14:10:01.123456+00:00 web1 nginx: ",  # rsyslog's high-precision format
        "<190>1 2026-12-06T14:10:01.123Z web1 nginx 812 - - ",  # RFC 5424
        '<190>1 2026-12-06T14:10:01Z web1 nginx - access [origin ip="10.0.0.5" x="a\\"]"] ',
        "<190>1 - web1 nginx - - - \ufeff",  # no time, a message starting with a BOM
        "Dec  6 14:10:01 web1 docker/3f2a9c1b[812]: ",  # a tag holding a slash
        # RSYSLOG_SyslogProtocol23Format keeps the space a BSD sender's message starts with.
        "<190>1 2026-12-06T14:10:01+00:00 web1 nginx - - -  ",
        "Dec  6 14:10:01 web1 nginx:  ",
        "Sun 2026-12-06 14:10:01 UTC web1 nginx[812]: ",  # journalctl -o short-full
        "Sun 2026-12-06 15:10:01 CET web1 nginx.service[812]: ",  # journalctl -o with-unit
        "1796547600.123456 web1 nginx[812]: ",  # journalctl -o short-unix
        "[ 1234.567890] web1 nginx[812]: ",  # journalctl -o short-monotonic
    ],
    "container": [
        "2026-12-06T14:10:01.123456789Z ",  # docker logs --timestamps, kubectl --timestamps
        "2026-12-06T14:10:01.123456789Z stdout F ",  # a CRI runtime's log file
        "2026-12-06T14:10:01.123456789+01:00 stderr F ",
        "web-1  | ",  # docker compose logs
        "shop_web_1   | ",  # docker-compose 1
        "web-1  | 2026-12-06T14:10:01.123456789Z ",  # docker compose logs --timestamps
        "[pod/web-5d9c7b-x2x4q/nginx] ",  # kubectl logs --prefix
        "[pod/web-5d9c7b-x2x4q/nginx] 2026-12-06T14:10:01.123456789Z ",
        "shop_web.1.k3j5h2g8f9d0@node-1    | ",  # docker service logs (Swarm)
        "2026-12-06T10:00:00.123456789+01:00 ",  # podman logs -t
    ],
}
# Lines of other formats that no envelope takes anything from.
UNWRAPPED = [
    LINE,
    "2026-12-06 14:10:01 10.0.0.1 GET /pricing - 443 - 203.0.113.7 Mozilla/5.0 - 200 0 0 15",
    '{"time":"2026-12-06T15:10:01+01:00","request":"GET / HTTP/1.1","status":200}',
    '[06/Dec/2026:15:10:01 +0100] 203.0.113.7 TLSv1.3 TLS_AES_128_GCM_SHA256 "GET / HTTP/1.1" 512',
]


def contents(envelope_name: str, lines: list[str]) -> list[str]:
    """The lines inside ``lines`` as the envelope's whole-column expression takes them out."""
    envelope = ENVELOPES[envelope_name]
    frame = pl.DataFrame({"line": pl.Series(lines, dtype=pl.String)})
    return frame.select(envelope.contents()).to_series().to_list()


@pytest.mark.parametrize(("name", "header"), [(n, h) for n, hs in HEADERS.items() for h in hs])
def test_each_header_is_taken_off_the_line(name: str, header: str) -> None:
    assert contents(name, [header + LINE]) == [LINE]
    assert ENVELOPES[name].unwrap(header + LINE) == LINE
    # An ISO 8601 syslog header starts like a container's time stamp: detection tries both.
    assert ENVELOPES[name] in envelopes_of([header + LINE])
    assert detect_format([header + LINE]).format.name == f"{name}:combined"


def compact(record: dict[str, object]) -> str:
    """A JSON record as log shippers write it: no spaces."""
    return json.dumps(record, separators=(",", ":"))


@pytest.mark.parametrize(
    ("name", "record"),
    [
        # Docker's json-file driver; a line ended by CR LF.
        ("docker", {"log": LINE + "\n", "stream": "stdout", "time": "2026-12-06T14:10:01.1Z"}),
        ("docker", {"log": LINE + "\r\n", "stream": "stderr", "time": "2026-12-06T14:10:01.1Z"}),
        # Fluent Bit's json_lines output, and Docker's fluentd driver: "log" is not first.
        ("docker", {"date": 1796547600.123, "stream": "stdout", "_p": "F", "log": LINE}),
        ("docker", {"container_id": "5f1c3a9b2d4e", "source": "stdout", "log": LINE}),
        # Filebeat: "log" is an object there, the line is "message".
        ("message", {"@timestamp": "t", "log": {"offset": 0}, "message": LINE}),
        ("message", {"__CURSOR": "s=abc", "SYSLOG_IDENTIFIER": "nginx", "MESSAGE": LINE}),
        ("message", {"_index": "filebeat", "_source": {"@timestamp": "t", "message": LINE}}),
    ],
)
def test_json_records_hold_the_line(name: str, record: dict[str, object]) -> None:
    line = compact(record)
    assert contents(name, [line]) == [LINE]
    assert ENVELOPES[name].unwrap(line) == LINE
    assert envelopes_of([line]) == [ENVELOPES[name]]
    assert detect_format([line]).format.name == f"{name}:combined"


def test_a_lone_surrogate_in_a_record_is_no_crash(tmp_path: Path) -> None:
    """A JSON escape of half a UTF-16 pair (no character) in a sampled record: no line is in
    it, in detection as in the whole-column read (which reads no such value), and the record is
    malformed."""
    records = [compact({"log": PAGES[0] + "\n"}), '{"log":"\\ud800\\n","stream":"stdout"}']
    assert DOCKER.unwrap(records[1]) == records[1]
    assert contents("docker", records[1:]) == records[1:]
    data, _ = report(tmp_path, "web.log", records)
    assert (data["input"]["format"], data["input"]["page"], data["input"]["malformed"]) == (
        "docker:combined", 1, 1,
    )  # fmt: skip


@pytest.mark.parametrize("line", UNWRAPPED)
def test_lines_of_other_formats_are_left_whole(line: str) -> None:
    for name in ENVELOPES:
        assert contents(name, [line]) == [line]
        assert ENVELOPES[name].unwrap(line) == line
    assert envelopes_of([line]) == []


def test_an_envelope_counts_when_it_wraps_half_the_lines() -> None:
    wrapped = "Dec  6 14:10:01 web1 nginx: " + LINE
    assert envelopes_of([wrapped, LINE, "", "  "]) == [SYSLOG]  # 1 of 2 non-blank lines
    assert envelopes_of([wrapped, LINE, LINE]) == []
    assert envelopes_of(["", " "]) == []


# A server's line: a client address first (as every format an envelope holds starts), then
# anything but a line break: quotes, brackets, colons, another header's look.
server_lines = st.from_regex(r"[0-9a-f.:]{1,20} [^\r\n]{0,60}", fullmatch=True)
any_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
    max_size=60,
)
headers = st.sampled_from([(n, h) for n, hs in HEADERS.items() for h in hs])


@given(header=headers, inner=server_lines)
def test_the_line_inside_is_what_follows_the_header(header: tuple[str, str], inner: str) -> None:
    name, text = header
    assert contents(name, [text + inner]) == [inner]
    assert ENVELOPES[name].unwrap(text + inner) == inner


@given(text=any_text)
def test_polars_and_python_take_the_same_line_out(text: str) -> None:
    """What a line is inside its envelope is the same in the whole-column expression and in
    Python (which messages and format suggestions use), whatever the line."""
    for name, envelope in ENVELOPES.items():
        assert contents(name, [text]) == [envelope.unwrap(text)]


@given(inner=any_text)
def test_a_docker_record_gives_back_any_line(inner: str) -> None:
    """Written by Docker (no spaces) or another shipper (``json.dumps``' spaces), with the line
    first or after other keys."""
    records = [
        compact({"log": inner + "\n", "stream": "stdout"}),
        json.dumps({"stream": "stdout", "log": inner + "\n", "time": "t"}),
    ]
    assert contents("docker", records) == [inner, inner]
    assert [DOCKER.unwrap(record) for record in records] == [inner, inner]


# --- Detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        ([f"Dec  6 14:10:0{n} web1 nginx: {clf('/', n)}" for n in range(3)], "syslog:combined"),
        ([f"web-1  | {clf('/', n)}" for n in range(3)], "container:combined"),
        (
            [f"2026-12-06T14:10:0{n}.5Z stdout F {clf('/', n)}" for n in range(3)],
            "container:combined",
        ),
        (
            [
                json.dumps({"log": clf("/", n) + "\n", "stream": "stdout"}, separators=(",", ":"))
                for n in range(3)
            ],
            "docker:combined",
        ),
        (
            [
                '<190>Dec  6 14:10:01 web1 nginx: {"time_iso8601":"2026-12-06T15:10:01+01:00",'
                '"remote_addr":"203.0.113.7","request":"GET / HTTP/1.1","status":"200",'
                '"body_bytes_sent":"512","http_referer":"","http_user_agent":"curl/8.5.0"}'
            ],
            "syslog:nginx_json",
        ),
    ],
)
def test_detection_reads_the_line_inside(lines: list[str], name: str) -> None:
    detection = detect_format(lines)
    assert detection.format.name == name
    assert (detection.parsed, detection.sampled) == (len(lines), len(lines))


@pytest.mark.parametrize(
    "header", ["May 10 08:01:05 lb1 haproxy[812]: ", "2023-05-10T08:01:05+00:00 lb1 haproxy[812]: "]
)
def test_a_format_that_reads_its_own_header_is_not_enveloped(header: str) -> None:
    """HAProxy's reader reads its syslog header, and its own messages only after it: the lines
    are read as they are (an ISO 8601 header starts like a container's time stamp too)."""
    request = (
        "198.51.100.24:51236 [10/May/2023:08:01:04.100] fe_https~ be_app/app1 0/0/1/2/3 200 "
        '1024 - - ---- 1/1/0/0/0 0/0 "GET /p/1 HTTP/1.1"'
    )
    lines = [header + request, header + "Proxy www started.", header + "Proxy www started."]
    detection = detect_format(lines)
    assert detection.format.name == "haproxy"
    assert (detection.parsed, detection.sampled) == (1, 3)


def test_a_log_that_starts_like_an_envelope_is_read_as_it_is() -> None:
    """A classic ELB line starts with a time stamp as ``docker logs --timestamps`` writes it:
    what follows is no line of a format, so the ELB's own reader reads it."""
    line = (
        "2026-12-06T14:10:01.123456Z my-elb 203.0.113.7:51234 10.0.0.5:80 0.000 0.001 0.000 "
        '200 200 0 512 "GET https://shop.example:443/pricing HTTP/1.1" "curl/8.5.0" - -'
    )
    assert CONTAINER in envelopes_of([line])
    assert detect_format([line]).format.name == "elb"


@pytest.mark.parametrize(
    "header",
    ["2026-12-06T14:10:01.123456789Z ", "[pod/web-5d9c7b-x2x4q/nginx] ", "<190>1 - h n - - - "],
)
def test_an_envelope_read_as_fields_is_the_envelope(header: str) -> None:
    """The Common Log Format's general reader reads these headers too, as a virtual host or a
    client with a user holding spaces: where reading inside the envelope reads as many lines
    but other fields, the envelope is the reading (its header is no virtual host)."""
    detection = detect_format([header + LINE])
    assert detection.format.envelope is not None
    fields = parse_access_lines(lines_frame([header + LINE]).lazy(), detection.format)
    assert fields.select("ip", "host").collect().row(0) == ("203.0.113.7", None)


def test_the_envelope_is_kept_only_when_it_reads_more_lines() -> None:
    """A log of plain lines with a few syslog ones is read as it is: the envelope would read
    no more of it."""
    lines = [clf("/", 1), clf("/", 2), "Dec  6 14:10:01 web1 nginx: " + clf("/", 3)]
    assert detect_format(lines).format.name == "combined"


def test_lines_are_read_as_inside_and_given_back_whole() -> None:
    header = "Dec  6 14:10:01 web1 nginx: "
    lines = [header + clf("/a", 1), header + "worker process 4242 exited", clf("/b", 2)]
    parsed = parse_access_lines(
        lines_frame(lines).lazy(), resolve_format("syslog:combined")
    ).collect()
    assert parsed.get_column("line").to_list() == lines
    assert parsed.get_column("parsed").to_list() == [True, False, True]
    assert parsed.get_column("path").to_list() == ["/a", None, "/b"]


def test_named_envelopes_and_their_errors() -> None:
    assert resolve_format("container:clf").name == "container:clf"
    string = resolve_format('syslog:$remote_addr [$time_local] "$request" $status')
    assert string.name.startswith("syslog:")
    runner = CliRunner()
    for name, error in [
        ("syslog:container:combined", "an envelope holds a log format, not another envelope"),
        ("syslog:nope", "unknown log format 'nope'"),
    ]:
        result = runner.invoke(cli, ["report", "-", "--log-format", name], input=LINE + "\n")
        assert result.exit_code == 2
        assert error in result.stderr


# --- End to end ------------------------------------------------------------------------------

# One visitor's three pages in 5 minutes (one session), a crawler's page, and a message of
# another program the syslog file holds.
PAGES = [
    clf("/", 1),
    clf("/pricing", 2),
    clf("/signup/thanks", 3),
    clf("/", 4, ip="66.249.66.1", agent="Googlebot/2.1 (+http://www.google.com/bot.html)"),
]
OTHER = "systemd[1]: Started Session 5 of user root."
GOALS = "goals:\n  - name: sign-up\n    kind: macro\n    destination: /signup/thanks\n"


def report(tmp_path: Path, name: str, lines: list[str], *args: str) -> tuple[dict, str]:
    log = tmp_path / name
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    goals = tmp_path / "goals.yaml"
    goals.write_text(GOALS, encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["report", str(log), "--goals", str(goals), "--format", "json", "--no-cache", *args],
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def test_a_syslog_file_reports_as_its_lines_do(tmp_path: Path) -> None:
    header = "Dec  6 14:10:0{} web1 nginx[812]: "
    wrapped = [header.format(n) + line for n, line in enumerate(PAGES)]
    wrapped.insert(2, "Dec  6 14:10:02 web1 " + OTHER)
    data, stderr = report(tmp_path, "nginx.log", wrapped)
    summary = data["input"]
    assert summary["format"] == "syslog:combined"
    assert {k: v for k, v in summary.items() if k in {"lines", "malformed", "bot", "page"}} == {
        "lines": 5,
        "malformed": 1,
        "bot": 1,
        "page": 3,
    }
    assert data["period"]["time_zone"] == "+01:00"  # the server's line's, not the header's
    assert data["summary"]["sessions"] == 1
    assert data["goals"][0]["conversions"] == 1
    # The malformed line is quoted whole, header and all.
    assert f"nginx.log:3: malformed line: Dec  6 14:10:02 web1 {OTHER}" in stderr
    assert "log format: syslog:combined (detected: 4 of 5 sample lines parsed)" in stderr
    plain, _ = report(tmp_path, "plain.log", PAGES)
    for key in ("summary", "goals", "period"):
        assert data[key] == plain[key]


@pytest.mark.parametrize("envelope", ["container", "docker"])
def test_container_logs_report_as_their_lines_do(tmp_path: Path, envelope: str) -> None:
    if envelope == "docker":
        wrapped = [
            json.dumps({"log": line + "\n", "stream": "stdout", "time": "t"}, separators=(",", ":"))
            for line in PAGES
        ]
    else:
        wrapped = [f"2026-12-06T14:10:0{n}.5Z stdout F {line}" for n, line in enumerate(PAGES)]
    data, _ = report(tmp_path, "web.log", wrapped)
    assert data["input"]["format"] == f"{envelope}:combined"
    assert (data["input"]["page"], data["input"]["bot"]) == (3, 1)
    assert data["goals"][0]["conversions"] == 1


def test_a_cached_report_of_an_enveloped_log_is_the_same(tmp_path: Path) -> None:
    log = tmp_path / "nginx.log"
    log.write_text("".join(f"web-1  | {line}\n" for line in PAGES), encoding="utf-8")
    args = ["report", str(log), "--format", "json", "--cache", str(tmp_path / "cache")]
    runner = CliRunner()
    cold, warm = runner.invoke(cli, args), runner.invoke(cli, args)
    assert cold.exit_code == warm.exit_code == 0
    assert cold.stdout == warm.stdout
    assert json.loads(cold.stdout)["input"]["format"] == "container:combined"
    # The same file named as plain combined is another reading of it, not the cached one.
    plain = runner.invoke(cli, [*args, "--log-format", "combined"])
    assert plain.exit_code == 1
    assert "no line parses as combined format" in plain.stderr


def test_unread_fields_suggest_a_format_in_the_envelope(tmp_path: Path) -> None:
    line = "Dec  6 14:10:01 web1 nginx: " + clf("/", 1) + " rt=0.004"
    _, stderr = report(tmp_path, "nginx.log", [line])
    assert "--log-format 'syslog:$remote_addr - $remote_user [$time_local]" in stderr
    assert "rt=$request_time'" in stderr


def test_formats_lists_and_detects_envelopes(tmp_path: Path) -> None:
    runner = CliRunner()
    listing = runner.invoke(cli, ["formats"])
    assert "syslog: a syslog header before each line" in listing.stdout
    assert 'docker: JSON records holding the line as "log"' in listing.stdout
    assert 'message: JSON records holding the line as "message"' in listing.stdout
    log = tmp_path / "web.log"
    log.write_text(f"web-1  | {LINE}\n", encoding="utf-8")
    detected = runner.invoke(cli, ["formats", "--detect", str(log)])
    assert "read inside the container envelope of the lines" in detected.stdout
    assert "chosen: container:combined" in detected.stdout


@pytest.mark.parametrize("name", list(ENVELOPES))
def test_each_envelopes_example_reads_as_combined(name: str) -> None:
    """The example ``micromacro formats`` shows of each envelope is detected as it says."""
    assert detect_format([ENVELOPES[name].example]).format.name == f"{name}:combined"


def test_a_log_behind_a_proxy_is_named_in_any_envelope(tmp_path: Path) -> None:
    """Twelve requests through one proxy (10.0.0.1), each from its own forwarded client: the
    warning that the proxy's address would be every visitor's, as for the plain log."""
    lines = [f'{clf("/", n, ip="10.0.0.1")} "198.51.100.{n + 1}"' for n in range(12)]
    records = [
        json.dumps({"log": line + "\n", "stream": "stdout", "time": "t"}, separators=(",", ":"))
        for line in lines
    ]
    _, stderr = report(tmp_path, "web.log", records)
    assert (
        "the X-Forwarded-For field names 12 clients in the first 12 requests, where the "
        "connecting address names 1"
    ) in stderr


def test_a_json_line_after_a_header_without_a_host() -> None:
    """``<190>Dec  6 15:00:01 nginx: {"time_local": …}``: the tag is ``nginx``, not the start
    of the JSON (a tag holds no quote or brace)."""
    line = (
        '<190>Dec  6 14:10:01 nginx: {"time_local": "06/Dec/2026:15:10:01 +0100", '
        '"remote_addr": "203.0.113.7", "request": "GET / HTTP/1.1", "status": "200"}'
    )
    assert detect_format([line]).format.name == "syslog:nginx_json"


def test_a_servers_own_iso_time_is_not_taken_for_the_containers(tmp_path: Path) -> None:
    """``docker compose logs`` without ``--timestamps`` of a log that starts with
    ``$time_iso8601``: the tools' times have fractions of a second, the server's has none."""
    lines = [
        f'web-1  | 2026-12-06T15:10:0{n}+01:00 203.0.113.7 "GET /p{n} HTTP/1.1" 200 512'
        for n in range(3)
    ]
    string = '$time_iso8601 $remote_addr "$request" $status $body_bytes_sent'
    data, _ = report(tmp_path, "web.log", lines, "--log-format", f"container:{string}")
    assert (data["input"]["lines"], data["input"]["page"]) == (3, 3)


def test_a_format_string_mismatch_is_placed_in_the_line_inside(tmp_path: Path) -> None:
    header = "Dec  6 14:10:01 web1 nginx: "
    string = '$remote_addr - $remote_user [$time_local] "$request" $status'
    good = '203.0.113.7 - - [06/Dec/2026:15:10:01 +0100] "GET / HTTP/1.1" 200'
    bad = '203.0.113.7 - - 06/Dec/2026:15:10:02 +0100 "GET / HTTP/1.1" 200'
    _, stderr = report(
        tmp_path, "web.log", [header + good, header + bad], "--log-format", f"syslog:{string}"
    )
    # Column 17 of the line inside: where its "[" is missing.
    assert "the nginx format string stops matching at column 17, at '['" in stderr


def test_a_format_named_without_its_envelope_says_which(tmp_path: Path) -> None:
    log = tmp_path / "web.log"
    log.write_text("".join(f"Dec  6 14:10:01 web1 nginx: {line}\n" for line in PAGES))
    result = CliRunner().invoke(cli, ["report", str(log), "--log-format", "combined"])
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "; its lines are wrapped in the syslog envelope: --log-format syslog:combined\n"
    )
    auto = CliRunner().invoke(cli, ["report", str(log), "--log-format", "syslog:auto"])
    assert auto.exit_code == 2
    assert "auto-detection finds envelopes itself" in auto.stderr
