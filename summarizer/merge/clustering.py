"""Clustering: candidates taken in order, each joining the cluster it scores best with, or
starting one; only clusters in neighbouring date blocks (or undated) are compared."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from ..schemas import ReportEvent
from .candidates import Candidate, day_of
from .similarity import Texts, score, scored

MERGE_THRESHOLD = 2.5
COMPARED = 5  # members of a cluster a candidate is scored against
# an article that gives no date for its event reports one of the days around its publication:
# up to REPORTED_AFTER days before it, or REPORTED_BEFORE days after (a pledge announced
# ahead of a summit); two such articles of one event were published within REPORTED_AFTER
# days of each other
REPORTED_AFTER = 28
REPORTED_BEFORE = 7


@dataclass(slots=True)
class Cluster:
    members: list[Candidate] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    first: int | None = None  # earliest and latest day of the members (as ordinals)
    last: int | None = None
    dated: Candidate | None = None  # the first member that knows its event's date
    location: str | None = None  # the first location a member knows
    published: int | None = None  # undated: the publication day of the member that started it
    # the report's event built from these members, with what it was built with (see
    # Merger.add); a member added clears it
    built: tuple[int, date | None, ReportEvent, list[Any]] | None = None

    def add(self, c: Candidate, decision: str) -> None:
        self.members.append(c)
        self.decisions.append(decision)
        self.built = None
        if self.dated is None and c.day is not None:
            self.dated = c
        if self.location is None:
            self.location = c.location
        if len(self.members) == 1 and c.day is None and c.published is not None:
            self.published = c.published.toordinal()
        if (day := day_of(c)) is not None:
            self.first = day if self.first is None else min(self.first, day)
            self.last = day if self.last is None else max(self.last, day)

    def rules_out(self, day: int | None, published: int | None = None) -> str | None:
        """A reason no member can be the same event as a candidate on ``day`` (``day_of``),
        checked against all members; for a candidate with no date, ``published`` is its
        article's publication day, which rules out events far from it."""
        first, last = self.first, self.last
        if day is not None:
            if first is not None and last is not None and not last - 2 <= day <= first + 2:
                return "dates differ"  # more than two days from the first or the last
            return None
        if published is None:
            return None
        if first is not None and last is not None:
            if not first - REPORTED_BEFORE <= published <= last + REPORTED_AFTER:
                return "published too far from the event's date"
        elif self.published is not None and abs(published - self.published) > REPORTED_AFTER:
            return "published too far from the articles of the event"
        return None


# the clusters started in each week (of their date, or for undated ones of their article's
# publication; None: neither known), by location
_Index = dict[int | None, dict[str | None, list[int]]]


def block(c: Candidate) -> int | None:
    """A candidate's date block: the week of its date (``None``: undated)."""
    return c.day.toordinal() // 7 if c.day else None


SortKey = tuple[bool, bool, date, str, str]


def sort_key(c: Candidate) -> SortKey:
    """The order candidates are taken in: anchored ones first (a resolved date, then a named
    weekday), so that the ones with neither choose among every cluster the others have formed;
    then by day, and by article id among equals (not by input order, so that a merge gives
    the same events whatever order its articles come in, or are added in)."""
    return (c.day is None, c.weekday is None, c.day or date.min, c.article_id, c.event.id)


