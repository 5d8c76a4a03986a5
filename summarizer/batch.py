"""Batch runs over feeds and folders: concurrent, resumable, cached, accountable.

``run_batch`` reads every source, stores new articles, extracts the ones the store has no
result for (under this model, prompt version and schema version), then merges everything the
store holds into one report. Results come back to one event loop, which alone writes the
store, one transaction per article. For a remote or OpenAI-compatible model, articles are
extracted by worker processes on asyncio (``summarizer.workers``) with at most
``concurrency`` requests in flight; for the local model (which answers one request at a
time) or a model passed in, by that many worker threads sharing one open model. Whatever
goes wrong with one article (a bug included) is that article's recorded failure. Nothing
here prints: progress goes to the ``on_progress`` callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence, Set
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from . import openai_batch
from .errors import ConfigError, InputError
from .extract import prompt_version
from .feeds import iter_articles
from .llm import LLM, backend_label, open_llm
from .merge import Merger, merge
from .pipeline import with_failures
from .pricing import priced_calls
from .schemas import SCHEMA_VERSION, Article, Report
from .settings import Settings
from .store import ExtractionKey, RunTotals, Store
from .workers import Outcome, WorkerPool, warm, work

__all__ = [
    "BatchOptions",
    "BatchProgress",
    "BatchResult",
    "Following",
    "extraction_key",
    "run_batch",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchOptions:
    concurrency: int | None = None  # None: 1 for the local model, 8 for other backends
    retry_failed: bool = False
    max_tokens_total: int | None = None
    openai_batch: bool = False
    poll_interval: float = 30.0
    wait: bool = True


@dataclass
class BatchProgress:
    """What the batch has done so far; passed to ``on_progress`` after every article."""

    todo: int = 0
    done: int = 0
    failed: int = 0
    tokens: int = 0


@dataclass
class BatchResult:
    run_id: int
    seen: int = 0
    new_articles: int = 0
    cached: int = 0
    extracted: int = 0
    failed: int = 0
    skipped_failed: int = 0
    left: int = 0
    status: str = "completed"
    pending_batches: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped early, when the backend stopped answering
    input_errors: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    totals: RunTotals | None = None
    report: Report | None = None
    articles: list[Article] = field(default_factory=list)  # every stored article, for renderers


class Following:
    """What one process keeps from batch run to batch run over a store (``summarizer batch
    --every``): the merge of everything the runs before extracted, which each run adds what
    the store gained since to (``Merger.add``) instead of merging the whole store again. The
    report is the one a full merge of the store gives.

    Only this process's runs are followed: a new process merges the whole store once."""

    def __init__(self) -> None:
        self._stored: dict[str, Article] = {}  # by hash: every stored article read so far
        self._start(None)

    def _start(self, key: ExtractionKey | None) -> None:
        self.key = key
        self._merger = Merger()
        self._given: set[str] = set()  # the hashes of the articles given to the merge
        self._merged: set[str] = set()  # those whose extraction it merged
        self.added = 0  # extractions the last report added to the merge

    def articles(self, store: Store) -> list[Article]:
        """Every stored article, in id order; only those stored since the last call are
        read."""
        if new := store.hashes() - self._stored.keys():
            self._stored.update((a.content_hash, a) for a in store.articles(new))
        return sorted(self._stored.values(), key=lambda a: a.id)

    def report(self, store: Store, key: ExtractionKey, failures: dict[str, str]) -> Report:
        """The report of every extraction the store holds under ``key``, adding to the merge
        only what it gained since the last report (the articles as ``articles`` read them)."""
        if key != self.key:  # another model or prompt: another merge
            self._start(key)
        new = store.extracted_hashes(key) - self._merged
        extractions = store.extractions(key, new)
        unseen = sorted(self._stored.keys() - self._given, key=lambda h: self._stored[h].id)
        merged = self._merger.add(extractions, [self._stored[h] for h in unseen])
        self._given.update(unseen)
        self._merged |= new
        self.added = len(extractions)
        return _accounted(merged, self._stored.values(), failures, self._merger.merged)


def extraction_key(settings: Settings) -> ExtractionKey:
    """The store key of this configuration, known without opening the model."""
    return ExtractionKey(backend_label(settings), prompt_version(settings), SCHEMA_VERSION)


def _read(sources: Sequence[str], stdin: BinaryIO | None) -> tuple[list[Article], list[InputError]]:
    articles: list[Article] = []
    errors: list[InputError] = []
    for item in iter_articles(sources, stdin=stdin):
        if isinstance(item, InputError):
            errors.append(item)
        else:
            for warning in item.warnings:
                log.warning("%s", warning)
            articles.append(item.article)
    return articles, errors


# Worker processes: enough to use every core, never more than articles in flight.
MAX_PROCESSES = 8


def worker_processes(concurrency: int) -> int:
    return max(1, min(os.cpu_count() or 1, concurrency, MAX_PROCESSES))


