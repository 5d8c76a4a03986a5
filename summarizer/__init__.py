"""summarizer: a structured, sourced account of events and pledges from news articles."""

from .batch import BatchOptions, BatchResult, run_batch
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
from .store import Store
from .tracker import Tracker, TrackerRow, tracker

__all__ = [
    "Alignment",
    "Article",
    "ArticleExtraction",
    "BackendError",
    "BatchOptions",
    "BatchResult",
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
    "Store",
    "SummarizerError",
    "Tracker",
    "TrackerRow",
    "TransientError",
    "TruncatedOutputError",
    "Usage",
    "aextract",
    "extract",
    "locate",
    "merge",
    "run_batch",
    "summarize",
    "tracker",
]
