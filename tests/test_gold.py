"""The gold annotation of the sample articles is well-formed and quotes them verbatim."""

from __future__ import annotations

import json

from summarizer.schemas import CommitmentType, PledgeStatus
from tests.conftest import ARTICLES, ROOT

GOLD = json.loads((ROOT / "gold" / "samples.gold.json").read_text("utf-8"))
TEXTS = {p.stem: p.read_text("utf-8") for p in ARTICLES.glob("*.txt")}


def test_every_quote_is_verbatim_and_every_value_is_known() -> None:
    assert GOLD["format"] == "summarizer-gold/1"
    for event in GOLD["events"]:
        for p in event["pledges"]:
            assert p["quote"]["text"] in TEXTS[p["quote"]["article"]], p
            assert p["quote"]["article"] in p["articles"]
            assert set(p["articles"]) <= set(event["articles"])
            CommitmentType(p["commitment_type"])
            PledgeStatus(p["status"])
            assert (p["actor"].isupper() and len(p["actor"]) == 3) or ":" in p["actor"], p["actor"]
        for c in event["conflicts"]:
            for v in c["values"]:
                assert any(v["quote"] in TEXTS[a] for a in v["articles"]), v


def test_every_sample_article_belongs_to_exactly_one_event() -> None:
    seen = [a for e in GOLD["events"] for a in e["articles"]]
    assert sorted(seen) == sorted(TEXTS)
