"""Settings: one frozen object carries every knob of a run."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_MODEL", "Settings"]

DEFAULT_MODEL = "local:default"


class Settings(BaseModel):
    """How to reach the model and how hard to try.

    ``model`` is ``local:default`` (the bundled GGUF), ``local:/path/to/file.gguf``, or a model
    id served by OpenAI or by the OpenAI-compatible server at ``base_url``.
    """

    model_config = ConfigDict(frozen=True)

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = Field(None, repr=False)
    temperature: float = 0.0
    seed: int = 7
    max_tokens: int = Field(320, description="Cap on each answer")
    max_reasks: int = Field(2, description="Re-asks with the validation error")
    max_retries: int = Field(4, description="Retries of 429 / 5xx / timeouts / connection errors")
    rpm: float | None = Field(None, description="Requests per minute this backend allows")
    tpm: float | None = Field(None, description="Tokens per minute this backend allows")
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    timeout: float = Field(300.0, description="Seconds for one HTTP call")
    token_budget: int = Field(40_000, description="Tokens one article may spend, all calls")
    context_tokens: int = Field(8192, description="Context window of the local model")
    server_start_timeout: float = 180.0
