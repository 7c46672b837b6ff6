"""Generate a seeded, realistic access log of a small outdoor-gear shop, in `combined` format.

    python bench/generate_log.py --lines 5000 --seed 42 --out sample_logs/access.log

The log is an nginx/Apache ``combined`` log of ``https://shop.example.com`` over ``--days`` days:
human visits (sessions of 1-15 pageviews with their static assets, referrers, add-to-cart,
checkout, newsletter and contact form posts answered with 303 redirects, a PDF download),
crawlers and scanners, an uptime monitor, redirects, errors and a few malformed lines.  The
same ``--lines``/``--seed``/``--start``/``--days`` always give the same bytes.

Importable: ``generate(lines, seed, start=..., days=...)`` yields the log as text chunks.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from operator import itemgetter
from typing import Generic, TypeVar

SITE = "https://shop.example.com"
UTC_OFFSET = "+0100"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600

# --- shares of the log ------------------------------------------------------------------------
BOT_LINE_SHARE = 0.20  # crawlers, scrapers, scanners, the uptime monitor (15-25 % wanted)
OUT_OF_ORDER_SHARE = 0.01  # lines written 1-2.5 s late by another worker (merged logs)
LINES_PER_MALFORMED = 5_000  # about one malformed line per 5,000
MIN_MALFORMED = 3  # ... but each of the three kinds at least once in logs of 3,000+ lines
MONITOR_SHARE = 0.012  # HEAD / from the uptime monitor, at most this share of the lines
MONITOR_INTERVALS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600)

# --- what human visitors do (rates over human sessions) ---------------------------------------
PURCHASE_RATE = 0.025  # add to cart, check out, place the order
CHECKOUT_ABANDON_RATE = 0.015  # add to cart, start the checkout, leave
CART_ONLY_RATE = 0.040  # add to cart, never check out
# An A/B test of the product page: each visitor sees variant A or B (by address), the split
# testing tool writes it on the first product page of a session as ?variant=A|B, and variant B
# turns more visits into add-to-carts (a micro conversion) without changing purchases.
VARIANT_B_CART_LIFT = 1.6
NEWSLETTER_RATE = 0.03
CONTACT_RATE = 0.01
SIZE_GUIDE_RATE = 0.04
BOUNCE_RATE = 0.40
MORE_PAGES_P = 0.58  # chance that a non-bounce visit goes on to one more page
MAX_PAGES = 15
RETURN_P = 0.18  # a visitor comes back later for another session
THINK_MEDIAN_S = 46.0  # seconds between two pageviews: log-normal, clipped to 5 s .. 4 min
THINK_SIGMA = 1.0
MISSING_PAGE_P = 0.012  # a human pageview answered 404 (stale link, typo)
SERVER_ERROR_P = 0.003  # ... answered 500 (the visitor reloads)
OPTIONS_P = 0.008  # a CORS preflight to the stock API after a product page
MOVED_LANDING_P = 0.03  # landing on an old URL that answers 301

# fmt: off
# --- the shop ---------------------------------------------------------------------------------
PRODUCTS: dict[str, tuple[str, ...]] = {
    "tents": (
        "trailhead-2p-tent", "summit-4-season-tent", "ultralight-1p-shelter",
        "family-dome-6p", "bivy-sack-pro", "basecamp-tunnel-4p", "canopy-tarp-3x3",
        "alpine-pod-2p", "backpacking-hammock",
    ),
    "backpacks": (
        "ridge-40l-pack", "daypack-22l", "expedition-70l", "hydration-vest-12l",
        "travel-duffel-55l", "frameless-35l", "kids-trail-pack-15l", "camera-pack-30l",
        "summit-bag-18l",
    ),
    "boots": (
        "trail-runner-gtx", "alpine-mountaineering-boot", "approach-shoe-lite",
        "winter-hiker-insulated", "waterproof-hiker-mid", "womens-trek-low",
        "kids-hiking-boot", "leather-backpacker", "vegan-hiker",
    ),
    "jackets": (
        "storm-shell-3l", "down-puffer-800", "softshell-guide", "insulated-parka",
        "packable-rain-jacket", "fleece-midlayer", "windbreaker-lite", "synthetic-hoody",
        "womens-ski-shell",
    ),
}
CATEGORIES = tuple(PRODUCTS)
SKU_PREFIX = {"tents": "TN", "backpacks": "BP", "boots": "BT", "jackets": "JK"}
SLUGS = tuple(slug for slugs in PRODUCTS.values() for slug in slugs)
CATEGORY_OF = {slug: cat for cat, slugs in PRODUCTS.items() for slug in slugs}
SKU_OF = {
    slug: f"{SKU_PREFIX[cat]}-{101 + i}"
    for cat, slugs in PRODUCTS.items()
    for i, slug in enumerate(slugs)
}
SIZED_SLUGS = PRODUCTS["boots"] + PRODUCTS["jackets"]  # the products with a size guide
BLOG_SLUGS = (
    "how-to-choose-a-tent", "layering-for-winter-hikes", "boot-fitting-guide",
    "ultralight-packing-list", "best-autumn-trails", "waterproofing-your-jacket",
    "camping-with-kids", "trip-report-dolomites", "first-night-in-a-bivy",
)
SEARCHES = (
    "waterproof+boots", "2+person+tent", "rain+jacket", "down+jacket", "backpack+40l",
    "gore-tex", "kids+boots", "tent+footprint", "ultralight", "size+guide", "hammock",
    "winter+boots", "softshell",
)
CAMPAIGNS = ("autumn-sale-2026", "black-friday-preview", "new-arrivals-nov")
PAID_CAMPAIGN_SUFFIXES = ("generic", "brand", "winter")
REFERRAL_SITES = (
    "https://www.reddit.com/r/CampingGear/", "https://www.reddit.com/r/Ultralight/",
    "https://news.ycombinator.com/", "https://www.outdoorgearlab.com/",
    "https://forum.hiking-club.example.org/t/boots-for-the-alps/2211",
    "https://www.trailrunnermag.com/",
)
MISSING_PATHS = (
    "/products/trail-runner-gtx-2023", "/category/sleeping-bags", "/products/storm-shell",
    "/blog/best-summer-trails", "/products/ridge-40-pack", "/sale",
)
MOVED = {"/shop": "/products", **{f"/old-blog/{s}": f"/blog/{s}" for s in BLOG_SLUGS}}
MOVED_PATHS = tuple(MOVED)
SIZE_GUIDE = "/downloads/size-guide.pdf"
CSS_URL = f"{SITE}/static/app.css"
LAYOUT_ASSETS = ("/static/app.css", "/static/app.js")
# A first page load: (path, size range, delay and spread after the page in s, referred by).
COLD_ASSETS = (
    ("/static/app.css", 28_000, 36_000, 0.05, 0.3, "page"),
    ("/static/app.js", 88_000, 120_000, 0.05, 0.3, "page"),
    ("/fonts/inter-var.woff2", 24_000, 48_000, 0.3, 0.5, "css"),
    ("/fonts/outfit-bold.woff2", 24_000, 48_000, 0.3, 0.5, "css"),
    ("/static/img/logo.png", 6_000, 9_000, 0.2, 0.4, "page"),
    ("/favicon.ico", 4_286, 4_286, 0.5, 1.5, "page-not-ios"),  # iOS sends no referrer
)
APPLE_TOUCH_ICONS = ("/apple-touch-icon-precomposed.png", "/apple-touch-icon.png")

# Diurnal profile (local time) of human traffic and weekday factors (Monday first).
HOUR_PROFILE = (
    0.25, 0.15, 0.10, 0.08, 0.08, 0.12, 0.30, 0.60, 0.90, 1.10, 1.20, 1.25,
    1.30, 1.25, 1.20, 1.20, 1.25, 1.35, 1.50, 1.70, 1.80, 1.60, 1.10, 0.60,
)
WEEKDAY_FACTOR = (1.0, 0.95, 0.95, 1.0, 0.9, 0.85, 1.15)

# Browsers: (device, weight, user-agent template, versions).  `{v}` is replaced by a version.
CHROME = ("128", "129", "130", "131")
FIREFOX = ("131", "132", "133")
SAFARI = (("17_6_1", "17.6"), ("18_0_1", "18.0"), ("18_1", "18.1"))
BROWSERS: tuple[tuple[str, float, str, tuple[str, ...]], ...] = (
    ("desktop", 0.150, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
     "like Gecko) Chrome/{v}.0.0.0 Safari/537.36", CHROME),
    ("desktop", 0.045, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
     "like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.0.0", CHROME),
    ("desktop", 0.040, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 "
     "Firefox/{v}.0", FIREFOX),
    ("desktop", 0.055, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
     "(KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36", CHROME),
    ("desktop", 0.055, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/{v} Safari/605.1.15", ("17.6", "18.0", "18.1")),
    ("desktop", 0.015, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:{v}.0) Gecko/20100101 "
     "Firefox/{v}.0", FIREFOX),
    ("desktop", 0.012, "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
     FIREFOX),
    ("desktop", 0.008, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/{v}.0.0.0 Safari/537.36", CHROME),
    ("mobile", 0.240, "Mozilla/5.0 (iPhone; CPU iPhone OS {v} Mobile/15E148 Safari/604.1",
     tuple(f"{ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{ver}"
           for ios, ver in SAFARI)),
    ("mobile", 0.025, "Mozilla/5.0 (iPhone; CPU iPhone OS {v} Mobile/15E148 Safari/604.1",
     tuple(f"{ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/{c}.0.6723.90"
           for ios, _ in SAFARI for c in CHROME[2:])),
    ("mobile", 0.250, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/{v}.0.0.0 Mobile Safari/537.36", CHROME),
    ("mobile", 0.020, "Mozilla/5.0 (Android 14; Mobile; rv:{v}.0) Gecko/{v}.0 Firefox/{v}.0",
     FIREFOX),
    ("mobile", 0.010, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/{v}.0.0.0 Mobile Safari/537.36 EdgA/{v}.0.2849.80", CHROME),
    ("tablet", 0.045, "Mozilla/5.0 (iPad; CPU OS {v} Mobile/15E148 Safari/604.1",
     tuple(f"{ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{ver}"
           for ios, ver in SAFARI)),
    ("tablet", 0.025, "Mozilla/5.0 (Linux; Android 14; {v}) AppleWebKit/537.36 (KHTML, like "
     "Gecko) Chrome/130.0.0.0 Safari/537.36", ("SM-X710", "SM-X200", "Lenovo TB-X606F")),
)
DEVICE_FACTOR = {"desktop": 1.5, "mobile": 0.7, "tablet": 1.0}  # buying propensity

HUMAN_V4_FIRST_OCTETS = (
    31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,
    109, 176, 178, 188, 193, 194, 195, 212, 213, 217,
)
HUMAN_V6_PREFIXES = ("2a02:8108", "2a01:e0a", "2001:16b8", "2a00:20", "2a02:a03f")
HUMAN_V6_SHARE = 0.06
SHARED_IP_SHARE = 0.02  # visitors behind an office or carrier NAT shared with others
SHARED_IPS = 300

# fmt: on
# Protocols as browsers speak them to the shop (nginx logs HTTP/2 as "HTTP/2.0").
HTTP11 = "HTTP/1.1"
HTTP2 = "HTTP/2.0"

T = TypeVar("T")
Hit = tuple[float, str]  # (sort key, log line)
Step = tuple[str, str, str]  # (kind, path, redirect target or "")

PAGE, MISSING, BROKEN, MOVED_STEP, POST, DOWNLOAD = (
    "page",
    "missing",
    "broken",
    "moved",
    "post",
    "download",
)


@dataclass(frozen=True, slots=True)
class Visitor:
    """A human visitor: access logs know one only as a (client IP, user agent) pair."""

    ip: str
    ua: str
    device: str
    proto: str
    ios: bool


@dataclass(frozen=True, slots=True)
class Channel:
    """Where a visit comes from: its weight, landing referrer, URL tags and buying propensity."""

    name: str
    weight: float
    referrers: tuple[str, ...]
    landing: tuple[tuple[str, float], ...]  # (page type, weight)
    factor: float


# fmt: off
CHANNELS = (
    Channel("google", 0.30, ("https://www.google.com/",),
            (("product", 4), ("category", 2.5), ("blog", 2), ("home", 1.5)), 1.0),
    Channel("bing", 0.05, ("https://www.bing.com/",),
            (("product", 4), ("category", 2.5), ("blog", 1.5), ("home", 2)), 1.0),
    Channel("duckduckgo", 0.02, ("https://duckduckgo.com/",),
            (("product", 4), ("category", 2), ("blog", 2), ("home", 2)), 1.0),
    Channel("facebook", 0.05, ("https://m.facebook.com/", "https://l.facebook.com/"),
            (("product", 5), ("blog", 3), ("home", 2)), 0.6),
    Channel("instagram", 0.04, ("https://l.instagram.com/", "https://www.instagram.com/"),
            (("product", 7), ("category", 3)), 0.5),
    Channel("newsletter", 0.06, ("-", "-", "-", "https://mail.google.com/"),
            (("category", 4), ("product", 4), ("home", 2)), 2.0),
    Channel("paid", 0.08, ("https://www.google.com/",), (("product", 6), ("category", 4)), 1.3),
    Channel("referral", 0.07, REFERRAL_SITES, (("blog", 4), ("product", 4), ("home", 2)), 0.8),
    Channel("direct", 0.33, ("-",), (("home", 7), ("product", 2), ("category", 1)), 1.2),
)
RETURN_CHANNELS = ("direct",) * 6 + ("google", "newsletter", "paid", "facebook")

# Where a visitor goes next, by the type of the page they are on.
NEXT_PAGE: dict[str, tuple[tuple[str, float], ...]] = {
    "home": (("category", 45), ("product", 18), ("search", 10), ("blog", 8), ("listing", 8),
             ("about", 5), ("cart", 2), ("contact", 2)),
    "category": (("product", 68), ("category", 12), ("home", 7), ("search", 7), ("listing", 4),
                 ("cart", 2)),
    "product": (("product", 38), ("category", 28), ("home", 10), ("search", 12), ("blog", 4),
                ("cart", 4), ("about", 2), ("contact", 2)),
    "listing": (("product", 75), ("category", 15), ("search", 10)),
    "search": (("product", 75), ("search", 15), ("category", 10)),
    "blog": (("product", 40), ("blog", 20), ("home", 20), ("category", 20)),
    "other": (("home", 40), ("category", 40), ("product", 20)),
}
# fmt: on


class Cumulative(Generic[T]):
    """A weighted choice among fixed options, drawn with one `random()` call."""

    def __init__(self, options: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in options]
        self.bounds = list(accumulate(weight for _, weight in options))
        self.total = self.bounds[-1]

    def pick(self, rng: random.Random) -> T:
        """Return one option, with probability proportional to its weight."""
        return self.values[bisect_right(self.bounds, rng.random() * self.total)]


class Quota:
    """Spreads a rate over a stream of sessions: exact in the long run, yet jittered.

    Each trial adds its probability to a level; the event fires when the level passes a random
    threshold, and the level then drops by one.  Counts stay within about 2 of the expected value
    even in a small log, while the gaps between events stay random (independent coin flips
    would give a 5,000-line sample anywhere from 0 to 6 contact leads).
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.level = 0.0
        self.threshold = rng.random()

    def draw(self, probability: float) -> bool:
        """Decide one trial that should succeed with `probability` on average."""
        self.level += probability
        if self.level < self.threshold:
            return False
        self.level -= 1.0
        self.threshold = self.rng.random()
        return True


