"""Path templates: which segments collapse into ``*`` (README: micromacro suggest)."""

from __future__ import annotations

import pytest

from micromacro.path_templates import file_template, is_id, is_locale, path_templates

PRODUCTS = [
    f"/products/{slug}" for slug in ("vegan-hiker", "storm-shell", "day-pack", "tarp", "bivy")
]


@pytest.mark.parametrize(
    ("paths", "path", "template"),
    [
        # numeric ids, alone or with a prefix, and codes of three digits or more
        (["/orders/48211"], "/orders/48211", "/orders/*"),
        (["/orders/48211/receipt"], "/orders/48211/receipt", "/orders/*/receipt"),
        (["/cart/add/BP-107"], "/cart/add/BP-107", "/cart/add/*"),
        (["/p/item-12345"], "/p/item-12345", "/p/*"),
        (["/api/v2/status"], "/api/v2/status", "/api/v2/status"),
        (["/music/mp3"], "/music/mp3", "/music/mp3"),
        # UUIDs, hashes and tokens
        (
            ["/u/3f2b8c1e-1111-2222-3333-444455556666"],
            "/u/3f2b8c1e-1111-2222-3333-444455556666",
            "/u/*",
        ),
        (["/u/3F2B8C1E111122223333444455556666"], "/u/3F2B8C1E111122223333444455556666", "/u/*"),
        (
            ["/commit/9fceb02d0ae598e95dc970b74767f19372d61af8"],
            "/commit/9fceb02d0ae598e95dc970b74767f19372d61af8",
            "/commit/*",
        ),
        (["/s/aZ3kP9qLm2Xw7RtY"], "/s/aZ3kP9qLm2Xw7RtY", "/s/*"),
        (["/page/deadbeef"], "/page/deadbeef", "/page/deadbeef"),  # letters only: a word
        # dates, in the path or as a segment
        (["/2026/11/02/first-snow/"], "/2026/11/02/first-snow/", "/*/*/*/first-snow/"),
        (["/archive/2026-11-02"], "/archive/2026-11-02", "/archive/*"),
        (["/archive/2026-11"], "/archive/2026-11", "/archive/*"),
        (["/report/20261102"], "/report/20261102", "/report/*"),
        # slugs: five or more siblings under a fixed prefix; fixed words stay
        (PRODUCTS, "/products/vegan-hiker", "/products/*"),
        (PRODUCTS[:4], "/products/vegan-hiker", "/products/vegan-hiker"),
        ([*PRODUCTS, "/products/thank-you"], "/products/thank-you", "/products/thank-you"),
        (
            ["/checkout", "/checkout/shipping", "/checkout/payment", "/checkout/thank-you"],
            "/checkout/payment",
            "/checkout/payment",
        ),
        (["/about", "/blog", "/cart", "/contact", "/pricing", "/search"], "/pricing", "/pricing"),
        (
            [f"/docs/files/{n}.pdf" for n in ["a", "b", "c", "d", "e"]],
            "/docs/files/a.pdf",
            "/docs/files/*.pdf",
        ),
        (
            [f"/account/{n}" for n in ("orders", "settings", "profile", "billing", "welcome")],
            "/account/welcome",
            "/account/welcome",
        ),
        (
            [f"/account/{n}" for n in ("orders", "settings", "profile", "billing", "welcome")],
            "/account/profile",
            "/account/*",
        ),
        # a file named by an id keeps its extension
        (["/invoices/48211.pdf"], "/invoices/48211.pdf", "/invoices/*.pdf"),
        # locales: a first segment, collapsed when the site has several
        (["/en/pricing", "/de-DE/preise"], "/de-DE/preise", "/*/preise"),
        (["/en/pricing", "/de-DE/preise"], "/en/pricing", "/*/pricing"),
        (["/en/pricing", "/pt_br/precos"], "/pt_br/precos", "/*/precos"),
        (["/de/kasse", "/de/warenkorb"], "/de/kasse", "/de/kasse"),  # one locale: kept
        (["/en/", "/de/"], "/en/", "/en/"),  # a locale's home page is itself
        (["/go/pricing", "/en/pricing"], "/go/pricing", "/go/pricing"),  # go is no language
        # under a locale, the site's sections are no slugs
        (
            [f"/de/{n}" for n in ("produkte", "kasse", "bestellung", "versand", "impressum")],
            "/de/bestellung",
            "/de/bestellung",
        ),
        # a few paths whose wildcard would take another page's path keep their names (as a
        # goal's glob, /contact/* would count the form's views as the confirmation's)
        (["/contact/form", "/contact/thanks-2026"], "/contact/thanks-2026", "/contact/thanks-2026"),
        (["/Contact/Form", "/contact/thanks-2026"], "/contact/thanks-2026", "/contact/thanks-2026"),
        (["/contact/thanks-2026"], "/contact/thanks-2026", "/contact/*"),
        (
            ["/orders/48211/receipt", "/orders/48212/receipt", "/orders/history/receipt"],
            "/orders/48212/receipt",
            "/orders/48212/receipt",
        ),
        (
            ["/invoices/48211.pdf", "/invoices/terms.pdf"],
            "/invoices/48211.pdf",
            "/invoices/48211.pdf",
        ),
        (["/invoices/48211.pdf", "/invoices/terms.zip"], "/invoices/48211.pdf", "/invoices/*.pdf"),
        # ids named again are no slugs' siblings: the page beside them stays itself
        (
            ["/contact/form", *(f"/contact/ticket-{n}" for n in range(48211, 48215))],
            "/contact/form",
            "/contact/form",
        ),
        (
            ["/contact/form", *(f"/contact/ticket-{n}" for n in range(48211, 48215))],
            "/contact/ticket-48211",
            "/contact/ticket-48211",
        ),
        (
            [*(f"/orders/{n}" for n in range(48211, 48215)), "/orders/new"],
            "/orders/new",
            "/orders/new",
        ),
        # ids among slugs are one template with them, however the ids are named
        (
            [
                *(f"/products/{w}-boot" for w in ("alpha", "beta", "gamma", "delta", "eps")),
                "/products/1234",
                "/products/5678",
                "/products/9012",
            ],
            "/products/1234",
            "/products/*",
        ),
        (
            [
                *(
                    f"/webinars/{w}/thank-you"
                    for w in ("seo", "growth", "ads", "email", "brand", "local", "summit-2026")
                )
            ],
            "/webinars/summit-2026/thank-you",
            "/webinars/*/thank-you",
        ),
        (
            [
                *(f"/blog/{w}/comments/123" for w in ("a-b", "c-d", "e-f", "g-h", "i-j")),
                "/blog/a-b/comments/new",
            ],
            "/blog/a-b/comments/123",
            "/blog/*/comments/*",
        ),
        # a leading locale is named again too where its * would take another page (``go`` is
        # no language: /*/pricing would take /go/pricing); where it takes none it stays
        (["/en/pricing", "/de/pricing", "/go/pricing"], "/de/pricing", "/de/pricing"),
        (["/en/t/48211", "/de/t/48212", "/en/t/new"], "/de/t/48212", "/de/t/48212"),
        (["/en/pricing", "/de/pricing", "/go/about"], "/de/pricing", "/*/pricing"),
        # ids too many to name keep their wildcard beside a fixed sibling
        (
            [*(f"/orders/{n}/receipt" for n in range(48211, 48216)), "/orders/history/receipt"],
            "/orders/48211/receipt",
            "/orders/*/receipt",
        ),
        # the root and trailing slashes
        (["/"], "/", "/"),
        (["/blog/"], "/blog/", "/blog/"),
    ],
)
def test_a_path_has_its_template(paths: list[str], path: str, template: str) -> None:
    assert path_templates(paths)[path] == template


