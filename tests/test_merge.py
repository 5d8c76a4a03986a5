"""Merge over hand-written extractions of the sample articles (no LLM)."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import date

import pytest
from pydantic import ValidationError

from summarizer.merge import Merger, merge
from summarizer.merge.candidates import candidates
from summarizer.merge.clustering import Cluster, _as_known
from summarizer.merge.similarity import (
    MIN_NAMES,
    MIN_WEIGHED,
    Texts,
    event_words,
    score,
    text_words,
)
from summarizer.schemas import (
    Article,
    ArticleExtraction,
    Report,
)
from tests.fixtures import answer, sample_extractions, synthetic_news

SEPT = {"000_d0f0dbfe9e194b55", "001_c5e7fab55a892fe4", "003_726b05e1c8879489"}
JAN = {"002_546e8795ffd0dea9", "004_80dba054489f2964"}


@pytest.fixture(scope="module")
def samples() -> tuple[list[Article], list[ArticleExtraction], Report]:
    articles, extractions = sample_extractions()
    return articles, extractions, merge(extractions, articles)


def _pledge(report: Report, event: int, actor_id: str, ctype: str):  # type: ignore[no-untyped-def]
    [p] = [
        p
        for p in report.events[event].pledges
        if p.actor_id == actor_id and p.commitment_type == ctype
    ]
    return p


def test_the_five_samples_make_exactly_the_two_summits(samples) -> None:  # type: ignore[no-untyped-def]
    _, _, report = samples
    assert [set(e.articles) for e in report.events] == [SEPT, JAN]
    assert report.events[0].date and report.events[0].date.value == "2025-09-04"
    assert report.unassigned == []


def test_every_merge_decision_is_explained(samples) -> None:  # type: ignore[no-untyped-def]
    _, _, report = samples
    for e in report.events:
        assert len(e.decisions) == len(e.articles)
        assert "starts this event" in e.decisions[0]
        assert all("joined (score" in d for d in e.decisions[1:])
    assert any("same weekday (thursday)" in d for d in report.events[0].decisions)


def test_clustering_does_not_depend_on_input_order(samples) -> None:  # type: ignore[no-untyped-def]
    articles, extractions, report = samples
    shuffled = merge(list(reversed(extractions)), list(reversed(articles)))
    assert [set(e.articles) for e in shuffled.events] == [set(e.articles) for e in report.events]


def test_compatible_values_merge_and_cite_every_article(samples) -> None:  # type: ignore[no-untyped-def]
    _, _, report = samples
    # "26 nations" (000) and "26 of Ukraine's allies" (001, 003): one count, three articles
    counts = {c.value: c.agreement for c in report.events[0].counts}
    assert counts["26 of Ukraine’s allies"] == 3
    group = _pledge(report, 0, "group:allied-countries", "troops")
    assert group.status.value == "conditional" and group.status.agreement == 3
    # "Britain" (002) and "United Kingdom" (004) are one pledge by GBR
    uk = _pledge(report, 1, "GBR", "troops")
    assert set(uk.articles) == JAN and uk.actor.value == "United Kingdom"


def test_incompatible_values_become_a_conflict_with_both_quotes(samples) -> None:  # type: ignore[no-untyped-def]
    articles, _, report = samples
    [conflict] = [
        c for c in report.events[1].conflicts if c.field == "pledges[FRA/troops].quantity"
    ]
    values = {v.value: v for v in conflict.values}
    assert set(values) == {"several thousand", "No figures were given"}
    text = {a.id: a.text for a in articles}
    for v in conflict.values:
        [src] = v.sources
        assert text[src.article_id][src.start : src.end] == src.quote
    assert values["several thousand"].sources[0].article_id == "004_80dba054489f2964"
    assert values["No figures were given"].sources[0].article_id == "002_546e8795ffd0dea9"


def test_declines_are_kept_as_declined(samples) -> None:  # type: ignore[no-untyped-def]
    _, _, report = samples
    assert _pledge(report, 1, "POL", "troops").status.value == "declined"
    assert _pledge(report, 0, "ITA", "troops").status.value == "declined"


def test_status_change_between_events_is_a_timeline_not_a_conflict(samples) -> None:  # type: ignore[no-untyped-def]
    _, _, report = samples
    # Germany: considering troops in September, nothing on troops in January; Italy declines in both
    assert not any("status" in c.field for e in report.events for c in e.conflicts)
    articles, extractions = sample_extractions()
    later = Article(
        id="later",
        text="On Friday, Oct. 10, 2025, Italy said in Rome it would send troops to Ukraine.",
    )
    x = answer(later, [{"ref": "E1", "name": "Rome announcement", "kind": "announcement",
                        "date": "Friday, Oct. 10, 2025", "location": "Rome", "s": ["Oct. 10"]}],
               [{"actor": "Italy", "type": "troops", "what": "send troops", "status": "committed",
                 "event": "E1", "s": ["Oct. 10"]}])  # fmt: skip
    report = merge([*extractions, x], [*articles, later])
    assert len(report.events) == 3
    [timeline] = [
        t for t in report.timelines if t.actor_id == "ITA" and t.commitment_type == "troops"
    ]
    assert [e.status.value for e in timeline.entries] == ["declined", "committed", "declined"]
    assert timeline.entries[0].date == date(2025, 9, 4)
    assert not any("ITA" in c.field for e in report.events for c in e.conflicts)


def test_same_city_months_apart_stays_separate() -> None:
    def summit(aid: str, day: str) -> tuple[Article, ArticleExtraction]:
        text = (
            f"Leaders met in Paris on {day} at a summit. France pledged to send troops to Ukraine."
        )
        art = Article(id=aid, text=text)
        return art, answer(art, [{"ref": "E1", "name": "Paris summit", "kind": "summit", "date": day,
                                  "location": "Paris", "s": ["Leaders met"]}],
                           [{"actor": "France", "type": "troops", "what": "troops", "status": "committed",
                             "event": "E1", "s": ["France pledged"]}])  # fmt: skip

    a1, x1 = summit("a1", "Sept. 4, 2025")
    a2, x2 = summit("a2", "Jan. 6, 2026")
    report = merge([x1, x2], [a1, a2])
    assert [e.articles for e in report.events] == [["a1"], ["a2"]]


def test_an_article_with_no_pledge_creates_no_event(samples) -> None:  # type: ignore[no-untyped-def]
    articles, extractions, _ = samples
    sport = Article(
        id="sport", text="Paris Saint-Germain beat Lyon 3-1 on Sunday. The coach praised the team."
    )
    x = answer(sport, [{"ref": "E1", "name": "PSG v Lyon", "kind": "other", "date": "Sunday",
                        "location": "Paris", "s": ["beat Lyon"]}], [])  # fmt: skip
    report = merge([*extractions, x], [*articles, sport])
    assert [set(e.articles) for e in report.events] == [SEPT, JAN]
    assert [(u.article_id, u.reason) for u in report.unassigned] == [
        ("sport", "no pledge-related event")
    ]


def test_merge_without_articles_still_accounts_for_every_article(samples) -> None:  # type: ignore[no-untyped-def]
    # without the texts only the evidence quotes inform the wording signal
    _, extractions, _ = samples
    alone = merge(extractions)
    assert {a for e in alone.events for a in e.articles} == SEPT | JAN
    assert [a.id for a in alone.articles] == [x.article_id for x in extractions]


def test_date_and_place_come_from_the_article_text_when_the_model_gives_none() -> None:
    def bare(aid: str, text: str) -> tuple[Article, ArticleExtraction]:
        art = Article(id=aid, text=text)
        return art, answer(art, [{"ref": "E1", "name": "Summit", "kind": "summit", "s": ["pledged"]}],
                           [{"actor": "France", "type": "troops", "what": "troops", "status": "committed",
                             "event": "E1", "s": ["pledged"]}])  # fmt: skip

    a1, x1 = bare("a1", "Leaders met in Paris on Thursday, Sept. 4, 2025. France pledged troops.")
    a2, x2 = bare("a2", "At talks in Paris on Thursday, France pledged troops to Ukraine.")
    a3, x3 = bare("a3", "In Rome on Tuesday leaders talked. France pledged troops again.")
    report = merge([x1, x2, x3], [a1, a2, a3])
    assert [e.articles for e in report.events] == [["a1", "a2"], ["a3"]]
    first = report.events[0]
    assert first.date and first.date.value == "2025-09-04"
    assert first.location and first.location.value == "Paris" and first.location.agreement == 2
    text = {a.id: a.text for a in (a1, a2, a3)}
    for src in [*first.date.sources, *first.location.sources]:
        assert text[src.article_id][src.start : src.end] == src.quote
    assert any("from the article text" in d for d in first.decisions)
    assert report.events[1].date and report.events[1].date.value == "Tuesday"


def test_sources_without_an_extraction_are_listed_as_failed(samples) -> None:  # type: ignore[no-untyped-def]
    from summarizer.pipeline import merge_accounting

    articles, extractions, _ = samples
    report = merge_accounting(
        extractions, articles, {"bad.txt": "bad.txt: empty article (no text)"}
    )
    assert [set(e.articles) for e in report.events] == [SEPT, JAN]
    assert [(f.article_id, f.error) for f in report.failed] == [
        ("bad.txt", "bad.txt: empty article (no text)")
    ]
    assert report.unassigned == []


def test_the_report_merge_builds_is_valid_as_its_schema_says(samples) -> None:  # type: ignore[no-untyped-def]
    # merge builds report objects without validating them again; validating its output
    # must give back the same report, field for field
    _, _, report = samples
    again = Report.model_validate_json(report.model_dump_json())
    assert again == report
    assert again.model_dump() == report.model_dump()
    assert any(e.conflicts for e in report.events)


def test_a_report_read_back_is_validated_part_by_part() -> None:
    # the parts of a report are plain dataclasses, made without checks; a report read from
    # JSON is checked down to each part
    good = {"id": "event-1", "name": "Paris summit", "kind": "summit", "articles": ["a"]}
    assert Report.model_validate({"events": [good]}).events[0].name == "Paris summit"
    bad = {**good, "pledges": [{"id": "p", "actor_id": "FRA"}]}
    with pytest.raises(ValidationError, match=r"pledges\.0\.actor"):
        Report.model_validate({"events": [bad]})


def test_wording_vectors_weigh_distinctive_words() -> None:
    texts = Texts(
        {
            "a": "Leaders of the coalition met Zelensky in Paris.",
            "b": "Zelensky met leaders of the coalition in London.",
            "c": "A football match in Paris ended in a draw.",
        }
    )
    # a few articles: their weights are counted among all of them, whatever their blocks
    assert texts.add({"a": 2900, "b": None, "c": 2950}) == {2900, 2950, None}
    # words in every text weigh least; a word two texts share ties them
    cos, words = texts.explained("a", "b")
    assert cos > texts.cosine("a", "c") > 0
    assert set(words) == {"zelensky", "leaders", "coalition"}
    assert texts.cosine("a", "a") == pytest.approx(1.0)


def test_words_are_unicode_and_summit_names_with_digits_count() -> None:
    words = text_words("Leaders met at the Élysée, then in Kraków for the G7 and COP28.")
    assert {"élysée", "kraków", "g7", "cop28", "leaders"} <= set(words)
    german = text_words("Deutschland sagt der Ukraine weitere Unterstützung zu.")
    assert {"deutschland", "ukraine", "weitere", "unterstützung"} <= set(german)


def test_countries_pledging_together_become_one_pledge_each() -> None:
    text = (
        "Leaders met in Paris on Sept. 4, 2025. France and Britain said they would send troops. "
        "NATO and Germany promised to monitor a ceasefire."
    )
    art = Article(id="j1", text=text)
    x = answer(art, [{"ref": "E1", "name": "Paris summit", "kind": "summit", "date": "Sept. 4, 2025",
                      "location": "Paris", "s": ["Leaders met"]}],
               [{"actor": "France and Britain", "type": "troops", "what": "send troops",
                 "status": "committed", "event": "E1", "s": ["France and Britain"]},
                {"actor": "NATO and Germany", "type": "monitoring", "what": "monitor a ceasefire",
                 "status": "committed", "event": "E1", "s": ["NATO and Germany"]}])  # fmt: skip
    [event] = merge([x], [art]).events
    troops = {p.actor_id: p for p in event.pledges if p.commitment_type == "troops"}
    assert set(troops) == {"FRA", "GBR"}
    assert troops["GBR"].actor.value == "United Kingdom"
    assert troops["GBR"].status.sources[0].quote.startswith("France and Britain")
    # an organisation among them: the pledge stays whole
    [monitoring] = [p for p in event.pledges if p.commitment_type == "monitoring"]
    assert monitoring.actor.value == "NATO and Germany"


def _bare(aid: str, text: str, name: str, published: str | None = None):  # type: ignore[no-untyped-def]
    art = Article(id=aid, text=text, published=published)
    return art, answer(art, [{"ref": "E1", "name": name, "kind": "summit", "s": ["pledged"]}],
                       [{"actor": "Japan", "type": "money", "what": "aid", "status": "committed",
                         "event": "E1", "s": ["pledged"]}])  # fmt: skip


def test_a_day_of_the_month_without_a_year_joins_reports_of_one_summit() -> None:
    a1, x1 = _bare("a1", "Leaders met on June 13 in Apulia, Italy. Japan pledged aid to Ukraine.",
                   "Leaders meet in southern Italy")  # fmt: skip
    a2, x2 = _bare("a2", "On 13 June Japan pledged aid to Ukraine at the summit.",
                   "Japan signs accord with Ukraine", published="2024-06-14")  # fmt: skip
    a3, x3 = _bare("a3", "On July 2 in Tokyo the cabinet said Japan pledged more rice to farmers.",
                   "Cabinet backs farm plan")  # fmt: skip
    report = merge([x1, x2, x3], [a1, a2, a3])
    assert sorted(e.articles for e in report.events) == [["a1", "a2"], ["a3"]]
    joined = next(e for e in report.events if len(e.articles) == 2)
    assert any("same day of the month (13/6)" in d for d in joined.decisions)
    # "in Apulia, Italy" names the place, though Apulia is no capital
    assert joined.location and joined.location.value.lower() == "apulia"
    # the year is taken from the one article that gives its publication day
    assert joined.date and joined.date.value == "2024-06-13"


def test_an_undated_report_published_soon_after_a_dated_one_leans_to_join() -> None:
    a1, x1 = _bare("a1", "Leaders met in Rome on Tuesday, July 9, 2024. Japan pledged aid for the grid.",
                   "Rome talks on the grid")  # fmt: skip

    def report_published(published: str) -> list[list[str]]:
        a2, x2 = _bare("a2", "Japan pledged aid for the grid, its minister said.",
                       "Grid talks: Japan backs the grid", published=published)  # fmt: skip
        report = merge([x1, x2], [a1, a2])
        if len(report.events) == 1:
            assert "published 1 day after the other's date" in report.events[0].decisions[1]
        return [e.articles for e in report.events]

    assert report_published("2024-07-10") == [["a1", "a2"]]
    assert report_published("2024-08-30") == [["a1"], ["a2"]]


def test_an_undated_report_joins_no_event_far_from_its_publication() -> None:
    text = "Japan pledged aid for the Kharkiv power grid at the Rome talks on the grid."
    a1, x1 = _bare("a1", f"Leaders met in Rome on Tuesday, July 9, 2024. {text}", "Rome grid talks")
    # the same words, no date: joined when published days after, not two months after
    for published, joined in (("2024-07-12", True), ("2024-09-09", False)):
        a2, x2 = _bare("a2", text, "Rome grid talks", published=published)
        report = merge([x1, x2], [a1, a2])
        assert (len(report.events) == 1) is joined, published
    # two undated reports of the same words: one event when published in the same weeks
    for published, joined in (("2024-07-20", True), ("2024-10-01", False)):
        b1, y1 = _bare("b1", text, "Rome grid talks", published="2024-07-12")
        b2, y2 = _bare("b2", text, "Rome grid talks", published=published)
        report = merge([y1, y2], [b1, b2])
        assert (len(report.events) == 1) is joined, published
    # with no publication day either, nothing rules the join out
    c1, z1 = _bare("c1", text, "Rome grid talks")
    assert len(merge([x1, z1], [a1, c1]).events) == 1


def test_initials_in_the_sentence_that_reports_the_event_name_it_like_its_name() -> None:
    """A headline that names no event ("Minister hails new jets"), over a sentence that says
    "at the NATO forum": NATO names the event, as it does in another outlet's name."""

    def report(
        aid: str, text: str, name: str, said: str, published: str
    ) -> tuple[Article, ArticleExtraction]:
        art = Article(id=aid, text=text, published=published)
        return art, answer(art, [{"ref": "E1", "name": name, "kind": "summit", "s": [said]}],
                           [{"actor": "Japan", "type": "money", "what": "aid",
                             "status": "committed", "event": "E1", "s": [said]}])  # fmt: skip

    # twenty other events a year apart, so that a word few names share means something
    others = [
        report(f"o{i}", f"Leaders met in Rome on {day}. Japan pledged aid for project {i}.",
               f"Rome talks on project {i}", "pledged", day)
        for i in range(22)
        for day in [date(2020 + i // 12, 1 + i % 12, 10).isoformat()]
    ]  # fmt: skip
    a1 = report("a1", "Leaders met in Vilnius on Tuesday, July 11, 2023. Japan pledged aid "
                "at the NATO summit, where delegates debated harvests, ferries and tariffs.",
                "NATO summit opens in Vilnius", "pledged aid", "2023-07-11")  # fmt: skip
    a2 = report("a2", "Speaking at the NATO Public Forum, Japan's envoy pledged aid for "
                "hospitals. Cyclists, bakers and teachers cheered outside.",
                "Minister hails new aid", "Speaking at", "2023-07-12")  # fmt: skip
    articles, extractions = zip(*[*others, a1, a2], strict=True)
    report_ = merge(list(extractions), list(articles))
    [joined] = [e for e in report_.events if "a1" in e.articles]
    assert joined.articles == ["a1", "a2"]
    assert any("both names say nato" in d for d in joined.decisions)
    # the place and agency a wire story opens with are no such initials, nor is a capital
    art, x = report("a3", "VILNIUS (AFP) - Japan's envoy pledged aid in OSLO for the OSCE.",
                    "Minister hails new aid", "pledged", "2023-07-12")  # fmt: skip
    [cand], _ = candidates(x, art.text, art.published_day)
    assert event_words(cand) == {"minister", "hails", "osce"}


def test_among_few_articles_the_initials_both_give_name_their_event() -> None:
    """Five reports of one summit alone: no count of names says which words are rare, and
    the words they all share weigh nothing; initials both give ("NATO") still name it."""
    a1, x1 = _bare("a1", "Leaders met in Washington on Wednesday, July 10, 2024. Japan pledged aid "
                   "at the NATO summit, beside talks on ferries and tariffs.", "NATO leaders meet")  # fmt: skip
    a2, x2 = _bare("a2", "In Washington on Wednesday, Japan's envoy pledged aid for hospitals at "
                   "the NATO gathering. Cyclists and bakers cheered.", "Allies back new aid")  # fmt: skip
    a3, x3 = _bare("a3", "In Washington on Wednesday, Japan's envoy pledged aid for hospitals at "
                   "the OSCE gathering. Cyclists and bakers cheered.", "Allies back new aid")  # fmt: skip
    report = merge([x1, x2], [a1, a2])
    assert [e.articles for e in report.events] == [["a1", "a2"]]
    assert "both names say nato" in report.events[0].decisions[1]
    assert len(merge([x1, x3], [a1, a3]).events) == 2


def test_among_few_articles_a_name_word_rare_in_any_news_names_their_event() -> None:
    """Among a few names no count says which words are rare, but a word rare in the language
    ("Gavi") still names the event; one common in it ("vaccines") does not."""
    a1, x1 = _bare("a1", "Leaders met in Brussels on Wednesday, June 25, 2025. Japan pledged "
                   "aid, beside talks on ferries and tariffs.", "Gavi summit opens")  # fmt: skip
    a2, x2 = _bare("a2", "In Brussels on Wednesday, Japan's envoy pledged aid for hospitals. Cyclists and "
                   "bakers cheered.", "Donors back Gavi")  # fmt: skip
    a3, x3 = _bare("a3", "In Brussels on Wednesday, Japan's envoy pledged aid for hospitals. Cyclists and "
                   "bakers cheered.", "Donors back vaccines")  # fmt: skip
    x4 = x1.model_copy(update={"events": [replace(x1.events[0], name="Vaccines summit opens")]})
    report = merge([x1, x2], [a1, a2])
    assert [e.articles for e in report.events] == [["a1", "a2"]]
    assert "both names say gavi" in report.events[0].decisions[1]
    assert len(merge([x4, x3], [a1, a3]).events) == 2


def test_a_weekday_in_an_article_of_that_day_or_the_next_dates_its_event() -> None:
    """ "On Thursday" in an article published that Thursday (or the Friday after) is that
    day: it meets the reports that give the date, though its own text gives another."""
    a1, x1 = _bare("a1", "Leaders met in Apulia on June 13. Japan pledged aid to Ukraine.",
                   "Leaders meet in Italy")  # fmt: skip
    for published, joined in (("2024-06-13", True), ("2024-06-14", True), ("2024-06-17", False)):
        a2, x2 = _bare("a2", "Japan pledged aid to Ukraine on Thursday, before the July 4 "
                       "election.", "Japan signs accord", published=published)  # fmt: skip
        report = merge([x1, x2], [a1, a2])
        assert (len(report.events) == 1) is joined, published
        [cand] = candidates(x2, a2.text, a2.published_day)[0]
        assert (cand.day == date(2024, 6, 13)) is joined


def test_a_day_of_the_month_in_an_article_of_the_week_after_dates_its_event() -> None:
    """ "On June 11" in an article published that day (or up to a week later) is that day,
    which meets a report of June 12 (a conference lasts days); a day further from the
    article's publication may be another's ("before the July 4 election")."""
    a1, x1 = _bare("a1", "Leaders met in Berlin on Wednesday, June 12, 2024. Japan pledged aid "
                   "to Ukraine for its power grid.", "Recovery conference opens")  # fmt: skip
    for published, day in (("2024-06-11", date(2024, 6, 11)), ("2024-06-18", date(2024, 6, 11)),
                           ("2024-06-25", None)):  # fmt: skip
        a2, x2 = _bare("a2", "On June 11 in Berlin, Japan pledged aid to Ukraine for its power "
                       "grid.", "Japan signs accord", published=published)  # fmt: skip
        [cand] = candidates(x2, a2.text, a2.published_day)[0]
        assert cand.day == day, published
    a2, x2 = _bare("a2", "On June 11 in Berlin, Japan pledged aid to Ukraine for its power grid.",
                   "Japan signs accord", published="2024-06-11")  # fmt: skip
    report = merge([x1, x2], [a1, a2])
    assert [e.articles for e in report.events] == [["a1", "a2"]]
    assert "dates 1 days apart" in report.events[0].decisions[1]


def test_a_member_lent_its_clusters_date_keeps_the_weekday_it_names() -> None:
    """A cluster dated by one report (a Sunday, perhaps a date of something else) lends that
    date to a member that gives none, for comparing; the member's own "on Thursday" stays, so
    another report of that Thursday still meets it."""
    a1, x1 = _bare("a1", "Since Sunday, October 8, 2023, Japan pledged aid to Lebanon.", "Aid")
    a2, x2 = _bare("a2", "Leaders met in Paris on Thursday. Japan pledged aid to Lebanon.", "Aid")
    cluster = Cluster()
    for x, a in ((x1, a1), (x2, a2)):
        cluster.add(candidates(x, a.text)[0][0], "")
    dated, member = cluster.members
    assert dated.weekday == "sunday" and member.day is None
    known = _as_known(member, cluster)
    assert (known.day, known.weekday, known.location) == (dated.day, "thursday", "paris")


def test_next_weekdays_say_nothing_against_a_join_and_further_ones_do() -> None:
    """A summit lasts days: one outlet reports its Wednesday, another its Thursday."""

    def cand(day: str, aid: str = "b"):  # type: ignore[no-untyped-def]
        art, x = _bare(aid, f"Leaders met in Paris on {day}. Japan pledged aid.", "Paris talks")
        return candidates(x, art.text)[0][0]

    texts = Texts({})
    wednesday = cand("Wednesday", "a")
    same, next_day, apart = (score(wednesday, cand(d), texts) for d in ("Wednesday", "Thursday", "Saturday"))  # fmt: skip
    assert same is not None and next_day is not None and apart is not None
    assert (same - next_day, next_day - apart) == (1.0, 1.0)


def test_shared_initials_stop_counting_as_such_when_the_names_reach_the_minimum() -> None:
    cands = []
    for i in range(MIN_NAMES):
        art, x = _bare(f"a{i}", "Japan pledged aid at the NATO talks.", "NATO talks")
        cands += candidates(x, art.text)[0]
    texts = Texts({})
    assert texts.count_names(cands[:-1]) == set()
    # "nato" was shared initials among 19 names; among 20 it is a word every name has:
    # every candidate that counted on it must be taken again
    assert "nato" in texts.count_names(cands[-1:])


def test_an_event_named_only_by_headlines_is_named_by_its_kind_place_and_day() -> None:
    text = "Leaders met in Rome on Tuesday, July 9, 2024. Japan pledged aid for the grid."
    headline = "Ministers from forty countries gathered for a long day of talks on the grid"
    a1, x1 = _bare("a1", text, headline)
    [event] = merge([x1], [a1]).events
    assert event.name == "Summit in Rome, 9 July 2024"
    a2, x2 = _bare("a2", text, "Rome grid talks")  # a name, not a headline: kept
    assert [e.name for e in merge([x2], [a2]).events] == ["Rome grid talks"]


def test_outlets_that_disagree_on_the_day_or_the_city_make_a_conflict() -> None:
    def report(aid: str, day: str, place: str) -> tuple[Article, ArticleExtraction]:
        text = (f"Donors met in {place} on {day} for the fund. Japan pledged $10 million to the "
                "loss and damage fund, and Germany pledged $100 million.")  # fmt: skip
        art = Article(id=aid, text=text)
        pledges = [
            {
                "actor": actor,
                "type": "money",
                "what": "fund",
                "status": "committed",
                "quantity": amount,
                "event": "E1",
                "s": [f"{actor} pledged"],
            }
            for actor, amount in (("Japan", "$10 million"), ("Germany", "$100 million"))
        ]
        return art, answer(art, [{"ref": "E1", "name": "Loss and damage fund pledges",
                                  "kind": "summit", "date": day, "location": place,
                                  "s": ["Donors met"]}], pledges)  # fmt: skip

    days = [report("a1", "Thursday", "Dubai"), report("a2", "Thursday", "Dubai"),
            report("a3", "Monday", "Dubai"), report("a4", "Friday", "Dubai")]  # fmt: skip
    [event] = merge([x for _, x in days], [a for a, _ in days]).events
    [conflict] = event.conflicts
    # Thursday and Friday may be one summit's days; Monday is not
    assert conflict.field == "date"
    assert {v.value: {s.article_id for s in v.sources} for v in conflict.values} == {
        "Thursday": {"a1", "a2"}, "Monday": {"a3"}, "Friday": {"a4"}}  # fmt: skip

    places = [report("b1", "Thursday", "Paris"), report("b2", "Thursday", "Versailles")]
    [event] = merge([x for _, x in places], [a for a, _ in places]).events
    [conflict] = event.conflicts
    assert conflict.field == "location"
    assert {v.value: [s.article_id for s in v.sources] for v in conflict.values} == {
        "Paris": ["b1"], "Versailles": ["b2"]}  # fmt: skip


def test_days_of_one_summit_are_no_conflict() -> None:
    def report(aid: str, day: str) -> tuple[Article, ArticleExtraction]:
        art = Article(id=aid, text=f"Donors met in Dubai on {day}. Japan pledged $10 million.")
        return art, answer(art, [{"ref": "E1", "name": "Fund pledges", "kind": "summit",
                                  "date": day, "location": "Dubai", "s": ["Donors met"]}],
                           [{"actor": "Japan", "type": "money", "what": "fund", "status": "committed",
                             "quantity": "$10 million", "event": "E1", "s": ["Japan pledged"]}])  # fmt: skip

    parts = [report("a1", "Thursday"), report("a2", "Friday")]
    [event] = merge([x for _, x in parts], [a for a, _ in parts]).events
    assert event.conflicts == []


def test_one_outlet_gives_the_day_another_the_place_and_a_third_joins_on_both() -> None:
    grid = "Japan pledged aid for the Kharkiv power grid and its Zolochiv substations."
    a1, x1 = _bare("a1", f"On Tuesday, July 9, 2024, ministers talked. {grid}", "Grid aid talks")
    a2, x2 = _bare("a2", f"Ministers gathered in Rome. {grid}", "Grid aid meeting")
    a3, x3 = _bare("a3", "Speaking in Rome, the envoy said Japan pledged to pay for repairs.",
                   "Envoy backs repairs", published="2024-07-10")  # fmt: skip
    [event] = merge([x1, x2, x3], [a1, a2, a3]).events
    assert event.articles == ["a1", "a2", "a3"]
    # a3 shares no word of note with a1 and no date with a2: it joins on the day a1 gives
    # and the place a2 gives, one event's
    assert "published 1 day after the other's date" in event.decisions[2]
    assert "same location (rome)" in event.decisions[2]


def test_a_weekday_and_a_day_without_a_year_put_an_undated_event_in_the_latest_year() -> None:
    def report(aid: str, text: str, day: str | None) -> tuple[Article, ArticleExtraction]:
        art = Article(id=aid, text=text)
        event = {"ref": "E1", "name": "Paris conference for Lebanon", "kind": "summit",
                 "location": "Paris", "s": ["pledged"]}  # fmt: skip
        if day:
            event["date"] = day
        pledge = {"actor": "France", "type": "money", "what": "aid", "status": "committed",
                  "quantity": "100 million euros", "event": "E1", "s": ["pledged"]}  # fmt: skip
        return art, answer(art, [event], [pledge])

    lebanon = [
        report("a1", "Donors met in Paris on Thursday. France pledged 100 million euros.",
               "on Thursday"),
        report("a2", "PARIS, Oct 24 - France pledged 100 million euros to Lebanon.", None),
    ]  # fmt: skip
    elsewhere = Article(id="b1", text="Japan pledged aid.", published="2025-06-25")
    _, x3 = _bare("b1", elsewhere.text, "Tokyo aid meeting", published="2025-06-25")
    merged = merge([x for _, x in lebanon] + [x3], [a for a, _ in lebanon] + [elsewhere])
    [event] = [e for e in merged.events if "a1" in e.articles]
    assert event.articles == ["a1", "a2"]
    # 24 October was a Thursday in 2024 (and in 2019), not in 2025
    assert event.date and event.date.value == "2024-10-24"
    assert {s.article_id for s in event.date.sources} == {"a1", "a2"}
    assert "no year given: taken as 2024" in event.decisions[-1]
    # with no publication day anywhere, nothing bounds the year: the date stays as written
    alone = merge([x for _, x in lebanon], [a for a, _ in lebanon])
    assert alone.events[0].date and alone.events[0].date.value == "on Thursday"


def _same(a: Report, b: Report) -> None:
    assert a.model_dump() == b.model_dump()


@pytest.fixture(scope="module")
def news() -> tuple[list[Article], list[ArticleExtraction], Report]:
    articles, extractions = synthetic_news(420)
    return articles, extractions, merge(extractions, articles)


def test_articles_added_to_a_merge_give_the_report_of_one_merge_of_all(news) -> None:  # type: ignore[no-untyped-def]
    articles, extractions, whole = news
    assert 20 < len(whole.events) < 60  # 30 conferences, some reports of one split
    # in the order they came: the last 40 are of any day, so much is taken again
    merger = Merger()
    merger.add(extractions[:380], articles[:380])
    _same(merger.add(extractions[380:], articles[380:]), whole)
    # three runs, none of them in date order
    merger, cuts = Merger(), (0, 100, 300, 420)
    for lo, hi in itertools.pairwise(cuts):
        report = merger.add(extractions[lo:hi], articles[lo:hi])
    _same(report, whole)


def test_the_order_articles_come_in_changes_no_event(news) -> None:  # type: ignore[no-untyped-def]
    articles, extractions, whole = news
    # reports of one day are taken by article id, not by their place in the input: a feed
    # lists its newest first, and a store gives its articles in id order
    shuffled = random.Random(7).sample(range(len(extractions)), len(extractions))
    _same(merge([extractions[i] for i in shuffled], [articles[i] for i in shuffled]), whole)
    merger = Merger()
    merger.add([extractions[i] for i in shuffled[:300]], [articles[i] for i in shuffled[:300]])
    _same(merger.add([extractions[i] for i in shuffled[300:]],
                     [articles[i] for i in shuffled[300:]]), whole)  # fmt: skip


def test_articles_of_the_latest_days_take_little_again() -> None:
    articles, extractions = synthetic_news(420)
    day = {x.article_id: min((e.date.value for e in x.events if e.date and e.date.value),
                            default=None) for x in extractions}  # fmt: skip
    # a feed: what was published before, then the reports of the last week
    latest = sorted(d for d in day.values() if d)[-1]
    old = [
        i for i, x in enumerate(extractions) if (d := day[x.article_id]) and (latest - d).days > 7
    ]
    late = [i for i in range(len(extractions)) if i not in set(old)]
    order = old + late
    merger = Merger()
    merger.add([extractions[i] for i in old], [articles[i] for i in old])
    report = merger.add([extractions[i] for i in late], [articles[i] for i in late])
    _same(report, merge([extractions[i] for i in order], [articles[i] for i in order]))
    assert merger.taken_again < len(late) + len(old) // 2


def test_weights_are_counted_near_each_block_once_it_holds_enough_articles() -> None:
    text_of = {
        f"a{i}": f"Donors pledged aid number {i} to Ukraine." for i in range(2 * MIN_WEIGHED)
    }
    texts = Texts(text_of)
    texts.add({f"a{i}": 2900 if i < MIN_WEIGHED else 2910 for i in range(2 * MIN_WEIGHED)})
    before = dict(texts.vectors)
    text_of["b"] = "Ukraine asked for more aid."
    # a new article of week 2910 weighs that week again, and leaves week 2900 as it was
    assert texts.add({"b": 2910}) == {2910}
    assert all(texts.vectors[f"a{i}"] is before[f"a{i}"] for i in range(MIN_WEIGHED))
    assert texts.vectors[f"a{MIN_WEIGHED}"] != before[f"a{MIN_WEIGHED}"]


def test_an_article_is_merged_once() -> None:
    articles, extractions = synthetic_news(3)
    merger = Merger()
    merger.add(extractions, articles)
    with pytest.raises(ValueError, match="already merged: n0001"):
        merger.add(extractions[1:2], articles[1:2])
