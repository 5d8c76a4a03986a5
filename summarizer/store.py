"""The batch store: one SQLite file that remembers every article, extraction, call and failure.

An extraction is keyed by what produced it: the article's content hash, the model, the prompt
version and the schema version. Any of them changing means the article is extracted again;
none changing means it never is. Each article's result (its extraction and its calls, or its
failure) is written in one transaction, so a run killed at any instant leaves every article
either fully stored or not at all, and the next run picks up the rest. The database runs in
WAL mode and is only written from one thread.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .extract import reground
from .ground import GROUNDING_VERSION
from .schemas import Article, ArticleExtraction, DraftExtraction

__all__ = ["ExtractionKey", "RunTotals", "Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    sources TEXT NOT NULL,
    seen INTEGER NOT NULL DEFAULT 0,
    cached INTEGER NOT NULL DEFAULT 0,
    extracted INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    note TEXT
);
CREATE TABLE IF NOT EXISTS articles (
    hash TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT,
    url TEXT,
    published TEXT,
    source TEXT,
    text TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    added TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS extractions (
    hash TEXT NOT NULL REFERENCES articles(hash),
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    created TEXT NOT NULL,
    data TEXT NOT NULL,
    drafts TEXT,
    grounding TEXT,
    PRIMARY KEY (hash, model, prompt_version, schema_version)
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    hash TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost REAL
);
CREATE INDEX IF NOT EXISTS calls_run ON calls (run_id);
CREATE TABLE IF NOT EXISTS failures (
    hash TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    article_id TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    updated TEXT NOT NULL,
    PRIMARY KEY (hash, model, prompt_version, schema_version)
);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL,
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    status TEXT NOT NULL,
    hashes TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
"""
STORE_VERSION = "1"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ExtractionKey:
    """What an extraction depends on besides the article text."""

    model: str
    prompt_version: str
    schema_version: str

    def row(self) -> tuple[str, str, str]:
        return (self.model, self.prompt_version, self.schema_version)


@dataclass(frozen=True)
class RunTotals:
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost: float | None


