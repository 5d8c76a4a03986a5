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

from .hostile import suspect_sentences
from .normalize import (
    Actor,
    actor_mentions,
    actors_in,
    in_local_dollars,
    is_time_only,
    normalize_actor,
    parse_quantity,
    people_in,
    resolve_date,
)
from .schemas import (
    Alignment,
    Article,
    ArticleExtraction,
    CommitmentType,
    CountClaim,
    DraftEvent,
    DraftPledge,
    Event,
    Evidence,
    Pledge,
)
from .sentences import Sentence

__all__ = [
    "FUZZY_MIN_COVERAGE",
    "FUZZY_THRESHOLD",
    "SUSPECTED_INJECTION",
    "Span",
    "ground_extraction",
    "locate",
    "sentence_evidence",
]

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
            if out and out[-1] in " -":  # one space at most, none after a dash
                continue
            ch = " "
        elif ch == "-" and out and out[-1] == " ":  # "a - b", "a—b" and "a -b" all read "a-b"
            out.pop()
            index.pop()
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
            start, end = index[hit.dest_start], index[hit.dest_end - 1] + 1
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if covered >= FUZZY_MIN_COVERAGE and end > start:
                return Span(start, end, Alignment.fuzzy)
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


# the flag of a record supported only by text that addresses a model: never in a brief
SUSPECTED_INJECTION = "suspected_injection"

# Bump when grounding would turn the same model answer into a different extraction: stored
# answers are then grounded again, without asking the model (see ``extract.reground``).
# 2: figures the model left out are read from the text.
# 3: ... only when the giver is the actor named closest before the figure.
# 4: a bare "$" of a dollar country's outlet about that country's pledge is its dollar.
# 5: a figure that says only when ("before 2027") is no quantity.
GROUNDING_VERSION = "5"


def sentence_evidence(article_id: str, sentence: Sentence, field: str = "record") -> Evidence:
    """A whole sentence as evidence: its text and its span, exactly."""
    return Evidence(
        article_id=article_id, quote=sentence.text, start=sentence.start, end=sentence.end,
        alignment=Alignment.exact, field=field, sentence=sentence.number,
    )  # fmt: skip


class _Grounder:
    def __init__(self, article: Article, sentences: Sequence[Sentence]) -> None:
        self.article = article
        self.by_number = {s.number: s for s in sentences}
        self.suspect = suspect_sentences(sentences, article.text)
        self.warnings: list[str] = []

    def flags(self, evidence: list[Evidence], what: str) -> list[str]:
        """Why a record cannot be confirmed; empty when its evidence holds."""
        record = [e for e in evidence if e.field == "record"]
        flags = []
        if all(e.alignment is Alignment.missing for e in record):
            flags.append("no cited sentence exists")
        elif all(e.sentence in self.suspect for e in record if e.sentence is not None):
            flags.append(
                f"{SUSPECTED_INJECTION}: cites only text that reads as instructions to a model"
            )
        for e in evidence:
            if e.field != "record" and e.alignment is Alignment.missing:
                flags.append(f"{e.field} {e.quote!r} is not in the article")
            elif e.field == "actor" and e.sentence in self.suspect:
                flags.append(
                    f"{SUSPECTED_INJECTION}: actor named only in text that reads as instructions "
                    "to a model"
                )
        for flag in flags:
            self.warnings.append(f"{what}: {flag}")
        return flags

    def cited(self, numbers: Iterable[int], what: str) -> list[Evidence]:
        evidence = []
        for n in dict.fromkeys(numbers):
            sentence = self.by_number.get(n)
            if sentence is None:
                self.warnings.append(f"{what}: cited sentence [{n}] does not exist")
                continue
            evidence.append(sentence_evidence(self.article.id, sentence))
        if not evidence:
            self.warnings.append(f"{what}: no citation could be found in the article")
            evidence.append(
                Evidence(article_id=self.article.id, quote=what, alignment=Alignment.missing)
            )
        return evidence

    def supporting(
        self, record: list[Evidence], actor: Actor, people: dict[str, Actor], what: str
    ) -> list[Evidence]:
        """Of the cited sentences, those that name the actor; all of them if none does."""
        naming = [
            e
            for e in record
            if e.start is not None
            and (actor.name.lower() in e.quote.lower() or actor_mentions(e.quote, actor, people))
        ]
        if naming and len(naming) < len(record):
            dropped = [e.sentence for e in record if e not in naming]
            self.warnings.append(
                f"pledge by {what}: cited sentences {dropped} do not name the actor"
            )
            return naming
        return record

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

    def actor(self, actor: Actor, people: dict[str, Actor], record: list[Evidence]) -> Evidence:
        """Evidence for the actor: its name as written, else another of its names ("French"
        for France, "Starmer" for the British prime minister) inside the cited sentences."""
        found = self.value(actor.name, "actor", record)
        if found is not None and found.alignment is not Alignment.missing:
            return found
        for e in record:
            if e.start is None or e.end is None:
                continue
            sentence = self.article.text[e.start : e.end]
            for start, end in actor_mentions(sentence, actor, people):
                return Evidence(
                    article_id=self.article.id,
                    quote=sentence[start:end],
                    start=e.start + start,
                    end=e.start + end,
                    alignment=Alignment.normalized,
                    field="actor",
                    sentence=e.sentence,
                )
        return found or Evidence(
            article_id=self.article.id, quote=actor.name, alignment=Alignment.missing, field="actor"
        )


