"""Extraction in worker processes, each with its own event loop and connections.

A fast batch spends most of its time in Python code that holds the GIL (HTTP, instructor,
validation, grounding, JSON), so one process cannot keep many requests in flight: at
concurrency 64 it reached under half of what the model could serve. ``WorkerPool`` starts a
few processes; each extracts the articles it is sent concurrently on asyncio
(``aextract_with_drafts``) and sends back each result in the form the store keeps. The
parent alone writes the store, so crash safety stays where it was.

A worker exits when its pipe closes: when the parent finishes, fails, or is killed. Workers
ignore Ctrl-C, which the parent handles. Their log records are sent to the parent and
logged there, under the parent's handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import itertools
import json
import logging
import multiprocessing
import pickle
import signal
import socket
import struct
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .errors import ConfigError, SummarizerError
from .extract import aextract_with_drafts, extract_with_drafts
from .llm import LLM, answered_in_process, resolve_backend, tls_context
from .schemas import Article, Usage
from .settings import Settings

__all__ = ["Outcome", "WorkerPool", "awork", "warm", "work"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What extracting one article gave, in the form the store keeps."""

    extraction: str | None = None  # the ArticleExtraction, as JSON
    drafts: str | None = None  # the model's combined answer, as JSON
    usage: Usage = field(default_factory=Usage)
    kind: str = ""  # the error's class name, when it failed
    reason: str = ""
    fatal: bool = False  # a configuration error: no other article can do better

    @property
    def transient(self) -> bool:
        return self.kind == "TransientError"


def _failed(exc: Exception) -> Outcome:
    usage = getattr(exc, "usage", None)
    reason = str(exc) if isinstance(exc, SummarizerError) else f"{type(exc).__name__}: {exc}"
    return Outcome(
        usage=usage if isinstance(usage, Usage) else Usage(),
        kind=type(exc).__name__,
        reason=reason,
        fatal=isinstance(exc, ConfigError),
    )


def work(article: Article, settings: Settings, llm: LLM) -> Outcome:
    """Extract one article; any failure becomes the outcome, never an exception."""
    try:
        extraction, drafts = extract_with_drafts(article, settings, llm)
    except Exception as exc:  # one article's failure, whatever it is, never stops a batch
        log.debug("extraction failed article=%s", article.id, exc_info=True)
        return _failed(exc)
    return Outcome(extraction.model_dump_json(), drafts.model_dump_json(), extraction.usage)


async def awork(article: Article, settings: Settings, llm: LLM) -> Outcome:
    """``work`` on the running event loop."""
    try:
        extraction, drafts = await aextract_with_drafts(article, settings, llm)
    except Exception as exc:  # one article's failure, whatever it is, never stops a batch
        log.debug("extraction failed article=%s", article.id, exc_info=True)
        return _failed(exc)
    return Outcome(extraction.model_dump_json(), drafts.model_dump_json(), extraction.usage)


# ----------------------------------------------------------------------------- warming up

_WARM_UP = Article(id="warm-up", text="Ministers met in Rome on Monday. Italy pledged funds.")
# the answer to its one question, about the sentence that pledges
_WARM_ANSWERS = {
    "SentenceAnswer": json.dumps({"pledges": [
        {"actor": "Italy", "type": "money", "status": "committed"}
    ]}),
}  # fmt: skip


