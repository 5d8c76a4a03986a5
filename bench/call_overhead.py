"""CPU per model call, layer by layer, against a fake server that answers at once.

    python bench/call_overhead.py [--calls 200]

Runs the same chat completion with tool call through: a raw httpx POST, the openai SDK's
``chat.completions.create``, the SDK's ``post`` (what ``LLM`` sends through: the same request
without the SDK's per-call walk of it through its TypedDict annotations), ``LLM.complete``
(instructor + our retry policy), and ``extract`` (prompt, call, grounding); then the asyncio
path that batch worker processes use (``LLM.acomplete``, straight to the aiohttp transport,
and ``aextract_with_drafts``), then grounding alone. Prints wall and CPU milliseconds per
call, one call at a time. This is what bounds batch throughput on a small machine: see
bench/batch_throughput.py.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import instructor
import openai
from openai.types.chat import ChatCompletion

from summarizer.extract import _messages, aextract_with_drafts, extract
from summarizer.ground import ground_extraction
from summarizer.llm import LLM, open_llm
from summarizer.schemas import Article, DraftExtraction
from summarizer.sentences import split_sentences
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = Article(
    id="x",
    text="Ministers met in Rome on Monday for the port talks. Italy pledged funds for the port. "
    "Spain said it would consider a role.",
)
ANSWER = (
    '{"events":[{"ref":"E1","name":"Meeting","kind":"meeting","s":[1]}],"pledges":[{"actor":'
    '"Italy","type":"money","what":"funding","status":"committed","event":"E1","s":[2]}]}'
)


def timed(label: str, call: Callable[[], object], n: int) -> None:
    for _ in range(5):
        call()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        call()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"| {label} | {wall / n * 1000:.2f} | {cpu / n * 1000:.2f} |", flush=True)


def atimed(label: str, call: Callable[[], Awaitable[object]], n: int, llm: LLM) -> None:
    async def run() -> tuple[float, float]:
        try:
            for _ in range(5):
                await call()
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(n):
                await call()
            return time.perf_counter() - wall, time.process_time() - cpu
        finally:
            await llm.aclose()

    wall, cpu = asyncio.run(run())
    print(f"| {label} | {wall / n * 1000:.2f} | {cpu / n * 1000:.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    n = parser.parse_args().calls
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_openai.py"), "--latency", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    base = f"http://127.0.0.1:{server.stdout.readline().split()[1]}/v1"
    sentences = split_sentences(ARTICLE.text)
    messages = _messages(ARTICLE, sentences)
    wrapped: Any = instructor.openai_schema(DraftExtraction)
    tool = {"type": "function", "function": wrapped.openai_schema}
    body = {
        "model": "fake",
        "messages": messages,
        "tools": [tool],
        "tool_choice": {"type": "function", "function": {"name": "DraftExtraction"}},
        "max_tokens": 1536,
    }
    settings = Settings(model="fake", base_url=base, max_reasks=0)
    client = openai.OpenAI(base_url=base, api_key="x", max_retries=0)
    draft = DraftExtraction.model_validate_json(ANSWER)
    print("| layer | wall ms/call | cpu ms/call |\n|---|---|---|")

    def complete() -> object:
        return llm.complete(messages, DraftExtraction, budget=10**6)

    def sdk() -> object:
        return client.chat.completions.create(**body)  # type: ignore[call-overload]

    def sdk_post() -> object:
        return client.post("/chat/completions", body=body, cast_to=ChatCompletion)

    def whole() -> object:
        return extract(ARTICLE, settings, llm=llm)

    async def acomplete() -> object:
        return await llm.acomplete(messages, DraftExtraction, budget=10**6)

    async def awhole() -> object:
        return await aextract_with_drafts(ARTICLE, settings, llm)

    def ground() -> object:
        return ground_extraction(
            ARTICLE, sentences, draft.events, draft.pledges, model="m", prompt_version="p"
        )

    try:
        with httpx.Client() as raw, open_llm(settings) as llm:
            timed("raw httpx POST", lambda: raw.post(base + "/chat/completions", json=body), n)
            timed("openai SDK, chat.completions.create", sdk, n)
            timed("openai SDK, post", sdk_post, n)
            timed("LLM.complete (instructor)", complete, n)
            timed("extract (prompt, call, grounding)", whole, n)
            # one event loop per row: each gets (and leaves) its own asynchronous client
            atimed("LLM.acomplete (instructor, asyncio)", acomplete, n, llm)
            atimed("aextract_with_drafts (asyncio)", awhole, n, llm)
        timed("grounding only", ground, n)
    finally:
        server.kill()
        server.wait()
        server.stdout.close()


if __name__ == "__main__":
    main()
