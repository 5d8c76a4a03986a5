"""Requests-per-minute and tokens-per-minute limits shared by every worker of one backend.

Two token buckets that refill continuously. A caller reserves what it needs and sleeps only
for its own deficit, so workers queue in order instead of polling. A 429 pauses everyone
until the time the server asked for, and no longer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class _Bucket:
    def __init__(self, per_minute: float, now: float) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.level = self.capacity
        self.stamp = now

    def take(self, amount: float, now: float) -> float:
        """Reserve ``amount``; return how long the caller must wait before using it."""
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        self.level -= amount
        return 0.0 if self.level >= 0 else -self.level / self.rate

    def give(self, amount: float) -> None:
        self.level = min(self.capacity, self.level + amount)


class RateLimiter:
    """``acquire`` before each request, ``settle`` once its real token count is known."""

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        now = clock()
        self._requests = _Bucket(rpm, now) if rpm else None
        self._tokens = _Bucket(tpm, now) if tpm else None
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return bool(self._requests or self._tokens)

    def reserve(self, tokens: int) -> float:
        """Reserve one request of about ``tokens`` tokens; return how long the caller must
        wait before sending it (asyncio callers sleep that long themselves)."""
        with self._lock:
            now = self._clock()
            wait = max(0.0, self._paused_until - now)
            if self._requests:
                wait = max(wait, self._requests.take(1, now))
            if self._tokens:
                wait = max(wait, self._tokens.take(min(tokens, self._tokens.capacity), now))
        return wait

    def acquire(self, tokens: int) -> float:
        """Block until one request of about ``tokens`` tokens may start; return the wait."""
        wait = self.reserve(tokens)
        if wait > 0:
            self._sleep(wait)
        return wait

    def settle(self, estimated: int, actual: int) -> None:
        """Give back what a request reserved beyond what it used (or take the overrun)."""
        if self._tokens is None:
            return
        with self._lock:
            if actual < estimated:
                self._tokens.give(estimated - actual)
            else:
                self._tokens.level -= actual - estimated

    def pause(self, seconds: float) -> None:
        """After a 429: no request starts for ``seconds`` (a later pause never shortens it)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
