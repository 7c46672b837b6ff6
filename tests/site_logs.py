"""Seeded access logs of sites ``micromacro suggest`` has never seen, with the goals each site
really has: the bar of ``tests/test_suggest_bar.py``.

Each site is a few kinds of pages to browse, the ways visits land, and the flows that convert
(a checkout, a sign-up, a quote form, a download), each at its own rate; a visit browses a few
pages, may follow one or two flows, and leaves. Forms post and are answered ``303 See Other``
with the page they lead to, as real sites do; logins, API calls and tracking beacons post too,
and are no goals. ``TRUTH`` is each site's goals as a goals file (what its owner would write),
``ACCEPTABLE`` what a sensible proposal may add without being wrong.

    python tests/site_logs.py saas > saas.log
"""

from __future__ import annotations

import random
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

Request = tuple[str, str, int]  # method, target, status
Flow = Callable[[random.Random], list[Request]]
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
WORDS = (
    "alpine", "trail", "river", "summit", "forest", "coastal", "urban", "night", "winter",
    "summer", "quick", "light", "green", "classic", "modern", "compact", "deluxe", "travel",
    "daily", "smart", "open", "bright", "quiet",
)  # fmt: skip

DOCS = ("quickstart", "security-whitepaper", "api-reference")
SERVICES = ("fuite", "chaudiere", "salle-de-bain", "debouchage", "chauffe-eau", "urgence")


def slug(rng: random.Random, words: int = 3) -> str:
    return "-".join(rng.sample(WORDS, words))


def page(target: str) -> Request:
    return ("GET", target, 200)


def post(target: str, then: str) -> list[Request]:
    """A form post answered 303 and the page it leads to."""
    return [("POST", target, 303), page(then)]


@dataclass(frozen=True)
class Site:
    """A site: what visits browse (weighted page makers), and the flows that convert."""

    name: str
    browse: tuple[tuple[float, Callable[[random.Random], str]], ...]
    flows: tuple[tuple[float, Flow], ...]
    # Requests that may come after any page (beacons, API calls): (chance, maker).
    chatter: tuple[tuple[float, Callable[[random.Random], Request]], ...] = ()


def _pick(
    rng: random.Random, options: tuple[tuple[float, Callable[[random.Random], str]], ...]
) -> str:
    total = sum(weight for weight, _ in options)
    point = rng.random() * total
    for weight, maker in options:
        point -= weight
        if point <= 0:
            return maker(rng)
    return options[-1][1](rng)


def session(site: Site, rng: random.Random) -> list[Request]:
    """One visit: a landing page, more pages (the chance to go on falls), flows put in after
    some page, chatter after pages."""
    pages = [page(_pick(rng, site.browse))]
    while rng.random() < 0.55 and len(pages) < 12:
        pages.append(page(_pick(rng, site.browse)))
    visit: list[Request] = []
    flows = [flow(rng) for rate, flow in site.flows if rng.random() < rate]
    for index, request in enumerate(pages):
        visit.append(request)
        for chance, maker in site.chatter:
            if rng.random() < chance:
                visit.append(maker(rng))
        if flows and (index == len(pages) - 1 or rng.random() < 0.3):
            visit += flows.pop(0)
    for flow_requests in flows:
        visit += flow_requests
    return visit


def generate(site: Site, sessions: int = 700, seed: int = 7) -> str:
    """The site's log in combined format, ``sessions`` visits over a week."""
    rng = random.Random(f"{site.name}/{seed}")
    lines: list[tuple[datetime, str]] = []
    for number in range(sessions):
        ip = (
            f"{rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{number % 250 + 1}"
        )
        agent = rng.choice(AGENTS)
        when = START + timedelta(seconds=rng.randint(0, 7 * 86400))
        referrer = rng.choice(("-", "https://www.google.com/", "https://duckduckgo.com/"))
        for method, target, status in session(site, rng):
            stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
            size = rng.randint(300, 40000)
            lines.append(
                (
                    when,
                    f'{ip} - - [{stamp}] "{method} {target} HTTP/1.1" {status} {size} '
                    f'"{referrer}" "{agent}"',
                )
            )
            referrer = f"https://{site.name}.example{target}"
            when += timedelta(seconds=rng.randint(4, 150))
    lines.sort(key=lambda item: item[0])
    return "".join(line + "\n" for _, line in lines)


# --- the sites -------------------------------------------------------------------------------


