"""Read articles from files, directories, JSON / JSONL and stdin.

Each source yields ``Loaded`` items (an article plus warnings) or ``InputError`` items, so one
unreadable file never stops the others. Formats:

* ``.txt``: the first line is the title; ``text`` is the whole file, so offsets index it as is.
* ``.html`` / ``.htm`` (or text that starts like HTML): tags stripped, scripts and styles dropped.
* ``.json``: an object (or a list of objects) with Article fields; ``.jsonl``: one per line.
* ``.xml`` / ``.rss`` / ``.atom`` (or a file that starts like a feed): an RSS or Atom feed, read
  with feedparser; each entry's content (else its summary) is the text, with its link,
  published date and title. ``http(s)://`` sources are fetched and read as feeds.
* a directory: every file of those kinds below it, in name order; ``-``: standard input.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, BinaryIO

import feedparser
import httpx
from pydantic import ValidationError

from .errors import InputError
from .schemas import Article, published_date

__all__ = [
    "MAX_ARTICLE_BYTES",
    "Loaded",
    "article_from_bytes",
    "articles_from_feed",
    "iter_articles",
]

MAX_ARTICLE_BYTES = 2_000_000
MAX_FEED_BYTES = 200_000_000
FEED_SUFFIXES = (".xml", ".rss", ".atom")
SUFFIXES = (".txt", ".json", ".jsonl", ".html", ".htm", *FEED_SUFFIXES)


@dataclass
class Loaded:
    article: Article
    warnings: list[str] = field(default_factory=list)


class _TextExtractor(HTMLParser):
    _SKIP = frozenset({"script", "style", "noscript", "template", "head"})
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
         "blockquote", "header", "footer", "figcaption", "title"}
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip += 1
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP and self._skip:
            self._skip -= 1
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str | None, str]:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (
        re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n")
    )
    title = " ".join("".join(parser.title).split()) or None
    return title, "\n".join(line for line in lines if line)


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and controls / len(head) > 0.1


def _looks_html(text: str) -> bool:
    return bool(re.match(r"\s*(<!doctype html|<html|<body|<article|<p[\s>])", text, re.I))


def _decode(data: bytes, name: str, limit: int = MAX_ARTICLE_BYTES) -> tuple[str, list[str]]:
    if len(data) > limit:
        what = "one article" if limit == MAX_ARTICLE_BYTES else "one file"
        raise InputError(
            f"{name}: {len(data):,} bytes is over the {limit:,}-byte limit for {what}; "
            "split it into several files",
            name,
        )
    if _looks_binary(data):
        raise InputError(
            f"{name}: binary data, not text (expected .txt, .html, .json or .jsonl)", name
        )
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        return text, [
            f"{name}: not valid UTF-8 (first bad byte at {exc.start}); "
            "decoded with replacement characters"
        ]


def _published(fields: dict[str, Any], name: str) -> tuple[dict[str, Any], list[str]]:
    """A publication date kept at the precision the source gives ("2018-08" is a month),
    with a warning; one that is not understood is left out, with a warning, and never costs
    the article."""
    raw = fields.get("published")
    if raw is None or isinstance(raw, date) or (isinstance(raw, str) and not raw.strip()):
        return {**fields, "published": raw or None}, []
    day, precision = published_date(str(raw))
    if day is None:
        warning = f"{name}: publication date {str(raw)!r} not understood; read without one"
        return {**fields, "published": None}, [warning]
    notes = []
    if precision is not None:
        notes.append(f"{name}: publication date {str(raw)!r} is known only to the {precision}")
    return {**fields, "published": day, "published_precision": precision}, notes


def _build(fields: dict[str, Any], name: str) -> tuple[Article, list[str]]:
    """The article, and warnings about what of it could not be read as given."""
    fields, warnings = _published(fields, name)
    text = fields.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{name}: empty article (no text)", name)
    if len(text) > MAX_ARTICLE_BYTES:  # a JSONL line or feed entry: files are checked on read
        raise InputError(
            f"{name}: {len(text):,} characters is over the {MAX_ARTICLE_BYTES:,} limit for one "
            "article; split it into several",
            name,
        )
    if _looks_html(text):
        title, text = html_to_text(text)
        fields = {**fields, "text": text, "title": fields.get("title") or title}
        if not text.strip():
            raise InputError(f"{name}: the HTML holds no text", name)
    try:
        return Article.model_validate(fields), warnings
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(f"{name}: {problems}", name) from None


def article_from_bytes(data: bytes, *, id: str, name: str, suffix: str = ".txt") -> Loaded:
    """One article from raw bytes read from a ``.txt`` / ``.html`` file or stdin."""
    text, warnings = _decode(data, name)
    if not text.strip():
        raise InputError(f"{name}: empty article (no text)", name)
    if suffix in (".html", ".htm") or _looks_html(text):
        title, body = html_to_text(text)
        article, more = _build({"id": id, "text": body, "title": title}, name)
        return Loaded(article, warnings + more)
    first = text.strip().splitlines()[0].strip()
    article, more = _build({"id": id, "text": text, "title": first[:300]}, name)
    return Loaded(article, warnings + more)


def _records(text: str, path: Path, jsonl: bool) -> Iterator[tuple[dict[str, Any], str]]:
    name = str(path)
    if jsonl:
        for lineno, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    yield json.loads(line), f"{name}:{lineno}"
                except json.JSONDecodeError as exc:
                    raise InputError(f"{name}:{lineno}: invalid JSON ({exc.msg})", name) from None
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: invalid JSON ({exc.msg} at line {exc.lineno})", name) from None
    items = data if isinstance(data, list) else [data]
    for n, item in enumerate(items, 1):
        yield item, name if len(items) == 1 else f"{name}[{n}]"


def _from_json(path: Path, data: bytes) -> Iterator[Loaded | InputError]:
    jsonl = path.suffix == ".jsonl"
    try:
        text, warnings = _decode(data, str(path), MAX_FEED_BYTES if jsonl else MAX_ARTICLE_BYTES)
    except InputError as exc:
        yield exc
        return
    try:
        records = list(_records(text, path, jsonl))
    except InputError as exc:
        yield exc
        return
    if not records:
        yield InputError(f"{path}: no articles in the file", str(path))
    for n, (record, name) in enumerate(records, 1):
        if not isinstance(record, dict):
            yield InputError(f"{name}: expected an object with Article fields", str(path))
            continue
        default_id = path.stem if len(records) == 1 else f"{path.stem}-{n}"
        try:
            article, more = _build({"id": default_id, **record}, name)
            yield Loaded(article, warnings + more)
        except InputError as exc:
            yield exc


def _looks_feed(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml"):
        head = head[head.find(b"?>") + 2 :].lstrip()
        while head.startswith(b"<!--"):
            head = head[head.find(b"-->") + 3 :].lstrip()
    return head.startswith((b"<rss", b"<feed", b"<rdf:rdf"))


def _slug(value: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.]+", "-", value).strip("-")[-60:].strip("-")
    return slug or hashlib.sha256(value.encode()).hexdigest()[:12]


def _entry_date(entry: Any) -> str | None:
    """The entry's date as feedparser read it; else the date as written ("2018-08"), which
    ``_published`` keeps at its precision or warns about."""
    with warnings.catch_warnings():  # feedparser maps "updated" to "published", and says so
        warnings.simplefilter("ignore", DeprecationWarning)
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        raw = entry.get("published") or entry.get("updated")
    if not parsed or (raw and published_date(str(raw))[1] is not None):
        return str(raw) if raw else None  # a month or a year stays one
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).date().isoformat()


def articles_from_feed(data: bytes, name: str) -> Iterator[Loaded | InputError]:
    """Each entry of an RSS or Atom feed as an article (feedparser does the parsing)."""
    if len(data) > MAX_FEED_BYTES:
        yield InputError(f"{name}: {len(data):,} bytes is over the feed size limit", name)
        return
    feed = feedparser.parse(data)
    if feed.bozo and not feed.entries:
        yield InputError(f"{name}: not a readable RSS or Atom feed ({feed.bozo_exception})", name)
        return
    if not feed.entries:
        yield InputError(f"{name}: the feed has no entries", name)
        return
    source = feed.feed.get("title")
    for n, entry in enumerate(feed.entries, 1):
        where = f"{name}#{n}"
        contents = entry.get("content") or []
        html = contents[0].get("value") if contents else entry.get("summary")
        if not html or not html.strip():
            yield InputError(f"{where}: the entry has no content or summary", name)
            continue
        key = entry.get("id") or entry.get("link") or f"{Path(name).stem}-{n}"
        _, text = html_to_text(html) if _looks_markup(html) else (None, html.strip())
        fields = {
            "id": _slug(key),
            "text": text,
            "title": entry.get("title"),
            "url": entry.get("link"),
            "published": _entry_date(entry),
            "source": source,
        }
        try:
            yield Loaded(*_build(fields, where))
        except InputError as exc:
            yield exc


def _looks_markup(text: str) -> bool:
    return bool(re.search(r"<[a-zA-Z][^>]*>|&[a-z]+;|&#\d+;", text))


def _from_url(url: str) -> Iterator[Loaded | InputError]:
    try:
        response = httpx.get(url, timeout=30, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        yield InputError(f"{url}: cannot fetch the feed ({exc})", url)
        return
    yield from articles_from_feed(response.content, url)


def _from_file(path: Path) -> Iterator[Loaded | InputError]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield InputError(f"{path}: cannot read ({exc.strerror})", str(path))
        return
    if path.suffix in (".json", ".jsonl"):
        yield from _from_json(path, data)
        return
    if path.suffix.lower() in FEED_SUFFIXES or _looks_feed(data):
        yield from articles_from_feed(data, str(path))
        return
    try:
        yield article_from_bytes(data, id=path.stem, name=str(path), suffix=path.suffix.lower())
    except InputError as exc:
        yield exc


def iter_articles(
    sources: Iterable[str], stdin: BinaryIO | None = None
) -> Iterator[Loaded | InputError]:
    """Every article named by ``sources`` (paths, directories or ``-``), errors in place."""
    for source in sources:
        if source == "-":
            if stdin is None:
                yield InputError("-: no standard input available", "-")
                continue
            try:
                yield article_from_bytes(stdin.read(), id="stdin", name="<stdin>")
            except InputError as exc:
                yield exc
            continue
        if source.startswith(("http://", "https://")):
            yield from _from_url(source)
            continue
        path = Path(source)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
            if not files:
                yield InputError(
                    f"{path}: no .txt, .html, .json, .jsonl or feed files in this directory",
                    str(path),
                )
            for file in files:
                yield from _from_file(file)
        elif path.exists():
            yield from _from_file(path)
        else:
            yield InputError(f"{path}: no such file or directory", str(path))
