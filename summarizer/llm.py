"""The model layer: the only module that talks to openai, instructor or llama.cpp.

Three backends share one code path, an OpenAI-compatible chat completion through instructor:

* ``LocalBackend``: a GGUF file served by ``llama_cpp.server`` on 127.0.0.1, started and
  stopped by us (tools mode: llama.cpp's server answers JSON-schema mode with HTTP 500).
* ``CompatibleBackend``: any OpenAI-compatible base URL (Ollama, vLLM, LM Studio, llama.cpp).
* ``OpenAIBackend``: api.openai.com with native structured outputs (JSON-schema mode).

Two kinds of failure are kept apart. Validation errors go back to the model through
instructor's re-ask (``Settings.max_reasks``). Transient failures (429 honouring Retry-After,
5xx, timeouts, connection errors) are retried by tenacity with exponential backoff and jitter
(``Settings.max_retries``); they are never shown to the model.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import logging
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar, cast

import httpcore  # noqa: F401  (httpx would import it on the first client, ~30 ms)
import httpx
import httpx_aiohttp
import instructor
import instructor.v2.providers.openai  # instructor would import it on the first call (~0.1 s)
import openai
import pydantic_core
from instructor.core import IncompleteOutputException, ResponseParsingError, TokenBudgetExceeded
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from .errors import (
    BackendError,
    BackendUnavailableError,
    BudgetExceededError,
    ConfigError,
    ExtractionError,
    TransientError,
    TruncatedOutputError,
)
from .modelstore import resolve_model_file
from .ratelimit import RateLimiter
from .schemas import Usage
from .settings import Settings

__all__ = ["LLM", "Backend", "answered_in_process", "backend_label", "open_llm", "resolve_backend"]

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)


# --------------------------------------------------------------------------- backends


class Backend(Protocol):
    """Something that yields a ready OpenAI client, the model id to ask for, and a mode."""

    name: str

    @property
    def model(self) -> str: ...

    def open(self, settings: Settings) -> contextlib.AbstractContextManager[LLM]: ...


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every client: each new one loads the CA bundle again (about
    50 ms), which every worker thread and process would otherwise pay."""
    return httpx.create_ssl_context()


def _client(settings: Settings, base_url: str | None, api_key: str) -> openai.OpenAI:
    # max_retries=0: tenacity owns the retry policy, so retries are counted and bounded once.
    http = openai.DefaultHttpxClient(verify=tls_context(), timeout=settings.timeout)
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key,
        max_retries=0,
        timeout=settings.timeout,
        http_client=http,
    )


# the SDK's async client (URL, headers, errors) and the transport requests go through
AsyncConnection = tuple[openai.AsyncOpenAI, httpx.AsyncBaseTransport]


def _async_client(settings: Settings, base_url: str | None, api_key: str) -> AsyncConnection:
    # aiohttp, the SDK's transport for many concurrent requests: its httpx default spends
    # several times the CPU per call, which caps a fast batch at a fraction of its concurrency
    transport = httpx_aiohttp.AiohttpTransport(
        verify=tls_context(), limits=openai.DEFAULT_CONNECTION_LIMITS
    )
    http = openai.DefaultAioHttpClient(
        transport=transport, verify=tls_context(), timeout=settings.timeout
    )
    sdk = openai.AsyncOpenAI(
        base_url=base_url,
        api_key=api_key,
        max_retries=0,
        timeout=settings.timeout,
        http_client=http,
    )
    return sdk, transport


def _opened(
    settings: Settings,
    base_url: str | None,
    api_key: str,
    model: str,
    mode: instructor.Mode,
    name: str,
) -> contextlib.closing[LLM]:
    """An LLM whose worker threads each get a client of their own (and each event loop an
    asynchronous one); closing it closes the synchronous ones."""
    connect = functools.partial(_client, settings, base_url, api_key)
    aconnect = functools.partial(_async_client, settings, base_url, api_key)
    return contextlib.closing(LLM(connect(), model, mode, settings, name, connect, aconnect))