@dataclass
class _Run:
    """One batch run's context, shared by the two ways of extracting."""

    store: Store
    key: ExtractionKey
    run_id: int
    settings: Settings
    options: BatchOptions
    result: BatchResult
    progress: BatchProgress
    on_progress: Callable[[BatchProgress], None] | None

    def advanced(self, done: int, failed: int) -> None:
        self.progress.done += done
        self.progress.failed += failed
        if self.on_progress:
            self.on_progress(self.progress)


async def _extract_all(
    todo: list[Article],
    run: _Run,
    extract: Callable[[Article], Awaitable[Outcome]],
    slots: int | None = None,
) -> None:
    """Extract ``todo``, at most ``slots`` articles at once (default: the concurrency), and
    store each result as it comes."""
    store, key, run_id = run.store, run.key, run.run_id
    options, result, progress = run.options, run.result, run.progress
    workers = options.concurrency or 1
    limit = asyncio.Semaphore(slots or workers)
    budget = options.max_tokens_total
    started = 0
    unreachable = 0  # transient failures in a row: the backend is down, not the articles bad
    give_up = max(3, workers)

    async def one(article: Article) -> None:
        nonlocal started, unreachable
        async with limit:
            if budget is not None and progress.tokens >= budget:
                return
            if unreachable >= give_up:
                return
            started += 1
            outcome = await extract(article)
            if outcome.fatal:
                raise ConfigError(outcome.reason)
            calls = priced_calls(key.model, outcome.usage.call_tokens)
            if outcome.extraction is not None:
                store.save_extraction(
                    key, article, outcome.extraction, run_id, calls, drafts=outcome.drafts
                )
                result.extracted += 1
            else:
                store.save_failure(key, article, outcome.kind, outcome.reason, run_id, calls)
                result.failed += 1
                result.failures[article.id] = outcome.reason
            if outcome.transient:
                unreachable += 1
                if unreachable == give_up:
                    result.stopped = (
                        f"{unreachable} calls in a row failed after every retry "
                        f"(last: {outcome.reason}); no more articles were sent. Run again once "
                        "the model answers: these articles are retried automatically"
                    )
            else:
                unreachable = 0
            progress.tokens += outcome.usage.total_tokens
            run.advanced(1, int(outcome.extraction is None))

    tasks = [asyncio.create_task(one(a)) for a in todo]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
    result.left = len(todo) - started


async def _in_threads(todo: list[Article], run: _Run, llm: LLM) -> None:
    """Extract in a pool of threads that share ``llm``."""
    loop = asyncio.get_running_loop()
    workers = run.options.concurrency or 1
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="extract")

    def extract(article: Article) -> Awaitable[Outcome]:
        return loop.run_in_executor(pool, work, article, run.settings, llm)

    try:
        await _extract_all(todo, run, extract)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


async def _in_processes(todo: list[Article], run: _Run, pool: WorkerPool) -> None:
    """Extract in worker processes, each on its own event loop."""
    # a token budget is checked as each article starts: nothing is sent ahead of its turn
    slots = pool.slots if run.options.max_tokens_total is None else None
    async with pool.connected() as extract:
        await _extract_all(todo, run, extract, slots)


