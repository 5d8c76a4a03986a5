"""How long the pledge tracker takes on the report of a large store.

    python bench/tracker_scale.py [SIZE]     # default 100000

Builds SIZE synthetic extractions (those of ``bench/merge_scale.py``, each pledge given a
figure in one of five currencies, as written: "$12 million", "£7.5 million", "40 million
euros", ...), merges them (not timed), then times ``tracker(report)`` and prints the rows,
the donors and the seconds, and how fast this interpreter is at that moment (the machine's
speed varies by 2x from one hour to the next). The target is under 5 s for 100,000
extractions.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import replace

from merge_scale import _interpreter_us, synthetic

from summarizer.merge import merge
from summarizer.normalize import parse_quantity
from summarizer.tracker import tracker

FIGURES = ("${} million", "£{} million", "{} million euros", "CHF {} million", "¥{} billion")


def main(args: list[str]) -> int:
    n = int(args[0]) if args else 100_000
    rng = random.Random(3)
    data = []
    for x in synthetic(n):
        pledges = [
            replace(p, quantity=parse_quantity(rng.choice(FIGURES).format(rng.randint(1, 900))))
            for p in x.pledges
        ]
        data.append(x.model_copy(update={"pledges": pledges}))
    report = merge(data)
    before = _interpreter_us()
    started = time.perf_counter()
    t = tracker(report)
    seconds = time.perf_counter() - started
    after = _interpreter_us()
    valued = sum(1 for r in t.rows if r.value and r.value.eur is not None)
    print(
        f"{n:>7} extractions -> {len(report.events)} events, {len(t.rows)} rows ({valued} valued"
        f" in EUR), {len(t.totals)} donors: tracker in {seconds:.2f}s (interpreter"
        f" {before:.0f}/{after:.0f} us before/after, as bench/merge_scale.py measures it)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
