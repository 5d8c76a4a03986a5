"""Reconciliation: the pledges of one event's articles grouped by actor and commitment
type, each group one pledge whose fields cite every article, and a conflict wherever the
articles give incompatible values (figures that do not overlap, statuses that disagree)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import cache, lru_cache

import pycountry

from ..assemble import made_earlier, own_clause
from ..money import close
from ..normalize import Actor, normalize_actor
from ..schemas import (
    CommitmentType,
    Conflict,
    ConflictValue,
    Event,
    Evidence,
    Pledge,
    PledgeStatus,
    Quantity,
    ReportPledge,
    Sourced,
)
from .candidates import day_of, pledger
from .clustering import Cluster


def _articles(sources: Iterable[Evidence]) -> int:
    return len({e.article_id for e in sources})


def record_sources(p: Pledge | Event, field_name: str) -> list[Evidence]:
    """The evidence of one field, else the record's first citation."""
    own = [e for e in p.evidence if e.field == field_name]
    return own or [e for e in p.evidence if e.field == "record"][:1]


def sourced(value: str | dict[str, object], sources: list[Evidence]) -> Sourced:
    return Sourced(value=value, sources=sources, agreement=_articles(sources))


def interval(q: Quantity) -> tuple[float, float] | None:
    if q.amount is not None:
        return q.amount, q.amount
    if q.lower is not None or q.upper is not None:
        return q.lower or 0.0, q.upper if q.upper is not None else math.inf
    return None


_NOT_STATED = re.compile(r"\b(no|not|unspecified|undisclosed|unknown|unclear)\b", re.IGNORECASE)


def _reconcile_quantity(
    pledges: list[Pledge], where: str
) -> tuple[Sourced | None, Conflict | None]:
    stated = [(p, p.quantity) for p in pledges if p.quantity]
    if not stated:
        return None, None
    known = [(p, q, interval(q)) for p, q in stated]
    numeric = [(p, q, iv) for p, q, iv in known if iv is not None]
    silent = [(p, q) for p, q, iv in known if iv is None and _NOT_STATED.search(q.text)]
    sources = [e for p, _ in stated for e in record_sources(p, "quantity")]
    if numeric and silent:
        values = [
            ConflictValue(value=q.text, sources=record_sources(p, "quantity"))
            for p, q, _ in numeric
        ]
        values += [
            ConflictValue(value=q.text, sources=record_sources(p, "quantity")) for p, q in silent
        ]
        note = "one account gives a figure, another says none was given"
        return None, Conflict(field=f"{where}.quantity", values=values, note=note)
    if not numeric:
        return sourced(stated[0][1].text, sources), None
    numeric = _one_currency(numeric)
    lo = max(iv[0] for _, _, iv in numeric)
    hi = min(iv[1] for _, _, iv in numeric)
    if lo > hi:
        values = [
            ConflictValue(value=q.text, sources=record_sources(p, "quantity"))
            for p, q, _ in numeric
        ]
        return None, Conflict(
            field=f"{where}.quantity", values=values, note="the figures do not overlap"
        )
    # compatible: keep the most specific value and cite every article
    best = min(numeric, key=lambda t: (t[2][1] - t[2][0], t[1].approximate, not t[1].currency))[1]
    return sourced(best.model_dump(exclude_none=True), sources), None


def _one_currency(
    numeric: list[tuple[Pledge, Quantity, tuple[float, float]]],
) -> list[tuple[Pledge, Quantity, tuple[float, float]]]:
    """The figures in the currency most articles give, when the others are the same sums
    converted ("100 million euros" and "$108 million": within 10% in EUR); else all of them
    (and the figures then conflict)."""
    currencies = [q.currency for _, q, _ in numeric if q.currency]
    if len(set(currencies)) < 2:
        return numeric
    main = most_common(currencies)
    same = [t for t in numeric if t[1].currency in (main, None)]
    others = [t for t in numeric if t[1].currency not in (main, None)]
    if all(any(close(o[1], s[1]) for s in same) for o in others):
        return same
    return numeric


_FIRM = {PledgeStatus.committed, PledgeStatus.conditional}


def _reconcile_status(
    by_status: dict[PledgeStatus, list[Evidence]], where: str
) -> tuple[Sourced, Conflict | None]:
    """The status of two or more pledges, from the record evidence of each status."""
    if len(by_status) == 1 or by_status.keys() <= _FIRM:  # agreeing, or firm either way
        if len(by_status) == 1:
            (value,) = by_status
        elif PledgeStatus.conditional in by_status:
            value = PledgeStatus.conditional
        else:
            value = PledgeStatus.committed
        return sourced(value.value, [e for s in by_status.values() for e in s]), None
    # most articles first, then by status (each status once, so the sources never compare)
    ranked = sorted([(-_articles(src), s, src) for s, src in by_status.items()])
    conflict = Conflict(
        field=f"{where}.status",
        values=[ConflictValue(value=s.value, sources=src) for _, s, src in ranked],
        note="the articles disagree on whether and how firmly this was pledged",
    )
    most, top, src = ranked[0]
    return Sourced(value=top.value, sources=src, agreement=-most), conflict


def most_common(values: list[str]) -> str:
    """The most frequent value; the longest, then the first in order, among equals."""
    if len(values) == 1:  # most fields of most pledges: one article gives them
        return values[0]
    counts = Counter(values)
    return max(counts, key=lambda v: (counts[v], len(v)))


