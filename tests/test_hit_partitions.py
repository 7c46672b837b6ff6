"""Counted hits beyond ``--hit-memory``: spilled to disk, reported a partition of visitors at a
time, and the same report to the byte as with every hit in memory."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro import hit_partitions
from micromacro.cli import cli
from micromacro.hit_partitions import BUCKETS, HitSpill, SpilledHits, cgroup_memory_limit
from micromacro.hit_schema import ENCODED_COLUMNS, compact_strings, held_bytes
from tests.test_golden import CASES, GOLDEN, ROOT, grouped

# Small enough that every fixture's hits are spilled, in several partitions.
TINY = "4K"
SPILL_NOTE = "are more than --hit-memory"
# An event export's rows are never spilled: --hit-memory given with one is said to be ignored.
EXPORT_NOTE = "--hit-memory: an event export's rows are held in memory whole (ignored)"


def _without_note(stderr: str) -> str:
    notes = (SPILL_NOTE, EXPORT_NOTE)
    return "".join(line for line in stderr.splitlines(True) if not any(n in line for n in notes))


@pytest.mark.parametrize(
    "case",
    grouped([name for name, args in CASES.items() if args[0] in ("report", "alert")], "spilled"),
)
@pytest.mark.usefixtures("one_build_per_report")
def test_a_spilled_report_is_the_golden_one(
    case: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each golden case, its hits spilled: the cases that differ only in ``--format`` or
    ``--table`` write the report of one spilled run (the first of them to run checks that its
    spill files are gone)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = CliRunner().invoke(cli, [*CASES[case], "--hit-memory", TINY])
    assert result.stdout == (GOLDEN / f"{case}.out").read_text(encoding="utf-8")
    expected = (GOLDEN / f"{case}.err").read_text(encoding="utf-8")
    assert f"exit {result.exit_code}\n" + _without_note(result.stderr) == expected
    assert list(tmp_path.iterdir()) == []  # the spill files are gone


def test_the_sample_is_spilled_in_partitions_and_the_cache_keeps_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    cache = tmp_path / "cache"
    args = ["report", "sample_logs/access.log", "--goals", "goals.example.yaml", "-q"]
    spilled = CliRunner().invoke(cli, [*args, "--cache", str(cache), "--hit-memory", "20K"])
    assert spilled.exit_code == 0
    # 772 counted hits of 2 columns + … : the in-memory size is Polars', so only its shape is
    # pinned here; the partitions are that size over a quarter of 20 KiB, rounded up.
    info = CliRunner().invoke(cli, ["cache", "info", "--cache", str(cache)])
    assert "0 entries" in info.stdout or "no entries" in info.stdout.lower()
    loud = CliRunner().invoke(
        cli, [*args[:-1], "--format", "json", "--no-cache", "--hit-memory", "20K"]
    )
    note = next(line for line in loud.stderr.splitlines() if SPILL_NOTE in line)
    assert note.startswith("micromacro: 772 counted hits (")
    assert "--hit-memory 20 KiB" in note
    assert "partitions of visitors" in note


def test_the_spill_note_says_files_are_not_kept_only_where_files_were_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A spilled run keeps no file it read in the hit cache, and says so; a run whose every
    file came from the cache read none, and says nothing of it."""
    monkeypatch.chdir(ROOT)
    args = ["report", "sample_logs/access.log", "--cache", str(tmp_path), "--format", "json"]

    def note(*more: str) -> str:
        result = CliRunner().invoke(cli, [*args, *more])
        assert result.exit_code == 0, result.stderr
        return next(line for line in result.stderr.splitlines() if SPILL_NOTE in line)

    kept = "; the files read are not kept in the hit cache"
    parsed = note("--hit-memory", "20K")
    assert parsed.endswith(f"partitions of visitors{kept}")
    assert CliRunner().invoke(cli, args).exit_code == 0  # the cache filled
    # The same hits, the same size and partitions, whether parsed or read from the cache.
    assert note("--hit-memory", "20K") == parsed.removesuffix(kept)


