from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer.cli import cli
from tests.conftest import ARTICLES, recorded_cli_args
from tests.test_batch import _fake_server

GOOD = ARTICLES / "003_726b05e1c8879489.txt"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "command", [[], ["extract"], ["model"], ["model", "install"], ["model", "path"], ["tracker"]]
)
def test_every_command_has_help(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0 and "Usage:" in out


def test_missing_model_says_how_to_install_it() -> None:
    code, out, err = run("extract", str(GOOD))
    assert code == 2
    assert "summarizer model install" in err
    assert "Traceback" not in err and out == ""


def test_openai_model_without_key_says_how_to_fix() -> None:
    code, _, err = run("extract", str(GOOD), "--model", "gpt-4o-mini")
    assert code == 2 and "OPENAI_API_KEY" in err


def test_nothing_readable_exits_3_before_any_model_is_needed(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("  ")
    code, _, err = run("extract", str(tmp_path / "empty.txt"), str(tmp_path / "absent.txt"))
    assert code == 3
    assert "empty.txt: empty article" in err and "absent.txt: no such file" in err
    assert "Traceback" not in err


@pytest.mark.cassette
@pytest.mark.vcr
def test_extract_writes_articles_and_extractions(tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    code, _, err = run("extract", str(GOOD), "-o", str(out), *recorded_cli_args())
    assert code == 0, err
    data = json.loads(out.read_text())
    assert [a["id"] for a in data["articles"]] == [GOOD.stem]
    assert data["articles"][0]["text"] == GOOD.read_text("utf-8")
    [extraction] = data["extractions"]
    assert set(extraction) >= {"events", "pledges", "article_id", "usage"}
    assert data["failures"] == []


@pytest.mark.cassette
@pytest.mark.vcr
def test_bad_files_are_reported_and_the_rest_processed(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("\n\n")
    (tmp_path / "blob.txt").write_bytes(bytes(range(256)) * 8)
    code, out, err = run(
        "extract", str(tmp_path / "missing.txt"), str(tmp_path / "empty.txt"),
        str(tmp_path / "blob.txt"), str(GOOD), *recorded_cli_args(),
    )  # fmt: skip
    assert code == 1
    data = json.loads(out)
    assert [e["article_id"] for e in data["extractions"]] == [GOOD.stem]
    assert len(data["failures"]) == 3
    for name in ("missing.txt", "empty.txt", "blob.txt"):
        assert sum(name in line for line in err.splitlines()) == 1, err
    assert "Traceback" not in err


@pytest.mark.cassette
@pytest.mark.vcr("test_extract_writes_articles_and_extractions.yaml")
def test_a_changed_prompt_fails_loudly_with_the_re_record_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from summarizer import prompts

    real = prompts.load_prompt("sentence")
    changed = prompts.Prompt("sentence", real.text.replace("You read", "You carefully read", 1))
    module = sys.modules["summarizer.extract"]  # the package re-exports a function of that name
    monkeypatch.setattr(
        module,
        "load_prompt",
        lambda name: changed if name == "sentence" else prompts.load_prompt(name),
    )
    code, _, err = run("extract", str(GOOD), "-o", str(tmp_path / "x.json"), *recorded_cli_args())
    assert code == 3
    assert "re-record with `python scripts/record_cassettes.py`" in err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command in a process of its own (in this one the tests block the network)."""
    env = {**os.environ, "OPENAI_API_KEY": ""}
    command = [sys.executable, "-m", "summarizer", "--quiet", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_a_server_that_refuses_connections_stops_the_run_at_the_first_call() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    done = _command("summarize", str(ARTICLES), "--model", "m", "--base-url", url)
    assert done.returncode == 4 and done.stdout == ""
    assert f"cannot reach openai-compatible:m at {url}" in done.stderr
    assert "--base-url" in done.stderr
    assert "failed" not in done.stderr  # no article is tried after the first refusal
    assert "Traceback" not in done.stderr


def test_a_model_the_server_does_not_have_is_a_configuration_error() -> None:
    server, base_url = _fake_server(latency=0.0)
    try:
        wrong = base_url.removesuffix("/v1") + "/not-v1"  # every path under it is a 404
        done = _command("extract", str(GOOD), "--model", "m", "--base-url", wrong)
    finally:
        server.terminate()
        server.wait(10)
    assert done.returncode == 2
    assert "has no model 'm' (404)" in done.stderr and "--base-url" in done.stderr
