"""Pure merge: one account per real-world event, with provenance, agreement and conflicts.

Clustering is deterministic and explainable. Each article's pledge-bearing events are
candidates; candidates are taken in order (dated first, then by article id) and each joins
the existing cluster it scores best with (against any of its first five members), if that
score reaches ``MERGE_THRESHOLD`` and no member rules it out, else it starts a new cluster.
The score of two candidates adds:

* dates: the same (at the coarser precision) +3, within two days +1, further apart: ruled out;
  when one lacks a year, the same day of the month ("June 13") +2; when one lacks a date, its
  article published up to three days after the other's date +1;
* weekdays named for the event ("on Thursday"): the same +1, different -1 (a summit lasts
  days, and outlets name different ones);
* location (the model's, else "in Apulia, Italy" or a capital in the text): the same +1,
  different -2; host: the same +1;
* the articles' wording: 6 x the TF-IDF cosine of their texts (distinctive shared words such as
  names of participants or documents), the same article +3;
* the same pledges (actor, commitment type and a figure alike to two digits): +0.75 each,
  up to three;
* the event names: rapidfuzz token-set similarity (0 to 1), and +1 for each of up to two
  words both names share that few event names have ("g7", "gavi", "cop28"; only among 20
  events or more, where a word's rarity means something).

Only candidates in the same date block (or undated) are compared, so the work grows with the
number of events per block, not with the square of all events. Every merge records why.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from itertools import repeat
from operator import mul, truediv

import pycountry
from rapidfuzz import fuzz

from .normalize import (
    CAPITALS,
    PLACE_SPELLINGS,
    Actor,
    normalize_actor,
    parse_quantity,
    resolve_date,
)
from .schemas import (
    Alignment,
    Article,
    ArticleExtraction,
    ArticleRef,
    CommitmentType,
    Conflict,
    ConflictValue,
    DateValue,
    Event,
    EventKind,
    Evidence,
    Pledge,
    PledgeStatus,
    Precision,
    Quantity,
    Report,
    ReportEvent,
    ReportPledge,
    Sourced,
    Timeline,
    TimelineEntry,
    Unassigned,
)

__all__ = ["MERGE_THRESHOLD", "merge"]

log = logging.getLogger(__name__)

MERGE_THRESHOLD = 2.5
NAME_WORD = 1.0  # for each word (up to two) both event names share and few others have
RARE_NAME_SHARE = 0.15  # "few": at most this share of all event names (and at least two)
MIN_NAMES = 20  # fewer event names than this say nothing about which words are rare
COMPARED = 5  # members of a cluster a candidate is scored against
LEAD = 1000  # characters of an article's text where a day without its year counts
SHARED_PLEDGE = 0.75  # for each pledge (actor, type, figure) two candidates share (up to 3)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b", re.IGNORECASE)
_STOP = frozenset(
    "that this with from have been were will would said also they their them than more other "
    "after before about which while when where what into over such could should there these "
    "those some said says most only very just like time year years being under same".split()
)
# a text's words are its runs of Unicode word characters once lower-cased ("élysée",
# "kraków", "zürich"); those of four letters or more count, and shorter ones that hold a
# digit ("g7", "cop28", "g20"), which name summits
_WORD = re.compile(r"\w+")


# --------------------------------------------------------------------------- candidates


@dataclass(slots=True)
class _Candidate:
    article_id: str
    event: Event
    pledges: list[Pledge]
    day: date | None
    precision: Precision | None
    weekday: str | None
    location: str | None
    host: str | None
    name: str  # the event's name in lower case, for comparing names
    order: int
    pledged: frozenset[tuple[str, CommitmentType, float]]  # who pledged how much of what
    published: date | None = None  # the article's publication day, when known to the day
    month_day: tuple[int, int] | None = None  # "June 13" when no year is known
    # anchors read from the article text and the spans that say them (made only for the few
    # candidates that need them)
    filled: list[str] | None = None
    found: dict[str, Evidence] | None = None


@dataclass(slots=True)
class _Cluster:
    members: list[_Candidate] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    first: int | None = None  # earliest and latest day of the members (as ordinals)
    last: int | None = None
    weekdays: set[str] = field(default_factory=set)

    def add(self, c: _Candidate, decision: str) -> None:
        self.members.append(c)
        self.decisions.append(decision)
        if (day := _day(c)) is not None:
            self.first = day if self.first is None else min(self.first, day)
            self.last = day if self.last is None else max(self.last, day)
        if c.weekday:
            self.weekdays.add(c.weekday)

    def rules_out(self, weekday: str | None, day: int | None) -> str | None:
        """A reason no member can be the same event as a candidate on ``weekday`` and
        ``day`` (``_day``), checked against all members."""
        first, last = self.first, self.last
        if day is None or first is None or last is None:
            return None
        if not last - 2 <= day <= first + 2:  # more than two days from the first or the last
            return "dates differ"
        return None


def _day(c: _Candidate) -> int | None:
    """A candidate's day as an ordinal, when it is known to the day."""
    return c.day.toordinal() if c.day and c.precision is Precision.day else None