# A figure as news text writes it, and what it must stand next to for each kind of pledge.
_FIGURE = (
    r"(?:(?:more than|over|at least|about|around|some|up to|nearly|almost|roughly)\s+)?"
    r"(?:\d[\d,.]*(?:\s*(?:thousand|million|billion|bn|m))?"
    r"|(?:a|one|two|three|four|five|six|seven|eight|nine|ten|several|a few|a couple of"
    r"|dozens of|hundreds of|thousands of|tens of thousands of)"
    r"(?:\s+(?:dozen|hundred|thousand|million|billion))?)"
)
_NEXT_TO = {
    CommitmentType.troops: r"troops|soldiers|personnel|service members|peacekeepers",
    CommitmentType.weapons: r"missiles|tanks|jets|aircraft|drones|howitzers|shells|rounds",
    CommitmentType.equipment: r"vehicles|systems|generators|radars|boats|ships",
}
_QUANTITY_NEAR = {
    kind: re.compile(rf"[\"“‘']?\b(?P<q>{_FIGURE})\b[\"”’']?\s+(?:{nouns})\b", re.IGNORECASE)
    for kind, nouns in _NEXT_TO.items()
}
_MONEY = re.compile(
    r"(?P<q>[€$£]\s?\d[\d,.]*(?:\s*(?:billion|million|bn|m)\b)?"
    r"|\b\d[\d,.]*(?:\s*(?:billion|million))?\s+(?:euros|dollars|pounds)\b)",
    re.IGNORECASE,
)
_NO_FIGURE = {
    kind: re.compile(
        rf"\b(?P<q>no (?:figures?|numbers?|details?) (?:\w+ ){{0,4}}(?:for|on|of) (?:\w+ ){{0,4}}"
        rf"(?:{nouns})|(?:did not|didn't|declined to|would not) (?:say|give|specify|disclose)"
        rf" (?:\w+ ){{0,3}}(?:how many|the number of) (?:{nouns}))",
        re.IGNORECASE,
    )
    for kind, nouns in _NEXT_TO.items()
}


