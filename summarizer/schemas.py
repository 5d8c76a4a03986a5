"""Pydantic types for every stage of the pipeline.

Two families live here:

* ``Draft*``: the compact shape the model fills in. Every token of this schema is sent with
  every article, and every key the model writes costs generation time, so keys are short and
  the model cites sentence numbers (``s``) instead of copying quotes.
* ``Article``, ``Event``, ``Pledge``, ``Evidence`` ...: what summarizer reports. Values carry
  ``Evidence`` whose ``start``/``end`` index ``Article.text``; our code sets them, never the model.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = "1"
_Date = date  # for models whose field is itself called "date"


class EventKind(StrEnum):
    summit = "summit"
    meeting = "meeting"
    announcement = "announcement"
    agreement = "agreement"
    attack = "attack"
    other = "other"


class CommitmentType(StrEnum):
    troops = "troops"
    money = "money"
    weapons = "weapons"
    equipment = "equipment"
    training = "training"
    monitoring = "monitoring"
    sanctions = "sanctions"
    basing = "basing"
    diplomatic = "diplomatic"
    other = "other"


class PledgeStatus(StrEnum):
    committed = "committed"
    conditional = "conditional"
    considering = "considering"
    declined = "declined"
    withdrawn = "withdrawn"


class Alignment(StrEnum):
    exact = "exact"
    normalized = "normalized"
    fuzzy = "fuzzy"
    missing = "missing"


class Precision(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    year = "year"


# --------------------------------------------------------------------------- input


_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{1,2}))?")


def published_date(value: str) -> tuple[date | None, Precision | None]:
    """A publication date as a feed or file gives it: an ISO date or date-time ("2024-06-13",
    "2024-06-13T08:00:00Z") is a day; "2018-08" is that month and "2018" that year, kept at
    their precision (the day is the first of the period). Anything else is not understood:
    ``(None, None)``."""
    text = value.strip()
    try:
        return date.fromisoformat(text[:10]), None
    except ValueError:
        pass
    if m := _PARTIAL_DATE.fullmatch(text):
        year, month = int(m.group(1)), int(m.group(2) or 0)
        if month == 0:
            return date(year, 1, 1), Precision.year
        if 1 <= month <= 12:
            return date(year, month, 1), Precision.month
    return None, None


class Article(BaseModel):
    """One news article. ``text`` is what evidence offsets index.

    ``published`` may be known only to the month or year ("2018-08"): ``published_precision``
    then says so, and nothing is resolved against its day. A date that is not understood is
    dropped from the article (the article itself is kept; readers warn about it)."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    published: date | None = None
    published_precision: Precision | None = Field(
        None, description="month or year when the source gave only that; none for a full date"
    )
    source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _partial_published(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("published"), str):
            day, precision = published_date(data["published"])
            data = {**data, "published": day}
            data.setdefault("published_precision", precision)
        return data

    @property
    def published_day(self) -> date | None:
        """The publication date when it is known to the day (what weekdays resolve against)."""
        return self.published if self.published_precision is None else None

    @property
    def published_text(self) -> str | None:
        """The publication date at its precision: "2024-06-13", "2018-08" or "2018"."""
        if self.published is None:
            return None
        if self.published_precision is Precision.year:
            return f"{self.published.year:04d}"
        if self.published_precision is Precision.month:
            return self.published.isoformat()[:7]
        return self.published.isoformat()

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- model-facing


class DraftEvent(BaseModel):
    """An event as the model reports it."""

    ref: str = Field(description="Short id, E1, E2 ...")
    name: str
    kind: EventKind
    date: str | None = Field(None, description="As written")
    location: str | None = None
    host: str | None = None
    participants: list[str] = Field(default_factory=list)
    counts: list[str] = Field(
        default_factory=list, description='Count claims as written, e.g. "26 nations committed"'
    )
    s: list[int] = Field(description="Numbers of the sentences that state it")


class DraftPledge(BaseModel):
    """A commitment as the model reports it."""

    actor: str = Field(description="Who commits: country, organisation, group or person")
    type: CommitmentType
    what: str = Field(description="The commitment, briefly")
    status: PledgeStatus
    recipient: str | None = None
    quantity: str | None = Field(None, description="As written")
    conditions: str | None = Field(None, description="As written")
    event: str | None = Field(None, description="ref of its event")
    s: list[int] = Field(description="Numbers of the sentences that state it")


