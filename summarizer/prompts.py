"""Prompt templates, shipped as ``prompts/*.md`` inside the package.

A template's version is a hash of its text, so a changed prompt changes cache keys and the
version stamped on every extraction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

__all__ = ["Prompt", "load_prompt"]


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str

    @cached_property
    def version(self) -> str:
        return f"{self.name}-{hashlib.sha256(self.text.encode()).hexdigest()[:12]}"


@cache
def load_prompt(name: str) -> Prompt:
    text = resources.files("summarizer._prompts").joinpath(f"{name}.md").read_text("utf-8")
    return Prompt(name, text.strip())
