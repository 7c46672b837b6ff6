"""The built-in regex formats of load balancers and proxies (the Common Log Format family is in
``clf``)."""

from __future__ import annotations

from micromacro.logformats.base import RegexFormat
from micromacro.logformats.families import Family
from micromacro.logformats.fields import ISO8601, TimeSpec
from micromacro.logformats.patterns import BRACKETED, group, quoted, token

_STATUS_OR_DASH = r"\d{3}|-"
_BYTES = r"\d+|-"
_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

# type time elb client:port target:port 3 × processing time elb_status target_status
# received_bytes sent_bytes "request" "user_agent" …
ALB = RegexFormat(
    name="alb",
    regex=(
        f"^(?:https?|h2|grpcs?|wss?) {token('time')} [^ ]+ {group('ip', '[^ ]+')}:\\d+ "
        f"[^ ]+ [^ ]+ [^ ]+ [^ ]+ {group('status', _STATUS_OR_DASH)} [^ ]+ [^ ]+ "
        f"{group('bytes', _BYTES)} {quoted('request')} {quoted('user_agent')}"
    ),
    time=ISO8601,
    example=(
        "https 2026-11-02T08:15:03.123456Z app/shop-lb/50dc6c495c0c9188 203.0.113.7:51234 "
        '10.0.0.5:80 0.000 0.004 0.000 200 200 412 5123 "GET https://shop.example.com:443/'
        f'products/tent HTTP/1.1" "{_UA}" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 '
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/73e2d6bc24d8a067 "
        '"Root=1-67254a3b-4a1d3c0b2e8f6a7d9c0b1e2f" "shop.example.com" "-" 0 '
        '2026-11-02T08:15:03.119000Z "forward" "-" "-" "10.0.0.5:80" "200" "-" "-" TID_1'
    ),
    description="AWS Application Load Balancer access log",
)

ELB = RegexFormat(
    name="elb",
    regex=(
        f"^{token('time')} [^ ]+ {group('ip', '[^ ]+')}:\\d+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ "
        f"{group('status', _STATUS_OR_DASH)} [^ ]+ [^ ]+ {group('bytes', _BYTES)} "
        f"{quoted('request')} {quoted('user_agent')}"
    ),
    time=ISO8601,
    example=(
        "2026-11-02T08:15:03.123456Z shop-lb 203.0.113.7:51234 10.0.0.5:80 0.000073 0.001048 "
        '0.000057 200 200 0 5123 "GET http://shop.example.com:80/products/tent HTTP/1.1" '
        f'"{_UA}" - -'
    ),
    description="AWS Classic Load Balancer (ELB) access log",
)

# [syslog prefix] client:port [accept date] frontend backend/server timers status bytes
# cookies termination_state connections queues [{captured request headers}] "request"
HAPROXY = RegexFormat(
    name="haproxy",
    regex=(
        f"{group('ip', '[^ ]+')}:\\d+ \\[{group('time', BRACKETED)}\\] [^ ]+ [^ ]+ [^ ]+ "
        f"{group('status', r'-?[0-9]+')} \\+?{group('bytes', '[0-9]+')} [^ ]+ [^ ]+ [^ ]+ [^ ]+ "
        f"[^ ]+ (?:\\{{[^}}]*\\}} )*{quoted('request')}"
    ),
    time=TimeSpec("strftime", "%d/%b/%Y:%H:%M:%S%.3f"),
    example=(
        "Nov  2 08:15:03 lb1 haproxy[1234]: 203.0.113.7:51234 [02/Nov/2026:08:15:03.123] "
        "www-https~ shop/web1 0/0/1/4/5 200 5123 - - ---- 3/3/0/0/0 0/0 "
        '"GET /products/tent HTTP/1.1"'
    ),
    description="HAProxy http log (option httplog); its times are read as UTC",
)

ALB_FAMILY = Family("alb", (ALB,), description=ALB.description)
ELB_FAMILY = Family("elb", (ELB,), description=ELB.description)
HAPROXY_FAMILY = Family("haproxy", (HAPROXY,), description=HAPROXY.description)
# The load balancer and proxy families, in the order auto-detection prefers them.
LB_FAMILIES: tuple[Family, ...] = (ALB_FAMILY, ELB_FAMILY, HAPROXY_FAMILY)