def test_hits_hold_the_same_bytes_with_or_without_validity_buffers() -> None:
    """A column may carry a validity buffer where nothing is null (kept by a filter, as the hit
    cache's rows are chosen), which Polars' estimate counts; the size ``--hit-memory`` weighs
    is the same either way."""
    hits = pl.DataFrame(
        {
            "ts": [datetime(2026, 11, 2, tzinfo=UTC)] * 100,
            "path": ["/a", "/b"] * 50,
            "status": pl.Series([200] * 100, dtype=pl.UInt16),
            "query": ["q=1", None] * 50,
        }
    ).pipe(compact_strings, ["path"])
    even = hits.with_columns(at=pl.int_range(100, dtype=pl.UInt32) * 2)
    gappy = pl.concat([even, even.clear(100).with_columns(at=pl.col("at").fill_null(1))])
    filtered = gappy.sort("at", maintain_order=True).filter(pl.col("at") % 2 == 0).drop("at")
    assert filtered.equals(hits)
    assert filtered.estimated_size() > hits.estimated_size()  # the validity buffers
    assert held_bytes(filtered) == held_bytes(hits)
    # ts 8 bytes, path 4 (a categorical's code), status 2, a validity bit each; query as held
    expected = round((8 + 4 + 2 + 3 / 8) * 100) + hits.select("query").estimated_size()
    assert held_bytes(hits) == expected


def test_hits_that_fit_are_not_spilled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    args = ["report", "sample_logs/access.log", "--goals", "goals.example.yaml", "--no-cache"]
    result = CliRunner().invoke(cli, [*args, "--hit-memory", "1G", "--format", "json"])
    assert result.exit_code == 0
    assert SPILL_NOTE not in result.stderr


@pytest.mark.parametrize("size", ["abc", "0", "-5M", "1.5X", "", "2PB"])
def test_a_bad_hit_memory_is_a_usage_error(size: str) -> None:
    result = CliRunner().invoke(cli, ["report", "x.log", "--hit-memory", size])
    assert result.exit_code == 2
    assert "--hit-memory" in result.stderr


@pytest.mark.parametrize(
    ("size", "spills"), [("1G", False), ("1.5g", False), ("1024", True), ("2KiB", True)]
)
def test_hit_memory_takes_units(size: str, spills: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    args = ["report", "sample_logs/access.log", "--no-cache", "--format", "json"]
    result = CliRunner().invoke(cli, [*args, "--hit-memory", size])
    assert result.exit_code == 0
    assert (SPILL_NOTE in result.stderr) == spills


def test_the_spill_files_go_when_the_report_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The run removes its spill files where it fails: the spills are kept alive here, so that
    the temporary directory's own clean-up, when it is collected, cannot be what removes them."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    spills: list[HitSpill] = []
    write = HitSpill._write

    def kept_write(spill: HitSpill, frame: pl.DataFrame) -> None:
        spills.append(spill)
        write(spill, frame)

    monkeypatch.setattr(HitSpill, "_write", kept_write)
    args = ["report", "sample_logs/access.log", "--no-cache", "--strict", "--hit-memory", TINY]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "--strict allows none" in result.stderr
    assert spills
    assert list(tmp_path.iterdir()) == []


def _hits(visitors: list[int]) -> pl.DataFrame:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "ts": [start + timedelta(seconds=i) for i in range(len(visitors))],
            "visitor": [f"v{v}" for v in visitors],
            "line_no": pl.Series(range(len(visitors)), dtype=pl.UInt32),
        }
    )
    return compact_strings(frame, ENCODED_COLUMNS)


