"""Numbered citations shared by the Markdown and HTML renderers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..schemas import Evidence


@dataclass
class Citations:
    """Gives each distinct (article, span) one number, in order of first use."""

    numbers: dict[tuple[str, int | None, int | None, str], int] = field(default_factory=dict)
    items: list[Evidence] = field(default_factory=list)

    def cite(self, sources: Iterable[Evidence]) -> list[int]:
        out = []
        for e in sources:
            key = (e.article_id, e.start, e.end, e.quote if e.start is None else "")
            if key not in self.numbers:
                self.numbers[key] = len(self.items) + 1
                self.items.append(e)
            n = self.numbers[key]
            if n not in out:
                out.append(n)
        return out


def anchor(e: Evidence) -> str:
    """The id of the highlighted span for ``e`` in the HTML page."""
    return f"{e.article_id}-{e.start}-{e.end}" if e.start is not None else f"{e.article_id}-missing"
