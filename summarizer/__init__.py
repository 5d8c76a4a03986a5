"""summarizer: a structured, sourced account of events and pledges from news articles."""

from .errors import (
    BackendError,
    BudgetExceededError,
    ConfigError,
    ExtractionError,
    InputError,
    LLMError,
    ModelNotInstalledError,
    SummarizerError,
    TransientError,
    TruncatedOutputError,
)
from .extract import aextract, extract
from .ground import locate
from .merge import merge
from .pipeline import summarize
from .schemas import (
    Alignment,
    Article,
    ArticleExtraction,
    CommitmentType,
    CountClaim,
    DateValue,
    Event,
    EventKind,
    Evidence,
    Pledge,
    PledgeStatus,
    Precision,
    Quantity,
    Report,
    Usage,
)
from .settings import Settings

__all__ = [
    "Alignment",
    "Article",
    "ArticleExtraction",
    "BackendError",
    "BudgetExceededError",
    "CommitmentType",
    "ConfigError",
    "CountClaim",
    "DateValue",
    "Event",
    "EventKind",
    "Evidence",
    "ExtractionError",
    "InputError",
    "LLMError",
    "ModelNotInstalledError",
    "Pledge",
    "PledgeStatus",
    "Precision",
    "Quantity",
    "Report",
    "Settings",
    "SummarizerError",
    "TransientError",
    "TruncatedOutputError",
    "Usage",
    "aextract",
    "extract",
    "locate",
    "merge",
    "summarize",
]
