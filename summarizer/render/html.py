"""One self-contained HTML review page (Jinja2, autoescaped).

Each pledge links to its highlighted span in the article text; conflicts show the competing
quotes side by side. Article text is data: it is escaped, never interpreted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape

from ..schemas import Article, Evidence, Report
from .citations import Citations, anchor
from .markdown import fmt_value, split_pledges

_env = Environment(
    loader=PackageLoader("summarizer.render", "templates"),
    autoescape=select_autoescape(["html", "html.j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class Segment:
    text: str
    anchor: str | None = None
    numbers: tuple[int, ...] = ()


def segments(text: str, spans: list[Evidence], numbers: dict[str, list[int]]) -> list[Segment]:
    """Cut ``text`` into plain and highlighted pieces; overlapping spans are joined."""
    located = sorted(
        {(e.start, e.end, anchor(e)) for e in spans if e.start is not None and e.end is not None}
    )
    out: list[Segment] = []
    pos = 0
    for start, end, name in located:
        if start < pos:  # overlaps the previous highlight: extend it
            if out and out[-1].anchor and end > pos:
                out[-1].text += text[pos:end]
                out[-1].numbers = tuple(
                    dict.fromkeys(out[-1].numbers + tuple(numbers.get(name, [])))
                )
                pos = end
            continue
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], name, tuple(numbers.get(name, []))))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def render_html(
    report: Report, articles: Sequence[Article] = (), *, unconfirmed: bool = False
) -> str:
    citations = Citations()

    def refs(sourced: object) -> list[tuple[int, str]]:
        sources = getattr(sourced, "sources", None) or []
        return [(n, anchor(citations.items[n - 1])) for n in citations.cite(sources)]

    # render the report body first so every citation is numbered, then the articles
    body = _env.get_template("report_body.html.j2").render(
        report=report,
        refs=refs,
        fmt=fmt_value,
        split=lambda pledges: split_pledges(pledges, unconfirmed),
        unconfirmed=unconfirmed,
    )
    by_article: dict[str, list[Evidence]] = defaultdict(list)
    numbers: dict[str, list[int]] = defaultdict(list)
    for n, e in enumerate(citations.items, 1):
        by_article[e.article_id].append(e)
        numbers[anchor(e)].append(n)
    texts = [(a, segments(a.text, by_article.get(a.id, []), numbers)) for a in articles]
    missing = [(n, e) for n, e in enumerate(citations.items, 1) if e.start is None]
    return _env.get_template("report.html.j2").render(
        report=report, body=body, texts=texts, missing=missing
    )
