"""W3C field sets: the one a ``#Fields:`` header names, and the ones files without a header have.

A ``Layout`` names the value at every position of a W3C line. A header-driven line takes its
layout from the ``#Fields:`` line in force (``header_layout``). A line without one (a file cut
from the middle of a log, a header dropped by rotation or by a log shipper) is matched against
the common headerless layouts, as log shippers do: by its number of values, then by the shape
of the values at a few positions (a date, a time, a method token, a three-digit status,
numbers), the first layout that fits winning.

Headerless layouts (names are the ``variant`` of the lines they read):

- ``iis_headerless_15``: IIS's default field set; ``iis_headerless_14``: the same without
  ``cs(Referer)`` (IIS 7.5); ``iis_headerless_19``: with ``s-sitename``, ``cs(Cookie)``,
  ``cs-host`` and byte counts; ``iis_headerless_22``: every IIS field (``s-computername``,
  ``cs-version``, …); each with ``+xff`` when an ``X-Forwarded-For`` column follows (Filebeat's
  IIS layouts).
- ``netscaler_headerless_18``: NetScaler Web Logging's (NSWL) default W3C field set.
- ``cloudfront_headerless_N``: a CloudFront standard log line of N tab-separated values (12 to
  33): CloudFront only ever appended fields, so N values are its first N documented fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Shapes of the values a headerless line is recognised by (the whole value, quotes removed).
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIME = r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?$"
_METHOD = r"^[A-Za-z][!#$%&'*+.^_`|~0-9A-Za-z-]*$"
_STATUS = r"^[0-9]{3}$"
_NUMBER = r"^[0-9]+$"
_PROTOCOL = r"^(?:[A-Za-z]+/[0-9]+(?:\.[0-9]+)?|-)$"

IIS_SHAPES: Mapping[str, str] = {
    "date": _DATE,
    "time": _TIME,
    "cs-method": _METHOD,
    "sc-status": _STATUS,
    "s-port": _NUMBER,
    "sc-substatus": _NUMBER,
    "sc-win32-status": _NUMBER,
    "sc-bytes": _NUMBER,
    "cs-bytes": _NUMBER,
    "time-taken": _NUMBER,
    "cs-version": _PROTOCOL,
}
CLOUDFRONT_SHAPES: Mapping[str, str] = {
    "date": _DATE,
    "time": _TIME,
    "x-edge-location": r"^[A-Za-z0-9-]+$",
    "sc-bytes": _NUMBER,
    "cs-method": _METHOD,
    "sc-status": _STATUS,
}


@dataclass(frozen=True)
class Layout:
    """The lower-case W3C field names of a line's values, in order; ``name`` is the variant of
    the lines read with it, ``decoded`` the raw fields whose ``%XY`` escapes are decoded once,
    and ``checks`` the (position, regex) pairs a headerless line's values must match."""

    name: str
    fields: tuple[str, ...]
    decoded: frozenset[str] = frozenset()
    checks: tuple[tuple[int, str], ...] = ()


def header_layout(fields: Sequence[str], name: str) -> Layout:
    """The layout a ``#Fields:`` header names: called ``name``, or ``shoutcast`` for SHOUTcast's
    fields (``c-status`` instead of ``sc-status``), whose path and user agent are URL-encoded.

    >>> header_layout(["c-ip", "date", "time", "cs-uri-stem", "c-status"], "w3c").name
    'shoutcast'
    """
    if "c-status" in fields and "sc-status" not in fields:
        return Layout("shoutcast", tuple(fields), frozenset({"path", "user_agent"}))
    return Layout(name, tuple(fields))


def headerless_layout(name: str, fields: str, shapes: Mapping[str, str]) -> Layout:
    """A headerless layout of the space-separated ``fields``, recognised by the ``shapes`` of
    the values of those of its fields that have one.

    >>> [position for position, _ in headerless_layout("x", "date time c-ip sc-status",
    ...     IIS_SHAPES).checks]
    [0, 1, 3]
    """
    names = tuple(fields.split())
    checks = tuple(
        (position, shapes[field]) for position, field in enumerate(names) if field in shapes
    )
    return Layout(name, names, checks=checks)


_IIS_15 = (
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(user-agent) "
    "cs(referer) sc-status sc-substatus sc-win32-status time-taken"
)
_IIS_14 = _IIS_15.replace(" cs(referer)", "")
_IIS_19 = (
    "date time s-sitename cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(user-agent) cs(cookie) cs(referer) cs-host sc-status sc-substatus sc-win32-status "
    "sc-bytes cs-bytes time-taken"
)
_IIS_22 = (
    "date time s-sitename s-computername s-ip cs-method cs-uri-stem cs-uri-query s-port "
    "cs-username c-ip cs-version cs(user-agent) cs(cookie) cs(referer) cs-host sc-status "
    "sc-substatus sc-win32-status sc-bytes cs-bytes time-taken"
)
_NSWL_18 = (
    "date time c-ip cs-username sc-servicename s-ip s-port cs-method cs-uri-stem cs-uri-query "
    "sc-status cs-bytes sc-bytes time-taken cs-version cs(user-agent) cs(cookie) cs(referer)"
)


def _iis_layouts() -> tuple[Layout, ...]:
    """The headerless IIS and NetScaler layouts, in the order they are tried (the 15-field
    default before the 14 fields + X-Forwarded-For, which has as many values)."""
    bases = (("15", _IIS_15), ("14", _IIS_14), ("19", _IIS_19), ("22", _IIS_22))
    plain = [headerless_layout(f"iis_headerless_{n}", fields, IIS_SHAPES) for n, fields in bases]
    xff = [
        headerless_layout(f"iis_headerless_{n}+xff", f"{fields} x-forwarded-for", IIS_SHAPES)
        for n, fields in bases
    ]
    netscaler = headerless_layout("netscaler_headerless_18", _NSWL_18, IIS_SHAPES)
    return (*plain, *xff, netscaler)


IIS_HEADERLESS: tuple[Layout, ...] = _iis_layouts()

# CloudFront's documented fields, in the order it writes them (the 33 of 2019 on).
_CLOUDFRONT_NAMES = (
    "date time x-edge-location sc-bytes c-ip cs-method cs(host) cs-uri-stem sc-status "
    "cs(referer) cs(user-agent) cs-uri-query cs(cookie) x-edge-result-type x-edge-request-id "
    "x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher "
    "x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port "
    "time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
    "sc-range-start sc-range-end"
)
CLOUDFRONT_FIELDS: tuple[str, ...] = tuple(_CLOUDFRONT_NAMES.split())
# The first CloudFront logs had 12 fields (up to cs-uri-query).
_CLOUDFRONT_FEWEST = 12

CLOUDFRONT_HEADERLESS: tuple[Layout, ...] = tuple(
    headerless_layout(
        f"cloudfront_headerless_{count}", " ".join(CLOUDFRONT_FIELDS[:count]), CLOUDFRONT_SHAPES
    )
    for count in range(_CLOUDFRONT_FEWEST, len(CLOUDFRONT_FIELDS) + 1)
)
