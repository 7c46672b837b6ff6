"""The Common Log Format family: ``common``, ``combined`` and the shapes real files mix in.

Strict variants (one exact regex each, the fast path):

- ``common``: ``host ident user [time] "request" status bytes``
- ``combined``: common plus ``"referrer" "user agent"`` (nginx and Apache default)
- ``vhost_common``, ``vhost_combined``: the same after the virtual host (``host`` or
  ``host:port``), as Apache's ``%v`` writes it
- ``combined+xff``: combined plus ``"$http_x_forwarded_for"`` (nginx's default ``main`` format)
- ``traefik``: combined plus Traefik's request count, router, server URL and duration
- ``ingress_nginx``: combined plus ingress-nginx's request length and time, upstream names,
  addresses, lengths, times and statuses, and request id (its default ``upstreaminfo``)
- ``lighttpd``: lighttpd's default, combined with the ``Host`` header (``%V``) where the ident
  goes: ``%h %V %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"``. An ident that is a host
  name (dotted: ``shop.example.com``, ``192.0.2.10:8080``) is the cue; ``-`` (no ``Host``) or a
  plain word is an ident, and the line ``combined``
- ``ssl_request``: Apache's default mod_ssl log, ``[time] host protocol cipher "request" bytes``

The ``general`` reader reads all of those and what no single regex has, and names each line's
variant from what it found (``traefik``, ``ingress_nginx`` and ``lighttpd`` by name): a
``vhost_`` prefix, ``common`` or ``combined``, then
``+address_list`` (the client field is a list of addresses, quoted or not, maybe followed by
the connecting address), ``+bare_dash`` (``-`` for the referrer or user agent instead of
``"-"``), ``+dash_status`` (``-`` for the status), ``+elapsed`` (Gandi's ``(0 s)`` after the
time), ``+xff`` (a trailing quoted X-Forwarded-For list: right after the user agent, or a whole
quoted field of addresses among the trailing ones) and ``+fields`` (other trailing fields, left
unread). Times may carry fractions of a second. Fields after a whole referrer and user
agent may be anything; after a line's status and bytes, without a user agent, they must be
whole fields (an unclosed quote there is a combined line cut short: malformed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from micromacro.logformats.base import LineParser, LogFormat, RegexFormat
from micromacro.logformats.clf_split import SplitClf
from micromacro.logformats.families import Family, NotHttp
from micromacro.logformats.fields import TimeSpec, normalize
from micromacro.logformats.patterns import BRACKETED, QUOTED_TEXT, group, quoted, token

_STATUS = r"[0-9]{3}"
_BYTES = r"[0-9]+|-"
_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
_END = r"\s*$"
# An X-Forwarded-For list as nginx logs "$http_x_forwarded_for": addresses, or "-". An address
# is IPv4 or IPv6 (maybe in brackets, with a zone id or a port), or "unknown", as proxies write.
# The header is logged as the client sent it: spaces and tabs may be around any comma and at
# either end ("203.0.113.5 , 10.0.0.2").
_IPV4 = r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?::[0-9]{1,5})?"
# A port follows a bracketed IPv6 address only: after a bare one it would read as one more
# group, and the two readings of every address made a failing match try 2^n ways (Python's
# engine backtracks: a field of 24 addresses took 21 s).
_IPV6_BODY = r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.[0-9]{1,3}){0,3}(?:%[0-9A-Za-z_.-]+)?"
_IPV6 = rf"(?:\[{_IPV6_BODY}\](?::[0-9]{{1,5}})?|{_IPV6_BODY})"
_ADDRESS = rf"(?:{_IPV4}|{_IPV6}|unknown)"
ADDRESS_LIST = rf"[ \t]*{_ADDRESS}(?:[ \t]*,[ \t]*{_ADDRESS})*[ \t]*"
_XFF = rf"-|(?:{ADDRESS_LIST})?"
# A whole quoted field among the trailing ones that holds an address list: X-Forwarded-For
# logged further along the line.
_LATER_XFF = rf'(?:^|[ \t])"({ADDRESS_LIST})"(?:[ \t]|$)'

_CLIENT = r'[^ ,"]+'
# After a virtual host the client is never ``-`` (no server writes that for ``%h`` or
# ``$remote_addr``): ``203.0.113.7 - john doe [time]`` is a client and a user holding a space,
# not the virtual host 203.0.113.7 and a client ``-``.
_VHOST_CLIENT = r'(?:[^ ,"-][^ ,"]*|-[^ ,"]+)'
_VHOST_NAME = r'[^ :,"]+'
# lighttpd's %V where the ident goes: a dotted host name (its last label holds a letter), maybe
# with a port. A plain word is an ident (identd's user name), ``-`` no Host header, and an
# address no cue: formats log a forwarded client's address there (``$remote_addr
# $http_x_real_ip $remote_user``), and a Host header of an address is rare.
_DOTTED_HOST = r"(?:[0-9A-Za-z_-]+\.)+[0-9A-Za-z_-]*[A-Za-z][0-9A-Za-z_-]*"
_IDENT_HOST = f"^({_DOTTED_HOST})(?::[0-9]+)?$"


def _clf(client: str) -> str:
    """host ident user [time] "request" status bytes. A client field with a comma or a quote is
    an address list, which only the general reader reads."""
    return (
        f"{group('ip', client)} [^ ]+ {token('remote_user')} \\[{group('time', BRACKETED)}\\] "
        f"{quoted('request')} {group('status', _STATUS)} {group('bytes', _BYTES)}"
    )


def _combined(clf: str) -> str:
    """A common line's pattern ``clf`` and then the quoted referrer and user agent."""
    return f"{clf} {quoted('referrer')} {quoted('user_agent')}"


