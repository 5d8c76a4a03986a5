"""How long merge takes for 1k, 10k and 100k synthetic extractions.

    python bench/merge_scale.py [--agreeing] [--texts] [--undated SHARE] [--same-process]
                                [--repeat N] [SIZES...]
    python bench/merge_scale.py --add 1000 [--spread] [--texts] 100000

Each synthetic article reports one of many real-world events (a city, a day, a host) with
three pledges; several articles report each event. By default the countries of an event's
pledges are the same in every article but each article draws the commitment type and the
status at random, so few pledges merge and most that do conflict: the most work for merge.
With ``--agreeing`` each event has one list of pledges that its articles report three of,
and one report in ten gives another status.

By default the articles come without their text, and merge compares their wording through
the quotes the extractions cite. With ``--texts`` each article also has a text of about 4,000
characters (its quote, then words drawn from a vocabulary of 20,000 with a few common and
many rare ones, as in news), and merge reads the wording from the whole text, as it does
when the articles are given.

With ``--undated SHARE`` that share of the extractions give no date (neither the event nor
its quote), as many feed items do, and every article has a publication day (its event's, or
up to two days later): an undated report is compared with the events of the weeks around its
publication.

Each size runs in a fresh interpreter. With ``--same-process`` they all run in this one, and
each merge inherits the heap that the sizes before it used and freed; the 100k merge then
takes about a third longer. With ``--repeat N`` each size runs N times (each time in a fresh
interpreter, on the same data), and a last line gives the median, fastest and slowest time.

Besides the time of each merge it prints the time of each step (merge logs them at DEBUG),
the process's peak memory (the extractions and texts included; with ``--same-process``, the
largest so far), and how fast this interpreter is at that moment (a dict filled in a loop):
on a shared machine the same merge can take half as long again from one minute to the next.
The target is under 10 s for 100k extractions on a 2-core machine.

With ``--add N`` each size is merged with ``Merger``, then N more extractions are added to
it: by default the reports of the latest days (as a feed's next run brings), with
``--spread`` reports of any day. It prints how long adding took and how many candidates it
took again, beside one merge of all of them, and whether both give the same events. The
target is under 3 s for 1,000 added to 100,000 with texts.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import timeit
from dataclasses import replace
from datetime import date, timedelta

from summarizer.merge import Merger, merge
from summarizer.schemas import (
    Alignment,
    Article,
    ArticleExtraction,
    CommitmentType,
    DateValue,
    Event,
    EventKind,
    Evidence,
    Pledge,
    PledgeStatus,
    Precision,
)

CITIES = [
    "Paris",
    "London",
    "Berlin",
    "Rome",
    "Warsaw",
    "Brussels",
    "Madrid",
    "Vienna",
    "Oslo",
    "Prague",
]
COUNTRIES = ["FRA", "GBR", "DEU", "ITA", "POL", "BEL", "ESP", "AUT", "NOR", "CZE", "USA", "CAN"]


def texts(extractions: list[ArticleExtraction], seed: int = 1) -> list[Article]:
    """An article for each extraction: its quote, then about 4,000 characters of words."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = ["".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(20_000)]
    # Zipf: a few common words, many rare ones (summed once, not at every draw)
    ranks = list(itertools.accumulate(1 / rank for rank in range(1, len(vocabulary) + 1)))
    out = []
    for x in extractions:
        quote = x.events[0].evidence[0].quote
        words = rng.choices(vocabulary, cum_weights=ranks, k=600)
        out.append(Article(id=x.article_id, text=f"{quote} {' '.join(words)}."))
    return out


def undated(
    extractions: list[ArticleExtraction], share: float, articles: list[Article], seed: int = 2
) -> tuple[list[ArticleExtraction], list[Article]]:
    """Takes the date out of ``share`` of the extractions (neither their event nor their quote
    gives one), as many feed items have none; every article gets a publication day (its
    event's day, or up to two days later) and, unless ``articles`` gives one, its quote as
    its text."""
    rng = random.Random(seed)
    texts = {a.id: a.text for a in articles}
    out_x, out_a = [], []
    for x in extractions:
        event = x.events[0]
        day = event.date.value if event.date else None
        assert day is not None  # synthetic events all have one
        text = texts.get(x.article_id, event.evidence[0].quote)
        if rng.random() < share:
            quote = re.sub(r" on \w+ \d\d, \d{4}", "", event.evidence[0].quote)
            text = text.replace(event.evidence[0].quote, quote)
            ev = _ev(x.article_id, quote, 0)
            event = replace(event, date=None, evidence=[ev])
            pledges = [replace(p, evidence=[ev]) for p in x.pledges]
            x = x.model_copy(update={"events": [event], "pledges": pledges})
        published = day + timedelta(days=rng.randrange(3))
        out_x.append(x)
        out_a.append(Article(id=x.article_id, text=text, published=published.isoformat()))
    return out_x, out_a


