"""Envoy's access logs in its default format, and in Istio's default, as their documentation
gives them.

- ``envoy`` (Envoy's "Default format string", also Contour's default and Emissary's, which
  writes ``ACCESS`` first): ``[%START_TIME%] "%REQ(:METHOD)%
  %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
  %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
  "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%"
  "%UPSTREAM_HOST%"``
- ``istio`` (Istio's default text format, 1.9 on): the same with ``%RESPONSE_CODE_DETAILS%
  %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%"`` after the flags,
  and ``%UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS%
  %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%`` after the upstream host.

The time is ISO 8601 in UTC. The host is ``:AUTHORITY`` without its port; there is no
referrer. Envoy's default logs no client address, only X-Forwarded-For: the client is the
list's first public address, else its first (as ``--client-ip first-forwarded`` takes it).
Istio's logs the connecting address (``%DOWNSTREAM_REMOTE_ADDRESS%``, its port dropped): the
client, as in every format that logs one, with X-Forwarded-For for ``--client-ip
first-forwarded`` (a gateway behind a load balancer sees the balancer connect).

Envoy writes values as it received them, unescaped: a quote inside one ends no field, and
such a line is malformed, never read with its fields shifted (reading a user agent up to the
fields after it would keep its quote, at half the speed of every line). A TCP proxy's record
(``"- - -"`` for its request) is no HTTP request (``envoy_tcp``).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from micromacro.logformats.base import RegexFormat
from micromacro.logformats.families import COMMENT_LINE, Family, NotHttp
from micromacro.logformats.fields import ISO8601, first_forwarded_ip
from micromacro.logformats.patterns import group

# [%START_TIME%], after Emissary's "ACCESS " when it wrote one.
_START = r"^(?:ACCESS )?\["
_ISO_TIME = r"[0-9]{4}-[^\]]+"
_TIME = f"{_START}{group('time', _ISO_TIME)}\\] "
# "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
_UNQUOTED = '[^"]*'
_REQUEST = f'"{group("request", _UNQUOTED)}" {group("status", "[0-9]+")} [^ "]+ '
# %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
# "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%"
_MIDDLE = (
    f'[0-9]+ {group("bytes", "[0-9]+")} [0-9]+ [^ "]+ '
    f'"{group("forwarded_for", _UNQUOTED)}" "{group("user_agent", _UNQUOTED)}" "[^"]*" '
)
# "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%": the host without its port.
_AUTHORITY = f'"{group("host", _UNQUOTED + "?")}(?::[0-9]+)?" "[^"]*"'
# Istio's: %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
# "%UPSTREAM_TRANSPORT_FAILURE_REASON%" (Envoy writes the details without spaces)
_DETAILS = r'[^ "]+ [^ "]+ "[^"]*" '
# Istio's: %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS%
# %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%: the client, in brackets
# when IPv6, before its port.
_ADDRESS = r"[^ \]]+"
_DOWNSTREAM = f" [^ ]+ [^ ]+ [^ ]+ (?:\\[?{group('ip', _ADDRESS)}\\]?:[0-9]+|-) [^ ]+ [^ ]+"
_END = r"\s*$"
_ENVOY_LINE = (
    '[2026-11-02T08:15:03.123Z] "GET /products/tent?color=red HTTP/1.1" 200 - 0 5123 4 3 '
    '"203.0.113.7" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" '
    '"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "shop.example.com" "10.0.2.1:8080"'
)


@dataclass(frozen=True)
class ForwardedClientFormat(RegexFormat):
    """A regex format that logs X-Forwarded-For and no client address: the client is the
    list's first public address, else its first, as ``--client-ip first-forwarded`` takes it."""

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        return super().parse(lines).with_columns(first_forwarded_ip())


ENVOY = ForwardedClientFormat(
    name="envoy",
    regex=f"{_TIME}{_REQUEST}{_MIDDLE}{_AUTHORITY}{_END}",
    time=ISO8601,
    example=_ENVOY_LINE,
    description="Envoy's default access log (also Contour, Emissary); the client is the "
    "first address of X-Forwarded-For",
)

ISTIO = RegexFormat(
    name="istio",
    regex=f"{_TIME}{_REQUEST}{_DETAILS}{_MIDDLE}{_AUTHORITY}{_DOWNSTREAM}{_END}",
    time=ISO8601,
    example=(
        _ENVOY_LINE.replace(" 200 - 0 ", ' 200 - via_upstream - "-" 0 ')
        + " outbound|8080||shop.default.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8080 "
        "10.44.1.9:46520 - default"
    ),
    description="Istio's default access log (Envoy's with Istio's fields)",
)

# A TCP proxy's record: no method, target or protocol.
ENVOY_TCP = NotHttp("envoy_tcp", rf'{_START}{_ISO_TIME}\] "- - -" ')

ENVOY_FAMILY = Family(
    "envoy",
    (ENVOY, ISTIO),
    not_http=(ENVOY_TCP,),
    description=ENVOY.description,
    claims=rf"{COMMENT_LINE}|{_START}[0-9]{{4}}-[0-9][0-9]-[0-9][0-9]T",
)
