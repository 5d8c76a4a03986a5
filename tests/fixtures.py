"""Hand-written model answers for the sample articles, grounded by our real code (no LLM).

Each answer is what a careful model would return: events and pledges citing the numbers of
the sentences that state them, found here by a phrase of each sentence.
"""

from __future__ import annotations

from typing import Any

from summarizer.feeds import Loaded, iter_articles
from summarizer.ground import ground_extraction
from summarizer.schemas import Article, ArticleExtraction, DraftEvent, DraftPledge
from summarizer.sentences import split_sentences
from tests.conftest import ARTICLES


def load(stem: str) -> Article:
    [item] = list(iter_articles([str(ARTICLES / f"{stem}.txt")]))
    assert isinstance(item, Loaded)
    return item.article


def cite(article: Article, *phrases: str) -> list[int]:
    sentences = split_sentences(article.text)
    out = []
    for phrase in phrases:
        hits = [s.number for s in sentences if phrase in s.text]
        assert hits, f"{phrase!r} not in {article.id}"
        out.append(hits[0])
    return out


def answer(
    article: Article, events: list[dict[str, Any]], pledges: list[dict[str, Any]]
) -> ArticleExtraction:
    """Ground a hand-written answer; ``s`` holds phrases instead of sentence numbers."""
    draft_events = [DraftEvent(**{**e, "s": cite(article, *e["s"])}) for e in events]
    draft_pledges = [DraftPledge(**{**p, "s": cite(article, *p["s"])}) for p in pledges]
    return ground_extraction(
        article,
        split_sentences(article.text),
        draft_events,
        draft_pledges,
        model="hand",
        prompt_version="hand",
    )


def sample_extractions() -> tuple[list[Article], list[ArticleExtraction]]:
    a0, a1, a2, a3, a4 = (load(s) for s in (
        "000_d0f0dbfe9e194b55", "001_c5e7fab55a892fe4", "002_546e8795ffd0dea9",
        "003_726b05e1c8879489", "004_80dba054489f2964",
    ))  # fmt: skip
    x0 = answer(
        a0,
        [{"ref": "E1", "name": "Paris summit on a reassurance force", "kind": "summit", "date": "Thursday",
          "location": "Paris", "host": "Emmanuel Macron", "counts": ["26 nations"],
          "s": ["leaders described on Thursday", "Paris summit hosted"]}],
        [{"actor": "26 nations", "type": "troops", "what": "deploy troops after a peace deal",
          "status": "conditional", "conditions": "once a ceasefire or peace agreement is reached",
          "event": "E1", "s": ["26 nations have formally committed"]},
         {"actor": "Italy", "type": "troops", "what": "no troops", "status": "declined",
          "event": "E1", "s": ["ruled out sending troops"]},
         {"actor": "Italy", "type": "monitoring", "what": "help monitor a peace deal",
          "status": "considering", "event": "E1", "s": ["ruled out sending troops"]},
         {"actor": "Germany", "type": "troops", "what": "decide later", "status": "considering",
          "event": "E1", "s": ["at the appropriate time"]}],
    )  # fmt: skip
    x1 = answer(
        a1,
        [{"ref": "E1", "name": "Coalition of the willing meeting in Paris", "kind": "meeting",
          "date": "Thursday", "location": "Paris", "counts": ["26 of Ukraine’s allies", "35 pro-Ukraine countries"],
          "s": ["announced Thursday that 26", "meeting in Paris"]}],
        [{"actor": "26 of Ukraine’s allies", "type": "troops", "what": "reassurance force",
          "status": "conditional", "conditions": "once fighting with Russia ends", "event": "E1",
          "s": ["announced Thursday that 26"]}],
    )  # fmt: skip
    x2 = answer(
        a2,
        [{"ref": "E1", "name": "Paris summit of the coalition of the willing", "kind": "summit",
          "location": "Paris", "host": "Emmanuel Macron", "counts": ["27 heads of state or government"],
          "s": ["high-level summit in Paris", "hours of talks hosted"]}],
        [{"actor": "Britain", "type": "troops", "what": "deploy troops after a peace agreement",
          "status": "conditional", "conditions": "following any future peace agreement", "event": "E1",
          "quantity": "No figures were given",
          "s": ["Britain and France have declared", "No figures were given"]},
         {"actor": "France", "type": "troops", "what": "deploy troops after a peace agreement",
          "status": "conditional", "conditions": "following any future peace agreement", "event": "E1",
          "quantity": "No figures were given",
          "s": ["Britain and France have declared", "No figures were given"]},
         {"actor": "Poland", "type": "troops", "what": "no troops", "status": "declined",
          "event": "E1", "s": ["would not contribute troops"]},
         {"actor": "Italy", "type": "troops", "what": "no troops", "status": "declined",
          "event": "E1", "s": ["would not contribute troops"]}],
    )  # fmt: skip
    x3 = answer(
        a3,
        [{"ref": "E1", "name": "Coalition of the willing summit", "kind": "summit",
          "date": "Thursday, Sept. 4, 2025", "location": "Paris", "counts": ["26 of Ukraine’s allies"],
          "s": ["Thursday, Sept. 4, 2025", "Speaking after a meeting"]}],
        [{"actor": "26 of Ukraine’s allies", "type": "troops", "what": "reassurance force",
          "status": "conditional", "conditions": "once fighting ends", "event": "E1",
          "s": ["26 of Ukraine’s allies have pledged"]},
         {"actor": "coalition of the willing", "type": "weapons", "what": "long-range missiles",
          "status": "committed", "event": "E1", "s": ["long-range missiles"]}],
    )  # fmt: skip
    x4 = answer(
        a4,
        [{"ref": "E1", "name": "Coalition of the Willing summit in Paris", "kind": "summit",
          "date": "Tuesday", "location": "Paris", "counts": ["35 countries"],
          "s": ["The pledges came on Tuesday", "several thousand"]}],
        [{"actor": "France", "type": "troops", "what": "several thousand troops", "status": "conditional",
          "quantity": "several thousand", "conditions": "if a ceasefire is reached", "event": "E1",
          "s": ["several thousand", "pledged to deploy forces"]},
         {"actor": "United Kingdom", "type": "troops", "what": "deploy forces", "status": "conditional",
          "conditions": "if a ceasefire is reached", "event": "E1", "s": ["pledged to deploy forces"]},
         {"actor": "United States", "type": "monitoring", "what": "lead truce monitoring",
          "status": "committed", "event": "E1", "s": ["lead a truce monitoring mechanism"]},
         {"actor": "Croatia", "type": "troops", "what": "no troops", "status": "declined",
          "event": "E1", "s": ["would not deploy troops"]},
         {"actor": "Germany", "type": "monitoring", "what": "monitor a ceasefire from a neighbouring country",
          "status": "conditional", "event": "E1", "s": ["German forces could join"]}],
    )  # fmt: skip
    return [a0, a1, a2, a3, a4], [x0, x1, x2, x3, x4]


