"""Overlapping inputs: when two inputs hold the same counted lines (a rotated copy that overlaps
the live file), the hits are counted twice; a warning says so and suggests ``--dedupe``.

The logs are built by hand: ``access.log.1`` holds pages 1 to 64 (one a minute from 09:00 UTC),
``access.log`` pages 33 to 96, so 32 lines (09:32 to 10:03) are in both.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import micromacro.overlapping_inputs as overlapping_inputs
from micromacro.cli import cli
from micromacro.overlapping_inputs import REQUEST_SAMPLE, SAMPLE_HASH, OverlapSample
from tests.helpers import FIREFOX, GOOGLEBOT, combined_line

WARNING = (
    "micromacro: warning: {old} and {new} overlap (2026-11-02T09:32:00Z to 2026-11-02T10:03:00Z) "
    "and hold the same lines (about {shared} of the counted ones, from a sample of one in "
    "{every}): each copy is counted; --dedupe counts a line found in an earlier input once\n"
)


def page(number: int, agent: str = FIREFOX) -> str:
    hour, minute = divmod(9 * 60 + number - 1, 60)
    time = f"02/Nov/2026:{hour:02d}:{minute:02d}:00 +0000"
    return combined_line(f"/p/{number}", ip=f"203.0.113.{number % 50}", time=time, agent=agent)


def write(path: Path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


@pytest.fixture
def logs(tmp_path: Path) -> tuple[str, str]:
    old = write(tmp_path / "access.log.1", [page(n) for n in range(1, 65)])
    new = write(tmp_path / "access.log", [page(n) for n in range(33, 97)])
    return old, new


def run(*args: str) -> tuple[int, dict[str, object], str]:
    result = CliRunner().invoke(cli, ["report", *args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_every_shared_line_sampled(logs: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    old, new = logs
    # Named newest first: read oldest first, and named in that order.
    _, report, err = run(new, old)
    assert WARNING.format(old=old, new=new, shared=32, every=1) in err
    assert report["summary"]["pageviews"] == 128  # type: ignore[index]


def test_a_sample_finds_the_overlap(logs: tuple[str, str]) -> None:
    # One line in 16, by hash: which of the 32 are sampled depends on the hash, not their order.
    _, _, err = run(*logs)
    assert f"warning: {logs[0]} and {logs[1]} overlap (2026-11-02T09:32:00Z to " in err
    assert "from a sample of one in 16): each copy is counted; --dedupe counts" in err


def test_dedupe_is_quiet_and_counts_each_line_once(logs: tuple[str, str]) -> None:
    _, report, err = run(*logs, "--dedupe")
    assert "overlap" not in err
    assert report["summary"]["pageviews"] == 96  # type: ignore[index]
    assert report["input"]["duplicate"] == 32  # type: ignore[index]


def test_inputs_of_the_same_hours_without_shared_lines_are_no_overlap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two servers behind one load balancer: the same hours, different lines."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    one = write(tmp_path / "web1.log", [page(n) for n in range(1, 65, 2)])
    two = write(tmp_path / "web2.log", [page(n) for n in range(2, 65, 2)])
    _, report, err = run(one, two)
    assert "overlap" not in err
    assert report["summary"]["pageviews"] == 64  # type: ignore[index]


def test_shared_lines_that_are_not_counted_are_no_overlap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crawler's identical lines in both inputs do not change a figure: no warning."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    bot = [page(n, GOOGLEBOT) for n in range(1, 9)]
    one = write(tmp_path / "web1.log", [*bot, *(page(n) for n in range(10, 20))])
    two = write(tmp_path / "web2.log", [*bot, *(page(n) for n in range(20, 30))])
    _, report, err = run(one, two)
    assert "overlap" not in err
    assert report["input"]["bot"] == 16  # type: ignore[index]


def test_quiet_keeps_it_off_stderr(logs: tuple[str, str]) -> None:
    result = CliRunner().invoke(cli, ["report", *logs, "--quiet"])
    assert result.exit_code == 0
    assert result.stderr == ""


def test_the_estimate_is_never_more_than_the_lines_counted() -> None:
    # Three lines in each of two copies, all three in the sample (their sample hashes are
    # given, as the hit cache gives them): 3 × 16 would be 48 shared lines, of 3 counted.
    times = [datetime(2026, 11, 2, 9, minute, tzinfo=UTC) for minute in range(3)]
    sample = OverlapSample()
    for name in ("a.log", "b.log"):
        sample.add(
            pl.DataFrame(
                {"source_file": [name] * 3, "ts": times, SAMPLE_HASH: [16, 32, 48]},
                schema_overrides={SAMPLE_HASH: pl.UInt64},
            )
        )
    (warning,) = sample.warnings(["a.log", "b.log"])
    assert "hold the same lines (about 3 of the counted ones, from a sample of one in 16)" in (
        warning
    )


# --- The same requests in other layouts ------------------------------------------------------
# mod_ssl's ssl_request_log logs again each request of ssl_access_log, in a layout of its own:
# no line of one is a line of the other, but each request is counted twice.

SAME_REQUESTS = (
    "micromacro: warning: {a} and {b} log the same requests in other layouts (combined and "
    "ssl_request: about {about} of the counted ones, from a sample of one second in {every}): "
    "each is counted in both; read one of them (leave {b} out: its lines log no status and no user "
    "agent, so its errors count as pages and its visitors are counted a second time)\n"
)


def page_time(number: int) -> datetime:
    """When ``page(number)`` was requested."""
    hour, minute = divmod(9 * 60 + number - 1, 60)
    return datetime(2026, 11, 2, hour, minute, tzinfo=UTC)


def ssl_request(number: int) -> str:
    """``page(number)``'s request as mod_ssl's ssl_request_log logs it."""
    time = f"{page_time(number):%d/%b/%Y:%H:%M:%S} +0000"
    return (
        f'[{time}] 203.0.113.{number % 50} TLSv1.3 TLS_AES_256_GCM_SHA384 "GET /p/{number} '
        'HTTP/1.1" 512'
    )


@pytest.fixture
def httpd(tmp_path: Path) -> tuple[str, str]:
    """A RHEL httpd log directory's two logs of the same 40 HTTPS requests."""
    access = write(tmp_path / "ssl_access_log", [page(n) for n in range(1, 41)])
    requests = write(tmp_path / "ssl_request_log", [ssl_request(n) for n in range(1, 41)])
    return access, requests


