"""A readable brief per event, with numbered citations to article and quote.

Everything an article or feed supplies (titles, names, values, quotes, ids) is escaped on
the way out, so that a Markdown renderer shows it as text: ``<script>`` becomes
``&lt;script&gt;``, and emphasis, links, code and table cells cannot be opened from inside an
article. Only what the template itself writes (headings, tables, citation numbers) is
Markdown.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, PackageLoader

from ..ground import SUSPECTED_INJECTION
from ..schemas import PledgeStatus, Report, ReportPledge, Sourced
from .citations import Citations


class _Written(str):
    """Markdown the template writes itself (citation numbers, escaped cells): not escaped."""


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# an underscore inside a word ("000_d0f0", "snake_case") opens no emphasis: left as it is
_SPECIAL = re.compile(r"[\\`*\[\]|#!~&<>]|(?<!\w)_|_(?!\w)")


def escape(value: Any) -> str:
    """``value`` as inert Markdown text: HTML's ``&<>`` as entities, Markdown's marks
    (``\\ ` * _ [ ] | # ! ~``) backslash-escaped, and lines joined (no block can start)."""
    if isinstance(value, _Written):
        return value
    text = " ".join(("" if value is None else str(value)).split())
    return _SPECIAL.sub(lambda m: _ENTITIES.get(m.group(0)) or "\\" + m.group(0), text)


_env = Environment(
    loader=PackageLoader("summarizer.render", "templates"),
    autoescape=False,
    finalize=escape,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def fmt_value(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("text") or ", ".join(f"{k}={v}" for k, v in value.items()))
    return "" if value is None else str(value)


def cell(text: str) -> str:
    """A table cell: escaped like every value (``|`` included)."""
    return _Written(escape(text))


def refs(citations: Citations, sourced: Sourced | None) -> str:
    if sourced is None:
        return ""
    return _Written("".join(f"[{n}]" for n in citations.cite(sourced.sources)))


def suspected_injection(p: ReportPledge) -> bool:
    """A pledge supported only by text that addresses a model: in no brief, ever."""
    return any(f.startswith(SUSPECTED_INJECTION) for f in p.flags)


def split_pledges(pledges: list[ReportPledge], unconfirmed: bool) -> dict[str, list[ReportPledge]]:
    """The pledges a brief shows (confirmed ones; with ``unconfirmed``, also those whose
    evidence was not found), split by status, and the rest ("hidden"). Those only injected
    text supports are in none of them: the review page lists them apart."""
    rest = [p for p in pledges if not suspected_injection(p)]
    shown = [p for p in rest if p.confirmed or unconfirmed]
    declined = {PledgeStatus.declined.value, PledgeStatus.withdrawn.value}
    return {
        "pledged": [p for p in shown if p.status.value not in declined],
        "declined": [p for p in shown if p.status.value in declined],
        "hidden": [p for p in rest if not (p.confirmed or unconfirmed)],
    }


def render_markdown(report: Report, *, unconfirmed: bool = False) -> str:
    citations = Citations()
    return _env.get_template("report.md.j2").render(
        report=report,
        c=citations,
        refs=lambda s: refs(citations, s),
        fmt=fmt_value,
        cell=cell,
        split=lambda pledges: split_pledges(pledges, unconfirmed),
        unconfirmed=unconfirmed,
    )
