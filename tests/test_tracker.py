"""The pledge tracker: values in one currency, new / restated / background, totals, views."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer import tracker
from summarizer.cli import cli
from summarizer.merge import merge
from summarizer.money import estimated, value_of
from summarizer.normalize import parse_quantity
from summarizer.render import render
from summarizer.render.tracker import render_tracker
from summarizer.schemas import Article, ArticleExtraction, Report
from summarizer.store import ExtractionKey, Store
from tests.fixtures import answer


def _report(
    aid: str, text: str, pledges: list[tuple[str, str, str]], published: str
) -> tuple[Article, ArticleExtraction]:
    """An article of a donors' conference and its extraction: (actor, figure, phrase)."""
    art = Article(id=aid, text=text, published=published, url=f"https://news.example/{aid}")
    said = [
        {"actor": actor, "type": "money", "what": "aid", "status": "committed",
         "quantity": figure, "event": "E1", "s": [phrase]}
        for actor, figure, phrase in pledges
    ]  # fmt: skip
    return art, answer(art, [{"ref": "E1", "name": "Donors conference for Sudan",
                              "kind": "summit", "location": "London", "s": ["Donors met"]}], said)  # fmt: skip


def _conferences() -> tuple[list[Article], list[ArticleExtraction]]:
    april = (
        "Donors met in London on Tuesday, April 15, 2025 for Sudan. Britain pledged £120 million "
        "in new aid. Norway pledged 100 million euros. Spain provided $50 million in 2024, "
        "its minister recalled."
    )
    april_2 = (
        "Donors met in London on April 15, 2025. Norway pledged $108 million, the minister "
        "said. Britain pledged £120 million. Germany said it would consider 10 million euros."
    )
    june = (
        "Donors met in London on Tuesday, June 17, 2025 for Sudan again. Britain pledged £120 "
        "million, repeating its April promise. Japan pledged up to $20 million."
    )
    a1 = _report("a1", april, [("Britain", "£120 million", "Britain pledged"),
                               ("Norway", "100 million euros", "Norway pledged"),
                               ("Spain", "$50 million", "Spain provided")], "2025-04-15")  # fmt: skip
    a2 = _report("a2", april_2, [("Norway", "$108 million", "Norway pledged"),
                                 ("Britain", "£120 million", "Britain pledged")], "2025-04-16")  # fmt: skip
    a3 = _report("a3", june, [("Britain", "£120 million", "Britain pledged"),
                              ("Japan", "up to $20 million", "Japan pledged")], "2025-06-17")  # fmt: skip
    return [a for a, _ in (a1, a2, a3)], [x for _, x in (a1, a2, a3)]


@pytest.fixture(scope="module")
def conferences() -> tuple[list[Article], Report]:
    articles, extractions = _conferences()
    return articles, merge(extractions, articles)


def test_a_figure_is_valued_in_eur_and_usd_at_the_ecb_rate_of_its_day() -> None:
    # 15 June 2024 was a Saturday: the rate is Friday's, and the day used says so
    v = value_of(parse_quantity("$100 million"), date(2024, 6, 15))
    assert v and v.rate_date == date(2024, 6, 14) and v.usd == 1e8
    assert v.eur == pytest.approx(1e8 / 1.0686, rel=1e-4)  # the ECB's USD rate of that day
    assert v.basis == "reported"
    # only a bound: converted bound by bound, never a point figure
    bound = value_of(parse_quantity("up to $200 million"), date(2024, 6, 14))
    assert bound and bound.basis == "bound" and bound.eur is None and bound.eur_upper
    # a currency the ECB does not quote is said, not guessed
    dirham = value_of(parse_quantity("AED 100 million"), date(2024, 6, 14))
    assert dirham and dirham.eur is None and "no reference rate for AED" in str(dirham.note)
    assert value_of(parse_quantity("30,000 drones"), date(2024, 6, 14)) is None


