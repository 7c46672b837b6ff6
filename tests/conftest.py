"""Settings every test shares."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import settings

from micromacro import compression
from tests.helpers import SharedBuilds

# Property tests are judged by their examples, never by their speed: a busy machine (CI, two
# workers) once made a 1 ms example take 360 ms, which hypothesis's default deadline calls a
# failure.
settings.register_profile("micromacro", deadline=None)
settings.load_profile("micromacro")


@pytest.fixture(autouse=True)
def _own_hit_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test has a hit cache of its own, empty, in a temporary directory (``XDG_CACHE_HOME``,
    which subprocesses inherit too): no test reads or writes the real ``~/.cache``, and a
    command run twice in one test reads its cache as a user's second run would."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture(params=["isal", "gzip"])
def gzip_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each gzip reader in turn: ISA-L's, where it is installed, and the standard library's,
    which machines without an ISA-L wheel read with."""
    if request.param == "isal":
        igzip = pytest.importorskip("isal.igzip")
        monkeypatch.setattr(compression, "_GZIP_READER", igzip.IGzipFile)
    else:
        monkeypatch.setattr(compression, "_GZIP_READER", gzip.GzipFile)
    return str(request.param)


# Per test module: the reports its tests built through ``one_build_per_report``.
_BUILDS: dict[str, SharedBuilds] = {}


@pytest.fixture
def one_build_per_report(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands of the test that build a report a test of the same module built before, from
    equal options, render that report instead of building it again (``SharedBuilds``)."""
    _BUILDS.setdefault(request.module.__name__, SharedBuilds()).share(monkeypatch)


# The slowest tests, slowest first (each takes 4 to 21 s of a run on two workers): they start
# the run, so that the run does not end with one worker busy with one of them and the other
# idle. A test renamed here is only run in its place again.
SLOWEST = (
    "test_many_goals.py::test_many_goals_give_the_rows_of_each_goal_evaluated_alone",
    "test_clf_family.py::test_a_line_a_strict_variant_reads_is_read_alike_by_the_general_reader",
    "test_timeless_lines.py::test_the_reports_own_period_reads_alike_with_or_without_compare",
    "test_funnel_properties.py::test_funnel_attempts_and_report_equal_the_reference",
    "test_robustness.py::test_fuzz_the_fields_of_a_combined_line",
    "test_reference_equivalence.py::test_report_of_random_lines_equals_the_reference",
    "test_seeking.py::test_seeking_on_and_off_give_the_same_json_and_messages",
    "test_seeking.py::test_moving_a_block_of_lines_never_changes_the_report",
    "test_logformats.py::test_a_family_accounts_for_no_drawn_line_its_claims_do_not_match",
    "test_hit_cache.py::test_an_entry_written_in_one_period_reports_any_other_alike",
    "test_hit_partitions.py::test_hit_memory_takes_units",
    "test_clf_split.py::test_fast_and_exact_paths_agree_on_hostile_lines",
    "test_traffic.py::test_pages_landing_exit_pages_and_status_codes_equal_the_reference",
    "test_reference_equivalence.py::test_sessions_and_conversions_equal_the_reference",
    "test_sessions.py::test_sessions_equal_the_brute_force_reference_in_any_input_order",
    "test_sample_log.py::test_generated_log_of_20000_lines_equals_the_reference",
    "test_jsonlines_fast.py::test_the_fast_way_reads_every_line_as_the_plain_way",
    "test_robustness.py::test_fuzz_the_options",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the ``SLOWEST`` tests first, in its order; the others keep theirs."""
    rank = {name: place for place, name in enumerate(SLOWEST)}

    def place(item: pytest.Item) -> int:
        name = getattr(item, "originalname", item.name)
        return rank.get(f"{item.path.name}::{name}", len(rank))

    items.sort(key=place)