def _weekday(event: Event, text: str | None) -> str | None:
    if (d := event.date) and d.value and d.precision is Precision.day:
        return _WEEKDAYS[d.value.weekday()]
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
    words = [w for w in _WORD.findall(name.lower()) if w in CAPITALS]
    return PLACE_SPELLINGS.get(words[0], words[0]) if words else None


def _fill_from_text(c: _Candidate, found: _Anchors, text: str) -> None:
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
        c.weekday = _WEEKDAYS[c.day.weekday()]
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
    words = _WORD.findall(value.lower())
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


@cache
def _country_names() -> frozenset[str]:
    names = set()
    for c in pycountry.countries:
        names |= {c.name.lower(), str(getattr(c, "common_name", c.name)).lower()}
    return frozenset(names)


def _month_day(month: str, day: str) -> tuple[int, int] | None:
    m = next((i for i, name in enumerate(_MONTHS, 1) if name.startswith(month.lower()[:3])), None)
    return (m, int(day)) if m and 1 <= int(day) <= 31 else None


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
    if day is None and (m := _MONTH_DAY.search(lead)):
        month, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if month_day := _month_day(month, number):
            spans["month_day"] = m.span()
    place = None
    for m in _PLACE_IN_COUNTRY.finditer(text):  # "in Apulia, Italy"
        if m.group(2).lower() in _country_names() and m.group(1).lower() not in _country_names():
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


def _candidates(
    x: ArticleExtraction, text: str | None, order: int, published: date | None = None
) -> tuple[list[_Candidate], Unassigned | None]:
    if len(x.events) == 1:  # the usual case: every pledge belongs to the one event
        if not x.pledges:
            return [], Unassigned(article_id=x.article_id, reason="no pledge-related event")
        (only,) = x.events
        pledges = [p for p in x.pledges if p.event_id == only.id]
        if len(pledges) < len(x.pledges):  # the loose ones after those that name it
            pledges += [p for p in x.pledges if p.event_id != only.id]
        return [_candidate(x, only, pledges, text, order, True, published)], None
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
    out = [  # by event id, the order _cluster keeps among equals
        _candidate(x, e, pledges_by_event[e.id], text, order, e is main, published)
        for e in sorted(x.events, key=lambda e: e.id)
        if pledges_by_event.get(e.id)
    ]
    if not out:
        return [], Unassigned(article_id=x.article_id, reason="no pledge-related event")
    return out, None


def _amount(p: Pledge) -> float | None:
    """A pledge's figure to two significant digits (95 and 96 million are alike; 95 million
    and 9.5 billion are not), when it has one."""
    q = p.quantity
    value = q and (q.amount or q.lower or q.upper)
    return float(f"{value:.2g}") if value else None


def _pledger(p: Pledge) -> str:
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
    order: int,
    main: bool,
    published: date | None = None,
) -> _Candidate:
    cand = _Candidate(
        article_id=x.article_id,
        event=e,
        pledges=pledges,
        day=e.date.value if e.date else None,
        precision=e.date.precision if e.date else None,
        weekday=_weekday(e, text),
        location=_place(e.location) or _place_in(e.name),
        host=normalize_actor(e.host).id if e.host else None,
        name=e.name.lower(),
        order=order,
        pledged=frozenset(
            (_pledger(p), p.commitment_type, amount)
            for p in pledges
            if (amount := _amount(p)) is not None
        ),
        published=published,
    )
    missing = cand.day is None or cand.weekday is None or cand.location is None
    if main and text and missing:  # what the model left out, the text may say
        _fill_from_text(cand, _anchors(text), text)
    if cand.day and cand.precision is Precision.day:
        cand.month_day = (cand.day.month, cand.day.day)
    return cand


# --------------------------------------------------------------------------- similarity


@lru_cache(maxsize=65536)  # every pair of candidates compares their names
def _name_words(name: str) -> frozenset[str]:
    """The words of an event name, each city in one spelling ("kiev" and "kyiv" alike)."""
    return frozenset(PLACE_SPELLINGS.get(w, w) for w in _words(name))


def _words(text: str) -> Counter[str]:
    """How often each word occurs in ``text`` (see ``_WORD``), stop words left out."""
    c = Counter(
        w
        for w in _WORD.findall(text.lower())
        if (len(w) > 3 or (len(w) > 1 and not w.isalpha())) and not w.isdigit()
    )
    for w in _STOP.intersection(c):
        del c[w]
    return c


class _TermWeights(dict[int, float]):
    """1 + log(count), worked out once for each count (a long text has hundreds of words,
    most of them counted once or twice)."""

    def __missing__(self, count: int) -> float:
        weight = self[count] = 1 + math.log(count)
        return weight


_NO_WORDS: dict[str, float] = {}  # the vector of a text not given (never changed)


