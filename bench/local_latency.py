"""Seconds per article on the bundled local model, against the lower bound for each call.

    python bench/local_latency.py [--model local:PATH] [ARTICLES...]
    python bench/local_latency.py --devset ../shared/devset --first 22   # the development corpus

Runs the sample articles in order through one local server (so llama.cpp can reuse the
static prompt prefix) and prints, per article: prompt tokens, how many of them the server
actually had to evaluate (uncached), completion tokens, seconds, and the lower bound

    uncached prompt tokens / prompt-eval rate + completion tokens / generation rate

with both rates measured by the server over the whole run (from its own perf log).
The target is a ratio (seconds / bound) of at most 1.3 for the second and later articles.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from summarizer.extract import extract
from summarizer.feeds import Loaded, iter_articles
from summarizer.llm import LocalBackend
from summarizer.modelstore import resolve_model_file
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
_PROMPT = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_EVAL = re.compile(r"\beval time =\s*([\d.]+) ms /\s*(\d+) runs")


def _perf(log: str) -> list[tuple[float, int, float, int]]:
    """(prompt ms, prompt tokens, eval ms, eval tokens) per completion, in order."""
    prompts = [(float(ms), int(n)) for ms, n in _PROMPT.findall(log)]
    evals = [(float(ms), int(n)) for ms, n in _EVAL.findall(log)]
    # llama.cpp prints a "prompt eval time" line then an "eval time" line per completion
    return [(p[0], p[1], e[0], e[1]) for p, e in zip(prompts, evals, strict=True)]


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("articles", nargs="*", default=[str(ROOT / "examples" / "articles")])
    ap.add_argument("--model", default="local:default")
    ap.add_argument("--devset", type=Path, help="run the corpus in DIR/articles.jsonl instead")
    ap.add_argument("--first", type=int, help="only the first N articles")
    args = ap.parse_args()
    settings = Settings(model=args.model)
    sources = [str(args.devset / "articles.jsonl")] if args.devset else args.articles
    loaded = [i for i in iter_articles(sources) if isinstance(i, Loaded)][: args.first]
    log_path = Path(tempfile.mkdtemp()) / "server.log"
    backend = LocalBackend(resolve_model_file(args.model), log_path=log_path)
    rows = []
    with backend.open(settings) as llm:
        for item in loaded:
            started = time.monotonic()
            extraction = extract(item.article, settings, llm=llm)
            rows.append((item.article.id, extraction, time.monotonic() - started))
    perf = _perf(log_path.read_text("utf-8", "replace"))
    calls = sum(x.usage.calls for _, x, _ in rows)
    if len(perf) != calls:
        print(f"warning: {len(perf)} perf records for {calls} calls", file=sys.stderr)
    prompt_rate = sum(p[1] for p in perf) / (sum(p[0] for p in perf) / 1000)
    gen_rate = sum(p[3] for p in perf) / (sum(p[2] for p in perf) / 1000)
    print(f"prompt-eval rate {prompt_rate:.1f} tok/s, generation rate {gen_rate:.1f} tok/s")
    print(
        f"{'article':<24}{'calls':>6}{'prompt':>8}{'uncached':>10}{'output':>8}{'seconds':>9}{'bound':>8}{'ratio':>7}"
    )
    i = 0
    for article_id, x, seconds in rows:
        mine = perf[i : i + x.usage.calls]
        i += x.usage.calls
        uncached = sum(p[1] for p in mine)
        bound = uncached / prompt_rate + x.usage.completion_tokens / gen_rate
        print(
            f"{article_id:<24}{x.usage.calls:>6}{x.usage.prompt_tokens:>8}{uncached:>10}"
            f"{x.usage.completion_tokens:>8}{seconds:>9.1f}{bound:>8.1f}{seconds / bound:>7.2f}"
        )
    total = sum(s for _, _, s in rows)
    per = total / max(1, len(rows))
    print(f"total {total:.1f}s for {len(rows)} articles ({per:.1f}s per article)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