def run_batch(
    sources: Sequence[str],
    store: Store,
    settings: Settings,
    options: BatchOptions | None = None,
    *,
    llm: LLM | None = None,
    stdin: BinaryIO | None = None,
    on_progress: Callable[[BatchProgress], None] | None = None,
    following: Following | None = None,
) -> BatchResult:
    """Read ``sources``, extract what the store lacks, merge everything it holds (into what
    ``following`` merged in this process's runs before, when given: see ``Following``).

    The model is opened (for the local backend: its server started) only when there is
    something to extract. ``KeyboardInterrupt`` leaves the store consistent and the run marked
    ``interrupted``; running again continues where it stopped.
    """
    options = options or BatchOptions()
    if options.concurrency is not None and options.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    if options.max_tokens_total is not None and options.max_tokens_total <= 0:
        raise ConfigError("--max-tokens-total must be positive")
    if options.openai_batch:
        openai_batch.check_settings(settings)
    key = (
        extraction_key(settings)
        if llm is None
        else ExtractionKey(llm.label, prompt_version(settings), SCHEMA_VERSION)
    )
    local = key.model.startswith("local:")
    if options.concurrency is None or (local and options.concurrency > 1):
        if local and options.concurrency:
            log.warning(
                "the local model answers one request at a time: using --concurrency 1 "
                "(more would only queue, and time out)"
            )
        options = dataclasses.replace(options, concurrency=1 if local else 8)
    use_workers = llm is None and not local and not options.openai_batch
    # what worker processes share is built while the input is read, not after
    warming = threading.Thread(target=warm, name="summarizer-warm-up", daemon=True)
    if use_workers:
        warming.start()
    run_id = store.start_run(key, sources)
    result = BatchResult(run_id=run_id)
    status = "failed"
    try:
        articles, errors = _read(sources, stdin)
        result.input_errors = [str(e) for e in errors]
        known = store.hashes() if articles else set()
        stored = store.add_articles(articles, run_id)
        result.seen = len({a.content_hash for a in stored})
        result.new_articles = len({a.content_hash for a in stored} - known)
        done = store.extracted_hashes(key)
        failed = store.failed(key)
        todo: list[Article] = []
        queued: set[str] = set()
        for article in stored:
            h = article.content_hash
            if h in done:
                result.cached += 1
            elif h in failed and not options.retry_failed and failed[h][1] != "TransientError":
                result.skipped_failed += 1
            elif h not in queued:
                queued.add(h)
                todo.append(article)
        progress = BatchProgress(todo=len(todo))
        if on_progress:
            on_progress(progress)
        waiting = store.open_batches(key) if options.openai_batch else {}
        run = _Run(store, key, run_id, settings, options, result, progress, on_progress)
        if (todo or waiting) and not use_workers:
            with open_llm(settings) if llm is None else contextlib.nullcontext(llm) as opened:
                if options.openai_batch:
                    _through_openai_batch(todo, waiting, run, opened)
                else:
                    asyncio.run(_in_threads(todo, run, opened))
        elif todo:
            concurrency = options.concurrency or 1
            warming.join()
            with WorkerPool(settings, worker_processes(concurrency), concurrency) as pool:
                asyncio.run(_in_processes(todo, run, pool))
        status = (
            "waiting for batch"
            if result.pending_batches
            else "backend unavailable"
            if result.stopped
            else "budget"
            if result.left
            else "completed"
        )
        result.articles = store.articles() if following is None else following.articles(store)
        result.report = _report(store, key, result.articles, errors, following)
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        result.status = status
        result.totals = store.run_totals(run_id)
        store.finish_run(
            run_id,
            status,
            seen=result.seen,
            cached=result.cached,
            extracted=result.extracted,
            failed=result.failed,
            note=result.stopped
            or (f"{result.left} articles left by the token budget" if result.left else None),
        )
    return result


def _through_openai_batch(
    todo: list[Article], waiting: dict[str, list[str]], run: _Run, llm: LLM
) -> None:
    """Submit what no batch covers yet, then poll every open batch and collect the ended ones."""
    store, key, run_id, settings = run.store, run.key, run.run_id, run.settings
    options, result, progress = run.options, run.result, run.progress
    covered = {h for hashes in waiting.values() for h in hashes}
    new = [a for a in todo if a.content_hash not in covered]
    batches = dict(waiting)
    if new:
        batch_id = openai_batch.submit(llm.client, store, key, run_id, new, llm.model, settings)
        batches[batch_id] = [a.content_hash for a in new]
    progress.todo = sum(len(h) for h in batches.values())
    for batch_id, hashes in batches.items():
        job = openai_batch.poll(
            llm.client, batch_id, interval=options.poll_interval, wait=options.wait
        )
        if job.status not in openai_batch.TERMINAL:
            result.pending_batches.append(batch_id)
            result.left += len(hashes)
            continue
        got = openai_batch.collect(
            llm.client, store, key, run_id, job, hashes, settings, result.failures
        )
        result.extracted += got.extracted
        result.failed += got.failed
        run.advanced(got.extracted + got.failed, got.failed)


def stored_report(path: Path) -> Report:
    """The report of everything a batch store holds, as the latest run extracted it."""
    if not path.is_file():
        raise InputError(f"no store at {path}: run `summarizer batch ... --store {path}` first")
    with Store(path) as store:
        key = store.last_key()
        if key is None:
            raise InputError(f"{path} holds no extraction yet: run `summarizer batch` on it")
        return _report(store, key, store.articles())


def _report(
    store: Store,
    key: ExtractionKey,
    articles: list[Article],
    unread: Sequence[InputError] = (),
    following: Following | None = None,
) -> Report:
    """Everything the store holds under ``key``, merged (added to what ``following`` merged
    before, when given); failures (and this run's inputs that could not be read) listed as
    failed."""
    failures = {e.path or "input": str(e) for e in unread}
    failures |= {
        article_id: f"extraction failed ({kind}, {n} attempt{'s' * (n > 1)}): {reason}"
        for article_id, kind, reason, n in store.failed(key).values()
    }
    if following is not None:
        return following.report(store, key, failures)
    extractions = store.extractions(key)
    return _accounted(
        merge(extractions, articles), articles, failures, {x.article_id for x in extractions}
    )


def _accounted(
    report: Report, articles: Iterable[Article], failures: dict[str, str], done: Set[str]
) -> Report:
    """``report`` with every source that gave no extraction listed as failed, with why."""
    for article in articles:
        if article.id not in done and article.id not in failures:
            failures[article.id] = "not extracted yet (run the batch again to continue)"
    return with_failures(report, failures)
