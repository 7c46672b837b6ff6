"""``per_distinct`` gives what calling the function on every row gives, calling it once per
distinct value."""

from __future__ import annotations

from collections import Counter

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from micromacro.distinct import per_distinct


@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "B", "a b", "%41", ""]))))
def test_same_as_row_by_row_and_once_per_value(texts: list[str | None]) -> None:
    calls: Counter[str] = Counter()

    def measure(text: str) -> int | None:
        calls[text] += 1
        return len(text) or None

    values = pl.Series("text", texts, dtype=pl.String)
    result = per_distinct(values, measure, pl.Int64, default=-1)
    assert result.name == "text"
    assert result.dtype == pl.Int64
    assert result.to_list() == [-1 if t is None else (len(t) or None) for t in texts]
    assert calls == Counter({t: 1 for t in texts if t is not None})


def test_struct_results_become_columns() -> None:
    values = pl.Series("n", [3, 1, 3, 2], dtype=pl.UInt32)
    dtype = pl.Struct({"half": pl.Float64, "odd": pl.Boolean})
    result = per_distinct(values, lambda n: {"half": n / 2, "odd": n % 2 == 1}, dtype)
    assert result.struct.unnest().rows() == [(1.5, True), (0.5, True), (1.5, True), (1.0, False)]


def test_no_values() -> None:
    result = per_distinct(pl.Series("x", [], dtype=pl.String), str.upper, pl.String)
    assert result.len() == 0
    assert result.dtype == pl.String