_CLF = _clf(_CLIENT)
_COMBINED = _combined(_CLF)
_VHOST = f"{group('host', _VHOST_NAME)}(?::[0-9]+)? "
_VHOST_CLF = _clf(_VHOST_CLIENT)
_TRAEFIK_TAIL = r' [0-9]+ "[^"]*" "[^"]*" [0-9]+ms'
# ingress-nginx's default (log_format upstreaminfo): combined, then $request_length
# $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr
# $upstream_response_length $upstream_response_time $upstream_status $req_id (the upstream
# values are lists, "10.0.0.1:80, 10.0.0.2:80", when several upstreams were tried).
_INGRESS_TAIL = (
    r" [0-9]+ [0-9]+(?:\.[0-9]+)? \[[^\]]*\] \[[^\]]*\] "
    r"(?:[^\[\]]|\[[0-9A-Fa-f:.%]*\])+ [0-9a-f]{32}"
)
# Apache's default mod_ssl log: %t %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x "%r" %b (no status).
_SSL_REQUEST = (
    f"\\[{group('time', BRACKETED)}\\] {token('ip')} [^ ]+ [^ ]+ {quoted('request')} "
    f"{group('bytes', _BYTES)}"
)

COMBINED = SplitClf(
    name="combined",
    regex=f"^{_COMBINED}{_END}",
    example=(
        '203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET /products/tent HTTP/1.1" 200 5123 '
        f'"https://www.google.com/" "{_UA}"'
    ),
    description="nginx and Apache default: common plus referrer and user agent",
    tail=("referrer", "user_agent"),
)

COMMON = SplitClf(
    name="common",
    regex=f"^{_CLF}{_END}",
    example='203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET /products/tent HTTP/1.1" 200 5123',
    description="Common Log Format: no referrer, no user agent",
)

VHOST_COMBINED = SplitClf(
    name="vhost_combined",
    regex=f"^{_VHOST}{_combined(_VHOST_CLF)}{_END}",
    example=(
        "shop.example.com:443 203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "
        f'"GET /products/tent HTTP/1.1" 200 5123 "https://www.google.com/" "{_UA}"'
    ),
    description="Apache vhost_combined: the virtual host and port, then combined",
    vhost=True,
    tail=("referrer", "user_agent"),
)

VHOST_COMMON = SplitClf(
    name="vhost_common",
    regex=f"^{_VHOST}{_VHOST_CLF}{_END}",
    example=(
        'shop.example.com 203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET /products/tent '
        'HTTP/1.1" 200 5123'
    ),
    description='Apache vhost_common (%v %h %l %u %t "%r" %>s %b): the virtual host, then common',
    vhost=True,
)

COMBINED_XFF = SplitClf(
    name="combined+xff",
    regex=f'^{_COMBINED} "{group("forwarded_for", _XFF)}"{_END}',
    example=(
        '10.0.0.2 - - [02/Nov/2026:09:15:03 +0100] "GET /products/tent HTTP/1.1" 200 5123 '
        f'"https://www.google.com/" "{_UA}" "203.0.113.7, 10.0.0.1"'
    ),
    description="nginx's default main format: combined plus the X-Forwarded-For header",
    tail=("referrer", "user_agent", "forwarded_for"),
    shapes=(("forwarded_for", f"^(?:{_XFF})$"),),
)