@dataclass
class OpenAIBackend:
    model: str
    api_key: str
    name: str = "openai"

    def open(self, settings: Settings) -> contextlib.AbstractContextManager[LLM]:
        mode = instructor.Mode.JSON_SCHEMA
        return _opened(settings, None, self.api_key, self.model, mode, self.name)


@dataclass
class CompatibleBackend:
    model: str
    base_url: str
    api_key: str = "not-needed"
    name: str = "openai-compatible"

    def open(self, settings: Settings) -> contextlib.AbstractContextManager[LLM]:
        mode = instructor.Mode.TOOLS
        return _opened(settings, self.base_url, self.api_key, self.model, mode, self.name)


@dataclass
class LocalBackend:
    """A GGUF served by ``python -m llama_cpp.server`` on a free loopback port."""

    path: Path
    name: str = "local"
    log_path: Path | None = None  # where the server's own log goes (benchmarks read it)

    @property
    def model(self) -> str:
        return self.path.stem

    @contextlib.contextmanager
    def open(self, settings: Settings) -> Iterator[LLM]:
        with serve_gguf(self.path, settings, log_path=self.log_path) as server:
            backend = CompatibleBackend(self.model, server.base_url, name=self.name)
            with backend.open(settings) as llm:
                llm.server = server
                yield llm


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command(path: Path, port: int, settings: Settings) -> list[str]:
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(path),
        "--model_alias", path.stem,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", str(settings.context_tokens),
        "--n_threads", str(os.cpu_count() or 2),
        "--seed", str(settings.seed),
        "--cache", "false",
    ]  # fmt: skip


MAX_RESTARTS = 2  # per run: a server that keeps dying stops the run


class ServerProcess:
    """A model server that summarizer started, on a fixed loopback port: started, watched,
    and brought back (at most ``MAX_RESTARTS`` times) when it exits during a run. ``command``
    is the server's command line for ``port``; its log goes to ``log``."""

    def __init__(
        self,
        command: Callable[[int], list[str]],
        log: IO[bytes],
        start_timeout: float,
        port: int | None = None,
    ) -> None:
        self.command, self.log, self.start_timeout = command, log, start_timeout
        self.port = port or _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.restarts = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.command(self.port),
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            stdin=subprocess.DEVNULL,
        )
        _wait_ready(self.proc, self.base_url, self.start_timeout, self.log)

    def tail(self, lines: int = 8) -> str:
        self.log.flush()
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace").strip()
        return "\n".join(text.splitlines()[-lines:]) or "(nothing: its log is empty)"

    def revive(self) -> bool:
        """If the server has exited, start it again on the same port and say so; a server that
        has died more than ``MAX_RESTARTS`` times stops the run (``BackendError``, with its
        exit code and the end of its log). Safe to call from many threads at once."""
        with self._lock:
            proc = self.proc
            if proc is None or proc.poll() is None:
                return False
            code, tail = proc.returncode, self.tail()
            if self.restarts >= MAX_RESTARTS:
                raise BackendError(
                    f"the local model server exited again with code {code} after "
                    f"{self.restarts} restarts; its log ends:\n{tail}"
                )
            self.restarts += 1
            log.warning(
                "local model server exited code=%s, restarting (%d of %d); its log ends:\n%s",
                code, self.restarts, MAX_RESTARTS, tail,
            )  # fmt: skip
            self.start()
            return True

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextlib.contextmanager
def serve_gguf(
    path: Path, settings: Settings, log_path: Path | None = None
) -> Iterator[ServerProcess]:
    """Start llama.cpp's OpenAI-compatible server on loopback for the block; yield it.

    The server's log goes to ``log_path`` when given, else to a temporary file whose tail is
    shown if the server fails to start, or dies.
    """
    try:
        import llama_cpp  # noqa: F401  (only to give a clear error before spawning)
    except ImportError as exc:
        raise ConfigError(
            "the local backend needs llama-cpp-python: run `pip install 'summarizer[local]'` "
            "(it builds from source, about 6 minutes), or pass --base-url / --model to use "
            "another backend"
        ) from exc
    logfile = log_path.open("w+b") if log_path else tempfile.TemporaryFile()  # noqa: SIM115
    with logfile as errlog:
        server = ServerProcess(
            lambda port: server_command(path, port, settings), errlog, settings.server_start_timeout
        )
        try:
            server.start()
            log.info("local model server ready model=%s url=%s", path.name, server.base_url)
            yield server
        finally:
            server.stop()