class Clustering:
    """Greedy assignment: candidates are taken in ``sort_key`` order (``take``), each joining
    the cluster it scores best with, or starting one.

    A candidate is scored against the members of each cluster in its date block (and the
    neighbouring ones) at the same or an unknown location; every member's date can still
    rule it out. A candidate with no date is scored against the clusters of the weeks around
    its article's publication (``REPORTED_AFTER``, ``REPORTED_BEFORE``), or against all when
    that is unknown too. Undated candidates are taken after every dated one (``sort_key``),
    so a dated candidate meets dated clusters only. ``rewind`` goes back to the state before
    a given candidate, so that candidates added later are taken in their place
    (``Merger.add``).
    """

    def __init__(self, texts: Texts) -> None:
        self.texts = texts
        self.clusters: list[Cluster] = []
        self.index: _Index = {}  # dated clusters, by the week of their first member's date
        self.undated: _Index = {}  # undated ones, by the week their first article came out

    def _reachable(self, cand: Candidate) -> Iterable[int]:
        """The clusters ``cand`` may join (some still ruled out by ``Cluster.rules_out``)."""
        if (b := block(cand)) is not None:
            return _pool(self.index, (b - 1, b, b + 1), cand.location)
        if cand.published is None:
            return range(len(self.clusters))
        p = cand.published.toordinal()
        # a dated cluster's days span at most four, from the day of its first member
        dated = range((p - REPORTED_AFTER - 4) // 7, (p + REPORTED_BEFORE + 4) // 7 + 1)
        undated = range((p - REPORTED_AFTER) // 7, (p + REPORTED_AFTER) // 7 + 1)
        return sorted(
            _pool(self.index, dated, cand.location)
            + _pool(self.undated, (*undated, None), cand.location)
        )

    def take(self, cand: Candidate) -> None:
        clusters, texts = self.clusters, self.texts
        pool = self._reachable(cand)
        day = day_of(cand)
        published = cand.published.toordinal() if cand.day is None and cand.published else None
        viable = [i for i in pool if not clusters[i].rules_out(day, published)]
        chosen = viable[0] if len(viable) == 1 else None
        if len(viable) > 1:
            best: tuple[float, int] | None = None
            for i in viable:
                points = _best(cand, clusters[i], texts)[0]
                if (
                    points is not None
                    and points >= MERGE_THRESHOLD
                    and (best is None or points > best[0])
                ):
                    best = (points, i)
            chosen = best[1] if best else None
        why: list[str] = []
        if chosen is not None:  # the chosen cluster's score again, saying why
            joined = scored(cand, _best(cand, clusters[chosen], texts)[1], texts, why)
            if joined is not None and joined >= MERGE_THRESHOLD:
                clusters[chosen].add(
                    cand, f"{cand.article_id}: joined (score {joined:.2f}: {'; '.join(why)})"
                )
                return
        note = f"; {', '.join(cand.filled)}" if cand.filled else ""
        started = Cluster()
        started.add(cand, f"{cand.article_id}: starts this event ({cand.event.name}{note})")
        self._append(started)

    def rewind(self, key: SortKey) -> None:
        """Back to the clusters as they were before the first candidate at or after ``key``
        was taken: clusters it or a later one started are dropped, and those they joined lose
        them (members are kept in the order they were taken)."""
        clusters, self.clusters, self.index, self.undated = self.clusters, [], {}, {}
        for c in clusters:
            if sort_key(c.members[-1]) < key:  # untouched
                self._append(c)
            elif sort_key(c.members[0]) < key:
                kept = Cluster()
                for m, decision in zip(c.members, c.decisions, strict=True):
                    if sort_key(m) < key:
                        kept.add(m, decision)
                self._append(kept)

    def _append(self, cluster: Cluster) -> None:
        first = cluster.members[0]
        self.clusters.append(cluster)
        if (week := block(first)) is not None:
            index = self.index
        else:
            index = self.undated
            week = cluster.published // 7 if cluster.published is not None else None
        index.setdefault(week, {}).setdefault(first.location, []).append(len(self.clusters) - 1)


def _as_known(member: Candidate, cluster: Cluster) -> Candidate:
    """A member with the date and location its cluster knows where it gives none itself: one
    outlet names the day, another the place, of the same event."""
    dated, location = cluster.dated, cluster.location
    if (member.day is not None or dated is None) and (member.location or location is None):
        return member
    if member.day is None and dated is not None:
        member = replace(
            member, day=dated.day, precision=dated.precision,
            weekday=member.weekday or dated.weekday, month_day=member.month_day or dated.month_day,
        )  # fmt: skip
    return member if member.location else replace(member, location=location)


def _best(cand: Candidate, cluster: Cluster, texts: Texts) -> tuple[float | None, Candidate]:
    """The score of ``cand`` with the cluster's first member, or, when that does not reach
    ``MERGE_THRESHOLD``, the best with one of its first ``COMPARED`` members (the outlets that
    reported an event first rarely say it all alike), and that member. Each member is
    compared with the date and location of its cluster where it lacks them (``_as_known``)."""
    best: tuple[float | None, Candidate] = (None, cluster.members[0])
    for member in map(_as_known, cluster.members[:COMPARED], [cluster] * COMPARED):
        points = score(cand, member, texts)
        if points is not None and (best[0] is None or points > best[0]):
            best = (points, member)
        if best[0] is not None and best[0] >= MERGE_THRESHOLD:
            break
    return best


def _pool(index: _Index, weeks: Iterable[int | None], place: str | None) -> list[int]:
    """The clusters of ``index`` started in ``weeks`` at ``place`` or none (at any location
    when it is ``None``). Each cluster is indexed under one key, so the lists add up without
    repeats."""
    found: list[int] = []
    for b in weeks:
        if (places := index.get(b)) is None:
            continue
        if place is None:
            for ids in places.values():
                found += ids
        else:
            found += places.get(place, ())
            found += places.get(None, ())
    return sorted(found)