def _boutique() -> Site:
    """A German clothing shop: products by slug and id, a cart, a checkout (Kasse)."""

    def checkout(rng: random.Random) -> list[Request]:
        flow = [page("/de/kasse/adresse"), page("/de/kasse/zahlung")]
        if rng.random() < 0.55:
            number = rng.randint(10000, 99999)
            flow += post("/de/kasse/bestellen", f"/de/bestellung/danke?nr={number}")
        return flow

    def cart(rng: random.Random) -> list[Request]:
        product = f"/de/produkte/{slug(rng)}-{rng.randint(100, 999)}"
        flow = [page(product), *post("/de/warenkorb/hinzufuegen", "/de/warenkorb")]
        return flow + (checkout(rng) if rng.random() < 0.5 else [])

    return Site(
        "boutique",
        browse=(
            (5, lambda r: f"/de/produkte/{slug(r)}-{r.randint(100, 999)}"),
            (2, lambda r: f"/de/kategorie/{r.choice(('damen', 'herren', 'kinder', 'sale'))}"),
            (2, lambda r: "/de/"),
            (1, lambda r: f"/de/suche?q={r.choice(WORDS)}"),
            (0.5, lambda r: r.choice(("/de/ueber-uns", "/de/versand", "/de/impressum"))),
        ),
        flows=(
            (0.12, cart),
            (0.04, lambda r: post("/de/newsletter/anmelden", "/de/newsletter/bestaetigt")),
            (0.05, lambda r: [page("/de/konto/login"), *post("/de/konto/login", "/de/konto")]),
        ),
    )


def _saas() -> Site:
    """A SaaS site: pricing, a sign-up form leading to /welcome, a demo form, docs with PDF
    downloads, an app behind a login that calls its API."""

    def signup(rng: random.Random) -> list[Request]:
        project = page(f"/app/projects/{rng.randint(1000, 9999)}")
        return [page("/pricing"), page("/signup"), *post("/signup", "/welcome"), project]

    def app(rng: random.Random) -> list[Request]:
        flow = [page("/login"), *post("/login", "/app/dashboard")]
        for _ in range(rng.randint(1, 4)):
            flow += [page(f"/app/projects/{rng.randint(1000, 9999)}")]
            flow += [("POST", f"/api/v1/tasks/{rng.randint(1, 99999)}", 200)]
        return flow

    return Site(
        "tasklane",
        browse=(
            (3, lambda r: "/"),
            (2, lambda r: f"/features/{r.choice(('boards', 'timeline', 'automation', 'reports'))}"),
            (1.5, lambda r: "/pricing"),
            (3, lambda r: f"/blog/{slug(r, 4)}"),
            (2, lambda r: f"/docs/{r.choice(('start', 'api', 'admin'))}/{slug(r, 2)}"),
            (0.5, lambda r: r.choice(("/about", "/careers", "/security"))),
        ),
        flows=(
            (0.06, signup),
            (0.03, lambda r: [page("/demo"), *post("/demo", "/demo/thank-you")]),
            (
                0.07,
                lambda r: [
                    page(f"/docs/start/{slug(r, 2)}"),
                    page(f"/docs/files/{r.choice(DOCS)}.pdf"),
                ],
            ),
            (0.15, app),
        ),
        chatter=((0.3, lambda r: ("POST", "/api/events", 204)),),
    )


def _magazine() -> Site:
    """A WordPress magazine: dated articles, search with ?s=, PDF guides in uploads, a
    newsletter form, comments."""

    def article(rng: random.Random) -> str:
        year, month, day = rng.randint(2021, 2025), rng.randint(1, 12), rng.randint(1, 28)
        return f"/{year}/{month:02d}/{day:02d}/{slug(rng, 4)}/"

    return Site(
        "dailytrail",
        browse=(
            (6, article),
            (2, lambda r: f"/category/{r.choice(('hiking', 'gear', 'food', 'travel', 'news'))}/"),
            (1.5, lambda r: "/"),
            (1, lambda r: f"/?s={r.choice(WORDS)}+{r.choice(WORDS)}"),
            (0.4, lambda r: r.choice(("/about/", "/advertise/", "/privacy/"))),
        ),
        flows=(
            (0.05, lambda r: post("/newsletter/subscribe", "/newsletter/thank-you/")),
            (
                0.06,
                lambda r: [
                    page(f"/guides/{slug(r, 2)}/"),
                    page(f"/wp-content/uploads/2025/{r.randint(1, 12):02d}/{slug(r, 2)}-guide.pdf"),
                ],
            ),
            (0.04, lambda r: post("/wp-comments-post.php", article(r))),
        ),
        chatter=((0.25, lambda r: ("POST", "/wp-admin/admin-ajax.php", 200)),),
    )


