"""Count how each reported value was located, over the output of `summarizer extract`.

    python bench/grounding_stats.py extractions.json

Prints the number of evidence spans per field and alignment (exact / normalized / fuzzy /
missing), and how many records are confirmed.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from summarizer.schemas import ExtractOutput


def main(path: str) -> int:
    data = ExtractOutput.model_validate_json(Path(path).read_bytes())
    by_field: Counter[tuple[str, str]] = Counter()
    records = confirmed = 0
    for x in data.extractions:
        for record in [*x.events, *x.pledges]:
            records += 1
            confirmed += record.confirmed
            for e in record.evidence:
                by_field[(e.field, e.alignment.value)] += 1
            for count in getattr(record, "counts", []):
                for e in count.evidence:
                    by_field[(e.field, e.alignment.value)] += 1
    kinds = ("exact", "normalized", "fuzzy", "missing")
    print(f"{'field':<12}" + "".join(f"{k:>12}" for k in kinds) + f"{'total':>8}")
    for name in sorted({f for f, _ in by_field}):
        row = [by_field[(name, k)] for k in kinds]
        print(f"{name:<12}" + "".join(f"{n:>12}" for n in row) + f"{sum(row):>8}")
    totals = [sum(n for (_, k), n in by_field.items() if k == kind) for kind in kinds]
    print(f"{'all':<12}" + "".join(f"{n:>12}" for n in totals) + f"{sum(totals):>8}")
    print(f"records {records}, confirmed {confirmed}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
