"""The LLM layer's policy over scripted HTTP exchanges (no model, no network).

Each test scripts what the server answers, request by request, and checks what our code did
with it: how often it retried, how long it waited, what it sent back, what it counted.
"""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import httpx
import openai
import pytest

from summarizer.errors import (
    BudgetExceededError,
    ExtractionError,
    TransientError,
    TruncatedOutputError,
)
from summarizer.llm import LLM, resolve_backend
from summarizer.schemas import DraftExtraction
from summarizer.settings import Settings
from tests.scripted import Server, completion, make_llm, scripted_async_client, scripted_client

GOOD = {"events": [], "pledges": [{"actor": "France", "type": "troops", "what": "send troops",
                                   "status": "conditional", "s": [2]}]}  # fmt: skip
MESSAGES = [
    {"role": "system", "content": "x"},
    {"role": "user", "content": "[1] France will send troops."},
]


class Runner(Protocol):
    def __call__(
        self,
        server: Server,
        sleeps: list[float] | None = None,
        budget: int = 10_000,
        **settings: Any,
    ) -> Any: ...


@pytest.fixture(params=["complete", "acomplete"])
def run(request: pytest.FixtureRequest) -> Runner:
    """One call through ``LLM.complete`` (threads) or ``LLM.acomplete`` (asyncio): the same
    policy must hold for both."""

    def call(
        server: Server, sleeps: list[float] | None = None, budget: int = 10_000, **settings: Any
    ) -> Any:
        llm = make_llm(server, sleeps if sleeps is not None else [], **settings)
        if request.param == "complete":
            return llm.complete(MESSAGES, DraftExtraction, budget=budget)

        async def once() -> Any:
            try:
                return await llm.acomplete(MESSAGES, DraftExtraction, budget=budget)
            finally:
                await llm.aclose()

        return asyncio.run(once())

    return call


def test_429_honours_retry_after_and_is_not_shown_to_the_model(run: Runner) -> None:
    limited = httpx.Response(429, headers={"retry-after": "3"}, json={"error": {"message": "slow"}})
    server = Server(limited, completion(json.dumps(GOOD)))
    sleeps: list[float] = []
    result, usage = run(server, sleeps)
    assert result.pledges[0].actor == "France"
    assert sleeps == [3.0]
    assert (usage.calls, usage.retries, usage.reasks) == (1, 1, 0)
    assert (usage.prompt_tokens, usage.completion_tokens) == (100, 20)
    assert server.requests[0]["messages"] == server.requests[1]["messages"] == MESSAGES


def test_retry_after_is_capped_by_backoff_max(run: Runner) -> None:
    server = Server(
        httpx.Response(429, headers={"retry-after": "600"}), completion(json.dumps(GOOD))
    )
    sleeps: list[float] = []
    run(server, sleeps, backoff_max=20)
    assert sleeps == [20]


def test_5xx_backs_off_exponentially_then_gives_up(run: Runner) -> None:
    server = Server(*[httpx.Response(500, json={"error": {"message": "boom"}}) for _ in range(4)])
    sleeps: list[float] = []
    with pytest.raises(TransientError, match="InternalServerError") as info:
        run(server, sleeps, max_retries=3, backoff_initial=1.0)
    assert len(server.requests) == 4
    assert len(sleeps) == 3
    # exponential with jitter: 1+j, 2+j, 4+j with j in [0, 1]
    for n, delay in enumerate(sleeps):
        assert 2**n <= delay <= 2**n + 1
    assert info.value.usage.calls == 0


def test_invalid_json_is_re_asked_with_the_error(run: Runner) -> None:
    server = Server(
        completion('{"events": [], "pledges": [{"actor": "Fr'),
        completion(json.dumps(GOOD), prompt=150),
    )
    result, usage = run(server)
    assert result.pledges[0].status == "conditional"
    assert (usage.calls, usage.reasks, usage.retries) == (2, 1, 0)
    assert (usage.prompt_tokens, usage.completion_tokens) == (250, 40)
    assert len(server.requests[1]["messages"]) > len(MESSAGES)  # the error went back to the model


def test_validation_error_is_re_asked_then_fails_after_max_reasks(run: Runner) -> None:
    bad = json.dumps(
        {
            "pledges": [
                {"actor": "France", "type": "nukes", "what": "x", "status": "committed", "s": [1]}
            ]
        }
    )
    server = Server(*[completion(bad) for _ in range(3)])
    with pytest.raises(ExtractionError) as info:
        run(server, max_reasks=2)
    assert len(server.requests) == 3
    assert "nukes" in json.dumps(server.requests[1]["messages"])  # the model saw its mistake
    assert info.value.usage.calls == 3


