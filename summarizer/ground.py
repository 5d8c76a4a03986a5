"""Pure grounding: turn the model's citations and values into checked character spans.

Nothing here trusts the model. A cited sentence number becomes ``text[start:end]`` of that
sentence; a value written "as in the article" (a quantity, a condition, a date) is looked up
with ``locate``: exact substring, then a normalized match (quotes, dashes, whitespace, case)
mapped back to original offsets, then a fuzzy alignment, else ``missing``. A value that cannot
be found is kept with ``alignment: missing``, never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from .normalize import normalize_actor, parse_quantity, people_in, resolve_date
from .schemas import (
    Alignment,
    Article,
    ArticleExtraction,
    CountClaim,
    DraftEvent,
    DraftPledge,
    Event,
    Evidence,
    Pledge,
)
from .sentences import Sentence

__all__ = ["FUZZY_MIN_COVERAGE", "FUZZY_THRESHOLD", "Span", "ground_extraction", "locate"]

# rapidfuzz partial_ratio_alignment score (0-100) a fuzzy span must reach, and the share of
# the quote's length the span must cover. 90 accepts a changed word or two in a sentence-long
# quote; it rejects paraphrase. Quotes shorter than FUZZY_MIN_CHARS are never fuzzy-matched.
FUZZY_THRESHOLD = 90.0
FUZZY_MIN_COVERAGE = 0.8
FUZZY_MIN_CHARS = 12

_CHAR_MAP = {
    "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'",
    "–": "-", "—": "-", "‒": "-", "―": "-", "‐": "-", "‑": "-", "−": "-",
    "…": ".",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Span:
    start: int | None
    end: int | None
    alignment: Alignment


def _normalize(text: str) -> tuple[str, list[int]]:
    """Lower-cased text with unified quotes/dashes and single spaces, and for each of its
    characters the index of the original character it came from."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        ch = _CHAR_MAP.get(ch, ch)
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            ch = " "
        else:
            ch = unicodedata.normalize("NFKC", ch).lower()
        for c in ch:
            out.append(c)
            index.append(i)
    return "".join(out), index


def _occurrences(haystack: str, needle: str) -> list[int]:
    found, i = [], haystack.find(needle)
    while i != -1:
        found.append(i)
        i = haystack.find(needle, i + 1)
    return found


def _nearest(starts: list[int], near: int | None) -> int:
    return starts[0] if near is None else min(starts, key=lambda s: abs(s - near))


def locate(text: str, quote: str, near: int | None = None) -> Span:
    """Find ``quote`` in ``text``: exact -> normalized -> fuzzy -> missing.

    Offsets index the original ``text``. When the quote occurs more than once, the occurrence
    nearest ``near`` (the record's other evidence) wins. The quote is never used as a regex.
    """
    quote = quote.strip()
    if not quote:
        return Span(None, None, Alignment.missing)
    if starts := _occurrences(text, quote):
        s = _nearest(starts, near)
        return Span(s, s + len(quote), Alignment.exact)
    norm_text, index = _normalize(text)
    norm_quote, _ = _normalize(quote)
    norm_quote = norm_quote.strip()
    if norm_quote and (starts := _occurrences(norm_text, norm_quote)):
        ns = _nearest(starts, None if near is None else _to_norm(index, near))
        return Span(index[ns], index[ns + len(norm_quote) - 1] + 1, Alignment.normalized)
    if len(norm_quote) >= FUZZY_MIN_CHARS:
        hit = fuzz.partial_ratio_alignment(norm_quote, norm_text, score_cutoff=FUZZY_THRESHOLD)
        if hit is not None and hit.dest_end > hit.dest_start:
            covered = (hit.dest_end - hit.dest_start) / len(norm_quote)
            if covered >= FUZZY_MIN_COVERAGE:
                return Span(index[hit.dest_start], index[hit.dest_end - 1] + 1, Alignment.fuzzy)
    return Span(None, None, Alignment.missing)


def _to_norm(index: list[int], original: int) -> int:
    lo, hi = 0, len(index)
    while lo < hi:
        mid = (lo + hi) // 2
        if index[mid] < original:
            lo = mid + 1
        else:
            hi = mid
    return lo


# --------------------------------------------------------------------------- records


