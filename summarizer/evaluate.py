"""Pure evaluation of a Report against a gold annotation (format: docs/gold-format.md).

Events are matched to gold events by article overlap. Metrics:

* events: pairwise precision/recall/F1 over pairs of articles reported as the same event, and
  the accuracy of dates and locations of matched events;
* pledges: precision/recall/F1 with lenient matching (actor id + commitment type within the
  matched event; status scored separately as an accuracy) and strict matching (also the
  quantity, when gold states one, and the conditions, when gold states them);
* grounding: how every evidence span of the report was located (exact/normalized/fuzzy/missing);
* conflicts: precision and recall of conflict fields within matched events.
"""

from __future__ import annotations

import itertools
from collections import Counter

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from .normalize import parse_quantity
from .schemas import Evidence, Report, ReportEvent, ReportPledge, Sourced

__all__ = ["Gold", "Scores", "evaluate"]


class GoldQuote(BaseModel):
    article: str
    text: str


class GoldPledge(BaseModel):
    actor: str
    commitment_type: str
    status: str
    quantity: str | None = None
    conditions: str | None = None
    articles: list[str]
    quote: GoldQuote


class GoldConflictValue(BaseModel):
    value: str
    articles: list[str]
    quote: str


class GoldConflict(BaseModel):
    field: str
    values: list[GoldConflictValue]


class GoldEvent(BaseModel):
    id: str
    name: str = ""
    date: str | None = None
    location: str | None = None
    articles: list[str]
    pledges: list[GoldPledge] = Field(default_factory=list)
    conflicts: list[GoldConflict] = Field(default_factory=list)


class Gold(BaseModel):
    format: str
    events: list[GoldEvent]


class PRF(BaseModel):
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 3), "recall": round(self.recall, 3),
                "f1": round(self.f1, 3), "tp": self.tp, "fp": self.fp, "fn": self.fn}  # fmt: skip


class Scores(BaseModel):
    event_pairs: dict[str, float | int]
    date_accuracy: float
    location_accuracy: float
    pledges_lenient: dict[str, float | int]
    pledges_strict: dict[str, float | int]
    status_accuracy: float
    grounding: dict[str, float | int]
    conflicts: dict[str, float | int]
    matched_events: dict[str, str | None]


def _pairs(groups: list[list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for g in groups for p in itertools.combinations(sorted(set(g)), 2)}  # type: ignore[misc]


def _match(gold: Gold, report: Report) -> dict[str, ReportEvent | None]:
    """Each gold event to the report event sharing most of its articles (Jaccard)."""
    out: dict[str, ReportEvent | None] = {}
    for g in gold.events:
        best, score = None, 0.0
        for e in report.events:
            a, b = set(g.articles), set(e.articles)
            j = len(a & b) / len(a | b) if a | b else 0.0
            if j > score:
                best, score = e, j
        out[g.id] = best
    return out


def _quantity_ok(gold: str | None, got: Sourced | None) -> bool:
    if gold is None:
        return True
    if got is None:
        return False
    g = parse_quantity(gold)
    text = got.value.get("text") if isinstance(got.value, dict) else str(got.value)
    r = parse_quantity(str(text))
    gi = (g.amount or g.lower or 0.0, g.amount or g.upper or float("inf"))
    ri = (r.amount or r.lower or 0.0, r.amount or r.upper or float("inf"))
    if g.amount is None and g.lower is None and g.upper is None:
        return fuzz.token_set_ratio(gold.lower(), str(text).lower()) >= 60
    return max(gi[0], ri[0]) <= min(gi[1], ri[1])


def _conditions_ok(gold: str | None, got: Sourced | None) -> bool:
    if gold is None:
        return True
    return got is not None and fuzz.token_set_ratio(gold.lower(), str(got.value).lower()) >= 60


def _evidence(report: Report) -> list[Evidence]:
    out: list[Evidence] = []
    for e in report.events:
        fields: list[Sourced | None] = [e.date, e.location, e.host, *e.counts]
        for p in e.pledges:
            fields += [p.actor, p.status, p.description, p.quantity, p.conditions, p.recipient]
        out += [ev for f in fields if f for ev in f.sources]
    return out


def evaluate(report: Report, gold: Gold) -> Scores:
    matched = _match(gold, report)
    pairs_gold = _pairs([g.articles for g in gold.events])
    pairs_report = _pairs([e.articles for e in report.events])
    event_pairs = PRF(
        tp=len(pairs_gold & pairs_report),
        fp=len(pairs_report - pairs_gold),
        fn=len(pairs_gold - pairs_report),
    )
    dates = [
        bool(m and m.date and str(m.date.value) == g.date)
        for g in gold.events
        if g.date
        for m in [matched[g.id]]
    ]
    places = [
        bool(m and m.location and str(m.location.value).lower() == g.location.lower())
        for g in gold.events
        if g.location
        for m in [matched[g.id]]
    ]
    lenient_tp = strict_tp = status_ok = 0
    gold_total = sum(len(g.pledges) for g in gold.events)
    report_total = sum(len(e.pledges) for e in report.events)
    conflicts_tp = 0
    for g in gold.events:
        m = matched[g.id]
        if m is None:
            continue
        mine: dict[tuple[str, str], ReportPledge] = {
            (p.actor_id, p.commitment_type.value): p for p in m.pledges
        }
        for gp in g.pledges:
            p = mine.get((gp.actor, gp.commitment_type))
            if p is None:
                continue
            lenient_tp += 1
            status_ok += str(p.status.value) == gp.status
            strict_tp += _quantity_ok(gp.quantity, p.quantity) and _conditions_ok(
                gp.conditions, p.conditions
            )
        conflicts_tp += len({c.field for c in g.conflicts} & {c.field for c in m.conflicts})
    gold_conflicts = sum(len(g.conflicts) for g in gold.events)
    report_conflicts = sum(len(e.conflicts) for e in report.events)
    alignments = Counter(e.alignment.value for e in _evidence(report))
    spans = sum(alignments.values())
    return Scores(
        event_pairs=event_pairs.row(),
        date_accuracy=round(sum(dates) / len(dates), 3) if dates else 0.0,
        location_accuracy=round(sum(places) / len(places), 3) if places else 0.0,
        pledges_lenient=PRF(
            tp=lenient_tp, fp=report_total - lenient_tp, fn=gold_total - lenient_tp
        ).row(),
        pledges_strict=PRF(
            tp=strict_tp, fp=report_total - strict_tp, fn=gold_total - strict_tp
        ).row(),
        status_accuracy=round(status_ok / lenient_tp, 3) if lenient_tp else 0.0,
        grounding={
            "rate": round((spans - alignments["missing"]) / spans, 3) if spans else 0.0,
            **{k: alignments[k] for k in ("exact", "normalized", "fuzzy", "missing")},
        },
        conflicts=PRF(
            tp=conflicts_tp, fp=report_conflicts - conflicts_tp, fn=gold_conflicts - conflicts_tp
        ).row(),
        matched_events={
            g.id: (m.id if m else None) for g, m in ((g, matched[g.id]) for g in gold.events)
        },
    )
