"""An entry written as its file is read (README: The hit cache): a log of more than a few slices
of lines hands each slice to its entry once every line of it is read, so a first run holds only
the lines not handed over yet. The entry is the one written at the end of the read would be,
row for row; one not kept after all (the run spilled, the file changed, the read failed) leaves
nothing behind.

Slices here are 64 lines and chunks 8 KB (a test's log in about 30 chunks), so a test's log
streams as a large one does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from micromacro import cached_lines, hit_cache, reading
from micromacro.entry_stream import EntryStream
from micromacro.inputs import Inputs
from micromacro.line_chunks import LineChunk
from tests.test_hit_cache import SAMPLE, Parses, entries, invoke, same_three_ways

_SLICE = 64
_LINE_CHUNKS = Inputs.line_chunks


@pytest.fixture(autouse=True)
def _small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cached_lines, "_SLICE_LINES", _SLICE)
    monkeypatch.setattr(reading, "HELD_LINES_EVERY", 2 * _SLICE)

    def small_chunks(self: Inputs, chunk_bytes: int = 8192) -> Iterator[LineChunk]:
        return _LINE_CHUNKS(self, chunk_bytes)

    monkeypatch.setattr(Inputs, "line_chunks", small_chunks)


def _scattered_log(folder: Path, *, last_break: bool = True) -> Path:
    """The sample log's first 1,200 lines with lines its variant leaves (broken lines, lines
    with fields left unread) all through them: each is read by the rest of the family, after
    its neighbours."""
    lines = Path(SAMPLE).read_text().splitlines(keepends=True)[:1200]
    for number in range(97, len(lines), 97):
        lines.insert(number, f"broken line {number}\n")
    for number in range(60, len(lines), 131):
        lines[number] = lines[number].rstrip("\n") + " 0.004 extra\n"
    log = folder / "access.log"
    text = "".join(lines)
    log.write_text(text if last_break else text.rstrip("\n"))
    return log


class _Streams:
    """Counts the entries written as they are read, and the most lines a run held at once of
    a file's lines not handed over to its entry."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.opened = 0
        self.most = 0
        stream, add = hit_cache.HitCache.stream, cached_lines.LineCache.add

        def counted_stream(cache: hit_cache.HitCache, *args: Any) -> Any:
            self.opened += 1
            return stream(cache, *args)

        def counted_add(cache: cached_lines.LineCache, classified: pl.DataFrame) -> None:
            add(cache, classified)
            held = [sum(f.height for f in kept.lines) for kept in cache._read.values()]
            self.most = max(self.most, *held, 0)

        monkeypatch.setattr(hit_cache.HitCache, "stream", counted_stream)
        monkeypatch.setattr(cached_lines.LineCache, "add", counted_add)


def _entry() -> tuple[pl.DataFrame, dict[str, Any]]:
    """The rows of the test's one entry, and what its metadata says."""
    (path,) = entries()
    metadata = pl.read_parquet_metadata(path)
    return pl.read_parquet(path), json.loads(metadata[hit_cache._META_KEY])


