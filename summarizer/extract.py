"""Article -> sentences -> triage -> small questions -> assembly -> grounded extraction.

A small model is good at one short question and poor at listing every event and pledge of a
whole article in one answer, so an article is read in stages, each handing the next a value:

1. split the text into sentences (``sentences``) and find the people it introduces;
2. triage (``triage``): the sentences that name a possible giver and carry a commitment cue;
3. ask, in one round of independent requests, for each candidate sentence which givers
   commit to what (with the title and the sentence before it as context). Every request
   starts with the same static instructions and tool schema, then the article's title, so
   llama.cpp reuses the prefix it has already evaluated and reads only the new sentences;
4. assemble the answers in code (``assemble``): actors resolved and checked against the
   text, recipients dropped, statuses and conditions read from the text, and the article's
   event read from its title and lead (a question about it would cost more than all the
   sentence questions: its different instructions evict the cached prefix twice an article);
5. ground every value (``ground``).

``_steps`` is that procedure: a generator that yields each round of requests and is sent
their replies. The synchronous and asyncio drivers below, the worker processes and the
OpenAI Batch API only send rounds and return replies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator
from dataclasses import dataclass

from pydantic import BaseModel

from .assemble import Assembly, assemble
from .errors import BudgetExceededError, ExtractionError, InputError, LLMError, TruncatedOutputError
from .ground import ground_extraction, sentence_evidence
from .hostile import reads_as_instructions, suspect_sentences
from .llm import LLM, estimate_tokens, open_llm
from .normalize import people_in
from .prompts import load_prompt
from .schemas import (
    Alignment,
    Article,
    ArticleExtraction,
    DraftExtraction,
    Evidence,
    SentenceAnswer,
    Usage,
)
from .sentences import Sentence, split_sentences
from .settings import Settings
from .triage import Candidate, triage

__all__ = [
    "Reply",
    "Request",
    "aextract",
    "aextract_with_drafts",
    "estimate_tokens",
    "extract",
    "extract_with_drafts",
    "prompt_version",
    "reground",
    "steps",
]

log = logging.getLogger(__name__)

SENTENCE_PROMPT = "sentence"

WITHHELD = "(withheld: this sentence reads as instructions to a model)"


def prompt_version(settings: Settings) -> str:
    """The version of every prompt a run with ``settings`` sends (part of cache keys)."""
    return load_prompt(SENTENCE_PROMPT).version


@dataclass(frozen=True)
class Request:
    """One question to the model: the messages, the answer's type, and the tokens the
    article may still spend."""

    messages: list[dict[str, str]]
    response_model: type[BaseModel]
    budget: int
    max_tokens: int | None = None  # None: Settings.max_tokens


# what a driver sends back for each request of a round: the answer and its usage, or the
# error the call ended with
Reply = tuple[BaseModel, Usage] | LLMError
Steps = Generator[list[Request], list[Reply], tuple[ArticleExtraction, DraftExtraction]]


def _withheld(article: Article, sentences: list[Sentence], suspect: set[int]) -> list[Evidence]:
    """The passages kept from the model (the title, sentences), each with its span, so that an
    editor sees the attempt."""
    out = []
    if article.title and reads_as_instructions(article.title):
        at = article.text.find(article.title)
        out.append(
            Evidence(
                article_id=article.id, quote=article.title, field="title",
                start=at if at >= 0 else None, end=at + len(article.title) if at >= 0 else None,
                alignment=Alignment.exact if at >= 0 else Alignment.missing,
            )
        )  # fmt: skip
    out += [sentence_evidence(article.id, s, "sentence") for s in sentences if s.number in suspect]
    return out


def _where(e: Evidence) -> str:
    return "the title" if e.field == "title" else f"sentence [{e.sentence}]"


def _question(title: str | None, c: Candidate, suspect: set[int]) -> str:
    lines = [f"Title: {title}"] if title else []
    if c.previous is not None:
        before = WITHHELD if c.previous.number in suspect else c.previous.text
        lines.append(f"Before: {before}")
    lines.append(f"Sentence: {c.sentence.text}")
    return "\n".join(lines)


def _ask(user: str, budget: int) -> Request:
    """A question about one sentence, after the static instructions every question shares."""
    messages = [
        {"role": "system", "content": load_prompt(SENTENCE_PROMPT).text},
        {"role": "user", "content": user},
    ]
    return Request(messages, SentenceAnswer, budget)


# a call that ends with one of these costs the article one answer, not the whole article
_SKIPPABLE = (ExtractionError, TruncatedOutputError)


def steps(
    article: Article, settings: Settings, label: str, assembly: Assembly | None = None
) -> Steps:
    """The extraction of ``article``, as rounds of requests (see the module docstring);
    ``label`` names the model in the result. An article with no text is refused at once."""
    if not article.text.strip():
        raise InputError(f"article {article.id} has no text")
    return _steps(article, settings, label, assembly)


def _steps(article: Article, settings: Settings, label: str, assembly: Assembly | None) -> Steps:
    sentences = split_sentences(article.text)
    people = people_in(article.text)
    assembly = assembly or Assembly()
    # text that addresses a model is never asked about, shown as context or assembled from
    suspect = suspect_sentences(sentences, article.text)
    title = article.title if article.title and not reads_as_instructions(article.title) else None
    withheld = _withheld(article, sentences, suspect)
    candidates = triage(sentences, people, suspect=suspect, follow_pronouns=assembly.pronouns)
    budget = settings.token_budget
    round_ = [_ask(_question(title, c, suspect), budget) for c in candidates]
    replies = (yield round_) if round_ else []
    usage, warnings = Usage(), []
    answers: list[BaseModel | None] = []
    for request, reply in zip(round_, replies, strict=True):
        if isinstance(reply, LLMError):
            if isinstance(reply.usage, Usage):
                usage = usage.add(reply.usage)
            if not isinstance(reply, _SKIPPABLE):
                reply.usage = usage
                raise reply
            warnings.append(f"no answer for {request.response_model.__name__}: {reply}")
            answers.append(None)
            continue
        answer, used = reply
        usage = usage.add(used)
        answers.append(answer)
    failed = [r for r in replies if isinstance(r, LLMError)]
    if replies and len(failed) == len(replies):
        first = failed[0]
        raise type(first)(f"no valid answer to any of {len(replies)} questions: {first}", usage)
    if usage.total_tokens > budget:
        raise BudgetExceededError(
            f"token budget of {budget} spent (article {article.id}, {usage.total_tokens} tokens)",
            usage,
        )
    asked = [
        (c, a) for c, a in zip(candidates, answers, strict=True) if isinstance(a, SentenceAnswer)
    ]
    year = article.published.year if article.published else None
    reported = [s for s in sentences if s.number not in suspect]
    draft, dropped = assemble(title, reported, people, asked, assembly, year)
    extraction = _grounded(
        article, sentences, draft, model=label, prompt_version=prompt_version(settings), usage=usage
    )
    notes = [f"withheld {_where(e)}: it reads as instructions to a model" for e in withheld]
    extraction = extraction.model_copy(
        update={"warnings": notes + warnings + dropped + extraction.warnings, "withheld": withheld}
    )
    log.info(
        "extracted article=%s candidates=%d pledges=%d calls=%d tokens=%d",
        article.id,
        len(candidates),
        len(extraction.pledges),
        usage.calls,
        usage.total_tokens,
    )
    return extraction, draft


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


def _send(llm: LLM, request: Request) -> Reply:
    try:
        return llm.complete(
            request.messages,
            request.response_model,
            budget=request.budget,
            max_tokens=request.max_tokens,
        )
    except LLMError as exc:
        return exc


async def _asend(llm: LLM, request: Request) -> Reply:  # _send on the running event loop
    try:
        return await llm.acomplete(
            request.messages,
            request.response_model,
            budget=request.budget,
            max_tokens=request.max_tokens,
        )
    except LLMError as exc:
        return exc


def extract_with_drafts(
    article: Article, settings: Settings, llm: LLM
) -> tuple[ArticleExtraction, DraftExtraction]:
    """``extract``, plus the assembled answer before grounding, which a store keeps so that
    improved grounding can be applied later without asking the model again (``reground``)."""
    procedure = steps(article, settings, llm.label)
    try:
        round_ = next(procedure)
        while True:
            round_ = procedure.send([_send(llm, r) for r in round_])
    except StopIteration as stop:
        return stop.value


async def aextract_with_drafts(
    article: Article, settings: Settings, llm: LLM
) -> tuple[ArticleExtraction, DraftExtraction]:
    """``extract_with_drafts`` on the running event loop: a round's requests are in flight
    together (``LLM.requests_in_flight`` bounds them), without a thread each."""
    procedure = steps(article, settings, llm.label)
    try:
        round_ = next(procedure)
        while True:
            replies = await asyncio.gather(*(_asend(llm, r) for r in round_))
            round_ = procedure.send(list(replies))
    except StopIteration as stop:
        return stop.value


async def aextract(
    article: Article, settings: Settings | None = None, *, llm: LLM
) -> ArticleExtraction:
    """``extract`` for asyncio callers; many can share one ``llm``."""
    return (await aextract_with_drafts(article, settings or Settings(), llm))[0]


def _grounded(
    article: Article,
    sentences: list[Sentence],
    answer: DraftExtraction,
    *,
    model: str,
    prompt_version: str,
    usage: Usage,
) -> ArticleExtraction:
    extraction = ground_extraction(
        article,
        sentences,
        answer.events,
        answer.pledges,
        model=model,
        prompt_version=prompt_version,
    )
    return extraction.model_copy(update={"usage": usage})


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
    )
