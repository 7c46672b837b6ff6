"""Content delivery networks' own text logs (CloudFront's W3C log is in ``w3c``).

- ``bunny`` (Bunny CDN, the pipe-separated lines of its logging API v1 and log storage):
  ``cache_status|status|timestamp_ms|bytes|pull_zone_id|remote_ip|referrer|url|edge_location|
  user_agent|request_id|country_code``. The time is milliseconds since 1970 (UTC). No method
  is logged, so every line is a GET; the path and query come from the full URL (its host is
  not taken as the host: it is the pull zone's or the site's, whichever the client used). The
  user agent is read up to the last two fields, so a ``|`` inside it is kept.
"""

from __future__ import annotations

from micromacro.logformats.base import RegexFormat
from micromacro.logformats.families import COMMENT_LINE, Family
from micromacro.logformats.fields import TimeSpec

_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

EPOCH_MILLISECONDS = TimeSpec("epoch", "", 1e-3)

BUNNY = RegexFormat(
    name="bunny",
    regex=(
        r"^[A-Za-z_-]+\|(?P<status>[0-9]{3})\|(?P<time>[0-9]+)\|(?P<bytes>[0-9]+|-)\|[0-9]+\|(?P<ip>[^|]*)\|"
        r"(?P<referrer>[^|]*)\|(?P<uri>[^|]*)\|[^|]*\|(?P<user_agent>.*)\|[^|]*\|[^|]*$"
    ),
    time=EPOCH_MILLISECONDS,
    example=(
        "MISS|200|1793607303123|5123|390|203.0.113.7|https://www.google.com/|"
        f"https://shop.example.com/products/tent|FR|{_UA}|"
        "322b688bd63fb63f2babe9de30a5d262|FR"
    ),
    description="Bunny CDN log (pipe-separated, epoch milliseconds, full URL; read as GET)",
)

BUNNY_FAMILY = Family(
    "bunny",
    (BUNNY,),
    description=BUNNY.description,
    claims=rf"{COMMENT_LINE}|^[A-Za-z_-]+\|",  # the cache status, then a pipe
)