class _Grounder:
    def __init__(self, article: Article, sentences: Sequence[Sentence]) -> None:
        self.article = article
        self.by_number = {s.number: s for s in sentences}
        self.warnings: list[str] = []

    def cited(self, numbers: Iterable[int], what: str) -> list[Evidence]:
        evidence = []
        for n in dict.fromkeys(numbers):
            sentence = self.by_number.get(n)
            if sentence is None:
                self.warnings.append(f"{what}: cited sentence [{n}] does not exist")
                continue
            evidence.append(
                Evidence(
                    article_id=self.article.id,
                    quote=sentence.text,
                    start=sentence.start,
                    end=sentence.end,
                    alignment=Alignment.exact,
                    sentence=n,
                )
            )
        if not evidence:
            self.warnings.append(f"{what}: no citation could be found in the article")
            evidence.append(
                Evidence(article_id=self.article.id, quote=what, alignment=Alignment.missing)
            )
        return evidence

    def value(self, quote: str | None, field: str, record: list[Evidence]) -> Evidence | None:
        """Evidence for one value written as in the article, searched near the record."""
        if not quote or not quote.strip():
            return None
        anchors = [e.start for e in record if e.start is not None]
        span = locate(self.article.text, quote, near=anchors[0] if anchors else None)
        sentence = None
        if span.start is not None:
            sentence = next(
                (s.number for s in self.by_number.values() if s.start <= span.start < s.end + 1),
                None,
            )
            quote = self.article.text[span.start : span.end]
        return Evidence(
            article_id=self.article.id,
            quote=quote,
            start=span.start,
            end=span.end,
            alignment=span.alignment,
            field=field,
            sentence=sentence,
        )


def _count(text: str) -> int | None:
    m = re.search(r"\d[\d,]*", text)
    return int(m.group(0).replace(",", "")) if m else None


def ground_extraction(
    article: Article,
    sentences: Sequence[Sentence],
    events: Sequence[DraftEvent],
    pledges: Sequence[DraftPledge],
    *,
    model: str,
    prompt_version: str,
) -> ArticleExtraction:
    """Build the reported extraction; every record and value carries located Evidence."""
    g = _Grounder(article, sentences)
    out_events: list[Event] = []
    for ev in events:
        record = g.cited(ev.s, f"event {ev.ref}")
        values = [
            g.value(ev.date, "date", record),
            g.value(ev.location, "location", record),
            g.value(ev.host, "host", record),
        ]
        counts = []
        for text in ev.counts:
            found = g.value(text, "count", record)
            counts.append(
                CountClaim(text=text, count=_count(text), evidence=[found] if found else [])
            )
        out_events.append(
            Event(
                id=f"{article.id}#{ev.ref}",
                name=ev.name,
                kind=ev.kind,
                date=resolve_date(ev.date, article.published) if ev.date else None,
                location=ev.location,
                host=ev.host,
                participants=ev.participants,
                counts=counts,
                evidence=record + [v for v in values if v],
            )
        )
    refs = {ev.ref for ev in events}
    people = people_in(article.text)
    out_pledges: list[Pledge] = []
    for p in pledges:
        actor = normalize_actor(p.actor, people)
        record = g.cited(p.s, f"pledge by {p.actor}")
        values = [
            g.value(p.actor, "actor", record),
            g.value(p.quantity, "quantity", record),
            g.value(p.conditions, "conditions", record),
        ]
        event_id = f"{article.id}#{p.event}" if p.event in refs else None
        if p.event and p.event not in refs:
            g.warnings.append(f"pledge by {p.actor}: unknown event {p.event!r}")
        out_pledges.append(
            Pledge(
                actor=p.actor,
                actor_id=actor.id,
                actor_country=actor.country,
                commitment_type=p.type,
                description=p.what,
                status=p.status,
                recipient=p.recipient,
                quantity=parse_quantity(p.quantity) if p.quantity else None,
                conditions=p.conditions,
                event_id=event_id,
                evidence=record + [v for v in values if v],
            )
        )
    return ArticleExtraction(
        article_id=article.id,
        events=out_events,
        pledges=out_pledges,
        model=model,
        prompt_version=prompt_version,
        warnings=g.warnings,
    )
