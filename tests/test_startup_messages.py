"""A log that starts with a program's own messages before the first request: an ingress
controller's banner and start-up lines in ``kubectl logs``, an entrypoint's messages in
``docker logs``. Detection looks further than the first 50 lines when no format reads any of
them, and the report's time zone is that of the lines the format reads.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from micromacro.cli import cli

# The banner ingress-nginx prints at start-up (two blank lines among it).
BANNER = [
    "-" * 79,
    "NGINX Ingress controller",
    "  Release:       v1.9.4",
    "  Build:         846d251814a09d8a5d8d28e2e604bfc7749bcb49",
    "  Repository:    https://github.com/kubernetes/ingress-nginx",
    "  nginx version: nginx/1.21.6",
    "",
    "-" * 79,
    "",
]


def klog(second: int) -> str:
    """One of the controller's own log lines (klog's format)."""
    return (
        f'I1206 15:10:{second:02d}.123456       7 store.go:440] "Found valid IngressClass" '
        'ingress="default/shop" ingressclass="nginx"'
    )


def access(path: str, second: int, zone: str = "+0100") -> str:
    return (
        f'10.244.0.1 - - [06/Dec/2026:15:11:{second:02d} {zone}] "GET {path} HTTP/1.1" 200 512 '
        '"-" "Mozilla/5.0 (X11; Linux x86_64)"'
    )


# 9 banner lines, 60 of the controller's, then three requests of one visitor.
CONTROLLER_LOG = [*BANNER, *(klog(n) for n in range(60)), *(access(f"/p/{n}", n) for n in range(3))]


def run(tmp_path: Path, lines: list[str], *args: str) -> tuple[int, dict, str]:
    log = tmp_path / "controller.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "--no-cache", *args])
    data = json.loads(result.stdout) if result.exit_code == 0 else {}
    return result.exit_code, data, result.stderr


def test_detection_looks_past_the_start_up_messages(tmp_path: Path) -> None:
    code, data, stderr = run(tmp_path, CONTROLLER_LOG)
    assert code == 0, stderr
    summary = data["input"]
    assert summary["format"] == "combined"
    # 72 lines: 2 blank, 9 - 2 + 60 = 67 of the controller's own (its banner and klog lines:
    # records that are no request), 3 pages.
    assert (summary["lines"], summary["comment"], summary["not_http"], summary["page"]) == (
        72, 2, 67, 3,
    )  # fmt: skip
    assert summary["malformed"] == 0
    assert data["summary"]["sessions"] == 1
    assert data["period"]["time_zone"] == "+01:00"
    assert "log format: combined (detected: 3 of 70 sample lines parsed)" in stderr


def test_a_named_format_takes_its_zone_from_the_lines_it_reads(tmp_path: Path) -> None:
    args = ["--log-format", "combined", "--since", "2026-12-06"]
    code, data, _ = run(tmp_path, CONTROLLER_LOG, *args)
    assert code == 0
    assert data["period"]["time_zone"] == "+01:00"
    # Midnight of 6 December in +01:00, as a UTC instant.
    assert data["period"]["start"] == "2026-12-05T23:00:00Z"


def test_the_zone_is_that_of_a_line_read_not_of_any_text(tmp_path: Path) -> None:
    """A line that is no request may hold a time with an offset (a message quoting a request,
    a record of the format or not); the report's zone is the server's, from the requests."""
    quoted = "W1206 15:10:00.000000 7 quote.go:1] seen [06/Dec/2026:15:10:00 +0900]"
    unread = "seen [06/Dec/2026:15:10:00 +0800]"
    code, data, _ = run(tmp_path, [quoted, unread, access("/", 1), access("/a", 2)])
    assert code == 0
    summary = data["input"]
    assert (summary["not_http"], summary["malformed"], summary["page"]) == (1, 1, 2)
    assert data["period"]["time_zone"] == "+01:00"


def test_formats_detect_looks_as_far(tmp_path: Path) -> None:
    log = tmp_path / "controller.log"
    log.write_text("\n".join(CONTROLLER_LOG) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["formats", "--detect", str(log)])
    assert result.exit_code == 0
    assert result.stdout.startswith("sample: 70 non-blank lines (0 comment or directive)\n")
    assert "chosen: combined, of the clf family (the family reads 3 of 70 sample lines" in (
        result.stdout
    )


def test_no_request_in_the_first_2000_lines_is_no_format(tmp_path: Path) -> None:
    lines = [klog(n % 60) for n in range(2100)] + [access("/", 1)]
    code, _, stderr = run(tmp_path, lines)
    assert code == 1
    assert "cannot recognise the log format: no format reads any of the 2000 sample lines" in (
        stderr
    )


def test_an_input_that_starts_with_them_among_others(tmp_path: Path) -> None:
    """Of two inputs, the newer opens with 60 lines of its own: it is sampled further, its
    zone (+01:00, the newest input's) is the report's, and it is no input of another format."""
    old = tmp_path / "old.log"
    old.write_text("".join(access(f"/o/{n}", n, "+0200") + "\n" for n in range(3)))
    new = tmp_path / "new.log"
    late = [
        f'10.244.0.1 - - [30/Dec/2026:10:{minute:02d}:00 +0100] "GET /n HTTP/1.1" 200 1 "-" "x"'
        for minute in range(30)
    ]
    new.write_text("\n".join([klog(n) for n in range(60)] + late) + "\n")
    result = CliRunner().invoke(
        cli,
        ["report", str(old), str(new), "--since", "2026-12-30T10:15", "--format", "json"],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["period"]["time_zone"] == "+01:00"
    # 10:15 to 10:29 in +01:00: 15 requests.
    assert data["input"]["page"] + data["input"]["bot"] == 15
    assert "none of its first" not in result.stderr