class DraftExtraction(BaseModel):
    """Events and pledges stated in the numbered article."""

    events: list[DraftEvent] = Field(default_factory=list)
    pledges: list[DraftPledge] = Field(default_factory=list)


class AskedPledge(BaseModel):
    """A commitment that one sentence reports, as the model reads it."""

    actor: str = Field(description="The giver, as the sentence names it")
    type: CommitmentType
    status: PledgeStatus
    quantity: str | None = Field(None, description="As written")


class SentenceAnswer(BaseModel):
    """The commitments stated in the sentence."""

    pledges: list[AskedPledge] = Field(default_factory=list)


# --------------------------------------------------------------------------- reported


# A slotted dataclass, as the report's parts are (below): an extraction has a dozen, a large
# store millions, and a model's instance dict and set of fields would add two objects to
# each for the garbage collector to walk. In JSON and the JSON Schema it is the same.
@dataclass(slots=True, kw_only=True)
class Evidence:
    """A span of an article that supports a value: ``text[start:end]``.

    ``alignment`` says how the span was found; ``missing`` keeps the claim with no offsets.
    """

    article_id: str
    quote: str
    start: int | None = None
    end: int | None = None
    alignment: Alignment
    field: Annotated[str, Field(description="The value this span supports")] = "record"
    sentence: Annotated[int | None, Field(description="1-based sentence number, when cited")] = None


@dataclass(slots=True, kw_only=True)  # as Evidence: one for each event of an extraction
class DateValue:
    text: Annotated[str, Field(description="As written")]
    value: date | None = None
    precision: Precision | None = None


class Quantity(BaseModel):
    text: str = Field(description="As written")
    amount: float | None = None
    lower: float | None = None
    upper: float | None = None
    unit: str | None = None
    currency: str | None = None
    approximate: bool = False


class CountClaim(BaseModel):
    """A claim such as "26 nations committed"."""

    text: str
    count: int | None = None
    evidence: list[Evidence] = Field(default_factory=list)


Confirmed = Annotated[bool, Field(description="Every value's evidence was found in the article")]
Flags = Annotated[list[str], Field(description="Why it is not confirmed")]


@dataclass(slots=True, kw_only=True)  # as Evidence: one for each event of an extraction
class Event:
    id: Annotated[str, Field(description="<article id>#<ref>")]
    name: str
    kind: EventKind
    date: DateValue | None = None
    location: str | None = None
    host: str | None = None
    participants: list[str] = field(default_factory=list)
    counts: list[CountClaim] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    confirmed: Confirmed = True
    flags: Flags = field(default_factory=list)


@dataclass(slots=True, kw_only=True)  # as Evidence: one for each pledge of an extraction
class Pledge:
    actor: Annotated[str, Field(description="As the article names it")]
    actor_id: Annotated[
        str | None, Field(description="Canonical: ISO alpha-3, org:..., person:... or name:...")
    ] = None
    actor_country: Annotated[
        str | None, Field(description="ISO alpha-3 of the actor's country")
    ] = None
    commitment_type: CommitmentType
    description: str
    status: PledgeStatus
    recipient: str | None = None
    quantity: Quantity | None = None
    conditions: str | None = None
    event_id: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    confirmed: Confirmed = True
    flags: Flags = field(default_factory=list)


