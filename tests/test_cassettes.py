"""Recorded cassettes hold no secrets and stay readable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import CASSETTES, SECRET_HEADERS

FILES = sorted(CASSETTES.rglob("*.yaml"))
KEY_LIKE = re.compile(
    r"sk-[A-Za-z0-9_-]{16,}|sk-proj-[A-Za-z0-9_-]{10,}|Bearer\s+[A-Za-z0-9._-]{8,}"
    r"|AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{30,}|xox[bp]-[A-Za-z0-9-]{10,}"
)


def test_there_are_cassettes() -> None:
    assert len(FILES) >= 8


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_key_like_strings_and_no_secret_headers(path: Path) -> None:
    text = path.read_text("utf-8")
    assert not KEY_LIKE.search(text), f"{path} holds something that looks like a key"
    data = yaml.safe_load(text)
    for interaction in data["interactions"]:
        for part in ("request", "response"):
            headers = {k.lower() for k in (interaction[part].get("headers") or {})}
            assert not headers & SECRET_HEADERS, f"{path}: {headers & SECRET_HEADERS}"
        body = interaction["response"]["body"]["string"]
        assert isinstance(body, str), f"{path}: response body is not readable text"


def test_the_scan_catches_a_key() -> None:
    assert KEY_LIKE.search("authorization: Bearer sk-abcdefghijklmnopqrstuvwx")