def _ev(aid: str, quote: str, start: int, field: str = "record") -> Evidence:
    return Evidence(
        article_id=aid,
        quote=quote,
        start=start,
        end=start + len(quote),
        alignment=Alignment.exact,
        field=field,
    )


def synthetic(n: int, seed: int = 1, agreeing: bool = False) -> list[ArticleExtraction]:
    rng = random.Random(seed)
    real_events = max(1, n // 5)
    out = []
    for i in range(n):
        k = rng.randrange(real_events)
        ev_rng = random.Random(k)
        day = date(2020, 1, 1) + timedelta(days=ev_rng.randrange(5 * 365))
        city = ev_rng.choice(CITIES)
        aid = f"a{i}"
        quote = f"Leaders met in {city} on {day:%B %d, %Y} for talks number {k}."
        event = Event(
            id=f"{aid}#E1", name=f"{city} summit {k}", kind=EventKind.summit,
            date=DateValue(text=f"{day:%B %d, %Y}", value=day, precision=Precision.day),
            location=city, evidence=[_ev(aid, quote, 0)],
        )  # fmt: skip
        if agreeing:  # the event's own pledges, three of them reported by each article
            said = [
                (ev_rng.choice(COUNTRIES), ev_rng.choice(list(CommitmentType)),
                 ev_rng.choice(list(PledgeStatus)))
                for _ in range(ev_rng.randrange(3, 9))
            ]  # fmt: skip
            reported = [
                (c, t, s if rng.random() >= 0.1 else rng.choice(list(PledgeStatus)))
                for c, t, s in rng.sample(said, 3)
            ]
        else:
            reported = [
                (
                    ev_rng.choice(COUNTRIES) if j else COUNTRIES[k % len(COUNTRIES)],
                    rng.choice(list(CommitmentType)),
                    rng.choice(list(PledgeStatus)),
                )
                for j in range(3)
            ]
        pledges = [
            Pledge(
                actor=country, actor_id=country, actor_country=country, commitment_type=ctype,
                description=f"{ctype.value} for Ukraine", status=status,
                event_id=event.id, evidence=[_ev(aid, quote, 0)],
            )
            for country, ctype, status in reported
        ]  # fmt: skip
        out.append(
            ArticleExtraction(
                article_id=aid,
                events=[event],
                pledges=pledges,
                model="bench",
                prompt_version="bench",
            )
        )
    return out


class _Steps(logging.Handler):
    """Keeps the step times merge logs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.last = record.getMessage().partition("(")[2].rstrip(")")


def _interpreter_us() -> float:
    """Microseconds to fill a dict of 1,000 ints: how fast this interpreter runs just now."""
    timer = timeit.Timer("d = {}\nfor i in range(1000): d[i] = i")
    return min(timer.repeat(repeat=5, number=200)) / 200 * 1e6


def _run(n: int, agreeing: bool, with_texts: bool, share: float | None = None) -> float:
    """Merges ``n`` synthetic extractions (and their articles' texts), prints the time, the
    steps and the counts, and returns the time; with ``share``, that share of them undated."""
    steps = _Steps()
    logger = logging.getLogger("summarizer.merge")
    logger.addHandler(steps)
    logger.setLevel(logging.DEBUG)
    data = synthetic(n, agreeing=agreeing)
    articles = texts(data) if with_texts else []
    if share is not None:
        data, articles = undated(data, share, articles)
    before = _interpreter_us()
    started = time.perf_counter()
    report = merge(data, articles)
    seconds = time.perf_counter() - started
    after = _interpreter_us()
    logger.removeHandler(steps)  # one handler a size, also with --same-process
    rate = n / seconds
    events = len(report.events)
    pledges = sum(len(e.pledges) for e in report.events)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"{n:>7} extractions -> {events:>6} events, {pledges:>7} pledges in {seconds:6.2f}s"
        f" ({rate:,.0f}/s; interpreter {before:.0f}/{after:.0f} us before/after)"
    )
    print(f"        {steps.last}; process peak {peak_mb:,.0f} MB", flush=True)
    return seconds


def _run_added(
    n: int, added: int, agreeing: bool, with_texts: bool, spread: bool, share: float | None
) -> None:
    """Merges ``n`` synthetic extractions with ``Merger``, then adds ``added`` more and prints
    how long adding took, beside one merge of all of them (and whether both give the same
    events). The added ones are the reports of the latest days (a feed's next run), or with
    ``spread`` reports of any day (the most work: much is taken again); with ``share``, that
    share of all of them undated."""
    data = synthetic(n + added, agreeing=agreeing)
    articles = texts(data) if with_texts else []
    if share is not None:
        data, articles = undated(data, share, articles)
    text_of = {a.id: a for a in articles}
    if spread:
        old, new = data[:n], data[n:]
    else:
        by_day = sorted(data, key=lambda x: _day(x, text_of))
        old, new = by_day[:n], by_day[n:]

    def texts_of(xs: list[ArticleExtraction]) -> list[Article]:
        return [text_of[x.article_id] for x in xs] if articles else []

    merger = Merger()
    started = time.perf_counter()
    merger.add(old, texts_of(old))
    stored = time.perf_counter() - started
    steps = _Steps()
    logger = logging.getLogger("summarizer.merge")
    logger.addHandler(steps)
    logger.setLevel(logging.DEBUG)
    started = time.perf_counter()
    report = merger.add(new, texts_of(new))
    adding = time.perf_counter() - started
    logger.removeHandler(steps)
    started = time.perf_counter()
    whole = merge(old + new, texts_of(old + new))
    full = time.perf_counter() - started
    same = [e.articles for e in report.events] == [e.articles for e in whole.events]
    shape = "of any day" if spread else "of the latest days"
    print(
        f"{n:>7} extractions merged in {stored:6.2f}s; {added} more {shape} added in"
        f" {adding:5.2f}s ({merger.taken_again} taken again); one merge of all"
        f" {n + added} in {full:6.2f}s; same events: {'yes' if same else 'NO'}",
        flush=True,
    )
    print(f"        adding: {steps.last}", flush=True)


def _day(x: ArticleExtraction, articles: dict[str, Article]) -> date:
    """The day of an extraction's event, else of its article's publication."""
    if (d := x.events[0].date) and d.value:
        return d.value
    day = articles[x.article_id].published_day
    assert day is not None  # an undated synthetic extraction's article has one
    return day


_SECONDS = re.compile(r" pledges in +([0-9.]+)s ")  # in the first line _run prints


def _summary(n: int, seconds: list[float]) -> str:
    return (
        f"{n:>7} extractions: median {statistics.median(seconds):.2f}s, fastest "
        f"{min(seconds):.2f}s, slowest {max(seconds):.2f}s over {len(seconds)} runs"
    )


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000, 100_000])
    parser.add_argument("--agreeing", action="store_true", help="the agreeing data set")
    parser.add_argument(
        "--texts", action="store_true", help="give each article a text of about 4,000 characters"
    )
    parser.add_argument(
        "--undated",
        type=float,
        metavar="SHARE",
        help="take the date out of this share of the extractions (0 to 1); every article then "
        "has a publication day, as feed items do",
    )
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="merge every size in this process (each one then inherits the heap the sizes "
        "before it used and freed)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="merge each size N times (each in a fresh interpreter, unless --same-process) "
        "and print the median, fastest and slowest time",
    )
    parser.add_argument(
        "--add",
        type=int,
        metavar="N",
        help="merge each size, then add N more extractions to it (Merger.add) and print how "
        "long that took beside one merge of all",
    )
    parser.add_argument(
        "--spread",
        action="store_true",
        help="with --add: the added extractions report any day, not the latest days",
    )
    opts = parser.parse_args(args)
    if opts.add:
        print(f"data: {'agreeing' if opts.agreeing else 'distinct'} pledges, "
              f"{'with' if opts.texts else 'no'} article texts", flush=True)  # fmt: skip
        for n in opts.sizes:
            _run_added(n, opts.add, opts.agreeing, opts.texts, opts.spread, opts.undated)
        return 0
    if opts.repeat < 1:
        parser.error("--repeat must be 1 or more")
    kind = "agreeing" if opts.agreeing else "distinct"
    dates = "" if opts.undated is None else f", {opts.undated:.0%} undated (published days known)"
    print(
        f"data: {kind} pledges, {'with' if opts.texts else 'no'} article texts{dates}", flush=True
    )
    if opts.same_process or (len(opts.sizes) == 1 and opts.repeat == 1):
        for n in opts.sizes:
            seconds = [_run(n, opts.agreeing, opts.texts, opts.undated) for _ in range(opts.repeat)]
            if opts.repeat > 1:
                print(_summary(n, seconds), flush=True)
        return 0
    flags = [flag for flag, on in (("--agreeing", opts.agreeing), ("--texts", opts.texts)) if on]
    if opts.undated is not None:
        flags += ["--undated", str(opts.undated)]
    for n in opts.sizes:  # each size in a fresh interpreter, as if it ran alone
        seconds = []
        for _ in range(opts.repeat):
            child = [sys.executable, __file__, *flags, str(n)]
            done = subprocess.run(child, capture_output=True, text=True)
            if done.returncode:
                sys.stderr.write(done.stderr)
                return done.returncode
            output = done.stdout.split("\n", 1)[1]  # without its "data:" line
            sys.stdout.write(output)
            sys.stdout.flush()
            if (m := _SECONDS.search(output)) is None:  # _run's line changed without this
                sys.stderr.write(f"no time found in the output of {' '.join(child)}\n")
                return 1
            seconds.append(float(m.group(1)))
        if opts.repeat > 1:
            print(_summary(n, seconds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