class _Texts:
    """TF-IDF vectors of each article's text (or its evidence when no text is given)."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.name_df: Counter[str] = Counter()  # see count_names
        self.rare = 2.0
        counts: dict[str, Counter[str]] = {}
        every: list[str] = []  # each text's distinct words, counted at once below
        for k, t in texts.items():
            counts[k] = c = _words(t)
            every += c
        df = Counter(every)
        n = len(counts)
        idf = {w: math.log((n + 1) / m) for w, m in df.items()}
        # one object for each word, shared by every vector that has it: the vectors hold no
        # word of their own (a 4,000-character text's vector takes 40 % less memory), and
        # finding a word of one vector in another compares pointers, not bytes
        same = {w: w for w in df}
        del every, df
        tf, sqrt = _TermWeights(), math.sqrt
        self.vectors: dict[str, dict[str, float]] = {}
        for k in list(counts):  # each word's (1 + log count) * idf, then normalised
            c = counts.pop(k)  # (its own word objects are freed as it goes)
            words = list(map(same.__getitem__, c))
            weights = list(map(mul, map(tf.__getitem__, c.values()), map(idf.__getitem__, words)))
            norm = sqrt(sum(map(mul, weights, weights))) or 1.0
            self.vectors[k] = dict(zip(words, map(truediv, weights, repeat(norm)), strict=True))

    def count_names(self, cands: Sequence[_Candidate]) -> None:
        """Remember in how many event names each word occurs: a word few names share ("g7",
        "gavi", "cop28", "lebanon") names the event, one most share ("summit") does not."""
        if len(cands) < MIN_NAMES:  # too few names to say which words are rare
            return
        self.name_df = Counter(w for c in cands for w in _name_words(c.name))
        self.rare = max(2.0, RARE_NAME_SHARE * len(cands))

    def rare_shared(self, a: _Candidate, b: _Candidate) -> list[str]:
        """The words of both event names that few other names have, rarest first."""
        shared = _name_words(a.name) & _name_words(b.name)
        df = self.name_df
        if not df:
            return []
        return sorted((w for w in shared if df[w] <= self.rare), key=lambda w: (df[w], w))

    def cosine(self, a: str, b: str) -> float:
        va, vb = self.vectors.get(a, _NO_WORDS), self.vectors.get(b, _NO_WORDS)
        if len(va) > len(vb):
            va, vb = vb, va
        return sum([va[w] * vb[w] for w in va if w in vb])

    def explained(self, a: str, b: str) -> tuple[float, list[str]]:
        """``cosine``, and the three words that add most to it."""
        va, vb = self.vectors.get(a, _NO_WORDS), self.vectors.get(b, _NO_WORDS)
        if len(va) > len(vb):
            va, vb = vb, va
        terms = [(va[w] * vb[w], w) for w in va if w in vb]
        top = sorted(terms, reverse=True)[:3]
        return sum([t for t, _ in terms]), [w for _, w in top]


def _coarse(a: _Candidate, b: _Candidate) -> tuple[date, date] | None:
    if not (a.day and b.day):
        return None
    if a.precision is b.precision is Precision.day:  # the usual case
        return a.day, b.day
    p = max(
        a.precision or Precision.day, b.precision or Precision.day, key=_PRECISION_RANK.__getitem__
    )
    if p is Precision.year:
        return a.day.replace(month=1, day=1), b.day.replace(month=1, day=1)
    if p is Precision.month:
        return a.day.replace(day=1), b.day.replace(day=1)
    if p is Precision.week:
        return a.day - timedelta(days=a.day.weekday()), b.day - timedelta(days=b.day.weekday())
    return a.day, b.day


def _weekdays_apart(a: str, b: str) -> int:
    """How many days apart two weekdays are, the nearer way round (Sunday and Monday: 1)."""
    gap = abs(_WEEKDAYS.index(a) - _WEEKDAYS.index(b))
    return min(gap, 7 - gap)


def _published_after(a: _Candidate, b: _Candidate) -> int | None:
    """Days from one candidate's event date to the publication of the other's article, when
    only one knows its event's day and the other was published up to three days after it
    (news reports an event on its day or soon after)."""
    for dated, other in ((a, b), (b, a)):
        if _day(dated) is not None and other.day is None and other.published and dated.day:
            gap = (other.published - dated.day).days
            return gap if 0 <= gap <= 3 else None
    return None


def _score(a: _Candidate, b: _Candidate, texts: _Texts) -> float | None:
    """The score of a pair; ``None`` when something rules it out."""
    return _scored(a, b, texts, None)


def _scored(a: _Candidate, b: _Candidate, texts: _Texts, why: list[str] | None) -> float | None:
    """``_score``, also saying why in ``why`` when it is given (only the chosen pair needs it:
    formatting the reasons of every pair scored cost more than scoring them)."""
    score = 0.0
    dates = _coarse(a, b)
    if dates:
        gap = abs((dates[0] - dates[1]).days)
        if gap == 0:
            score += 3
            if why is not None:
                why.append(f"same date {dates[0]}")
        elif gap <= 2 and a.precision is b.precision is Precision.day:
            score += 1
            if why is not None:
                why.append(f"dates {gap} days apart")
        else:
            if why is not None:
                why.append(f"dates differ ({a.day} vs {b.day})")
            return None
    elif a.month_day and a.month_day == b.month_day:  # "June 13" in both, the year unknown
        score += 2
        if why is not None:
            why.append(f"same day of the month ({a.month_day[1]}/{a.month_day[0]})")
    elif (after := _published_after(a, b)) is not None:
        score += 1
        if why is not None:
            why.append(f"published {after} day{'s' * (after != 1)} after the other's date")
    if a.weekday and b.weekday:
        # a summit lasts days: outlets name different ones of them
        same = a.weekday == b.weekday
        score += 1 if same else -1
        if why is not None:
            why.append(
                f"same weekday ({a.weekday})" if same else f"weekdays {a.weekday} and {b.weekday}"
            )
    if a.location and b.location:
        if a.location == b.location:
            score += 1
            if why is not None:
                why.append(f"same location ({a.location})")
        else:
            score -= 2
            if why is not None:
                why.append(f"different locations ({a.location} vs {b.location})")
    if a.host and a.host == b.host:
        score += 1
        if why is not None:
            why.append(f"same host ({a.host})")
    if a.article_id == b.article_id:
        score += 3
        if why is not None:
            why.append("same article")
    elif why is None:
        score += 6 * texts.cosine(a.article_id, b.article_id)
    else:
        cos, words = texts.explained(a.article_id, b.article_id)
        score += 6 * cos
        why.append(f"wording similarity {cos:.2f} ({', '.join(words)})")
    if names := texts.rare_shared(a, b)[:2]:  # the words that name the event, in both names
        score += NAME_WORD * len(names)
        if why is not None:
            why.append(f"both names say {', '.join(names)}")
    if shared := len(a.pledged & b.pledged):  # the same actors pledging the same amounts
        score += SHARED_PLEDGE * min(shared, 3)
        if why is not None:
            why.append(f"{shared} pledge{'s' * (shared > 1)} in common")
    name = fuzz.token_set_ratio(a.name, b.name) / 100
    score += name
    if why is not None:
        why.append(f"names {name:.2f} alike")
    return score


# the clusters started in each date block (a week; None: undated), by location
_Index = dict[int | None, dict[str | None, list[int]]]


def _block(c: _Candidate) -> int | None:
    return c.day.toordinal() // 7 if c.day else None


def _cluster(cands: list[_Candidate], texts: _Texts) -> list[_Cluster]:
    """Greedy, order-independent assignment; see the module docstring. ``cands`` come in
    input order, each article's by event id.

    A candidate is scored against the first member of each cluster in its date block (and
    the neighbouring ones) at the same or an unknown location; every member's date and
    weekday can still rule it out.
    """
    clusters: list[_Cluster] = []
    index: _Index = {}
    # anchored candidates first (a resolved date, then a named weekday), so that the ones with
    # neither choose among every cluster the others have formed; then by day, and in the
    # order they came among equals (the sort is stable). One int per key (a day's ordinal is
    # below 2**22): sorting ints is much quicker than sorting tuples.
    cands = sorted(
        cands,
        key=lambda c: (
            (c.day is None) << 23 | (c.weekday is None) << 22 | (c.day.toordinal() if c.day else 0)
        ),
    )
    for cand in cands:
        block = _block(cand)
        pool = range(len(clusters)) if block is None else _pool(index, block, cand.location)
        weekday, day = cand.weekday, _day(cand)
        viable = [i for i in pool if not clusters[i].rules_out(weekday, day)]
        chosen = viable[0] if len(viable) == 1 else None
        if len(viable) > 1:
            best: tuple[float, int] | None = None
            for i in viable:
                score = _best(cand, clusters[i], texts)[0]
                if (
                    score is not None
                    and score >= MERGE_THRESHOLD
                    and (best is None or score > best[0])
                ):
                    best = (score, i)
            chosen = best[1] if best else None
        why: list[str] = []
        if chosen is not None:  # the chosen cluster's score again, saying why
            joined = _scored(cand, _best(cand, clusters[chosen], texts)[1], texts, why)
            if joined is not None and joined >= MERGE_THRESHOLD:
                clusters[chosen].add(
                    cand, f"{cand.article_id}: joined (score {joined:.2f}: {'; '.join(why)})"
                )
                continue
        clusters.append(_Cluster())
        note = f"; {', '.join(cand.filled)}" if cand.filled else ""
        clusters[-1].add(cand, f"{cand.article_id}: starts this event ({cand.event.name}{note})")
        index.setdefault(block, {}).setdefault(cand.location, []).append(len(clusters) - 1)
    return clusters


def _best(cand: _Candidate, cluster: _Cluster, texts: _Texts) -> tuple[float | None, _Candidate]:
    """The score of ``cand`` with the cluster's first member, or, when that does not reach
    ``MERGE_THRESHOLD``, the best with one of its first ``COMPARED`` members (the outlets that
    reported an event first rarely say it all alike), and that member."""
    best: tuple[float | None, _Candidate] = (None, cluster.members[0])
    for member in cluster.members[:COMPARED]:
        score = _score(cand, member, texts)
        if score is not None and (best[0] is None or score > best[0]):
            best = (score, member)
        if best[0] is not None and best[0] >= MERGE_THRESHOLD:
            break
    return best


def _pool(index: _Index, block: int, place: str | None) -> list[int]:
    """The clusters a candidate dated in ``block`` may join: those of the neighbouring blocks
    and the undated ones, at its location or none (at any location when it has none). Each
    cluster is indexed under one key, so the lists add up without repeats."""
    found: list[int] = []
    for b in (block - 1, block, block + 1, None):
        if (places := index.get(b)) is None:
            continue
        if place is None:
            for ids in places.values():
                found += ids
        else:
            found += places.get(place, ())
            found += places.get(None, ())
    return sorted(found)


# --------------------------------------------------------------------------- reconcile


# Merge builds report parts by the hundred thousand. Calling a class with keywords first
# gathers them in a dict for its __init__; these functions take the same keywords as a plain
# call and set each field, in half the time. Each sets every field of its class (a test
# checks that against the class's fields); like the class's own __init__ they check nothing,
# so a check added to a part (a __post_init__) must be added here too.
_new = object.__new__
_Value = str | float | int | bool | dict[str, object] | None


def _new_sourced(value: _Value, sources: list[Evidence], agreement: int) -> Sourced:
    s: Sourced = _new(Sourced)
    s.value, s.sources, s.agreement = value, sources, agreement
    return s


def _new_pledge(
    *,
    id: str,
    actor: Sourced,
    actor_id: str,
    commitment_type: CommitmentType,
    status: Sourced,
    description: Sourced,
    quantity: Sourced | None,
    conditions: Sourced | None,
    recipient: Sourced | None,
    articles: list[str],
    confirmed: bool,
    flags: list[str],
) -> ReportPledge:
    p: ReportPledge = _new(ReportPledge)
    p.id, p.actor, p.actor_id, p.commitment_type = id, actor, actor_id, commitment_type
    p.status, p.description, p.quantity = status, description, quantity
    p.conditions, p.recipient, p.articles = conditions, recipient, articles
    p.confirmed, p.flags = confirmed, flags
    return p


def _new_value(value: _Value, sources: list[Evidence]) -> ConflictValue:
    v: ConflictValue = _new(ConflictValue)
    v.value, v.sources = value, sources
    return v


def _new_entry(
    event_id: str, day: date | None, status: PledgeStatus, sources: list[Evidence]
) -> TimelineEntry:
    e: TimelineEntry = _new(TimelineEntry)
    e.event_id, e.date, e.status, e.sources = event_id, day, status, sources
    return e


def _articles(sources: Iterable[Evidence]) -> int:
    return len({e.article_id for e in sources})


def _record_sources(p: Pledge | Event, field_name: str) -> list[Evidence]:
    """The evidence of one field, else the record's first citation."""
    evidence = p.evidence
    if len(evidence) == 1:  # the usual case
        e = evidence[0]
        return [e] if e.field == field_name or e.field == "record" else []
    out: list[Evidence] = []
    first = None
    for e in evidence:
        if e.field == field_name:
            out.append(e)
        elif first is None and e.field == "record":
            first = e
    return out or ([first] if first is not None else [])


