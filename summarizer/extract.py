"""Article -> numbered sentences -> model -> grounded ``ArticleExtraction``.

The messages are laid out so that everything static (instructions, then the tool schema that
the chat template puts beside them) is an identical prefix for every article and the article
comes last: llama.cpp then reuses the prefix it has already evaluated.

Articles longer than ``Settings.chunk_tokens`` are split on sentence boundaries into
overlapping chunks. Sentence numbers stay global, so evidence offsets index the whole article.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Generator

from .errors import BudgetExceededError, InputError, LLMError
from .ground import ground_extraction, locate, suspect_sentences
from .llm import LLM, estimate_tokens, open_llm
from .prompts import load_prompt
from .schemas import (
    Alignment,
    Article,
    ArticleExtraction,
    DraftEvent,
    DraftExtraction,
    DraftPledge,
    Usage,
)
from .sentences import Sentence, split_sentences
from .settings import Settings

__all__ = [
    "aextract",
    "aextract_with_drafts",
    "chunk_sentences",
    "estimate_tokens",
    "extract",
    "extract_with_drafts",
    "pledge_candidates",
    "prompt_version",
    "reground",
    "render_article",
]

log = logging.getLogger(__name__)

PROMPT = "extract"
REASK_PROMPT = "reask_missing"
PLEDGE_PROMPT = "pledges"


def prompt_version(settings: Settings) -> str:
    """The version of every prompt a run with ``settings`` sends (part of cache keys)."""
    version = load_prompt(PROMPT).version
    if settings.pledge_pass:
        version += "+" + load_prompt(PLEDGE_PROMPT).version
    return version


def chunk_sentences(
    sentences: list[Sentence], max_tokens: int, overlap: int
) -> list[list[Sentence]]:
    """Consecutive runs of sentences of at most ``max_tokens`` each, overlapping by ``overlap``.

    A single sentence larger than ``max_tokens`` forms a chunk of its own (never cut).
    """
    chunks: list[list[Sentence]] = []
    i = 0
    while i < len(sentences):
        size, j = 0, i
        while j < len(sentences) and (
            j == i or size + estimate_tokens(sentences[j].text) <= max_tokens
        ):
            size += estimate_tokens(sentences[j].text)
            j += 1
        chunks.append(sentences[i:j])
        if j >= len(sentences):
            break
        i = max(i + 1, j - overlap)
    return chunks


WITHHELD = "(withheld: this sentence reads as instructions to a model)"


def render_article(article: Article, sentences: list[Sentence]) -> str:
    """The user message: a short header, then one numbered sentence per line.

    Sentences that read as instructions to a model are withheld (their number stays).
    """
    suspect = suspect_sentences(sentences)
    head = [f"Article: {article.id}"]
    if article.title:
        head.append(f"Title: {article.title}")
    if article.published:
        head.append(f"Published: {article.published.isoformat()}")
    body = "\n".join(
        f"[{s.number}] {WITHHELD if s.number in suspect else s.text}" for s in sentences
    )
    return "\n".join(head) + "\n\n" + body


def _messages(article: Article, sentences: list[Sentence]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": load_prompt(PROMPT).text},
        {"role": "user", "content": render_article(article, sentences)},
    ]


def unfound(draft: DraftExtraction, article: Article, chunk: list[Sentence]) -> list[str]:
    """What the answer claims that the article does not contain: sentence numbers outside
    the chunk, and values written "as in the article" that cannot be located in it."""
    numbers = {s.number for s in chunk}
    problems: list[str] = []
    records: list[tuple[str, list[int], dict[str, str | None]]] = [
        (f"event {e.ref}", e.s, {"date": e.date, "location": e.location}) for e in draft.events
    ]
    records += [
        (f"pledge by {p.actor}", p.s, {"quantity": p.quantity, "conditions": p.conditions})
        for p in draft.pledges
    ]
    for what, cited, values in records:
        bad = [n for n in cited if n not in numbers]
        if bad or not cited:
            problems.append(f"- {what}: sentence numbers {bad or cited} do not exist")
        for field, value in values.items():
            if value and locate(article.text, value).alignment is Alignment.missing:
                problems.append(f"- {what}: {field} {value!r} is not in the article")
    return problems


def _reask(
    messages: list[dict[str, str]], draft: DraftExtraction, problems: list[str], last: int
) -> list[dict[str, str]]:
    feedback = load_prompt(REASK_PROMPT).text.format(problems="\n".join(problems), last=last)
    return [
        *messages,
        {"role": "assistant", "content": draft.model_dump_json(exclude_defaults=True)},
        {"role": "user", "content": feedback},
    ]


# Words that mark a sentence as possibly stating a commitment (or a refusal of one).
_COMMITMENT = re.compile(
    r"\b(?:pledg|commit|promis|vow|send|sent|deploy|provid|contribut|offer|donat|fund|financ"
    r"|suppl|ready|willing|prepared|would|will|could|refus|declin|ruled? out|reject|sanction"
    r"|monitor|guarantee|troops?|soldiers|billion|million|train|consider|stud(?:y|ying)|back)",
    re.IGNORECASE,
)


def pledge_candidates(sentences: list[Sentence]) -> list[Sentence]:
    """Sentences that may state a commitment, for the pledge pass (withheld ones excluded)."""
    suspect = suspect_sentences(sentences)
    return [s for s in sentences if s.number not in suspect and _COMMITMENT.search(s.text)]


def _pledge_messages(article: Article, candidates: list[Sentence]) -> list[dict[str, str]]:
    head = f"Article: {article.id}" + (f"\nTitle: {article.title}" if article.title else "")
    body = "\n".join(f"[{s.number}] {s.text}" for s in candidates)
    return [
        {"role": "system", "content": load_prompt(PLEDGE_PROMPT).text},
        {"role": "user", "content": f"{head}\n\nSentences:\n{body}"},
    ]


def _combine(parts: list[DraftExtraction]) -> DraftExtraction:
    """Join chunk results: prefix event refs per chunk (when there are several) and drop
    duplicates, from overlapping chunks or from a model that repeats itself."""
    single = len(parts) == 1
    events: list[DraftEvent] = []
    pledges: list[DraftPledge] = []
    seen_events: dict[tuple[str, str], str] = {}
    seen_pledges: set[tuple[str, str, str, tuple[int, ...]]] = set()
    for n, part in enumerate(parts, 1):
        renamed: dict[str, str] = {}
        for ev in part.events:
            key = (ev.name.strip().lower(), ev.kind.value)
            if key in seen_events:
                renamed[ev.ref] = seen_events[key]
                continue
            ref = ev.ref if single else f"C{n}.{ev.ref}"
            renamed[ev.ref] = seen_events[key] = ref
            events.append(ev if ref == ev.ref else ev.model_copy(update={"ref": ref}))
        for p in part.pledges:
            pkey = (p.actor.strip().lower(), p.type.value, p.status.value, tuple(sorted(p.s)))
            if pkey in seen_pledges:
                continue
            seen_pledges.add(pkey)
            event = renamed.get(p.event, p.event) if p.event else None
            pledges.append(p if event == p.event else p.model_copy(update={"event": event}))
    return DraftExtraction(events=events, pledges=pledges)


_FILLABLE = ("quantity", "conditions", "recipient")


def _add_pledges(combined: DraftExtraction, extra: list[DraftPledge]) -> int:
    """Fold the pledge pass into the main answer: a pledge by a new (actor, type) is added
    (under the article's only event, if it has one); for a known one, fields the main answer
    left empty are filled in. Returns how many pledges were added."""
    refs = {e.ref for e in combined.events}
    only = combined.events[0].ref if len(combined.events) == 1 else None
    known = {(p.actor.strip().lower(), p.type): i for i, p in enumerate(combined.pledges)}
    added = 0
    for p in extra:
        key = (p.actor.strip().lower(), p.type)
        if key in known:
            base = combined.pledges[known[key]]
            fill = {f: getattr(p, f) for f in _FILLABLE if getattr(p, f) and not getattr(base, f)}
            if fill:
                combined.pledges[known[key]] = base.model_copy(update=fill)
            continue
        known[key] = len(combined.pledges)
        event = p.event if p.event in refs else only
        combined.pledges.append(p.model_copy(update={"event": event}))
        added += 1
    return added


def extract(
    article: Article, settings: Settings | None = None, *, llm: LLM | None = None
) -> ArticleExtraction:
    """Extract grounded events and pledges from one article.

    Pass an open ``llm`` (from ``summarizer.llm.open_llm``) to reuse one model across
    articles; without it a model is opened (and, for the local backend, started) for this call.
    """
    settings = settings or Settings()
    if llm is None:
        with open_llm(settings) as opened:
            return extract(article, settings, llm=opened)
    return extract_with_drafts(article, settings, llm)[0]


# The extraction procedure, shared by threads and asyncio: a generator that yields each
# request (messages, tokens the article may still spend) and is sent the model's answer
# (draft, usage), or thrown the call's error, which it charges to the article and re-raises.
# What it returns is the grounded result.
_Request = tuple[list[dict[str, str]], int]
_Steps = Generator[
    _Request, tuple[DraftExtraction, Usage], tuple[ArticleExtraction, DraftExtraction]
]


class _Spend:
    """The tokens one article's calls have spent, against its budget."""

    def __init__(self, article: Article, settings: Settings) -> None:
        self.article, self.limit = article, settings.token_budget
        self.usage = Usage()

    def ask(
        self, messages: list[dict[str, str]]
    ) -> Generator[_Request, tuple[DraftExtraction, Usage], DraftExtraction]:
        """One call: its tokens count for the article, and so does a failed call's error."""
        try:
            draft, used = yield messages, self.limit - self.usage.total_tokens
        except LLMError as exc:
            if isinstance(exc.usage, Usage):
                exc.usage = self.usage.add(exc.usage)
            if isinstance(exc, BudgetExceededError):
                exc.args = (f"{exc.args[0]} (article {self.article.id}, limit {self.limit})",)
            raise
        self.usage = self.usage.add(used)
        return draft


def _steps(article: Article, settings: Settings, llm: LLM) -> _Steps:
    if not article.text.strip():
        raise InputError(f"article {article.id} has no text")
    spend = _Spend(article, settings)
    sentences = split_sentences(article.text)
    chunks = chunk_sentences(sentences, settings.chunk_tokens, settings.chunk_overlap)
    parts: list[DraftExtraction] = []
    for chunk in chunks:
        messages = _messages(article, chunk)
        draft = yield from spend.ask(messages)
        problems = unfound(draft, article, chunk) if settings.reask_unfound else []
        if problems:
            log.info("re-asking article=%s problems=%d", article.id, len(problems))
            retry = yield from spend.ask(_reask(messages, draft, problems, chunk[-1].number))
            if len(unfound(retry, article, chunk)) < len(problems):
                draft = retry
        parts.append(draft)
    combined = _combine(parts)
    if settings.pledge_pass:
        candidates = pledge_candidates(sentences)
        for chunk in chunk_sentences(candidates, settings.chunk_tokens, 0) if candidates else []:
            found = yield from spend.ask(_pledge_messages(article, chunk))
            numbers = {s.number for s in chunk}
            kept = [p for p in found.pledges if p.s and set(p.s) <= numbers]
            log.info("pledge pass article=%s added=%d", article.id, _add_pledges(combined, kept))
    extraction = _grounded(
        article,
        sentences,
        combined,
        model=llm.label,
        prompt_version=prompt_version(settings),
        usage=spend.usage,
        chunks=len(chunks),
    )
    log.info(
        "extracted article=%s events=%d pledges=%d chunks=%d tokens=%d",
        article.id,
        len(extraction.events),
        len(extraction.pledges),
        len(chunks),
        spend.usage.total_tokens,
    )
    return extraction, combined


def extract_with_drafts(
    article: Article, settings: Settings, llm: LLM
) -> tuple[ArticleExtraction, DraftExtraction]:
    """``extract``, plus the model's combined answer before grounding, which a store keeps so
    that improved grounding can be applied later without asking the model again
    (``reground``)."""
    steps = _steps(article, settings, llm)
    try:
        messages, left = next(steps)
        while True:
            try:
                answer = llm.complete(messages, DraftExtraction, budget=left)
            except LLMError as exc:
                steps.throw(exc)  # charged to the article, and raised again
            messages, left = steps.send(answer)
    except StopIteration as stop:
        return stop.value


async def aextract_with_drafts(
    article: Article, settings: Settings, llm: LLM
) -> tuple[ArticleExtraction, DraftExtraction]:
    """``extract_with_drafts`` on the running event loop (``LLM.acomplete``): many articles
    share one process without a thread each."""
    steps = _steps(article, settings, llm)
    try:
        messages, left = next(steps)
        while True:
            try:
                answer = await llm.acomplete(messages, DraftExtraction, budget=left)
            except LLMError as exc:
                steps.throw(exc)
            messages, left = steps.send(answer)
    except StopIteration as stop:
        return stop.value


def _grounded(
    article: Article,
    sentences: list[Sentence],
    answer: DraftExtraction,
    *,
    model: str,
    prompt_version: str,
    usage: Usage,
    chunks: int,
) -> ArticleExtraction:
    extraction = ground_extraction(
        article,
        sentences,
        answer.events,
        answer.pledges,
        model=model,
        prompt_version=prompt_version,
    )
    return extraction.model_copy(update={"usage": usage, "chunks": chunks})


def reground(
    article: Article, drafts: DraftExtraction, previous: ArticleExtraction
) -> ArticleExtraction:
    """Ground a stored answer again with the current code; usage and stamps are kept."""
    return _grounded(
        article,
        split_sentences(article.text),
        drafts,
        model=previous.model,
        prompt_version=previous.prompt_version,
        usage=previous.usage,
        chunks=previous.chunks,
    )


async def aextract(
    article: Article, settings: Settings | None = None, *, llm: LLM
) -> ArticleExtraction:
    """``extract`` for asyncio callers: runs in a worker thread, so many can share one ``llm``."""
    return await asyncio.to_thread(extract, article, settings, llm=llm)


def planned_requests(article: Article, settings: Settings) -> list[list[dict[str, str]]]:
    """The messages of each first-pass call ``extract`` would make for ``article`` (one per
    chunk), for callers that send them some other way (the OpenAI Batch API)."""
    if not article.text.strip():
        raise InputError(f"article {article.id} has no text")
    sentences = split_sentences(article.text)
    chunks = chunk_sentences(sentences, settings.chunk_tokens, settings.chunk_overlap)
    return [_messages(article, chunk) for chunk in chunks]


def extraction_from_drafts(
    article: Article,
    drafts: list[DraftExtraction],
    settings: Settings,
    *,
    model: str,
    usage: Usage,
) -> tuple[ArticleExtraction, DraftExtraction]:
    """Ground answers obtained for ``planned_requests`` into an extraction (no re-asks);
    also returns the combined answer, as ``extract_with_drafts`` does."""
    combined = _combine(drafts)
    extraction = _grounded(
        article,
        split_sentences(article.text),
        combined,
        model=model,
        prompt_version=load_prompt(PROMPT).version,
        usage=usage,
        chunks=len(drafts),
    )
    return extraction, combined
