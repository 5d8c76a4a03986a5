"""The whole job: extract every article, ground, merge into a Report."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .errors import BackendUnavailableError, ConfigError, SummarizerError
from .extract import extract
from .llm import LLM, open_llm
from .merge import merge
from .schemas import Article, ArticleExtraction, FailedArticle, Report
from .settings import Settings

__all__ = ["Extracted", "extract_all", "merge_accounting", "summarize", "with_failures"]


@dataclass
class Extracted:
    extractions: list[ArticleExtraction] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # article id -> error


def extract_all(
    articles: Sequence[Article],
    settings: Settings,
    *,
    llm: LLM | None = None,
    on_article: Callable[[Article, ArticleExtraction | None, SummarizerError | None], None]
    | None = None,
) -> Extracted:
    """Extract each article in turn; one article's failure is recorded, never fatal.

    Configuration errors (no model, no key, a wrong model) and a model server that cannot be
    reached are raised: no article could succeed.
    """
    if llm is None:
        with open_llm(settings) as opened:
            return extract_all(articles, settings, llm=opened, on_article=on_article)
    done = Extracted()
    for article in articles:
        try:
            x = extract(article, settings, llm=llm)
        except (ConfigError, BackendUnavailableError):
            raise
        except SummarizerError as exc:
            done.failures[article.id] = str(exc)
            if on_article:
                on_article(article, None, exc)
            continue
        done.extractions.append(x)
        if on_article:
            on_article(article, x, None)
    return done


def summarize(
    articles: Sequence[Article], settings: Settings | None = None, *, llm: LLM | None = None
) -> Report:
    """Extract, ground and merge ``articles`` into one Report.

    Articles whose extraction failed are listed in ``Report.failed`` with the error.
    """
    done = extract_all(articles, settings or Settings(), llm=llm)
    return merge_accounting(done.extractions, articles, done.failures)


def merge_accounting(
    extractions: Sequence[ArticleExtraction],
    articles: Sequence[Article],
    failures: Mapping[str, str],
) -> Report:
    """``merge``, with every source that produced no extraction listed as failed, with why
    (never among the articles that report no pledge-related event)."""
    return with_failures(merge(extractions, articles), failures)


def with_failures(report: Report, failures: Mapping[str, str]) -> Report:
    """``report`` with ``failures`` (source -> why) listed as failed."""
    failed = [FailedArticle(article_id=source, error=why) for source, why in failures.items()]
    return report.model_copy(update={"failed": report.failed + failed})
