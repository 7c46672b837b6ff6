"""Amazon Web Services logs: Application, Network and Classic Load Balancers, and S3 server
access logs, as the AWS documentation shows their entries.

- ``alb`` (Application Load Balancer): ``type time elb client:port target:port`` three
  processing times, ``elb_status target_status received sent "request" "user_agent"
  ssl_cipher ssl_protocol target_group "trace_id" "domain_name"`` and the fields AWS keeps
  appending (``chosen_cert_arn``, ``matched_rule_priority``, …, ``conn_trace_id``), which are
  not read and not counted: a line may end after the user agent or carry any number of them.
  Every ``type`` is read: ``http``, ``https``, ``h2``, ``grpcs``, ``ws``, ``wss``. ``-`` stands
  for a missing target (a Lambda function, a failed connection), ``-1`` for times that were
  not measured, and ``-`` for the target's status. The host is ``domain_name`` (the TLS SNI).
  The general reader ``alb_any`` also reads a request whose target holds spaces (the load
  balancer logs the URL as the client sent it): ``alb+spaced_target``.
  The ALB family's records that are no HTTP request (``not_http``): a Network Load Balancer TLS
  listener's access log record (``nlb_tls``) and an ALB connection log record
  (``alb_connection``). Both come from the same service, written in the same S3 layout, and
  neither holds a request, so they are the family's rather than presets of their own.
- ``elb`` (Classic Load Balancer): ``time elb client:port backend:port`` three processing
  times, ``elb_status backend_status received sent "request" "user_agent" ssl_cipher
  ssl_protocol``. Lines written before the user agent was logged end after the request
  (``elb+no_user_agent``); a TCP or SSL listener's record has the request ``"- - - "``
  (``elb_tcp``, not an HTTP request).
- ``s3`` (S3 server access log): ``bucket_owner bucket [time] remote_ip requester request_id
  operation key "request" status error_code bytes_sent object_size total_time turnaround
  "referrer" "user_agent"`` and the later fields (``version_id host_id sig cipher auth
  host_header tls …``), not read; a line may end after the user agent. The bucket is the host.
  A record of an operation S3 made itself (a lifecycle expiry, a batch delete) has ``-`` for
  its request: ``s3_internal``, not an HTTP request.

Times: ALB and ELB write ISO 8601 in UTC; S3 writes ``[06/Feb/2019:00:00:38 +0000]``.
"""

from __future__ import annotations

from micromacro.logformats.base import RegexFormat
from micromacro.logformats.families import COMMENT_LINE, Family, NotHttp
from micromacro.logformats.fields import ISO8601, LENIENT_REQUEST_LINE
from micromacro.logformats.labelled import SPACED_TARGET, LabelledFormat, Mark
from micromacro.logformats.patterns import BRACKETED, group, quoted, token

_STATUS_OR_DASH = r"[0-9]{3}|-"
_BYTES = r"[0-9]+|-"
_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
_ISO_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+"
# What every line of the ALB and ELB families holds, records that are no request too: an
# ISO 8601 time (or it is a comment). Detection parses no sample without one with them.
_ISO_CLAIMS = rf"{COMMENT_LINE}|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T"
# "address:port": the port is after the last colon; an IPv6 address may be written in
# brackets, which are not the address's.
_CLIENT = r"\[?" + group("ip", r"[^ \]]+") + r"\]?:[0-9]+"

# --- Application Load Balancer -----------------------------------------------------------

_ALB_TYPES = r"(?:https?|h2|grpcs?|wss?)"
# The domain the client asked for in the TLS handshake (SNI); "-" without one.
_DOMAIN = group("host", '[^ "]*')
# type time elb client:port target:port request_time target_time response_time elb_status
# target_status received_bytes sent_bytes "request" "user_agent", then, when logged,
# ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name".
_ALB = (
    f"^{_ALB_TYPES} {group('time', _ISO_TIME)} [^ ]+ {_CLIENT} [^ ]+ [^ ]+ [^ ]+ [^ ]+ "
    f"{group('status', _STATUS_OR_DASH)} [^ ]+ [^ ]+ {group('bytes', _BYTES)} "
    f"{quoted('request')} {quoted('user_agent')}(?:$| )"
    f'(?:[^ ]+ [^ ]+ [^ ]+ "[^"]*" "{_DOMAIN}")?'
)  # and no end: the later fields are not read (checking them costs a fifth of the time); a
# quote inside the user agent, not escaped, ends no field: the line is no ALB line
_ALB_LINE = (
    "https 2026-11-02T08:15:03.123456Z app/shop-lb/50dc6c495c0c9188 203.0.113.7:51234 "
    '10.0.0.5:80 0.000 0.004 0.000 200 200 412 5123 "GET https://shop.example.com:443/'
    f'products/tent HTTP/1.1" "{_UA}" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 '
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/73e2d6bc24d8a067 "
    '"Root=1-67254a3b-4a1d3c0b2e8f6a7d9c0b1e2f" "shop.example.com" "-" 0 '
    '2026-11-02T08:15:03.119000Z "forward" "-" "-" "10.0.0.5:80" "200" "-" "-" TID_1'
)

ALB = RegexFormat(
    name="alb",
    regex=_ALB,
    time=ISO8601,
    example=_ALB_LINE,
    description="AWS Application Load Balancer access log",
)

ALB_ANY = LabelledFormat(
    name="alb_any",
    regex=_ALB,
    time=ISO8601,
    example=_ALB_LINE.replace("/products/tent HTTP", "/search?q=red tent HTTP"),
    description="any AWS Application Load Balancer line, a target with spaces too",
    label="alb",
    marks=(SPACED_TARGET,),
    request_line=LENIENT_REQUEST_LINE,
)

