"""Pure evaluation of a Report against a gold annotation (format: docs/gold-format.md).

Events are matched to gold events by article overlap. Metrics:

* events: pairwise and B-cubed precision/recall/F1 over the articles reported as one event,
  and the accuracy of dates and locations of matched events;
* pledges: precision/recall/F1 with lenient matching (actor id + commitment type within the
  matched event, or one of the gold pledge's ``alt_types``; status scored separately as an
  accuracy) and strict matching (also the quantity, when gold states one, and the
  conditions, when gold states them). Material pledges (every type but diplomatic and other)
  are scored apart too, and each type on its own;
* background: a reported pledge that matches only one of the event's ``background_pledges``
  (made before or outside the event) is neither a hit nor a false pledge;
* distractors: pledges and events reported from the gold's ``distractors`` articles;
* grounding: how every evidence span of the report was located (exact/normalized/fuzzy/missing);
* conflicts: precision and recall of conflict fields within matched events.

``Scores.misses`` and ``Scores.false_pledges`` list what was missed and what was invented.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from .normalize import PLACE_SPELLINGS, parse_quantity
from .schemas import Evidence, Report, ReportEvent, ReportPledge, Sourced

__all__ = ["Gold", "Scores", "evaluate"]


class GoldQuote(BaseModel):
    article: str
    text: str


class GoldPledge(BaseModel):
    actor: str
    commitment_type: str
    alt_types: list[str] = Field(
        default_factory=list, description="Other commitment types an annotator would accept"
    )
    status: str
    quantity: str | None = None
    conditions: str | None = None
    articles: list[str]
    quote: GoldQuote

    @property
    def types(self) -> set[str]:
        return {self.commitment_type, *self.alt_types}

    @property
    def material(self) -> bool:
        return self.commitment_type not in IMMATERIAL


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
    background_pledges: list[GoldPledge] = Field(
        default_factory=list, description="Made before or outside the event: not scored"
    )
    conflicts: list[GoldConflict] = Field(default_factory=list)


class Gold(BaseModel):
    format: str
    events: list[GoldEvent]
    distractors: list[str] = Field(
        default_factory=list, description="Articles that must yield no event and no pledge"
    )


# commitment types that are not material support; scored apart as well
IMMATERIAL = frozenset({"diplomatic", "other"})


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


def _prf(precision: float, recall: float) -> dict[str, float]:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


class Scores(BaseModel):
    event_pairs: dict[str, float | int]
    event_bcubed: dict[str, float] = Field(description="B-cubed precision/recall over articles")
    date_accuracy: float
    location_accuracy: float
    pledges_lenient: dict[str, float | int]
    pledges_strict: dict[str, float | int]
    pledges_material: dict[str, float | int] = Field(
        description="Lenient, every commitment type but diplomatic and other"
    )
    pledges_by_type: dict[str, dict[str, float | int]] = Field(default_factory=dict)
    status_accuracy: float
    background_reported: int = Field(
        0, description="Reported pledges that match only a background pledge (not scored)"
    )
    distractor_pledges: int = Field(0, description="Pledges reported from distractor articles")
    distractor_events: int = Field(0, description="Report events that include a distractor")
    grounding: dict[str, float | int]
    conflicts: dict[str, float | int]
    matched_events: dict[str, str | None]
    misses: list[str] = Field(default_factory=list, description="Gold pledges not found")
    false_pledges: list[str] = Field(default_factory=list, description="Reported, not in gold")


def _pairs(groups: list[list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for g in groups for p in itertools.combinations(sorted(set(g)), 2)}  # type: ignore[misc]


def _bcubed(gold: list[list[str]], report: list[list[str]]) -> dict[str, float]:
    """B-cubed precision and recall over the articles gold places in an event. An article
    the report leaves out of every event is a cluster of its own."""
    gold_of = {a: set(g) for g in gold for a in g}
    report_of = {a: set(e) & gold_of.keys() for e in report for a in e if a in gold_of}
    if not gold_of:
        return _prf(0.0, 0.0)
    precision = recall = 0.0
    for a, g in gold_of.items():
        r = report_of.get(a) or {a}
        shared = len(g & r)
        precision += shared / len(r)
        recall += shared / len(g)
    return _prf(precision / len(gold_of), recall / len(gold_of))


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


def _pair(
    golds: list[GoldPledge], mine: list[ReportPledge]
) -> list[tuple[GoldPledge, ReportPledge]]:
    """Gold pledges paired one to one with reported ones of the same actor: the annotated
    commitment type first, then the other types the annotator accepts."""
    pairs: list[tuple[GoldPledge, ReportPledge]] = []
    left = list(mine)
    for alternatives in (False, True):
        for gp in golds:
            if any(g is gp for g, _ in pairs):
                continue
            types = gp.types if alternatives else {gp.commitment_type}
            p = next(
                (p for p in left if p.actor_id == gp.actor and p.commitment_type.value in types),
                None,
            )
            if p is not None:
                pairs.append((gp, p))
                left.remove(p)
    return pairs


def _describe(p: ReportPledge) -> str:
    quote = p.status.sources[0].quote if p.status.sources else ""
    return f"{p.actor_id}/{p.commitment_type.value} {p.status.value}: {quote[:90]}"


def _same_place(reported: str, gold: str) -> bool:
    """The reported place names the gold's at city level: each of its words is one of the
    gold's ("Washington" in "Washington, D.C."; "Apulia" in "Borgo Egnazia (Fasano), Apulia,
    Italy"), in one spelling ("Kiev" is "Kyiv")."""

    def words(text: str) -> set[str]:
        return {PLACE_SPELLINGS.get(w, w) for w in re.findall(r"\w+", text.lower())}

    mine = words(reported)
    return bool(mine) and mine <= words(gold)


