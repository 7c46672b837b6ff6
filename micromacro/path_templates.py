"""Path templates: the paths of a site with their variable parts (ids, numbers, UUIDs, hashes,
dates, locales, and slugs under a common prefix) collapsed into ``*``, a one-segment glob.

``/products/vegan-hiker`` and ``/products/storm-shell-3l`` are both ``/products/*`` once the
site has enough pages under ``/products/`` to tell that segment is a slug; ``/orders/48211``,
``/u/3f2b…`` and ``/2026/11/02/first-snow`` are templated by their own shape, and the leading
locale of ``/de-DE/preise`` too. Templates are made from the set of distinct paths only, never
per hit: ``path_templates`` takes the distinct paths and returns each one's template.

A segment that names a step people take (``thank-you``, ``checkout``, ``pricing``, …: the
words of ``KEEP_WORDS``) is never collapsed as a slug, so ``/account/welcome`` stays itself
among many account pages. A few paths whose template by their own shape would also match
another page's path keep their names (``/contact/thanks-2026`` beside ``/contact/form``), and
so do the locales of a template that would (``/en/thanks`` beside ``/newsletter/thanks``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache

WILDCARD = "*"
# A prefix with at least this many distinct child segments holds slugs (not fixed words).
SLUG_SIBLINGS = 5

_NUMBER = re.compile(r"^\d+$")
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
_HEX = re.compile(r"^(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}$", re.I)
# A long token of letters and digits mixed (base64, short links, session tokens).
_TOKEN = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_-]{16,}$")
_DATE = re.compile(r"^(19|20)\d\d[-_.]?(0[1-9]|1[0-2])([-_.]?(0[1-9]|[12]\d|3[01]))?$")
# A locale: ``en``, ``de-DE``, ``pt_br``, ``zh-Hant`` (only as a path's first segment).
_DIGIT = re.compile(r"\d")
_THREE_DIGITS = re.compile(r"\d\D*\d\D*\d")
_ID_SHAPE = re.compile(
    "|".join(f"(?:{p.pattern})" for p in (_NUMBER, _UUID, _HEX, _TOKEN, _DATE)), re.I
)
_LOCALE = re.compile(r"^[a-z]{2}(?:[-_](?:[A-Za-z]{2}|([A-Za-z]{4})))?$")
# The scripts a locale names after its language (``zh-Hant``, as Drupal and WPML write it
# ``zh-hant``), the others of four letters being words (``/de-shop/``).
SCRIPTS = frozenset(("hans", "hant", "latn", "cyrl", "arab", "deva", "grek", "hebr", "jpan"))
LANGUAGES = frozenset(
    (
        "ar", "bg", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "eu", "fa", "fi", "fr",
        "ga", "gl", "he", "hi", "hr", "hu", "hy", "id", "is", "it", "ja", "ka", "kk", "ko", "lt",
        "lv", "mk", "ms", "mt", "nb", "nl", "nn", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sq",
        "sr", "sv", "th", "tr", "uk", "ur", "vi", "zh"
    )
)  # fmt: skip
# Words of the steps people take: a segment holding one is a page of its own, never a slug.
KEEP_WORDS = frozenset(
    (
        "thank", "thanks", "thankyou", "danke", "merci", "gracias", "obrigado", "obrigada",
        "grazie", "bedankt", "dank", "tak", "tack", "kiitos", "confirm", "confirmed",
        "confirmation", "confirmacion", "conferma", "bestaetigung", "bevestiging", "success",
        "successful", "complete", "completed", "receipt", "welcome", "willkommen", "bienvenue",
        "bienvenido", "benvenuto", "order", "orders", "checkout", "kasse", "caisse", "cart",
        "basket", "warenkorb", "panier", "carrito", "carrello", "winkelwagen", "payment",
        "shipping", "pricing", "plans", "preise", "tarifs", "precios", "prezzi", "prijzen",
        "signup", "sign-up", "register", "registration", "join", "contact", "kontakt", "contacto",
        "contatto", "quote", "demo", "trial", "subscribe", "newsletter", "download", "downloads",
        "search", "login", "signin", "account", "apply", "application", "donate", "donation",
        "bestellung", "commande", "pedido", "ordine", "bestelling", "purchase", "booking",
        "reservation", "appointment", "devis", "angebot", "offerte", "presupuesto", "cotizacion",
        "preventivo", "kontakt", "contacto", "contatto", "enquiry", "inquiry", "registrieren",
        "inscription", "spende", "bewerbung", "candidature", "alerts"
    )
)  # fmt: skip
_WORD = re.compile(r"[a-z]+")


@cache
def is_id(segment: str) -> bool:
    """Whether a segment is variable by its own shape: a number, UUID, hash, token, date, or
    a code holding three digits or more (``BP-107``, ``order-48211``). Decided once per
    distinct segment.

    >>> [is_id(s) for s in ("48211", "BP-107", "2026-11-02", "v2", "thank-you", "mp3")]
    [True, True, True, False, False, False]
    """
    if not _DIGIT.search(segment):  # all the shapes but a UUID of letters hold a digit
        return len(segment) in (32, 36) and bool(_UUID.match(segment))
    return bool(_THREE_DIGITS.search(segment) or _ID_SHAPE.match(segment))


def is_locale(segment: str) -> bool:
    """Whether a first segment names a language or locale (``en``, ``de-DE``, ``pt_br``).

    >>> [is_locale(s) for s in ("en", "de-DE", "pt_br", "zh-Hant", "zh-hant", "de-shop", "go")]
    [True, True, True, True, True, False, False]
    """
    match = _LOCALE.match(segment)
    if match is None or segment[:2] not in LANGUAGES:
        return False
    return match.group(1) is None or match.group(1).lower() in SCRIPTS


@cache
def keeps_its_name(segment: str) -> bool:
    """Whether a segment names a step people take (a word of ``KEEP_WORDS`` in it).

    >>> [keeps_its_name(s) for s in ("thank-you", "order-complete", "vegan-hiker")]
    [True, True, False]
    """
    lowered = segment.lower()
    if lowered in KEEP_WORDS:
        return True
    words = _WORD.findall(lowered)
    return any(word in KEEP_WORDS for word in words) or "".join(words) in KEEP_WORDS


def _split(path: str) -> list[str]:
    """The segments after the leading ``/`` (a trailing ``/`` leaves an empty last one)."""
    return path[1:].split("/") if path.startswith("/") else path.split("/")


def _own_shape(segments: Sequence[str], *, locales: bool) -> list[str]:
    """Segments with ids collapsed, and with ``locales`` (the site has several) a leading
    locale."""
    out = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if index == 0 and locales and is_locale(segment) and any(segments[1:]):
            out.append(WILDCARD)
        elif last and _extension(segment):
            stem = segment[: -len(_extension(segment)) - 1]
            out.append(f"{WILDCARD}.{_extension(segment)}" if is_id(stem) else segment)
        elif is_id(segment):
            out.append(WILDCARD)
        else:
            out.append(segment)
    return out


def path_templates(paths: Iterable[str]) -> dict[str, str]:
    """The template of each distinct path (``paths`` may repeat; each is templated once).

    A segment becomes ``*`` when its own shape says it is an id (``is_id``), when it is a
    locale first segment followed by more and the paths hold several locales, or when it is a
    slug: under a templated prefix that holds a fixed segment and is not a locale alone, with
    at least ``SLUG_SIBLINGS`` distinct child segments, and not a word of ``KEEP_WORDS``. A file
    name keeps its extension (``/docs/*.pdf``). Query strings are not part of a path.

    >>> t = path_templates([f"/products/{s}" for s in "a-b c-d e-f g-h i-j".split()])
    >>> t["/products/a-b"]
    '/products/*'
    >>> sorted(path_templates(["/orders/48211/receipt", "/de-DE/preise", "/en/x"]).values())
    ['/*/preise', '/*/x', '/orders/*/receipt']
    """
    split = {path: _split(path) for path in sorted(set(paths))}
    several = len({s[0] for s in split.values() if is_locale(s[0])}) > 1
    shaped = {path: _own_shape(segments, locales=several) for path, segments in split.items()}
    depth = max((len(s) for s in shaped.values()), default=0)
    for level in range(1, depth):
        children: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for segments in shaped.values():
            if len(segments) > level and segments[level] != WILDCARD:
                children[tuple(segments[:level])].add(_stem(segments[level]))
        crowded = {
            prefix
            for prefix, names in children.items()
            if len(names) >= SLUG_SIBLINGS and _holds_slugs(prefix)
        }
        if not crowded:
            continue
        for segments in shaped.values():
            if len(segments) <= level or tuple(segments[:level]) not in crowded:
                continue
            segment = segments[level]
            if segment and segment != WILDCARD and not keeps_its_name(segment):
                segments[level] = _slug_wildcard(segment, last=level == len(segments) - 1)
    _name_ids_taking_another_page(shaped, split, several)
    return {path: "/" + "/".join(segments) for path, segments in shaped.items()}


def _leads_with_locale(segments: Sequence[str], several: bool) -> bool:
    """Whether a path's first segment is a locale its template makes ``*`` (``_own_shape``)."""
    return several and is_locale(segments[0]) and any(segments[1:])


def _name_ids_taking_another_page(
    shaped: dict[str, list[str]], split: dict[str, list[str]], several: bool
) -> None:
    """In ``shaped`` (each path's template, as segments), name again the ids of a template of
    fewer than ``SLUG_SIBLINGS`` paths, and the leading locale of any (``several``: the site
    has several locales), whose glob would also match a path of another template:
    ``/contact/*`` of ``/contact/thanks-2026`` alone would take ``/contact/form`` too, and
    ``/*/thanks`` of the locales' thank-you pages ``/newsletter/thanks``. A template of more
    paths keeps its id wildcards (its ids are too many to name one by one), and so do slugs."""
    members: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for path, segments in shaped.items():
        if segments != split[path]:  # a wildcard in it
            members[tuple(segments)].append(path)
    few = []
    for template, paths in members.items():
        ids = {path: _named_places(split[path], several, len(paths)) for path in paths}
        if any(ids.values()):
            few.append((template, ids))
    if not few:
        return
    # The paths of each length by their segment at each place a template of it has a literal.
    literal_places: dict[int, set[int]] = defaultdict(set)
    for template, _ in few:
        literal_places[len(template)].update(
            i for i, part in enumerate(template) if not _is_wildcard_segment(part)
        )
    by_segment: dict[tuple[int, int, str], set[str]] = defaultdict(set)
    by_length: dict[int, set[str]] = defaultdict(set)
    for path, segments in split.items():
        if len(segments) in literal_places:
            by_length[len(segments)].add(path)
            for index in literal_places[len(segments)]:
                by_segment[len(segments), index, segments[index].lower()].add(path)
    for template, ids in few:
        fixed = [
            by_segment[len(template), index, segment.lower()]
            for index, segment in enumerate(template)
            if not _is_wildcard_segment(segment)
        ]
        near = set.intersection(*sorted(fixed, key=len)) if fixed else by_length[len(template)]
        if any(tuple(shaped[other]) != template and _matches(template, other) for other in near):
            for path, places in ids.items():
                for index in places:
                    shaped[path][index] = split[path][index]


def _named_places(segments: list[str], several: bool, paths: int) -> list[int]:
    """The places of a path's wildcards to name again where its template takes another page:
    a leading locale always (the site's locales are few: ``/*/thanks`` of ``/en/thanks`` and
    ``/de/thanks`` would take ``/newsletter/thanks``), ids where the template has fewer than
    ``SLUG_SIBLINGS`` paths."""
    locale = [0] if _leads_with_locale(segments, several) else []
    return locale + (_id_places(segments, several) if paths < SLUG_SIBLINGS else [])


def _id_places(segments: list[str], several: bool) -> list[int]:
    """The places of a path's segments its own shape makes ``*`` as ids (not as a locale)."""
    own = _own_shape(segments, locales=several)
    return [
        index
        for index, (written, shape) in enumerate(zip(segments, own, strict=True))
        if written != shape and not (index == 0 and _leads_with_locale(segments, several))
    ]


def _is_wildcard_segment(segment: str) -> bool:
    return segment == WILDCARD or segment.startswith(WILDCARD + ".")


def _matches(segments: Sequence[str], path: str) -> bool:
    """Whether a path is one a template's glob (its ``segments``) matches, as a goal does
    (ignoring case)."""
    own = _split(path)
    return len(own) == len(segments) and all(
        segment.lower() == part.lower()
        if not _is_wildcard_segment(segment)
        else part.lower().endswith(segment[1:].lower())
        for segment, part in zip(segments, own, strict=True)
    )


def _holds_slugs(prefix: tuple[str, ...]) -> bool:
    """Whether the children of ``prefix`` may be slugs: it holds a fixed segment and is not a
    locale alone (``/de/…`` holds the site's sections, as ``/…`` does)."""
    if len(prefix) == 1 and (prefix[0] == WILDCARD or is_locale(prefix[0])):
        return False
    return any(part != WILDCARD for part in prefix)


def _stem(segment: str) -> str:
    """A segment without a file extension: siblings ``a.pdf`` and ``a.zip`` are one name."""
    return segment.rsplit(".", 1)[0] if "." in segment else segment


def _extension(segment: str) -> str:
    """A file name's extension (``pdf``), empty when it has none of letters and digits."""
    if "." not in segment:
        return ""
    stem, extension = segment.rsplit(".", 1)
    return extension if stem and extension.isalnum() and len(extension) <= 5 else ""


def _slug_wildcard(segment: str, *, last: bool) -> str:
    """``*`` for a slug, ``*.ext`` for a file name that ends a path."""
    extension = _extension(segment) if last else ""
    return f"{WILDCARD}.{extension}" if extension else WILDCARD


def file_template(path: str, template: str) -> str:
    """A download's template: its directory's template and ``*.`` its extension, so every file
    of a kind in one place is one download (``/downloads/*.pdf``); a path without an
    extension keeps its template.

    >>> file_template("/downloads/size-guide.pdf", "/downloads/size-guide.pdf")
    '/downloads/*.pdf'
    """
    extension = _extension(path.rsplit("/", 1)[-1])
    if not extension:
        return template
    directory = template.rsplit("/", 1)[0]
    return f"{directory}/{WILDCARD}.{extension.lower()}"


def has_wildcard(template: str) -> bool:
    """Whether a template holds a ``*`` segment (else it is the path itself)."""
    return any(_is_wildcard_segment(segment) for segment in _split(template))
