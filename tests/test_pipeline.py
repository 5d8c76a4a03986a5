"""The main job end to end: the five sample articles through the recorded real model."""

from __future__ import annotations

import json

import jsonschema
import pytest

from summarizer.feeds import Loaded, iter_articles
from summarizer.llm import open_llm
from summarizer.pipeline import summarize
from summarizer.schemas import Alignment, Evidence, Report
from tests.conftest import ARTICLES, ROOT, recorded_settings

SEPT = {"000_d0f0dbfe9e194b55", "001_c5e7fab55a892fe4", "003_726b05e1c8879489"}
JAN = {"002_546e8795ffd0dea9", "004_80dba054489f2964"}


def _evidence(report: Report) -> list[Evidence]:
    out: list[Evidence] = []
    for e in report.events:
        for sourced in [e.date, e.location, e.host, *e.counts]:
            out += sourced.sources if sourced else []
        for p in e.pledges:
            for sourced in [
                p.actor,
                p.status,
                p.description,
                p.quantity,
                p.conditions,
                p.recipient,
            ]:
                out += sourced.sources if sourced else []
        for c in e.conflicts:
            out += [s for v in c.values for s in v.sources]
    return out


@pytest.mark.cassette
@pytest.mark.vcr
def test_summarize_the_five_sample_articles() -> None:
    articles = [i.article for i in iter_articles([str(ARTICLES)]) if isinstance(i, Loaded)]
    with open_llm(recorded_settings()) as llm:
        report = summarize(articles, recorded_settings(), llm=llm)
    # the report is valid against the exported JSON Schema
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text("utf-8"))
    jsonschema.validate(json.loads(report.model_dump_json()), schema)
    # every located evidence span is the article's own text
    text = {a.id: a.text for a in articles}
    evidence = _evidence(report)
    assert evidence
    for ev in evidence:
        if ev.alignment is not Alignment.missing:
            assert ev.start is not None and ev.end is not None
            assert text[ev.article_id][ev.start : ev.end] == ev.quote
    # the two summits, each with its own articles
    assert sorted((set(e.articles) for e in report.events), key=len, reverse=True) == [SEPT, JAN]
    assert all(e.pledges for e in report.events)
    # the conflict the January articles contain: 004 says France could send "several
    # thousand" troops, 002 that no figures were given
    january = next(e for e in report.events if set(e.articles) == JAN)
    [conflict] = january.conflicts
    assert conflict.field == "pledges[FRA/troops].quantity"
    quotes = {v.value: v.sources[0] for v in conflict.values}
    assert quotes["several thousand"].article_id == "004_80dba054489f2964"
    no_figure = quotes["No figures were given for the number of troops"]
    assert no_figure.article_id == "002_546e8795ffd0dea9"
    for ev in quotes.values():
        assert ev.start is not None and text[ev.article_id][ev.start : ev.end] == ev.quote