def _sourced(value: str | dict[str, object], sources: list[Evidence]) -> Sourced:
    return _new_sourced(value, sources, _articles(sources))


def _interval(q: Quantity) -> tuple[float, float] | None:
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
    known = [(p, q, _interval(q)) for p, q in stated]
    numeric = [(p, q, iv) for p, q, iv in known if iv is not None]
    silent = [(p, q) for p, q, iv in known if iv is None and _NOT_STATED.search(q.text)]
    sources = [e for p, _ in stated for e in _record_sources(p, "quantity")]
    if numeric and silent:
        values = [
            ConflictValue(value=q.text, sources=_record_sources(p, "quantity"))
            for p, q, _ in numeric
        ]
        values += [
            ConflictValue(value=q.text, sources=_record_sources(p, "quantity")) for p, q in silent
        ]
        note = "one account gives a figure, another says none was given"
        return None, Conflict(field=f"{where}.quantity", values=values, note=note)
    if not numeric:
        return _sourced(stated[0][1].text, sources), None
    lo = max(iv[0] for _, _, iv in numeric)
    hi = min(iv[1] for _, _, iv in numeric)
    if lo > hi:
        values = [
            ConflictValue(value=q.text, sources=_record_sources(p, "quantity"))
            for p, q, _ in numeric
        ]
        return None, Conflict(
            field=f"{where}.quantity", values=values, note="the figures do not overlap"
        )
    # compatible: keep the most specific value and cite every article
    best = min(numeric, key=lambda t: (t[2][1] - t[2][0], t[1].approximate))[1]
    return _sourced(best.model_dump(exclude_none=True), sources), None


