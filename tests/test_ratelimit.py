"""The shared requests/tokens-per-minute limiter, on a fake clock."""

from __future__ import annotations

import httpx
import pytest

from summarizer.ratelimit import RateLimiter
from summarizer.schemas import DraftExtraction
from tests.scripted import Server, completion, make_llm

VALID = '{"events": [], "pledges": []}'


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_requests_per_minute_allow_a_burst_then_space_requests() -> None:
    clock = Clock()
    limiter = RateLimiter(rpm=2, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire(10) for _ in range(2)] == [0.0, 0.0]
    assert limiter.acquire(10) == pytest.approx(30.0)  # 2 a minute: one every 30 s
    assert limiter.acquire(10) == pytest.approx(30.0)
    assert clock.now == pytest.approx(60.0)


def test_tokens_per_minute_reserve_then_settle_what_was_used() -> None:
    clock = Clock()
    limiter = RateLimiter(tpm=1200, clock=clock, sleep=clock.sleep)
    assert limiter.acquire(1000) == 0.0
    limiter.settle(estimated=1000, actual=400)  # 600 given back: 800 left
    assert limiter.acquire(800) == 0.0
    assert limiter.acquire(200) == pytest.approx(10.0)  # 200 tokens at 20 a second


def test_a_429_pauses_everyone_once_not_cumulatively() -> None:
    clock = Clock()
    limiter = RateLimiter(rpm=600, clock=clock, sleep=clock.sleep)
    limiter.pause(5.0)
    limiter.pause(3.0)  # a second worker's shorter Retry-After does not extend the pause
    assert limiter.acquire(1) == pytest.approx(5.0)
    assert limiter.acquire(1) == 0.0


def test_no_limits_means_no_waiting() -> None:
    limiter = RateLimiter()
    assert not limiter.active
    assert limiter.acquire(10**9) == 0.0


def test_a_429_from_the_server_pauses_the_backend_for_retry_after() -> None:
    server = Server(
        httpx.Response(429, headers={"retry-after": "7"}, json={"error": {"message": "slow"}}),
        completion(VALID),
    )
    sleeps: list[float] = []
    llm = make_llm(server, sleeps, rpm=6000)
    llm.complete([{"role": "user", "content": "x"}], DraftExtraction, budget=10_000)
    assert sleeps[0] == pytest.approx(7.0)
    assert llm.limiter is not None
    # the retry itself found the pause still running (the fake sleep did not pass time),
    # and so does any other worker that starts now
    assert llm.limiter.acquire(1) == pytest.approx(7.0, abs=0.5)
