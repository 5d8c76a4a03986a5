"""Extraction quality on the development corpus: one table row per run.

    python bench/quality.py                      # ask the model what is not recorded yet
    python bench/quality.py --offline            # replay recorded answers only (seconds)
    python bench/quality.py --offline --ablate named --ablate status_from_text
    python bench/quality.py --extractions old.json --label baseline   # score saved output

Every answer the model gives is kept in a SQLite file (``--answers``, default
``out/quality-answers.sqlite``), keyed by the exact request, with its tokens and seconds.
A second run asks nothing it has asked before, so every code-side stage (triage, assembly,
grounding, merge) can be changed and measured offline in seconds; a changed prompt or a new
candidate sentence is a new request and goes to the model (or, with ``--offline``, counts
as unanswered and is printed). Seconds per article are the recorded model seconds plus this
run's own code time, so an offline row still says what the run costs on the model.

The corpus lives outside the repository (``--devset``, default ``../shared/devset``); its
README says how it was annotated. Prints P, R, F1, strict F1, material F1, status accuracy,
distractor pledges, event pair and B-cubed F1, grounding, calls and tokens per article, and
what the same calls would cost on gpt-4o-mini; ``--details`` lists misses and false pledges.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from summarizer.assemble import Assembly, event_from_text
from summarizer.errors import ExtractionError, LLMError, SummarizerError, TruncatedOutputError
from summarizer.evaluate import Gold, evaluate, format_scores
from summarizer.extract import Reply, steps
from summarizer.feeds import Loaded, iter_articles
from summarizer.ground import ground_extraction
from summarizer.llm import open_llm
from summarizer.merge import merge
from summarizer.normalize import people_in
from summarizer.pricing import call_cost
from summarizer.schemas import Article, ArticleExtraction, DraftPledge, ExtractOutput, Usage
from summarizer.sentences import split_sentences
from summarizer.settings import Settings

_USAGE = TypeAdapter(Usage)  # a dataclass: read and written through an adapter

ROOT = Path(__file__).resolve().parent.parent
_ERRORS: dict[str, type[LLMError]] = {
    "ExtractionError": ExtractionError,
    "TruncatedOutputError": TruncatedOutputError,
}


class Answers:
    """Model answers kept by request: replayed when known, asked (and kept) when not."""

    def __init__(self, path: Path, llm: Any | None, label: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, kind TEXT, body TEXT,"
            " usage TEXT)"
        )
        self.llm, self.label = llm, label
        self.unanswered = 0
        self.asked = 0

    def _key(self, messages: list[dict[str, str]], model: type[BaseModel], cap: int) -> str:
        raw = json.dumps([self.label, model.__name__, messages, cap], sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()

    def send(self, messages: list[dict[str, str]], model: type[BaseModel], cap: int) -> Reply:
        key = self._key(messages, model, cap)
        row = self.db.execute(
            "SELECT kind, body, usage FROM answers WHERE key = ?", (key,)
        ).fetchone()
        if row is None and self.llm is None:
            self.unanswered += 1
            return ExtractionError("not recorded: run without --offline to ask the model")
        if row is None:
            self.asked += 1
            try:
                answer, usage = self.llm.complete(messages, model, budget=10**6, max_tokens=cap)
                row = ("answer", answer.model_dump_json(), _USAGE.dump_json(usage).decode())
            except (ExtractionError, TruncatedOutputError) as exc:
                usage = exc.usage if isinstance(exc.usage, Usage) else Usage()
                row = (type(exc).__name__, str(exc), _USAGE.dump_json(usage).decode())
            self.db.execute("INSERT INTO answers VALUES (?, ?, ?, ?)", (key, *row))
            self.db.commit()
        kind, body, usage_json = row
        usage = _USAGE.validate_json(usage_json)
        if kind == "answer":
            return model.model_validate_json(body), usage
        return _ERRORS[kind](body, usage)


def _extract(
    article: Article, settings: Settings, answers: Answers, assembly: Assembly
) -> ArticleExtraction:
    procedure = steps(article, settings, answers.label, assembly)
    try:
        round_ = next(procedure)
        while True:
            round_ = procedure.send(
                [
                    answers.send(r.messages, r.response_model, r.max_tokens or settings.max_tokens)
                    for r in round_
                ]
            )
    except StopIteration as stop:
        extraction: ArticleExtraction = stop.value[0]
        return extraction


def _from_gold(article: Article, gold: Gold, background: bool = False) -> ArticleExtraction:
    """What a perfect extraction of ``article`` would hold: its event read from its title and
    lead as the extraction reads it, and the gold pledges it reports, each citing the sentence
    of its quote when the quote is this article's (else the first sentence); with
    ``background``, the pledges the gold marks as made before the event as well."""
    sentences = split_sentences(article.text)
    people = people_in(article.text)
    event = event_from_text(article.title, sentences, people)
    drafts = []
    for e in gold.events:
        for gp in [*e.pledges, *(e.background_pledges if background else [])]:
            if article.id not in gp.articles:
                continue
            at = article.text.find(gp.quote.text) if gp.quote.article == article.id else -1
            cited = next((s.number for s in sentences if s.start <= at < s.end), 1)
            drafts.append(
                DraftPledge(
                    actor=gp.actor,
                    type=gp.commitment_type,
                    what=gp.commitment_type,
                    status=gp.status,
                    quantity=gp.quantity,
                    conditions=gp.conditions,
                    event="E1",
                    s=[cited],
                )
            )
    extraction = ground_extraction(
        article, sentences, [event], drafts, model="gold", prompt_version="gold"
    )
    # the gold's actor ids are canonical already
    pledges = [
        replace(p, actor_id=d.actor, actor_country=None)
        for p, d in zip(extraction.pledges, drafts, strict=True)
    ]
    return extraction.model_copy(update={"pledges": pledges})


def _restricted(gold: Gold, ids: set[str]) -> Gold:
    """The gold of a part of the corpus: its events, pledges and conflicts as those
    articles report them."""
    events = []
    for e in gold.events:
        if not (articles := [a for a in e.articles if a in ids]):
            continue
        keep = lambda ps: [  # noqa: E731
            p.model_copy(update={"articles": [a for a in p.articles if a in ids]})
            for p in ps
            if set(p.articles) & ids
        ]
        conflicts = [
            c for c in e.conflicts if sum(bool(set(v.articles) & ids) for v in c.values) >= 2
        ]
        events.append(
            e.model_copy(
                update={
                    "articles": articles,
                    "pledges": keep(e.pledges),
                    "background_pledges": keep(e.background_pledges),
                    "conflicts": conflicts,
                }
            )
        )
    distractors = [d for d in gold.distractors if d in ids]
    return gold.model_copy(update={"events": events, "distractors": distractors})


def load_devset(devset: Path, articles: Path | None = None) -> tuple[Gold, list[Article]] | None:
    """The corpus's gold and its articles (or those of ``articles``); ``None``, said on
    stderr, when there is no corpus at ``devset``."""
    gold_path = devset / "gold.json"
    if not gold_path.is_file():
        print(f"no development corpus at {devset}: pass --devset DIR", file=sys.stderr)
        return None
    gold = Gold.model_validate_json(gold_path.read_bytes())
    source = articles or devset / "articles.jsonl"
    return gold, [i.article for i in iter_articles([str(source)]) if isinstance(i, Loaded)]


def corpus_arguments(description: str | None) -> argparse.ArgumentParser:
    """A parser with the options every development-corpus bench takes: where the corpus and
    the recorded answers are, and the model they were recorded from."""
    ap = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    ap.add_argument("--answers", type=Path, default=ROOT / "out" / "quality-answers.sqlite")
    ap.add_argument("--model", default="local:default")
    return ap


def main() -> int:
    ap = corpus_arguments(__doc__)
    ap.add_argument("--offline", action="store_true", help="replay only; ask the model nothing")
    ap.add_argument(
        "--ablate", action="append", default=[], choices=sorted(Assembly.__dataclass_fields__),
        help="turn one of assembly's checks off (repeatable)",
    )  # fmt: skip
    ap.add_argument("--extractions", type=Path, help="score a saved `summarizer extract` output")
    ap.add_argument(
        "--articles", type=Path,
        help="run (and score) only the corpus articles in this JSONL; gold is cut to them",
    )  # fmt: skip
    ap.add_argument(
        "--gold-input", action="store_true",
        help="merge the gold pledges instead of extracted ones (scores merge alone)",
    )  # fmt: skip
    ap.add_argument("--label", default=None, help="the row's name")
    ap.add_argument("--details", action="store_true", help="list misses and false pledges")
    ap.add_argument("--json", type=Path, help="also write the scores here")
    args = ap.parse_args()
    if (corpus := load_devset(args.devset, args.articles)) is None:
        return 2
    gold, articles = corpus
    if args.articles:
        gold = _restricted(gold, {a.id for a in articles})
    settings = Settings(model=args.model)
    started = time.monotonic()
    failed: dict[str, str] = {}
    if args.gold_input:
        extractions = [_from_gold(a, gold) for a in articles]
        code_seconds = 0.0
        unanswered = 0
    elif args.extractions:
        saved = ExtractOutput.model_validate_json(args.extractions.read_bytes())
        extractions = saved.extractions
        failed = {
            f.get("article", f.get("source", "?")): f.get("error", "") for f in saved.failures
        }
        code_seconds = 0.0
        unanswered = 0
    else:
        assembly = Assembly(**{name: False for name in args.ablate})
        with contextlib.nullcontext() if args.offline else open_llm(settings) as llm:
            answers = Answers(args.answers, llm, f"{settings.model}")
            extractions = []
            for n, article in enumerate(articles, 1):
                try:
                    extractions.append(_extract(article, settings, answers, assembly))
                except SummarizerError as exc:
                    failed[article.id] = str(exc)
                if sys.stderr.isatty() or n % 10 == 0 or n == len(articles):
                    print(f"\r{n}/{len(articles)} articles", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
        unanswered = answers.unanswered
        model_seconds = sum(x.usage.seconds for x in extractions)
        code_seconds = time.monotonic() - started - (model_seconds if answers.asked else 0.0)
    report = merge(extractions, articles)
    scores = evaluate(report, gold)
    n = max(1, len(extractions))
    calls = sum(x.usage.calls for x in extractions)
    prompt = sum(x.usage.prompt_tokens for x in extractions)
    completion = sum(x.usage.completion_tokens for x in extractions)
    seconds = (sum(x.usage.seconds for x in extractions) + max(0.0, code_seconds)) / n
    cost = call_cost("openai:gpt-4o-mini", prompt, completion) or 0.0
    label = args.label or (
        "gold pledges" if args.gold_input else "+".join(f"no-{a}" for a in args.ablate) or "staged"
    )
    lenient, strict, material = (
        scores.pledges_lenient,
        scores.pledges_strict,
        scores.pledges_material,
    )
    head = (
        "| run | P | R | F1 | strict F1 | material F1 | status acc. | distractor pledges |"
        " pair F1 | B3 F1 | grounding | calls/art. | tokens/art. (in+out) | s/art. |"
        " $ per 1k art. (gpt-4o-mini) |"
    )
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    print(
        f"| {label} | {lenient['precision']:.3f} | {lenient['recall']:.3f} | {lenient['f1']:.3f}"
        f" | {strict['f1']:.3f} | {material['f1']:.3f} | {scores.status_accuracy:.3f}"
        f" | {scores.distractor_pledges} | {scores.event_pairs['f1']:.3f}"
        f" | {scores.event_bcubed['f1']:.3f} | {scores.grounding['rate']:.3f}"
        f" | {calls / n:.1f} | {prompt / n:.0f}+{completion / n:.0f} | {seconds:.1f}"
        f" | {cost / n * 1000:.2f} |"
    )
    if unanswered:
        print(f"{unanswered} requests were not recorded (run without --offline)", file=sys.stderr)
    if failed:
        print(
            f"{len(failed)} articles failed, first: {next(iter(failed.values()))}", file=sys.stderr
        )
    print()
    print(format_scores(scores, details=args.details), end="")
    if args.json:
        args.json.write_text(scores.model_dump_json(indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