def _time_tables(start: date, days: int) -> tuple[list[str], list[str]]:
    """Return the `[dd/Mon/yyyy:` prefix of each day and the `HH:MM:SS` of each second."""
    first = start.toordinal()
    day_prefixes = []
    for i in range(days + 3):
        d = date.fromordinal(first + i)
        day_prefixes.append(f"[{d.day:02d}/{MONTHS[d.month - 1]}/{d.year}:")
    clock = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
    return day_prefixes, clock


def _nice_interval(seconds: float) -> int:
    """The shortest usual monitoring interval at least `seconds` long."""
    for interval in MONITOR_INTERVALS:
        if interval >= seconds:
            return interval
    return MONITOR_INTERVALS[-1]


class ShopLog:
    """The state of one generated log: the random stream, visitors to come back, pending lines."""

    def __init__(self, seed: int, start: date, days: int) -> None:
        self.rng = random.Random(seed)
        self.day_prefixes, self.clock = _time_tables(start, days)
        self.pending: list[Hit] = []
        self.returns: list[tuple[float, int, Visitor]] = []  # heap of (start, seq, visitor)
        self.seq = 0
        self.order_number = 48_211
        self.static_sizes: dict[str, int] = {}
        self.hours = days * 24
        weekday0 = start.weekday()
        self.human_weights = [
            HOUR_PROFILE[h % 24] * WEEKDAY_FACTOR[(weekday0 + h // 24) % 7]
            for h in range(self.hours)
        ]
        self._init_choices()
        self._init_quotas()

    # ----- set-up ------------------------------------------------------------------------------
    def _init_choices(self) -> None:
        """Build the weighted choices used on every visit."""
        self.browsers = Cumulative([(b, b[1]) for b in BROWSERS])
        self.channels = Cumulative([(c, c.weight) for c in CHANNELS])
        self.channel_by_name = {c.name: c for c in CHANNELS}
        self.landings = {c.name: Cumulative(c.landing) for c in CHANNELS}
        self.next_page = {kind: Cumulative(options) for kind, options in NEXT_PAGE.items()}
        self.bots = Cumulative(
            [(bot, weight) for bot, weight in zip(BOT_KINDS, BOT_WEIGHTS, strict=True)]
        )
        self.shared_ips = [self.random_ipv4() for _ in range(SHARED_IPS)]
        mean_channel = sum(c.weight * c.factor for c in CHANNELS) / sum(c.weight for c in CHANNELS)
        device_weight = {"desktop": 0.0, "mobile": 0.0, "tablet": 0.0}
        for device, weight, _, _ in BROWSERS:
            device_weight[device] += weight
        mean_device = sum(DEVICE_FACTOR[d] * w for d, w in device_weight.items()) / sum(
            device_weight.values()
        )
        self.mean_factor = mean_channel * mean_device

    def _init_quotas(self) -> None:
        """One quota per intent (and rare event), so that even a small log shows each."""
        names = (
            "purchase",
            "abandon",
            "cart",
            "newsletter",
            "contact",
            "size_guide",
            "bounce",
            "server_error",
            "options",
        )
        self.quotas = {name: Quota(self.rng) for name in names}
        no_intent = (
            (1 - PURCHASE_RATE - CHECKOUT_ABANDON_RATE - CART_ONLY_RATE)
            * (1 - NEWSLETTER_RATE)
            * (1 - CONTACT_RATE)
            * (1 - SIZE_GUIDE_RATE)
        )
        self.bounce_given_no_intent = BOUNCE_RATE / no_intent

    # ----- line formatting ---------------------------------------------------------------------
    def emit(
        self,
        t: float,
        ip: str,
        request: str,
        status: int,
        size: int | str,
        referrer: str,
        ua: str,
    ) -> None:
        """Queue one `combined` line; about 1 % are written a second or two late."""
        sec = int(t)
        line = (
            f"{ip} - - {self.day_prefixes[sec // SECONDS_PER_DAY]}"
            f"{self.clock[sec % SECONDS_PER_DAY]} {UTC_OFFSET}] "
            f'"{request}" {status} {size} "{referrer}" "{ua}"\n'
        )
        rng = self.rng
        key = t + 1.0 + 1.5 * rng.random() if rng.random() < OUT_OF_ORDER_SHARE else t
        self.pending.append((key, line))

    def _static_size(self, path: str, low: int, high: int) -> int:
        """The size of a static file: drawn once, the same on every later request."""
        size = self.static_sizes.get(path)
        if size is None:
            size = self.static_sizes[path] = self.rng.randint(low, high)
        return size

    # ----- visitors ----------------------------------------------------------------------------
    def random_ipv4(self) -> str:
        """A client IPv4 address from a European ISP-like range."""
        bits = self.rng.getrandbits(24)
        first = HUMAN_V4_FIRST_OCTETS[bits % len(HUMAN_V4_FIRST_OCTETS)]
        last = 1 + self.rng.getrandbits(8) % 254
        return f"{first}.{(bits >> 8) & 255}.{(bits >> 16) & 255}.{last}"

    def random_ipv6(self) -> str:
        """A client IPv6 address under a common ISP prefix."""
        prefix = HUMAN_V6_PREFIXES[self.rng.getrandbits(8) % len(HUMAN_V6_PREFIXES)]
        groups = ":".join(f"{self.rng.getrandbits(16):x}" for _ in range(6))
        return f"{prefix}:{groups}"

    def _new_visitor(self) -> Visitor:
        """A new human visitor with a plausible address and browser."""
        rng = self.rng
        roll = rng.random()
        if roll < SHARED_IP_SHARE:
            ip = self.shared_ips[rng.getrandbits(16) % len(self.shared_ips)]
        elif roll < SHARED_IP_SHARE + HUMAN_V6_SHARE:
            ip = self.random_ipv6()
        else:
            ip = self.random_ipv4()
        device, _, template, versions = self.browsers.pick(rng)
        ua = template.replace("{v}", versions[rng.getrandbits(16) % len(versions)])
        proto = HTTP2 if rng.random() < 0.75 else HTTP11
        return Visitor(ip, ua, device, proto, "iPhone" in ua or "iPad" in ua)

    # ----- planning a visit --------------------------------------------------------------------
    def _page_of(self, kind: str, category: str) -> str:
        """A concrete path for a page type, near `category` when it matters."""
        rng = self.rng
        if kind == "product":
            if category and rng.random() < 0.6:
                slugs = PRODUCTS[category]
                return f"/products/{slugs[rng.getrandbits(16) % len(slugs)]}"
            return f"/products/{SLUGS[rng.getrandbits(16) % len(SLUGS)]}"
        if kind == "category":
            return f"/category/{CATEGORIES[rng.getrandbits(8) % 4]}"
        if kind == "home":
            return "/"
        if kind == "search":
            return f"/search?q={SEARCHES[rng.getrandbits(16) % len(SEARCHES)]}"
        if kind == "blog":
            return f"/blog/{BLOG_SLUGS[rng.getrandbits(16) % len(BLOG_SLUGS)]}"
        if kind == "listing":
            return "/products"
        return f"/{kind}"  # about, cart, contact

    def _browse(self, landing_kind: str, pages: int) -> list[Step]:
        """A walk of `pages` pageviews over the shop, starting on a page of `landing_kind`."""
        rng = self.rng
        kind, category = landing_kind, ""
        steps: list[Step] = []
        for _ in range(pages):
            path = self._page_of(kind, category)
            if path.startswith("/products/"):
                category = CATEGORY_OF[path[10:]]
            elif path.startswith("/category/"):
                category = path[10:]
            steps.append((PAGE, path, ""))
            kind = self.next_page.get(kind, self.next_page["other"]).pick(rng)
        return steps

    def _product_spot(self, steps: list[Step], slugs: Sequence[str]) -> int:
        """Index of a random product page from `slugs` in `steps` (one is added if none)."""
        rng = self.rng
        spots = [
            i
            for i, (kind, path, _) in enumerate(steps)
            if kind == PAGE and path.startswith("/products/") and path[10:] in slugs
        ]
        if spots:
            return spots[rng.getrandbits(16) % len(spots)]
        i = 1 + rng.getrandbits(16) % len(steps) if len(steps) > 1 else len(steps)
        steps.insert(i, (PAGE, f"/products/{_pick(rng, slugs)}", ""))
        return i

    def _insert_anywhere(self, steps: list[Step], new: list[Step]) -> None:
        """Insert `new` after a random step (never before the landing page)."""
        i = 1 + self.rng.getrandbits(16) % len(steps)
        steps[i:i] = new

    def _draw_intents(self, channel: Channel, visitor: Visitor) -> dict[str, bool]:
        """Decide what this session will convert on (see `Quota`)."""
        q = self.quotas
        factor = channel.factor * DEVICE_FACTOR[visitor.device] / self.mean_factor
        purchase = q["purchase"].draw(PURCHASE_RATE * factor)
        abandon = not purchase and q["abandon"].draw(
            CHECKOUT_ABANDON_RATE * factor / (1 - PURCHASE_RATE)
        )
        lift = VARIANT_B_CART_LIFT if variant_of(visitor) == "B" else 1.0
        cart = (
            not purchase
            and not abandon
            and q["cart"].draw(
                CART_ONLY_RATE * factor * lift / (1 - PURCHASE_RATE - CHECKOUT_ABANDON_RATE)
            )
        )
        intents = {
            "purchase": purchase,
            "abandon": abandon,
            "cart": cart,
            "newsletter": q["newsletter"].draw(NEWSLETTER_RATE),
            "contact": q["contact"].draw(CONTACT_RATE),
            "size_guide": q["size_guide"].draw(SIZE_GUIDE_RATE),
        }
        intents["bounce"] = not any(intents.values()) and q["bounce"].draw(
            self.bounce_given_no_intent
        )
        intents["second_item"] = (purchase or abandon or cart) and self.rng.random() < 0.25
        return intents

    def _browse_length(self, intents: dict[str, bool]) -> int:
        """Pageviews of free browsing, leaving room for the pages the intents add."""
        if intents["bounce"]:
            return 1
        pages = 2
        while pages < MAX_PAGES and self.rng.random() < MORE_PAGES_P:
            pages += 1
        reserved = (
            2 * (intents["purchase"] or intents["abandon"] or intents["cart"])
            + 2 * intents["second_item"]
            + 6 * intents["purchase"]
            + 4 * intents["abandon"]
            + intents["newsletter"]
            + 2 * intents["contact"]
            + intents["size_guide"]
        )
        return max(1, min(pages, MAX_PAGES - reserved))

    def _plan_visit(self, channel: Channel, visitor: Visitor) -> list[Step]:
        """The steps of one session: pageviews, form posts, downloads, errors."""
        rng = self.rng
        intents = self._draw_intents(channel, visitor)
        landing_kind = self.landings[channel.name].pick(rng)
        steps = self._browse(landing_kind, self._browse_length(intents))
        if intents["size_guide"]:
            i = self._product_spot(steps, SIZED_SLUGS)
            steps.insert(i + 1, (DOWNLOAD, SIZE_GUIDE, ""))
        if intents["purchase"] or intents["abandon"] or intents["cart"]:
            self._add_to_cart(steps, intents["second_item"])
        if intents["newsletter"]:
            self._insert_anywhere(steps, [(POST, "/newsletter/subscribe", "/newsletter/thanks")])
        if intents["contact"]:
            self._insert_anywhere(
                steps, [(PAGE, "/contact", ""), (POST, "/contact", "/contact/thanks")]
            )
        if intents["purchase"] or intents["abandon"]:
            if steps[-1][2] != "/cart":
                steps.append((PAGE, "/cart", ""))  # back to the cart, then "Check out"
            steps.extend(self._checkout(intents["purchase"]))
        return self._add_noise(steps)

    def _add_to_cart(self, steps: list[Step], second_item: bool) -> None:
        """Add a product (or two) to the cart from its product page; each lands on /cart."""
        i = self._product_spot(steps, SLUGS)
        sku = SKU_OF[steps[i][1][10:]]
        steps.insert(i + 1, (POST, f"/cart/add/{sku}", "/cart"))
        if second_item:
            other = _pick(self.rng, SLUGS)
            self._insert_anywhere(
                steps,
                [(PAGE, f"/products/{other}", ""), (POST, f"/cart/add/{SKU_OF[other]}", "/cart")],
            )

    def _checkout(self, completes: bool) -> list[Step]:
        """The checkout funnel: to the thank-you page, or abandoned on the way."""
        rng = self.rng
        steps: list[Step] = [(PAGE, "/checkout", "")]
        if completes:
            self.order_number += 1
            steps += [
                (PAGE, "/checkout/shipping", ""),
                (PAGE, "/checkout/payment", ""),
                (POST, "/checkout/place-order", f"/checkout/thank-you?order={self.order_number}"),
            ]
            if rng.random() < 0.15:
                steps.append((PAGE, "/", ""))
        elif rng.random() < 0.5:
            steps.append((PAGE, "/checkout/shipping", ""))
            if rng.random() < 0.4:
                steps.append((PAGE, "/checkout/payment", ""))
        return steps

    def _add_noise(self, steps: list[Step]) -> list[Step]:
        """Old links (301), stale pages (404) and the odd server error (500)."""
        rng = self.rng
        first = steps[0]
        noisy: list[Step] = []
        if rng.random() < MISSING_PAGE_P / 3:
            noisy.append((MISSING, _pick(rng, MISSING_PATHS), ""))  # a dead link first
        if rng.random() < MOVED_LANDING_P:
            old = _pick(rng, MOVED_PATHS)
            first = (MOVED_STEP, old, MOVED[old])
        noisy.append(first)
        for step in steps[1:]:
            if step[0] == PAGE:
                if rng.random() < MISSING_PAGE_P:
                    noisy.append((MISSING, _pick(rng, MISSING_PATHS), ""))
                elif self.quotas["server_error"].draw(SERVER_ERROR_P):
                    noisy.append((BROKEN, step[1], ""))
            noisy.append(step)
        return noisy

    # ----- rendering a visit -------------------------------------------------------------------
    def _think(self) -> float:
        """Seconds a visitor spends on a page before the next request."""
        t = self.rng.lognormvariate(math.log(THINK_MEDIAN_S), THINK_SIGMA)
        return 5.0 if t < 5.0 else 240.0 if t > 240.0 else t

    def _page_images(self, path: str) -> list[str]:
        """The images a page shows."""
        if path.startswith("/products/"):
            slug = path[10:]
            return [f"/static/img/products/{slug}-1.webp", f"/static/img/products/{slug}-2.webp"]
        if path.startswith("/category/"):
            slugs = PRODUCTS.get(path[10:], ())
            return [f"/static/img/products/{s}-thumb.webp" for s in slugs[:6]]
        if path == "/":
            return ["/static/img/hero-autumn.jpg", "/static/img/banner-sale.jpg"]
        if path.startswith("/blog/"):
            return [f"/static/img/blog/{path[6:]}.jpg"]
        return []

    def _asset(
        self, t: float, v: Visitor, path: str, status: int, size: int | str, referrer: str
    ) -> None:
        """Queue one static-file request by visitor `v`."""
        self.emit(t, v.ip, f"GET {path} {v.proto}", status, size, referrer, v.ua)

    def _assets(
        self, t: float, v: Visitor, path: str, page_url: str, cold: bool, seen: set[str]
    ) -> None:
        """The static files a page load pulls in within 0-2 s (200, or 304 when revalidated)."""
        rng = self.rng
        if cold:  # first page of a first visit: the whole layout, nothing cached yet
            for asset, low, high, delay, spread, referred_by in COLD_ASSETS:
                when = t + delay + spread * rng.random()
                size = self._static_size(asset, low, high)
                referrer = {"page": page_url, "css": CSS_URL}.get(referred_by, "-")
                if referred_by == "page-not-ios" and not v.ios:
                    referrer = page_url
                self._asset(when, v, asset, 200, size, referrer)
            if v.ios and rng.random() < 0.5:
                for icon in APPLE_TOUCH_ICONS:
                    self._asset(t + 1.0 + rng.random(), v, icon, 404, 162, "-")
        elif rng.random() < 0.25:  # the browser revalidates its cached layout
            for asset in LAYOUT_ASSETS:
                self._asset(t + 0.05 + 0.4 * rng.random(), v, asset, 304, "-", page_url)
        for image in self._page_images(path):
            if image in seen:
                continue
            seen.add(image)
            if cold or rng.random() < 0.8:
                status, size = 200, self._static_size(image, 18_000, 240_000)
            else:
                status, size = 304, "-"
            self._asset(t + 0.2 + 1.8 * rng.random(), v, image, status, size, page_url)

    def _page_load(
        self, t: float, v: Visitor, page: str, ref: str, cold: bool, seen: set[str], size: int
    ) -> str:
        """Queue a 200 pageview of `page` and its assets; return its URL, the next referrer."""
        self.emit(t, v.ip, f"GET {page} {v.proto}", 200, size, ref, v.ua)
        url = SITE + page
        self._assets(t, v, page.split("?", 1)[0], url, cold, seen)
        return url

    def _render_visit(
        self, v: Visitor, start: float, steps: list[Step], referrer: str, query: str, cold: bool
    ) -> float:
        """Queue the lines of one session; return the time of its last request."""
        rng = self.rng
        t = start
        ref = referrer
        seen: set[str] = set()
        proto = v.proto
        reload = False
        tagged = False  # the A/B test's variant goes on the session's first product page
        for n, (kind, path, target) in enumerate(steps):
            if reload:
                t += 2.0 + 13.0 * rng.random()
            elif n:
                t += self._think()
                if kind == POST and path == "/contact":
                    t += 30 + 120 * rng.random()  # typing the message
            reload = kind == BROKEN
            landing_query = query if n == 0 else ""
            if kind == PAGE and not tagged and path.startswith("/products/"):
                tagged = True
                joiner = "&" if landing_query else "?"
                landing_query += f"{joiner}variant={variant_of(v)}"
            if kind == PAGE:
                size = 9_000 + rng.getrandbits(15)
                ref = self._page_load(t, v, path + landing_query, ref, cold, seen, size)
                cold = False
                if path.startswith("/products/") and self.quotas["options"].draw(OPTIONS_P):
                    preflight = f"OPTIONS /api/stock/{SKU_OF.get(path[10:], '')} {proto}"
                    self.emit(t + 1.2, v.ip, preflight, 204, "-", ref, v.ua)
            elif kind == MOVED_STEP:
                self.emit(t, v.ip, f"GET {path}{landing_query} {proto}", 301, 162, ref, v.ua)
                t += 0.1 + 0.3 * rng.random()
                size = 9_000 + rng.getrandbits(15)
                ref = self._page_load(t, v, target + landing_query, ref, cold, seen, size)
                cold = False
            elif kind == POST:  # a form post, redirected (303) to the page it names
                self.emit(t, v.ip, f"POST {path} {proto}", 303, "-", ref, v.ua)
                t += 0.1 + 0.5 * rng.random()
                size = 7_000 + rng.getrandbits(13)
                ref = self._page_load(t, v, target, ref, False, seen, size)
            elif kind == DOWNLOAD:
                size = self._static_size(path, 800_000, 900_000)
                self.emit(t, v.ip, f"GET {path} {proto}", 200, size, ref, v.ua)
            elif kind == MISSING:
                size = 3_000 + rng.getrandbits(9)
                self.emit(t, v.ip, f"GET {path} {proto}", 404, size, ref, v.ua)
                ref = SITE + path
            else:  # BROKEN: a 500, reloaded a few seconds later (the next step)
                self.emit(t, v.ip, f"GET {path} {proto}", 500, 590, ref, v.ua)
        return t

    def human_session(self, start: float, visitor: Visitor | None) -> int:
        """Queue one human session (a new visitor unless `visitor`); return its line count."""
        rng = self.rng
        before = len(self.pending)
        returning = visitor is not None
        if visitor is None:
            visitor = self._new_visitor()
            channel = self.channels.pick(rng)
        else:
            name = RETURN_CHANNELS[rng.getrandbits(16) % len(RETURN_CHANNELS)]
            channel = self.channel_by_name[name]
        referrer = channel.referrers[rng.getrandbits(16) % len(channel.referrers)]
        steps = self._plan_visit(channel, visitor)
        query = self._landing_query(channel, steps[0][1])
        end = self._render_visit(visitor, start, steps, referrer, query, not returning)
        if rng.random() < RETURN_P * (0.5 if returning else 1.0):
            later = end + 1_860 * math.exp(rng.random() * math.log(140))  # 31 min .. 3 days
            self.seq += 1
            heapq.heappush(self.returns, (later, self.seq, visitor))
        return len(self.pending) - before

    def _landing_query(self, channel: Channel, landing: str) -> str:
        """The query string a campaign link puts on the landing page."""
        rng = self.rng
        if channel.name == "newsletter":
            campaign = CAMPAIGNS[rng.getrandbits(8) % len(CAMPAIGNS)]
            return f"?utm_source=newsletter&utm_medium=email&utm_campaign={campaign}"
        if channel.name == "paid":
            if rng.random() < 0.5:
                category = (
                    CATEGORY_OF.get(landing[10:]) or landing[10:]
                    if landing.startswith(("/products/", "/category/"))
                    else "shop"
                )
                campaign = f"{category}-{_pick(rng, PAID_CAMPAIGN_SUFFIXES)}"
                return f"?utm_source=google&utm_medium=cpc&utm_campaign={campaign}"
            return f"?gclid=Cj0KCQjw{rng.getrandbits(96):024x}BwE"
        if channel.name == "facebook" and rng.random() < 0.6:
            return f"?fbclid=IwAR{rng.getrandbits(128):032x}"
        return ""

    # ----- robots and noise --------------------------------------------------------------------
    def bot_burst(self, start: float, budget: int) -> int:
        """Queue a burst of requests from one robot, at most `budget` lines; return the count."""
        kind = self.bots.pick(self.rng)
        return BOT_BURSTS[kind](self, start, budget)

    def monitor_check(self, t: float) -> None:
        """HEAD / from the uptime monitor."""
        ip = UPTIME_IPS[self.rng.getrandbits(8) % len(UPTIME_IPS)]
        self.emit(t, ip, f"HEAD / {HTTP11}", 200, "-", f"{SITE}/", UPTIME_UA)

    def malformed(self, t: float, kind: int) -> None:
        """One malformed line: an empty request, TLS bytes on the HTTP port, a truncated line."""
        rng = self.rng
        ip = self.random_ipv4()
        if kind == 0:
            self.emit(t, ip, "-", 400, "-", "-", "-")
        elif kind == 1:
            tls = "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" + "".join(
                f"\\x{rng.getrandbits(8):02X}" for _ in range(12)
            )
            self.emit(t, ip, tls, 400, 226, "-", "-")
        else:  # a pageview line cut short, somewhere before its closing quote
            v = self._new_visitor()
            self.emit(
                t,
                v.ip,
                f"GET /products/{_pick(rng, SLUGS)} {v.proto}",
                200,
                9_000 + rng.getrandbits(15),
                f"{SITE}/",
                v.ua,
            )
            key, line = self.pending[-1]
            cut = 30 + rng.getrandbits(16) % (len(line) - 50)
            self.pending[-1] = (key, line[:cut] + "\n")


def variant_of(visitor: Visitor) -> str:
    """The A/B test variant a visitor sees: fixed by their address, half and half."""
    return "AB"[zlib.crc32(visitor.ip.encode()) & 1]


def _pick(rng: random.Random, options: Sequence[T]) -> T:
    """One of `options`, uniformly."""
    return options[rng.getrandbits(16) % len(options)]


def _crawl_path(rng: random.Random) -> tuple[str, int]:
    """A page a search-engine crawler fetches, with its status."""
    roll = rng.random()
    if roll < 0.45:
        return f"/products/{_pick(rng, SLUGS)}", 200
    if roll < 0.60:
        return f"/category/{_pick(rng, CATEGORIES)}", 200
    if roll < 0.72:
        return f"/blog/{_pick(rng, BLOG_SLUGS)}", 200
    if roll < 0.77:
        return "/robots.txt", 200
    if roll < 0.81:
        return "/sitemap.xml", 200
    if roll < 0.86:
        return _pick(rng, MOVED_PATHS), 301
    if roll < 0.90:
        return _pick(rng, MISSING_PATHS), 404
    if roll < 0.95:
        return f"/static/img/products/{_pick(rng, SLUGS)}-1.webp", 200
    return _pick(rng, ("/", "/about", "/products", "/contact")), 200


def _burst(
    log: ShopLog,
    start: float,
    count: int,
    gap: tuple[float, float],
    ip: str,
    ua: str,
    next_request: Callable[[random.Random], tuple[str, str, int]],
) -> int:
    """Queue `count` requests from one client, `gap` seconds apart; return `count`."""
    rng = log.rng
    t = start
    low, span = gap[0], gap[1] - gap[0]
    for _ in range(count):
        method, path, status = next_request(rng)
        size: int | str
        if status == 304 or method == "HEAD":
            size = "-"
        else:
            size = FIXED_SIZES.get(path) or STATUS_SIZES.get(status) or 6_000 + rng.getrandbits(15)
        log.emit(t, ip, f"{method} {path} {HTTP11}", status, size, "-", ua)
        t += low + span * rng.random()
    return count


def _crawler(
    ips: Callable[[random.Random], str], uas: tuple[str, ...], most: int, gap: tuple[float, float]
) -> Callable[[ShopLog, float, int], int]:
    """A search-engine or SEO crawler: bursts of up to `most` page fetches."""

    def crawl(log: ShopLog, start: float, budget: int) -> int:
        rng = log.rng
        count = min(budget, 1 + rng.getrandbits(16) % most)

        def request(r: random.Random) -> tuple[str, str, int]:
            path, status = _crawl_path(r)
            if status == 200 and r.random() < 0.08:
                status = 304
            return "GET", path, status

        return _burst(log, start, count, gap, ips(rng), _pick(rng, uas), request)

    return crawl


def _scraper(log: ShopLog, start: float, budget: int) -> int:
    """python-requests scraping product pages (prices) a second or two apart."""
    rng = log.rng
    count = min(budget, 3 + rng.getrandbits(16) % 25)
    cloud = _pick(rng, (34, 35, 3, 18, 52))
    ip = f"{cloud}.{rng.getrandbits(8)}.{rng.getrandbits(8)}.{1 + rng.getrandbits(7)}"
    ua = f"python-requests/{_pick(rng, ('2.31.0', '2.32.3'))}"
    return _burst(
        log,
        start,
        count,
        (0.8, 2.5),
        ip,
        ua,
        lambda r: ("GET", f"/products/{_pick(r, SLUGS)}", 200),
    )


def _curl(log: ShopLog, start: float, budget: int) -> int:
    """Someone checking the site by hand with curl."""
    rng = log.rng
    count = min(budget, 1 + rng.getrandbits(8) % 3)
    ip = log.random_ipv6() if rng.random() < 0.3 else log.random_ipv4()
    ua = f"curl/{_pick(rng, ('7.81.0', '7.88.1', '8.5.0', '8.11.0'))}"
    return _burst(log, start, count, (1.0, 20.0), ip, ua, lambda r: _pick(r, CURL_REQUESTS))


def _scanner(log: ShopLog, start: float, budget: int) -> int:
    """A vulnerability scanner probing for well-known files: all 404 (or 403)."""
    rng = log.rng
    count = min(budget, 4 + rng.getrandbits(16) % 14)
    ip = _pick(rng, SCANNER_IPS)
    ua = _pick(rng, ("Go-http-client/1.1", "Go-http-client/2.0"))
    return _burst(log, start, count, (0.1, 1.5), ip, ua, lambda r: _pick(r, SCANNER_REQUESTS))


def _google_ip(rng: random.Random) -> str:
    """A Googlebot address (IPv4 66.249.64.0/20, sometimes IPv6)."""
    if rng.random() < 0.15:
        return f"2001:4860:4801:{rng.getrandbits(8):x}::{rng.getrandbits(8):x}"
    return f"66.249.{64 + rng.getrandbits(4)}.{rng.getrandbits(8)}"


def _prefix_ip(prefixes: tuple[str, ...]) -> Callable[[random.Random], str]:
    """A function drawing addresses in the given /24 networks."""
    return lambda rng: f"{_pick(rng, prefixes)}.{1 + rng.getrandbits(8) % 254}"


# fmt: off
FIXED_SIZES = {"/robots.txt": 312, "/sitemap.xml": 5_874}
STATUS_SIZES = {301: 162, 403: 199, 404: 3_100}
UPTIME_UA = "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"
UPTIME_IPS = ("69.162.124.226", "69.162.124.235", "216.245.221.83", "208.115.199.18")
CURL_REQUESTS = (("GET", "/", 200), ("HEAD", "/", 200), ("GET", "/robots.txt", 200),
                 ("GET", "/products", 200), ("HEAD", "/checkout", 200))
SCANNER_PROBES = (
    "/wp-login.php", "/.env", "/admin", "/.git/config", "/wp-admin/setup-config.php",
    "/phpmyadmin/index.php", "/xmlrpc.php", "/config.json", "/.aws/credentials", "/api/.env",
    "/backup.zip", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/admin/",
)
SCANNER_REQUESTS = (
    *(("GET", path, 404) for path in SCANNER_PROBES),
    ("POST", "/wp-login.php", 404),
    ("GET", "/server-status", 403),
)
SCANNER_IPS = ("45.148.10.81", "45.95.147.236", "193.35.18.33", "185.224.128.17",
               "2a06:4880:5000::7b", "2602:80d:1006::52")
BOT_KINDS = ("googlebot", "bingbot", "ahrefs", "semrush", "yandex", "scraper", "curl", "scanner")
BOT_WEIGHTS = (0.30, 0.16, 0.13, 0.13, 0.06, 0.08, 0.03, 0.11)
BOT_BURSTS: dict[str, Callable[[ShopLog, float, int], int]] = {
    "googlebot": _crawler(_google_ip, (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Chrome/130.0.6723.116 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
        "+http://www.google.com/bot.html)",
    ), 12, (2.0, 40.0)),
    "bingbot": _crawler(_prefix_ip(("40.77.167", "157.55.39", "207.46.13")), (
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
        "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
    ), 8, (3.0, 60.0)),
    "ahrefs": _crawler(_prefix_ip(("54.36.148", "54.36.149", "51.222.253")), (
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    ), 15, (1.0, 10.0)),
    "semrush": _crawler(_prefix_ip(("85.208.98", "185.191.171")), (
        "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    ), 15, (1.0, 12.0)),
    "yandex": _crawler(_prefix_ip(("5.255.231", "213.180.203", "87.250.224")), (
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    ), 6, (5.0, 90.0)),
    "scraper": _scraper,
    "curl": _curl,
    "scanner": _scanner,
}
# fmt: on


def _cumulative_targets(weights: Sequence[float], total: float) -> list[float]:
    """Running line targets, hour by hour, sharing `total` in proportion to `weights`."""
    scale = total / sum(weights)
    return [w * scale for w in accumulate(weights)]


def _fill_hour(
    log: ShopLog,
    hour: int,
    human_target: float,
    bot_target: float,
    counts: list[int],
    malformed: list[int],
) -> None:
    """Queue the traffic that starts within `hour`, keeping running totals on target.

    `counts` holds the running (human, bot) line counts and is updated in place.
    """
    rng = log.rng
    begin = hour * SECONDS_PER_HOUR
    end = begin + SECONDS_PER_HOUR
    while log.returns and log.returns[0][0] < end:
        when, _, visitor = heapq.heappop(log.returns)
        counts[0] += log.human_session(max(when, begin), visitor)
    while counts[0] < human_target:
        counts[0] += log.human_session(begin + SECONDS_PER_HOUR * rng.random(), None)
    while malformed and malformed[-1] == hour:
        malformed.pop()
        log.malformed(begin + SECONDS_PER_HOUR * rng.random(), len(malformed) % 3)
        counts[1] += 1
    while counts[1] < bot_target:
        budget = math.ceil(bot_target - counts[1])
        counts[1] += log.bot_burst(begin + SECONDS_PER_HOUR * rng.random(), budget)


def _take_ready(log: ShopLog, before: float) -> list[str]:
    """Remove and return, in write order, the queued lines due before `before`."""
    pending = log.pending
    pending.sort(key=itemgetter(0))
    cut = bisect_left(pending, before, key=itemgetter(0))
    ready = [line for _, line in pending[:cut]]
    del pending[:cut]
    return ready


def generate(
    lines: int, seed: int, start: date = date(2026, 11, 2), days: int = 7
) -> Iterator[str]:
    """Yield the log as text chunks (whole lines), exactly `lines` lines in all."""
    if lines <= 0:
        return
    log = ShopLog(seed, start, days)
    rng = log.rng
    human_targets = _cumulative_targets(log.human_weights, lines * (1 - BOT_LINE_SHARE))
    bot_targets = _cumulative_targets([1.0] * log.hours, lines * BOT_LINE_SHARE)
    n_malformed = max(lines // LINES_PER_MALFORMED, MIN_MALFORMED if lines >= 3_000 else 0)
    malformed = sorted(
        rng.choices(range(log.hours), log.human_weights, k=n_malformed), reverse=True
    )
    period = days * SECONDS_PER_DAY
    interval = _nice_interval(period / max(1.0, lines * MONITOR_SHARE))
    next_check = interval * rng.random()
    counts = [0, 0]
    written = 0
    for hour in range(log.hours):
        end = (hour + 1) * SECONDS_PER_HOUR
        while next_check < end:
            log.monitor_check(next_check + 2 * rng.random())
            counts[1] += 1
            next_check += interval
        last = hour == log.hours - 1
        bot_target = lines - counts[0] if last else bot_targets[hour]
        _fill_hour(log, hour, human_targets[hour], bot_target, counts, malformed)
        ready = _take_ready(log, math.inf if last else end)
        ready = ready[: lines - written]
        written += len(ready)
        if ready:
            yield "".join(ready)
        if written >= lines:
            return


def write_log(path: str, lines: int, seed: int, start: date, days: int) -> None:
    """Write the generated log to `path` (`-` for standard output)."""
    if path == "-":
        for chunk in generate(lines, seed, start, days):
            sys.stdout.write(chunk)
        return
    with open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        for chunk in generate(lines, seed, start, days):
            out.write(chunk)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, required=True, help="number of lines to write")
    parser.add_argument("--seed", type=int, required=True, help="random seed")
    parser.add_argument("--out", required=True, help="output file, or - for standard output")
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2026, 11, 2),
        help="first day, YYYY-MM-DD (default 2026-11-02)",
    )
    parser.add_argument("--days", type=int, default=7, help="days covered (default 7)")
    args = parser.parse_args(argv)
    if args.lines < 0 or args.days < 1:
        parser.error("--lines must be >= 0 and --days >= 1")
    write_log(args.out, args.lines, args.seed, args.start, args.days)
    return 0


if __name__ == "__main__":
    sys.exit(main())