def _warm_answer(request: httpx.Request) -> httpx.Response:
    tool = json.loads(request.content).get("tools", [{}])[0].get("function", {}).get("name", "")
    answer = _WARM_ANSWERS.get(tool, "{}")
    message = {"role": "assistant", "content": answer, "tool_calls": [
        {"id": "w", "type": "function", "function": {"name": tool, "arguments": answer}}
    ]}  # fmt: skip
    return httpx.Response(200, json={
        "id": "w", "object": "chat.completion", "created": 0, "model": "warm-up",
        "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    })  # fmt: skip


@functools.cache
def warm() -> None:
    """Build now, once, what a process builds on its first call (the TLS context, the tool
    schema and its docstring, compiled patterns, deferred pydantic validators): about 80 ms
    that every forked worker inherits instead of spending on its first articles. One
    extraction of a two-sentence article runs against answers made in this process; nothing
    leaves it."""
    tls_context()  # every client shares it; the extraction below builds the rest
    settings = Settings(model="warm-up", base_url="http://warm-up.invalid/v1", max_reasks=0)

    async def once(llm: LLM) -> None:
        try:
            await aextract_with_drafts(_WARM_UP, settings, llm)
        finally:
            await llm.aclose()

    with answered_in_process(settings, _warm_answer) as llm:
        asyncio.run(once(llm))


# ----------------------------------------------------------------------------- the wire

# Messages are pickles behind a 4-byte length, over a socket pair read and written by each
# side's event loop (no threads: a thread waking up to pass a message on waits for the GIL,
# which showed up as latency on every article).
_LENGTH = struct.Struct("!I")

PREFETCH = 4
COLLECT_EVERY = 250


def _write(writer: asyncio.StreamWriter, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    writer.write(_LENGTH.pack(len(data)) + data)


async def _messages(reader: asyncio.StreamReader) -> AsyncIterator[Any]:
    """Messages until the other side closes its end (or dies)."""
    while True:
        try:
            head = await reader.readexactly(_LENGTH.size)
            data = await reader.readexactly(_LENGTH.unpack(head)[0])
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        yield pickle.loads(data)


# ----------------------------------------------------------------------------- worker side


class _Forward(logging.Handler):
    """Sends log records to the parent, which logs them under its own handlers."""

    def __init__(self, writer: asyncio.StreamWriter, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.writer, self.loop, self.thread = writer, loop, threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        record.exc_info = record.exc_text = None
        if threading.get_ident() == self.thread:
            _write(self.writer, ("log", record))
        else:
            self.loop.call_soon_threadsafe(_write, self.writer, ("log", record))


def _serve(
    sock: socket.socket, settings: Settings, limit: int, parents: list[socket.socket]
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and closes the pipe
    # What the worker inherited (some 160,000 objects: modules, the parent's articles) lives as
    # long as it does: left to the collector, one full collection stalled every request in
    # flight for 130-160 ms. Frozen, collections walk only what the worker makes. And those
    # run every COLLECT_EVERY articles instead of every 700 allocations: an article leaves
    # about 60 objects in reference cycles, and the automatic young collections cost 6% of
    # the worker's CPU while finding almost nothing.
    gc.freeze()
    gc.disable()
    for end in parents:  # a forked worker holds copies of the parent's ends: with them open,
        end.close()  # it would never see the parent close its own, or die
    asyncio.run(_serve_async(sock, settings, limit))


async def _serve_async(sock: socket.socket, settings: Settings, limit: int) -> None:
    reader, writer = await asyncio.open_connection(sock=sock)
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.addHandler(_Forward(writer, asyncio.get_running_loop()))
    tasks: set[asyncio.Task[None]] = set()
    with resolve_backend(settings).open(settings) as llm:
        # this worker's share of the run's concurrency, counted in requests to the model:
        # an article whose answer has arrived is grounded and stored while the next request
        # of another is already out
        llm.requests_in_flight = limit
        done = 0

        async def one(seq: int, article: Article) -> None:
            nonlocal done
            outcome = await awork(article, settings, llm)
            _write(writer, ("done", seq, outcome))
            done += 1
            if done % COLLECT_EVERY == 0:
                gc.collect()  # ~15 ms for what 250 articles left in cycles

        async for seq, article in _messages(reader):
            task = asyncio.create_task(one(seq, article))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        # the parent closed its end: it is done, or gone, and waits for nothing in flight
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await llm.aclose()
    writer.close()


# ----------------------------------------------------------------------------- parent side


@dataclass
class _Worker:
    process: Any
    sock: socket.socket
    limit: int
    writer: asyncio.StreamWriter | None = None
    pending: dict[int, asyncio.Future[Outcome]] = field(default_factory=dict)
    lost: bool = False


class WorkerPool:
    """``processes`` workers, each extracting what it is sent concurrently.

    Make it outside any event loop (processes are forked where the platform allows it, which
    is fast but must not copy a running loop), then extract inside one::

        with WorkerPool(settings, 2) as pool:
            asyncio.run(main(pool))  # async with pool.connected() as extract: ...

    Rate limits are split evenly between the workers.
    """

    def __init__(self, settings: Settings, processes: int, concurrency: int) -> None:
        methods = multiprocessing.get_all_start_methods()
        # fork on Linux: fast, and what was built beforehand is inherited; elsewhere (macOS
        # frameworks are not fork-safe) a fresh interpreter per worker
        fork = sys.platform == "linux" and "fork" in methods
        context: Any = multiprocessing.get_context("fork" if fork else "spawn")
        share = settings.model_copy(
            update={
                "rpm": settings.rpm / processes if settings.rpm else None,
                "tpm": settings.tpm / processes if settings.tpm else None,
            }
        )
        forked = context.get_start_method() == "fork"
        if forked:
            warm()
        # while the pool works, what exists now (articles, the store's caches) stays out of
        # this process's collections too: a full one would stall every result for ~150 ms
        gc.freeze()
        # the run's concurrency, split between the workers: each holds its share of
        # requests in flight, and up to PREFETCH articles more, ready to start the moment
        # one of its answers arrives (a round trip to this process would delay them)
        processes = max(1, min(processes, concurrency))
        limits = [
            concurrency // processes + (i < concurrency % processes) for i in range(processes)
        ]
        self.slots = concurrency + PREFETCH * processes
        self._seq = itertools.count()
        self._workers: list[_Worker] = []
        try:
            for _ in range(processes):
                mine, theirs = socket.socketpair()
                parents = [w.sock for w in self._workers] + [mine] if forked else []
                process = context.Process(
                    target=_serve,
                    args=(theirs, share, limits[len(self._workers)], parents),
                    name="summarizer-extract",
                    daemon=True,
                )
                process.start()
                theirs.close()
                self._workers.append(_Worker(process, mine, limits[len(self._workers)]))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.asynccontextmanager
    async def connected(self) -> AsyncIterator[Callable[[Article], Awaitable[Outcome]]]:
        """``extract`` on the running loop; leaving the block lets the workers go."""
        readers = []
        for worker in self._workers:
            reader, worker.writer = await asyncio.open_connection(sock=worker.sock)
            readers.append(asyncio.create_task(self._read(worker, reader)))
        try:
            yield self.extract
        finally:
            for task in readers:
                task.cancel()
            for worker in self._workers:
                if worker.writer is not None:
                    worker.writer.close()
            await asyncio.gather(*readers, return_exceptions=True)

    async def extract(self, article: Article) -> Outcome:
        """Extract ``article`` in the worker with the most room; at most ``slots`` at once."""
        alive = [w for w in self._workers if not w.lost and w.writer is not None]
        if not alive:
            return Outcome(kind="TransientError", reason="every worker process has exited")
        worker = min(alive, key=lambda w: len(w.pending) - w.limit)
        seq = next(self._seq)
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        worker.pending[seq] = future
        assert worker.writer is not None
        _write(worker.writer, (seq, article))
        return await future

    async def _read(self, worker: _Worker, reader: asyncio.StreamReader) -> None:
        async for message in _messages(reader):
            if message[0] == "log":
                record: logging.LogRecord = message[1]
                logging.getLogger(record.name).handle(record)
                continue
            future = worker.pending.pop(message[1], None)
            if future is not None and not future.done():
                future.set_result(message[2])
        self._lost(worker)

    def _lost(self, worker: _Worker) -> None:
        """A worker died: what it had in flight failed transiently (retried next run)."""
        worker.lost = True
        pending, worker.pending = worker.pending, {}
        if not pending:
            return
        worker.process.join(1)  # reaped, so its exit code is known
        reason = (
            f"the worker process exited (code {worker.process.exitcode}) before answering; "
            "the article is retried on the next run"
        )
        log.warning("%s", reason)
        for future in pending.values():
            if not future.done():
                future.set_result(Outcome(kind="TransientError", reason=reason))

    def close(self) -> None:
        """Let the workers go (what they have in flight is dropped) and reap them."""
        gc.unfreeze()
        for worker in self._workers:
            worker.sock.close()  # without a connection, the worker reads its end as closed
        for worker in self._workers:
            worker.process.join(5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
