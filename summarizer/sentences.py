"""Split article text into sentences with exact character offsets.

The model cites sentences by number, and our code turns a number back into
``text[start:end]``, so offsets must index the original text exactly. A small rule-based
splitter does this (paragraph breaks, then terminal punctuation followed by a capital,
with a list of news-style abbreviations); general-purpose splitters either need a data
download at run time or re-normalise whitespace, which breaks the offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Sentence", "split_sentences"]

_ABBREVIATIONS = frozenset(
    (
        "mr mrs ms dr prof gen col lt sgt capt maj adm gov sen rep rev st jr sr vs etc "
        "jan feb mar apr jun jul aug sep sept oct nov dec "
        "mon tue tues wed thu thur thurs fri sat sun inc ltd co corp dept est approx fig"
    ).split()
)

# End of a sentence: . ! ? (or …) possibly followed by closing quotes/brackets, then space,
# then something that can start a sentence.
_BOUNDARY = re.compile(r"""([.!?…]+)(["'”’)\]]*)(\s+)(?=["'“‘(\[]?[A-Z0-9À-Ý])""")
_INITIALISM = re.compile(r"(?:\b[A-Za-z]\.){1,}[A-Za-z]?$")


@dataclass(frozen=True, slots=True)
class Sentence:
    number: int  # 1-based, as shown to the model
    start: int
    end: int
    text: str


def _is_abbreviation(before: str) -> bool:
    word = re.split(r"[\s(\"“‘]", before)[-1]
    if not word:
        return False
    if _INITIALISM.search(word):  # U.S. / U.K. / J.
        return True
    return word.rstrip(".").lower() in _ABBREVIATIONS


def _spans(paragraph: str, offset: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        if m.group(1) == "." and _is_abbreviation(paragraph[start : m.start(1)]):
            continue
        end = m.end(2)
        spans.append((start, end))
        start = m.end(3)
    spans.append((start, len(paragraph)))
    out = []
    for s, e in spans:
        chunk = paragraph[s:e]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        if chunk.strip():
            out.append((offset + s + lead, offset + e - trail))
    return out


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` in order; ``text[s.start:s.end] == s.text`` for every one."""
    sentences: list[Sentence] = []
    for para in re.finditer(r"[^\n]+", text):
        for start, end in _spans(para.group(0), para.start()):
            sentences.append(Sentence(len(sentences) + 1, start, end, text[start:end]))
    return sentences
