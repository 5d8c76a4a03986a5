"""Render a ``Tracker`` as CSV, JSON, Markdown or a self-contained HTML page (inline SVG
charts and a sortable table, no network), each figure linked to its sentence in the review
page (``summarizer summarize -f html`` or ``tracker --review``)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ..tracker import COLUMNS, Tracker, TrackerRow
from .citations import anchor

__all__ = ["TRACKER_FORMATS", "render_tracker"]

TRACKER_FORMATS = ("csv", "json", "md", "html")

_env = Environment(
    loader=PackageLoader("summarizer.render", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_tracker(t: Tracker, fmt: str, review: str = "review.html") -> str:
    """``fmt`` is one of ``TRACKER_FORMATS``; ``review`` is the address of the review page
    the HTML links each figure to."""
    if fmt == "json":
        return t.model_dump_json(indent=2)
    if fmt == "csv":
        return _csv(t)
    if fmt == "md":
        return _env.get_template("tracker.md.j2").render(t=t, money=money).rstrip()
    if fmt == "html":
        return _html(t, review)
    raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(TRACKER_FORMATS)}")


def _csv(t: Tracker) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(t.to_rows())
    return out.getvalue().rstrip("\n")


def money(value: float | None) -> str:
    """EUR 1,234,567 in the largest unit that keeps it short: "€1.23bn", "€45.6m"."""
    if value is None:
        return ""
    for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:,.2f}{suffix}"
    return f"{value:,.0f}"


def _eur(row: TrackerRow) -> tuple[str, float | None]:
    """What the EUR column shows for a row, and the number it sorts by."""
    v = row.value
    if v is None:
        return "", None
    if v.eur is not None:
        return f"€{money(v.eur)}{' (estimate)' * (v.basis == 'estimate')}", v.eur
    if v.eur_lower is not None and v.eur_upper is not None:
        return f"€{money(v.eur_lower)}–{money(v.eur_upper)}", v.eur_lower
    if v.eur_lower is not None:
        return f"at least €{money(v.eur_lower)}", v.eur_lower
    if v.eur_upper is not None:
        return f"up to €{money(v.eur_upper)}", v.eur_upper
    return "", None


def _bars(t: Tracker, width: int = 720, bar: int = 22) -> dict[str, Any]:
    """The bar chart of committed totals per donor (those with any), largest first."""
    totals = [x for x in t.totals if x.committed_eur > 0][:20]
    top = max((x.committed_eur for x in totals), default=1.0)
    label = 230
    return {
        "width": width,
        "height": bar * len(totals) + 10,
        "bars": [
            {
                "y": i * bar + 5,
                "w": max(1.0, (width - label - 90) * x.committed_eur / top),
                "label": x.actor if len(x.actor) <= 32 else x.actor[:31] + "…",
                "actor": x.actor,
                "value": f"€{money(x.committed_eur)}",
                "actor_id": x.actor_id,
            }
            for i, x in enumerate(totals)
        ],
        "label": label,
        "bar": bar,
    }


_STATUS_COLOURS = {
    "committed": "#2e7d32", "conditional": "#f9a825", "considering": "#1565c0",
    "declined": "#c62828", "withdrawn": "#6d4c41",
}  # fmt: skip


def _timelines(t: Tracker, width: int = 720) -> list[dict[str, Any]]:
    """For each donor with rows at two or more dated events: its statuses over time."""
    by_actor: dict[str, list[TrackerRow]] = defaultdict(list)
    for row in t.rows:
        if row.event_date and len(row.event_date) == 10 and row.novelty != "background":
            by_actor[row.actor_id].append(row)
    out = []
    for actor_id, rows in sorted(by_actor.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        events = sorted({(r.event_date, r.event_id) for r in rows})
        if len(events) < 2:
            continue
        days = [date.fromisoformat(str(d)) for d, _ in events]
        span = max(1, (days[-1] - days[0]).days)
        x = {
            e: 40 + (width - 80) * (day - days[0]).days / span
            for e, day in zip(events, days, strict=True)
        }
        marks = []
        for row in sorted(rows, key=lambda r: (str(r.commitment_type), str(r.event_date))):
            marks.append(
                {
                    "x": x[(row.event_date, row.event_id)],
                    "type": row.commitment_type.value,
                    "status": row.status.value,
                    "colour": _STATUS_COLOURS.get(row.status.value, "#555"),
                    "event": row.event,
                    "date": row.event_date,
                    "anchor": anchor(row.links[0]) if row.links else None,
                }
            )
        types = sorted({row.commitment_type.value for row in rows})
        for m in marks:
            m["y"] = 30 + 28 * types.index(str(m["type"]))
        out.append(
            {
                "actor_id": actor_id,
                "actor": rows[0].actor,
                "height": 40 + 28 * len(types),
                "types": [(ty, 30 + 28 * i) for i, ty in enumerate(types)],
                "marks": marks,
                "first": str(days[0]),
                "last": str(days[-1]),
                "width": width,
            }
        )
    return out


def _html(t: Tracker, review: str) -> str:
    rows = [(row, *_eur(row)) for row in t.rows]
    return _env.get_template("tracker.html.j2").render(
        t=t, rows=rows, money=money, bars=_bars(t), timelines=_timelines(t), review=review,
        colours=_STATUS_COLOURS, anchor=anchor,
    )  # fmt: skip