def test_ssl_request_log_beside_ssl_access_log_is_named(
    httpd: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    access, requests = httpd
    _, report, err = run(access, requests)  # as a glob of the directory names them
    assert SAME_REQUESTS.format(a=access, b=requests, about=40, every=1) in err
    # Each request counted twice, and its visitor twice: 40 addresses, with and without an agent.
    assert report["summary"]["pageviews"] == 80  # type: ignore[index]
    assert report["summary"]["visitors"] == 80  # type: ignore[index]


def test_the_sample_is_of_seconds_so_both_copies_are_in_it(
    httpd: tuple[str, str], tmp_path: Path
) -> None:
    """One second in 16, from the cache as from the files: the pages' seconds in the sample,
    counted here apart, times 16, never more than the 40 lines counted."""
    sampled = sum(1 for n in range(1, 41) if int(page_time(n).timestamp()) % 16 == 0)
    about = min(sampled * 16, 40)
    expected = SAME_REQUESTS.format(a=httpd[0], b=httpd[1], about=about, every=16)
    cache = ["--cache", str(tmp_path / "cache")]
    for _ in ("read and kept", "from the cache", "again"):
        _, _, err = run(*httpd, *cache)
        assert expected in err
    _, _, err = run(*httpd, "--no-cache")
    assert expected in err


def test_dedupe_compares_lines_and_still_names_the_same_requests(
    httpd: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    _, report, err = run(*httpd, "--dedupe")
    assert SAME_REQUESTS.format(a=httpd[0], b=httpd[1], about=40, every=1) in err
    assert report["input"]["duplicate"] == 0  # type: ignore[index]
    assert report["summary"]["pageviews"] == 80  # type: ignore[index]


@pytest.mark.parametrize(("shared", "named"), [(0, False), (35, False), (36, True), (40, True)])
def test_nine_tenths_of_the_fewer_requests_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared: int, named: bool
) -> None:
    """access_log's HTTP requests and ssl_request_log's HTTPS ones, in the same minutes, are
    other requests; those shared by chance are not named: 36 of 40 are nine tenths, 35 are
    not."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    access = write(tmp_path / "access_log", [page(n) for n in range(1, 41)])
    others = [
        ssl_request(n) if n <= shared else ssl_request(n).replace(f"/p/{n} ", f"/q/{n} ")
        for n in range(1, 41)
    ]
    requests = write(tmp_path / "ssl_request_log", others)
    _, report, err = run(access, requests)
    expected = SAME_REQUESTS.format(a=access, b=requests, about=shared, every=1)
    assert (expected in err) is named
    assert ("same requests" in err) is named
    assert report["summary"]["pageviews"] == 80  # type: ignore[index]


def test_the_same_lines_are_the_line_hint_not_this_one(
    logs: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    _, _, err = run(*logs)
    assert "overlap (2026-11-02T09:32:00Z" in err
    assert "same requests" not in err


def test_layouts_that_both_read_the_user_agent_name_no_input_to_leave_out() -> None:
    """Requests as the hit cache gives them (their sampled hashes), of an Apache log in
    ``vhost_combined`` and of a virtual host's own log in ``combined``."""
    times = [datetime(2026, 11, 2, 9, minute, tzinfo=UTC) for minute in range(10)]
    sample = OverlapSample(requests=True)
    for name, variant in (("all.log", "vhost_combined"), ("shop.log", "combined")):
        sample.add(
            pl.DataFrame(
                {
                    "source_file": [name] * 10,
                    "line_no": list(range(1, 11)),
                    "ts": times,
                    "variant": [variant] * 10,
                    "status": [200] * 10,
                    "user_agent": [FIREFOX] * 10,
                    SAMPLE_HASH: [None] * 10,
                    REQUEST_SAMPLE: [7, 8, 9, 10, None, None, None, None, None, None],
                },
                schema_overrides={SAMPLE_HASH: pl.UInt64, REQUEST_SAMPLE: pl.UInt64},
            )
        )
    # The four sampled requests shared (all of each sample), times 16: 64, but never more than
    # the 10 lines counted.
    assert sample.warnings(["all.log", "shop.log"]) == [
        "all.log and shop.log log the same requests in other layouts (vhost_combined and "
        "combined: about 10 of the counted ones, from a sample of one second in 16): each is "
        "counted in both; read one of them"
    ]


@pytest.mark.parametrize(
    ("hosts", "more"),
    [
        (4, "1 more pair of inputs logs the same requests so"),
        (5, "2 more pairs of inputs log the same requests so"),
    ],
)
def test_past_three_pairs_the_rest_are_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hosts: int, more: str
) -> None:
    """Virtual hosts' ssl_request_logs beside their ssl_access_logs: a pair each, three named
    and the others counted."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    names = []
    for host in range(hosts):
        numbers = range(host * 10 + 1, host * 10 + 11)
        names.append(write(tmp_path / f"{host}_ssl_access_log", [page(n) for n in numbers]))
        names.append(write(tmp_path / f"{host}_ssl_request_log", [ssl_request(n) for n in numbers]))
    _, _, err = run(*names)
    assert err.count("log the same requests in other layouts") == 3
    assert f"micromacro: warning: {more}\n" in err


def test_rhels_own_layouts_name_the_log_without_a_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RHEL's ssl_access_log is written by TransferLog, in the common format: neither log has a
    user agent, and ssl_request_log's has no status either (its 404 is counted as a page)."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    common = [page(n).rsplit(' "-" ', 1)[0] for n in range(1, 41)]
    common[0] = common[0].replace(" 200 512", " 404 512")
    access = write(tmp_path / "ssl_access_log", common)
    requests = write(tmp_path / "ssl_request_log", [ssl_request(n) for n in range(1, 41)])
    _, report, err = run(access, requests)
    assert (
        f"micromacro: warning: {access} and {requests} log the same requests in other layouts "
        "(common and ssl_request: about 39 of the counted ones, from a sample of one second in "
        f"1): each is counted in both; read one of them (leave {requests} out: its lines log no "
        "status, so its errors count as pages)\n"
    ) in err
    assert report["input"]["error"] == 1  # type: ignore[index]
    assert report["summary"]["pageviews"] == 79  # type: ignore[index]


def test_a_forwarded_client_is_compared_by_the_address_both_logs_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a proxy, with --client-ip first-forwarded: ssl_access_log's client is the
    forwarded address, but both logs name the proxy's, which is what is compared."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    proxied = [
        page(n).replace(f"203.0.113.{n % 50} ", "10.0.0.1 ", 1) + f' "198.51.100.{n}"'
        for n in range(1, 41)
    ]
    behind = [ssl_request(n).replace(f"203.0.113.{n % 50} ", "10.0.0.1 ") for n in range(1, 41)]
    access = write(tmp_path / "ssl_access_log", proxied)
    requests = write(tmp_path / "ssl_request_log", behind)
    for client in ("remote", "first-forwarded"):
        _, _, err = run(access, requests, "--client-ip", client)
        assert (
            f"micromacro: warning: {access} and {requests} log the same requests in other "
            "layouts (combined+xff and ssl_request: about 40 of the counted ones" in err
        )


def test_servers_behind_a_balancer_logging_its_address_are_no_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two servers in two layouts, each line from the balancer's address: two pages a second
    each, of 13, so the same page in the same second on both now and then (worked out here
    apart: more than a tenth of the lines, less than half), which is no copy."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    one, two, shared = [], [], 0
    for second in range(600):
        time = f"{start + timedelta(seconds=second):%d/%b/%Y:%H:%M:%S} +0000"
        first = Counter((second * 7 + k) % 13 for k in range(2))
        other = Counter((second * 5 + k + 3) % 13 for k in range(2))
        shared += sum((first & other).values())
        for number in first.elements():
            one.append(combined_line(f"/p/{number}", ip="10.0.0.1", time=time))
        for number in other.elements():
            line = combined_line(f"/p/{number}", ip="10.0.0.1", time=time)
            two.append(f"www.example.com:80 {line}")
    assert 1200 / 10 < shared < 1200 / 2
    web1, web2 = write(tmp_path / "web1.log", one), write(tmp_path / "web2.log", two)
    _, report, err = run(web1, web2)
    assert "same requests" not in err
    assert report["summary"]["pageviews"] == 2400  # type: ignore[index]


def test_a_copy_of_part_of_the_time_is_named_by_that_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Logs rotated at other times: ssl_access_log holds pages 1 to 40, ssl_request_log 21 to
    60. Both hold 21 to 40, the whole of the time they share: that stretch is counted twice."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    access = write(tmp_path / "ssl_access_log", [page(n) for n in range(1, 41)])
    requests = write(tmp_path / "ssl_request_log", [ssl_request(n) for n in range(21, 61)])
    _, report, err = run(access, requests)
    assert SAME_REQUESTS.format(a=access, b=requests, about=20, every=1) in err
    assert report["summary"]["pageviews"] == 80  # type: ignore[index]


def test_redirects_to_https_are_other_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RHEL's access_log (combined) redirects each plain-HTTP request to HTTPS in the second
    ssl_access_log (common) logs it: with --include-redirects both are counted, and are no
    copies."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    moved = [page(n).replace(" 200 512 ", " 301 230 ") for n in range(1, 41)]
    http = write(tmp_path / "access_log", moved)
    https = write(
        tmp_path / "ssl_access_log", [page(n).rsplit(' "-" ', 1)[0] for n in range(1, 41)]
    )
    _, report, err = run(http, https, "--include-redirects")
    assert "same requests" not in err
    assert report["summary"]["pageviews"] == 80  # type: ignore[index]


def test_a_file_of_two_layouts_is_named_alike_read_or_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """all_log holds each request twice, as ssl_request_log and as ssl_access_log (common) log
    it; ssl_access_log holds them once. Its common lines are ssl_access_log's (the line hint),
    its ssl_request lines the same requests in another layout: named, whatever order the
    lines of each layout are added in (the read's, or the cache's)."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    common = [page(n).rsplit(' "-" ', 1)[0] for n in range(1, 41)]
    both = [line for n in range(1, 41) for line in (ssl_request(n), common[n - 1])]
    every = write(tmp_path / "all_log", both)
    access = write(tmp_path / "ssl_access_log", common)
    expected = (
        f"micromacro: warning: {every} and {access} log the same requests in other layouts "
        "(ssl_request and common: about 40 of the counted ones, from a sample of one second in "
        f"1): each is counted in both; read one of them (leave {every} out: its lines log no "
        "status, so its errors count as pages)\n"
    )
    cache = ["--cache", str(tmp_path / "cache")]
    errors = [run(every, access, *options)[2] for options in (["--no-cache"], cache, cache)]
    assert expected in errors[0]
    assert errors[1] == errors[0] == errors[2]


