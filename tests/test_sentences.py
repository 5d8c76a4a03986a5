import itertools
from pathlib import Path

import pytest

from summarizer.sentences import split_sentences


def test_offsets_round_trip_on_every_sample(sample_paths: list[Path]) -> None:
    for path in sample_paths:
        text = path.read_text("utf-8")
        sentences = split_sentences(text)
        assert sentences, path
        assert [s.number for s in sentences] == list(range(1, len(sentences) + 1))
        for s in sentences:
            assert text[s.start : s.end] == s.text
            assert s.text == s.text.strip()
        # sentences are in order and do not overlap
        assert all(a.end <= b.start for a, b in itertools.pairwise(sentences))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("U.S. President Donald Trump spoke. Then he left.", 2),
        ("It met on Thursday, Sept. 4, 2025. Leaders came.", 2),
        ("He said “no.” She said yes.", 2),
        ("Mr. Macron hosted. Dr. Smith attended!", 2),
        ("First line\nSecond line", 2),
        ("Costs rose 3.5 percent. Prices fell.", 2),
    ],
)
def test_abbreviations_and_quotes(text: str, expected: int) -> None:
    assert len(split_sentences(text)) == expected


def test_quote_closing_a_sentence_stays_with_it() -> None:
    s = split_sentences("He warned of “any new major aggression.” Zelensky agreed.")
    assert s[0].text.endswith("aggression.”")
    assert s[1].text == "Zelensky agreed."
