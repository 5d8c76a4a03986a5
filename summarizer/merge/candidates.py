"""Candidates: each article's pledge-bearing events, with what merge compares them by.

The model's event gives a date, a weekday, a place and a host; where it gives none, the
article's text may say them ("in Apulia, Italy", "on June 13", "Thursday"), each kept with the
span that says it. A candidate also knows its article's publication day and the pledges it
reports with a figure (who pledged how much of what), which other outlets often repeat.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from ..normalize import CAPITALS, PLACE_SPELLINGS, normalize_actor, resolve_date
from ..schemas import (
    Alignment,
    ArticleExtraction,
    CommitmentType,
    Event,
    Evidence,
    Pledge,
    Precision,
    Unassigned,
)

LEAD = 1000  # characters of an article's text where a day without its year counts
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
WORD = re.compile(r"\w+")


@dataclass(slots=True)
class Candidate:
    article_id: str
    event: Event
    pledges: list[Pledge]
    day: date | None
    precision: Precision | None
    weekday: str | None
    location: str | None
    host: str | None
    name: str  # the event's name in lower case, for comparing names
    said: str  # the sentence that reports the event (its first record quote)
    pledged: frozenset[tuple[str, CommitmentType, float]]  # who pledged how much of what
    published: date | None = None  # the article's publication day, when known to the day
    month_day: tuple[int, int] | None = None  # "June 13" when no year is known
    # anchors read from the article text and the spans that say them (made only for the few
    # candidates that need them)
    filled: list[str] | None = None
    found: dict[str, Evidence] | None = None


def day_of(c: Candidate) -> int | None:
    """A candidate's day as an ordinal, when it is known to the day."""
    return c.day.toordinal() if c.day and c.precision is Precision.day else None


def _weekday(event: Event, text: str | None) -> str | None:
    if (d := event.date) and d.value and d.precision is Precision.day:
        return WEEKDAYS[d.value.weekday()]
    sources = [d.text] if d else []
    if text:
        sources += [
            text[e.start : e.end]
            for e in event.evidence
            if e.start is not None and e.field == "record"
        ]
    for source in sources:
        if m := _WEEKDAY.search(source):
            return m.group(1).lower()
    return None


def _place_in(name: str) -> str | None:
    words = [w for w in WORD.findall(name.lower()) if w in CAPITALS]
    return PLACE_SPELLINGS.get(words[0], words[0]) if words else None


def _fill_from_text(c: Candidate, found: _Anchors, text: str) -> None:
    filled: list[str] = []
    spans: dict[str, Evidence] = {}
    c.filled, c.found = filled, spans

    def evidence(key: str, field_name: str) -> None:
        start, end = found.spans[key]
        spans[field_name] = Evidence(
            article_id=c.article_id, quote=text[start:end], start=start, end=end,
            alignment=Alignment.exact, field=field_name,
        )  # fmt: skip

    if c.day is None and found.day is not None:
        c.day, c.precision = found.day, Precision.day
        filled.append(f"date {found.day} from the article text")
        evidence("date", "date")
    if c.weekday is None and found.weekday and c.day is None:
        c.weekday = found.weekday
        filled.append(f"weekday {found.weekday} from the article text")
    if c.day is None and c.event.date is None and c.weekday and c.weekday == found.weekday:
        evidence("weekday", "date")
    if c.day is not None and c.weekday is None and c.precision is Precision.day:
        c.weekday = WEEKDAYS[c.day.weekday()]
    if c.day is None and c.month_day is None and found.month_day:
        c.month_day = found.month_day
        month, day = found.month_day
        filled.append(f"day {day} of month {month} from the article text")
        if c.event.date is None and "date" not in spans:
            evidence("month_day", "date")
    if c.location is None and found.place:
        c.location = found.place
        filled.append(f"location {found.place} from the article text")
        evidence("location", "location")