@pytest.mark.parametrize(("pages", "named"), [(3, False), (4, True)])
def test_a_copy_is_named_from_four_shared_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pages: int, named: bool
) -> None:
    """Three shared requests may be chance (a log just rotated, beside a balanced server's);
    four are named."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    access = write(tmp_path / "ssl_access_log", [page(n) for n in range(1, pages + 1)])
    requests = write(tmp_path / "ssl_request_log", [ssl_request(n) for n in range(1, pages + 1)])
    _, _, err = run(access, requests)
    expected = SAME_REQUESTS.format(a=access, b=requests, about=pages, every=1)
    assert (expected in err) is named


def test_logs_rotated_a_minute_apart_share_that_minute_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two balanced servers in two layouts, five pages a minute each, rotated a minute apart:
    web1's log ends at 09:40:00, web2's starts then, and in that second the same four pages from
    the balancer's address are on both. All the requests of the time both cover are shared,
    but they are 4 of web1's 204 and of web2's 204: no copy."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def balanced(seconds: int, target: str) -> str:
        time = f"{start + timedelta(seconds=seconds):%d/%b/%Y:%H:%M:%S} +0000"
        return combined_line(target, ip="10.0.0.1", time=time)

    shared = [balanced(2400, f"/both/{k}") for k in range(4)]
    one = [balanced(12 * n, f"/one/{n}") for n in range(200)]
    two = [f"www.example.com:80 {balanced(2412 + 12 * n, f'/two/{n}')}" for n in range(200)]
    web1 = write(tmp_path / "web1.log", [*one, *shared])
    web2 = write(tmp_path / "web2.log", [*(f"www.example.com:80 {x}" for x in shared), *two])
    _, report, err = run(web1, web2)
    assert "same requests" not in err
    assert report["summary"]["pageviews"] == 408  # type: ignore[index]


def test_not_modified_is_a_page_in_the_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 304 counts as a page: ssl_access_log's revisits are ssl_request_log's requests too."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    revisits = [page(n).replace(" 200 512 ", " 304 0 ") for n in range(1, 41)]
    access = write(tmp_path / "ssl_access_log", revisits)
    requests = write(tmp_path / "ssl_request_log", [ssl_request(n) for n in range(1, 41)])
    _, _, err = run(access, requests)
    assert SAME_REQUESTS.format(a=access, b=requests, about=40, every=1) in err


def test_a_request_on_many_servers_is_no_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nine servers behind a balancer that logs its own address, in two layouts, each with the
    same 40 pages in the same seconds (the home page asked for everywhere at once): a request
    logged by more than eight inputs is no copy's, and makes no pair."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    lines = [page(n).replace(f"203.0.113.{n % 50} ", "10.0.0.1 ", 1) for n in range(1, 41)]
    names = [
        write(
            tmp_path / f"web{k}.log", [f"www.example.com:80 {x}" for x in lines] if k % 2 else lines
        )
        for k in range(9)
    ]
    _, _, err = run(*names)
    assert "same requests" not in err
    _, _, err = run(*names[:8])
    assert err.count("log the same requests in other layouts") == 3


@settings(max_examples=60, deadline=None)
@given(
    times=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 30)), min_size=0, max_size=40
    ),
    asked=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 30), st.integers(0, 30)),
        min_size=1,
        max_size=6,
    ),
)
def test_sampled_requests_within_a_stretch_are_counted_as_by_hand(
    times: list[tuple[str, int]], asked: list[tuple[str, int, int]]
) -> None:
    """Each pair's count of its input's sampled requests from ``start`` to ``end`` (both
    included), against a count of the same rows one by one; ties and empty inputs too."""
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def at(second: int) -> datetime:
        return start + timedelta(seconds=second)

    requested = pl.DataFrame(
        {"source_file": [name for name, _ in times], "ts": [at(s) for _, s in times]},
        schema={"source_file": pl.String, "ts": pl.Datetime("us", "UTC")},
    )
    pairs = pl.DataFrame(
        {
            "source_file": [name for name, _, _ in asked],
            "start": [at(first) for _, first, _ in asked],
            "end": [at(last) for _, _, last in asked],
        },
        schema={
            "source_file": pl.String,
            "start": pl.Datetime("us", "UTC"),
            "end": pl.Datetime("us", "UTC"),
        },
    )
    expected = [
        sum(1 for name, second in times if name == asked_name and first <= second <= last)
        for asked_name, first, last in asked
    ]
    counted = overlapping_inputs._sampled_within(pairs, requested, "source_file")
    assert counted.to_list() == expected


def test_rotated_days_of_unequal_traffic_are_each_named_every_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two days of both logs, a quiet one and a busy one: each day's pair is named, in every
    run (each pair's counts are its own, whatever order Polars gives the pairs in)."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    days = {"20261101": range(1, 6), "20261102": range(100, 160)}
    names = []
    for day, numbers in days.items():
        names.append(write(tmp_path / f"ssl_access_log-{day}", [page(n) for n in numbers]))
        names.append(write(tmp_path / f"ssl_request_log-{day}", [ssl_request(n) for n in numbers]))
    for _ in range(5):
        _, _, err = run(*names)
        assert SAME_REQUESTS.format(a=names[0], b=names[1], about=5, every=1) in err
        assert SAME_REQUESTS.format(a=names[2], b=names[3], about=60, every=1) in err


def test_mod_ssl_servers_behind_a_balancer_are_each_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five mod_ssl servers behind a balancer that logs its own address, each writing both
    logs: 20 pages of each server are its own, 20 asked for at once on all five, so in ten
    inputs. Those are left out of each pair's counts as of its shared requests: each server's
    pair shares all 20 of its own, and is named."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)

    def balanced(line: str, number: int) -> str:
        return line.replace(f"203.0.113.{number % 50} ", "10.0.0.1 ", 1)

    names = []
    for server in range(5):
        own = [(n, f"/p/{n}", f"/s{server}/{n}") for n in range(1, 21)]
        everywhere = [(n, f"/p/{n}", f"/p/{n}") for n in range(21, 41)]
        lines = [*own, *everywhere]
        access = [balanced(page(n).replace(f"{p} ", f"{q} ", 1), n) for n, p, q in lines]
        requests = [balanced(ssl_request(n).replace(f"{p} ", f"{q} ", 1), n) for n, p, q in lines]
        names.append(write(tmp_path / f"web{server}_ssl_access_log", access))
        names.append(write(tmp_path / f"web{server}_ssl_request_log", requests))
    _, _, err = run(*names)
    assert SAME_REQUESTS.format(a=names[0], b=names[1], about=20, every=1) in err
    assert "micromacro: warning: 2 more pairs of inputs log the same requests so\n" in err


def _pairs_by_hand(
    rows: list[tuple[int, str, int, str]], order: list[str]
) -> list[tuple[str, str]]:
    """The pairs of inputs the same-requests rule names, worked out row by row: ``rows`` are
    sampled requests (request, input, second, variant), each request at one second."""
    files_of: dict[int, set[str]] = {}
    for request, name, _, _ in rows:
        files_of.setdefault(request, set()).add(name)
    kept = [row for row in rows if len(files_of[row[0]]) <= 8]
    rank = {name: place for place, name in enumerate(order)}
    times: dict[int, Counter[tuple[str, str]]] = {}
    for request, name, _, variant in kept:
        times.setdefault(request, Counter())[(name, variant)] += 1
    shared: Counter[tuple[str, str]] = Counter()
    for counts in times.values():
        for (a, variant_a), times_a in counts.items():
            for (b, variant_b), times_b in counts.items():
                if rank[a] < rank[b] and variant_a != variant_b:
                    shared[(a, b)] += min(times_a, times_b)
    seconds = {name: [s for _, n, s, _ in kept if n == name] for name in order}
    named = []
    for (a, b), count in sorted(
        shared.items(), key=lambda item: (rank[item[0][0]], rank[item[0][1]])
    ):
        start = max(min(seconds[a]), min(seconds[b]))
        end = min(max(seconds[a]), max(seconds[b]))
        within_a = sum(1 for s in seconds[a] if start <= s <= end)
        within_b = sum(1 for s in seconds[b] if start <= s <= end)
        if (
            count >= 4
            and count * 10 >= 9 * min(within_a, within_b)
            and (within_a * 10 >= len(seconds[a]) or within_b * 10 >= len(seconds[b]))
        ):
            named.append((a, b))
    return named[:3]


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 12),  # the request; at the second 3 × request
            st.sampled_from([f"f{k}" for k in range(10)]),
            st.sampled_from(["combined", "ssl_request"]),
        ),
        max_size=120,
    )
)
def test_the_pairs_named_are_those_worked_out_by_hand(rows: list[tuple[int, str, str]]) -> None:
    """The whole rule (requests in more than eight inputs left out, the time both cover, nine
    tenths of the fewer there and four at least, a tenth of one input's sample in that time)
    on sampled requests as the run keeps them, against the same worked out row by row."""
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    order = [f"f{k}" for k in range(10)]
    sampled = [(request, name, 3 * request, variant) for request, name, variant in rows]
    requested = pl.DataFrame(
        {
            "_line_hash": [request for request, _, _, _ in sampled],
            "source_file": [name for _, name, _, _ in sampled],
            "ts": [start + timedelta(seconds=second) for _, _, second, _ in sampled],
            "variant": [variant for _, _, _, variant in sampled],
            "status": [True] * len(sampled),
            "agent": [True] * len(sampled),
        },
        schema_overrides={
            "_line_hash": pl.UInt64,
            "source_file": pl.String,
            "ts": pl.Datetime("us", "UTC"),
            "variant": pl.String,
            "status": pl.Boolean,
            "agent": pl.Boolean,
        },
    )
    spans = requested.group_by("source_file").agg(
        pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"), pl.len()
    )
    rank = {name: place for place, name in enumerate(order)}
    warnings = overlapping_inputs._same_request_warnings(requested, rank, spans)
    named = [
        (text.split(" and ")[0], text.split(" and ")[1].split(" log ")[0])
        for text in warnings
        if " log the same requests in other layouts " in text
    ]
    assert named == _pairs_by_hand(sampled, order)


def test_dedupe_leaves_a_copys_requests_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup of ssl_access_log beside it: with --dedupe its lines are duplicates, counted no
    more, and so not among the inputs that log ssl_request_log's requests."""
    monkeypatch.setattr(overlapping_inputs, "_OVERLAP_SAMPLE", 1)
    access = write(tmp_path / "ssl_access_log", [page(n) for n in range(1, 41)])
    backup = write(tmp_path / "ssl_access_log.bak", [page(n) for n in range(1, 41)])
    requests = write(tmp_path / "ssl_request_log", [ssl_request(n) for n in range(1, 41)])
    _, report, err = run(access, backup, requests, "--dedupe")
    assert report["input"]["duplicate"] == 40  # type: ignore[index]
    assert err.count("log the same requests in other layouts") == 1
    assert SAME_REQUESTS.format(a=access, b=requests, about=40, every=1) in err
    _, _, err = run(access, backup, requests)  # without it, the backup is counted: named too
    assert err.count("log the same requests in other layouts") == 2
