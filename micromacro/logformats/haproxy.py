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
(``haproxy_tcp``: three timers, no status, a two-letter termination state, no request), a
default-format line (``haproxy_connect``: ``Connect from client:port to address:port
(frontend/MODE)``), a connection that failed before any request (``haproxy_error``, the
"error log format": ``client:port [accept_date] frontend/bind: SSL handshake failure``) and
HAProxy's own messages (``haproxy_message``): one of the messages HAProxy writes about its
servers and proxies (``Server be_app/app2 is DOWN, reason: …``, ``Proxy www started.``), after
its syslog header or alone. Any other line after HAProxy's syslog header (a request written by
a custom log-format this reader does not read) is malformed.
"""

from __future__ import annotations

from micromacro.logformats.base import RegexFormat
from micromacro.logformats.families import COMMENT_LINE, Family, NotHttp
from micromacro.logformats.fields import TimeSpec
from micromacro.logformats.labelled import LabelledFormat, Mark
from micromacro.logformats.patterns import BRACKETED, group, quoted

HAPROXY_TIME = TimeSpec("strftime", "%d/%b/%Y:%H:%M:%S%.3f")

# The client starts the record: at the start of the line or after the syslog prefix.
_CLIENT_DATE = f"(?:^| ){group('ip', '[^ ]+')}:[0-9]+ \\[{group('time', BRACKETED)}\\] "
_FRONTEND_SERVER = r"[^ ]+ [^ ]+/[^ ]+"
# TR/Tw/Tc/Tr/Ta (Tq/Tw/Tc/Tr/Tt before HAProxy 1.5): -1 when not reached, "+" with logasap.
_HTTP_TIMERS = r"-?[0-9]+/-?[0-9]+/-?[0-9]+/-?[0-9]+/\+?-?[0-9]+"
# status bytes_read request_cookie response_cookie termination_state connections queues
_HTTP_MIDDLE = (
    f" {group('status', r'-?[0-9]+')} \\+?{group('bytes', '[0-9]+')} [^ ]+ [^ ]+ [-A-Za-z]{{4}} "
    r"[0-9]+/[0-9]+/[0-9]+/[0-9]+/\+?[0-9]+ [0-9]+/[0-9]+ "
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
    r"(?:^| )[^ ]+:[0-9]+ \[[^\]]+\] [^ ]+ [^ ]+/[^ ]+ "
    r"-?[0-9]+/-?[0-9]+/\+?-?[0-9]+ \+?[0-9]+ [-A-Za-z]{2} "
    r"[0-9]+/[0-9]+/[0-9]+/[0-9]+/\+?[0-9]+ [0-9]+/[0-9]+\s*$",
)
# The default log format (no "option httplog" or "tcplog"): one line per connection.
HAPROXY_CONNECT = NotHttp(
    "haproxy_connect",
    r"(?:^| )Connect from [^ ]+:[0-9]+ to [^ ]+:[0-9]+ \([^ /()]+/[A-Za-z]+\)\s*$",
)

# The error log format: a connection that failed before any request (an SSL handshake, a bad
# PROXY protocol header): frontend/bind (the bind named by its address when unnamed), a colon.
HAPROXY_ERROR = NotHttp("haproxy_error", r"(?:^| )[^ ]+:[0-9]+ \[[^\]]+\] [^ /]+/[^ ]+: .*[^ \t\r]")

# HAProxy's syslog header up to its message: a BSD or ISO 8601 time (and the host, which the
# "local" format leaves out) before "haproxy[pid]: ", or RFC 5424's "haproxy PID MSGID SD".
_SYSLOG_TIME = (
    r"(?:[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+)"
)
_SYSLOG_HEADER = (
    rf"^(?:<[0-9]+>)?(?:{_SYSLOG_TIME} (?:[^ ]+ )?haproxy\[[0-9]+\]: "
    r"|<[0-9]+>1 [^ ]+ [^ ]+ haproxy [^ ]+ [^ ]+ (?:-|\[.*\]) )"
)
# The messages HAProxy writes about its servers and proxies. Only these: a custom log-format
# (``option httplog clf``, JSON) writes its requests after the same syslog header, and such a
# line it cannot read is malformed, never taken for a message.
_OWN_MESSAGE = (
    r"(?:(?:Backup )?Server [^ /]+/[^ ]+ (?:is|was|changed|administratively) "
    r"|Proxy [^ ]+ (?:started|stopped)"
    r"|(?:Stopping|Pausing|Resuming) (?:proxy|frontend|backend) "
    r"|(?:backend|proxy) [^ ]+ has no server available!"
    r"|(?:Health|Agent) check for (?:backup )?server [^ /]+/[^ ]+ )"
)
# HAProxy's own messages, after its syslog header or alone (logging to stdout, format raw).
# They do not recognise the format: a syslog file of HAProxy's messages is no access log, and
# the bare messages are plain sentences.
HAPROXY_MESSAGE = NotHttp(
    "haproxy_message", rf"(?:{_SYSLOG_HEADER}|^){_OWN_MESSAGE}", recognises=False
)

HAPROXY_FAMILY = Family(
    "haproxy",
    (HAPROXY,),
    general=HAPROXY_ANY,
    not_http=(HAPROXY_TCP, HAPROXY_CONNECT, HAPROXY_ERROR, HAPROXY_MESSAGE),
    description=HAPROXY.description,
    # The client's port before the bracketed accept date, or a default-format record (HAProxy's
    # own messages recognise no format: a sample of nothing else is not read with the family).
    claims=rf"{COMMENT_LINE}|:[0-9]+ \[|Connect from ",
)