@lru_cache(maxsize=4096)  # the same places recur across many articles
def _place(value: str | None) -> str | None:
    """The city a location names, for comparing ("the Elysee Palace, Paris" -> paris), in
    one spelling ("Kiev" -> kyiv)."""
    if not value:
        return None
    words = WORD.findall(value.lower())
    cities = [w for w in words if w not in {"the", "in", "at", "palace", "elysee", "france", "of"}]
    return PLACE_SPELLINGS.get(cities[-1], cities[-1]) if cities else None


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_ABSOLUTE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}})\b", re.IGNORECASE
)
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
# a day of a month with no year after it ("on June 13", "the 9 January meeting"); the month
# capitalised, as news writes it, so that "may" the verb is not a month
_MONTH_CAP = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_MONTH_DAY = re.compile(
    rf"\b(?:({_MONTH_CAP})\s+(\d{{1,2}})(?!\d|,?\s+\d{{4}})|(\d{{1,2}})\s+({_MONTH_CAP})(?!\s*,?\s+\d{{4}}))"
)
_PLACE = re.compile(
    r"\b(?:in|at)\s+(?:the\s+)?([A-Z][a-z]+)\b|\b([A-Z][a-z]+)\s+(?:summit|talks|meeting|conference)\b"
)
# "in Apulia, Italy", "in Ramstein, Germany": a place named with its country is a place,
# capital or not
_PLACE_IN_COUNTRY = re.compile(r"\b(?:in|at)\s+([A-Z][\w-]+(?:\s[A-Z][\w-]+)?),\s+([A-Z][a-z]+)\b")


def _a_country(name: str) -> bool:
    return normalize_actor(name).kind == "country" and name.lower() not in CAPITALS


def _month_day(month: str, day: str) -> tuple[int, int] | None:
    m = next((i for i, name in enumerate(_MONTHS, 1) if name.startswith(month.lower()[:3])), None)
    return (m, int(day)) if m and 1 <= int(day) <= 31 else None


