"""Report: each cluster becomes a report event (name, kind, date, place, host, counts,
pledges, conflicts, and why each article joined), and statuses that change between events
become timelines."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date

from ..normalize import normalize_actor, parse_quantity, resolve_date
from ..schemas import (
    CommitmentType,
    Conflict,
    ConflictValue,
    DateValue,
    Event,
    EventKind,
    Evidence,
    PledgeStatus,
    Precision,
    Quantity,
    ReportEvent,
    Sourced,
    Timeline,
    TimelineEntry,
)
from .candidates import WEEKDAYS, Candidate, day_of, month_day_in, weekday_in
from .clustering import Cluster
from .reconcile import interval, most_cited, reconcile_pledges, record_sources, sourced
from .similarity import weekdays_apart

_COUNT_NOUNS = {
    "nations": "countries", "countries": "countries", "allies": "countries", "states": "countries",
    "members": "countries", "leaders": "leaders", "heads": "leaders", "troops": "troops",
    "soldiers": "troops", "delegations": "delegations",
}  # fmt: skip


def _count_unit(q: Quantity) -> str:
    words = re.findall(r"[a-z]+", (q.unit or "").lower())
    return next((_COUNT_NOUNS[w] for w in words if w in _COUNT_NOUNS), " ".join(words))


def _counts(events: list[Event]) -> list[Sourced]:
    """Count claims grouped by what they count; overlapping figures merge (the exact one is
    kept, every article cited), different figures stay separate claims."""
    groups: list[tuple[str, tuple[float, float] | None, Quantity, list[Evidence]]] = []
    for e in events:
        for c in e.counts:
            q = parse_quantity(c.text)
            unit, iv = _count_unit(q), interval(q)
            for i, (u, giv, gq, ev) in enumerate(groups):
                if u == unit and iv and giv and max(iv[0], giv[0]) <= min(iv[1], giv[1]):
                    exact = gq if gq.amount is not None else q
                    narrow = (max(iv[0], giv[0]), min(iv[1], giv[1]))
                    groups[i] = (u, narrow, exact, ev + c.evidence)
                    break
            else:
                groups.append((unit, iv, q, list(c.evidence)))
    return [
        sourced(q.text, ev)
        for _, _, q, ev in sorted(groups, key=lambda g: (-len({e.article_id for e in g[3]}), g[0]))
    ]


# the most precise first
_PRECISION_RANK = {Precision.day: 0, Precision.week: 1, Precision.month: 2, Precision.year: 3}


def _date_field(events: list[Event]) -> Sourced | None:
    """The most precise resolved date (the first among equals), citing every article that
    gives one; else the text."""
    best: DateValue | None = None
    rank = len(_PRECISION_RANK)
    sources: list[Evidence] = []
    for e in events:
        if (d := e.date) is not None and d.value is not None:
            if (r := _PRECISION_RANK[d.precision or Precision.day]) < rank:
                best, rank = d, r
            sources += record_sources(e, "date")
    if best is not None:
        return sourced(str(best.value), sources)
    written = [(e, e.date.text) for e in events if e.date is not None]
    if not written:
        return None
    counts = Counter(t for _, t in written)
    sources = [s for e, _ in written for s in record_sources(e, "date")]
    return sourced(counts.most_common(1)[0][0], sources)


def _member_sources(m: Candidate, field_name: str) -> list[Evidence]:
    found = m.found.get(field_name) if m.found else None
    return record_sources(m.event, field_name) or ([found] if found else [])


def _date_conflict(cluster: Cluster) -> Conflict | None:
    """Articles that put the event on days more than two apart (a summit lasts days, and
    outlets name different ones of them): each day, or weekday, with the articles that say it."""
    said: dict[str, list[Evidence]] = {}
    weekdays: set[str] = set()
    days: list[date] = []
    for m in cluster.members:
        if m.event.date is None:  # a date read from the text may be a background one
            continue
        if day_of(m) is not None and m.day:
            value = m.day.isoformat()
            days.append(m.day)
        elif m.weekday:
            value = m.weekday.capitalize()
        else:
            continue
        said.setdefault(value, []).extend(_member_sources(m, "date"))
        if m.weekday:
            weekdays.add(m.weekday)
    if len(said) < 2:
        return None
    apart = bool(days) and (max(days) - min(days)).days > 2
    far = any(weekdays_apart(a, b) > 2 for a in weekdays for b in weekdays)
    if not (apart or far):
        return None
    return Conflict(
        field="date",
        values=[ConflictValue(value=v, sources=src) for v, src in said.items()],
        note="the articles put the event on different days",
    )


def _place_conflict(cluster: Cluster) -> Conflict | None:
    """Articles that put the event in different cities."""
    said: dict[str, list[Evidence]] = {}
    for m in cluster.members:
        if m.location:
            said.setdefault(m.location, []).extend(_member_sources(m, "location"))
    if len(said) < 2:
        return None
    return Conflict(
        field="location",
        values=[ConflictValue(value=v.title(), sources=src) for v, src in said.items()],
        note="the articles put the event in different places",
    )


def _resolved(
    field: Sourced | None, cluster: Cluster, latest: date | None
) -> tuple[Sourced | None, str | None]:
    """A date the articles give only in part ("Thursday", "June 13") resolved against the
    earliest publication day among them, when one is known; else, when they give a weekday
    and a day of the month together, in the year ``_year_of`` finds (and a note saying so);
    else as it is."""
    if field is None or is_iso(field.value):
        return field, None
    published = [m.published for m in cluster.members if m.published]
    if not published:
        return _year_of(field, cluster, latest)
    day = resolve_date(str(field.value), min(published))
    if day.value is None or day.precision is not Precision.day:
        return field, None
    return Sourced(
        value=day.value.isoformat(), sources=field.sources, agreement=field.agreement
    ), None


def _year_of(field: Sourced, cluster: Cluster, latest: date | None) -> tuple[Sourced, str | None]:
    """No article of the event says when it was published, but together they name a weekday
    ("on Thursday") and a day of the month ("Oct 24"): the event is taken to fall in the
    latest year, up to the newest publication day of all the articles merged (``latest``),
    in which that day is that weekday; the note says the year was inferred."""
    weekdays: Counter[str] = Counter()  # as the model gave them: "on Thursday"
    days: Counter[tuple[int, int]] = Counter()  # as the model gave them, or the lead says them
    for m in cluster.members:
        said = m.event.date.text if m.event.date else ""
        if weekday := weekday_in(said):
            weekdays[weekday] += 1
        if found := month_day_in(said):
            days[found[0]] += 1
        elif m.day is None and m.month_day:  # read from the lead
            days[m.month_day] += 1
    if latest is None or len(weekdays) != 1 or len(days) != 1:
        return field, None
    (weekday,), ((month, day),) = weekdays, days
    for year in range(latest.year, latest.year - 12, -1):
        try:
            when = date(year, month, day)
        except ValueError:  # February 29
            continue
        if when <= latest and WEEKDAYS[when.weekday()] == weekday:
            sources = field.sources + [
                s for m in cluster.members if m.found and (s := m.found.get("date"))
                if s not in field.sources
            ]  # fmt: skip
            note = (
                f"date: {when:%A} {day} {when:%B}, no year given: taken as {year}, the latest"
                f" year up to {latest} (the newest article merged) in which {day} {when:%B} is"
                f" a {when:%A}"
            )
            return sourced(when.isoformat(), sources), note
    return field, None


def _found(cluster: Cluster, field_name: str) -> Sourced | None:
    """A date or location read from the articles' own text when the model gave none."""
    found = [(m, m.found[field_name]) for m in cluster.members if m.found and field_name in m.found]
    if not found:
        return None
    if field_name == "date":
        days = sorted({m.day for m, _ in found if m.day})
        value = (
            str(days[0])
            if len(days) == 1
            else Counter(e.quote for _, e in found).most_common(1)[0][0]
        )
    else:
        value = Counter(e.quote for _, e in found).most_common(1)[0][0]
    return sourced(value, [e for _, e in found])


