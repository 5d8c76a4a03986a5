"""How long the next run of ``summarizer batch --every`` takes to merge what it added.

    python bench/batch_follow.py [--added N] [--no-texts] [SIZE]   # default: 1000 into 100000

Builds SIZE + N synthetic extractions (those of ``bench/merge_scale.py``), each article with a
text of about 4,000 characters, and stores the first SIZE by date (articles, then extractions,
as batch runs store them). The first run of a following batch merges the whole store
(``Following.report``). Then the N reports of the latest days are stored, as a feed's next
poll brings them, and the next ``Following.report`` is timed: the new extractions read from
the store and added to the merge (``Merger.add``). Beside it, the report a new process (a
cron run) makes of the same store: every article and extraction read, and all merged again;
and whether both give the same events. The target is under 3 s for 1,000 added to 100,000.
The model is not involved: the extractions are stored as if it had given them.
"""

from __future__ import annotations

import argparse
import gc
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

from merge_scale import _day, _interpreter_us, _Steps, synthetic, texts

from summarizer.batch import Following, _report
from summarizer.ground import GROUNDING_VERSION
from summarizer.schemas import SCHEMA_VERSION, Article, ArticleExtraction
from summarizer.store import ExtractionKey, Store

KEY = ExtractionKey("bench:synthetic", "bench", SCHEMA_VERSION)


def _store(store: Store, extractions: list[ArticleExtraction], articles: list[Article]) -> None:
    """Stores articles and their extractions in two transactions (a batch run writes one per
    article: the same rows, far slower to write)."""
    run_id = store.start_run(KEY, ["bench"])
    hashes = {a.id: a.content_hash for a in store.add_articles(articles, run_id)}
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO extractions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (hashes[x.article_id], *KEY.row(), run_id, "2026-01-01T00:00:00+00:00",
                 x.model_dump_json(), None, GROUNDING_VERSION)
                for x in extractions
            ],
        )  # fmt: skip
    store.finish_run(run_id, "completed", seen=len(articles), cached=0, extracted=0, failed=0)


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", nargs="?", type=int, default=100_000)
    parser.add_argument("--added", type=int, default=1000)
    parser.add_argument("--no-texts", action="store_true", help="articles without their text")
    opts = parser.parse_args(args)
    data = synthetic(opts.size + opts.added)
    if opts.no_texts:  # the quote alone as the text
        articles = [Article(id=x.article_id, text=x.events[0].evidence[0].quote) for x in data]
    else:
        articles = texts(data)
    article_of = {a.id: a for a in articles}
    data.sort(key=lambda x: _day(x, article_of))
    old, new = data[: opts.size], data[opts.size :]
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "s.sqlite") as store:
        started = time.perf_counter()
        _store(store, old, [article_of[x.article_id] for x in old])
        seconds = time.perf_counter() - started
        print(f"stored {len(old):,} articles and extractions in {seconds:.1f}s")
        following = Following()
        started = time.perf_counter()
        first = _report(store, KEY, following.articles(store), following=following)
        print(
            f"first run: {len(first.events):,} events from {following.added:,} extractions in"
            f" {time.perf_counter() - started:.1f}s (read and merged)",
            flush=True,
        )
        del first
        _store(store, new, [article_of[x.article_id] for x in new])
        del data, old, new, articles
        article_of.clear()
        gc.collect()
        steps = _Steps()  # the merge's own steps, as it logs them
        logger = logging.getLogger("summarizer.merge")
        logger.addHandler(steps)
        logger.setLevel(logging.DEBUG)
        before = _interpreter_us()
        started = time.perf_counter()
        stored = following.articles(store)
        reading = time.perf_counter() - started
        report = _report(store, KEY, stored, following=following)
        adding = time.perf_counter() - started
        after = _interpreter_us()
        logger.removeHandler(steps)
        events = [e.articles for e in report.events]
        print(
            f"next run: {following.added:,} new extractions added in {adding:.2f}s (new articles"
            f" read in {reading:.2f}s); {len(report.events):,} events (interpreter"
            f" {before:.0f}/{after:.0f} us before/after)",
            flush=True,
        )
        print(f"        merge: {steps.last}", flush=True)
        del report, following, stored
        gc.collect()
        started = time.perf_counter()
        whole = _report(store, KEY, store.articles())
        full = time.perf_counter() - started
        same = [e.articles for e in whole.events] == events
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(
            f"a new process's report of the store: {full:.1f}s (read and merged again); same"
            f" events: {'yes' if same else 'NO'}; process peak {peak_mb:,.0f} MB"
        )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
