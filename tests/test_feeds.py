import io
import json
from datetime import date
from pathlib import Path

import pytest

from summarizer.errors import InputError
from summarizer.feeds import MAX_ARTICLE_BYTES, Loaded, iter_articles
from tests.conftest import ROOT


def _one(items: list[Loaded | InputError]) -> Loaded:
    assert len(items) == 1 and isinstance(items[0], Loaded), items
    return items[0]


def test_txt_first_line_is_title_and_text_is_the_whole_file(sample_paths: list[Path]) -> None:
    path = sample_paths[0]
    loaded = _one(list(iter_articles([str(path)])))
    raw = path.read_text("utf-8")
    assert loaded.article.id == path.stem
    assert loaded.article.text == raw
    assert loaded.article.title == raw.splitlines()[0].strip()


def test_directory_yields_every_sample_in_order(sample_paths: list[Path]) -> None:
    items = list(iter_articles([str(sample_paths[0].parent)]))
    assert [i.article.id for i in items if isinstance(i, Loaded)] == [p.stem for p in sample_paths]


def test_html_is_stripped_and_scripts_dropped(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Summit</title><script>alert('x')</script></head>"
        "<body><p>France pledged troops.</p><p>Germany &amp; Italy hesitated.</p></body></html>"
    )
    art = _one(list(iter_articles([str(page)]))).article
    assert art.title == "Summit"
    assert art.text == "France pledged troops.\nGermany & Italy hesitated."


def test_json_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps({"text": "A. B.", "published": "2025-09-04"}))
    (tmp_path / "many.jsonl").write_text(
        json.dumps({"id": "x", "text": "First."}) + "\n\n" + json.dumps({"text": "Second."}) + "\n"
    )
    items = list(iter_articles([str(tmp_path / "one.json"), str(tmp_path / "many.jsonl")]))
    arts = [i.article for i in items if isinstance(i, Loaded)]
    assert [a.id for a in arts] == ["one", "x", "many-2"]
    assert str(arts[0].published) == "2025-09-04"