NAME_WORDS = 10  # a longer name is a headline or a photo caption, not what readers call it
_ON = re.compile(r"^\s*on\s+", re.IGNORECASE)  # "on Thursday": the day, in a name


def _name(
    names: dict[str, int], kind: EventKind, location: Sourced | None, day: Sourced | None
) -> str:
    """The most common name; among equals, the shortest of at least two words. When even
    that is a headline (more than ``NAME_WORDS`` words), the event's kind, place and day:
    "Summit in Paris, 4 September 2025" (or the day as the articles give it: "Thursday")."""
    name = min(names, key=lambda k: (-names[k], len(k.split()) < 2, len(k), k))
    if len(name.split()) <= NAME_WORDS or location is None:
        return name
    described = f"{kind.value.capitalize()} in {location.value}"
    if day is not None and is_iso(day.value):
        when = date.fromisoformat(str(day.value))
        described += f", {when.day} {when:%B %Y}"
    elif day is not None and (said := _ON.sub("", str(day.value)).strip()):
        described += f", {said}"  # as the articles say it: "Thursday"
    return described


def report_event(cluster: Cluster, n: int, latest: date | None = None) -> ReportEvent:
    """The report's event ``n`` for ``cluster``. ``latest`` is the newest publication day of
    all the articles merged (see ``_year_of``)."""
    events = [m.event for m in cluster.members]
    event_id = f"event-{n}"
    date_field, date_note = _resolved(
        _date_field(events) or _found(cluster, "date"), cluster, latest
    )
    names: dict[str, int] = {}
    kinds: dict[EventKind, int] = {}
    locations: list[tuple[str, list[Evidence]]] = []
    hosts: list[tuple[str, list[Evidence]]] = []
    for e in events:  # one pass for the fields the events' records give
        names[e.name] = names.get(e.name, 0) + 1
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
        if e.location:
            locations.append((e.location, record_sources(e, "location")))
        if e.host:
            hosts.append((e.host, record_sources(e, "host")))
    pledges, conflicts = reconcile_pledges(cluster, event_id)
    conflicts += [c for c in (_date_conflict(cluster), _place_conflict(cluster)) if c]
    participants = sorted({normalize_actor(p).name for e in events for p in e.participants})
    kind = max(kinds, key=kinds.__getitem__)  # the most common; the first among equals
    location = most_cited(locations) or _found(cluster, "location")
    return ReportEvent(
        id=event_id,
        name=_name(names, kind, location, date_field),
        kind=kind,
        date=date_field,
        location=location,
        host=most_cited(hosts),
        participants=participants,
        counts=_counts(events),
        articles=sorted({m.article_id for m in cluster.members}),
        pledges=pledges,
        conflicts=conflicts,
        decisions=cluster.decisions + ([date_note] if date_note else []),
    )


