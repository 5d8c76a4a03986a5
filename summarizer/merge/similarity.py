"""Similarity: how alike two candidates are, as a score with its reasons (see the package
docstring for what adds up), and the TF-IDF vectors of the articles' wording."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache

from rapidfuzz import fuzz
from wordfreq import zipf_frequency

from ..normalize import CAPITALS, PLACE_SPELLINGS
from ..schemas import Precision
from .candidates import WEEKDAYS, WORD, Candidate, day_of

NAME_WORD = 1.0  # for each word (up to two) both event names share and few others have
RARE_NAME_SHARE = 0.15  # "few": at most this share of all event names (and at least two)
# among few names: a word rarer than this in the language (wordfreq's Zipf scale, where
# "summit" is 4.3 and "pledging" 3.0) names an event ("gavi" 2.0, "apulia" 2.1)
UNCOMMON_ZIPF = 2.5
MIN_NAMES = 20  # fewer event names than this say nothing about which words are rare
SHARED_PLEDGE = 0.75  # for each pledge (actor, type, figure) two candidates share (up to 3)
_STOP = frozenset(
    "that this with from have been were will would said also they their them than more other "
    "after before about which while when where what into over such could should there these "
    "those some said says most only very just like time year years being under same".split()
)
_PRECISION_RANK = {Precision.day: 0, Precision.week: 1, Precision.month: 2, Precision.year: 3}


@lru_cache(maxsize=65536)  # every pair of candidates compares their names
def name_words(name: str) -> frozenset[str]:
    """The words of an event name, each city in one spelling ("kiev" and "kyiv" alike)."""
    return frozenset(PLACE_SPELLINGS.get(w, w) for w in text_words(name))


# an organisation or forum named by its initials ("NATO", "COP28", "G7"; not "UK" or "EU")
_ACRONYM = re.compile(r"\b(?:[A-Z]{3,}[0-9]*|[A-Z]+[0-9]+)\b")
# a wire story's opening place and agency: "RAMSTEIN (dpa-AFX) - ", "KYIV, Ukraine (AP) — "
_DATELINE = re.compile(
    r"^[A-Z][\w .,'’-]{0,40}?\([^)]{1,20}\)\s*[-—–]+\s*|^[A-Z][A-Z .,'’-]+[-—–]+\s*"
)


def initials(c: Candidate) -> frozenset[str]:
    """The initials of an organisation or forum in a candidate's event name or in the
    sentence that reports it ("announced at the NATO Public Forum"); not a dateline's place
    or agency, nor a capital (the place is compared as the location)."""
    return _initials(c.event.name, c.said)


@lru_cache(maxsize=65536)  # every pair of candidates compares them
def _initials(name: str, said: str) -> frozenset[str]:
    found = _ACRONYM.findall(name) + _ACRONYM.findall(_DATELINE.sub("", said, count=1))
    return frozenset(w.lower() for w in found if w.lower() not in CAPITALS)


def event_words(c: Candidate) -> frozenset[str]:
    """The words that name a candidate's event: those of its name, and its ``initials``
    (under a headline that names no event, the sentence that reports it may)."""
    return _event_words(c.name, c.event.name, c.said)


@lru_cache(maxsize=65536)
def _event_words(name: str, as_written: str, said: str) -> frozenset[str]:
    return name_words(name) | _initials(as_written, said)


@lru_cache(maxsize=65536)
def _uncommon(word: str) -> bool:
    return zipf_frequency(word, "en") < UNCOMMON_ZIPF


def text_words(text: str) -> Counter[str]:
    """How often each word occurs in ``text`` (see ``WORD``), stop words left out."""
    c = Counter(
        w
        for w in WORD.findall(text.lower())
        if (len(w) > 3 or (len(w) > 1 and not w.isalpha())) and not w.isdigit()
    )
    for w in _STOP.intersection(c):
        del c[w]
    return c


_NO_WORDS: dict[str, float] = {}  # the vector of a text not given (never changed)


def _unit(weights: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
    return {w: v / norm for w, v in weights.items()}


def _within(count: int, limit: float | None) -> bool:
    return limit is not None and count <= limit


Block = int | None  # a date block (clustering.block): a week, or None for undated
MIN_WEIGHED = 100  # articles a word's weight is counted among, at the least


class Texts:
    """TF-IDF vectors of the articles' texts (or their evidence when no text is given), and
    how many event names use each word.

    A word's weight (its IDF) is counted among the articles of the same date block, and of
    the nearest blocks as well while they are fewer than ``MIN_WEIGHED`` (of all articles,
    when all are): a word every report of that week uses ("ukraine", "aid") tells its events
    apart less than a name only two of them share. Counting near the block, not the whole
    input, keeps the vectors of other blocks as they are when articles are added (``add``
    says which blocks it weighed again).
    """

    def __init__(self, text_of: dict[str, str]) -> None:
        self.text_of = text_of  # every article's text, by id (shared with the caller)
        self.vectors: dict[str, dict[str, float]] = {}
        self.name_df: Counter[str] = Counter()  # see count_names
        self.names = 0
        self._words: dict[str, Counter[str]] = {}  # each article's words, counted once
        self._blocks: dict[Block, list[str]] = {}  # the articles of each block
        self._df: dict[Block, Counter[str]] = {}  # in how many of them each word occurs
        self._domains: dict[Block, frozenset[Block]] = {}  # the blocks weights are counted in

    def add(self, articles: dict[str, Block]) -> set[Block]:
        """Add articles (by id, each with the block of its first event) and weigh again the
        vectors of every block whose weights they change; returns those blocks."""
        for k, b in articles.items():
            self._words[k] = words = text_words(self.text_of[k])
            self._blocks.setdefault(b, []).append(k)
            self._df.setdefault(b, Counter()).update(words.keys())
        touched = set(articles.values())
        domains = self._count_domains()
        changed = {
            b for b, d in domains.items() if d != self._domains.get(b) or not touched.isdisjoint(d)
        }
        self._domains = domains
        by_domain: dict[frozenset[Block], list[Block]] = {}
        for b in changed:
            by_domain.setdefault(domains[b], []).append(b)
        for domain, blocks in by_domain.items():
            df: Counter[str] = Counter()
            for d in domain:
                df.update(self._df[d])
            size = sum(len(self._blocks[d]) for d in domain)
            idf = {w: math.log((size + 1) / m) for w, m in df.items()}
            del df
            for b in blocks:
                for k in self._blocks[b]:
                    words = self._words[k]
                    self.vectors[k] = _unit(
                        {w: (1 + math.log(m)) * idf[w] for w, m in words.items()}
                    )
        return changed

    def _count_domains(self) -> dict[Block, frozenset[Block]]:
        """The blocks each block's weights are counted in: itself, then the nearest dated
        blocks (the earlier first among equally near ones) until they hold ``MIN_WEIGHED``
        articles; every block when even all dated ones (or, undated, its own) are fewer."""
        size = {b: len(ids) for b, ids in self._blocks.items()}
        everything = frozenset(size)
        dated = sorted(b for b in size if b is not None)
        out: dict[Block, frozenset[Block]] = {}
        if None in size:
            out[None] = frozenset([None]) if size[None] >= MIN_WEIGHED else everything
        for i, b in enumerate(dated):
            lo, hi, n = i, i, size[b]
            while n < MIN_WEIGHED and (lo > 0 or hi < len(dated) - 1):
                left = b - dated[lo - 1] if lo > 0 else None
                right = dated[hi + 1] - b if hi < len(dated) - 1 else None
                if right is None or (left is not None and left <= right):
                    lo -= 1
                    n += size[dated[lo]]
                else:
                    hi += 1
                    n += size[dated[hi]]
            out[b] = frozenset(dated[lo : hi + 1]) if n >= MIN_WEIGHED else everything
        return out

    def _rare(self) -> float | None:
        """How many names a word may be in and still be rare; ``None`` among fewer than
        ``MIN_NAMES`` names, too few to say which words are rare."""
        return max(2.0, RARE_NAME_SHARE * self.names) if self.names >= MIN_NAMES else None

    def count_names(self, cands: Sequence[Candidate]) -> set[str]:
        """Count the words of the names of ``cands`` (added to those counted before): a word
        few names share ("g7", "gavi", "cop28", "lebanon") names the event, one most share
        ("summit") does not. Returns the words that became rare, or stopped being: every
        word, when the names reach ``MIN_NAMES`` (shared initials stop counting as such)."""
        before, rare = Counter(self.name_df), self._rare()
        self.name_df.update(w for c in cands for w in event_words(c))
        self.names += len(cands)
        now, df = self._rare(), self.name_df
        if (rare is None) != (now is None):
            return set(df)
        return {w for w in df if _within(before[w], rare) != _within(df[w], now)}

    def rare_shared(self, a: Candidate, b: Candidate) -> list[str]:
        """The words of both event names that few other names have, rarest first. Among
        fewer than ``MIN_NAMES`` names, where no count says which words are rare, the
        initials both give ("NATO", "G7") and the words both give that are rare in the
        language itself (``UNCOMMON_ZIPF``: "gavi", "apulia", "ramstein"; not "summit",
        "pledging" or "ukraine")."""
        shared = event_words(a) & event_words(b)
        if (rare := self._rare()) is None:
            return sorted((initials(a) & initials(b)) | {w for w in shared if _uncommon(w)})
        df = self.name_df
        return sorted((w for w in shared if df[w] <= rare), key=lambda w: (df[w], w))

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


def _coarse(a: Candidate, b: Candidate) -> tuple[date, date] | None:
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


def weekdays_apart(a: str, b: str) -> int:
    """How many days apart two weekdays are, the nearer way round (Sunday and Monday: 1)."""
    gap = abs(WEEKDAYS.index(a) - WEEKDAYS.index(b))
    return min(gap, 7 - gap)


def _published_after(a: Candidate, b: Candidate) -> int | None:
    """Days from one candidate's event date to the publication of the other's article, when
    only one knows its event's day and the other was published up to three days after it
    (news reports an event on its day or soon after)."""
    for dated, other in ((a, b), (b, a)):
        if day_of(dated) is not None and other.day is None and other.published and dated.day:
            gap = (other.published - dated.day).days
            return gap if 0 <= gap <= 3 else None
    return None


def score(a: Candidate, b: Candidate, texts: Texts) -> float | None:
    """The score of a pair; ``None`` when something rules it out."""
    return scored(a, b, texts, None)


def scored(a: Candidate, b: Candidate, texts: Texts, why: list[str] | None) -> float | None:
    """``score``, also saying why in ``why`` when it is given (only the chosen pair needs it:
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
        # next days (a summit's first and second) say nothing against; further apart -1
        score += 1 if same else 0 if weekdays_apart(a.weekday, b.weekday) == 1 else -1
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