INGRESS_NGINX = RegexFormat(
    name="ingress_nginx",
    regex=f"^{_COMBINED}{_INGRESS_TAIL}{_END}",
    example=(
        '203.0.113.7 - - [02/Nov/2026:08:15:03 +0000] "GET /products/tent HTTP/2.0" 200 5123 '
        f'"https://www.google.com/" "{_UA}" 412 0.004 [shop-web-80] [] 10.244.0.9:8080 5123 '
        "0.004 200 6a1b2c3d4e5f60718293a4b5c6d7e8f9"
    ),
    description="Kubernetes ingress-nginx's default (upstreaminfo): combined plus request "
    "length, time, upstream and request id",
)

LIGHTTPD = RegexFormat(
    name="lighttpd",
    regex=(
        f"^{group('ip', _CLIENT)} {group('host', _DOTTED_HOST)}(?::[0-9]+)? {token('remote_user')} "
        f"\\[{group('time', BRACKETED)}\\] {quoted('request')} {group('status', _STATUS)} "
        f"{group('bytes', _BYTES)} {quoted('referrer')} {quoted('user_agent')}{_END}"
    ),
    example=(
        '203.0.113.7 shop.example.com - [02/Nov/2026:09:15:03 +0100] "GET /products/tent '
        f'HTTP/1.1" 200 5123 "https://www.google.com/" "{_UA}"'
    ),
    description="lighttpd's default: combined with the Host header (%V) for the ident",
)

SSL_REQUEST = RegexFormat(
    name="ssl_request",
    regex=f"^{_SSL_REQUEST}{_END}",
    example=(
        '[02/Nov/2026:09:15:03 +0100] 203.0.113.7 TLSv1.3 TLS_AES_128_GCM_SHA256 "GET '
        '/products/tent HTTP/1.1" 5123'
    ),
    description="Apache's default mod_ssl ssl_request_log: time, client, TLS protocol and "
    "cipher, request and bytes (no status)",
)

TRAEFIK_CLF = RegexFormat(
    name="traefik",
    regex=f"^{_COMBINED}{_TRAEFIK_TAIL}{_END}",
    example=(
        '203.0.113.7 - - [02/Nov/2026:08:15:03 +0000] "GET /products/tent HTTP/2.0" 200 5123 '
        f'"https://www.google.com/" "{_UA}" 1042 "shop@docker" "http://172.18.0.5:8080" 3ms'
    ),
    description="Traefik access log, common format: combined plus request count, router, "
    "server URL and duration",
)

# --- The general reader ---------------------------------------------------------------------

_QUOTED_OR_DASH = f'"{QUOTED_TEXT}"|-'
# Fields after the user agent: runs of text and whole quoted strings (rt=0.004, uct="0.000",
# "shop@docker"); an unclosed quote is a line cut short, not a field.
_TRAILING_FIELDS = f'(?:[ \\t]+(?:[^ \\t"]|"{QUOTED_TEXT}")+)+'
# Everything before "ident user [time]" is the client field, with a virtual host before it;
# a bracket there closes before any space (an IPv6 address with a port: ``[2001:db8::1]:443``),
# so the time's bracket is never taken for one. After a whole referrer and user agent anything
# may follow; without them, only whole fields (an unclosed quote there is a combined line cut
# short).
_GENERAL = (
    r"^(?P<prefix>(?:[^\[]|\[[^\]\s]*\])+?) (?P<ident>[^ ]+) (?P<remote_user>[^ ]+) "
    r"\[(?P<time>[^\]]+)\]"
    r"(?: \((?P<elapsed>[^)]*)\))?"
    f" {quoted('request')} (?P<status>{_STATUS}|-) (?P<bytes>{_BYTES})"
    f"(?: (?P<referrer>{_QUOTED_OR_DASH}) (?P<user_agent>{_QUOTED_OR_DASH})"
    f'(?: "(?P<forwarded_for>{_XFF})")?(?P<extra>.*?\\S.*?)?'
    f'|(?: "(?P<common_xff>{_XFF})")?(?P<common_extra>{_TRAILING_FIELDS})?)'
    r"\s*$"
)
_ITEM = r'[^ ",]+'
_LIST = f"{_ITEM}(?:, ?{_ITEM})+"
# The client field: [vhost] (address | address list | "address list") [connecting address].
# Two plain items are a virtual host and a client; a list then an item, a list and the
# connecting address. An item then ``-`` is a client, its ident and the start of a user
# holding spaces (``203.0.113.7 - john doe [time]``): no server logs ``-`` as the client.
_CLIENT_FIELD = (
    f'^(?:(?P<c0>{_ITEM}) -(?: [^"]*)?'
    f'|(?P<h1>{_ITEM}) (?:"(?P<q1>[^"]*)"|(?P<l1>{_LIST})) (?P<s1>{_ITEM})'
    f'|(?P<h2>{_ITEM}) (?:"(?P<q2>[^"]*)"|(?P<l2>{_LIST}))'
    f'|(?:"(?P<q3>[^"]*)"|(?P<l3>{_LIST})) (?P<s3>{_ITEM})'
    f"|(?P<h4>{_ITEM}) (?P<s4>{_ITEM})"
    f'|"(?P<q5>[^"]*)"|(?P<l5>{_ITEM}(?:, ?{_ITEM})*))$'
)
_GENERAL_FIELDS = frozenset(
    {"ip", "host", "remote_user", "time", "request", "status", "bytes", "referrer", "user_agent"}
    | {"forwarded_for"}
)
_FRACTIONAL_CLF = TimeSpec("strftime", "%d/%b/%Y:%H:%M:%S%.f %z")


