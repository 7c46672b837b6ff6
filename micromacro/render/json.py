"""JSON: the whole report as one object (definitions §4)."""

from __future__ import annotations

import json
import math

from micromacro.report import Report
from micromacro.text import json_inert


def finite(item: object) -> object:
    """``item`` (nested dicts, lists and tuples) with every float that is not finite (NaN, ±inf)
    as None: JSON has no such numbers, and a figure that is not finite is no figure.

    >>> finite({"a": [1.5, float("inf")], "b": float("nan"), "c": "inf"})
    {'a': [1.5, None], 'b': None, 'c': 'inf'}
    """
    if isinstance(item, float):
        return item if math.isfinite(item) else None
    if isinstance(item, dict):
        return {key: finite(value) for key, value in item.items()}
    if isinstance(item, list | tuple):
        return [finite(value) for value in item]
    return item


def json_text(data: object) -> str:
    """``data`` as indented JSON, floats that are not finite as null; control and bidirectional
    characters escaped (``text.json_inert``)."""
    return (
        json_inert(json.dumps(finite(data), indent=2, ensure_ascii=False, allow_nan=False)) + "\n"
    )


def render_json(report: Report) -> str:
    """The report's ``as_dict()`` as indented JSON (``json_text``)."""
    return json_text(report.as_dict())