_FIRM = {PledgeStatus.committed, PledgeStatus.conditional}
_TEXT = {s: s.value for s in PledgeStatus}  # quicker than an enum member's ``.value``


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
        return _sourced(_TEXT[value], [e for s in by_status.values() for e in s]), None
    # most articles first, then by status (each status once, so the sources never compare)
    ranked = sorted([(-_articles(src), s, src) for s, src in by_status.items()])
    conflict = Conflict(
        field=f"{where}.status",
        values=[_new_value(_TEXT[s], src) for _, s, src in ranked],
        note="the articles disagree on whether and how firmly this was pledged",
    )
    most, top, src = ranked[0]
    return _new_sourced(_TEXT[top], src, -most), conflict


def _most_common(values: list[str]) -> str:
    """The most frequent value; the longest, then the first in order, among equals."""
    if values.count(values[0]) == len(values):  # most often all articles say the same
        return values[0]
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return max(counts, key=lambda v: (counts[v], len(v)))


def _text_field(pledges: Sequence[Pledge | Event], attr: str, field_name: str) -> Sourced | None:
    """The most common value (the longest among equals), citing every article that gives one."""
    return _cited([(v, _record_sources(p, field_name)) for p in pledges if (v := getattr(p, attr))])


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
    return [
        p.model_copy(update={"actor": a.name, "actor_id": a.id, "actor_country": a.id})
        for a in countries
    ]