@settings(max_examples=40, deadline=None)
@given(
    chunks=st.lists(st.lists(st.integers(0, 600), max_size=60), min_size=1, max_size=4),
    budget=st.integers(1, 4000),
)
def test_partitions_hold_each_hit_once_and_a_visitor_in_one(
    chunks: list[list[int]], budget: int
) -> None:
    spill = HitSpill(budget)
    try:
        offset = 0
        for chunk in chunks:
            frame = _hits(chunk).with_columns(pl.col("line_no") + offset)
            offset += len(chunk)
            spill.write([frame])
        if not spill.spilled:
            assert not any(chunks)
            return
        spilled = SpilledHits(spill)
        parts = list(spilled.partitions())
        assert 1 <= len(parts) == spilled.partition_count <= BUCKETS
        numbers = sorted(n for part in parts for n in part.get_column("line_no").to_list())
        assert numbers == list(range(offset))
        owners: dict[str, int] = {}
        for index, part in enumerate(parts):
            for visitor in part.get_column("visitor").cast(pl.String).unique().to_list():
                assert owners.setdefault(visitor, index) == index
        assert spilled.height() == offset
        later = spilled.filter(pl.col("line_no") >= offset // 2)
        assert later.height() == offset - offset // 2
        kept = sorted(n for part in later.partitions() for n in part["line_no"].to_list())
        assert kept == list(range(offset // 2, offset))
    finally:
        spill.close()
    assert spill.files == []


def test_dedupe_keeps_its_hits_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    args = ["report", "sample_logs/access.log", "sample_logs/access.log", "--goals"]
    args += ["goals.example.yaml", "--dedupe", "--no-cache", "--format", "json"]
    whole = CliRunner().invoke(cli, args)
    tiny = CliRunner().invoke(cli, [*args, "--hit-memory", TINY])
    assert whole.exit_code == tiny.exit_code == 0
    assert SPILL_NOTE not in tiny.stderr
    assert tiny.stdout == whole.stdout


def test_a_full_disk_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    args = ["report", "sample_logs/access.log", "--no-cache", "--hit-memory", TINY]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"micromacro: error: cannot write the counted hits to a temporary directory in "
        f"{tmp_path}: No space left on device; set TMPDIR to a directory with room, or raise "
        "--hit-memory\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("where", "reason"),
    [("missing", "no such directory"), ("a-file", "not a directory")],
)
@pytest.mark.parametrize("needs", ["spill", "spool"])
def test_a_tmpdir_that_cannot_be_used_is_an_error_not_another_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, where: str, reason: str, needs: str
) -> None:
    """TMPDIR set to a directory that is not there (mistyped) or to a file: the hits to spill,
    or standard input to copy, would go to the system's directory instead, unseen; exit 1
    naming it. A run that needs no temporary file does not look."""
    monkeypatch.chdir(ROOT)
    (tmp_path / "a-file").write_text("")
    chosen = tmp_path / where
    monkeypatch.setenv("TMPDIR", str(chosen))
    sample = Path("sample_logs/access.log")
    args, stdin = (
        (["report", str(sample), "--hit-memory", TINY], None)
        if needs == "spill"
        else (["report", "-"], sample.read_bytes())
    )
    result = CliRunner().invoke(cli, [*args, "--no-cache", "--format", "json"], input=stdin)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"micromacro: error: TMPDIR {chosen}: {reason}; set TMPDIR to a directory with room for "
        "temporary files (or unset it for the system's)"
    )
    plain = CliRunner().invoke(cli, ["report", str(sample), "--no-cache", "--format", "json"])
    assert plain.exit_code == 0


def test_a_tmpdir_whose_name_is_not_utf8_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A TMPDIR named with a byte that is not UTF-8 (0x85, a lone surrogate in Python), which
    the spill's Parquet writer cannot take: exit 1 naming it, not an internal error."""
    monkeypatch.chdir(ROOT)
    chosen = tmp_path / "t\udc85"
    os.mkdir(os.fsencode(chosen))
    monkeypatch.setenv("TMPDIR", str(chosen))
    args = ["report", "sample_logs/access.log", "--hit-memory", TINY, "--no-cache"]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"micromacro: error: TMPDIR {tmp_path}/t\\x85: a name that is not valid UTF-8; set "
        "TMPDIR to a directory with room for temporary files (or unset it for the system's)"
    )


