"""Batch extraction throughput against a model that takes a fixed time to answer.

    python bench/batch_throughput.py [--latency 0.2] [--articles 2000] [--levels 1 8 64]

A fake OpenAI-compatible server (tests/fake_openai.py, in its own process, loopback only)
answers every call with a valid tool call after ``--latency`` seconds. For each concurrency
level this runs ``summarizer.batch.run_batch`` on a fresh store and prints articles per second
and the ratio to the ideal, concurrency / latency. The extraction phase is timed from the
moment the articles to extract are known (before any worker process starts) to the last
stored result, apart from the whole run, which also reads, stores and merges. The sustained
rate is the same ratio between the 10th and the 90th percentile of results: without the
start (workers, first connections) and the last, partial round (2,000 articles are 31.25
rounds of 64, so even a perfect client ends on a round with a quarter of its slots busy).
CPU per article
counts the main process and its worker processes over the whole run (not the fake server).
Concurrency 1 runs at most 50 articles and 8 at most 400, to keep the bench short.
Target: a ratio of at least 0.9 at concurrency 64 with 200 ms latency for 2,000 articles.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from summarizer.batch import BatchOptions, BatchProgress, run_batch, worker_processes
from summarizer.settings import Settings
from summarizer.store import Store

ROOT = Path(__file__).resolve().parent.parent
CAP = {1: 50, 8: 400}


def articles(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            text = (
                f"Ministers met in city {i % 97} on Monday for round {i} of the port talks. "
                f"Italy pledged funds for the port. Spain said it would consider a role."
            )
            f.write(json.dumps({"id": f"a{i}", "text": text}) + "\n")


def _cpu() -> float:
    """CPU seconds of this process and of its children that have exited (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 64])
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_openai.py"), "--latency", str(args.latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    port = server.stdout.readline().split()[1]
    settings = Settings(model="fake", base_url=f"http://127.0.0.1:{port}/v1", max_reasks=0)
    print(f"latency {args.latency * 1000:.0f} ms, one call per article")
    print(
        "| concurrency | worker processes | articles | extraction s | articles/s | ideal/s "
        "| ratio | sustained ratio | whole run s | CPU ms/article |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    try:
        for level in args.levels:
            n = min(args.articles, CAP.get(level, args.articles))
            with tempfile.TemporaryDirectory() as tmp:
                feed = Path(tmp) / "feed.jsonl"
                articles(feed, n)
                marks: list[float] = []

                def progress(p: BatchProgress, marks: list[float] = marks) -> None:
                    marks.append(time.perf_counter())

                started = time.perf_counter()
                cpu = _cpu()
                with Store(Path(tmp) / "s.sqlite") as store:
                    result = run_batch(
                        [str(feed)],
                        store,
                        settings,
                        BatchOptions(concurrency=level),
                        on_progress=progress,
                    )
                whole = time.perf_counter() - started
                cpu = _cpu() - cpu
                assert result.extracted == n, (result.extracted, result.failures)
                if level == args.levels[-1]:
                    again_started = time.perf_counter()
                    with Store(Path(tmp) / "s.sqlite") as store:
                        again = run_batch([str(feed)], store, settings)
                    again_seconds = time.perf_counter() - again_started
                    assert again.cached == n and again.extracted == 0
                    assert again.totals is not None and again.totals.calls == 0
                extraction = marks[-1] - marks[0]  # from "todo known" to the last result
                low, high = n // 10, n - n // 10  # marks[k] is the time of the k-th result
                sustained = (high - low) / (marks[high] - marks[low])
                rate = n / extraction
                ideal = level / args.latency
                print(
                    f"| {level} | {worker_processes(level)} | {n} | {extraction:.2f} | "
                    f"{rate:.1f} | {ideal:.1f} | {rate / ideal:.3f} | {sustained / ideal:.3f} | "
                    f"{whole:.2f} | "
                    f"{cpu / n * 1000:.2f} |",
                    flush=True,
                )
        print(
            f"second run over the same {n} articles: {again_seconds:.2f} s, no calls "
            f"({again_seconds / n * 1000:.2f} s per 1,000 articles)"
        )
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
