"""A readable brief per event, with numbered citations to article and quote."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader

from ..schemas import PledgeStatus, Report, ReportPledge, Sourced
from .citations import Citations

_env = Environment(
    loader=PackageLoader("summarizer.render", "templates"),
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def fmt_value(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("text") or ", ".join(f"{k}={v}" for k, v in value.items()))
    return "" if value is None else str(value)


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def refs(citations: Citations, sourced: Sourced | None) -> str:
    if sourced is None:
        return ""
    return "".join(f"[{n}]" for n in citations.cite(sourced.sources))


def split_pledges(pledges: list[ReportPledge], unconfirmed: bool) -> dict[str, list[ReportPledge]]:
    shown = [p for p in pledges if p.confirmed or unconfirmed]
    declined = {PledgeStatus.declined.value, PledgeStatus.withdrawn.value}
    return {
        "pledged": [p for p in shown if p.status.value not in declined],
        "declined": [p for p in shown if p.status.value in declined],
        "hidden": [p for p in pledges if not (p.confirmed or unconfirmed)],
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
