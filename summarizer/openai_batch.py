"""Extraction through the OpenAI Batch API: half the price, answers within 24 hours.

The extraction procedure (``extract.steps``) asks its questions in rounds; an article's round
becomes one JSONL line per request (its event question, then one per candidate sentence),
``custom_id`` = ``<content hash>/<request>``. The file is uploaded, a batch is created, and its
id is written to the store at once, so a run that stops (``--no-wait``, Ctrl-C, a crash)
resumes by polling the same batch instead of paying twice. When the batch ends, each answer
is validated, grounded and stored exactly like an interactive extraction; answers that do not
validate, and lines in the batch's error file, become failures (``--retry-failed`` sends them
again). There are no re-asks in this mode: a re-ask would be a second day-long round trip; an
answer that does not validate costs the article that one answer, as a failed call does
interactively. The procedure has a single round today; one that asked for a second would be
reported as a failure of that article rather than sent as a second batch.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .errors import ConfigError, ExtractionError, SummarizerError, TruncatedOutputError
from .extract import Reply, Request, steps
from .pricing import priced_calls
from .schemas import Article, ArticleExtraction, DraftExtraction, Usage
from .settings import Settings
from .store import ExtractionKey, Store

if TYPE_CHECKING:  # the client comes from the model layer (LLM.client); only its type here
    import openai

__all__ = ["BatchJob", "build_requests", "collect", "poll", "submit"]

log = logging.getLogger(__name__)

ENDPOINT = "/v1/chat/completions"
TERMINAL = {"completed", "failed", "expired", "cancelled"}


def _body(model: str, request: Request, settings: Settings) -> dict[str, Any]:
    return {
        "model": model,
        "messages": request.messages,
        "temperature": settings.temperature,
        "seed": settings.seed,
        "max_tokens": request.max_tokens or settings.max_tokens,
        # the response format instructor's JSON_SCHEMA mode sends interactively
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": request.response_model.__name__,
                "schema": request.response_model.model_json_schema(),
            },
        },
    }


def _first_round(article: Article, settings: Settings, model: str) -> list[Request]:
    return next(steps(article, settings, model))


def build_requests(articles: list[Article], model: str, settings: Settings) -> list[dict[str, Any]]:
    """The Batch API input lines for ``articles``."""
    lines = []
    for article in articles:
        for n, request in enumerate(_first_round(article, settings, model)):
            lines.append(
                {
                    "custom_id": f"{article.content_hash}/{n}",
                    "method": "POST",
                    "url": ENDPOINT,
                    "body": _body(model, request, settings),
                }
            )
    return lines


@dataclass
class BatchJob:
    id: str
    status: str
    output_file_id: str | None
    error_file_id: str | None


def submit(
    client: openai.OpenAI,
    store: Store,
    key: ExtractionKey,
    run_id: int,
    articles: list[Article],
    model: str,
    settings: Settings,
) -> str:
    """Upload the requests for ``articles``, create the batch, and record it in the store."""
    lines = build_requests(articles, model, settings)
    data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
    uploaded = client.files.create(
        file=("summarizer-batch.jsonl", io.BytesIO(data)), purpose="batch"
    )
    batch = client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"summarizer_run": str(run_id)},
    )
    store.add_batch(batch.id, run_id, key, [a.content_hash for a in articles])
    log.info("submitted batch=%s requests=%d articles=%d", batch.id, len(lines), len(articles))
    return batch.id


def poll(
    client: openai.OpenAI,
    batch_id: str,
    *,
    interval: float,
    wait: bool,
    sleep: Callable[[float], None] = time.sleep,
    on_status: Callable[[str, Any], None] | None = None,
) -> BatchJob:
    """The batch's state; with ``wait``, once it has ended."""
    while True:
        batch = client.batches.retrieve(batch_id)
        if on_status:
            on_status(batch.status, batch.request_counts)
        if batch.status in TERMINAL or not wait:
            return BatchJob(batch.id, batch.status, batch.output_file_id, batch.error_file_id)
        sleep(interval)


