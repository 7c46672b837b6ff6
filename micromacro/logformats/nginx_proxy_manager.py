"""Nginx Proxy Manager's access logs (``/data/logs/proxy-host-N_access.log``), in the two
``log_format`` lines of its nginx configuration.

- ``npm`` (``log_format proxy``, every proxy host's log, and the fallback host's in recent
  releases): ``[$time_local] $upstream_cache_status $upstream_status $status -
  $request_method $scheme $host "$request_uri" [Client $remote_addr] [Length
  $body_bytes_sent] [Gzip $gzip_ratio] [Sent-to $server] "$http_user_agent" "$http_referer"``
- ``npm_standard`` (``log_format standard``: dead hosts, redirection hosts, the fallback host
  of older releases): the same without the cache status, the upstream status and ``[Sent-to
  …]``.

The upstream status is ``-`` when no upstream answered, or one status per upstream contacted
(``502, 200``, with `` : `` across an internal redirect): it is not read, nor is the cache
status, the scheme, the gzip ratio or the upstream server. The host is ``$host`` (nginx
writes it without the port), the client ``$remote_addr``, the time the CLF time. nginx escapes
a double quote inside a value (``\\x22``), so an unescaped one ends a field: such a line is
malformed, never read with its fields shifted.
"""

from __future__ import annotations

from micromacro.logformats.base import RegexFormat
from micromacro.logformats.families import COMMENT_LINE, Family
from micromacro.logformats.patterns import BRACKETED, group, quoted

_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

_TIME = f"^\\[{group('time', BRACKETED)}\\] "
# $upstream_status: "-", or a status per upstream contacted, any of them "-" (no answer).
_UPSTREAM_STATUS = r"[-0-9]+(?:(?:, | : )[-0-9]+)*"
# $status - $request_method $scheme $host "$request_uri" [Client $remote_addr]
# [Length $body_bytes_sent] [Gzip $gzip_ratio]
_REQUEST = (
    f"{group('status', r'[0-9]{3}')} - {group('method', '[^ ]+')} [^ ]+ {group('host', '[^ ]+')} "
    f"{quoted('uri')} \\[Client {group('ip', BRACKETED)}\\] "
    f"\\[Length {group('bytes', '[0-9]+')}\\] \\[Gzip [^\\]]*\\] "
)
_AGENT_REFERRER = f"{quoted('user_agent')} {quoted('referrer')}\\s*$"

NPM = RegexFormat(
    name="npm",
    regex=(
        f"{_TIME}[^ ]+ {_UPSTREAM_STATUS} {_REQUEST}\\[Sent-to {BRACKETED}\\] {_AGENT_REFERRER}"
    ),
    example=(
        '[02/Nov/2026:09:15:03 +0100] - 200 200 - GET https shop.example.com "/products/tent" '
        f'[Client 203.0.113.7] [Length 5123] [Gzip 3.21] [Sent-to 10.0.0.5] "{_UA}" '
        '"https://www.google.com/"'
    ),
    description="Nginx Proxy Manager proxy host log (log_format proxy); the host is $host",
)

NPM_STANDARD = RegexFormat(
    name="npm_standard",
    regex=f"{_TIME}{_REQUEST}{_AGENT_REFERRER}",
    example=(
        '[02/Nov/2026:09:15:03 +0100] 200 - GET https shop.example.com "/products/tent" '
        f'[Client 203.0.113.7] [Length 5123] [Gzip -] "{_UA}" "https://www.google.com/"'
    ),
    description="Nginx Proxy Manager dead, redirection and fallback host log (log_format standard)",
)

NPM_FAMILY = Family(
    "npm",
    (NPM, NPM_STANDARD),
    description=NPM.description,
    claims=rf"{COMMENT_LINE}|\[Client ",  # every line names its client so
)
