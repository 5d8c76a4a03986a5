"""Extraction in worker processes, against the loopback fake server (a real HTTP model)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sqlite3
from pathlib import Path

import pytest

from summarizer.batch import BatchOptions, run_batch
from summarizer.schemas import Article, ArticleExtraction
from summarizer.settings import Settings
from summarizer.store import Store
from summarizer.workers import Outcome, WorkerPool
from tests.scripted import Echo, make_llm
from tests.test_batch import _articles, _fake_server

# the workers are forked from the test process, network blocking included: loopback only
pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def _stored(path: Path) -> dict[str, dict[str, object]]:
    """Each article's stored extraction, without what names the model or took wall time."""
    with sqlite3.connect(path) as db:
        rows = [ArticleExtraction.model_validate_json(r) for (r,) in db.execute(
            "SELECT data FROM extractions"
        )]  # fmt: skip
    return {x.article_id: x.model_dump(exclude={"model": True, "usage": {"seconds"}}) for x in rows}


def test_worker_processes_store_what_worker_threads_store(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 12)
    server, base_url = _fake_server(latency=0.0)
    settings = Settings(model="fake", base_url=base_url, max_reasks=0)
    try:
        with Store(tmp_path / "processes.sqlite") as store:
            result = run_batch([str(feed)], store, settings, BatchOptions(concurrency=4))
            assert (result.extracted, result.failed) == (12, 0)
            # one question an article: about the sentence that pledges
            assert result.totals is not None and result.totals.calls == 12
            assert result.totals.prompt_tokens == 12 * 500
    finally:
        server.kill()
        server.wait()
    in_processes = _stored(tmp_path / "processes.sqlite")
    echo = Echo()  # answers as the fake server does, inside this process
    llm = make_llm(echo, [], max_reasks=0)
    with Store(tmp_path / "threads.sqlite") as store:
        run_batch([str(feed)], store, llm.settings, BatchOptions(concurrency=4), llm=llm)
    in_threads = _stored(tmp_path / "threads.sqlite")
    assert len(in_processes) == 12
    assert in_processes == in_threads
    assert all(x["pledges"] for x in in_processes.values())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_workers_failures_and_log_records_reach_the_parent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # nothing listens there: every call fails to connect, is retried once, then gives up
    base_url = f"http://127.0.0.1:{_closed_port()}/v1"
    settings = Settings(
        model="fake", base_url=base_url, max_retries=1, backoff_initial=0.01, backoff_max=0.01
    )
    article = Article(id="a1", text="Italy pledged funds for the port.")

    async def extract(pool: WorkerPool) -> Outcome:
        async with pool.connected() as extract:
            return await extract(article)

    with caplog.at_level(logging.WARNING, logger="summarizer"), WorkerPool(settings, 1, 1) as pool:
        outcome = asyncio.run(extract(pool))
    assert outcome.kind == "TransientError" and outcome.transient, outcome.reason
    assert "Connect call failed" in outcome.reason and outcome.extraction is None
    retried = [r for r in caplog.records if "transient failure, retrying" in r.getMessage()]
    assert retried and retried[0].process != os.getpid()  # logged in the worker


def test_a_worker_that_dies_fails_its_articles_transiently_and_the_other_goes_on() -> None:
    server, base_url = _fake_server(latency=1.0)
    settings = Settings(model="fake", base_url=base_url, max_reasks=0)
    articles = [Article(id=f"a{i}", text=f"Italy pledged funds, round {i}.") for i in range(4)]

    async def run(pool: WorkerPool) -> tuple[list[Outcome], Outcome]:
        async with pool.connected() as extract:
            tasks = [asyncio.create_task(extract(a)) for a in articles]
            await asyncio.sleep(0.5)  # all four in flight, two in each worker
            os.kill(pool._workers[0].process.pid, signal.SIGKILL)
            outcomes = await asyncio.gather(*tasks)
            later = await extract(Article(id="b", text="Spain pledged funds."))
            return outcomes, later

    try:
        with WorkerPool(settings, 2, 4) as pool:
            outcomes, later = asyncio.run(run(pool))
    finally:
        server.kill()
        server.wait()
    lost = [o for o in outcomes if o.extraction is None]
    assert len(lost) == 2
    assert all(o.transient and "worker process exited" in o.reason for o in lost)
    assert sum(o.extraction is not None for o in outcomes) == 2
    assert later.extraction is not None  # the living worker took it


def test_warming_up_extracts_once_inside_the_process_and_only_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    import httpx

    from summarizer import workers

    seen: list[dict[str, object]] = []
    answer = workers._warm_answer

    def recorded(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return answer(request)

    monkeypatch.setattr(workers, "_warm_answer", recorded)
    workers.warm.cache_clear()
    workers.warm()  # the suite blocks the network: a request leaving the process would fail
    tools = [r["tools"][0]["function"]["name"] for r in seen]  # type: ignore[index]
    assert tools == ["SentenceAnswer"]  # one extraction's question
    workers.warm()
    assert len(seen) == 1


def test_a_rejected_key_in_a_worker_stops_the_run_as_a_configuration_error(
    tmp_path: Path,
) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from summarizer.errors import ConfigError

    class Reject(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b'{"error": {"message": "Incorrect API key provided"}}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Reject)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    feed = _articles(tmp_path / "feed.jsonl", 3)
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings = Settings(model="fake", base_url=base_url, api_key="wrong")
    try:
        with Store(tmp_path / "s.sqlite") as store, pytest.raises(ConfigError, match="401"):
            run_batch([str(feed)], store, settings, BatchOptions(concurrency=2))
    finally:
        server.shutdown()
        server.server_close()