def _wait_ready(proc: subprocess.Popen[bytes], base_url: str, timeout: float, errlog: Any) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            errlog.seek(0)
            tail = errlog.read().decode("utf-8", "replace").strip().splitlines()[-8:]
            raise BackendError(
                f"the local model server exited with code {proc.returncode}:\n" + "\n".join(tail)
            )
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise BackendError(f"the local model server did not answer within {timeout:.0f}s")


def resolve_backend(settings: Settings) -> Backend:
    """Pick the backend: an explicit base URL, then a local GGUF, then OpenAI."""
    model = settings.model
    if settings.base_url:
        if model.startswith("local:"):
            raise ConfigError(
                "--base-url needs the model id that server serves: pass --model NAME too"
            )
        return CompatibleBackend(model, settings.base_url, settings.api_key or "not-needed")
    if model.startswith("local:"):
        return LocalBackend(resolve_model_file(model))
    if not settings.api_key:
        raise ConfigError(
            f"model {model!r} needs an OpenAI key: set OPENAI_API_KEY, or pass --base-url "
            "for an OpenAI-compatible server, or use --model local:default"
        )
    return OpenAIBackend(model, settings.api_key)


def backend_label(settings: Settings) -> str:
    """``backend:model`` as ``LLM.label`` will say it, without opening anything."""
    backend = resolve_backend(settings)
    return f"{backend.name}:{backend.model}"


def answered_in_process(
    settings: Settings, answer: Callable[[httpx.Request], httpx.Response]
) -> contextlib.closing[LLM]:
    """A model whose every request, threads' and asyncio's, is answered by ``answer`` in this
    process (nothing reaches a network): what a worker process warms up on."""
    transport = httpx.MockTransport(answer)
    base = settings.base_url or "http://in-process.invalid/v1"

    def connect() -> openai.OpenAI:
        return openai.OpenAI(
            base_url=base, api_key="-", http_client=httpx.Client(transport=transport)
        )

    def aconnect() -> AsyncConnection:
        http = httpx.AsyncClient(transport=transport)
        return openai.AsyncOpenAI(base_url=base, api_key="-", http_client=http), transport

    mode = instructor.Mode.TOOLS
    return contextlib.closing(
        LLM(connect(), settings.model, mode, settings, "in-process", aconnect=aconnect)
    )


@contextlib.contextmanager
def open_llm(settings: Settings, backend: Backend | None = None) -> Iterator[LLM]:
    """A ready model for the duration of the block (the local server stops at its end)."""
    with (backend or resolve_backend(settings)).open(settings) as llm:
        yield llm


# --------------------------------------------------------------------------- calls