def _pledges(cluster: _Cluster, event_id: str) -> tuple[list[ReportPledge], list[Conflict]]:
    groups: dict[tuple[str, CommitmentType], list[Pledge]] = {}
    for m in cluster.members:
        for p in m.pledges:
            for part in _split(p):
                by = (_pledger(part), part.commitment_type)
                if (group := groups.get(by)) is None:
                    groups[by] = [part]
                else:
                    group.append(part)
    out: list[ReportPledge] = []
    conflicts: list[Conflict] = []
    for (key, ctype), group in sorted(groups.items()):
        if len(group) == 1:  # most groups: nothing to reconcile
            out.append(_single(group[0], key, ctype, event_id))
        else:
            out.append(_reconciled(group, key, ctype, event_id, conflicts))
    return out, conflicts


def _reconciled(
    group: list[Pledge], key: str, ctype: CommitmentType, event_id: str, conflicts: list[Conflict]
) -> ReportPledge:
    """One pledge from two or more that share an actor and a commitment type; their
    conflicts are added to ``conflicts``. One pass over the group gathers what each field
    needs (this runs for every pledge two articles share)."""
    by_status: dict[PledgeStatus, list[Evidence]] = {}
    actor_sources: list[Evidence] = []
    descriptions: list[tuple[str, list[Evidence]]] = []
    recipients: list[tuple[str, list[Evidence]]] = []
    articles: set[str] = set()
    flags: set[str] = set()
    confirmed = stated = conditional = False
    for p in group:
        evidence = p.evidence
        if len(evidence) == 1 and (only := evidence[0]).field == "record":  # the usual case
            record = [only]
            actor_sources.append(only)
            articles.add(only.article_id)
        else:
            record = [e for e in evidence if e.field == "record"]
            if len(record) == len(evidence):
                actor_sources += record[:1]
            else:
                actor_sources += [e for e in evidence if e.field == "actor"] or record[:1]
            articles.update([e.article_id for e in evidence])
        if (cited := by_status.get(p.status)) is None:
            by_status[p.status] = list(record)
        else:
            cited += record
        if p.description:
            descriptions.append((p.description, record))
        if p.recipient:
            recipients.append((p.recipient, record))
        if p.confirmed:
            confirmed = True
        else:
            flags.update(p.flags)
        if p.quantity:
            stated = True
        if p.conditions:
            conditional = True
    where = f"pledges[{key}/{ctype}]"
    status, status_conflict = _reconcile_status(by_status, where)
    if status_conflict:
        conflicts.append(status_conflict)
    quantity = None
    if stated:
        quantity, quantity_conflict = _reconcile_quantity(group, where)
        if quantity_conflict:
            conflicts.append(quantity_conflict)
    return _new_pledge(
        id=f"{event_id}/{key}/{ctype}",
        actor=_sourced(_actor_name(key, _most_common([p.actor for p in group])), actor_sources),
        actor_id=key,
        commitment_type=group[0].commitment_type,
        status=status,
        description=_cited(descriptions) or _sourced("", []),
        quantity=quantity,
        conditions=_text_field(group, "conditions", "conditions") if conditional else None,
        recipient=_cited(recipients),
        articles=sorted(articles),
        confirmed=confirmed,
        flags=sorted(flags) if flags else [],
    )


def _cited(values: list[tuple[str, list[Evidence]]]) -> Sourced | None:
    """The most common of ``values`` (the longest among equals), each given with the
    evidence that cites it; every citation is kept."""
    if not values:
        return None
    best = values[0][0] if len(values) == 1 else _most_common([v for v, _ in values])
    return _sourced(best, [e for _, record in values for e in record])