CITIES = ("Paris", "Berlin", "Rome", "Warsaw", "Madrid", "Vienna")
DONORS = ("France", "Germany", "Italy", "Poland", "Spain", "Japan", "Canada", "Norway")


def synthetic_news(n: int, seed: int = 7) -> tuple[list[Article], list[ArticleExtraction]]:
    """``n`` grounded reports of 30 pledging conferences over six weeks, several outlets
    each: most give the day and the city, some only a weekday, a tenth neither; each adds
    wording of its own and of its conference."""
    import random
    from datetime import date, timedelta

    rng = random.Random(seed)
    vocabulary = [f"{a}{b}{c}" for a in "bdfklmprst" for b in "aeiou" for c in "lmnrst"]
    articles, extractions = [], []
    for i in range(n):
        k = rng.randrange(30)
        conference = random.Random(k)
        day = date(2025, 3, 3) + timedelta(days=conference.randrange(42))
        city = conference.choice(CITIES)
        topic = " ".join(conference.sample(vocabulary, 4))
        donors = conference.sample(DONORS, 3)
        style = rng.random()
        when = (
            f" on {day:%A, %B} {day.day}, {day.year}" if style < 0.7
            else f" on {day:%A}" if style < 0.9 else ""
        )  # fmt: skip
        place = f" in {city}" if style < 0.9 else ""
        words = " ".join(rng.sample(vocabulary, 12))
        pledges = " ".join(f"{d} pledged {10 * (j + 1)} million euros for {topic}." for j, d in
                           enumerate(donors[: rng.randint(1, 3)]))  # fmt: skip
        text = f"Donors met{place}{when} to fund {topic}. {pledges} Observers noted {words}."
        article = Article(id=f"n{i:04d}", text=text)
        event = {"ref": "E1", "name": f"{city} conference on {topic.split()[0]}",
                 "kind": "summit", "s": ["Donors met"]}  # fmt: skip
        if when:
            event["date"] = when.removeprefix(" on ")
        if place:
            event["location"] = city
        said = [
            {"actor": d, "type": "money", "what": topic, "status": "committed",
             "quantity": f"{10 * (j + 1)} million euros", "event": "E1", "s": [f"{d} pledged"]}
            for j, d in enumerate(donors) if f"{d} pledged" in text
        ]  # fmt: skip
        articles.append(article)
        extractions.append(answer(article, [event], said))
    return articles, extractions
