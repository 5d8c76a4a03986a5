"""The JSON Schema files in ``schemas/``, generated from the Pydantic types.

Regenerate with ``python -m summarizer.schemafiles``; a test fails when they are stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from .schemas import ArticleExtraction, DraftExtraction, ExtractOutput, Report, SentenceAnswer

__all__ = ["SCHEMAS", "render_schemas", "write_schemas"]

SCHEMAS: dict[str, type[BaseModel]] = {
    "article_extraction": ArticleExtraction,
    "draft_extraction": DraftExtraction,
    "extract_output": ExtractOutput,
    "report": Report,
    "sentence_answer": SentenceAnswer,
}


def render_schemas() -> dict[str, str]:
    return {
        f"{name}.schema.json": json.dumps(model.model_json_schema(), indent=2, sort_keys=True)
        + "\n"
        for name, model in SCHEMAS.items()
    }


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parent.parent / "schemas"
    )
    for path in write_schemas(target):
        print(path)
