"""Exceptions raised by summarizer.

Every error the library raises on purpose is a ``SummarizerError``; its message says what
went wrong and, where the user can act, how to fix it::

    SummarizerError
    ├── ConfigError                 bad or missing settings (model, key, base URL)
    │   └── ModelNotInstalledError  the bundled model is not in the cache yet
    ├── InputError                  an article that cannot be read (missing, empty, binary)
    ├── BackendError                the local model server could not be started or reached
    │   └── BackendUnavailableError the model server refused the first connection (wrong URL)
    └── LLMError                    a model call that did not produce a usable answer
        ├── TransientError          429 / 5xx / timeout / connection, still failing after retries
        ├── TruncatedOutputError    the answer was cut at max_tokens (finish_reason "length")
        ├── ExtractionError         the answer failed validation after every re-ask
        └── BudgetExceededError     the per-article token budget ran out
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "BackendUnavailableError",
    "BudgetExceededError",
    "ConfigError",
    "ExtractionError",
    "InputError",
    "LLMError",
    "ModelNotInstalledError",
    "SummarizerError",
    "TransientError",
    "TruncatedOutputError",
]


class SummarizerError(Exception):
    """Base class of every error summarizer raises on purpose."""


class ConfigError(SummarizerError):
    """Settings are missing or contradictory."""


class ModelNotInstalledError(ConfigError):
    """The bundled default model has not been installed into the cache."""


class InputError(SummarizerError):
    """An article could not be read; ``path`` names it when it came from a file."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class BackendError(SummarizerError):
    """The local model server failed to start or stopped answering."""


class BackendUnavailableError(BackendError):
    """The model server could not be reached before it ever answered: a wrong address, or a
    server that is not running. Every article would fail the same way, so a run stops."""


class LLMError(SummarizerError):
    """A model call failed. ``usage`` holds the tokens spent before it gave up."""

    def __init__(self, message: str, usage: object | None = None) -> None:
        super().__init__(message)
        self.usage = usage


class TransientError(LLMError):
    """Rate limits, server errors or timeouts outlasted the retry policy."""


class TruncatedOutputError(LLMError):
    """The model stopped at max_tokens; its partial answer is not trusted."""


class ExtractionError(LLMError):
    """The model's answer never validated against the schema."""


class BudgetExceededError(LLMError):
    """The per-article token budget ran out before a valid answer arrived."""