def _text_field(pledges: Sequence[Pledge | Event], attr: str, field_name: str) -> Sourced | None:
    """The most common value (the longest among equals), citing every article that gives one."""
    cited = [(v, record_sources(p, field_name)) for p in pledges if (v := getattr(p, attr))]
    return most_cited(cited)


@cache
def _actor_name(key: str, fallback: str) -> str:
    if len(key) == 3 and key.isupper() and (c := pycountry.countries.get(alpha_3=key)):
        return str(getattr(c, "common_name", None) or c.name)
    return fallback


_JOINERS = re.compile(r",\s*|\s+and\s+|\s*&\s*")


@lru_cache(maxsize=4096)  # the same actors recur across many articles
def _countries(actor: str) -> tuple[Actor, ...]:
    """The countries of "France and the UK" pledging together; none for one actor."""
    if "," not in actor and "&" not in actor and " and " not in actor:  # most actors
        return ()
    actors = tuple(normalize_actor(s) for s in _JOINERS.split(actor) if s.strip())
    if len(actors) < 2 or not all(a.kind == "country" for a in actors):
        return ()
    return actors


def _split(p: Pledge) -> list[Pledge]:
    """ "France and the UK" pledging together becomes one pledge per country."""
    if not (countries := _countries(p.actor)):  # most pledges
        return [p]
    return [replace(p, actor=a.name, actor_id=a.id, actor_country=a.id) for a in countries]


def reconcile_pledges(cluster: Cluster, event_id: str) -> tuple[list[ReportPledge], list[Conflict]]:
    """One pledge per actor and commitment type, and one apart for what the articles say the
    actor had pledged before the event (``made_before``)."""
    day = next((m.day for m in cluster.members if m.day), None)
    year = (
        day.year if day else next((m.published.year for m in cluster.members if m.published), None)
    )
    month = day.month if day and day_of(next(m for m in cluster.members if m.day)) else None
    groups: dict[tuple[str, CommitmentType, bool], list[Pledge]] = {}
    for m in cluster.members:
        for p in m.pledges:
            for part in _split(p):
                by = (pledger(part), part.commitment_type, made_before(part, year, month))
                if (group := groups.get(by)) is None:
                    groups[by] = [part]
                else:
                    group.append(part)
    out: list[ReportPledge] = []
    conflicts: list[Conflict] = []
    for (key, ctype, background), group in sorted(groups.items()):
        out.append(_reconciled(group, key, ctype, event_id, conflicts, background))
    return out, conflicts


def made_before(p: Pledge, year: int | None, month: int | None = None) -> bool:
    """Whether every sentence that reports ``p`` says it was made before the event ("has
    already provided", "last year", "in 2022"), in the clause of its figure when it gives
    one: background to the event, not a new commitment."""
    records = [e.quote for e in p.evidence if e.field == "record"]
    if not records:
        return False
    figure = p.quantity.text if p.quantity else None
    for quote in records:
        at = quote.find(figure) if figure else -1
        if not made_earlier(own_clause(quote, at) if at >= 0 else quote, year, month):
            return False
    return True


def _reconciled(
    group: list[Pledge],
    key: str,
    ctype: CommitmentType,
    event_id: str,
    conflicts: list[Conflict],
    background: bool = False,
) -> ReportPledge:
    """One pledge from those (one or more) that share an actor and a commitment type (and
    were made before the event, or not); their conflicts are added to ``conflicts``."""
    by_status: dict[PledgeStatus, list[Evidence]] = {}
    actor_sources: list[Evidence] = []
    descriptions: list[tuple[str, list[Evidence]]] = []
    recipients: list[tuple[str, list[Evidence]]] = []
    articles: set[str] = set()
    flags: set[str] = set()
    for p in group:
        record = [e for e in p.evidence if e.field == "record"]
        actor_sources += [e for e in p.evidence if e.field == "actor"] or record[:1]
        articles.update(e.article_id for e in p.evidence)
        by_status.setdefault(p.status, []).extend(record)
        if p.description:
            descriptions.append((p.description, record))
        if p.recipient:
            recipients.append((p.recipient, record))
        if not p.confirmed:
            flags.update(p.flags)
    where = f"pledges[{key}/{ctype}{'/background' * background}]"
    status, status_conflict = _reconcile_status(by_status, where)
    quantity, quantity_conflict = _reconcile_quantity(group, where)
    conflicts += [c for c in (status_conflict, quantity_conflict) if c]
    confirmed = any(p.confirmed for p in group)
    return ReportPledge(
        id=f"{event_id}/{key}/{ctype}{'/background' * background}",
        actor=sourced(_actor_name(key, most_common([p.actor for p in group])), actor_sources),
        actor_id=key,
        commitment_type=ctype,
        status=status,
        description=most_cited(descriptions) or sourced("", []),
        quantity=quantity,
        conditions=_text_field(group, "conditions", "conditions"),
        recipient=most_cited(recipients),
        articles=sorted(articles),
        confirmed=confirmed,
        flags=sorted(flags),
        background=background,
    )


def most_cited(values: list[tuple[str, list[Evidence]]]) -> Sourced | None:
    """The most common of ``values`` (the longest among equals), each given with the
    evidence that cites it; every citation is kept."""
    if not values:
        return None
    best = values[0][0] if len(values) == 1 else most_common([v for v, _ in values])
    return sourced(best, [e for _, record in values for e in record])
