"""Renderers over a hand-written merge of the sample articles (no LLM)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from summarizer.merge import merge
from summarizer.render import render, render_html, render_json, render_markdown
from summarizer.render.markdown import escape
from summarizer.schemas import Article, Report
from tests.fixtures import answer, sample_extractions


@pytest.fixture(scope="module")
def merged() -> tuple[list[Article], Report]:
    articles, extractions = sample_extractions()
    return articles, merge(extractions, articles)


def test_json_round_trips(merged) -> None:  # type: ignore[no-untyped-def]
    _, report = merged
    assert Report.model_validate_json(render_json(report)) == report


def test_markdown_brief_has_every_section_and_numbered_sources(merged) -> None:  # type: ignore[no-untyped-def]
    articles, report = merged
    md = render_markdown(report)
    assert md.count("\n## 1. ") == 1 and md.count("\n## 2. ") == 1
    for heading in (
        "### Who pledged what",
        "### Who declined",
        "### Open questions and conflicts",
        "## Sources",
    ):
        assert heading in md
    assert "- **Poland** declined troops" in md
    assert '"several thousand"' in md and '"No figures were given"' in md
    # every [n] used in the text is listed under Sources, and each listed quote is the article's text
    body, sources = md.split("## Sources")
    used = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    listed = dict(re.findall(r"^(\d+)\. (\S+) \[\d+:\d+\]", sources, re.M))
    assert used == {int(n) for n in listed}
    text = {a.id: a.text for a in articles}
    quotes = re.findall(r"\[(\d+):(\d+)\]: \"(.*)\"$", sources, re.M)
    assert len(quotes) == len(listed)
    for start, end, quote in quotes:
        assert any(escape(t[int(start) : int(end)]) == quote for t in text.values())


def test_unconfirmed_pledges_are_left_out_unless_asked(merged) -> None:  # type: ignore[no-untyped-def]
    _articles, _extractions = sample_extractions()
    art = Article(id="h", text="Leaders met in Paris on Thursday. France pledged troops.")
    x = answer(art, [{"ref": "E1", "name": "Paris summit", "kind": "summit", "date": "Thursday", "location": "Paris",
                      "s": ["Leaders met"]}],
               [{"actor": "Mars", "type": "troops", "what": "10,000 troops", "status": "committed",
                 "quantity": "10,000 troops", "event": "E1", "s": ["France pledged"]}])  # fmt: skip
    report = merge([x], [art])
    assert "Mars" not in render_markdown(report)
    assert "1 unconfirmed pledge left out" in render_markdown(report)
    assert "Mars" in render_markdown(report, unconfirmed=True)
    assert "Mars" not in render_html(report, [art])


HOSTILE_TEXT = "Leaders met in Paris on Thursday. France pledged troops <script>document.title='pwned'</script>."


def _hostile() -> tuple[list[Article], Report]:
    art = Article(id="x<y>", title="<img src=x onerror=alert(1)>", text=HOSTILE_TEXT)
    x = answer(art, [{"ref": "E1", "name": "<b>Summit</b>", "kind": "summit", "date": "Thursday",
                      "location": "Paris", "s": ["Leaders met"]}],
               [{"actor": "France", "type": "troops", "what": "<script>alert(2)</script>",
                 "status": "committed", "event": "E1", "s": ["France pledged"]}])  # fmt: skip
    return [art], merge([x], [art])


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_article_text_with_script_renders_inert() -> None:
    articles, report = _hostile()
    html = render_html(report, articles)
    parsed = _Collect()
    parsed.feed(html)
    tags = [t for t, _ in parsed.tags]
    assert "script" not in tags and "img" not in tags
    assert "&lt;b&gt;Summit&lt;/b&gt;" in html
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html


def test_each_pledge_links_to_a_highlighted_span(merged) -> None:  # type: ignore[no-untyped-def]
    articles, report = merged
    html = render_html(report, articles)
    parsed = _Collect()
    parsed.feed(html)
    marks = {a["id"] for t, a in parsed.tags if t == "span" and a.get("class") == "anchor"}
    links = [a["href"] for t, a in parsed.tags if t == "a" and (a.get("class") or "") == "cite"]
    assert links and all(h and h[1:] in marks for h in links)
    rows = [a for t, a in parsed.tags if t in ("tr", "li") and "pledge" in (a.get("class") or "")]
    assert len(rows) == sum(len(e.pledges) for e in report.events)


def test_render_rejects_an_unknown_format(merged) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="md, json, html"):
        render(merged[1], "pdf")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    cmd = [CHROMIUM, *_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (installed by .ci/run)")
def test_review_page_in_a_real_headless_browser(merged, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    articles, report = merged
    hostile_articles, hostile = _hostile()
    page = tmp_path / "review.html"
    page.write_text(render_html(report, articles), encoding="utf-8")
    shot = tmp_path / "review.png"
    done = _chromium(tmp_path, "--window-size=1400,1000", f"--screenshot={shot}", page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 10_000, done.stderr[-2000:]
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    marks = re.findall(r'<span class="anchor" id="([^"]+)"></span>', dom)
    assert len(marks) >= 20 and dom.count('<mark class="evidence"') >= len(marks)
    for href in re.findall(r'class="cite" href="#([^"]+)"', dom):
        assert href in marks
    bad = tmp_path / "hostile.html"
    bad.write_text(render_html(hostile, hostile_articles), encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", bad.as_uri()).stdout
    assert "<title>summarizer report" in dom and "pwned" not in dom.split("<body")[0]
    assert "<script" not in dom.lower()


HOSTILE_TITLE = (
    'Donors pledge aid at <script>alert("x")</script> [click](javascript:alert(1)) **now**'
)


def _hostile_report() -> tuple[Article, Report]:
    text = (
        "Leaders met in Paris on Thursday. France pledged <img src=x onerror=alert(1)> troops. "
        "Italy said it would send `code` and *stars* | pipes."
    )
    art = Article(id="h1", title=HOSTILE_TITLE, text=text)
    x = answer(art, [{"ref": "E1", "name": HOSTILE_TITLE, "kind": "summit", "s": ["Leaders met"]}],
               [{"actor": "France", "type": "troops", "what": "<img src=x onerror=alert(1)> troops",
                 "status": "committed", "event": "E1", "s": ["France pledged"]},
                {"actor": "Italy", "type": "equipment", "what": "`code` and *stars* | pipes",
                 "status": "committed", "event": "E1", "s": ["Italy said"]}])  # fmt: skip
    return art, merge([x], [art])


def test_article_text_is_inert_in_the_markdown_brief() -> None:
    _, report = _hostile_report()
    md = render_markdown(report)
    assert "<script>" not in md and "<img" not in md and "onerror=alert(1)>" not in md
    assert "&lt;script&gt;" in md and "&lt;img src=x onerror=alert(1)&gt;" in md
    assert "[click](javascript:" not in md and "\\[click\\](javascript:" in md
    assert "**now**" not in md and "\\*\\*now\\*\\*" in md
    assert "\\`code\\`" in md and "\\| pipes" in md
    # every table row still has its six cells: no pipe from an article splits one
    rows = [
        line
        for line in md.splitlines()
        if line.startswith("| France") or line.startswith("| Italy")
    ]
    assert rows and all(len(re.findall(r"(?<!\\)\|", row)) == 7 for row in rows)
    # what the template writes is still Markdown
    assert "## 1. Donors pledge aid at &lt;script&gt;" in md and "| Actor |" in md


def test_failed_articles_are_listed_as_failed_in_every_format() -> None:
    from summarizer.pipeline import merge_accounting

    articles, extractions = sample_extractions()
    report = merge_accounting(extractions, articles, {"lost.txt": "connection refused"})
    md = render_markdown(report)
    assert "(1 failed)" in md.splitlines()[0]
    failed_part = md.split("## Articles not extracted", 1)[1].split("## ", 1)[0]
    assert "lost.txt: connection refused" in failed_part
    assert "no pledge-related event" not in md
    html = render_html(report, articles)
    assert "Articles not extracted" in html and "lost.txt: connection refused" in html
    assert "no pledge-related event" not in html
    assert Report.model_validate_json(render_json(report)).failed[0].article_id == "lost.txt"