# an event's status of one actor and commitment type, ready to sort among the others: (undated,
# day, event id, the timeline's entry); event ids are unique, so entries are never compared
StatusRow = tuple[bool, date, str, TimelineEntry]


def status_rows(event: ReportEvent) -> list[tuple[tuple[str, CommitmentType], StatusRow]]:
    """The event's status of each actor and commitment type (not of background pledges: a
    status of an earlier event, as this one's articles recall it)."""
    day = (
        date.fromisoformat(str(event.date.value))
        if event.date and is_iso(event.date.value)
        else None
    )
    return [
        (
            (p.actor_id, p.commitment_type),
            (
                day is None,
                day or date.min,
                event.id,
                TimelineEntry(
                    event_id=event.id,
                    date=day,
                    status=PledgeStatus(str(p.status.value)),
                    sources=p.status.sources,
                ),
            ),
        )
        for p in event.pledges
        if not p.background
    ]


def build_timelines(
    events: Iterable[list[tuple[tuple[str, CommitmentType], StatusRow]]],
) -> list[Timeline]:
    """A timeline for each actor and commitment type whose status differs between events,
    from each event's ``status_rows``."""
    statuses: dict[tuple[str, CommitmentType], list[StatusRow]] = {}
    for of_event in events:
        for key, row in of_event:
            if (seen := statuses.get(key)) is None:
                statuses[key] = [row]
            else:
                seen.append(row)
    out = []
    for actor, ctype in sorted(statuses):
        rows = statuses[(actor, ctype)]
        if len(rows) < 2 or len({row[3].status for row in rows}) < 2:
            continue
        rows.sort()
        entries = [row[3] for row in rows]
        out.append(Timeline(actor_id=actor, commitment_type=ctype, entries=entries))
    return out


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_iso(value: object) -> bool:
    return isinstance(value, str) and _ISO.fullmatch(value) is not None
