"""Pure triage: which sentences of an article may state a commitment.

A sentence is worth a question to the model when it names a possible giver (a country, an
organisation, a person the article introduced with a country, an unnamed set of countries)
and carries a commitment cue: a verb of giving, promising, refusing or considering, or an
amount of money. Everything else is never sent, which is most of what keeps a staged
extraction fast, and a sentence that reads as instructions to a model is never sent either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from dataclasses import dataclass

from .normalize import Actor, actors_in
from .sentences import Sentence

__all__ = ["Candidate", "commits", "triage"]

# Verbs and phrases of committing, refusing or weighing a commitment (English, plus German,
# the one other language news feeds commonly bring here).
_CUE = re.compile(
    r"\b(?:pledg\w*|commit\w*|promis\w*|vow\w*|contribut\w*|donat\w*|provid\w*|offer\w*"
    r"|announc\w*|allocat\w*|earmark\w*|grant\w*|give[ns]?|giving|gave|send(?:s|ing)?|sent"
    r"|deploy\w*|deliver\w*|suppl(?:y|ies|ied|ying)|fund(?:s|ed|ing)?|financ\w*|invest\w*"
    r"|rais(?:e|es|ed|ing)|back(?:s|ed|ing)?|support\w*|sanction\w*|train(?:s|ed|ing)?"
    r"|monitor\w*|guarantee\w*|(?:ready|willing|prepared|agree[ds]?|plans?|intends?) to"
    r"|will|would|could|consider\w*|weigh\w*|refus\w*|declin\w*|ruled? out|reject\w*"
    r"|zugesagt|zusag\w*|bereitgestellt|bereitstell\w*|spende\w*|unterstütz\w*|liefer\w*)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"[$€£¥]\s?\d|\b\d[\d,.]*\s*(?:million|billion|trillion|bn|mn|m\b|Millionen|Milliarden)"
    r"|\b(?:euros?|dollars|pounds|yen|francs|kroner|Euro)\b",
    re.IGNORECASE,
)


def commits(text: str) -> bool:
    """Whether ``text`` carries a commitment cue: a verb of giving, promising, refusing or
    considering, or an amount of money."""
    return bool(_CUE.search(text) or _MONEY.search(text))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence to ask about, and the givers it names."""

    sentence: Sentence
    previous: Sentence | None
    actors: tuple[Actor, ...]


# A sentence that goes on about the giver of the one before: "He also promised ..."
_CONTINUES = re.compile(
    r"^(?:[\"“‘']?)(?:He|She|They|It|The (?:country|government|minister|president|chancellor|"
    r"prime minister|bloc|alliance|organi[sz]ation|union)|Its|Their|His|Her)\b"
)


def triage(
    sentences: Sequence[Sentence],
    people: dict[str, Actor],
    *,
    suspect: Set[int] = frozenset(),
    follow_pronouns: bool = True,
) -> list[Candidate]:
    """The sentences that may state a commitment, in order (never the ``suspect`` ones, which
    read as instructions to a model). With ``follow_pronouns``, a sentence that names no
    giver but opens with a pronoun ("He also pledged ...") is asked about when the sentence
    before names one."""
    out: list[Candidate] = []
    previous: Sentence | None = None
    before: tuple[Actor, ...] = ()
    for s in sentences:
        actors = tuple(a for _, _, a in actors_in(s.text, people))
        if s.number not in suspect and commits(s.text):
            if actors:
                out.append(Candidate(s, previous, actors))
            elif follow_pronouns and before and _CONTINUES.search(s.text):
                out.append(Candidate(s, previous, before))
        previous, before = s, (actors if s.number not in suspect else ())
    return out