_SPILL_AND_HOLD = """
import sys, time
import polars as pl
from micromacro.hit_partitions import HitSpill
spill = HitSpill(budget=1)
spill.write([pl.DataFrame({"visitor": ["a"]}, schema={"visitor": pl.Categorical})])
print(spill.files[0], flush=True)
time.sleep(60)
"""


def test_the_spilled_hits_of_a_killed_run_are_removed_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spilling run is the one the kernel's out-of-memory killer picks: its spill directory
    is locked while it lives, and the next run removes it once it is gone."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    run = subprocess.Popen(
        [sys.executable, "-c", _SPILL_AND_HOLD], env=env, stdout=subprocess.PIPE, text=True
    )
    assert run.stdout is not None
    spilled = Path(run.stdout.readline().strip())
    assert spilled.parent.name.startswith(f"micromacro-{run.pid}-")
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    args = ["report", "sample_logs/access.log", "--no-cache", "--format", "json", "-q"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert spilled.exists()  # its run is alive
    run.kill()  # SIGKILL: no clean-up
    run.wait()
    run.stdout.close()
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert list(scratch.iterdir()) == []


def _control_groups(root: Path, cgroup: str, files: dict[str, str]) -> str:
    """A tree under ``root`` holding ``proc/self/cgroup`` and the control group files."""
    (root / "proc/self").mkdir(parents=True)
    (root / "proc/self/cgroup").write_text(cgroup)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return str(root)


@pytest.mark.parametrize(
    ("cgroup", "files", "limit"),
    [
        pytest.param(
            "0::/system.slice/cron.service\n",
            {"sys/fs/cgroup/system.slice/cron.service/memory.max": "1073741824\n"},
            1 << 30,
            id="v2",
        ),
        pytest.param("0::/\n", {"sys/fs/cgroup/memory.max": "536870912\n"}, 1 << 29, id="v2-ns"),
        pytest.param("0::/\n", {"sys/fs/cgroup/memory.max": "max\n"}, None, id="v2-unlimited"),
        pytest.param(
            "4:memory:/docker/abc\n3:cpu:/docker/abc\n",
            {"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "268435456\n"},
            1 << 28,
            id="v1",
        ),
        pytest.param(
            "4:memory:/docker/abc\n",  # the container's own group mounted as the root
            {"sys/fs/cgroup/memory/memory.limit_in_bytes": "268435456\n"},
            1 << 28,
            id="v1-own-root",
        ),
        pytest.param(
            "0::/user.slice/user-1000.slice/session-3.scope\n",
            {
                "sys/fs/cgroup/user.slice/memory.max": "1073741824\n",
                "sys/fs/cgroup/user.slice/user-1000.slice/memory.max": "max\n",
            },
            1 << 30,
            id="v2-parent",
        ),
        pytest.param("3:cpu,cpuacct:/\n", {}, None, id="no-memory-controller"),
        pytest.param("garbage\n4:memory\n", {}, None, id="odd-lines"),
        pytest.param("0::/a\x00b\n", {}, None, id="nul-in-a-name"),
        pytest.param("0::/\n", {"sys/fs/cgroup/memory.max": "9" * 5000}, None, id="endless"),
        pytest.param("0::/gone\n", {}, None, id="no-file"),
    ],
)
def test_the_control_groups_memory_limit_is_read(
    tmp_path: Path, cgroup: str, files: dict[str, str], limit: int | None
) -> None:
    assert cgroup_memory_limit(_control_groups(tmp_path, cgroup, files)) == limit


def test_the_default_budget_is_a_quarter_of_a_containers_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cron job in a container limited to 2 GiB, on a machine of far more: a quarter of the
    limit, not of the machine (which the kernel would kill the run for reaching)."""
    monkeypatch.setattr(hit_partitions, "cgroup_memory_limit", lambda: 2 << 30)
    assert hit_partitions.default_hit_memory() == 512 << 20
    monkeypatch.setattr(hit_partitions, "cgroup_memory_limit", lambda: None)
    assert hit_partitions.default_hit_memory() > 512 << 20  # this machine's memory's quarter
