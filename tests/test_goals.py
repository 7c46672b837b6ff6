"""The goal model (``micromacro.goals``) stands on its own: every annotation of its dataclasses
resolves at run time, alert rules included, without importing a later stage."""

from __future__ import annotations

import dataclasses
import inspect
import typing

import pytest

from micromacro import goals
from micromacro.goals import AlertRule, GoalsConfig, Threshold
from micromacro.metric_paths import MetricPath


def test_goals_config_type_hints_resolve() -> None:
    hints = typing.get_type_hints(GoalsConfig)
    assert hints["alerts"] == tuple[AlertRule, ...]
    assert hints["goals"] == tuple[goals.Goal, ...]


def test_alert_rule_type_hints_resolve() -> None:
    hints = typing.get_type_hints(AlertRule)
    assert hints["metric"] is MetricPath
    assert hints["threshold"] is Threshold
    assert hints["condition"] == goals.Condition


@pytest.mark.parametrize(
    "cls",
    [
        value
        for value in vars(goals).values()
        if inspect.isclass(value)
        and dataclasses.is_dataclass(value)
        and value.__module__ == goals.__name__
    ],
    ids=lambda cls: cls.__name__,
)
def test_every_model_class_has_resolvable_hints(cls: type) -> None:
    hints = typing.get_type_hints(cls)
    assert set(hints) >= {f.name for f in dataclasses.fields(cls)}