def evaluate(report: Report, gold: Gold) -> Scores:
    matched = _match(gold, report)
    gold_groups = [g.articles for g in gold.events]
    report_groups = [e.articles for e in report.events]
    pairs_gold, pairs_report = _pairs(gold_groups), _pairs(report_groups)
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
        bool(m and m.location and _same_place(str(m.location.value), g.location))
        for g in gold.events
        if g.location
        for m in [matched[g.id]]
    ]
    strict_tp = status_ok = conflicts_tp = 0
    found: list[tuple[GoldPledge, ReportPledge]] = []
    background: set[int] = set()  # ids of reported pledges that match a background pledge
    misses: list[str] = []
    for g in gold.events:
        m = matched[g.id]
        mine = [p for p in (m.pledges if m else []) if all(p is not q for _, q in found)]
        pairs = _pair(g.pledges, mine)
        found += pairs
        for gp, p in pairs:
            status_ok += str(p.status.value) == gp.status
            strict_tp += _quantity_ok(gp.quantity, p.quantity) and _conditions_ok(
                gp.conditions, p.conditions
            )
        paired = {id(p) for _, p in pairs}
        rest = [p for p in mine if id(p) not in paired]
        background |= {id(p) for _, p in _pair(g.background_pledges, rest)}
        misses += [
            f"{g.id}: {gp.actor}/{gp.commitment_type} {gp.status}: {gp.quote.text[:90]}"
            for gp in g.pledges
            if all(gp is not q for q, _ in pairs)
        ]
        if m is not None:
            conflicts_tp += len({c.field for c in g.conflicts} & {c.field for c in m.conflicts})
    reported = [(e, p) for e in report.events for p in e.pledges]
    paired_ids = {id(p) for _, p in found}
    scored = [(e, p) for e, p in reported if id(p) not in background]
    false = [(e, p) for e, p in scored if id(p) not in paired_ids]
    gold_pledges = [gp for g in gold.events for gp in g.pledges]
    lenient = PRF(tp=len(found), fp=len(false), fn=len(gold_pledges) - len(found))
    strict = PRF(tp=strict_tp, fp=len(scored) - strict_tp, fn=len(gold_pledges) - strict_tp)
    material_tp = sum(gp.material for gp, _ in found)
    material = PRF(
        tp=material_tp,
        fp=sum(p.commitment_type.value not in IMMATERIAL for _, p in false),
        fn=sum(gp.material for gp in gold_pledges) - material_tp,
    )
    types = sorted(
        {gp.commitment_type for gp in gold_pledges} | {p.commitment_type.value for _, p in scored}
    )
    by_type = {
        t: PRF(
            tp=sum(gp.commitment_type == t for gp, _ in found),
            fp=sum(p.commitment_type.value == t for _, p in false),
            fn=sum(gp.commitment_type == t for gp in gold_pledges)
            - sum(gp.commitment_type == t for gp, _ in found),
        ).row()
        for t in types
    }
    distractors = set(gold.distractors)
    gold_conflicts = sum(len(g.conflicts) for g in gold.events)
    report_conflicts = sum(len(e.conflicts) for e in report.events)
    alignments = Counter(e.alignment.value for e in _evidence(report))
    spans = sum(alignments.values())
    return Scores(
        event_pairs=event_pairs.row(),
        event_bcubed=_bcubed(gold_groups, report_groups),
        date_accuracy=round(sum(dates) / len(dates), 3) if dates else 0.0,
        location_accuracy=round(sum(places) / len(places), 3) if places else 0.0,
        pledges_lenient=lenient.row(),
        pledges_strict=strict.row(),
        pledges_material=material.row(),
        pledges_by_type=by_type,
        status_accuracy=round(status_ok / len(found), 3) if found else 0.0,
        background_reported=len(background),
        distractor_pledges=sum(bool(set(p.articles) & distractors) for _, p in reported),
        distractor_events=sum(bool(set(e.articles) & distractors) for e in report.events),
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
        misses=misses,
        false_pledges=[f"{e.name}: {_describe(p)}" for e, p in false],
    )


