"""Evaluation against gold, on hand-written reports (no LLM)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer.cli import cli
from summarizer.evaluate import Gold, evaluate
from summarizer.merge import merge
from summarizer.schemas import Report
from tests.conftest import ROOT
from tests.fixtures import sample_extractions

GOLD = Gold.model_validate_json((ROOT / "gold" / "samples.gold.json").read_bytes())


def _gold(events: list[dict[str, object]]) -> Gold:
    return Gold.model_validate({"format": "summarizer-gold/1", "events": events})


def _pledge(actor: str, ctype: str, status: str, **extra: object) -> dict[str, object]:
    return {"actor": actor, "commitment_type": ctype, "status": status, "articles": ["a"],
            "quote": {"article": "a", "text": "x"}, **extra}  # fmt: skip


def _report(events: list[dict[str, object]]) -> Report:
    return Report.model_validate({"events": events})


def _rp(actor: str, ctype: str, status: str, **extra: object) -> dict[str, object]:
    return {"id": f"{actor}/{ctype}", "actor": {"value": actor}, "actor_id": actor,
            "commitment_type": ctype, "status": {"value": status}, "description": {"value": ""},
            "articles": ["a"], "confirmed": True, **extra}  # fmt: skip


def test_pairwise_event_scores() -> None:
    gold = _gold([{"id": "g1", "articles": ["a", "b"]}, {"id": "g2", "articles": ["c"]}])
    report = _report([{"id": "e1", "name": "x", "kind": "summit", "articles": ["a", "b", "c"]}])
    s = evaluate(report, gold)
    assert (s.event_pairs["tp"], s.event_pairs["fp"], s.event_pairs["fn"]) == (1, 2, 0)
    assert (
        s.event_pairs["precision"] == pytest.approx(0.333, abs=1e-3)
        and s.event_pairs["recall"] == 1.0
    )


def test_lenient_strict_and_status() -> None:
    gold = _gold([{"id": "g1", "date": "2025-09-04", "location": "Paris", "articles": ["a"], "pledges": [
        _pledge("FRA", "troops", "conditional", quantity="several thousand", conditions="once a ceasefire is in place"),
        _pledge("ITA", "troops", "declined"),
        _pledge("USA", "monitoring", "committed"),
    ]}])  # fmt: skip
    report = _report([{"id": "e1", "name": "x", "kind": "summit", "articles": ["a"],
                       "date": {"value": "2025-09-04"}, "location": {"value": "paris"}, "pledges": [
        _rp("FRA", "troops", "conditional", quantity={"value": {"text": "several thousand", "lower": 3000}},
            conditions={"value": "once a ceasefire is reached"}),
        _rp("ITA", "troops", "committed"),
        _rp("DEU", "troops", "declined"),
    ]}])  # fmt: skip
    s = evaluate(report, gold)
    assert (s.pledges_lenient["tp"], s.pledges_lenient["fp"], s.pledges_lenient["fn"]) == (2, 1, 1)
    assert (s.pledges_strict["tp"], s.pledges_strict["fn"]) == (2, 1)
    assert s.status_accuracy == 0.5
    assert s.date_accuracy == 1.0 and s.location_accuracy == 1.0


@pytest.mark.parametrize(
    ("reported", "right"),
    [("Washington", True), ("Apulia", True), ("Puglia", True), ("Kiev", True), ("Bari", False)],
)
def test_a_location_is_scored_at_city_level(reported: str, right: bool) -> None:
    places = {"Washington": "Washington, D.C.", "Kiev": "Kyiv"}
    gold_place = places.get(reported, "Borgo Egnazia (Fasano), Apulia, Italy")
    gold = _gold([{"id": "g1", "location": gold_place, "articles": ["a"]}])
    report = _report([{"id": "e1", "name": "x", "kind": "summit", "articles": ["a"],
                       "location": {"value": reported}}])  # fmt: skip
    assert evaluate(report, gold).location_accuracy == (1.0 if right else 0.0)


def test_the_hand_written_sample_report_against_the_gold() -> None:
    articles, extractions = sample_extractions()
    s = evaluate(merge(extractions, articles), GOLD)
    assert s.event_pairs["f1"] == 1.0
    assert s.conflicts["recall"] == 1.0  # the France troop-quantity conflict
    assert s.pledges_lenient["tp"] >= 10
    assert s.grounding["missing"] == 0 and s.grounding["rate"] == 1.0


def test_eval_command_prints_and_writes_the_metrics(tmp_path: Path) -> None:
    articles, extractions = sample_extractions()
    report = tmp_path / "report.json"
    report.write_text(merge(extractions, articles).model_dump_json())
    out = tmp_path / "metrics.json"
    result = CliRunner().invoke(
        cli,
        ["eval", "--gold", str(ROOT / "gold" / "samples.gold.json"), str(report), "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "events: article pairs" in result.stdout and "grounding rate" in result.stdout
    assert json.loads(out.read_text())["event_pairs"]["f1"] == 1.0
    bad = CliRunner().invoke(cli, ["eval", "--gold", str(report), str(report)])
    assert bad.exit_code == 2 and "not a gold file" in bad.stderr


def test_alt_types_background_distractors_and_material_are_scored_fairly() -> None:
    gold = Gold.model_validate({"format": "summarizer-gold/1", "distractors": ["d"], "events": [
        {"id": "g1", "articles": ["a", "b"], "pledges": [
            _pledge("GBR", "weapons", "committed", alt_types=["money"]),
            _pledge("DEU", "money", "committed"),
            _pledge("FRA", "diplomatic", "committed"),
        ], "background_pledges": [_pledge("ESP", "money", "committed")]},
    ]})  # fmt: skip
    report = _report([
        {"id": "e1", "name": "x", "kind": "summit", "articles": ["a", "b"], "pledges": [
            _rp("GBR", "money", "committed"),    # an accepted other type: a hit
            _rp("ESP", "money", "committed"),    # background: neither hit nor false
            _rp("ITA", "money", "committed"),    # false
        ]},
        {"id": "e2", "name": "y", "kind": "summit", "articles": ["d"], "pledges": [
            _rp("USA", "money", "committed", articles=["d"]),  # from a distractor: false
        ]},
    ])  # fmt: skip
    s = evaluate(report, gold)
    assert (s.pledges_lenient["tp"], s.pledges_lenient["fp"], s.pledges_lenient["fn"]) == (1, 2, 2)
    assert s.background_reported == 1
    assert (s.distractor_pledges, s.distractor_events) == (1, 1)
    # material: GBR's weapons (hit) and DEU's money (missed); FRA's diplomatic is not material
    assert (s.pledges_material["tp"], s.pledges_material["fp"], s.pledges_material["fn"]) == (
        1,
        2,
        1,
    )
    assert s.pledges_by_type["weapons"]["tp"] == 1 and s.pledges_by_type["money"]["fn"] == 1
    assert any("DEU/money" in m for m in s.misses) and any("FRA/diplomatic" in m for m in s.misses)
    assert sorted(f.split(": ")[1].split()[0] for f in s.false_pledges) == [
        "ITA/money",
        "USA/money",
    ]


def test_b_cubed_counts_each_article_once() -> None:
    gold = _gold([{"id": "g1", "articles": ["a", "b", "c", "d"]}])
    split = _report([
        {"id": "e1", "name": "x", "kind": "summit", "articles": ["a", "b"]},
        {"id": "e2", "name": "y", "kind": "summit", "articles": ["c", "d"]},
    ])  # fmt: skip
    s = evaluate(split, gold)
    assert s.event_bcubed == {"precision": 1.0, "recall": 0.5, "f1": 0.667}
    # an article left out of every event is a cluster of its own
    alone = evaluate(
        _report([{"id": "e1", "name": "x", "kind": "summit", "articles": ["a", "b", "c"]}]), gold
    )
    assert alone.event_bcubed["recall"] == round((3 * 3 / 4 + 1 / 4) / 4, 3)