def _plumber() -> Site:
    """A French plumbing company: services, a quote form (devis), a contact form, a brochure."""
    return Site(
        "plomberie",
        browse=(
            (
                4,
                lambda r: f"/fr/services/{r.choice(SERVICES)}",
            ),
            (2, lambda r: "/fr/"),
            (2, lambda r: f"/fr/realisations/{slug(r)}"),
            (1, lambda r: r.choice(("/fr/equipe", "/fr/tarifs", "/fr/zone"))),
        ),
        flows=(
            (0.06, lambda r: [page("/fr/devis"), *post("/fr/devis", "/fr/devis/merci")]),
            (0.04, lambda r: [page("/fr/contact"), *post("/fr/contact", "/fr/merci")]),
            (0.05, lambda r: [page("/fr/documents/brochure-2026.pdf")]),
        ),
    )


def _software() -> Site:
    """An open-source app: release downloads for three systems, an account, donations."""

    def download(rng: random.Random) -> list[Request]:
        version = rng.choice(("3.1.0", "3.1.1", "3.2.0"))
        name = rng.choice(
            (f"inkpad-{version}.dmg", f"inkpad-{version}-setup.exe", f"inkpad-{version}-linux.zip")
        )
        return [page("/download"), page(f"/releases/{version}/{name}")]

    return Site(
        "inkpad",
        browse=(
            (3, lambda r: "/"),
            (2, lambda r: f"/features/{r.choice(('layers', 'brushes', 'export', 'plugins'))}"),
            (2, lambda r: f"/docs/{slug(r, 2)}"),
            (1.5, lambda r: f"/community/forum/t/{r.randint(100, 9999)}"),
            (1, lambda r: "/download"),
        ),
        flows=(
            (0.18, download),
            (
                0.04,
                lambda r: [
                    page("/account/register"),
                    *post("/account/register", "/account/welcome"),
                ],
            ),
            (0.02, lambda r: [page("/donate"), *post("/donate", "/donate/thanks")]),
            (0.05, lambda r: [page("/account/login"), *post("/account/login", "/account")]),
        ),
    )


def _jobs() -> Site:
    """A job board: search, job pages by id and slug, applications leading to a page named by
    a UUID (no word says it is a confirmation), job alerts."""

    def job(rng: random.Random) -> str:
        return f"/jobs/{rng.randint(10000, 99999)}-{slug(rng, 2)}"

    def apply(rng: random.Random) -> list[Request]:
        number = rng.randint(10000, 99999)
        return [
            page(f"/jobs/{number}-{slug(rng, 2)}"),
            page(f"/jobs/{number}/apply"),
            *post(f"/jobs/{number}/apply", f"/applications/{uuid.UUID(int=rng.getrandbits(128))}"),
        ]

    return Site(
        "hirewell",
        browse=(
            (5, job),
            (
                2,
                lambda r: (
                    f"/jobs?q={r.choice(WORDS)}&location={r.choice(('berlin', 'paris', 'remote'))}"
                ),
            ),
            (1.5, lambda r: f"/companies/{slug(r, 2)}"),
            (1, lambda r: "/"),
        ),
        flows=(
            (0.08, apply),
            (
                0.04,
                lambda r: post("/alerts", f"/alerts/{uuid.UUID(int=r.getrandbits(128))}/confirm"),
            ),
        ),
    )


