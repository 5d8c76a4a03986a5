"""How merge groups a few articles: each development-corpus event's articles alone, and
every two events' articles together.

    python bench/small_inputs.py [--devset DIR] [--answers FILE]

A user who summarises the five reports of one summit gives merge far less to count with than
the whole corpus does: no count of event names says which words are rare (fewer than 20
names), and the words the reports share weigh nothing when every article has them. This
bench replays the recorded model answers (as ``bench/quality.py --offline`` does; an
article whose answers are not recorded is left out, and said), merges each event's articles
alone and each pair of events' articles together, and prints how many events come out (one
per real event is right) and how many of them mix two real events (none should).
"""

from __future__ import annotations

import itertools
import sys

from quality import Answers, _extract, corpus_arguments, load_devset  # type: ignore[attr-defined]

from summarizer.assemble import Assembly
from summarizer.errors import SummarizerError
from summarizer.merge import merge
from summarizer.schemas import Article, ArticleExtraction
from summarizer.settings import Settings


def main() -> int:
    args = corpus_arguments(__doc__).parse_args()
    if (corpus := load_devset(args.devset)) is None:
        return 2
    gold, articles = corpus
    settings = Settings(model=args.model)
    answers = Answers(args.answers, None, settings.model)
    extracted: dict[str, ArticleExtraction] = {}
    for article in articles:
        try:
            extracted[article.id] = _extract(article, settings, answers, Assembly())
        except SummarizerError as exc:
            print(f"left out {article.id}: {exc}", file=sys.stderr)
    if answers.unanswered:
        print(f"{answers.unanswered} questions not recorded: run bench/quality.py first",
              file=sys.stderr)  # fmt: skip
    by_id = {a.id: a for a in articles}
    event_of = {aid: e.id for e in gold.events for aid in e.articles}

    def merged(ids: list[str]) -> list[list[str]]:
        kept: list[Article] = [by_id[i] for i in ids if i in extracted]
        report = merge([extracted[a.id] for a in kept], kept)
        return [e.articles for e in report.events]

    alone = [merged(list(e.articles)) for e in gold.events]
    pairs = [merged([*a.articles, *b.articles]) for a, b in itertools.combinations(gold.events, 2)]
    mixed = sum(1 for events in pairs for ids in events if len({event_of.get(i) for i in ids}) > 1)
    print(
        f"each event alone: {sum(map(len, alone))} events for {len(alone)}; "
        f"each two events together: {sum(map(len, pairs))} events for {2 * len(pairs)}, "
        f"{mixed} mixing two"
    )
    for e, events in zip(gold.events, alone, strict=True):
        if len(events) > 1:
            print(f"  {e.id}: {[[i.rsplit('--', 1)[-1] for i in ids] for ids in events]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