def _recover_quantity(
    g: _Grounder, pledge: DraftPledge, actor: Actor, people: dict[str, Actor],
    record: list[Evidence],
) -> Evidence | None:  # fmt: skip
    """A figure the model left out, read from the article: the sentence nearest the pledge's
    citations that names its actor and puts a figure next to the kind of thing pledged
    ("Paris could contribute “several thousand” troops"); else an explicit statement that no
    figure was given ("No figures were given for the number of troops")."""
    figure = _MONEY if pledge.type is CommitmentType.money else _QUANTITY_NEAR.get(pledge.type)
    if figure is None:
        return None
    cited = [e.sentence for e in record if e.sentence is not None] or [0]
    candidates = sorted(
        (s for n, s in g.by_number.items() if n not in g.suspect),
        key=lambda s: min(abs(s.number - c) for c in cited),
    )
    for pattern, must_name in ((figure, True), (_NO_FIGURE.get(pledge.type), False)):
        if pattern is None:
            continue
        for sentence in candidates:
            m = pattern.search(sentence.text)
            if m is None:
                continue
            named = actor.name.lower() in sentence.text.lower() or actor_mentions(
                sentence.text, actor, people
            )
            if must_name and not (named and _nearest_is(actor, sentence.text[: m.start()], people)):
                continue
            start, end = sentence.start + m.start("q"), sentence.start + m.end("q")
            g.warnings.append(
                f"pledge by {pledge.actor}: quantity {m.group('q')!r} read from sentence "
                f"[{sentence.number}]"
            )
            return Evidence(
                article_id=g.article.id,
                quote=g.article.text[start:end],
                start=start,
                end=end,
                alignment=Alignment.exact,
                field="quantity",
                sentence=sentence.number,
            )
    return None


def _nearest_is(actor: Actor, before: str, people: dict[str, Actor]) -> bool:
    """Whether the last actor ``before`` names is ``actor`` (or none is named): a figure
    belongs to the giver named closest before it ("the US would help, while Paris could
    contribute several thousand troops" is France's)."""
    found = actors_in(before, people)
    if not found:
        return True
    last = found[-1][2]
    mine = {actor.id, actor.country}
    return last.id in mine or last.country in mine


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
        evidence = record + [v for v in values if v]
        flags = g.flags(evidence + [e for c in counts for e in c.evidence], f"event {ev.ref}")
        out_events.append(
            Event(
                id=f"{article.id}#{ev.ref}",
                name=ev.name,
                kind=ev.kind,
                date=resolve_date(ev.date, article.published_day) if ev.date else None,
                location=ev.location,
                host=ev.host,
                participants=ev.participants,
                counts=counts,
                evidence=evidence,
                confirmed=not flags,
                flags=flags,
            )
        )
    refs = {ev.ref for ev in events}
    people = people_in(article.text)
    out_pledges: list[Pledge] = []
    for p in pledges:
        actor = normalize_actor(p.actor, people)
        record = g.supporting(g.cited(p.s, f"pledge by {p.actor}"), actor, people, p.actor)
        quantity = g.value(p.quantity, "quantity", record)
        if quantity is not None and is_time_only(quantity.quote):
            g.warnings.append(f"pledge by {p.actor}: {quantity.quote!r} says when, not how much")
            quantity = None
        if quantity is None:
            quantity = _recover_quantity(g, p, actor, people, record)
        values = [
            g.actor(actor, people, record),
            quantity,
            g.value(p.conditions, "conditions", record),
        ]
        event_id = f"{article.id}#{p.event}" if p.event in refs else None
        if p.event and p.event not in refs:
            g.warnings.append(f"pledge by {p.actor}: unknown event {p.event!r}")
        evidence = record + [v for v in values if v]
        flags = g.flags(evidence, f"pledge by {p.actor}")
        out_pledges.append(
            Pledge(
                actor=p.actor,
                actor_id=actor.id,
                actor_country=actor.country,
                commitment_type=p.type,
                description=p.what,
                status=p.status,
                recipient=p.recipient,
                quantity=in_local_dollars(
                    parse_quantity(quantity.quote), article.url, actor.country or actor.id
                )
                if quantity
                else None,
                conditions=p.conditions,
                event_id=event_id,
                evidence=evidence,
                confirmed=not flags,
                flags=flags,
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
