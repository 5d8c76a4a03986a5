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
* weekdays named for the event ("on Thursday"): the same +1, next days 0, further apart -1
  (a summit lasts days, and outlets name different ones); a weekday in an article published
  that day or the day after dates its event (that day), as does a day of the month ("June
  11") in an article published up to a week after it;
* location (the model's, else "in Apulia, Italy" or a capital in the text): the same +1,
  different -2; host: the same +1;
* the articles' wording: 6 x the TF-IDF cosine of their texts (distinctive shared words such as
  names of participants or documents; a word's weight is counted among the articles of the
  same week, and of the nearest weeks while they are fewer than 100), the same article +3;
* the same pledges (actor, commitment type and a figure alike to two digits): +0.75 each,
  up to three;
* the event names: rapidfuzz token-set similarity (0 to 1), and +1 for each of up to two
  words both names share that few event names have ("g7", "gavi", "cop28"; only among 20
  events or more, where a word's rarity means something). The initials of an organisation
  or forum in the sentence that reports the event count as words of its name ("at the NATO
  Public Forum", under a headline that names no event); among fewer than 20 events, the
  shared words that count are the initials both give and words rare in the language
  ("gavi", "apulia": wordfreq's frequency of the word in news, books and the web).

Only candidates in the same date block (or undated) are compared, so the work grows with the
number of events per block, not with the square of all events. A candidate with no date is
compared with the events of the weeks around its article's publication: an article published
more than 28 days after an event's date or 7 before it, or 28 days from the article that
started an undated event, does not report it (with no publication day either, it is compared
with every event). Every merge records why.
``Merger`` adds articles to a merge without taking again what they cannot change.

The stages, one module each: ``candidates`` (what each article's event is compared by),
``similarity`` (the score above), ``clustering`` (who joins whom), ``reconcile`` (one pledge
per actor and commitment type, with conflicts) and ``report`` (the event's fields, and
timelines across events).
"""

from __future__ import annotations

import logging
import operator
import time
from bisect import bisect_left
from collections.abc import Sequence
from datetime import date

from ..schemas import (
    Article,
    ArticleExtraction,
    ArticleRef,
    CommitmentType,
    Event,
    Evidence,
    Pledge,
    Report,
    ReportEvent,
    Unassigned,
)
from .candidates import Candidate, candidates
from .clustering import MERGE_THRESHOLD, Clustering, SortKey, block, sort_key
from .report import StatusRow, build_timelines, report_event, status_rows
from .similarity import Texts, event_words

__all__ = ["MERGE_THRESHOLD", "Merger", "merge"]

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
    return Merger().add(extractions, articles)


class Merger:
    """A merge that articles can be added to: ``add`` merges new extractions into the events
    formed so far and gives the same report as one ``merge`` of everything added.

    Candidates are taken in one order (``sort_key``: by date), so a new one is taken in its
    place: clustering goes back to the state before the first candidate the new articles
    can change (``Clustering.rewind``) and takes the rest again. That is the first new
    candidate, or an earlier one of a date block whose wording weights the new articles
    change (``Texts.add``), or one whose name has a word that became rare or common
    (``Texts.count_names``). News arrives mostly about the latest days, so little is taken
    again; the report's events whose members did not change are not built again.
    """

    def __init__(self) -> None:
        self._text_of: dict[str, str] = {}  # each article's text, else its quotes joined
        self._texts = Texts(self._text_of)
        self._clustering = Clustering(self._texts)
        self._cands: list[tuple[SortKey, Candidate]] = []  # in order (keys are unique)
        self._published: dict[str, date] = {}
        self._merged: set[str] = set()
        self._unassigned: list[Unassigned] = []
        self._refs: list[ArticleRef] = []
        self._extracted: list[ArticleRef] = []  # the refs when no article is given
        self._withheld: list[Evidence] = []
        self.taken_again = 0  # candidates the last add took again (besides the new ones)

    @property
    def merged(self) -> frozenset[str]:
        """The ids of the articles whose extractions were added."""
        return frozenset(self._merged)

    def add(
        self, extractions: Sequence[ArticleExtraction], articles: Sequence[Article] = ()
    ) -> Report:
        """Merge ``extractions`` (of articles not added before) into the events so far."""
        phase = _Phases(len(extractions))
        if again := self._merged.intersection(x.article_id for x in extractions):
            raise ValueError(f"already merged: {', '.join(sorted(again))}")
        text_of = self._text_of
        text_of.update((a.id, a.text) for a in articles)
        self._published.update((a.id, a.published_day) for a in articles if a.published_day)
        new: list[Candidate] = []
        # an article's wording is weighed in its first event's date block
        blocks: dict[str, int | None] = {}
        for x in extractions:
            self._merged.add(x.article_id)
            if x.article_id not in text_of:
                records: list[Event | Pledge] = [*x.events, *x.pledges]
                text_of[x.article_id] = " ".join([e.quote for r in records for e in r.evidence])
            found, lost = candidates(x, text_of[x.article_id], self._published.get(x.article_id))
            new += found
            if found:
                blocks[x.article_id] = block(found[0])
            if lost:
                self._unassigned.append(lost)
            self._withheld += x.withheld
        phase("candidates")
        reweighed = self._texts.add(blocks)
        flipped = self._texts.count_names(new)
        phase("wording")
        self._cluster(new, reweighed, flipped)
        phase("clustering")
        built = self._events()
        events = [event for event, _ in built]
        phase("events")
        timelines = build_timelines(rows for _, rows in built)
        phase("timelines")
        self._refs += [
            ArticleRef(id=a.id, title=a.title, url=a.url, published=a.published, source=a.source)
            for a in articles
        ]
        self._extracted += [ArticleRef(id=x.article_id) for x in extractions]
        by_id = operator.attrgetter("id")  # the same lists whatever order the articles came in
        by_article = operator.attrgetter("article_id")
        report = Report(
            events=events,
            articles=sorted(self._refs or self._extracted, key=by_id),
            unassigned=sorted(self._unassigned, key=by_article),
            timelines=timelines,
            withheld=sorted(self._withheld, key=by_article),
        )
        phase("report")
        phase.done()
        return report

    def _cluster(self, new: list[Candidate], reweighed: set[int | None], flipped: set[str]) -> None:
        """Take ``new`` candidates in their place, and again every one after the first that
        they, a reweighed block or a word of a name that changed rarity can change."""
        self.taken_again = 0
        if not new:
            return
        added = sorted((sort_key(c), c) for c in new)
        first = added[0][0]
        for key, c in self._cands:  # the earliest candidate the new ones can change
            if key >= first:
                break
            if block(c) in reweighed or (flipped and not flipped.isdisjoint(event_words(c))):
                first = key
                break
        self._cands = sorted(self._cands + added)  # two sorted runs: merged in one pass
        self._clustering.rewind(first)
        tail = self._cands[bisect_left(self._cands, (first,)) :]
        for _, cand in tail:
            self._clustering.take(cand)
        self.taken_again = len(tail) - len(new)

    def _events(
        self,
    ) -> list[tuple[ReportEvent, list[tuple[tuple[str, CommitmentType], StatusRow]]]]:
        """The report's events, by date, each with its status rows for the timelines; those
        whose members and number did not change are the ones built before."""
        clusters = sorted(
            self._clustering.clusters,
            key=lambda c: (
                min((m.day for m in c.members if m.day), default=date.max),
                min(m.article_id for m in c.members),
            ),
        )
        latest = max(self._published.values(), default=None)
        events = []
        for n, c in enumerate(clusters, 1):
            # an event none of whose articles says when it was published may take its year
            # from the newest article merged (report._year_of)
            wanted = latest if not any(m.published for m in c.members) else None
            if c.built is None or c.built[:2] != (n, wanted):
                event = report_event(c, n, latest)
                c.built = (n, wanted, event, status_rows(event))
            events.append(c.built[2:])
        return events
