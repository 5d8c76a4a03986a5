"""How long merge takes for 1k, 10k and 100k synthetic extractions.

    python bench/merge_scale.py [SIZES...]

Each synthetic article reports one of many real-world events (a city, a day, a host) with a
few pledges by random countries; several articles report each event. The target is under
10 s for 100k extractions on a 2-core machine.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta

from summarizer.merge import merge
from summarizer.schemas import (
    Alignment,
    ArticleExtraction,
    CommitmentType,
    DateValue,
    Event,
    EventKind,
    Evidence,
    Pledge,
    PledgeStatus,
    Precision,
)

CITIES = [
    "Paris",
    "London",
    "Berlin",
    "Rome",
    "Warsaw",
    "Brussels",
    "Madrid",
    "Vienna",
    "Oslo",
    "Prague",
]
COUNTRIES = ["FRA", "GBR", "DEU", "ITA", "POL", "BEL", "ESP", "AUT", "NOR", "CZE", "USA", "CAN"]


def _ev(aid: str, quote: str, start: int, field: str = "record") -> Evidence:
    return Evidence(
        article_id=aid,
        quote=quote,
        start=start,
        end=start + len(quote),
        alignment=Alignment.exact,
        field=field,
    )


def synthetic(n: int, seed: int = 1) -> list[ArticleExtraction]:
    rng = random.Random(seed)
    real_events = max(1, n // 5)
    out = []
    for i in range(n):
        k = rng.randrange(real_events)
        ev_rng = random.Random(k)
        day = date(2020, 1, 1) + timedelta(days=ev_rng.randrange(5 * 365))
        city = ev_rng.choice(CITIES)
        aid = f"a{i}"
        quote = f"Leaders met in {city} on {day:%B %d, %Y} for talks number {k}."
        event = Event(
            id=f"{aid}#E1", name=f"{city} summit {k}", kind=EventKind.summit,
            date=DateValue(text=f"{day:%B %d, %Y}", value=day, precision=Precision.day),
            location=city, evidence=[_ev(aid, quote, 0)],
        )  # fmt: skip
        pledges = []
        for j in range(3):
            country = ev_rng.choice(COUNTRIES) if j else COUNTRIES[k % len(COUNTRIES)]
            ctype = rng.choice(list(CommitmentType))
            pledges.append(Pledge(
                actor=country, actor_id=country, actor_country=country, commitment_type=ctype,
                description=f"{ctype.value} for Ukraine", status=rng.choice(list(PledgeStatus)),
                event_id=event.id, evidence=[_ev(aid, quote, 0)],
            ))  # fmt: skip
        out.append(
            ArticleExtraction(
                article_id=aid,
                events=[event],
                pledges=pledges,
                model="bench",
                prompt_version="bench",
            )
        )
    return out


def main(sizes: list[int]) -> int:
    for n in sizes:
        data = synthetic(n)
        started = time.perf_counter()
        report = merge(data)
        seconds = time.perf_counter() - started
        rate = n / seconds
        events = len(report.events)
        print(f"{n:>7} extractions -> {events:>6} events in {seconds:6.2f}s ({rate:,.0f}/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000]))
