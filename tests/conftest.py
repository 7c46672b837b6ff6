"""Settings every test shares."""

from __future__ import annotations

import pytest
from hypothesis import settings

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


# Per test module: the reports its tests built through ``one_build_per_report``.
_BUILDS: dict[str, SharedBuilds] = {}


@pytest.fixture
def one_build_per_report(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands of the test that build a report a test of the same module built before, from
    equal options, render that report instead of building it again (``SharedBuilds``)."""
    _BUILDS.setdefault(request.module.__name__, SharedBuilds()).share(monkeypatch)
