"""Prompt templates shipped with summarizer (read with importlib.resources)."""