def test_truncated_answer_is_reported_not_re_asked(run: Runner) -> None:
    server = Server(completion('{"events": [', finish="length"), completion(json.dumps(GOOD)))
    with pytest.raises(TruncatedOutputError, match="max_tokens"):
        run(server)
    assert len(server.requests) == 1


def test_token_budget_stops_re_asks(run: Runner) -> None:
    server = Server(completion("{bad", prompt=900, out=200), completion(json.dumps(GOOD)))
    with pytest.raises(BudgetExceededError):
        run(server, budget=1000)
    assert len(server.requests) == 1


def test_call_settings_are_sent(run: Runner) -> None:
    server = Server(completion(json.dumps(GOOD)))
    run(server, max_tokens=777, seed=11)
    sent = server.requests[0]
    assert (sent["temperature"], sent["seed"], sent["max_tokens"]) == (0.0, 11, 777)
    assert sent["tools"][0]["function"]["name"] == "DraftExtraction"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (Settings(model="gpt-4o-mini", api_key="sk-test"), "OpenAIBackend"),
        (Settings(model="llama3", base_url="http://127.0.0.1:11434/v1"), "CompatibleBackend"),
    ],
)
def test_backend_choice(settings: Settings, expected: str) -> None:
    assert type(resolve_backend(settings)).__name__ == expected


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (Settings(model="gpt-4o-mini"), "OPENAI_API_KEY"),
        (Settings(model="local:default", base_url="http://x/v1"), "--model"),
        (Settings(model="local:default"), "summarizer model install"),
    ],
)
def test_backend_errors_say_how_to_fix(settings: Settings, message: str) -> None:
    from summarizer.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        resolve_backend(settings)


def _raising(exc: Exception, then: httpx.Response | None = None) -> Server:
    class Raising(Server):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(json.loads(request.content))
            if len(self.requests) == 1 or then is None:
                raise exc
            return then

    return Raising()


def test_a_dropped_connection_is_retried(run: Runner) -> None:
    server = _raising(httpx.ConnectError("connection refused"), completion(json.dumps(GOOD)))
    sleeps: list[float] = []
    _, usage = run(server, sleeps)
    assert len(server.requests) == 2 and usage.retries == 1 and len(sleeps) == 1


def test_an_error_raised_by_the_transport_itself_is_not_retried(run: Runner) -> None:
    server = _raising(RuntimeError("no recorded answer matches this request"))
    sleeps: list[float] = []
    with pytest.raises(ExtractionError, match="no recorded answer matches"):
        run(server, sleeps)
    assert len(server.requests) == 1 and sleeps == []


def test_a_tool_call_cut_at_max_tokens_is_truncated_even_if_the_server_says_tool_calls(
    run: Runner,
) -> None:
    # llama.cpp's server reports finish_reason "tool_calls" for a call cut at max_tokens
    server = Server(
        completion('{"events": [{"ref": "E1", "s": [1', out=64), completion(json.dumps(GOOD))
    )
    with pytest.raises(TruncatedOutputError) as info:
        run(server, max_tokens=64)
    assert len(server.requests) == 1
    assert info.value.usage.completion_tokens == 64


def test_the_request_body_is_what_the_sdks_own_create_would_send(run: Runner) -> None:
    ours = Server(completion(json.dumps(GOOD)))
    run(ours)
    sent = ours.requests[0]
    theirs = Server(completion(json.dumps(GOOD)))
    client = openai.OpenAI(
        base_url="http://model.test/v1", api_key="k", max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(theirs)),
    )  # fmt: skip
    client.chat.completions.create(**sent)
    assert theirs.requests == [sent]
    assert sent["tools"][0]["function"]["name"] == "DraftExtraction"


def test_instructor_checks_a_response_model_for_async_validators_once() -> None:
    from instructor.v2.core import patch
    from instructor.v2.validation import async_validators

    # both places instructor calls it from use the checked-once version
    assert getattr(patch.reject_async_validators, "_checks_once", False)
    assert patch.reject_async_validators is async_validators.reject_async_validators


