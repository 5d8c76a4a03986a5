import json
from pathlib import Path

from summarizer.schemafiles import render_schemas
from summarizer.schemas import SentenceAnswer

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def test_schema_files_are_fresh() -> None:
    for name, text in render_schemas().items():
        path = SCHEMAS / name
        assert path.is_file(), f"{path} is missing: run `python -m summarizer.schemafiles`"
        assert path.read_text("utf-8") == text, (
            f"{path} is stale: run `python -m summarizer.schemafiles` and commit the result"
        )


def test_model_facing_schema_stays_compact() -> None:
    # Every character of this schema is in every question (the prefix llama.cpp caches, but
    # a hosted model bills each time).
    compact = json.dumps(SentenceAnswer.model_json_schema(), separators=(",", ":"))
    assert len(compact) < 1200
