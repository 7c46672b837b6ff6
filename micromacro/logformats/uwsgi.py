"""uWSGI's request log in its default format (no ``--logformat``): what a Django or Flask
application behind nginx logs, as uWSGI's ``uwsgi_logit_simple`` writes it.

``[pid: %d|app: %d|req: %d/%llu] %(addr) (%(user)) {%d vars in %d bytes} [%(ctime)] METHOD
URI => generated %llu bytes in %llu msecs (PROTOCOL STATUS) %d headers in %llu bytes (%d
switches on core %d)``

- ``app`` is ``-1`` and ``req`` ``-1/N`` where no application took the request (static
  files); neither is read.
- The address is ``REMOTE_ADDR`` (empty for a UNIX socket without one); with
  ``--log-x-forwarded-for`` it is the X-Forwarded-For header as received, maybe a list
  (``203.0.113.7, 10.0.0.1``): the list is read as X-Forwarded-For and the client is its first
  public address, else its first (as ``--client-ip first-forwarded`` takes it).
- The time is ``ctime``'s (``Mon Nov  2 09:15:03 2026``, the day padded with a space) in the
  server's local time, with no zone: it is read as UTC, as HAProxy's is.
- ``--log-micros`` writes ``micros`` for ``msecs``; a response sent by sendfile, a route or
  an offload says so before the protocol (`` via sendfile() ``); ``--vhost`` writes the
  ``Host`` header first (read as the host, without its port); ``--memory-report`` writes
  ``{address space usage: …} {rss usage: …}`` before the record. Releases before 1.9 wrote
  ``async switches on async core`` or no switches at all.

There is no referrer and no user agent: visitors are told apart by their address alone. The
bytes are the body's (``generated``), not the headers'. A request too large to log is written
with ``- -`` for its method and URI: it is malformed, as any line without a request.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from micromacro.logformats.base import RegexFormat
from micromacro.logformats.families import COMMENT_LINE, Family
from micromacro.logformats.fields import TimeSpec, first_forwarded_ip
from micromacro.logformats.patterns import BRACKETED, group

# ctime's ``Www Mmm dd hh:mm:ss yyyy``, the day padded with a space: Polars' %e takes it.
CTIME = TimeSpec("strftime", "%a %b %e %H:%M:%S %Y")

# ``--vhost``'s Host header (without its port) and ``--memory-report``'s usage, before the record.
_HOST_NAME = r"[^ :{}\[]+"
_VHOST = f"(?:{group('host', _HOST_NAME)}(?::[0-9]+)? )?"
_MEMORY = r"(?:\{address space usage: [^}]*\} (?:\{rss usage: [^}]*\} )?)?"
_COUNTERS = r"\[pid: [0-9]+\|app: -?[0-9]+\|req: -?[0-9]+/[0-9]+\] "
# %(addr) (%(user)): the address may be a list (--log-x-forwarded-for), or empty.
_CLIENT = f"(?:{group('ip', '[^()]*?')} )?\\([^)]*\\) "
_VARS = r"\{[0-9]+ vars in [0-9]+ bytes\} "
_TIME = f"\\[{group('time', BRACKETED)}\\] "
# METHOD URI: the URI as received, up to the arrow.
_REQUEST = f"{group('method', '[^ ]+')} {group('uri', '.*?')} => "
_RESPONSE = (
    f"generated {group('bytes', '[0-9]+')} bytes in [0-9]+ (?:msecs|micros)"
    r"(?: via [a-z]+\(\))? \((?:[^ ()]+ )?"
    f"{group('status', '[0-9]+')}\\) "
)
_HEADERS = (
    r"[0-9]+ headers in [0-9]+ bytes(?: \([0-9]+ (?:async )?switches on (?:async )?core [0-9]+\))?"
)
_END = r"\s*$"


@dataclass(frozen=True)
class UwsgiFormat(RegexFormat):
    """A regex format whose client field may be an X-Forwarded-For list (uWSGI's
    ``--log-x-forwarded-for``): such a list is the line's X-Forwarded-For, and its client the
    list's first public address, else its first."""

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        listed = pl.col("ip").str.contains(",", literal=True).fill_null(False)
        return (
            super()
            .parse(lines)
            .with_columns(
                forwarded_for=pl.when(listed).then(pl.col("ip")).otherwise(pl.col("forwarded_for")),
                ip=pl.when(~listed).then(pl.col("ip")),
            )
            .with_columns(first_forwarded_ip())
        )


UWSGI = UwsgiFormat(
    name="uwsgi",
    regex=f"^{_VHOST}{_MEMORY}{_COUNTERS}{_CLIENT}{_VARS}{_TIME}{_REQUEST}{_RESPONSE}"
    f"{_HEADERS}{_END}",
    time=CTIME,
    example=(
        "[pid: 1234|app: 0|req: 1/1] 203.0.113.7 () {34 vars in 512 bytes} "
        "[Mon Nov  2 09:15:03 2026] GET /products/tent?ref=nl => generated 5123 bytes in 2 "
        "msecs (HTTP/1.1 200) 2 headers in 79 bytes (1 switches on core 0)"
    ),
    description="uWSGI's default request log (Django, Flask); no referrer or user agent; "
    "its ctime times have no zone and are read as UTC",
)

UWSGI_FAMILY = Family(
    "uwsgi",
    (UWSGI,),
    description=UWSGI.description,
    claims=rf"{COMMENT_LINE}|\[pid: [0-9]+\|app: ",
)