def test_each_worker_thread_has_a_client_of_its_own_and_close_closes_them() -> None:
    server = Server(*[completion(json.dumps(GOOD)) for _ in range(3)])
    made: list[openai.OpenAI] = []

    def connect() -> openai.OpenAI:
        made.append(scripted_client(server))
        return made[-1]

    llm = make_llm(server, [])
    llm = LLM(llm.client, "m", llm.mode, llm.settings, "test", connect)
    llm.complete(MESSAGES, DraftExtraction, budget=10_000)  # the main thread: the first client
    with ThreadPoolExecutor(2) as pool:
        barrier = threading.Barrier(2)

        def call() -> None:
            barrier.wait()  # both threads alive at once, so each gets its own
            llm.complete(MESSAGES, DraftExtraction, budget=10_000)

        for f in [pool.submit(call) for _ in range(2)]:
            f.result()
    assert len(server.requests) == 3
    assert len(made) == 2
    llm.close()
    assert all(c.is_closed() for c in [*made, llm.client])


@pytest.mark.parametrize("way", ["complete", "acomplete"])
def test_the_rate_limiter_spaces_requests_either_way(way: str) -> None:
    server = Server(*[completion(json.dumps(GOOD)) for _ in range(2)])
    sleeps: list[float] = []
    llm = make_llm(server, sleeps, rpm=1)

    async def twice() -> None:
        for _ in range(2):
            await llm.acomplete(MESSAGES, DraftExtraction, budget=10_000)
        await llm.aclose()

    if way == "complete":
        for _ in range(2):
            llm.complete(MESSAGES, DraftExtraction, budget=10_000)
    else:
        asyncio.run(twice())
    assert len(server.requests) == 2
    # one request a minute: the second waits for the first one's minute to pass
    assert len(sleeps) == 1 and 59 <= sleeps[0] <= 60


async def test_each_event_loop_has_its_own_async_client_and_aclose_closes_it() -> None:
    server = Server(completion(json.dumps(GOOD)))
    llm = make_llm(server, [])
    await llm.acomplete(MESSAGES, DraftExtraction, budget=10_000)
    client = llm._async[asyncio.get_running_loop()][0].sdk
    await llm.aclose()
    assert client.is_closed()
    assert not llm._async


def test_asyncio_requests_are_what_the_sdks_own_async_create_would_send() -> None:
    seen: list[httpx.Request] = []

    def record(answer: httpx.Response) -> Any:
        def serve(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return answer

        return serve

    ours = make_llm(record(completion(json.dumps(GOOD))), [])

    async def both() -> None:
        await ours.acomplete(MESSAGES, DraftExtraction, budget=10_000)
        await ours.aclose()
        sdk, _ = scripted_async_client(record(completion(json.dumps(GOOD))))
        await sdk.chat.completions.create(**json.loads(seen[0].content))
        await sdk.close()

    asyncio.run(both())
    mine, theirs = seen
    assert (mine.method, mine.url) == (theirs.method, theirs.url)
    assert json.loads(mine.content) == json.loads(theirs.content)
    for header in ("authorization", "content-type", "accept", "user-agent"):
        assert mine.headers[header] == theirs.headers[header]


def test_an_answer_the_sdks_types_do_not_allow_is_still_read() -> None:
    # some OpenAI-compatible servers say finish_reason "eos", which the SDK's types lack
    answer = completion(json.dumps(GOOD))
    raw = json.loads(answer.content)
    raw["choices"][0]["finish_reason"] = "eos"
    server = Server(httpx.Response(200, json=raw))
    llm = make_llm(server, [])

    async def once() -> Any:
        try:
            return await llm.acomplete(MESSAGES, DraftExtraction, budget=10_000)
        finally:
            await llm.aclose()

    result, usage = asyncio.run(once())
    assert result.pledges[0].actor == "France" and usage.calls == 1


def test_requests_in_flight_caps_concurrent_asyncio_requests() -> None:
    now = most = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal now, most
        now += 1
        most = max(most, now)
        await asyncio.sleep(0.01)
        now -= 1
        return completion(json.dumps(GOOD))

    llm = make_llm(slow, [])  # type: ignore[arg-type]
    llm.requests_in_flight = 2

    async def many() -> list[Any]:
        try:
            calls = [llm.acomplete(MESSAGES, DraftExtraction, budget=10_000) for _ in range(5)]
            return await asyncio.gather(*calls)
        finally:
            await llm.aclose()

    results = asyncio.run(many())
    assert len(results) == 5 and most == 2


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_credentials_are_a_configuration_error_not_a_bad_article(
    run: Runner, status: int
) -> None:
    from summarizer.errors import ConfigError

    server = Server(httpx.Response(status, json={"error": {"message": "Incorrect API key"}}))
    with pytest.raises(ConfigError, match=f"rejected the credentials \\({status}\\)"):
        run(server)
    assert len(server.requests) == 1  # not retried, not re-asked
