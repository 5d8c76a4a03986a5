"""A model server summarizer started is brought back when it dies: a real server process
(the fake OpenAI-compatible one, on its own port) killed with SIGKILL in the middle of a
batch, and one that keeps dying."""

from __future__ import annotations

import signal
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from summarizer.batch import BatchOptions, run_batch
from summarizer.errors import BackendError
from summarizer.llm import MAX_RESTARTS, CompatibleBackend, ServerProcess
from summarizer.settings import Settings
from summarizer.store import Store
from tests.test_batch import _articles, _count

FAKE = Path(__file__).parent / "fake_openai.py"

# these tests talk to the server they start, on loopback, and nothing else
pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def _server(latency: float) -> ServerProcess:
    log = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the test)
    command = lambda port: [  # noqa: E731
        sys.executable, str(FAKE), "--latency", str(latency), "--port", str(port),
    ]  # fmt: skip
    server = ServerProcess(command, log, start_timeout=30)
    server.start()
    return server


def _kill(server: ServerProcess) -> None:
    assert server.proc is not None
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(10)


def test_a_server_killed_mid_batch_is_restarted_and_no_article_is_lost(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 24)
    db = tmp_path / "s.sqlite"
    server = _server(latency=0.1)
    settings = Settings(model="fake", base_url=server.base_url, backoff_initial=0.05)
    killed = threading.Event()

    def kill_when_four_are_stored() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                stored = _count(db, "SELECT COUNT(*) FROM extractions") if db.exists() else 0
            except sqlite3.OperationalError:  # the store is being created
                stored = 0
            if stored >= 4:
                _kill(server)
                killed.set()
                return
            time.sleep(0.02)

    try:
        with CompatibleBackend("fake", server.base_url).open(settings) as llm:
            llm.server = server
            killer = threading.Thread(target=kill_when_four_are_stored)
            killer.start()
            with Store(db) as store:
                result = run_batch(
                    [str(feed)], store, settings, BatchOptions(concurrency=2), llm=llm
                )
            killer.join()
    finally:
        server.stop()
        server.log.close()
    assert killed.is_set(), "the kill must land mid-run"
    assert server.restarts == 1
    assert (result.extracted, result.failed) == (24, 0)
    assert _count(db, "SELECT COUNT(*) FROM extractions") == 24
    assert _count(db, "SELECT COUNT(DISTINCT hash) FROM extractions") == 24  # each once
    assert _count(db, "SELECT COUNT(*) FROM failures") == 0


def test_a_server_that_keeps_dying_stops_the_run_with_its_exit_code() -> None:
    server = _server(latency=0.0)
    try:
        for _ in range(MAX_RESTARTS):
            _kill(server)
            assert server.revive() is True
        assert server.revive() is False  # alive: nothing to do
        _kill(server)
        with pytest.raises(BackendError, match=r"exited again with code -9 after 2 restarts"):
            server.revive()
    finally:
        server.stop()
        server.log.close()