_TRANSIENT = (openai.RateLimitError, openai.APIConnectionError, openai.InternalServerError)
_REASKABLE = (ValidationError, json.JSONDecodeError, ResponseParsingError)


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    """``exc``, then what caused it, and so on (instructor and the SDK wrap what they raise)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def transient_cause(exc: BaseException | None) -> openai.APIError | None:
    """The 429 / 5xx / timeout / connection error behind ``exc``, if that is what it is."""
    for at in _chain(exc):
        if isinstance(at, openai.APIConnectionError) and not isinstance(at, openai.APITimeoutError):
            # a network failure, not an error raised by the transport itself
            if isinstance(at.__cause__, httpx.TransportError | OSError) or at.__cause__ is None:
                return at
            return None
        if isinstance(at, _TRANSIENT):
            return at
        if isinstance(at, openai.APIStatusError) and at.status_code >= 500:
            return at
    return None


def retry_after(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (Retry-After / retry-after-ms), if it did."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    if ms := headers.get("retry-after-ms"):
        with contextlib.suppress(ValueError):
            return float(ms) / 1000
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        with contextlib.suppress(TypeError, ValueError):
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    return None


@dataclass
class _Wait:
    """Honour Retry-After (capped), else exponential backoff with jitter."""

    initial: float
    cap: float
    limiter: RateLimiter | None = None
    waits: list[float] = field(default_factory=list)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        cause = transient_cause(exc)
        asked = retry_after(cause)
        if asked is not None:
            delay = min(asked, self.cap)
        else:
            # initial * 2^n plus up to a second of jitter, capped (tenacity's own
            # wait_exponential_jitter warns that ``initial`` is deprecated for values but 1)
            backoff = wait_exponential(multiplier=self.initial, exp_base=2) + wait_random(0, 1)
            delay = min(self.cap, backoff(state))
        if self.limiter is not None and getattr(cause, "status_code", None) == 429:
            # the whole backend is over its limit: every worker holds off, this one included
            self.limiter.pause(delay)
        self.waits.append(delay)
        return delay


# Characters per token for English news text under the Qwen/OpenAI tokenizers, rounded down
# so estimates err on the large side (smaller chunks, larger rate-limit reservations).
_CHARS_PER_TOKEN = 3.5


def estimate_tokens(text: str) -> int:
    return int(len(text) / _CHARS_PER_TOKEN) + 1


@dataclass
class _Tally:
    """Counts every completion of one call, re-asks included, and notices truncation.

    llama.cpp's server reports finish_reason "tool_calls" even when a tool call was cut at
    max_tokens, so reaching max_tokens counts as truncated too. With a rate limiter, each
    request first reserves its estimated tokens and settles them when the answer arrives.
    """

    max_tokens: int
    limiter: RateLimiter | None = None
    reserved: int = 0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    truncated: bool = False
    per_call: list[tuple[int, int]] = field(default_factory=list)

    def on_request(self, body: dict[str, Any]) -> float:
        """Reserve the request's tokens; return how long to wait before sending it."""
        if self.limiter is None:
            return 0.0
        text = "".join(str(m.get("content") or "") for m in body.get("messages") or [])
        # the tool schema and chat template add about 200 tokens; the answer up to max_tokens
        self.reserved = estimate_tokens(text) + 200 + int(body.get("max_tokens") or self.max_tokens)
        return self.limiter.reserve(self.reserved)

    def on_response(self, response: Any) -> None:
        self.calls += 1
        usage = getattr(response, "usage", None)
        prompt = completion = 0
        if usage is not None:
            prompt, completion = usage.prompt_tokens or 0, usage.completion_tokens or 0
            self.prompt_tokens += prompt
            self.completion_tokens += completion
        self.per_call.append((prompt, completion))
        if self.limiter is not None:
            self.limiter.settle(self.reserved, prompt + completion or self.reserved)
        if completion >= self.max_tokens:
            self.truncated = True
        choices = getattr(response, "choices", None) or []
        if choices and choices[0].finish_reason == "length":
            self.truncated = True


_E = TypeVar("_E", bound=BaseException)


def _in_chain(exc: BaseException, kind: type[_E]) -> _E | None:
    """The first exception of ``kind`` among ``exc`` and its causes."""
    return next((at for at in _chain(exc) if isinstance(at, kind)), None)


def _root(exc: BaseException) -> str:
    """The message of the innermost cause, which says what really went wrong."""
    *_, exc = _chain(exc)
    return f"{type(exc).__name__}: {exc}"


