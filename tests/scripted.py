"""A scripted OpenAI-compatible server for the LLM layer's policy tests (no model, no network).

The code under test is real: the openai client, instructor, our retry policy. Only the HTTP
answers are scripted, request by request, through httpx's MockTransport.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import instructor
import openai

from summarizer.llm import LLM
from summarizer.settings import Settings
from tests.fake_openai import answer_for


def completion(
    arguments: str,
    *,
    finish: str = "tool_calls",
    prompt: int = 100,
    out: int = 20,
    name: str = "DraftExtraction",
) -> httpx.Response:
    return httpx.Response(200, json={
        "id": "c", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": finish, "message": {
            "role": "assistant", "content": None,
            "tool_calls": [{"id": "t", "type": "function",
                            "function": {"name": name, "arguments": arguments}}]}}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": out, "total_tokens": prompt + out},
    })  # fmt: skip


class Server:
    """Answers requests from a script and keeps what it was sent."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(json.loads(request.content))
        if not self.answers:
            raise AssertionError("more requests than scripted answers")
        return self.answers.pop(0)


def scripted_client(server: Callable[[httpx.Request], httpx.Response]) -> openai.OpenAI:
    return openai.OpenAI(
        base_url="http://model.test/v1", api_key="k", max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(server)),
    )  # fmt: skip


def scripted_async_client(
    server: Callable[[httpx.Request], httpx.Response],
) -> tuple[openai.AsyncOpenAI, httpx.AsyncBaseTransport]:
    transport = httpx.MockTransport(server)
    sdk = openai.AsyncOpenAI(
        base_url="http://model.test/v1", api_key="k", max_retries=0,
        http_client=httpx.AsyncClient(transport=transport),
    )  # fmt: skip
    return sdk, transport


def make_llm(
    server: Callable[[httpx.Request], httpx.Response], sleeps: list[float], **settings: Any
) -> LLM:
    """A model answered by ``server``, through threads (``complete``) or asyncio
    (``acomplete``); every wait it asks for is recorded in ``sleeps`` instead of slept."""
    client = scripted_client(server)
    s = Settings(model="m", base_url="http://model.test/v1", **settings)
    return LLM(
        client, "m", instructor.Mode.TOOLS, s, "test",
        aconnect=lambda: scripted_async_client(server), sleep=sleeps.append,
    )  # fmt: skip


class Router:
    """Answers each request with ``answer(tool name, user message)``, a JSON string, in the
    tool the request asked for, and keeps what it was sent (thread-safe)."""

    def __init__(self, answer: Callable[[str, str], str], prompt: int = 100, out: int = 20) -> None:
        self.answer, self.prompt, self.out = answer, prompt, out
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        with self._lock:
            self.requests.append(body)
        tool = body["tools"][0]["function"]["name"]
        user = body["messages"][-1]["content"]
        return completion(self.answer(tool, user), name=tool, prompt=self.prompt, out=self.out)


class Echo(Router):
    """Answers every request at once like ``tests/fake_openai.py`` (thread-safe), except
    articles whose questions contain ``fail_on``, which get an answer that never validates
    (re-asks included)."""

    def __init__(self, fail_on: str | None = None) -> None:
        super().__init__(self._echo, prompt=500, out=50)
        self.fail_on = fail_on

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.fail_on and self.fail_on in request.content.decode():
            body = json.loads(request.content)
            with self._lock:
                self.requests.append(body)
            tool = body["tools"][0]["function"]["name"]
            return completion('{"pledges": "not a list"}', name=tool, prompt=500, out=50)
        return super().__call__(request)

    def _echo(self, tool: str, user: str) -> str:
        return json.dumps(answer_for([{"role": "user", "content": user}]))
