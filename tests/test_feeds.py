import io
import json
from pathlib import Path

import pytest

from summarizer.errors import InputError
from summarizer.feeds import MAX_ARTICLE_BYTES, Loaded, iter_articles


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