def _check_async_validators_once() -> None:
    """instructor 1.17 walks the response model's whole class tree about seven times per call
    to refuse async validators (a third of a call's CPU time in a fast batch). The answer
    cannot change for a class, so each class is checked once. instructor is pinned; the
    helper looks the function up where instructor itself does, at call time."""
    from instructor.v2.validation import async_validators

    check = async_validators.reject_async_validators
    if getattr(check, "_checks_once", False):
        return
    checked: set[type] = set()
    lock = threading.Lock()

    def once(response_model: Any) -> None:
        if isinstance(response_model, type) and response_model in checked:
            return
        check(response_model)  # raises for a model with async validators: never remembered
        if isinstance(response_model, type):
            with lock:
                checked.add(response_model)

    once._checks_once = True  # type: ignore[attr-defined]
    async_validators.reject_async_validators = once
    # the sync and async create wrappers bound the name when instructor was imported
    from instructor.v2.core import patch

    patch.reject_async_validators = once


_check_async_validators_once()


@functools.cache
def _response_schema(model: type[T]) -> type[T]:
    """The response model as instructor wraps it, made once per model.

    instructor wraps a plain pydantic model in a new class on every call, which defeats its
    own schema cache and rebuilds the JSON Schema each time (most of a call's CPU time in a
    fast batch). A model that is already wrapped is used as it is.
    """
    return cast(type[T], instructor.openai_schema(model))


_STATUS_ERRORS: dict[int, type[openai.APIStatusError]] = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    409: openai.ConflictError,
    422: openai.UnprocessableEntityError,
    429: openai.RateLimitError,
}


def _status_error(response: httpx.Response) -> openai.APIStatusError:
    """The error the SDK raises for a non-2xx answer: the same class, message and body."""
    try:
        body: object = json.loads(response.text)
    except ValueError:
        body = response.text or None
    status = response.status_code
    kind = _STATUS_ERRORS.get(status) or (
        openai.InternalServerError if status >= 500 else openai.APIStatusError
    )
    error = body.get("error", body) if isinstance(body, dict) else body
    return kind(f"Error code: {status} - {body}", response=response, body=error)


class _AsyncChat:
    """Chat completions for asyncio callers, sent straight to the transport of the SDK's
    async client.

    The SDK's own ``post`` spends about 0.8 ms of CPU per call on request options, URL
    merging and a lenient field-by-field build of the answer, and httpx's client another
    0.3 ms on cookies and redirects that a completion never has: together a quarter of what
    one article costs a fast batch. The SDK still supplies the URL, the headers (key,
    organization, project), the timeout and the error classes; answers are validated by
    pydantic in one pass, and built the SDK's lenient way only when one does not validate.
    """

    def __init__(
        self, sdk: openai.AsyncOpenAI, transport: httpx.AsyncBaseTransport, limit: int | None
    ) -> None:
        self.sdk, self.transport = sdk, transport
        self.slots = asyncio.Semaphore(limit) if limit else None
        self.url = httpx.URL(f"{sdk.base_url}chat/completions")
        headers = {**sdk.default_headers, **sdk.auth_headers}  # auth: our API key, if any
        self.headers = httpx.Headers({k: v for k, v in headers.items() if isinstance(v, str)})
        self.extensions = {"timeout": httpx.Timeout(sdk.timeout).as_dict()}

    async def create(self, body: dict[str, Any]) -> ChatCompletion:
        request = httpx.Request(
            "POST",
            self.url,
            content=pydantic_core.to_json(body),
            headers=self.headers,
            extensions=self.extensions,
        )
        try:
            async with self.slots or contextlib.nullcontext():
                response = await self.transport.handle_async_request(request)
                response.request = request  # as httpx's client does: errors quote it
                await response.aread()
        except httpx.TimeoutException as exc:
            raise openai.APITimeoutError(request=request) from exc
        except Exception as exc:  # what the SDK does: the cause tells a network failure apart
            raise openai.APIConnectionError(request=request) from exc
        if not response.is_success:
            raise _status_error(response)
        try:
            return ChatCompletion.model_validate_json(response.content)
        except ValidationError:
            return cast(ChatCompletion, ChatCompletion.construct(**response.json()))


