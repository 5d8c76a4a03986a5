"""OpenAI Batch API mode, replayed from a cassette of the Files and Batches endpoints.

The cassette was recorded against the loopback server in ``tests/fake_openai.py``, which
answers in the shapes of the OpenAI API reference; no OpenAI account was used. Requests are
matched on method and path only: an upload's multipart boundary differs on every run.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer.batch import BatchOptions, run_batch
from summarizer.errors import ConfigError
from summarizer.openai_batch import build_requests
from summarizer.settings import Settings
from summarizer.store import Store
from tests.fake_openai import FakeServer
from tests.test_batch import _articles


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "match_on": ["method", "path"],
        "filter_headers": ["authorization", "openai-organization", "openai-project"],
        "allow_playback_repeats": False,
    }


@pytest.fixture
def fake_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Where the requests go when recording; while replaying nothing is contacted."""
    server = FakeServer(latency=0.0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    yield
    server.shutdown()
    server.server_close()


@pytest.mark.vcr
@pytest.mark.usefixtures("fake_openai")
def test_submit_then_resume_by_batch_id_then_nothing_to_do(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 3)
    settings = Settings(model="gpt-4o-mini", api_key="sk-test")
    db = tmp_path / "s.sqlite"
    with Store(db) as store:
        submitted = run_batch(
            [str(feed)], store, settings, BatchOptions(openai_batch=True, wait=False)
        )
        assert submitted.status == "waiting for batch"
        assert submitted.pending_batches == ["batch_1"] and submitted.left == 3
        assert submitted.extracted == 0

        # a later run finds the batch id in the store, polls it and collects the answers
        collected = run_batch(
            [str(feed)], store, settings, BatchOptions(openai_batch=True, poll_interval=0)
        )
        assert (collected.status, collected.extracted, collected.failed) == ("completed", 3, 0)
        assert collected.report is not None
        assert sorted(collected.report.events[0].articles) == ["a0", "a1", "a2"]
        pledge = collected.report.events[0].pledges[0]
        assert pledge.actor_id == "ITA" and pledge.confirmed
        assert collected.totals is not None and collected.totals.calls == 3
        # gpt-4o-mini at half price: (500 x 0.15 + 50 x 0.60) / 1e6 / 2 per call
        assert collected.totals.cost == pytest.approx(3 * 0.0000525)

        # nothing left to submit or collect: no request at all (the cassette has none left)
        again = run_batch([str(feed)], store, settings, BatchOptions(openai_batch=True))
        assert (again.cached, again.extracted, again.pending_batches) == (3, 0, [])
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id, status FROM batches").fetchall() == [
            ("batch_1", "completed")
        ]


def test_batch_lines_are_chat_completions_with_the_extraction_schema(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 1)
    from summarizer.feeds import Loaded, iter_articles

    (item,) = [x for x in iter_articles([str(feed)]) if isinstance(x, Loaded)]
    # the extraction's one round: a question for each candidate sentence (here one)
    (line,) = build_requests([item.article], "gpt-4o-mini", Settings(model="gpt-4o-mini"))
    assert line["custom_id"] == f"{item.article.content_hash}/0"
    assert (line["method"], line["url"]) == ("POST", "/v1/chat/completions")
    body = line["body"]
    assert body["response_format"]["json_schema"]["name"] == "SentenceAnswer"
    user = body["messages"][-1]["content"]
    assert "Before: Ministers met in Rome" in user
    assert user.endswith("Sentence: Italy pledged funds for the port.")
    json.dumps(line)  # one JSONL line


def test_the_local_model_cannot_use_the_batch_api(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 1)
    with Store(tmp_path / "s.sqlite") as store, pytest.raises(ConfigError, match="OpenAI"):
        run_batch([str(feed)], store, Settings(), BatchOptions(openai_batch=True))
