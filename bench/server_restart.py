"""What a local model server's death costs a batch: the same batch undisturbed, then with the
server killed (SIGKILL) once mid-run and brought back by summarizer.

    python bench/server_restart.py [--articles 40] [--latency 0.2] [--concurrency 2]

The server is ``tests/fake_openai.py`` (an OpenAI-compatible server with a fixed latency per
answer) run as summarizer runs llama.cpp's: a process it started, on a port it chose. Prints
both runs' seconds, the restarts, the articles extracted and failed, and the target: the
disturbed run within one server start plus two articles' time of the undisturbed one.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.batch import BatchOptions, run_batch  # noqa: E402
from summarizer.llm import CompatibleBackend, ServerProcess  # noqa: E402
from summarizer.settings import Settings  # noqa: E402
from summarizer.store import Store  # noqa: E402
from tests.test_batch import _articles, _count  # noqa: E402

FAKE = ROOT / "tests" / "fake_openai.py"


def _run(folder: Path, n: int, latency: float, concurrency: int, kill_after: int | None) -> dict:
    feed = _articles(folder / "feed.jsonl", n)
    db = folder / "store.sqlite"
    log = tempfile.TemporaryFile()  # noqa: SIM115

    def command(port: int) -> list[str]:
        return [sys.executable, str(FAKE), "--latency", str(latency), "--port", str(port)]

    server = ServerProcess(command, log, start_timeout=30)
    started = time.monotonic()
    server.start()
    start_seconds = time.monotonic() - started

    def killer() -> None:
        while kill_after is not None:
            if db.exists() and _count(db, "SELECT COUNT(*) FROM extractions") >= kill_after:
                assert server.proc is not None
                server.proc.send_signal(signal.SIGKILL)
                return
            time.sleep(0.01)

    settings = Settings(model="fake", base_url=server.base_url, backoff_initial=0.05)
    try:
        with CompatibleBackend("fake", server.base_url).open(settings) as llm:
            llm.server = server
            thread = threading.Thread(target=killer, daemon=True)
            thread.start()
            began = time.monotonic()
            with Store(db) as store:
                result = run_batch(
                    [str(feed)], store, settings, BatchOptions(concurrency=concurrency), llm=llm
                )
            seconds = time.monotonic() - began
    finally:
        server.stop()
        log.close()
    return {
        "seconds": seconds,
        "start": start_seconds,
        "restarts": server.restarts,
        "extracted": result.extracted,
        "failed": result.failed,
        "stored": _count(db, "SELECT COUNT(DISTINCT hash) FROM extractions"),
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--articles", type=int, default=40)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        calm = _run(Path(a), args.articles, args.latency, args.concurrency, None)
        hit = _run(Path(b), args.articles, args.latency, args.concurrency, args.articles // 3)
    per_article = calm["seconds"] / args.articles * args.concurrency
    allowed = calm["seconds"] + hit["start"] + 2 * per_article
    for name, run in (("undisturbed", calm), ("killed once", hit)):
        print(
            f"{name}: {run['seconds']:.2f}s, {run['extracted']} extracted, {run['failed']} failed,"
            f" {run['stored']} stored, {run['restarts']} restarts"
        )
    print(
        f"target: <= {allowed:.2f}s (undisturbed + one server start {hit['start']:.2f}s + "
        f"2 articles {2 * per_article:.2f}s): {'met' if hit['seconds'] <= allowed else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