# type version time elb listener client:port destination:port … (a TLS listener's record).
NLB_TLS = NotHttp(
    "nlb_tls",
    r"^tls [0-9.]+ [0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+ net/[^ ]+ [^ ]+ "
    r"[^ ]+:[0-9]+ [^ ]+:[0-9]+ ",
)
# time client_ip client_port listener_port tls_protocol tls_cipher tls_handshake_latency
# "leaf_client_cert_subject" validity serial tls_verify_status [conn_trace_id …]
ALB_CONNECTION = NotHttp(
    "alb_connection",
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+ [^ ]+ [0-9]+ [0-9]+ [A-Za-z0-9.-]+ [^ ]+ [-.0-9]+ "
    r'(?:"[^"]*"|-) '
    r"[^ ]+ [^ ]+ [^ ]+(?: .*)?$",
)

ALB_FAMILY = Family(
    "alb",
    (ALB,),
    general=ALB_ANY,
    not_http=(NLB_TLS, ALB_CONNECTION),
    description=ALB.description,
    claims=_ISO_CLAIMS,
)

# --- Classic Load Balancer ---------------------------------------------------------------

# time elb client:port backend:port request_time backend_time response_time elb_status
# backend_status received_bytes sent_bytes "request"
_ELB_HEAD = (
    f"^{group('time', _ISO_TIME)} [^ ]+ {_CLIENT} [^ ]+ [^ ]+ [^ ]+ [^ ]+ "
    f"{group('status', _STATUS_OR_DASH)} [^ ]+ [^ ]+ {group('bytes', _BYTES)} {quoted('request')}"
)
_ELB_LINE = (
    "2026-11-02T08:15:03.123456Z shop-lb 203.0.113.7:51234 10.0.0.5:80 0.000073 0.001048 "
    '0.000057 200 200 0 5123 "GET http://shop.example.com:80/products/tent HTTP/1.1" '
    f'"{_UA}" - -'
)

ELB = RegexFormat(
    name="elb",
    regex=f"{_ELB_HEAD} {quoted('user_agent')} [^ ]+ [^ ]+\\s*$",
    time=ISO8601,
    example=_ELB_LINE,
    description="AWS Classic Load Balancer (ELB) access log",
)

ELB_ANY = LabelledFormat(
    name="elb_any",
    regex=f"{_ELB_HEAD}(?: {quoted('user_agent')}(?: [^ ]+ [^ ]+)?)?\\s*$",
    time=ISO8601,
    example=_ELB_LINE.removesuffix(f' "{_UA}" - -'),
    description="any AWS Classic Load Balancer line: also without the user agent and SSL "
    "fields (before they were logged), and a target with spaces",
    label="elb",
    marks=(Mark("no_user_agent", "user_agent", matches=False), SPACED_TARGET),
    request_line=LENIENT_REQUEST_LINE,
)

# A TCP or SSL listener's record: the request is "- - - ".
ELB_TCP = NotHttp(
    "elb_tcp",
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+ [^ ]+ [^ ]+:[0-9]+ "
    r"[^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ "
    r'"- - - "(?: .*)?$',
)

ELB_FAMILY = Family(
    "elb",
    (ELB,),
    general=ELB_ANY,
    not_http=(ELB_TCP,),
    description=ELB.description,
    claims=_ISO_CLAIMS,
)

# --- S3 server access log ----------------------------------------------------------------

# bucket_owner bucket [time] remote_ip requester request_id operation key "request" status
# error_code bytes_sent object_size total_time turnaround "referrer" "user_agent" …
_S3_HEAD = (
    f"^[^ ]+ {group('host', '[^ ]+')} \\[{group('time', BRACKETED)}\\] {token('ip')} "
    "[^ ]+ [^ ]+ [^ ]+ [^ ]+ "
)
# Fields S3 appended later, not read: nothing, or a space and anything.
_LATER_FIELDS = r"(?: .*)?$"
_S3_OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

S3 = RegexFormat(
    name="s3",
    regex=(
        f"{_S3_HEAD}{quoted('request')} {group('status', _STATUS_OR_DASH)} [^ ]+ "
        f"{group('bytes', _BYTES)} [^ ]+ [^ ]+ [^ ]+ (?:{quoted('referrer')}|-) "
        f"(?:{quoted('user_agent')}|-){_LATER_FIELDS}"
    ),
    example=(
        f"{_S3_OWNER} shop.example.com [02/Nov/2026:08:15:03 +0000] 203.0.113.7 - "
        "3E57427F3EXAMPLE WEBSITE.GET.OBJECT products/tent "
        '"GET /products/tent HTTP/1.1" 200 - 5123 5123 7 6 "https://www.google.com/" '
        f'"{_UA}" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= '
        "- - - shop.example.com.s3-website-eu-west-1.amazonaws.com - - -"
    ),
    description="Amazon S3 server access log; the bucket is the host",
)

# An operation S3 made itself: no request ("-" for the Request-URI).
S3_INTERNAL = NotHttp("s3_internal", r"^[^ ]+ [^ ]+ \[[^\]]+\] [^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ - ")

S3_FAMILY = Family(
    "s3",
    (S3,),
    not_http=(S3_INTERNAL,),
    description=S3.description,
    claims=rf"{COMMENT_LINE}|^[^ ]+ [^ ]+ \[",  # the time is the third field, in brackets
)