def test_stdin() -> None:
    art = _one(list(iter_articles(["-"], stdin=io.BytesIO(b"Title\nBody text.")))).article
    assert art.id == "stdin" and art.title == "Title"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"   \n\t\n", "empty article"),
        ("blob.txt", bytes(range(256)) * 4, "binary data"),
        ("bad.json", b"{not json", "invalid JSON"),
        ("nofield.json", b'{"title": "x"}', "empty article"),
        ("empty.html", b"<html><script>x()</script></html>", "no text"),
    ],
)
def test_bad_inputs_become_errors_that_name_the_file(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    [item] = list(iter_articles([str(path)]))
    assert isinstance(item, InputError)
    assert message in str(item) and str(path) in str(item)


def test_missing_file_does_not_stop_the_others(tmp_path: Path, sample_paths: list[Path]) -> None:
    items = list(iter_articles([str(tmp_path / "nope.txt"), str(sample_paths[1])]))
    assert isinstance(items[0], InputError) and "no such file" in str(items[0])
    assert isinstance(items[1], Loaded)


def test_non_utf8_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Zelensky à Paris.\nLe sommet a eu lieu.".encode("latin-1"))
    loaded = _one(list(iter_articles([str(path)])))
    assert "\ufffd" in loaded.article.text
    assert loaded.warnings and "not valid UTF-8" in loaded.warnings[0]


def test_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"word " * (MAX_ARTICLE_BYTES // 5 + 10))
    [item] = list(iter_articles([str(path)]))
    assert isinstance(item, InputError) and "limit" in str(item)


SAMPLE_FEED = ROOT / "examples" / "feeds" / "samples.rss"


def test_rss_feed_entries_become_articles(sample_paths: list[Path]) -> None:
    loaded = [x for x in iter_articles([str(SAMPLE_FEED)]) if isinstance(x, Loaded)]
    assert [x.article.id for x in loaded][:5] == [p.stem for p in sample_paths]
    assert len(loaded) == 7
    first = loaded[0].article
    # content:encoded paragraphs become lines; the text is the article's, tags gone
    original = sample_paths[0].read_text("utf-8")
    assert first.text.splitlines()[0] == original.splitlines()[0]
    assert "<p>" not in first.text and first.source == "summarizer sample feed"
    baltic = loaded[5].article
    assert baltic.published == date(2026, 2, 10)
    assert baltic.title == "Baltic states agree joint air-defence purchase"
    assert "Estonia pledged 120 million euros" in baltic.text


def test_atom_feed_with_summaries_and_bad_entries(tmp_path: Path) -> None:
    atom = tmp_path / "news.atom"
    atom.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>
<entry><id>tag:wire,2026:1</id><title>Talks in Rome</title>
<link href="https://wire.example/rome"/><updated>2026-03-02T10:00:00Z</updated>
<summary>Italy pledged funds &amp; ships on Monday.</summary></entry>
<entry><id>tag:wire,2026:2</id><title>Empty</title><summary>   </summary></entry>
</feed>""",
        encoding="utf-8",
    )
    items = list(iter_articles([str(atom)]))
    article = items[0].article if isinstance(items[0], Loaded) else None
    assert article is not None
    assert article.text == "Italy pledged funds & ships on Monday."
    assert (article.url, article.published, article.source) == (
        "https://wire.example/rome",
        date(2026, 3, 2),
        "Wire",
    )
    assert isinstance(items[1], InputError) and "no content or summary" in str(items[1])


def test_a_broken_feed_is_an_error_not_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_text("<rss><channel><item><title>unclosed", encoding="utf-8")
    (item,) = list(iter_articles([str(bad)]))
    assert isinstance(item, InputError)
    assert "broken.xml" in str(item)


def test_a_big_jsonl_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    line = json.dumps({"text": "Italy pledged funds. " * 2000}) + "\n"  # ~42 kB per article
    path.write_text(line * 60, encoding="utf-8")  # 2.5 MB: over one article's limit
    items = list(iter_articles([str(path)]))
    assert len(items) == 60 and all(isinstance(x, Loaded) for x in items)


def test_one_huge_record_in_a_jsonl_is_refused_and_the_others_read(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    huge = json.dumps({"id": "huge", "text": "x" * (MAX_ARTICLE_BYTES + 1)})
    small = json.dumps({"id": "small", "text": "Italy pledged funds."})
    path.write_text(huge + "\n" + small + "\n", encoding="utf-8")
    first, second = iter_articles([str(path)])
    assert isinstance(first, InputError) and "over the" in str(first)
    assert isinstance(second, Loaded) and second.article.id == "small"


@pytest.mark.parametrize(
    ("published", "day", "precision", "warned"),
    [
        ("2018-08", date(2018, 8, 1), "month", "known only to the month"),
        ("2019", date(2019, 1, 1), "year", "known only to the year"),
        ("2024-06-13T08:00:00Z", date(2024, 6, 13), None, None),
        ("on Wednesday", None, None, "not understood"),
    ],
)
def test_a_partial_or_odd_date_keeps_the_article_in_json_and_jsonl(
    tmp_path: Path, published: str, day: date | None, precision: str | None, warned: str | None
) -> None:
    record = {"id": "a", "text": "France pledged troops.", "published": published}
    (tmp_path / "one.json").write_text(json.dumps(record))
    (tmp_path / "many.jsonl").write_text(
        json.dumps(record) + "\n" + json.dumps({**record, "id": "b"}) + "\n"
    )
    for name, count in (("one.json", 1), ("many.jsonl", 2)):
        items = list(iter_articles([str(tmp_path / name)]))
        assert len(items) == count and all(isinstance(i, Loaded) for i in items), items
        for item in items:
            assert isinstance(item, Loaded)
            assert item.article.published == day
            assert (item.article.published_precision or None) == precision
            if warned:
                assert any(warned in w for w in item.warnings), item.warnings
            else:
                assert item.warnings == []


def test_a_feed_entry_with_a_partial_date_is_kept_at_its_precision(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<item><title>A</title><link>https://example.org/a</link><pubDate>2018-08</pubDate>"
        "<description>France pledged troops.</description></item>"
        "<item><title>B</title><link>https://example.org/b</link><pubDate>sometime</pubDate>"
        "<description>Italy pledged ships.</description></item>"
        "</channel></rss>"
    )
    a, b = list(iter_articles([str(feed)]))
    assert isinstance(a, Loaded) and isinstance(b, Loaded)
    assert (a.article.published, a.article.published_precision) == (date(2018, 8, 1), "month")
    assert a.article.published_text == "2018-08" and a.article.published_day is None
    assert b.article.published is None and any("not understood" in w for w in b.warnings)


def test_an_html_page_is_kept_whatever_its_date(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<html><head><title>Summit</title><meta name="date" content="2018-08"></head>'
        "<body><p>France pledged troops.</p></body></html>"
    )
    art = _one(list(iter_articles([str(page)]))).article
    assert art.text == "France pledged troops." and art.published is None