class _Call:
    """One ``complete`` or ``acomplete``: its tally, backoff and retry policy."""

    def __init__(self, llm: LLM, budget: int, max_tokens: int | None = None) -> None:
        s = llm.settings
        self.llm, self.settings, self.budget = llm, s, budget
        self.max_tokens = min(max_tokens or s.max_tokens, s.max_tokens)
        self.tally = _Tally(self.max_tokens, llm.limiter)
        self.waits = _Wait(s.backoff_initial, s.backoff_max, llm.limiter)
        self.started = time.monotonic()

    def usage(self) -> Usage:
        tally = self.tally
        return Usage(
            calls=tally.calls,
            prompt_tokens=tally.prompt_tokens,
            completion_tokens=tally.completion_tokens,
            reasks=max(0, tally.calls - 1 - len(self.waits.waits)),
            retries=len(self.waits.waits),
            seconds=round(time.monotonic() - self.started, 3),
            call_tokens=list(tally.per_call),
        )

    def request(
        self,
        messages: list[dict[str, str]],
        response_model: type[BaseModel],
        reasking: type[Retrying] | type[AsyncRetrying],
    ) -> dict[str, Any]:
        """instructor's arguments for one attempt (a transient retry starts a new one)."""
        s, tally = self.settings, self.tally
        remaining = self.budget - (tally.prompt_tokens + tally.completion_tokens)
        if remaining <= 0:
            raise BudgetExceededError(
                f"token budget of {self.budget} spent after {tally.calls} calls", self.usage()
            )
        # re-ask on a parse or validation error, but never feed a truncated answer back
        reasks = reasking(
            stop=stop_after_attempt(s.max_reasks + 1),
            retry=retry_if_exception(lambda e: isinstance(e, _REASKABLE) and not tally.truncated),
            reraise=True,
        )
        return {
            "model": self.llm.model,
            "messages": messages,
            "response_model": _response_schema(response_model),
            "max_retries": reasks,
            "token_budget": remaining,
            "temperature": s.temperature,
            "seed": s.seed,
            "max_tokens": self.max_tokens,
        }

    def retry_policy(self) -> dict[str, Any]:
        """tenacity's arguments for retrying transient failures (never shown to the model)."""
        llm = self.llm
        return {
            "retry": retry_if_exception(
                lambda e: transient_cause(e) is not None and not llm.unreachable(e)
            ),
            "stop": stop_after_attempt(self.settings.max_retries + 1),
            "wait": self.waits,
            "reraise": True,
            "before_sleep": self._before_retry,
        }

    def _before_retry(self, state: RetryCallState) -> None:
        """Say why a call is retried; if the server summarizer started has died, bring it
        back first (the retry then goes to the new one)."""
        cause = transient_cause(state.outcome.exception() if state.outcome else None)
        server = self.llm.server
        if server and isinstance(cause, openai.APIConnectionError) and server.revive():
            return
        log.warning(
            "transient failure, retrying model=%s attempt=%d error=%s",
            self.llm.model,
            state.attempt_number,
            cause,
        )

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """While the call runs, the post functions count into it (``_CALL``); whatever the
        last attempt raised leaves as the ``LLMError`` it amounts to."""
        token = _CALL.set(self)
        try:
            yield
        except (BudgetExceededError, BackendError):
            raise
        except IncompleteOutputException as exc:
            raise TruncatedOutputError(
                self.llm._truncated_message(self.max_tokens), self.usage()
            ) from exc
        except Exception as exc:
            raise self.llm._classify(exc, self.tally, self.usage()) from exc
        finally:
            _CALL.reset(token)

    def finished(self, result: T) -> tuple[T, Usage]:
        tally = self.tally
        log.info(
            "llm call model=%s calls=%d prompt_tokens=%d completion_tokens=%d latency=%.2fs",
            self.llm.model,
            tally.calls,
            tally.prompt_tokens,
            tally.completion_tokens,
            time.monotonic() - self.started,
        )
        return result, self.usage()


# The call this thread or asyncio task is making: the post functions, which instructor calls
# for every request (re-asks included), count into its tally. (instructor's hooks would do
# the same, at the cost of inspecting each handler's signature on every request.)
_CALL: contextvars.ContextVar[_Call] = contextvars.ContextVar("summarizer_llm_call")