def _part(*names: str) -> pl.Expr:
    return pl.coalesce([pl.col("_client").struct.field(name) for name in names])


def _unquoted(text: pl.Expr) -> pl.Expr:
    """A ``"…"`` field's inside (the regex captured it whole, quotes included); a bare ``-``
    stays ``-``."""
    return text.str.strip_prefix('"').str.strip_suffix('"')


def _either(fields: pl.Expr, first: str, second: str) -> pl.Expr:
    """The raw field ``first`` or, where it is null, ``second`` (the regex's two branches)."""
    return pl.coalesce(fields.struct.field(first), fields.struct.field(second))


def _label() -> pl.Expr:
    """The variant name of each line read by the general reader."""
    fields = pl.col("_fields")
    referrer, agent = fields.struct.field("referrer"), fields.struct.field("user_agent")
    extra = _either(fields, "extra", "common_extra")
    combined = agent.is_not_null()
    host = pl.col("_host").is_not_null()
    base = pl.when(host).then(pl.lit("vhost_")).otherwise(pl.lit("")) + pl.when(combined).then(
        pl.lit("combined")
    ).otherwise(pl.lit("common"))

    def suffix(name: str, condition: pl.Expr) -> pl.Expr:
        return pl.when(condition.fill_null(False)).then(pl.lit(f"+{name}")).otherwise(pl.lit(""))

    label = pl.concat_str(
        base,
        suffix("address_list", pl.col("_list").is_not_null()),
        suffix("bare_dash", (referrer == "-") | (agent == "-")),
        suffix("dash_status", fields.struct.field("status") == "-"),
        suffix("elapsed", fields.struct.field("elapsed").is_not_null()),
        suffix("xff", pl.col("_xff").is_not_null()),
        suffix("fields", extra.is_not_null()),
    )
    traefik = (label == "combined+fields") & extra.str.contains(f"^{_TRAEFIK_TAIL}$")
    ingress = (label == "combined+fields") & extra.str.contains(f"^{_INGRESS_TAIL}$")
    lighttpd = (label == "combined") & _ident_host().is_not_null()
    return (
        pl.when(traefik)
        .then(pl.lit("traefik"))
        .when(ingress)
        .then(pl.lit("ingress_nginx"))
        .when(lighttpd)
        .then(pl.lit("lighttpd"))
        .otherwise(label)
    )


def _ident_host() -> pl.Expr:
    """The host where the ident goes, as lighttpd logs ``%V`` (without its port): an ident that
    is a dotted host name; null for any other ident."""
    return pl.col("_fields").struct.field("ident").str.extract(_IDENT_HOST, 1)


