"""JSON: the whole report as one object (definitions §4)."""

from __future__ import annotations

import json

from micromacro.report import Report


def render_json(report: Report) -> str:
    """The report's ``as_dict()`` as indented JSON; control characters stay escaped."""
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