class LLM:
    """An open model: ``complete`` returns a validated ``response_model`` and its usage."""

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        mode: instructor.Mode,
        settings: Settings,
        backend: str,
        connect: Callable[[], openai.OpenAI] | None = None,
        aconnect: Callable[[], AsyncConnection] | None = None,
        sleep: Any = time.sleep,
    ) -> None:
        self.client = client
        self._connect = connect
        self._aconnect = aconnect
        # one asynchronous client (and instructor around it) per event loop that calls us
        self._async: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[_AsyncChat, instructor.AsyncInstructor]
        ] = weakref.WeakKeyDictionary()
        self._local = threading.local()
        self._clients = [client]
        self._clients_lock = threading.Lock()
        self.model = model
        self.mode = mode
        self.settings = settings
        self.backend = backend
        self._sleep = sleep
        # at most this many requests in flight per event loop (None: as many as are made)
        self.requests_in_flight: int | None = None
        self._instructor = instructor.Instructor(
            client=client,
            create=instructor.patch(create=self._post_completion, mode=mode),
            mode=mode,
        )
        limiter = RateLimiter(settings.rpm, settings.tpm, sleep=sleep)
        self.limiter = limiter if limiter.active else None
        # whether the server has ever answered: until it has, a refused connection or a 404
        # is a wrong address, not a passing fault, and the run stops at once
        self.answered = False
        # the server summarizer started for this model, if it did: brought back if it dies
        self.server: ServerProcess | None = None

    @property
    def label(self) -> str:
        return f"{self.backend}:{self.model}"

    def _post_completion(self, **body: Any) -> ChatCompletion:
        """``client.chat.completions.create`` without its per-call walk of the request
        through the SDK's TypedDict annotations (a quarter of a call's CPU time in a fast
        batch, and a no-op for the plain JSON that instructor builds). The SDK still sends
        the request, maps errors and parses the answer."""
        call = _CALL.get(None)
        if call is not None and (wait := call.tally.on_request(body)) > 0:
            self._sleep(wait)
        client = self._thread_client()
        response = client.post("/chat/completions", body=body, cast_to=ChatCompletion)
        self.answered = True
        if call is not None:
            call.tally.on_response(response)
        return response

    def _thread_client(self) -> openai.OpenAI:
        """With ``connect``, each calling thread has a client (and connection pool) of its own:
        one pool shared by many threads serializes them on its lock."""
        if self._connect is None:
            return self.client
        client: openai.OpenAI | None = getattr(self._local, "client", None)
        if client is None:
            client = (
                self.client
                if threading.current_thread() is threading.main_thread()
                else self._connect()
            )
            with self._clients_lock:
                if client is not self.client:
                    self._clients.append(client)
            self._local.client = client
        return client

    def _async_instructor(self) -> instructor.AsyncInstructor:
        loop = asyncio.get_running_loop()
        opened = self._async.get(loop)
        if opened is None:
            if self._aconnect is None:
                raise ConfigError(f"{self.label} was opened without an asynchronous client")
            chat = _AsyncChat(*self._aconnect(), self.requests_in_flight)
            patched = instructor.patch(create=self._apost_completion, mode=self.mode)
            opened = (
                chat,
                instructor.AsyncInstructor(client=chat.sdk, create=patched, mode=self.mode),
            )
            self._async[loop] = opened
        return opened[1]

    async def _apost_completion(self, **body: Any) -> ChatCompletion:
        """``_post_completion`` for asyncio."""
        call = _CALL.get(None)
        if call is not None and (wait := call.tally.on_request(body)) > 0:
            await self._asleep(wait)
        response = await self._async[asyncio.get_running_loop()][0].create(body)
        if call is not None:
            call.tally.on_response(response)
        return response

    async def _asleep(self, seconds: float) -> None:
        if self._sleep is time.sleep:
            await asyncio.sleep(seconds)
        else:
            self._sleep(seconds)  # a test's recording clock

    def close(self) -> None:
        """Close every client this model opened (``aclose`` closes the current event loop's)."""
        with self._clients_lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

    async def aclose(self) -> None:
        """Close the asynchronous client of the running event loop, if it has one."""
        opened = self._async.pop(asyncio.get_running_loop(), None)
        if opened is not None:
            await opened[0].sdk.close()

    def complete(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        *,
        budget: int,
        max_tokens: int | None = None,
    ) -> tuple[T, Usage]:
        """Ask once, re-asking on validation errors and retrying transient failures.

        ``budget`` is the number of tokens this call may still spend; ``max_tokens`` caps the
        answer below ``Settings.max_tokens``. Raises an ``LLMError`` subclass carrying the
        usage spent so far.
        """
        call = _Call(self, budget, max_tokens)

        def attempt() -> T:
            request = call.request(messages, response_model, Retrying)
            return self._instructor.chat.completions.create(**request)

        with call.running():
            result = Retrying(sleep=self._sleep, **call.retry_policy())(attempt)
        return call.finished(result)

    async def acomplete(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        *,
        budget: int,
        max_tokens: int | None = None,
    ) -> tuple[T, Usage]:
        """``complete`` for asyncio: the same policy, without a thread per request."""
        call = _Call(self, budget, max_tokens)
        client = self._async_instructor()

        async def attempt() -> T:
            request = call.request(messages, response_model, AsyncRetrying)
            return await client.chat.completions.create(**request)

        with call.running():
            result: T = await AsyncRetrying(sleep=self._asleep, **call.retry_policy())(attempt)
        return call.finished(result)

    def _truncated_message(self, max_tokens: int | None = None) -> str:
        return (
            f"the model's answer was cut at max_tokens={max_tokens or self.settings.max_tokens} "
            "(finish_reason 'length'); raise --max-tokens"
        )

    @property
    def base_url(self) -> str:
        return str(self.client.base_url)

    def unreachable(self, exc: BaseException) -> bool:
        """A connection that failed before the server ever answered: a wrong address or a
        server that is not running, which retrying will not mend."""
        if self.answered:
            return False
        chain = list(_chain(exc))
        return any(
            isinstance(at, openai.APIConnectionError) and not isinstance(at, openai.APITimeoutError)
            for at in chain
        ) and any(isinstance(at, OSError) for at in chain)  # refused, no route, no such host

    def _classify(self, exc: Exception, tally: _Tally, usage: Usage) -> Exception:
        if self.unreachable(exc):
            return BackendUnavailableError(
                f"cannot reach {self.label} at {self.base_url}: {_root(exc)}; check --base-url "
                "(or SUMMARIZER_BASE_URL), or start the server"
            )
        cause = transient_cause(exc)
        if cause is not None:
            # the innermost cause says what happened: aiohttp's transport reports a refused
            # connection as a timeout (APITimeoutError), its cause as what it is
            root = _root(cause)
            detail = "" if root.endswith(str(cause)) else f" ({root})"
            return TransientError(
                f"{type(cause).__name__} from {self.label} after "
                f"{self.settings.max_retries + 1} attempts: {cause}{detail}",
                usage,
            )
        if isinstance(exc, TokenBudgetExceeded):
            return BudgetExceededError(f"token budget exhausted: {exc}", usage)
        if tally.truncated:
            return TruncatedOutputError(self._truncated_message(tally.max_tokens), usage)
        # instructor raises its own exception, caused by the SDK's
        refused = _in_chain(exc, openai.APIStatusError)
        if isinstance(refused, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return ConfigError(
                f"{self.label} rejected the credentials ({refused.status_code}): check "
                "OPENAI_API_KEY, or --base-url for a local server"
            )
        if isinstance(refused, openai.NotFoundError) and not self.answered:
            return ConfigError(
                f"{self.base_url} has no model {self.model!r} (404): check --base-url (it "
                "usually ends in /v1) and --model"
            )
        if refused is not None:
            return ExtractionError(f"{self.label} refused the request: {refused}", usage)
        return ExtractionError(
            f"no valid answer from {self.label} after {tally.calls} calls: {_root(exc)}", usage
        )