@dataclass
class Collected:
    extracted: int = 0
    failed: int = 0


def _lines(client: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    if not file_id:
        return []
    text = client.files.content(file_id).text
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def collect(
    client: openai.OpenAI,
    store: Store,
    key: ExtractionKey,
    run_id: int,
    job: BatchJob,
    hashes: list[str],
    settings: Settings,
    failures: dict[str, str],
) -> Collected:
    """Ground and store every answer of an ended batch; record what failed, and why."""
    articles = {a.content_hash: a for a in store.articles(hashes)}
    answers: dict[str, dict[int, Any]] = defaultdict(dict)
    errors: dict[str, str] = {}
    for line in _lines(client, job.output_file_id) + _lines(client, job.error_file_id):
        h, _, n = str(line.get("custom_id", "")).partition("/")
        response = line.get("response") or {}
        if line.get("error") or response.get("status_code") != 200:
            detail = line.get("error") or (response.get("body") or {}).get("error")
            errors[h] = f"the batch request failed: {detail}"
            continue
        answers[h][int(n or 0)] = response["body"]
    done = Collected()
    for h in hashes:
        article = articles.get(h)
        if article is None:
            continue
        try:
            extraction, answer = _extraction(
                article, answers.get(h, {}), errors.get(h), key, settings
            )
        except SummarizerError as exc:
            kind = "BatchError" if h in errors else "ExtractionError"
            store.save_failure(key, article, kind, str(exc), run_id, _calls(key, answers.get(h)))
            failures[article.id] = str(exc)
            done.failed += 1
            continue
        calls = _calls(key, answers.get(h))
        store.save_extraction(key, article, extraction, run_id, calls, drafts=answer)
        done.extracted += 1
    store.close_batch(job.id, job.status)
    return done


def _tokens(body: dict[str, Any]) -> tuple[int, int]:
    usage = body.get("usage") or {}
    return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


def _calls(
    key: ExtractionKey, bodies: dict[int, Any] | None
) -> list[tuple[int, int, float | None]]:
    tokens = [_tokens(body) for body in (bodies or {}).values()]
    return priced_calls(key.model, tokens, batch=True)


def _reply(request: Request, body: Any) -> Reply:
    """A batch answer as the reply the extraction procedure expects."""
    prompt, completion = _tokens(body)
    usage = Usage(
        calls=1,
        prompt_tokens=prompt,
        completion_tokens=completion,
        call_tokens=[(prompt, completion)],
    )
    choice = body["choices"][0]
    if choice.get("finish_reason") == "length":
        return TruncatedOutputError("the answer was cut at max_tokens", usage)
    try:
        answer = request.response_model.model_validate_json(choice["message"]["content"] or "")
    except ValidationError as exc:
        first = exc.errors()[0]["msg"]
        return ExtractionError(f"the batch answer does not validate: {first}", usage)
    return answer, usage


def _extraction(
    article: Article,
    bodies: dict[int, Any],
    error: str | None,
    key: ExtractionKey,
    settings: Settings,
) -> tuple[ArticleExtraction, DraftExtraction]:
    if error is not None:
        raise SummarizerError(error)
    procedure = steps(article, settings, key.model)
    round_ = next(procedure)
    if len(bodies) != len(round_):
        raise SummarizerError(f"the batch returned {len(bodies)} of {len(round_)} answers")
    try:
        procedure.send([_reply(request, bodies[n]) for n, request in enumerate(round_)])
    except StopIteration as stop:
        return stop.value
    raise SummarizerError(
        "the extraction asked a second round of questions, which --openai-batch does not send"
    )


def check_settings(settings: Settings) -> None:
    if settings.model.startswith("local:"):
        raise ConfigError(
            "--openai-batch sends articles to the OpenAI Batch API: pass an OpenAI --model "
            "(e.g. gpt-4o-mini) and set OPENAI_API_KEY"
        )
