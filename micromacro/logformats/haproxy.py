"""HAProxy logs, as the HAProxy documentation's "HTTP log format" and "TCP log format" show them.

``option httplog`` writes, after any syslog prefix (``Nov  2 08:15:03 lb1 haproxy[1234]:``,
an ISO 8601 or RFC 5424 one, or none when HAProxy logs to stdout):

``client:port [accept_date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes_read
request_cookie response_cookie termination_state actconn/feconn/beconn/srv_conn/retries
srv_queue/backend_queue {captured request headers} {captured response headers} "request"``

The strict variant ``haproxy`` reads that line without captured headers. The general reader
``haproxy_any`` reads the rest of the family and names each line's variant: ``+captures`` (one
or two ``{…}`` blocks of captured headers, which may hold spaces and ``|``; they are not read),
``+custom_field`` (a field a custom ``log-format`` put between the server and the timers) and
``+fields`` (fields a custom ``log-format`` put after the request, not read).

The time is the accept date in brackets, not the syslog prefix's; HAProxy writes no zone, so it
is read as UTC. A client written ``-`` (a UNIX socket) has no address.

HAProxy's records that are no HTTP request (``not_http``): an ``option tcplog`` line
(``haproxy_tcp``: three timers, no status, a two-letter termination state, no request) and a
default-format line (``haproxy_connect``: ``Connect from client:port to address:port
(frontend/MODE)``).
"""

from __future__ import annotations

from micromacro.logformats.base import RegexFormat
from micromacro.logformats.families import COMMENT_LINE, Family, NotHttp
from micromacro.logformats.fields import TimeSpec
from micromacro.logformats.labelled import LabelledFormat, Mark
from micromacro.logformats.patterns import BRACKETED, group, quoted

HAPROXY_TIME = TimeSpec("strftime", "%d/%b/%Y:%H:%M:%S%.3f")

# The client starts the record: at the start of the line or after the syslog prefix.
_CLIENT_DATE = f"(?:^| ){group('ip', '[^ ]+')}:\\d+ \\[{group('time', BRACKETED)}\\] "
_FRONTEND_SERVER = r"[^ ]+ [^ ]+/[^ ]+"
# TR/Tw/Tc/Tr/Ta (Tq/Tw/Tc/Tr/Tt before HAProxy 1.5): -1 when not reached, "+" with logasap.
_HTTP_TIMERS = r"-?\d+/-?\d+/-?\d+/-?\d+/\+?-?\d+"
# status bytes_read request_cookie response_cookie termination_state connections queues
_HTTP_MIDDLE = (
    f" {group('status', r'-?[0-9]+')} \\+?{group('bytes', '[0-9]+')} [^ ]+ [^ ]+ [-A-Za-z]{{4}} "
    r"\d+/\d+/\d+/\d+/\+?\d+ \d+/\d+ "
)
# One or two {…} blocks of captured request and response headers, values separated by "|".
_CAPTURES = group("captures", r"(?:\{[^}]*\} ){1,2}")
# Fields a custom log-format writes after the request.
_TRAILING = group("trailing", r"[ \t]+[^ \t].*")
_HTTP_LINE = (
    "Nov  2 08:15:03 lb1 haproxy[1234]: 203.0.113.7:51234 [02/Nov/2026:08:15:03.123] "
    "www-https~ shop/web1 0/0/1/4/5 200 5123 - - ---- 3/3/0/0/0 0/0 "
    '"GET /products/tent HTTP/1.1"'
)

HAPROXY = RegexFormat(
    name="haproxy",
    regex=(
        f"{_CLIENT_DATE}{_FRONTEND_SERVER} {_HTTP_TIMERS}{_HTTP_MIDDLE}{quoted('request')}\\s*$"
    ),
    time=HAPROXY_TIME,
    example=_HTTP_LINE,
    description="HAProxy http log (option httplog); its times are read as UTC",
)

HAPROXY_ANY = LabelledFormat(
    name="haproxy_any",
    regex=(
        f"{_CLIENT_DATE}{_FRONTEND_SERVER}(?: {group('custom_field', '[^ ]+')})? {_HTTP_TIMERS}"
        f"{_HTTP_MIDDLE}{_CAPTURES}?{quoted('request')}{_TRAILING}?\\s*$"
    ),
    time=HAPROXY_TIME,
    example=_HTTP_LINE.replace(
        '0/0 "GET', '0/0 {shop.example.com|Mozilla/5.0 (X11; Linux x86_64)} {|} "GET'
    ),
    description="any HAProxy http log line: captured headers, custom fields",
    label="haproxy",
    marks=(
        Mark("custom_field", "custom_field"),
        Mark("captures", "captures"),
        Mark("fields", "trailing"),
    ),
)

# option tcplog: client:port [accept_date] frontend backend/server Tw/Tc/Tt bytes_read
# termination_state actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue
HAPROXY_TCP = NotHttp(
    "haproxy_tcp",
    r"(?:^| )[^ ]+:\d+ \[[^\]]+\] [^ ]+ [^ ]+/[^ ]+ -?\d+/-?\d+/\+?-?\d+ \+?\d+ [-A-Za-z]{2} "
    r"\d+/\d+/\d+/\d+/\+?\d+ \d+/\d+\s*$",
)
# The default log format (no "option httplog" or "tcplog"): one line per connection.
HAPROXY_CONNECT = NotHttp(
    "haproxy_connect", r"(?:^| )Connect from [^ ]+:\d+ to [^ ]+:\d+ \([^ /()]+/[A-Za-z]+\)\s*$"
)

HAPROXY_FAMILY = Family(
    "haproxy",
    (HAPROXY,),
    general=HAPROXY_ANY,
    not_http=(HAPROXY_TCP, HAPROXY_CONNECT),
    description=HAPROXY.description,
    # The client's port before the bracketed accept date, or a default-format record.
    claims=rf"{COMMENT_LINE}|:\d+ \[|Connect from ",
)