def test_each_distinct_path_is_templated_once() -> None:
    assert path_templates(["/a/1", "/a/1", "/a/2"]) == {"/a/1": "/a/*", "/a/2": "/a/*"}


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("48211", True),
        ("BP-107", True),
        ("2026-11-02", True),
        ("v2", False),
        ("thank-you", False),
        ("", False),
    ],
)
def test_is_id(segment: str, expected: bool) -> None:
    assert is_id(segment) is expected


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("en", True),
        ("de-DE", True),
        ("pt_br", True),
        ("zh-Hant", True),
        ("go", False),
        ("EN", False),
        ("eng", False),
    ],
)
def test_is_locale(segment: str, expected: bool) -> None:
    assert is_locale(segment) is expected


@pytest.mark.parametrize(
    ("path", "template", "expected"),
    [
        ("/downloads/size-guide.pdf", "/downloads/size-guide.pdf", "/downloads/*.pdf"),
        ("/releases/3.1.0/inkpad-3.1.0.DMG", "/releases/*/inkpad-3.1.0.DMG", "/releases/*/*.dmg"),
        ("/download", "/download", "/download"),
    ],
)
def test_a_download_is_templated_by_its_directory_and_extension(
    path: str, template: str, expected: str
) -> None:
    assert file_template(path, template) == expected