def format_scores(scores: Scores, *, details: bool = False) -> str:
    """The scores as the plain-text table ``summarizer eval`` prints."""
    rows = [
        ("events: article pairs", scores.event_pairs),
        ("events: B-cubed", scores.event_bcubed),
        ("pledges: lenient", scores.pledges_lenient),
        ("pledges: material", scores.pledges_material),
        ("pledges: strict", scores.pledges_strict),
        ("conflicts", scores.conflicts),
        *((f"  type {t}", r) for t, r in scores.pledges_by_type.items()),
    ]
    lines = [f"{'metric':<24}{'precision':>10}{'recall':>8}{'f1':>7}{'tp':>5}{'fp':>5}{'fn':>5}"]
    for name, r in rows:
        counts = "".join(f"{r[k]:>5}" for k in ("tp", "fp", "fn") if k in r)
        lines.append(f"{name:<24}{r['precision']:>10.3f}{r['recall']:>8.3f}{r['f1']:>7.3f}{counts}")
    g = scores.grounding
    lines += [
        f"event date accuracy     {scores.date_accuracy:.3f}",
        f"event location accuracy {scores.location_accuracy:.3f}",
        f"pledge status accuracy  {scores.status_accuracy:.3f} (of lenient matches)",
        f"background pledges      {scores.background_reported} reported (not scored)",
        f"distractors             {scores.distractor_pledges} pledges, "
        f"{scores.distractor_events} events",
        f"grounding rate          {g['rate']:.3f} (exact {g['exact']}, normalized "
        f"{g['normalized']}, fuzzy {g['fuzzy']}, missing {g['missing']})",
    ]
    if details:
        lines += ["", f"missed ({len(scores.misses)}):", *(f"  {m}" for m in scores.misses)]
        lines += ["", f"false ({len(scores.false_pledges)}):"]
        lines += [f"  {f}" for f in scores.false_pledges]
    return "\n".join(lines) + "\n"
