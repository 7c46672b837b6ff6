"""Generate a seeded goals file with many goals, for the many-goals test and benchmark.

    python bench/generate_goals.py --goals 10000 --seed 2026 --out bench/data/goals-10k.yaml

Goals of every type: destination goals with every string matcher (``equals``, ``begins_with``,
``contains``, ``regex``, ``glob``, ``one_of``, case-sensitive or not, with and without
``include_query``), event goals (category, action, label, name and value, alone or together),
duration and pages goals; macro and micro (with a category or not), ``count: every`` on hit
goals, some with a ``value``. Paths and event fields are drawn from the shop of
``generate_log.py`` (and ``sample_logs/access.log``), so that many goals convert some sessions
and many convert none. The same ``--goals``/``--seed`` always give the same bytes.

Importable: ``generate_goals(count, seed)`` returns the YAML text.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable

PRODUCTS = (
    "basecamp-tunnel-4p", "camera-pack-30l", "kids-hiking-boot", "leather-backpacker",
    "vegan-hiker", "fleece-midlayer", "alpine-pod-2p", "down-puffer-800", "trail-runner-gtx",
    "alpine-mountaineering-boot", "windbreaker-lite", "summit-bag-18l", "womens-trek-low",
    "womens-ski-shell", "softshell-guide", "waterproof-hiker-mid", "trailhead-2p-tent",
    "hydration-vest-12l", "synthetic-hoody", "kids-trail-pack-15l", "ultralight-1p-shelter",
    "summit-4-season-tent", "canopy-tarp-3x3", "approach-shoe-lite", "travel-duffel-55l",
    "storm-shell-3l", "family-dome-6p", "daypack-22l", "ridge-40l-pack", "frameless-35l",
    "bivy-sack-pro", "expedition-70l", "insulated-parka", "winter-hiker-insulated",
)  # fmt: skip
CATEGORIES = ("backpacks", "tents", "boots", "jackets", "sale", "kids")
BLOG = (
    "trip-report-dolomites", "waterproofing-your-jacket", "ultralight-packing-list",
    "camping-with-kids", "how-to-choose-a-tent", "first-night-in-a-bivy", "best-autumn-trails",
    "layering-for-winter-hikes", "boot-fitting-guide", "best-summer-trails",
)  # fmt: skip
PAGES = (
    "/", "/cart", "/checkout", "/checkout/shipping", "/checkout/payment", "/checkout/thank-you",
    "/contact", "/about", "/search", "/products", "/newsletter/thanks", "/sale",
    "/downloads/size-guide.pdf", "/wp-login.php", "/robots.txt", "/no/such/page",
)  # fmt: skip
SEARCHES = ("waterproof+boots", "winter+boots", "down+jacket", "size+guide", "rain+jacket")
POSTS = ("/cart/add", "/newsletter/subscribe", "/contact", "/checkout/place-order", "/wp-login.php")
METHODS = ("POST", "PUT", "PATCH", "DELETE", "post")
DOWNLOADS = ("/downloads/size-guide.pdf", "/downloads/care-guide.pdf", "/downloads/catalog.zip")

Draw = Callable[[random.Random, int], dict[str, object]]


def _path(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return f"/products/{rng.choice(PRODUCTS)}"
    if kind == 1:
        return f"/category/{rng.choice(CATEGORIES)}"
    if kind == 2:
        return f"/blog/{rng.choice(BLOG)}"
    if kind == 3:
        return rng.choice(PAGES)
    return f"/products/{rng.choice(PRODUCTS)}-{rng.randrange(2000, 2030)}"  # mostly unseen


def _maybe_upper(rng: random.Random, text: str) -> str:
    return text.upper() if rng.random() < 0.15 else text


def _case(rng: random.Random, matcher: dict[str, object]) -> dict[str, object]:
    if rng.random() < 0.3:
        matcher["case_sensitive"] = True
    return matcher


def _destination(rng: random.Random, index: int) -> dict[str, object]:
    op = ("equals", "begins_with", "contains", "regex", "glob", "one_of", "bare")[index % 7]
    path = _path(rng)
    include_query = rng.random() < 0.25
    matcher: dict[str, object]
    if op == "bare":
        return {"destination": _maybe_upper(rng, path)}
    if op == "equals":
        target = path
        if include_query and rng.random() < 0.5:
            target = f"/search?q={rng.choice(SEARCHES)}"
        matcher = {"equals": _maybe_upper(rng, target)}
    elif op == "begins_with":
        matcher = {"begins_with": _maybe_upper(rng, path[: rng.randrange(1, len(path) + 1)])}
    elif op == "contains":
        pieces = (path.rsplit("/", 1)[-1][:6] or "/", "variant=B", "variant=a", "q=", "-2")
        matcher = {"contains": rng.choice(pieces) if include_query else pieces[0]}
    elif op == "regex":
        patterns = (
            f"^/products/{rng.choice(PRODUCTS)[:5]}",
            f"^/category/({rng.choice(CATEGORIES)}|{rng.choice(CATEGORIES)})$",
            f"^/blog/.*{rng.choice(BLOG)[-5:]}$",
            r"-20[0-9]{2}$",
            f"variant=[{rng.choice('AB')}]",
            f"^{path}$",
            r"^/checkout(/|$)",
            f"^/products/[a-z-]+-{rng.randrange(1, 90)}l$",
        )
        matcher = {"regex": rng.choice(patterns)}
    elif op == "glob":
        globs = (
            f"/products/{rng.choice(PRODUCTS)[:4]}*",
            "/category/*",
            "/blog/**",
            f"/*/{rng.choice(BLOG)}",
            "/downloads/*.pdf",
            f"/products/*-{rng.randrange(2, 70)}l",
            "/**?variant=B",
            "/checkout*",
        )
        matcher = {"glob": rng.choice(globs)}
    else:
        matcher = {
            "one_of": sorted({_maybe_upper(rng, _path(rng)) for _ in range(rng.randrange(1, 5))})
        }
    _case(rng, matcher)
    if include_query:
        matcher["include_query"] = True
    return {"destination": matcher}


def _string(rng: random.Random, values: tuple[str, ...]) -> object:
    value = rng.choice(values)
    op = rng.randrange(6)
    if op == 0:
        return value
    if op == 1:
        return {"begins_with": value[: max(1, len(value) // 2)]}
    if op == 2:
        return {"contains": value[len(value) // 3 :] or value}
    if op == 3:
        return {"regex": f"^{value[:3]}"}
    if op == 4:
        return {"glob": f"{value[:2]}*"}
    return {"one_of": sorted({value, rng.choice(values)})}


def _event(rng: random.Random, index: int) -> dict[str, object]:
    event: dict[str, object] = {}
    if index % 3 == 0:  # a download
        event["category"] = "download"
        event["action"] = _string(rng, DOWNLOADS)
    else:
        if rng.random() < 0.8:
            event["category"] = _string(rng, ("request", "REQUEST", "download"))
        if rng.random() < 0.6:
            event["action"] = _string(rng, METHODS)
        if rng.random() < 0.7 or not event:
            event["label"] = _string(rng, POSTS)
    if rng.random() < 0.08:
        event["name"] = _string(rng, ("signup", "purchase"))
    if rng.random() < 0.08:
        event["value"] = {rng.choice(("greater_than", "less_than", "equals")): rng.randrange(0, 5)}
    if rng.random() < 0.15:
        event["case_sensitive"] = True
    return {"event": event}


def _duration(rng: random.Random, index: int) -> dict[str, object]:
    limits: dict[str, object] = {}
    if index % 3 != 1:
        limits["greater_than"] = rng.choice((30, "90s", "2m", "5m", rng.randrange(0, 590)))
    if index % 3 != 0:
        limits["less_than"] = rng.choice(("10m", "1h", 1200, rng.randrange(901, 3600)))
    return {"duration": limits}


def _pages(rng: random.Random, index: int) -> dict[str, object]:
    which = index % 4
    if which == 0:
        return {"pages": {"greater_than": rng.randrange(0, 8)}}
    if which == 1:
        return {"pages": {"less_than": rng.randrange(1, 6)}}
    if which == 2:
        return {"pages": {"equals": rng.randrange(1, 6)}}
    low = rng.randrange(0, 4)
    return {"pages": {"greater_than": low, "less_than": low + rng.randrange(2, 6)}}


# Destination goals most, then events; duration and pages goals are few in real files.
TYPES: tuple[tuple[str, Draw, int], ...] = (
    ("destination", _destination, 6),
    ("event", _event, 3),
    ("duration", _duration, 1),
    ("pages", _pages, 1),
)


def _flow(value: object) -> str:
    """``value`` as YAML flow text (JSON is YAML; strings quoted)."""
    return json.dumps(value, ensure_ascii=False)


def generate_goals(count: int, seed: int = 2026) -> str:
    """The YAML text of a goals file with ``count`` goals (see the module docstring)."""
    rng = random.Random(seed)
    weighted = [(name, draw) for name, draw, weight in TYPES for _ in range(weight)]
    lines = ["goals:"]
    for i in range(count):
        goal_type, draw = weighted[i % len(weighted)]
        goal: dict[str, object] = {"name": f"{goal_type}_{i}"}
        goal["kind"] = "macro" if rng.random() < 0.05 else "micro"
        if goal["kind"] == "micro" and rng.random() < 0.5:
            goal["category"] = rng.choice(("process_milestone", "secondary_action"))
        goal.update(draw(rng, i // len(weighted)))
        if goal_type in ("destination", "event") and rng.random() < 0.3:
            goal["count"] = "every"
        if rng.random() < 0.2:
            goal["value"] = rng.choice((1, 2.5, 25, 60))
        # Block style at the goal level, flow style inside: what a hand-written file looks like.
        lines.append(f"  - name: {goal.pop('name')}")
        lines += [f"    {key}: {_flow(value)}" for key, value in goal.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--goals", type=int, default=10_000, help="how many goals")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default="-", help="output file (default: stdout)")
    args = parser.parse_args(argv)
    text = generate_goals(args.goals, args.seed)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