def month_day_in(text: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The first day of a month written without its year in ``text`` ("June 13", "9 Jan"),
    as (month, day), and its span."""
    if (m := _MONTH_DAY.search(text)) is None:
        return None
    month, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    found = _month_day(month, number)
    return (found, m.span()) if found else None


def weekday_in(text: str) -> str | None:
    """The weekday ``text`` is, when it is one ("on Thursday", "Thursday")."""
    words = WORD.findall(text.lower())
    return words[-1] if words and words[-1] in WEEKDAYS and len(words) <= 2 else None


@dataclass(frozen=True)
class _Anchors:
    """Date, weekday and place an article gives for its main event, read from its text,
    each with the span that says it."""

    day: date | None = None
    weekday: str | None = None
    place: str | None = None
    month_day: tuple[int, int] | None = None
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)


def _anchors(text: str | None) -> _Anchors:
    if not text:
        return _Anchors()
    spans: dict[str, tuple[int, int]] = {}
    day = None
    lead = text[:LEAD]
    if (m := _ABSOLUTE.search(text)) and (day := resolve_date(m.group(0)).value):
        spans["date"] = m.span()
    weekday = None
    if m := _WEEKDAY.search(text):
        weekday = m.group(1).lower()
        spans["weekday"] = m.span()
    month_day = None
    if day is None and (found := month_day_in(lead)):
        month_day, spans["month_day"] = found
    place = None
    for m in _PLACE_IN_COUNTRY.finditer(text):  # "in Apulia, Italy"
        if _a_country(m.group(2)) and not _a_country(m.group(1)):
            place = PLACE_SPELLINGS.get(m.group(1).lower(), m.group(1).lower())
            spans["location"] = m.span(1)
            break
    for m in _PLACE.finditer(text) if place is None else ():
        group = 1 if m.group(1) else 2
        if m.group(group).lower() in CAPITALS:
            place = PLACE_SPELLINGS.get(m.group(group).lower(), m.group(group).lower())
            spans["location"] = m.span(group)
            break
    return _Anchors(day, weekday, place, month_day, spans)


def _main_event(events: list[Event]) -> Event | None:
    for kind in ("summit", "meeting", "agreement", "announcement"):
        for e in events:
            if e.kind == kind:
                return e
    return events[0] if events else None


def candidates(
    x: ArticleExtraction, text: str | None, published: date | None = None
) -> tuple[list[Candidate], Unassigned | None]:
    if len(x.events) == 1:  # the usual case: every pledge belongs to the one event
        if not x.pledges:
            return [], Unassigned(article_id=x.article_id, reason="no pledge-related event")
        (only,) = x.events
        pledges = [p for p in x.pledges if p.event_id == only.id]
        if len(pledges) < len(x.pledges):  # the loose ones after those that name it
            pledges += [p for p in x.pledges if p.event_id != only.id]
        return [_candidate(x, only, pledges, text, True, published)], None
    pledges_by_event: dict[str, list[Pledge]] = defaultdict(list)
    loose: list[Pledge] = []
    ids = {e.id for e in x.events}
    for p in x.pledges:
        (pledges_by_event[p.event_id] if p.event_id in ids else loose).append(p)
    if loose:
        main = _main_event(x.events)
        if main is None:
            return [], Unassigned(
                article_id=x.article_id,
                reason="pledges but no event to attach them to",
                pledges=loose,
            )
        pledges_by_event[main.id].extend(loose)
    main = _main_event([e for e in x.events if pledges_by_event.get(e.id)])
    out = [  # by event id, the order form_clusters keeps among equals
        _candidate(x, e, pledges_by_event[e.id], text, e is main, published)
        for e in sorted(x.events, key=lambda e: e.id)
        if pledges_by_event.get(e.id)
    ]
    if not out:
        return [], Unassigned(article_id=x.article_id, reason="no pledge-related event")
    return out, None


def _date_from(cand: Candidate, day: date, what: str) -> None:
    """Dates ``cand`` to ``day``, which ``what`` it names and its publication day say."""
    cand.day, cand.precision = day, Precision.day
    cand.filled = [*(cand.filled or []), f"date {day} from {what} and the publication day"]


def _on_or_before(day: date, month: int, day_of_month: int) -> date | None:
    """The last ``month``/``day_of_month`` on or before ``day`` (this year's or last)."""
    for year in (day.year, day.year - 1):
        try:
            when = date(year, month, day_of_month)
        except ValueError:  # February 29
            continue
        if when <= day:
            return when
    return None


def amount_of(p: Pledge) -> float | None:
    """A pledge's figure to two significant digits (95 and 96 million are alike; 95 million
    and 9.5 billion are not), when it has one."""
    q = p.quantity
    value = q and (q.amount or q.lower or q.upper)
    return float(f"{value:.2g}") if value else None


def pledger(p: Pledge) -> str:
    """Who a pledge is by: its actor's id, a person's country, else the actor normalised
    from its name (pledges are grouped, and candidates compared, under it)."""
    if not p.actor_id:
        return normalize_actor(p.actor).id
    if p.actor_country and p.actor_id.startswith("person:"):
        return p.actor_country
    return p.actor_id


def _candidate(
    x: ArticleExtraction,
    e: Event,
    pledges: list[Pledge],
    text: str | None,
    main: bool,
    published: date | None = None,
) -> Candidate:
    cand = Candidate(
        article_id=x.article_id,
        event=e,
        pledges=pledges,
        day=e.date.value if e.date else None,
        precision=e.date.precision if e.date else None,
        weekday=_weekday(e, text),
        location=_place(e.location) or _place_in(e.name),
        host=normalize_actor(e.host).id if e.host else None,
        name=e.name.lower(),
        said=next((ev.quote for ev in e.evidence if ev.field == "record"), ""),
        pledged=frozenset(
            (pledger(p), p.commitment_type, amount)
            for p in pledges
            if (amount := amount_of(p)) is not None
        ),
        published=published,
    )
    missing = cand.day is None or cand.weekday is None or cand.location is None
    if main and text and missing:  # what the model left out, the text may say
        _fill_from_text(cand, _anchors(text), text)
    if cand.day is None and cand.weekday and published:
        # "on Thursday" in an article of that Thursday, or of the Friday after: that day
        back = (published.weekday() - WEEKDAYS.index(cand.weekday)) % 7
        if back <= 1:
            _date_from(cand, published - timedelta(days=back), "the weekday")
    if cand.day is None and cand.month_day and published:
        # "on June 11" in an article of that day or the week after: that day (one further
        # from the publication may be another's: "before the July 4 election")
        when = _on_or_before(published, *cand.month_day)
        if when is not None and (published - when).days <= 7:
            _date_from(cand, when, "the day of the month")
    if cand.day and cand.precision is Precision.day:
        cand.month_day = (cand.day.month, cand.day.day)
    return cand