@pytest.mark.parametrize(
    ("figure", "sentence", "usd"),
    [
        ("50 howitzers", "It will send 50 howitzers worth $2 million each.", 1e8),
        ("12 boats", "Norway gives 12 boats at US$150,000 apiece.", 1.8e6),
        ("four radars", "Four radars, at $3m per unit, will follow.", 1.2e7),
    ],
)
def test_items_priced_one_by_one_are_valued_as_an_estimate(
    figure: str, sentence: str, usd: float
) -> None:
    v = estimated(parse_quantity(figure), [sentence], date(2024, 6, 14))
    assert v and v.basis == "estimate" and v.usd == pytest.approx(usd) and v.currency == "USD"
    assert v.eur and v.rate_date == date(2024, 6, 14) and "computed, not reported" in str(v.note)


@pytest.mark.parametrize(
    ("figure", "sentence"),
    [
        ("50 howitzers", "It will send 50 howitzers, its minister said."),  # no price
        ("300 troops", "300 troops, paid $5,000 per month, will deploy."),  # a rate, not a price
        ("$20 million", "Japan gives $20 million each year."),  # money already
        ("40 trucks", "Italy sends 40 trucks. Spain's tanks cost €3 million each."),  # not near
    ],
)
def test_no_estimate_without_the_price_of_one_item(figure: str, sentence: str) -> None:
    assert estimated(parse_quantity(figure), [sentence], date(2024, 6, 14)) is None


def test_an_estimate_is_counted_and_said_in_the_totals() -> None:
    text = "Donors met in London on June 14, 2024. Poland pledged 40 trucks worth €250,000 each."
    art = Article(id="t1", text=text, published="2024-06-14")
    x = answer(art, [{"ref": "E1", "name": "Donors conference", "kind": "summit",
                      "location": "London", "s": ["Donors met"]}],
               [{"actor": "Poland", "type": "equipment", "what": "trucks", "status": "committed",
                 "quantity": "40 trucks", "event": "E1", "s": ["Poland pledged"]}])  # fmt: skip
    t = tracker(merge([x], [art]))
    [row] = t.rows
    assert row.value and row.value.basis == "estimate" and row.value.eur == pytest.approx(1e7)
    [total] = t.totals
    assert total.committed_eur == total.estimated_eur == pytest.approx(1e7)
    assert "(estimate)" in render_tracker(t, "md")


def test_one_sum_in_two_currencies_is_no_conflict(conferences) -> None:  # type: ignore[no-untyped-def]
    _, report = conferences
    [april] = [e for e in report.events if "a1" in e.articles]
    norway = [p for p in april.pledges if p.actor_id == "NOR"]
    assert len(norway) == 1 and norway[0].articles == ["a1", "a2"]
    assert not [c for c in april.conflicts if "NOR" in c.field]
    assert norway[0].quantity and norway[0].quantity.value["currency"] == "EUR"  # type: ignore[index]


def test_background_restated_and_new_pledges_are_told_apart(conferences) -> None:  # type: ignore[no-untyped-def]
    _, report = conferences
    t = tracker(report)
    rows = {(r.actor_id, r.event_date): r for r in t.rows}
    spain = rows[("ESP", "2025-04-15")]
    assert spain.novelty == "background" and "in 2024" in str(spain.novelty_reason)
    june = rows[("GBR", "2025-06-17")]
    assert june.novelty == "restated" and june.original == rows[("GBR", "2025-04-15")].id
    assert rows[("GBR", "2025-04-15")].novelty == "new"
    totals = {x.actor_id: x for x in t.totals}
    # Britain's £120 million counted once, at the April rate; Spain's background not at all
    april = rows[("GBR", "2025-04-15")].value
    assert april and totals["GBR"].committed_eur == pytest.approx(april.eur)
    assert totals["GBR"].counted == 1 and totals["GBR"].left_out == {"restated": 1}
    assert totals["ESP"].committed_eur == 0 and totals["ESP"].left_out == {"background": 1}
    # an upper bound is no committed figure
    assert totals["JPN"].committed_eur == 0 and totals["JPN"].left_out == {"only an upper bound": 1}
    # every row cites its sentences, and its first and last publication days
    assert spain.links and t.url(spain.links[0].article_id) == "https://news.example/a1"
    assert rows[("NOR", "2025-04-15")].first_seen == date(2025, 4, 15)
    assert rows[("NOR", "2025-04-15")].last_seen == date(2025, 4, 16)


