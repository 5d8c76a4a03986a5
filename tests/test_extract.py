from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from summarizer.errors import InputError
from summarizer.extract import chunk_sentences, estimate_tokens, extract, render_article
from summarizer.feeds import iter_articles
from summarizer.llm import open_llm
from summarizer.schemas import Alignment, Article, ArticleExtraction
from summarizer.sentences import split_sentences
from tests.conftest import ARTICLES, recorded_settings

SAMPLES = sorted(p.stem for p in ARTICLES.glob("*.txt"))


def _article(stem: str) -> Article:
    [loaded] = list(iter_articles([str(ARTICLES / f"{stem}.txt")]))
    assert not isinstance(loaded, InputError)
    return loaded.article


def assert_grounded(article: Article, extraction: ArticleExtraction) -> None:
    """Every located span is the article's own text; missing ones carry no offsets."""
    for record in [*extraction.events, *extraction.pledges]:
        assert record.evidence, record
        for ev in record.evidence:
            assert ev.article_id == article.id
            if ev.alignment is Alignment.missing:
                assert ev.start is None and ev.end is None
            else:
                assert ev.start is not None and ev.end is not None
                assert article.text[ev.start : ev.end] == ev.quote


def test_chunks_cover_every_sentence_with_overlap() -> None:
    text = " ".join(f"Sentence number {n} says something about the summit." for n in range(1, 201))
    sentences = split_sentences(text)
    chunks = chunk_sentences(sentences, max_tokens=300, overlap=2)
    assert len(chunks) > 3
    assert all(sum(estimate_tokens(s.text) for s in c) <= 300 for c in chunks)
    covered = {s.number for c in chunks for s in c}
    assert covered == set(range(1, 201))
    for a, b in itertools.pairwise(chunks):
        assert [s.number for s in a[-2:]] == [s.number for s in b[:2]]


def test_a_sentence_longer_than_a_chunk_is_kept_whole() -> None:
    sentences = split_sentences("Short one. " + "word " * 500 + "end. Last one.")
    chunks = chunk_sentences(sentences, max_tokens=50, overlap=1)
    assert any(len(c) == 1 and len(c[0].text) > 2000 for c in chunks)
    assert {s.number for c in chunks for s in c} == {s.number for s in sentences}


def test_article_is_rendered_as_numbered_sentences_after_a_header() -> None:
    art = Article(id="a1", title="T", text="One. Two.")
    rendered = render_article(art, split_sentences(art.text))
    assert rendered == "Article: a1\nTitle: T\n\n[1] One.\n[2] Two."


def test_empty_article_is_refused_before_any_call() -> None:
    with pytest.raises(InputError, match="no text"):
        extract(Article(id="e", text="  \n"), recorded_settings(), llm=object())  # type: ignore[arg-type]


def _cassette_usage(cassette: Any) -> tuple[int, int, int]:
    """Calls and tokens the server reported, summed over the recorded responses."""
    calls = prompt = completion = 0
    for response in cassette.responses:
        body = response["body"]["string"]
        data: Any = json.loads(body.decode() if isinstance(body, bytes) else body)
        if "usage" in data:
            calls += 1
            prompt += data["usage"]["prompt_tokens"]
            completion += data["usage"]["completion_tokens"]
    return calls, prompt, completion


@pytest.mark.cassette
@pytest.mark.vcr
@pytest.mark.parametrize("stem", SAMPLES)
def test_extract_sample_article(stem: str, vcr: Any) -> None:
    article = _article(stem)
    with open_llm(recorded_settings()) as llm:
        extraction = extract(article, recorded_settings(), llm=llm)
    assert extraction.article_id == stem
    assert extraction.events or extraction.pledges
    assert_grounded(article, extraction)
    # what we counted is what the server reported, call by call
    calls, prompt, completion = _cassette_usage(vcr)
    u = extraction.usage
    assert (u.calls, u.prompt_tokens, u.completion_tokens) == (calls, prompt, completion)
    assert extraction.prompt_version.startswith("extract-")
    # every pledge that names an event names one of this article's events
    ids = {e.id for e in extraction.events}
    assert all(p.event_id in ids for p in extraction.pledges if p.event_id)


def _answer(pledges: list[dict[str, Any]]) -> str:
    return json.dumps({"events": [], "pledges": pledges})


def test_unfound_values_are_re_asked_once_and_the_better_answer_kept() -> None:
    from tests.scripted import Server, completion, make_llm

    article = _article("004_80dba054489f2964")
    invented = {"actor": "France", "type": "troops", "what": "troops", "status": "committed",
                "quantity": "ten thousand troops", "s": [7, 99]}  # fmt: skip
    fixed = {**invented, "quantity": "several thousand", "s": [7]}
    server = Server(completion(_answer([invented])), completion(_answer([fixed]), prompt=300))
    x = extract(article, llm=make_llm(server, []))
    assert len(server.requests) == 2
    feedback = server.requests[1]["messages"][-1]["content"]
    assert "'ten thousand troops' is not in the article" in feedback
    assert "[99]" in feedback
    assert x.pledges[0].quantity and x.pledges[0].quantity.lower == 3000
    assert (x.usage.calls, x.usage.prompt_tokens) == (2, 400)


