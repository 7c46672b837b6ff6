"""Rewrite a generated `combined` log as JSON lines: nginx's `escape=json` format or Caddy's.

    python bench/json_logs.py bench/data/access-1M.log nginx_json OUT
    python bench/json_logs.py bench/data/access-1M.log caddy OUT

Each line becomes one JSON object holding the same request, with the keys of the chosen
server (nginx: `time_local`, `remote_addr`, `request`, …; Caddy: `ts` as epoch seconds and a
nested `request` object with `headers`). A line the `combined` regex does not read (the
generator's malformed lines) becomes a JSON object cut short at the same place, as a log
rotated mid-write leaves it: not an object, so malformed in the JSON log too.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path

LINE = re.compile(
    r'^(?P<ip>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<request>[^"]*)" '
    r'(?P<status>\d{3}) (?P<bytes>\S+) "(?P<referrer>[^"]*)" "(?P<agent>[^"]*)"$'
)
FORMATS = ("nginx_json", "caddy")


def nginx(fields: dict[str, str]) -> dict[str, object]:
    """The nginx `log_format … escape=json` object of a combined line's fields."""
    return {
        "time_local": fields["time"],
        "remote_addr": fields["ip"],
        "remote_user": "" if fields["user"] == "-" else fields["user"],
        "request": fields["request"],
        "status": fields["status"],
        "body_bytes_sent": fields["bytes"],
        "request_time": "0.004",
        "http_referer": "" if fields["referrer"] == "-" else fields["referrer"],
        "http_user_agent": fields["agent"],
        "http_x_forwarded_for": "",
        "host": "shop.example.com",
    }


def caddy(fields: dict[str, str]) -> dict[str, object]:
    """The Caddy access-log object of a combined line's fields."""
    method, _, rest = fields["request"].partition(" ")
    uri, _, proto = rest.rpartition(" ")
    when = datetime.strptime(fields["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
    headers: dict[str, list[str]] = {"User-Agent": [fields["agent"]], "Accept": ["*/*"]}
    if fields["referrer"] != "-":
        headers["Referer"] = [fields["referrer"]]
    return {
        "level": "info",
        "ts": when + 0.000123,
        "logger": "http.log.access.log0",
        "msg": "handled request",
        "request": {
            "remote_ip": fields["ip"],
            "remote_port": "51234",
            "client_ip": fields["ip"],
            "proto": proto or "HTTP/1.1",
            "method": method,
            "host": "shop.example.com",
            "uri": uri or rest,
            "headers": headers,
        },
        "bytes_read": 0,
        "user_id": "",
        "duration": 0.0012,
        "size": 0 if fields["bytes"] == "-" else int(fields["bytes"]),
        "status": int(fields["status"]),
        "resp_headers": {"Content-Type": ["text/html; charset=utf-8"]},
    }


def convert(source: Path, kind: str, target: Path) -> None:
    """Write `source` (a combined log) as `kind` JSON lines to `target`."""
    make = nginx if kind == "nginx_json" else caddy
    with source.open(encoding="utf-8", errors="replace") as lines, target.open("w") as out:
        for line in lines:
            line = line.rstrip("\n")
            found = LINE.match(line)
            if found is None:  # malformed: a JSON line cut short
                text = json.dumps(make(_placeholder()), separators=(",", ":"))
                out.write(text[: max(10, len(line) // 2)] + "\n")
                continue
            out.write(json.dumps(make(found.groupdict()), separators=(",", ":")) + "\n")


def _placeholder() -> dict[str, str]:
    return {
        "ip": "192.0.2.1", "user": "-", "time": "02/Nov/2026:00:00:00 +0000",
        "request": "GET / HTTP/1.1", "status": "200", "bytes": "0", "referrer": "-",
        "agent": "-",
    }  # fmt: skip


def main() -> int:
    """Command-line entry point: SOURCE KIND TARGET."""
    if len(sys.argv) != 4 or sys.argv[2] not in FORMATS:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    convert(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