def _entry_written_at_the_end(log: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The entry of ``log`` as a run that hands no slice over writes it (every line kept until
    the end of the read), in a cache directory of its own."""
    with monkeypatch.context() as patch:
        patch.setattr(cached_lines.LineCache, "_hand_over", lambda *args: None)
        patch.setenv("XDG_CACHE_HOME", str(log.parent / "at-the-end"))
        assert invoke("report", str(log)).exit_code == 0
        return _entry()


@pytest.mark.parametrize("last_break", [True, False])
def test_a_log_is_written_to_its_entry_as_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, last_break: bool
) -> None:
    """The run holds a few slices of lines at most, and writes the entry (and reports) as a run
    keeping every line to the end does; a last line with no line break after it is left out
    of the entry, and read on from when the file grows."""
    log = _scattered_log(tmp_path, last_break=last_break)
    total = len(log.read_text().splitlines())
    expected_rows, expected_meta = _entry_written_at_the_end(log, monkeypatch)
    assert expected_meta["lines"] == total - (0 if last_break else 1)
    streams = _Streams(monkeypatch)
    same_three_ways("report", str(log), "--format", "json")
    assert streams.opened == 1  # by the run that wrote the entry; the next read it
    assert 0 < streams.most <= 6 * _SLICE  # of 1,212 lines
    rows, meta = _entry()
    assert meta == expected_meta
    assert rows.equals(expected_rows)
    with log.open("a") as out:
        out.write("\n" if not last_break else "")
        out.write(Path(SAMPLE).read_text().splitlines(keepends=True)[0])
    parses = Parses(monkeypatch)
    grown = invoke("report", str(log), "--format", "json")
    assert parses.lines == (1 if last_break else 2)
    assert grown.stdout == invoke("report", str(log), "--format", "json", "--no-cache").stdout


def test_one_held_line_early_holds_back_no_slice_to_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line the chosen variant leaves near the top, and none after it: its batch is added
    at the next place held lines are read though none is held since, so the slices after it
    are handed over as the log is read, not at its end."""
    lines = Path(SAMPLE).read_text().splitlines(keepends=True)[:1080]
    log = tmp_path / "access.log"
    log.write_text("".join(lines[:5]) + "broken line\n" + "".join(lines[5:]))
    streams = _Streams(monkeypatch)
    same_three_ways("report", str(log), "--format", "json")
    assert streams.opened == 1
    assert 0 < streams.most <= 6 * _SLICE  # of 1,081 lines


def test_a_log_whose_last_lines_after_a_slice_are_no_hits_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lines after the last slice handed over may hold no counted line (a crawler's
    visit, read in the same chunk): the entry holds every line all the same, and reports as
    the log does."""
    monkeypatch.setattr(Inputs, "line_chunks", _LINE_CHUNKS)  # one chunk
    lines = Path(SAMPLE).read_text().splitlines(keepends=True)
    people = [line for line in lines if "bot" not in line.lower()]
    crawler = [line for line in lines if "Googlebot" in line]
    log = tmp_path / "access.log"
    log.write_text("".join(people[:_SLICE] + crawler[:6]))
    same_three_ways("report", str(log), "--format", "json")
    rows, meta = _entry()
    assert (rows.height, meta["lines"]) == (_SLICE + 6, _SLICE + 6)
    assert rows.get_column("bucket").tail(6).to_list() == ["bot"] * 6


def test_an_entry_of_a_spilled_run_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose hits spill past --hit-memory keeps no entry: the entry it had begun to
    write leaves no file behind."""
    log = _scattered_log(tmp_path)
    args = ["report", str(log), "--format", "json", "--hit-memory", "4K"]
    streams = _Streams(monkeypatch)
    result = invoke(*args)
    assert "more than --hit-memory" in result.stderr
    assert streams.opened == 1
    assert result.stdout == invoke(*args, "--no-cache").stdout
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "micromacro"
    assert [path.name for path in folder.iterdir() if path.suffix == ".parquet"] == []


def test_an_entry_of_a_file_rewritten_while_it_is_read_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is rewritten in place once its first slices were handed over: the entry
    begun is not kept, and the next run reads the file again."""
    log = _scattered_log(tmp_path)
    text = log.read_text()
    rewritten = text.replace('" 200 ', '" 404 ', 1)
    put = hit_cache.EntryStream.put

    def rewrite_then_put(stream: hit_cache.EntryStream, rows: Any) -> None:
        if log.read_text() != rewritten:
            log.write_text(rewritten)
        put(stream, rows)

    monkeypatch.setattr(hit_cache.EntryStream, "put", rewrite_then_put)
    assert invoke("report", str(log)).exit_code == 0
    monkeypatch.setattr(hit_cache.EntryStream, "put", put)
    assert entries() == []
    parses = Parses(monkeypatch)
    after = invoke("report", str(log), "--format", "json")
    assert parses.lines == len(rewritten.splitlines())
    assert after.stdout == invoke("report", str(log), "--format", "json", "--no-cache").stdout


def test_a_read_that_fails_leaves_no_entry_and_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read that fails after its entry was begun (a fault in the lines of the fifth chunk
    after) ends with its error, not waiting for an entry that will never be finished, and
    leaves no file in the cache directory."""
    log = _scattered_log(tmp_path)
    classify, after = reading.classify_lines, []
    streams = _Streams(monkeypatch)

    def failing(*args: Any) -> pl.DataFrame:
        after.extend([1] if streams.opened else [])
        if len(after) == 5:
            raise RuntimeError("a fault")
        return classify(*args)

    monkeypatch.setattr(reading, "classify_lines", failing)
    result = invoke("report", str(log))
    assert (result.exit_code, streams.opened, len(after)) == (1, 1, 5)
    assert "RuntimeError: a fault" in result.stderr
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "micromacro"
    assert [path.name for path in folder.iterdir() if path.suffix == ".parquet"] == []


def test_rows_handed_to_an_abandoned_entry_are_not_made(tmp_path: Path) -> None:
    """Abandoned, or finished to be kept nowhere (its file changed), an entry's writer makes
    none of the rows still waiting; once finished, abandoning it (as a run's end does every
    entry) drops nothing."""
    made: list[int] = []

    def rows() -> pl.DataFrame:
        made.append(1)
        return pl.DataFrame({"a": [len(made)]})

    abandoned = EntryStream({"a": pl.Int64()})
    abandoned.put(rows)
    abandoned.put(rows)
    abandoned.abandon()
    abandoned.frame.sink_parquet(tmp_path / "abandoned.parquet", metadata=abandoned.metadata)
    assert (made, abandoned.kept) == ([], None)
    unkept = EntryStream({"a": pl.Int64()})
    unkept.put(rows)
    unkept.finish(None, 1)
    unkept.frame.sink_parquet(tmp_path / "unkept.parquet", metadata=unkept.metadata)
    assert (made, unkept.kept) == ([], None)
    finished = EntryStream({"a": pl.Int64()})
    finished.put(rows)
    finished.put(rows)
    finished.finish(("target", {"key": "value"}), 2)
    finished.abandon()
    finished.frame.sink_parquet(tmp_path / "finished.parquet", metadata=finished.metadata)
    assert pl.read_parquet(tmp_path / "finished.parquet").get_column("a").to_list() == [1, 2]
    assert pl.read_parquet_metadata(tmp_path / "finished.parquet")["key"] == "value"
    assert finished.kept == ("target", {"key": "value"}, 2)
