"""Fault cassettes: real model answers recorded through a fault-injecting proxy
(tests/fault_proxy.py) in front of the local server, replayed offline.

Each test checks what our code did with the fault: how often it retried, how long it waited,
what it counted and how it ended. A timeout cannot be recorded (a cassette holds responses,
not a silence), so timeouts are covered by tests/test_llm.py over a scripted transport.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import instructor
import openai
import pytest

from summarizer.extract import extract
from summarizer.llm import LLM
from summarizer.schemas import Article
from tests.conftest import RECORDED_WITH, recorded_settings

pytestmark = [
    pytest.mark.cassette,
    pytest.mark.vcr,
    pytest.mark.skipif(
        RECORDED_WITH["backend"] != "local", reason="fault cassettes come from the local server"
    ),
]

ARTICLE = Article(
    id="fault",
    text="Nordic ministers met in Oslo on Monday. Norway pledged 40 instructors to Moldova. "
    "Finland ruled out sending troops.",
)


@pytest.fixture
def base_url() -> Iterator[Callable[[str], str]]:
    upstream = os.environ.get("SUMMARIZER_RECORD_BASE_URL")
    if not upstream:
        yield lambda scenario: f"http://127.0.0.1:9/{scenario}/v1"
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proxy = Path(__file__).with_name("fault_proxy.py")
    cmd = [
        sys.executable,
        str(proxy),
        "--upstream",
        upstream.removesuffix("/v1"),
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield lambda scenario: f"http://127.0.0.1:{port}/{scenario}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _llm(url: str, sleeps: list[float], **overrides: Any) -> LLM:
    s = recorded_settings(**overrides).model_copy(update={"base_url": url})
    client = openai.OpenAI(base_url=url, api_key="not-needed", max_retries=0, timeout=s.timeout)
    return LLM(client, s.model, instructor.Mode.TOOLS, s, "local", sleep=sleeps.append)


def _recorded(cassette: Any) -> tuple[list[int], int, int]:
    """Status of every recorded response, and the tokens the server reported."""
    statuses, prompt, completion = [], 0, 0
    for response in cassette.responses:
        statuses.append(response["status"]["code"])
        body = response["body"]["string"]
        data = json.loads(body.decode() if isinstance(body, bytes) else body)
        if usage := data.get("usage"):
            prompt += usage["prompt_tokens"]
            completion += usage["completion_tokens"]
    return statuses, prompt, completion


def _requests(cassette: Any) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in cassette.requests]


def test_429_with_retry_after_then_success(base_url: Callable[[str], str], vcr: Any) -> None:
    sleeps: list[float] = []
    x = extract(ARTICLE, llm=_llm(base_url("rate-limit"), sleeps))
    statuses, prompt, completion = _recorded(vcr)
    assert statuses[0] == 429 and set(statuses[1:]) == {200}
    assert sleeps == [1.0]  # Retry-After honoured
    assert x.usage.retries == 1
    assert (x.usage.prompt_tokens, x.usage.completion_tokens) == (prompt, completion)
    assert x.pledges


def test_500_then_success(base_url: Callable[[str], str], vcr: Any) -> None:
    sleeps: list[float] = []
    x = extract(ARTICLE, llm=_llm(base_url("server-error"), sleeps))
    statuses, prompt, completion = _recorded(vcr)
    assert statuses[0] == 500 and set(statuses[1:]) == {200}
    assert len(sleeps) == 1 and 1.0 <= sleeps[0] <= 2.0  # exponential backoff with jitter
    assert x.usage.retries == 1
    assert (x.usage.prompt_tokens, x.usage.completion_tokens) == (prompt, completion)
    assert x.pledges


def test_invalid_json_then_a_valid_re_ask(base_url: Callable[[str], str], vcr: Any) -> None:
    sleeps: list[float] = []
    x = extract(ARTICLE, llm=_llm(base_url("invalid-json"), sleeps))
    statuses, prompt, completion = _recorded(vcr)
    assert set(statuses) == {200} and sleeps == []
    assert x.usage.reasks >= 1 and x.usage.retries == 0
    assert (x.usage.prompt_tokens, x.usage.completion_tokens) == (prompt, completion)
    second = _requests(vcr)[1]["messages"]
    assert len(second) > 2  # the broken answer and the error went back to the model
    assert x.pledges


def test_validation_error_then_a_valid_re_ask(base_url: Callable[[str], str], vcr: Any) -> None:
    sleeps: list[float] = []
    x = extract(ARTICLE, llm=_llm(base_url("validation"), sleeps))
    statuses, prompt, completion = _recorded(vcr)
    assert set(statuses) == {200} and sleeps == []
    assert x.usage.reasks >= 1
    assert (x.usage.prompt_tokens, x.usage.completion_tokens) == (prompt, completion)
    assert "promised" in json.dumps(_requests(vcr)[1]["messages"])
    assert all(p.status != "promised" for p in x.pledges)


def test_truncated_completion_is_reported_not_re_asked(
    base_url: Callable[[str], str], vcr: Any
) -> None:
    sleeps: list[float] = []
    # the answer about Norway's sentence reaches max_tokens: it is not re-asked and not used,
    # and costs that sentence only (Finland's answer, which fits, is kept)
    x = extract(ARTICLE, llm=_llm(base_url("truncated"), sleeps, max_tokens=16))
    statuses, prompt, completion = _recorded(vcr)
    assert statuses == [200, 200] and sleeps == []  # one request per question, no re-ask
    assert (x.usage.calls, x.usage.prompt_tokens, x.usage.completion_tokens) == (
        2, prompt, completion,
    )  # fmt: skip
    assert any("cut at max_tokens=16" in w for w in x.warnings)
    assert all(p.actor_id != "NOR" for p in x.pledges)
