"""Write examples/feeds/samples.rss: the five sample articles plus two short new items.

The new items are the project's own test text (a second pledge story and an unrelated
sports story), there to show that a batch run adds new articles to the store and that an
article with no pledge-related event creates no event.

    python scripts/make_sample_feed.py
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEW = [
    (
        "extra-baltic-air-defence",
        "Baltic states agree joint air-defence purchase",
        datetime(2026, 2, 10, 9, 0, tzinfo=UTC),
        "Defence ministers of Estonia, Latvia and Lithuania met in Riga on Monday and agreed to "
        "buy medium-range air-defence systems together.\n"
        "Estonia pledged 120 million euros towards the first batteries, and Latvia said it would "
        "contribute a similar sum once its parliament approves next year's budget.\n"
        "Lithuania ruled out raising its share before 2027.",
    ),
    (
        "extra-city-marathon",
        "City marathon moves to a new route",
        datetime(2026, 2, 11, 7, 30, tzinfo=UTC),
        "The organisers of the city marathon announced on Tuesday that this year's race will "
        "start by the river instead of the old stadium.\n"
        "About 12,000 runners are expected, and the course will stay open for seven hours.",
    ),
]


def item(guid: str, title: str, text: str, published: datetime | None) -> str:
    paragraphs = "".join(f"<p>{escape(p, quote=False)}</p>" for p in text.split("\n") if p.strip())
    date = f"<pubDate>{format_datetime(published)}</pubDate>" if published else ""
    return (
        f'<item><guid isPermaLink="false">{guid}</guid><title>{escape(title)}</title>{date}'
        f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded></item>"
    )


def main() -> None:
    items = []
    for path in sorted((ROOT / "examples" / "articles").glob("*.txt")):
        text = path.read_text("utf-8")
        items.append(item(path.stem, text.splitlines()[0][:120], text, None))
    items += [item(g, t, x, d) for g, t, d, x in NEW]
    feed = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<channel><title>summarizer sample feed</title><link>https://example.org/</link>"
        "<description>The sample articles and two new items</description>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )
    out = ROOT / "examples" / "feeds" / "samples.rss"
    out.write_text(feed, encoding="utf-8")
    print(out)


if __name__ == "__main__":
    main()