def test_re_ask_happens_at_most_once_and_keeps_the_first_if_no_better() -> None:
    from tests.scripted import Server, completion, make_llm

    article = _article("004_80dba054489f2964")
    invented = {"actor": "Mars", "type": "troops", "what": "troops", "status": "committed",
                "quantity": "10,000 troops", "s": [7]}  # fmt: skip
    server = Server(completion(_answer([invented])), completion(_answer([invented])))
    x = extract(article, llm=make_llm(server, []))
    assert len(server.requests) == 2
    [p] = x.pledges
    assert not p.confirmed and any("10,000 troops" in f for f in p.flags)


def test_a_model_that_repeats_itself_yields_each_pledge_once() -> None:
    from tests.scripted import Server, completion, make_llm

    article = _article("003_726b05e1c8879489")
    pledge = {
        "actor": "France",
        "type": "troops",
        "what": "troops",
        "status": "committed",
        "s": [2],
    }
    server = Server(completion(_answer([pledge, pledge, dict(pledge)])))
    x = extract(article, llm=make_llm(server, []))
    assert [p.actor for p in x.pledges] == ["France"]


async def test_aextract_runs_articles_concurrently_on_one_model() -> None:
    import asyncio

    from summarizer.extract import aextract
    from tests.scripted import Server, completion, make_llm

    pledge = {
        "actor": "France",
        "type": "troops",
        "what": "troops",
        "status": "committed",
        "s": [1],
    }
    server = Server(*[completion(_answer([pledge])) for _ in range(3)])
    llm = make_llm(server, [])
    articles = [
        Article(id=f"a{n}", text=f"France pledged troops, said report {n}.") for n in range(3)
    ]
    results = await asyncio.gather(*(aextract(a, llm=llm) for a in articles))
    assert [x.article_id for x in results] == ["a0", "a1", "a2"]
    assert all(x.pledges[0].actor_id == "FRA" for x in results)
    assert len(server.requests) == 3


def test_the_optional_pledge_pass_adds_and_fills_pledges_from_commitment_sentences() -> None:
    from summarizer.schemas import Article
    from tests.scripted import Server, completion, make_llm

    article = Article(
        id="rome",
        text="Ministers met in Rome on Monday. Italy pledged 20 ships. "
        "Spain said it would send 30 medics once a truce holds.",
    )
    main = {"events": [{"ref": "E1", "name": "Rome meeting", "kind": "meeting", "s": [1]}],
            "pledges": [{"actor": "Italy", "type": "equipment", "what": "ships",
                         "status": "committed", "event": "E1", "s": [2]}]}  # fmt: skip
    second = [
        {"actor": "Italy", "type": "equipment", "what": "ships", "status": "committed",
         "quantity": "20 ships", "s": [2]},
        {"actor": "Spain", "type": "troops", "what": "medics", "status": "conditional",
         "quantity": "30 medics", "conditions": "once a truce holds", "s": [3]},
        {"actor": "Rome", "type": "other", "what": "hosting", "status": "committed", "s": [1]},
    ]  # fmt: skip
    server = Server(completion(json.dumps(main)), completion(_answer(second)))
    llm = make_llm(server, [], pledge_pass=True)
    x = extract(article, llm.settings, llm=llm)
    # the second call sees only the sentences with commitment words
    sent = server.requests[1]["messages"][-1]["content"]
    assert "[2] Italy pledged" in sent and "[3] Spain" in sent and "[1]" not in sent
    italy, spain = x.pledges  # "Rome" cited a sentence it was not shown: dropped
    assert italy.quantity is not None and italy.quantity.amount == 20  # filled in
    assert (spain.actor_id, spain.status.value, spain.conditions) == (
        "ESP", "conditional", "once a truce holds",
    )  # fmt: skip
    assert spain.event_id == "rome#E1" and spain.confirmed
    assert x.prompt_version.startswith("extract-") and "+pledges-" in x.prompt_version


def test_asyncio_extraction_sends_the_same_requests_and_gets_the_same_result() -> None:
    import asyncio

    from summarizer.extract import aextract_with_drafts, extract_with_drafts
    from tests.scripted import Server, completion, make_llm

    article = _article("004_80dba054489f2964")
    invented = {"actor": "France", "type": "troops", "what": "troops", "status": "committed",
                "quantity": "ten thousand troops", "s": [7, 99]}  # fmt: skip
    fixed = {**invented, "quantity": "several thousand", "s": [7]}
    extra = {"actor": "Italy", "type": "money", "what": "funds", "status": "committed", "s": [3]}

    def script() -> Server:  # a re-ask for an invented value, then the pledge pass
        return Server(
            completion(_answer([invented])),
            completion(_answer([fixed]), prompt=300),
            completion(_answer([extra]), prompt=200),
        )

    threads, loop = script(), script()
    llm = make_llm(threads, [], pledge_pass=True)
    done = extract_with_drafts(article, llm.settings, llm)

    async def run() -> Any:
        llm = make_llm(loop, [], pledge_pass=True)
        try:
            return await aextract_with_drafts(article, llm.settings, llm)
        finally:
            await llm.aclose()

    adone = asyncio.run(run())
    assert loop.requests == threads.requests and len(loop.requests) == 3
    strip = {"usage": {"seconds"}}  # wall time differs; everything else must not
    assert adone[0].model_dump(exclude=strip) == done[0].model_dump(exclude=strip)
    assert adone[1] == done[1]
    assert done[0].usage.calls == 3 and done[0].usage.prompt_tokens == 600