class Store:
    """A batch store at ``path`` (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            raise ConfigError(f"{self.path}: the folder {self.path.parent} does not exist")
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(_SCHEMA)  # idempotent: every statement is IF NOT EXISTS
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(extractions)")}
            for column in ("drafts", "grounding"):  # stores made before these columns
                if column not in columns:
                    self.db.execute(f"ALTER TABLE extractions ADD COLUMN {column} TEXT")
            self.db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('store_version', ?)", (STORE_VERSION,)
            )
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"{self.path}: not a summarizer store ({exc}); pass a new file to --store"
            ) from None
        (version,) = self.db.execute(
            "SELECT value FROM meta WHERE key = 'store_version'"
        ).fetchone()
        if version != STORE_VERSION:
            raise ConfigError(f"{self.path}: store version {version}, expected {STORE_VERSION}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, kind: object, *rest: object) -> None:
            self.db.execute("ROLLBACK" if kind else "COMMIT")

    def transaction(self) -> Store._Tx:
        return Store._Tx(self.db)

    # ----------------------------------------------------------------- runs

    def start_run(self, key: ExtractionKey, sources: Sequence[str]) -> int:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO runs (started, status, model, prompt_version, schema_version, "
                "sources) VALUES (?, 'running', ?, ?, ?, ?)",
                (_now(), *key.row(), json.dumps(list(sources))),
            )
        return int(cur.lastrowid or 0)

    def last_key(self) -> ExtractionKey | None:
        """The model, prompt and schema of the latest run that extracted anything."""
        row = self.db.execute(
            "SELECT model, prompt_version, schema_version FROM runs WHERE id IN "
            "(SELECT run_id FROM extractions) ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return ExtractionKey(*row) if row else None

    def finish_run(
        self, run_id: int, status: str, *, seen: int, cached: int, extracted: int, failed: int,
        note: str | None = None,
    ) -> None:  # fmt: skip
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished = ?, status = ?, seen = ?, cached = ?, extracted = ?, "
                "failed = ?, note = ? WHERE id = ?",
                (_now(), status, seen, cached, extracted, failed, note, run_id),
            )

    def run_totals(self, run_id: int) -> RunTotals:
        calls, prompt, completion, cost, priced = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0),"
            " SUM(cost), COUNT(cost) FROM calls WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        return RunTotals(calls, prompt, completion, cost if priced == calls else None)

    # ----------------------------------------------------------------- articles

    def add_articles(self, articles: Iterable[Article], run_id: int) -> list[Article]:
        """Store articles not seen before; return every given article as stored.

        An article already stored (same text) keeps its first id. A new text whose id is
        taken by another text gets its hash appended, so ids stay unique in reports.
        """
        out: list[Article] = []
        with self.transaction() as db:
            for article in articles:
                h = article.content_hash
                row = db.execute("SELECT id FROM articles WHERE hash = ?", (h,)).fetchone()
                if row:
                    if row[0] != article.id:
                        article = article.model_copy(update={"id": row[0]})
                    out.append(article)
                    continue
                if db.execute("SELECT 1 FROM articles WHERE id = ?", (article.id,)).fetchone():
                    article = article.model_copy(update={"id": f"{article.id}~{h[:8]}"})
                db.execute(
                    "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        h,
                        article.id,
                        article.title,
                        article.url,
                        article.published_text,
                        article.source,
                        article.text,
                        run_id,
                        _now(),
                    ),
                )
                out.append(article)
        return out

    def hashes(self) -> set[str]:
        return {h for (h,) in self.db.execute("SELECT hash FROM articles")}

    def _some(
        self, query: str, column: str, hashes: Iterable[str], params: Sequence[str] = ()
    ) -> list[Any]:
        """The rows of ``query`` (which ends in a WHERE clause) whose ``column`` is one of
        ``hashes``."""
        wanted = list(hashes)
        rows: list[Any] = []
        for i in range(0, len(wanted), 500):  # well under SQLite's limit on parameters
            part = wanted[i : i + 500]
            marks = ",".join("?" * len(part))
            rows += self.db.execute(f"{query} AND {column} IN ({marks})", [*params, *part])
        return rows

    def articles(self, hashes: Iterable[str] | None = None) -> list[Article]:
        """Stored articles in id order: all of them, or those with the given hashes."""
        columns = "SELECT id, title, url, published, source, text FROM articles"
        if hashes is None:
            rows = self.db.execute(f"{columns} ORDER BY id").fetchall()
        else:
            rows = sorted(self._some(f"{columns} WHERE 1", "hash", hashes), key=lambda r: r[0])
        return [
            Article(id=i, title=t, url=u, published=p, source=s, text=x)
            for i, t, u, p, s, x in rows
        ]

    # ----------------------------------------------------------------- extractions

    def extracted_hashes(self, key: ExtractionKey) -> set[str]:
        rows = self.db.execute(
            "SELECT hash FROM extractions WHERE model = ? AND prompt_version = ? "
            "AND schema_version = ?",
            key.row(),
        )
        return {h for (h,) in rows}

    def failed(self, key: ExtractionKey) -> dict[str, tuple[str, str, str, int]]:
        """hash -> (article id, kind, reason, attempts) of the failures under ``key``."""
        rows = self.db.execute(
            "SELECT hash, article_id, kind, reason, attempts FROM failures WHERE model = ? "
            "AND prompt_version = ? AND schema_version = ? ORDER BY article_id",
            key.row(),
        )
        return {h: (i, k, r, n) for h, i, k, r, n in rows}

    def save_extraction(
        self,
        key: ExtractionKey,
        article: Article,
        extraction: ArticleExtraction | str,
        run_id: int,
        calls: Sequence[tuple[int, int, float | None]],
        drafts: DraftExtraction | str | None = None,
    ) -> bool:
        """Store one article's result, the model's answer it was grounded from, and its calls,
        in one transaction. Both may come as their JSON already.

        Returns False (and writes nothing) when the result was already stored.
        """
        h = article.content_hash
        with self.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO extractions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    h,
                    *key.row(),
                    run_id,
                    _now(),
                    extraction if isinstance(extraction, str) else extraction.model_dump_json(),
                    drafts.model_dump_json() if isinstance(drafts, DraftExtraction) else drafts,
                    GROUNDING_VERSION,
                ),
            )
            if cur.rowcount == 0:
                return False
            self._calls(db, run_id, h, key, calls)
            db.execute(
                "DELETE FROM failures WHERE hash = ? AND model = ? AND prompt_version = ? "
                "AND schema_version = ?",
                (h, *key.row()),
            )
        return True

    def save_failure(
        self,
        key: ExtractionKey,
        article: Article,
        kind: str,
        reason: str,
        run_id: int,
        calls: Sequence[tuple[int, int, float | None]],
    ) -> None:
        h = article.content_hash
        with self.transaction() as db:
            self._calls(db, run_id, h, key, calls)
            db.execute(
                "INSERT INTO failures VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?) "
                "ON CONFLICT DO UPDATE SET run_id = excluded.run_id, kind = excluded.kind, "
                "reason = excluded.reason, attempts = attempts + 1, updated = excluded.updated",
                (h, *key.row(), article.id, run_id, kind, reason, _now()),
            )

    @staticmethod
    def _calls(
        db: sqlite3.Connection,
        run_id: int,
        h: str,
        key: ExtractionKey,
        calls: Sequence[tuple[int, int, float | None]],
    ) -> None:
        db.executemany(
            "INSERT INTO calls (run_id, hash, model, prompt_tokens, completion_tokens, cost) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(run_id, h, key.model, p, c, cost) for p, c, cost in calls],
        )

    def extractions(
        self, key: ExtractionKey, hashes: Iterable[str] | None = None
    ) -> list[ArticleExtraction]:
        """Every stored extraction under ``key`` (or those of the articles with the given
        hashes), in article id order. Those grounded by older code are grounded again from
        the stored model answer (no model call) and saved back."""
        query = (
            "SELECT e.hash, e.data, e.drafts, e.grounding, a.id FROM extractions e "
            "JOIN articles a ON a.hash = e.hash WHERE e.model = ? AND e.prompt_version = ? "
            "AND e.schema_version = ?"
        )
        if hashes is None:
            rows = self.db.execute(f"{query} ORDER BY a.id", key.row()).fetchall()
        else:
            rows = sorted(self._some(query, "e.hash", hashes, key.row()), key=lambda r: r[4])
        out: list[ArticleExtraction] = []
        updated: list[tuple[str, str, str]] = []
        for h, data, drafts, grounding, _ in rows:
            extraction = ArticleExtraction.model_validate_json(data)
            if drafts is not None and grounding != GROUNDING_VERSION:
                (article,) = self.articles([h])  # rare: once per grounding change
                answer = DraftExtraction.model_validate_json(drafts)
                extraction = reground(article, answer, extraction)
                updated.append((extraction.model_dump_json(), GROUNDING_VERSION, h))
            out.append(extraction)
        if updated:
            with self.transaction() as db:
                db.executemany(
                    "UPDATE extractions SET data = ?, grounding = ? WHERE hash = ? AND model = ? "
                    "AND prompt_version = ? AND schema_version = ?",
                    [(d, g, h, *key.row()) for d, g, h in updated],
                )
        return out

    # ----------------------------------------------------------------- OpenAI batches

    def add_batch(self, batch_id: str, run_id: int, key: ExtractionKey, hashes: list[str]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?, ?)",
                (batch_id, run_id, *key.row(), json.dumps(hashes), _now(), _now()),
            )

    def open_batches(self, key: ExtractionKey) -> dict[str, list[str]]:
        rows = self.db.execute(
            "SELECT id, hashes FROM batches WHERE model = ? AND prompt_version = ? "
            "AND schema_version = ? AND status = 'submitted' ORDER BY created",
            key.row(),
        )
        return {i: json.loads(h) for i, h in rows}

    def close_batch(self, batch_id: str, status: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE batches SET status = ?, updated = ? WHERE id = ?",
                (status, _now(), batch_id),
            )
