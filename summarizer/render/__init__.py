"""Render a ``Report`` as JSON, Markdown or a self-contained HTML review page."""

from __future__ import annotations

from collections.abc import Sequence

from ..schemas import Article, Report
from .html import render_html
from .markdown import render_markdown

__all__ = ["FORMATS", "render", "render_html", "render_json", "render_markdown"]

FORMATS = ("md", "json", "html")


def render_json(report: Report) -> str:
    return report.model_dump_json(indent=2)


def render(
    report: Report, fmt: str, articles: Sequence[Article] = (), *, unconfirmed: bool = False
) -> str:
    """``fmt`` is one of ``FORMATS``; HTML needs the articles to show their text."""
    if fmt == "json":
        return render_json(report)
    if fmt == "md":
        return render_markdown(report, unconfirmed=unconfirmed)
    if fmt == "html":
        return render_html(report, articles, unconfirmed=unconfirmed)
    raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
