"""Pure merge: one account per real-world event, with provenance, agreement and conflicts.

Clustering is deterministic and explainable. Each article's pledge-bearing events are
candidates; candidates are taken in order (dated first, then by article id) and each joins
the existing cluster it scores best with (against any of its first five members, each with
the date and place its cluster knows where it gives none), if that score reaches
``MERGE_THRESHOLD`` and no member rules it out, else it starts a new cluster.
The score of two candidates adds:

* dates: the same (at the coarser precision) +3, within two days +1, further apart: ruled out;
  when one lacks a year, the same day of the month ("June 13") +2; when one lacks a date, its
  article published up to three days after the other's date +1;
* weekdays named for the event ("on Thursday"): the same +1, different -1 (a summit lasts
  days, and outlets name different ones);
* location (the model's, else "in Apulia, Italy" or a capital in the text): the same +1,
  different -2; host: the same +1;
* the articles' wording: 6 x the TF-IDF cosine of their texts (distinctive shared words such as
  names of participants or documents), the same article +3;
* the same pledges (actor, commitment type and a figure alike to two digits): +0.75 each,
  up to three;
* the event names: rapidfuzz token-set similarity (0 to 1), and +1 for each of up to two
  words both names share that few event names have ("g7", "gavi", "cop28"; only among 20
  events or more, where a word's rarity means something).

Only candidates in the same date block (or undated) are compared, so the work grows with the
number of events per block, not with the square of all events. Every merge records why.

The stages, one module each: ``candidates`` (what each article's event is compared by),
``similarity`` (the score above), ``clustering`` (who joins whom), ``reconcile`` (one pledge
per actor and commitment type, with conflicts) and ``report`` (the event's fields, and
timelines across events).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import date

from ..schemas import Article, ArticleExtraction, ArticleRef, Event, Pledge, Report, Unassigned
from .candidates import Candidate, candidates
from .clustering import MERGE_THRESHOLD, form_clusters
from .report import Statuses, build_timelines, report_event
from .similarity import Texts

__all__ = ["MERGE_THRESHOLD", "merge"]

log = logging.getLogger(__name__)


class _Phases:
    """Logs how long each step of a merge takes (at DEBUG: ``summarizer -vv``, or the
    benchmark in ``bench/merge_scale.py``)."""

    def __init__(self, extractions: int) -> None:
        self.extractions = extractions
        self.started = self.last = time.perf_counter()
        self.steps: list[str] = []

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.steps.append(f"{step} {now - self.last:.2f}s")
        self.last = now

    def done(self) -> None:
        total = time.perf_counter() - self.started
        log.debug(
            "merge: %d extractions in %.2fs (%s)", self.extractions, total, ", ".join(self.steps)
        )


def merge(extractions: Sequence[ArticleExtraction], articles: Sequence[Article] = ()) -> Report:
    """Cluster the events of ``extractions`` into real-world events and reconcile them."""
    phase = _Phases(len(extractions))
    # each article's text, else its quotes joined
    text_of = {a.id: a.text for a in articles}
    published = {a.id: a.published_day for a in articles if a.published_day}
    cands: list[Candidate] = []
    unassigned: list[Unassigned] = []
    for order, x in enumerate(extractions):
        if (text := text_of.get(x.article_id)) is None:
            records: list[Event | Pledge] = [*x.events, *x.pledges]
            text = text_of[x.article_id] = " ".join([e.quote for r in records for e in r.evidence])
        found, lost = candidates(x, text, order, published.get(x.article_id))
        cands += found
        if lost:
            unassigned.append(lost)
    phase("candidates")
    texts = Texts(text_of)
    texts.count_names(cands)
    phase("wording")
    clusters = form_clusters(cands, texts)
    clusters.sort(
        key=lambda c: (
            min((m.day for m in c.members if m.day), default=date.max),
            min(m.order for m in c.members),
        )
    )
    phase("clustering")
    statuses: Statuses = {}
    latest = max(published.values(), default=None)
    events = [report_event(c, n, statuses, latest) for n, c in enumerate(clusters, 1)]
    phase("events")
    timelines = build_timelines(statuses)
    phase("timelines")
    refs = [
        ArticleRef(id=a.id, title=a.title, url=a.url, published=a.published, source=a.source)
        for a in articles
    ]
    if not refs:
        refs = [ArticleRef(id=x.article_id) for x in extractions]
    withheld = [e for x in extractions for e in x.withheld]
    report = Report(
        events=events, articles=refs, unassigned=unassigned, timelines=timelines, withheld=withheld
    )
    phase("report")
    phase.done()
    return report
