"""Batch runs: idempotent, incremental, failure-isolated, budgeted, and safe to kill."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from summarizer.batch import BatchOptions, Following, run_batch, stored_report
from summarizer.ground import GROUNDING_VERSION
from summarizer.llm import LLM, open_llm
from summarizer.settings import Settings
from summarizer.store import Store
from tests.conftest import ROOT, recorded_settings
from tests.scripted import Echo, make_llm


def _llm(server: Echo, **settings: object) -> LLM:
    return make_llm(server, [], **settings)


# Each article is one question to the model: about the one sentence that pledges.
CALLS = 1


def _articles(path: Path, n: int, start: int = 0, poison: int | None = None) -> Path:
    with path.open("a", encoding="utf-8") as f:
        for i in range(start, start + n):
            title = f"Round {i}" + (" POISON" if i == poison else "")  # in every question
            text = (
                f"Ministers met in Rome on Monday for round {i} of the port talks. "
                "Italy pledged funds for the port."
            )
            f.write(json.dumps({"id": f"a{i}", "title": title, "text": text}) + "\n")
    return path


def _count(store: Path, sql: str) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute(sql).fetchone()[0])


def test_second_run_makes_no_calls_and_new_articles_join(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 6)
    server = Echo()
    llm = _llm(server)
    with Store(tmp_path / "s.sqlite") as store:
        first = run_batch([str(feed)], store, llm.settings, BatchOptions(concurrency=3), llm=llm)
        assert (first.seen, first.new_articles, first.extracted, first.failed) == (6, 6, 6, 0)
        assert len(server.requests) == 6 * CALLS
        assert first.report is not None and len(first.report.events) == 1
        assert sorted(first.report.events[0].articles) == [f"a{i}" for i in range(6)]

        again = run_batch([str(feed)], store, llm.settings, llm=llm)
        assert len(server.requests) == 6 * CALLS  # not one more call
        assert (again.cached, again.extracted, again.new_articles) == (6, 0, 0)
        assert again.report == first.report

        _articles(feed, 1, start=6)
        more = run_batch([str(feed)], store, llm.settings, llm=llm)
        assert len(server.requests) == 7 * CALLS
        assert (more.cached, more.extracted, more.new_articles) == (6, 1, 1)
        assert more.report is not None
        assert "a6" in more.report.events[0].articles  # joined the existing event
    db = tmp_path / "s.sqlite"
    assert _count(db, "SELECT COUNT(*) FROM extractions") == 7
    assert _count(db, "SELECT COUNT(*) FROM articles") == 7
    assert _count(db, "SELECT COUNT(*) FROM calls") == 7 * CALLS
    assert _count(db, "SELECT SUM(prompt_tokens) FROM calls") == 7 * CALLS * 500
    assert _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'completed'") == 3


def _meetings(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """Articles (id, city, day) that report a meeting in that city on that day."""
    with path.open("a", encoding="utf-8") as f:
        for article_id, city, day in rows:
            text = f"Ministers met in {city} on {day} for the port talks. Italy pledged funds."
            text += f" (Report {article_id}.)"
            f.write(json.dumps({"id": article_id, "title": f"Talks in {city}", "text": text,
                                "published": day}) + "\n")  # fmt: skip
    return path


def test_runs_of_one_process_add_only_the_new_articles_to_its_merge(tmp_path: Path) -> None:
    feed = _meetings(tmp_path / "feed.jsonl", [
        ("m1", "Rome", "2024-03-04"), ("m2", "Rome", "2024-03-04"), ("m3", "Oslo", "2024-05-06"),
        ("m4", "Lima", "2024-07-08"), ("m5", "Lima", "2024-07-08"),
    ])  # fmt: skip
    server = Echo(fail_on="Talks in Lima")
    llm = _llm(server)
    following = Following()
    with Store(tmp_path / "s.sqlite") as store:
        first = run_batch([str(feed)], store, llm.settings, llm=llm, following=following)
        assert following.added == 3  # the two of Lima failed
        assert first.report is not None and len(first.report.events) == 2
        assert first.report == stored_report(tmp_path / "s.sqlite")
        # the next run brings reports of both meetings, of a new one, and ids that sort first
        _meetings(feed, [("a1", "Rome", "2024-03-04"), ("a2", "Oslo", "2024-05-06"),
                         ("z9", "Kyiv", "2024-09-10")])  # fmt: skip
        server.fail_on = None
        again = run_batch(
            [str(feed)], store, llm.settings, BatchOptions(retry_failed=True), llm=llm,
            following=following,
        )  # fmt: skip
        assert following.added == 5  # the three new, and the two of Lima
        assert again.report == stored_report(tmp_path / "s.sqlite")  # as a full merge
        groups = sorted(sorted(e.articles) for e in again.report.events)
        assert groups == [["a1", "m1", "m2"], ["a2", "m3"], ["m4", "m5"], ["z9"]]
        assert again.report.failed == []
        # nothing new: nothing added, the same report
        assert (
            run_batch([str(feed)], store, llm.settings, llm=llm, following=following).report
            == again.report
        )
        assert following.added == 0


def test_a_changed_model_extracts_again(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 2)
    with Store(tmp_path / "s.sqlite") as store:
        for settings in (Settings(model="m"), Settings(model="m2")):
            server = Echo()
            llm = _llm(server)
            llm.model = settings.model
            run_batch([str(feed)], store, llm.settings, llm=llm)
            assert len(server.requests) == 2 * CALLS
    assert _count(tmp_path / "s.sqlite", "SELECT COUNT(DISTINCT model) FROM extractions") == 2


def test_one_bad_article_is_recorded_and_retried_on_request(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 5, poison=2)
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    sources = [str(feed), str(tmp_path / "empty.txt")]
    broken = Echo(fail_on="POISON")
    llm = _llm(broken, max_reasks=1)
    with Store(tmp_path / "s.sqlite") as store:
        result = run_batch(sources, store, llm.settings, BatchOptions(concurrency=2), llm=llm)
        assert (result.extracted, result.failed) == (4, 1)
        assert "a2" in result.failures and "no valid answer" in result.failures["a2"]
        assert result.input_errors and "empty article" in result.input_errors[0]
        assert result.report is not None
        failed = {f.article_id: f.error for f in result.report.failed}
        assert "extraction failed" in failed["a2"]
        assert "a2" not in {u.article_id for u in result.report.unassigned}
        # the input that could not be read is in the report too, as failed
        assert any("empty article" in error for error in failed.values())
        assert len(result.report.events[0].articles) == 4

        calls_before = len(broken.requests)
        skipped = run_batch(sources, store, llm.settings, llm=llm)
        assert (skipped.skipped_failed, skipped.extracted) == (1, 0)
        assert len(broken.requests) == calls_before  # a known failure is not retried by default

        fixed = Echo()
        llm_fixed = _llm(fixed)
        retried = run_batch(
            sources, store, llm.settings, BatchOptions(retry_failed=True), llm=llm_fixed
        )
        assert (retried.extracted, retried.failed, len(fixed.requests)) == (1, 0, CALLS)
        assert retried.report is not None and not [
            f for f in retried.report.failed if f.article_id == "a2"
        ]
    db = tmp_path / "s.sqlite"
    assert _count(db, "SELECT COUNT(*) FROM failures") == 0
    # the failed attempt's calls are accounted too: 2 per question (one re-ask), then the
    # successful retry's one
    assert _count(db, "SELECT COUNT(*) FROM calls WHERE hash IN "
                  "(SELECT hash FROM articles WHERE id = 'a2')") == 2 * CALLS + CALLS  # fmt: skip


def test_token_budget_stops_cleanly_and_the_next_run_continues(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 6)
    server = Echo()
    llm = _llm(server)
    with Store(tmp_path / "s.sqlite") as store:
        options = BatchOptions(concurrency=1, max_tokens_total=1200)
        stopped = run_batch([str(feed)], store, llm.settings, options, llm=llm)
        # 550 tokens an article: the third starts at 1,100 < 1,200, the fourth does not
        assert (stopped.status, stopped.extracted, stopped.left) == ("budget", 3, 3)
        assert stopped.report is not None
        waiting = [f for f in stopped.report.failed if "not extracted yet" in f.error]
        assert len(waiting) == 3
        rest = run_batch([str(feed)], store, llm.settings, llm=llm)
        assert (rest.status, rest.extracted, rest.cached, rest.left) == ("completed", 3, 3, 0)
    assert len(server.requests) == 6 * CALLS


def _fake_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_openai.py"), "--latency", str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = proc.stdout.readline().split()[1]
    proc.stdout.close()
    return proc, f"http://127.0.0.1:{port}/v1"


def _batch_command(feed: Path, db: Path, base_url: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "summarizer", "batch", str(feed), "--store", str(db),
        "--model", "fake", "--base-url", base_url, *extra,
    ]  # fmt: skip


def _wait_for_extractions(db: Path, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if db.exists() and _count(db, "SELECT COUNT(*) FROM extractions") >= n:
                return
        except sqlite3.OperationalError:  # the store is being created
            pass
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _wait_until_gone(pids: list[int], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if Path(f"/proc/{p}").exists() and not _zombie(p)]
        time.sleep(0.05)
    assert not alive, f"worker processes {alive} outlived their parent"


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_kill_9_mid_run_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 24)
    db = tmp_path / "s.sqlite"
    server, base_url = _fake_server(latency=0.25)
    command = _batch_command(feed, db, base_url, "--concurrency", "2", "--quiet")
    env = {**os.environ, "OPENAI_API_KEY": ""}
    try:
        victim = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        _wait_for_extractions(db, 4)
        workers = _children(victim.pid)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        assert victim.returncode == -signal.SIGKILL
        assert workers, "the run extracts in worker processes"
        _wait_until_gone(workers)  # they see the pipe close, and exit: no orphans
        killed_at = _count(db, "SELECT COUNT(*) FROM extractions")
        assert 4 <= killed_at < 24, "the kill must land mid-run"

        finish = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert finish.returncode == 0, finish.stderr
    finally:
        server.kill()
        server.wait()
    assert _count(db, "SELECT COUNT(*) FROM extractions") == 24
    assert _count(db, "SELECT COUNT(*) FROM articles") == 24
    # exactly one article's calls per article: the killed run's in-flight calls left no trace
    assert _count(db, "SELECT COUNT(*) FROM calls") == 24 * CALLS
    assert _count(db, "SELECT COUNT(DISTINCT hash) FROM calls") == 24
    assert _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'running'") == 1  # the killed one
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_ctrl_c_marks_the_run_interrupted(tmp_path: Path) -> None:
    # enough articles that the run is still going when the signal comes, on a busy machine too
    feed = _articles(tmp_path / "feed.jsonl", 80)
    db = tmp_path / "s.sqlite"
    server, base_url = _fake_server(latency=0.3)
    command = _batch_command(feed, db, base_url, "--concurrency", "2", "--quiet")
    try:
        victim = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        _wait_for_extractions(db, 2)
        victim.send_signal(signal.SIGINT)
        _, err = victim.communicate(timeout=30)
    finally:
        server.kill()
        server.wait()
    assert victim.returncode == 130, err
    assert "run the same command again" in err
    assert _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'interrupted'") == 1
    stored = _count(db, "SELECT COUNT(*) FROM extractions")
    assert _count(db, "SELECT COUNT(*) FROM calls") == stored * CALLS


@pytest.mark.parametrize("bad", [b"not a database at all" * 100])
def test_a_file_that_is_not_a_store_is_a_clear_error(tmp_path: Path, bad: bytes) -> None:
    from summarizer.errors import ConfigError

    path = tmp_path / "x.sqlite"
    path.write_bytes(bad)
    with pytest.raises(ConfigError, match="not a summarizer store"):
        Store(path)


SAMPLE_FEED = ROOT / "examples" / "feeds" / "samples.rss"
SEPT = {"000_d0f0dbfe9e194b55", "001_c5e7fab55a892fe4", "003_726b05e1c8879489"}
JAN = {"002_546e8795ffd0dea9", "004_80dba054489f2964"}


@pytest.mark.cassette
@pytest.mark.vcr
def test_the_sample_feed_twice_with_the_bundled_model(tmp_path: Path) -> None:
    """The five samples plus two new items, through the recorded real model, then again."""
    settings = recorded_settings()
    with Store(tmp_path / "s.sqlite") as store, open_llm(settings) as llm:
        first = run_batch([str(SAMPLE_FEED)], store, settings, llm=llm)
        assert (first.seen, first.new_articles, first.failed) == (7, 7, 0)
        assert first.extracted == 7
        assert first.report is not None
        groups = [set(e.articles) for e in first.report.events]
        assert SEPT in groups and JAN in groups  # the two Paris summits, as from the folder
        assert not any("extra-city-marathon" in g for g in groups)  # no pledge, no event
        assert first.totals is not None and first.totals.calls >= 7

        second = run_batch([str(SAMPLE_FEED)], store, settings, llm=llm)
        # no request at all: the cassette holds only the first run's calls
        assert (second.cached, second.extracted, second.new_articles) == (7, 0, 0)
        assert second.totals is not None and second.totals.calls == 0
        assert second.report == first.report


def test_cli_summary_budget_exit_code_and_quiet(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 5)
    db = tmp_path / "s.sqlite"
    server, base_url = _fake_server(latency=0.0)
    base = _batch_command(feed, db, base_url, "--concurrency", "1")
    try:
        stopped = subprocess.run(
            [*base, "--max-tokens-total", "1000"], capture_output=True, text=True, timeout=120
        )
        finished = subprocess.run(
            [*base, "-o", str(tmp_path / "r.md")], capture_output=True, text=True, timeout=120
        )
        quiet = subprocess.run([*base, "--quiet"], capture_output=True, text=True, timeout=120)
    finally:
        server.kill()
        server.wait()
    assert stopped.returncode == 4, stopped.stderr
    assert "2 extracted" in stopped.stderr and "3 articles not started" in stopped.stderr
    assert finished.returncode == 0, finished.stderr
    assert "2 already extracted, 3 extracted, 0 failed" in finished.stderr
    assert "tokens: 1,500 prompt + 150 completion in 3 calls" in finished.stderr
    assert "Italy" in (tmp_path / "r.md").read_text("utf-8")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


def _until(proc: subprocess.Popen[str], wanted: str) -> str:
    """What ``proc`` writes to stderr up to the first line with ``wanted``."""
    assert proc.stderr is not None
    lines = [proc.stderr.readline()]
    while wanted not in lines[-1]:
        assert lines[-1], "".join(lines)  # it ended first
        lines.append(proc.stderr.readline())
    return "".join(lines)


def test_cli_every_runs_again_and_writes_the_report_after_each_run(tmp_path: Path) -> None:
    feed = _meetings(tmp_path / "feed.jsonl", [("m1", "Rome", "2024-03-04")])
    db, out = tmp_path / "s.sqlite", tmp_path / "r.json"
    server, base_url = _fake_server(latency=0.0)
    command = _batch_command(feed, db, base_url, "-o", str(out), "-f", "json", "--every", "2")
    try:
        run = subprocess.Popen([*command, "--runs", "2"], stderr=subprocess.PIPE, text=True)
        _until(run, "wrote")  # the first run's report
        first = json.loads(out.read_text("utf-8"))
        _meetings(feed, [("m2", "Rome", "2024-03-04")])  # before the second run reads it
        rest = run.communicate(timeout=120)[1]
        # without --runs: until interrupted (here while it waits for the next run)
        endless = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        _until(endless, "report:")
        endless.send_signal(signal.SIGINT)
        stopped = endless.communicate(timeout=60)[1]
        alone = subprocess.run(_batch_command(feed, db, base_url, "--runs", "2"),
                               capture_output=True, text=True, timeout=60)  # fmt: skip
    finally:
        server.kill()
        server.wait()
    assert run.returncode == 0, rest
    assert [e["articles"] for e in first["events"]] == [["m1"]]
    assert [e["articles"] for e in json.loads(out.read_text("utf-8"))["events"]] == [["m1", "m2"]]
    assert "1 already extracted, 1 extracted" in rest and "run 2 completed" in rest
    assert not list(tmp_path.glob(".*partial"))  # each report was written whole, then moved
    assert endless.returncode == 130 and "stopped after 1 run: everything is stored" in stopped
    assert alone.returncode == 2 and "--runs needs --every" in alone.stderr


class _Slow(Echo):
    """Echo that takes a moment per answer and remembers how many calls overlapped."""

    def __init__(self) -> None:
        super().__init__()
        self.now = self.most = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.05)
        try:
            return super().__call__(request)
        finally:
            with self._lock:
                self.now -= 1


@pytest.mark.parametrize(("backend", "overlap"), [("test", 4), ("local", 1)])
def test_concurrency_and_the_local_model_that_serves_one_at_a_time(
    tmp_path: Path, backend: str, overlap: int
) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 8)
    server = _Slow()
    llm = _llm(server)
    llm.backend = backend
    with Store(tmp_path / "s.sqlite") as store:
        result = run_batch([str(feed)], store, llm.settings, BatchOptions(concurrency=4), llm=llm)
    assert result.extracted == 8
    assert server.most == overlap


class _Down(Echo):
    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append({})
        return httpx.Response(503, json={"error": {"message": "overloaded"}})


def test_a_backend_that_stops_answering_stops_the_run_and_loses_nothing(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 10)
    down = _Down()
    with Store(tmp_path / "s.sqlite") as store:
        options = BatchOptions(concurrency=1)
        stopped = run_batch([str(feed)], store, Settings(), options, llm=_llm(down, max_retries=1))
        assert stopped.status == "backend unavailable"
        assert (stopped.failed, stopped.left) == (3, 7)  # three in a row, then no more sent
        assert len(down.requests) == 3 * CALLS * 2  # each question tried twice
        assert stopped.stopped is not None and "retried automatically" in stopped.stopped

        back = Echo()
        again = run_batch([str(feed)], store, Settings(), llm=_llm(back))  # no --retry-failed
        assert (again.status, again.extracted, again.failed) == ("completed", 10, 0)
        assert len(back.requests) == 10 * CALLS


def test_answers_grounded_by_older_code_are_grounded_again_without_calls(tmp_path: Path) -> None:
    feed = _articles(tmp_path / "feed.jsonl", 3)
    db = tmp_path / "s.sqlite"
    server = Echo()
    llm = _llm(server)
    with Store(db) as store:
        first = run_batch([str(feed)], store, llm.settings, llm=llm)
    # as if an older grounding had produced these rows: no pledges, an old version
    with sqlite3.connect(db) as conn:
        for h, data in conn.execute("SELECT hash, data FROM extractions").fetchall():
            old = json.loads(data)
            old["pledges"] = []
            conn.execute(
                "UPDATE extractions SET data = ?, grounding = 'older' WHERE hash = ?",
                (json.dumps(old), h),
            )
    with Store(db) as store:
        again = run_batch([str(feed)], store, llm.settings, llm=llm)
    assert len(server.requests) == 3 * CALLS  # none for the second run
    assert again.report == first.report  # pledges back, from the stored answers
    current = f"SELECT COUNT(*) FROM extractions WHERE grounding = '{GROUNDING_VERSION}'"
    assert _count(db, current) == 3


def test_cost_is_known_only_for_priced_models() -> None:
    from summarizer.pricing import call_cost

    assert call_cost("openai:gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
    assert call_cost("openai:gpt-4o-mini-2024-07-18", 0, 1_000_000) == pytest.approx(0.60)
    assert call_cost("openai:gpt-4o-mini", 1_000_000, 0, batch=True) == pytest.approx(0.075)
    assert call_cost("local:qwen2.5-coder-1.5b-instruct-q4_k_m", 10_000, 500) == 0.0
    assert call_cost("openai:some-future-model", 1, 1) is None
    assert call_cost("openai-compatible:llama3.1", 1, 1) is None


def test_a_bug_in_one_articles_extraction_is_its_failure_not_the_batchs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    # the package exports a function named extract: the module is reached by its full name
    extract_module = importlib.import_module("summarizer.extract")
    real = extract_module.ground_extraction

    def broken_for_a2(article: object, *args: object, **kwargs: object) -> object:
        if getattr(article, "id", None) == "a2":
            raise KeyError("an unforeseen case")
        return real(article, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(extract_module, "ground_extraction", broken_for_a2)
    feed = _articles(tmp_path / "feed.jsonl", 4)
    llm = _llm(Echo())
    with Store(tmp_path / "s.sqlite") as store:
        result = run_batch([str(feed)], store, llm.settings, BatchOptions(concurrency=2), llm=llm)
    assert (result.extracted, result.failed) == (3, 1)
    assert "KeyError" in result.failures["a2"] and "unforeseen" in result.failures["a2"]
