"""The presets of event exports: where a well-known export (GA4's BigQuery export, Segment's
calls) keeps each field of the ``source:`` mapping, and its row rules. The README's "Event
exports" section lists them for users; a source's own keys override its preset's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from micromacro.export_columns import ExportColumns
from micromacro.goals import RowRule, SourceMapping, SourcePreset, TimestampField
from micromacro.hit_schema import as_number


def non_empty(text: pl.Expr) -> pl.Expr:
    """Text, an empty string as null (empty strings count as missing values)."""
    return pl.when(text.str.len_bytes() > 0).then(text)


FieldFinder = Callable[[ExportColumns], pl.Expr]


def _optional(name: str) -> FieldFinder:
    return lambda columns: columns.optional_text(name)


def _required(name: str) -> FieldFinder:
    return lambda columns: columns.text(name)


def _or(name: str, default: str) -> FieldFinder:
    """The column's text, ``default`` where it holds none."""
    return lambda columns: pl.coalesce(non_empty(columns.optional_text(name)), pl.lit(default))


def _first_of(*names: str) -> FieldFinder:
    """The first of the columns that holds text: an empty one falls back to the next."""
    return lambda columns: pl.coalesce(non_empty(columns.optional_text(n)) for n in names)


def _first_number(*names: str) -> FieldFinder:
    """The first of the columns that holds a number (as text): a column whose value is missing
    or no number falls back to the next."""

    def find(columns: ExportColumns) -> pl.Expr:
        texts = [columns.optional_text(name) for name in names]
        return pl.coalesce(pl.when(as_number(text).is_not_null()).then(text) for text in texts)

    return find


def _ga4_session(columns: ExportColumns) -> pl.Expr:
    # ga_session_id is the session's start in seconds: unique per device, not across devices.
    return pl.concat_str(
        columns.text("user_pseudo_id"),
        columns.optional_text("event_params.ga_session_id"),
        separator="/",
    )


@dataclass(frozen=True)
class Preset:
    """A built-in mapping: where a well-known export keeps each field, and its row rules."""

    name: SourcePreset
    timestamp: TimestampField
    fields: dict[str, FieldFinder]
    pageview: RowRule
    skip: RowRule | None = None
    session_only: RowRule | None = None


GA4 = Preset(
    name="ga4",
    timestamp=TimestampField("event_timestamp", "epoch_us"),
    fields={
        "user_id": _optional("user_id"),
        "anonymous_id": _required("user_pseudo_id"),
        "session_id": _ga4_session,
        "event_name": _required("event_name"),
        "url": _optional("event_params.page_location"),
        "referrer": _optional("event_params.page_referrer"),
        "event_value": _optional("event_params.value"),
        # GA4's purchase revenue (in the event's currency), else the event's value parameter.
        "revenue": _first_number("ecommerce.purchase_revenue", "event_params.value"),
        "currency": _first_of("event_params.currency", "ecommerce.currency"),
        "engagement_time_ms": _optional("event_params.engagement_time_msec"),
        "session_engaged": _optional("event_params.session_engaged"),
        # The row's own attribution (its page's utm tags and click ids, as GA4 collected them),
        # and the user's first one.
        "campaign_source": _optional("collected_traffic_source.manual_source"),
        "campaign_medium": _optional("collected_traffic_source.manual_medium"),
        "campaign_name": _optional("collected_traffic_source.manual_campaign_name"),
        "gclid": _optional("collected_traffic_source.gclid"),
        "dclid": _optional("collected_traffic_source.dclid"),
        "first_user_source": _optional("traffic_source.source"),
        "first_user_medium": _optional("traffic_source.medium"),
        "first_user_campaign": _optional("traffic_source.name"),
        "transaction_id": _optional("ecommerce.transaction_id"),
    },
    pageview=RowRule("event_name", ("page_view",)),
    # GA4's own bookkeeping, sent alongside the first pageview or when a page is left: they
    # make a session (GA4 counts a session of session_start alone) and it lasts to them, but
    # counted as events they would make every session a non-bounce.
    session_only=RowRule("event_name", ("session_start", "first_visit", "user_engagement")),
)
SEGMENT = Preset(
    name="segment",
    timestamp=TimestampField("timestamp", "iso8601"),
    fields={
        "user_id": _optional("userId"),
        "anonymous_id": _optional("anonymousId"),
        "event_name": _optional("event"),
        # As Segment's Google Analytics destination: event → action, category, label, value;
        # the category, which Google Analytics requires, is "All" where a call names none.
        "event_action": _optional("event"),
        "event_category": _or("properties.category", "All"),
        "event_label": _optional("properties.label"),
        "event_value": _first_number("properties.value", "properties.revenue"),
        # Segment's ecommerce spec: revenue, else the order's total, in properties.currency.
        "revenue": _first_number("properties.revenue", "properties.total"),
        "currency": _optional("properties.currency"),
        "url": _first_of("properties.url", "context.page.url"),
        "path": _optional("properties.path"),
        "referrer": _first_of("properties.referrer", "context.page.referrer"),
        "user_agent": _optional("context.userAgent"),
        "campaign_source": _optional("context.campaign.source"),
        "campaign_medium": _optional("context.campaign.medium"),
        "campaign_name": _optional("context.campaign.name"),
    },
    pageview=RowRule("type", ("page",)),
    skip=RowRule("type", ("identify", "group", "alias", "screen")),
)
PRESETS: dict[str, Preset] = {GA4.name: GA4, SEGMENT.name: SEGMENT}


def preset_of(source: SourceMapping) -> Preset | None:
    """The preset ``source`` names, if any."""
    return PRESETS.get(source.preset) if source.preset else None