def _tienda() -> Site:
    """A Spanish shop run as a single-page app: the cart is an API call, the checkout has a
    review step named confirm, the order page is named by its number, the contact form answers
    its post itself (200, no page after it), and the newsletter thanks on a shared page."""

    def order(rng: random.Random) -> list[Request]:
        flow = [
            page(f"/es/p/{rng.randint(10000, 99999)}"),
            ("POST", "/api/cart", 200),
            page("/es/carrito"),
        ]
        if rng.random() < 0.5:
            flow += [page("/es/checkout"), page("/es/checkout/confirm")]
            if rng.random() < 0.6:
                flow += post("/es/checkout/confirm", f"/es/pedido/{rng.randint(100000, 999999)}")
        return flow

    return Site(
        "tienda",
        browse=(
            (5, lambda r: f"/es/p/{r.randint(10000, 99999)}"),
            (2, lambda r: f"/es/c/{r.choice(('mujer', 'hombre', 'hogar', 'ofertas', 'nuevo'))}"),
            (2, lambda r: "/es/"),
            (0.5, lambda r: r.choice(("/es/envios", "/es/devoluciones", "/es/tiendas"))),
            (0.3, lambda r: "/es/gracias"),  # linked from the footer of the old site
        ),
        flows=(
            (0.14, order),
            (0.03, lambda r: [page("/es/contacto"), ("POST", "/es/contacto", 200)]),
            (0.05, lambda r: post("/es/newsletter", "/es/gracias")),
        ),
        chatter=((0.2, lambda r: ("POST", "/api/track", 204)),),
    )


SITES: dict[str, Callable[[], Site]] = {
    "boutique": _boutique,
    "saas": _saas,
    "magazine": _magazine,
    "plumber": _plumber,
    "software": _software,
    "jobs": _jobs,
    "tienda": _tienda,
}

# The goals each site really has, as its owner would write them.
TRUTH: dict[str, str] = {
    "boutique": """
goals:
  - {name: purchase, kind: macro, destination: {begins_with: /de/bestellung/danke}}
  - {name: add_to_cart, kind: micro, event: {category: request, label: /de/warenkorb/hinzufuegen}}
  - {name: checkout, kind: micro, destination: {begins_with: /de/kasse/}}
  - {name: newsletter, kind: micro, event: {category: request, label: /de/newsletter/anmelden}}
""",
    "saas": """
goals:
  - {name: signup, kind: macro, event: {category: request, label: /signup}}
  - {name: demo, kind: macro, event: {category: request, label: /demo}}
  - {name: pricing, kind: micro, destination: /pricing}
  - {name: docs_pdf, kind: micro, event: {category: download, action: {glob: /docs/files/*.pdf}}}
""",
    "magazine": """
goals:
  - {name: newsletter, kind: macro, event: {category: request, label: /newsletter/subscribe}}
  - {name: guide_pdf, kind: micro, event: {category: download, action: {regex: '\\.pdf$'}}}
  - {name: search, kind: micro, destination: {regex: '[?&]s=', include_query: true}}
""",
    "plumber": """
goals:
  - {name: quote, kind: macro, event: {category: request, label: /fr/devis}}
  - {name: contact, kind: macro, event: {category: request, label: /fr/contact}}
  - {name: brochure, kind: micro, event: {category: download, action: {regex: '\\.pdf$'}}}
""",
    "software": """
goals:
  - name: app_download
    kind: macro
    event: {category: download, action: {begins_with: /releases/}}
  - {name: register, kind: micro, event: {category: request, label: /account/register}}
  - {name: donation, kind: macro, event: {category: request, label: /donate}}
""",
    "jobs": """
goals:
  - name: application
    kind: macro
    event: {category: request, label: {regex: '^/jobs/[0-9]+/apply$'}}
  - {name: job_alert, kind: micro, event: {category: request, label: /alerts}}
  - {name: search, kind: micro, destination: {regex: '[?&]q=', include_query: true}}
""",
}
TRUTH["tienda"] = """
goals:
  - {name: purchase, kind: macro, event: {category: request, label: /es/checkout/confirm}}
  - {name: add_to_cart, kind: micro, event: {category: request, label: /api/cart}}
  - {name: checkout, kind: micro, destination: /es/checkout}
  - {name: contact, kind: macro, event: {category: request, label: /es/contacto}}
  - {name: newsletter, kind: micro, event: {category: request, label: /es/newsletter}}
"""
# What a proposal may add without being wrong: searches, pricing, the cart and checkout pages.
ACCEPTABLE: dict[str, str] = {
    "boutique": """
goals:
  - {name: search, kind: micro, destination: {regex: '[?&]q=', include_query: true}}
""",
    "saas": "",
    "magazine": "",
    "plumber": """
goals:
  - {name: prices, kind: micro, destination: /fr/tarifs}
""",
    "software": """
goals:
  - {name: download_page, kind: micro, destination: /download}
""",
    "jobs": "",
    "tienda": """
goals:
  - {name: cart_page, kind: micro, destination: /es/carrito}
""",
}


if __name__ == "__main__":
    sys.stdout.write(generate(SITES[sys.argv[1]]()))