@dataclass(frozen=True)
class GeneralClf(LogFormat):
    """Reads any line of the Common Log Format family and names its variant (see module)."""

    name: str = "clf"
    example: str = ""
    description: str = "any Common Log Format line: common, combined and their variants"
    regex: str = field(default=_GENERAL, repr=False)

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Parse a chunk of the line table (this format has no state between chunks)."""
        fields = pl.col("_fields")
        cut = lines.with_columns(_fields=pl.col("line").str.extract_groups(self.regex))
        client = cut.with_columns(
            _client=fields.struct.field("prefix").str.extract_groups(_CLIENT_FIELD)
        ).with_columns(
            # Without its port: ``shop.example:443``, ``[2001:db8::10]:443``.
            _host=_part("h1", "h2", "h4").str.replace(r"^(\[[^\]]*\]|[^:]+):[0-9]+$", "${1}"),
            _list=_part("c0", "q1", "l1", "q2", "l2", "q3", "l3", "q5", "l5"),
            _second=_part("s1", "s3", "s4"),
        )
        # A list's connecting address is the address after it, else its last one.
        listed = pl.col("_list").str.split(",").list.last().str.strip_chars(" ")
        is_list = pl.col("_list").str.contains(",") | pl.col("_second").is_not_null()
        with_list = client.with_columns(
            _ip=pl.coalesce(pl.col("_second"), listed), _list=pl.when(is_list).then("_list")
        )
        # X-Forwarded-For right after the user agent (or the bytes), else a quoted address list
        # further among the trailing fields.
        later = _either(fields, "extra", "common_extra").str.extract(_LATER_XFF, 1)
        with_xff = with_list.with_columns(
            _xff=pl.coalesce(_either(fields, "forwarded_for", "common_xff"), later)
        )
        trailing = pl.col("_xff")
        labelled = with_xff.with_columns(_variant=_label())
        # lighttpd's Host header in the ident's place, on the lines named after it.
        ident_host = pl.when(pl.col("_variant") == "lighttpd").then(_ident_host())
        typed = labelled.with_columns(
            _fields=pl.struct(
                ip=pl.col("_ip"),
                host=pl.coalesce(pl.col("_host"), ident_host),
                remote_user=fields.struct.field("remote_user"),
                time=fields.struct.field("time"),
                # A client field that is none of the shapes above reads as no request.
                request=pl.when(pl.col("_ip").is_not_null()).then(fields.struct.field("request")),
                status=fields.struct.field("status"),
                bytes=fields.struct.field("bytes"),
                referrer=_unquoted(fields.struct.field("referrer")),
                user_agent=_unquoted(fields.struct.field("user_agent")),
                forwarded_for=pl.coalesce(pl.when(trailing != "-").then(trailing), "_list"),
            ),
        )
        parsed = normalize(
            typed,
            _GENERAL_FIELDS,
            _FRACTIONAL_CLF,
            variant=pl.col("_variant"),
        )
        return parsed.drop("_client", "_host", "_list", "_second", "_ip", "_variant", "_xff")

    def parser(self) -> LineParser:
        return self.parse


GENERAL_CLF = GeneralClf()

# The server's own messages in the stream its access log goes to: the official container
# images send the access log to stdout and the error log to stderr, which docker logs and
# kubectl logs give as one. nginx's error log lines (``2026/12/06 15:10:01 [error] 29#29: *1
# open() … failed``) and its image's entrypoint messages (``/docker-entrypoint.sh: …``,
# ``10-listen-on-ipv6-by-default.sh: info: …``); Apache's (``[Sun Dec 06 15:10:01.123456 2026]
# [core:error] [pid 8] …``, and ``AH00558: httpd: …`` written before its error log is open).
# They recognise no format: a file of them is no access log.
_LEVELS = r"(?:emerg|alert|crit|error|warn|notice|info|debug|trace[1-8])"
NGINX_MESSAGE = NotHttp(
    "nginx_message",
    rf"^(?:[0-9]{{4}}/[0-9]{{2}}/[0-9]{{2}} [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}} \[{_LEVELS}\] "
    r"[0-9]+#[0-9]+: |/docker-entrypoint\.sh: |[0-9]+-[a-z0-9-]+\.(?:sh|envsh): )",
    recognises=False,
)
APACHE_MESSAGE = NotHttp(
    "apache_message",
    r"^(?:\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)? "
    rf"[0-9]{{4}}\] \[(?:[a-z_]+:)?{_LEVELS}\] |AH[0-9]{{5}}: )",
    recognises=False,
)
# A Kubernetes controller's own log lines (klog: ``I1206 15:10:01.123456       7
# store.go:440] …``), and the banner ingress-nginx's controller prints at start-up, among the
# access lines ``kubectl logs`` gives.
CONTROLLER_MESSAGE = NotHttp(
    "controller_message",
    r"^(?:[IWEF][0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} +[0-9]+ [^ :\]]+:[0-9]+\] "
    r"|-{79}$|NGINX Ingress controller$|  (?:Release|Build|Repository|nginx version): )",
    recognises=False,
)

CLF_FAMILY = Family(
    name="clf",
    variants=(
        COMBINED,
        COMMON,
        VHOST_COMBINED,
        VHOST_COMMON,
        COMBINED_XFF,
        TRAEFIK_CLF,
        INGRESS_NGINX,
        LIGHTTPD,
        SSL_REQUEST,
    ),
    general=GENERAL_CLF,
    not_http=(NGINX_MESSAGE, APACHE_MESSAGE, CONTROLLER_MESSAGE),
    description="Common Log Format and its variants",
)