def test_rows_are_plain_dicts_and_csv_json_markdown_say_the_same(conferences) -> None:  # type: ignore[no-untyped-def]
    _, report = conferences
    t = tracker(report)
    rows = t.to_rows()
    assert len(rows) == len(t.rows)
    assert all(isinstance(v, (str, int, float, date, type(None))) for r in rows for v in r.values())
    table = list(csv.DictReader(io.StringIO(render_tracker(t, "csv"))))
    assert [r["id"] for r in table] == [r["id"] for r in rows]
    again = json.loads(render_tracker(t, "json"))
    assert again["totals"][0]["actor_id"] == t.totals[0].actor_id
    md = render_tracker(t, "md")
    assert "## Totals per donor" in md and "restated" in md


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.figures: list[str | None] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "figure" in (a.get("class") or "").split():
            self.figures.append(a.get("href"))
        if a.get("id"):
            self.ids.add(str(a["id"]))


def test_every_figure_of_the_html_page_links_to_its_sentence_in_the_review(conferences) -> None:  # type: ignore[no-untyped-def]
    articles, report = conferences
    page, review = _Links(), _Links()
    page.feed(render_tracker(tracker(report), "html", review="review.html"))
    review.feed(render(report, "html", articles))
    assert page.figures and all(f and f.startswith("review.html#") for f in page.figures)
    assert {f.split("#", 1)[1] for f in page.figures if f} <= review.ids


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (Debian package chromium)")
def test_the_html_page_renders_in_headless_chromium(conferences, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    articles, report = conferences
    page = tmp_path / "tracker.html"
    page.write_text(render_tracker(tracker(report), "html", review="tracker.review.html"))
    (tmp_path / "tracker.review.html").write_text(render(report, "html", articles))
    flags = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1280,1400",
    ]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout  # fmt: skip
    links = _Links()
    links.feed(dom)
    assert links.figures and all(f and f.startswith("tracker.review.html#") for f in links.figures)
    assert "<svg" in dom and "Committed totals per donor" in dom
    shot = tmp_path / "tracker.png"
    subprocess.run([*flags, f"--screenshot={shot}", page.as_uri()], capture_output=True,
                   timeout=120, check=True)  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_the_tracker_command_reads_a_store_or_report_files(tmp_path: Path) -> None:
    articles, extractions = _conferences()
    store_path = tmp_path / "news.sqlite"
    key = ExtractionKey("hand", "hand", extractions[0].schema_version)
    with Store(store_path) as store:
        run = store.start_run(key, ["test"])
        for article, x in zip(store.add_articles(articles, run), extractions, strict=True):
            store.save_extraction(key, article, x, run, [])
        store.finish_run(run, "completed", seen=3, cached=0, extracted=3, failed=0)
    runner = CliRunner()
    out = tmp_path / "tracker.html"
    result = runner.invoke(
        cli, ["tracker", "--store", str(store_path), "-f", "html", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    review = tmp_path / "tracker.review.html"
    assert 'href="tracker.review.html#a1-' in out.read_text() and review.is_file()
    # the same from a saved report
    saved = tmp_path / "report.json"
    saved.write_text(render(merge(extractions, articles), "json"))
    result = runner.invoke(cli, ["tracker", str(saved), "-f", "csv"])
    assert result.exit_code == 0 and result.stdout.startswith("id,actor_id,")
    # neither, or both: a usage error that says what to give
    result = runner.invoke(cli, ["tracker"])
    assert result.exit_code == 2 and "--store" in result.stderr
    result = runner.invoke(cli, ["tracker", "--store", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 2 and "no store at" in result.stderr
