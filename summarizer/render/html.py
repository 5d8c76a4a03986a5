"""One self-contained HTML review page (Jinja2, autoescaped).

Each pledge links to its highlighted span in the article text; conflicts show the competing
quotes side by side. Article text is data: it is escaped, never interpreted.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape

from ..schemas import Article, Evidence, Report
from .citations import Citations, anchor
from .markdown import fmt_value, split_pledges, suspected_injection

_env = Environment(
    loader=PackageLoader("summarizer.render", "templates"),
    autoescape=select_autoescape(["html", "html.j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class Segment:
    text: str
    anchors: tuple[str, ...] = ()  # ids of the spans that start here
    highlighted: bool = False
    numbers: tuple[int, ...] = ()  # citation numbers of the spans that end here


def segments(text: str, spans: list[Evidence], numbers: dict[str, list[int]]) -> list[Segment]:
    """Cut ``text`` at every span boundary; pieces covered by a span are highlighted.

    Nested and overlapping spans keep their own anchors, so every citation has a target.
    """
    located = sorted(
        {(e.start, e.end, anchor(e)) for e in spans if e.start is not None and e.end is not None}
    )
    cuts = sorted({0, len(text), *(s for s, _, _ in located), *(e for _, e, _ in located)})
    out: list[Segment] = []
    for a, b in itertools.pairwise(cuts):
        if a >= b:
            continue
        starting = tuple(name for s, _, name in located if s == a)
        ending = tuple(n for _, e, name in located if e == b for n in numbers.get(name, []))
        covered = any(s <= a and b <= e for s, e, _ in located)
        out.append(Segment(text[a:b], starting, covered, tuple(dict.fromkeys(ending))))
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
        injected=[p for e in report.events for p in e.pledges if suspected_injection(p)],
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