def _single(p: Pledge, key: str, ctype: CommitmentType, event_id: str) -> ReportPledge:
    """``_pledges`` for a group of one (same result, less work). All of a pledge's evidence
    is from its own article, so each value has the agreement of one article, or none when
    nothing cites it."""
    evidence = p.evidence
    if len(evidence) == 1 and evidence[0].field == "record":  # the usual case: one citation
        record = [evidence[0]]
    else:
        record = [e for e in evidence if e.field == "record"]
    first = record if len(record) < 2 else record[:1]  # the lists are only read
    cited = 1 if record else 0
    if len(record) == len(evidence):  # the usual case: no field has evidence of its own
        actor = conditions = first
    else:
        actor = [e for e in evidence if e.field == "actor"] or first
        conditions = [e for e in evidence if e.field == "conditions"] or first
    quantity = None
    if p.quantity:
        quantity, _ = _reconcile_quantity([p], f"pledges[{key}/{ctype}]")
    return _new_pledge(
        id=f"{event_id}/{key}/{ctype}",
        actor=_new_sourced(_actor_name(key, p.actor), actor, 1 if actor else 0),
        actor_id=key,
        commitment_type=p.commitment_type,
        status=_new_sourced(_TEXT[p.status], record, cited),
        description=_new_sourced(p.description, record, cited)
        if p.description
        else _new_sourced("", [], 0),
        quantity=quantity,
        conditions=_new_sourced(p.conditions, conditions, 1 if conditions else 0)
        if p.conditions
        else None,
        recipient=_new_sourced(p.recipient, record, cited) if p.recipient else None,
        articles=[evidence[0].article_id] if evidence else [],
        confirmed=p.confirmed,
        flags=sorted(set(p.flags)) if p.flags and not p.confirmed else [],
    )


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
            unit, iv = _count_unit(q), _interval(q)
            for i, (u, giv, gq, ev) in enumerate(groups):
                if u == unit and iv and giv and max(iv[0], giv[0]) <= min(iv[1], giv[1]):
                    exact = gq if gq.amount is not None else q
                    narrow = (max(iv[0], giv[0]), min(iv[1], giv[1]))
                    groups[i] = (u, narrow, exact, ev + c.evidence)
                    break
            else:
                groups.append((unit, iv, q, list(c.evidence)))
    return [
        _sourced(q.text, ev)
        for _, _, q, ev in sorted(groups, key=lambda g: (-_articles(g[3]), g[0]))
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
            sources += _record_sources(e, "date")
    if best is not None:
        return _sourced(str(best.value), sources)
    written = [(e, e.date.text) for e in events if e.date is not None]
    if not written:
        return None
    counts = Counter(t for _, t in written)
    sources = [s for e, _ in written for s in _record_sources(e, "date")]
    return _sourced(counts.most_common(1)[0][0], sources)


def _member_sources(m: _Candidate, field_name: str) -> list[Evidence]:
    found = m.found.get(field_name) if m.found else None
    return _record_sources(m.event, field_name) or ([found] if found else [])


def _date_conflict(cluster: _Cluster) -> Conflict | None:
    """Articles that put the event on days more than two apart (a summit lasts days, and
    outlets name different ones of them): each day, or weekday, with the articles that say it."""
    said: dict[str, list[Evidence]] = {}
    weekdays: set[str] = set()
    days: list[date] = []
    for m in cluster.members:
        if m.event.date is None:  # a date read from the text may be a background one
            continue
        if _day(m) is not None and m.day:
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
    far = any(_weekdays_apart(a, b) > 2 for a in weekdays for b in weekdays)
    if not (apart or far):
        return None
    return Conflict(
        field="date",
        values=[_new_value(v, src) for v, src in said.items()],
        note="the articles put the event on different days",
    )


def _place_conflict(cluster: _Cluster) -> Conflict | None:
    """Articles that put the event in different cities."""
    said: dict[str, list[Evidence]] = {}
    for m in cluster.members:
        if m.location:
            said.setdefault(m.location, []).extend(_member_sources(m, "location"))
    if len(said) < 2:
        return None
    return Conflict(
        field="location",
        values=[_new_value(v.title(), src) for v, src in said.items()],
        note="the articles put the event in different places",
    )


def _resolved(field: Sourced | None, cluster: _Cluster) -> Sourced | None:
    """A date the articles give only in part ("Thursday", "June 13") resolved against the
    earliest publication day among them, when one is known; else as it is."""
    if field is None or _is_iso(field.value):
        return field
    published = [m.published for m in cluster.members if m.published]
    if not published:
        return field
    day = resolve_date(str(field.value), min(published))
    if day.value is None or day.precision is not Precision.day:
        return field
    return Sourced(value=day.value.isoformat(), sources=field.sources, agreement=field.agreement)


def _found(cluster: _Cluster, field_name: str) -> Sourced | None:
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
    return _sourced(value, [e for _, e in found])


def _name(names: dict[str, int]) -> str:
    """The most common name; among equals, the shortest of at least two words."""
    return min(names, key=lambda k: (-names[k], len(k.split()) < 2, len(k), k))


# each event's status rows of one actor and commitment type, ready to sort: (undated, day,
# event id, status); event ids are unique, so the status itself is never compared
_Statuses = dict[tuple[str, CommitmentType], list[tuple[bool, date, str, Sourced]]]


def _event(cluster: _Cluster, n: int, statuses: _Statuses) -> ReportEvent:
    """The report's event ``n`` for ``cluster``; each pledge's status is added to
    ``statuses`` (by actor and commitment type) for the timelines."""
    events = [m.event for m in cluster.members]
    event_id = f"event-{n}"
    date_field = _resolved(_date_field(events) or _found(cluster, "date"), cluster)
    names: dict[str, int] = {}
    kinds: dict[EventKind, int] = {}
    locations: list[tuple[str, list[Evidence]]] = []
    hosts: list[tuple[str, list[Evidence]]] = []
    for e in events:  # one pass for the fields the events' records give
        names[e.name] = names.get(e.name, 0) + 1
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
        if e.location:
            locations.append((e.location, _record_sources(e, "location")))
        if e.host:
            hosts.append((e.host, _record_sources(e, "host")))
    pledges, conflicts = _pledges(cluster, event_id)
    conflicts += [c for c in (_date_conflict(cluster), _place_conflict(cluster)) if c]
    participants = sorted({normalize_actor(p).name for e in events for p in e.participants})
    day = (
        date.fromisoformat(str(date_field.value))
        if date_field and _is_iso(date_field.value)
        else None
    )
    undated, when = day is None, day or date.min
    for p in pledges:
        if (seen := statuses.get(key := (p.actor_id, p.commitment_type))) is None:
            statuses[key] = [(undated, when, event_id, p.status)]
        else:
            seen.append((undated, when, event_id, p.status))
    return ReportEvent(
        id=event_id,
        name=_name(names),
        kind=max(kinds, key=kinds.__getitem__),  # the most common; the first among equals
        date=date_field,
        location=_cited(locations) or _found(cluster, "location"),
        host=_cited(hosts),
        participants=participants,
        counts=_counts(events),
        articles=sorted({m.article_id for m in cluster.members}),
        pledges=pledges,
        conflicts=conflicts,
        decisions=cluster.decisions,
    )


_STATUS = {s.value: s for s in PledgeStatus}


def _timelines(statuses: _Statuses) -> list[Timeline]:
    """A timeline for each actor and commitment type whose status differs between events."""
    out = []
    for actor, ctype in sorted(statuses):
        rows = statuses[(actor, ctype)]
        if len(rows) < 2 or len({row[3].value for row in rows}) < 2:
            continue
        rows.sort()
        entries = [
            _new_entry(event_id, None if undated else day, _STATUS[str(s.value)], s.sources)
            for undated, day, event_id, s in rows
        ]
        out.append(Timeline(actor_id=actor, commitment_type=ctype, entries=entries))
    return out


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_iso(value: object) -> bool:
    return isinstance(value, str) and _ISO.fullmatch(value) is not None


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while merge builds its many small objects (it makes
    no reference cycles of its own). With 100k extractions alive, the collector's repeated
    full passes cost about as much as the merge; reference counting still frees as usual,
    and any cycle is collected once the collector is back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def merge(extractions: Sequence[ArticleExtraction], articles: Sequence[Article] = ()) -> Report:
    """Cluster the events of ``extractions`` into real-world events and reconcile them."""
    with _no_gc():
        return _merge(extractions, articles)


class _Phases:
    """Logs how long each step of a merge takes (at DEBUG: ``summarizer -vv``, or the
    benchmark in ``bench/merge_scale.py``)."""

    def __init__(self, extractions: int) -> None:
        self.extractions = extractions
        self.started = self.last = time.perf_counter()
        self.steps: list[str] = []

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.steps.append(f"{step} {now - self.last:.2f}s")
        self.last = now

    def done(self) -> None:
        total = time.perf_counter() - self.started
        log.debug(
            "merge: %d extractions in %.2fs (%s)", self.extractions, total, ", ".join(self.steps)
        )


def _merge(extractions: Sequence[ArticleExtraction], articles: Sequence[Article]) -> Report:
    phase = _Phases(len(extractions))
    # each article's text, else its quotes joined, read in the same pass as its candidates
    # (while its extraction is still in the cache)
    text_of = {a.id: a.text for a in articles}
    published = {a.id: a.published_day for a in articles if a.published_day}
    cands: list[_Candidate] = []
    unassigned: list[Unassigned] = []
    for order, x in enumerate(extractions):
        if (text := text_of.get(x.article_id)) is None:
            records: list[Event | Pledge] = [*x.events, *x.pledges]
            text = text_of[x.article_id] = " ".join([e.quote for r in records for e in r.evidence])
        found, lost = _candidates(x, text, order, published.get(x.article_id))
        cands += found
        if lost:
            unassigned.append(lost)
    phase("candidates")
    texts = _Texts(text_of)
    texts.count_names(cands)
    phase("wording")
    clusters = _cluster(cands, texts)
    clusters.sort(
        key=lambda c: (
            min((m.day for m in c.members if m.day), default=date.max),
            min(m.order for m in c.members),
        )
    )
    phase("clustering")
    statuses: _Statuses = {}
    events = [_event(c, n, statuses) for n, c in enumerate(clusters, 1)]
    phase("events")
    timelines = _timelines(statuses)
    phase("timelines")
    refs = [
        ArticleRef(id=a.id, title=a.title, url=a.url, published=a.published, source=a.source)
        for a in articles
    ]
    if not refs:
        refs = [ArticleRef(id=x.article_id) for x in extractions]
    report = Report(events=events, articles=refs, unassigned=unassigned, timelines=timelines)
    phase("report")
    phase.done()
    return report
