"""Shared fixtures: the sample articles, isolated user state, and cassette settings."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "examples" / "articles"
CASSETTES = ROOT / "cassettes"

# What the cassettes were recorded with (written by scripts/record_cassettes.py).
RECORDED_WITH = json.loads((CASSETTES / "recorded_with.json").read_text("utf-8"))
# Requests are matched on method, path and body, never on host or port: the recording
# server's port is chosen at random, and this URL is never contacted while replaying.
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"

# Never written into a cassette; tests/test_cassettes.py checks every file for them.
SECRET_HEADERS = frozenset(
    {"authorization", "api-key", "openai-organization", "openai-project", "cookie", "set-cookie"}
)

RERECORD_HINT = (
    "no recorded answer matches this request (the prompt, schema, settings or article changed): "
    "re-record with `python scripts/record_cassettes.py`, replay, and review the cassette diff"
)


@pytest.fixture(autouse=True)
def _isolate_user_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("SUMMARIZER_MODEL", "SUMMARIZER_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    if not os.environ.get("SUMMARIZER_RECORDING"):  # set by scripts/record_cassettes.py
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def recorded_settings(**overrides: Any) -> Settings:
    """Settings that reach the recording backend, or replay what it answered."""
    if RECORDED_WITH["backend"] == "openai":
        key = os.environ.get("OPENAI_API_KEY", "sk-replay")
        return Settings(model=RECORDED_WITH["model"], api_key=key, **overrides)
    base_url = os.environ.get("SUMMARIZER_RECORD_BASE_URL", REPLAY_BASE_URL)
    return Settings(model=RECORDED_WITH["model"], base_url=base_url, **overrides)


def recorded_cli_args() -> list[str]:
    s = recorded_settings()
    return ["--model", s.model] + (["--base-url", s.base_url] if s.base_url else [])


@pytest.fixture
def sample_paths() -> list[Path]:
    return sorted(ARTICLES.glob("*.txt"))


def _json_body(request: Any) -> Any:
    body = request.body or b""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    try:
        return json.loads(body)
    except ValueError:
        return body


def _body_matcher(r1: Any, r2: Any) -> None:
    if _json_body(r1) != _json_body(r2):
        raise AssertionError(RERECORD_HINT)


def pytest_recording_configure(config: Any, vcr: Any) -> None:
    vcr.register_matcher("json_body", _body_matcher)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "match_on": ["method", "path", "json_body"],
        "filter_headers": sorted(SECRET_HEADERS),
        "decode_compressed_response": True,
        "allow_playback_repeats": False,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    module = request.module.__name__.rsplit(".", 1)[-1]
    return str(CASSETTES / module)