@dataclass(slots=True, kw_only=True)  # as Evidence: one for each extraction
class Usage:
    """Tokens and calls spent on one article, re-asks and retries included."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasks: int = 0
    retries: int = 0
    seconds: float = 0.0
    call_tokens: Annotated[
        list[tuple[int, int]],
        Field(description="(prompt, completion) tokens of each call, in order"),
    ] = field(default_factory=list)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            reasks=self.reasks + other.reasks,
            retries=self.retries + other.retries,
            seconds=round(self.seconds + other.seconds, 3),
            call_tokens=self.call_tokens + other.call_tokens,
        )


class ArticleExtraction(BaseModel):
    """Everything extracted from one article, with where it came from."""

    article_id: str
    events: list[Event] = Field(default_factory=list)
    pledges: list[Pledge] = Field(default_factory=list)
    model: str
    prompt_version: str
    schema_version: str = SCHEMA_VERSION
    chunks: int = 1
    usage: Usage = Field(default_factory=Usage)
    warnings: list[str] = Field(default_factory=list)
    withheld: list[Evidence] = Field(
        default_factory=list,
        description="Passages kept from the model: they read as instructions to it "
        "(suspected prompt injection)",
    )

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: str) -> str:
        if v != SCHEMA_VERSION:
            raise ValueError(f"schema version {v} is not {SCHEMA_VERSION}: re-extract")
        return v


class ExtractOutput(BaseModel):
    """What ``summarizer extract`` prints."""

    articles: list[Article]
    extractions: list[ArticleExtraction]
    failures: list[dict[str, str]] = Field(default_factory=list)


# --------------------------------------------------------------------------- report
#
# The parts of a Report are slotted dataclasses, not models: merge builds several for every
# pledge (hundreds of thousands for a large batch), from values that are valid already, and
# a dataclass is a quarter of a model's size and four times quicker to make. ``Report``
# validates them when it is read (``Report.model_validate_json``) and writes them; in JSON
# and in the JSON Schema they are the same objects as before.


@dataclass(slots=True, kw_only=True)
class Sourced:
    """A reconciled value, the evidence from every article that supports it, and how many
    articles agree."""

    value: str | float | int | bool | dict[str, object] | None
    sources: list[Evidence] = field(default_factory=list)
    agreement: Annotated[
        int, Field(description="Number of distinct articles supporting the value")
    ] = 0


@dataclass(slots=True, kw_only=True)
class ConflictValue:
    value: str | float | int | bool | dict[str, object] | None
    sources: list[Evidence] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Conflict:
    """Articles that give incompatible values for one field."""

    field: str
    values: list[ConflictValue]
    note: str


@dataclass(slots=True, kw_only=True)
class ReportPledge:
    id: str
    actor: Sourced
    actor_id: str
    commitment_type: CommitmentType
    status: Sourced
    description: Sourced
    quantity: Sourced | None = None
    conditions: Sourced | None = None
    recipient: Sourced | None = None
    articles: list[str]
    confirmed: bool
    flags: list[str] = field(default_factory=list)
    background: Annotated[
        bool,
        Field(description="The articles say it was pledged before this event: not a new pledge"),
    ] = False


@dataclass(slots=True, kw_only=True)
class ReportEvent:
    id: str
    name: str
    kind: EventKind
    date: Sourced | None = None
    location: Sourced | None = None
    host: Sourced | None = None
    participants: list[str] = field(default_factory=list)
    counts: list[Sourced] = field(default_factory=list)
    articles: list[str]
    pledges: list[ReportPledge] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    decisions: Annotated[
        list[str], Field(description="Why each article's event was merged here")
    ] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class TimelineEntry:
    event_id: str
    date: _Date | None = None
    status: PledgeStatus
    sources: list[Evidence] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Timeline:
    """One actor's commitment of one type across different events."""

    actor_id: str
    commitment_type: CommitmentType
    entries: list[TimelineEntry]


@dataclass(slots=True, kw_only=True)
class ArticleRef:
    id: str
    title: str | None = None
    url: str | None = None
    published: date | None = None
    source: str | None = None


@dataclass(slots=True, kw_only=True)
class Unassigned:
    article_id: str
    reason: str
    pledges: list[Pledge] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class FailedArticle:
    """An article that could not be read or extracted: it says nothing either way."""

    article_id: str
    error: str


class Report(BaseModel):
    events: list[ReportEvent] = Field(default_factory=list)
    articles: list[ArticleRef] = Field(default_factory=list)
    unassigned: list[Unassigned] = Field(
        default_factory=list,
        description="Articles read and extracted that report no pledge-related event",
    )
    failed: list[FailedArticle] = Field(
        default_factory=list,
        description="Articles that could not be read or extracted, with the error",
    )
    withheld: list[Evidence] = Field(
        default_factory=list,
        description="Passages that read as instructions to a model (suspected prompt "
        "injection): never evidence for a record, never in a brief",
    )
    timelines: list[Timeline] = Field(default_factory=list)
