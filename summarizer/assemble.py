"""Pure assembly: the model's answers about single sentences become one article's draft.

The model is asked small questions (which givers commit to what in this sentence, and what
event the article reports); this module decides what of it to believe, from the text:

* an actor is resolved with ``normalize`` and kept only when it is a country, an
  organisation, a person who speaks for one, or an unnamed set of countries, and only when
  the asked sentence (or the one before it) names it;
* a figure the sentence gives as what many gave together ("donors pledged over $3 billion",
  "$3 billion in aid was pledged") is not a named country's pledge;
* "France and Germany pledged" is one pledge per country;
* a recipient is not a giver: an actor the sentence names only after "to", "for", "in",
  "against" ... ("$5 billion to Ukraine", "sanctions on Russia") is dropped;
* the status is read from the actor's own clause where the text is explicit: "ruled out" /
  "refused" is declined; "if", "once", "subject to", "after a ceasefire" make a pledge
  conditional, with that clause as its conditions;
* a quantity must be in the sentence, else it is left for grounding to read from the text;
* the same actor and commitment type across sentences is one pledge citing them all.

Every pledge dropped here is named in the warnings, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .ground import locate
from .normalize import CAPITALS, Actor, actor_mentions, actors_in, normalize_actor
from .schemas import (
    Alignment,
    AskedPledge,
    CommitmentType,
    DraftEvent,
    DraftExtraction,
    DraftPledge,
    EventKind,
    PledgeStatus,
    SentenceAnswer,
)
from .sentences import Sentence
from .triage import Candidate

__all__ = ["Assembly", "assemble", "event_from_text"]

_JOINERS = re.compile(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*|\s+as well as\s+")
# what stands before an actor that receives rather than gives
_RECEIVES = re.compile(
    r"(?:\b(?:to|for|in|into|on|against|toward|towards|with|at|help|helping|aid|support)"
    r"(?:\s+the)?\s*)$",
    re.IGNORECASE,
)
# what follows an actor that receives: "Gavi secured $9bn", "Sudan will receive"
_RECEIVING = re.compile(
    r"[\w’'.-]+(?:\s+[A-Z][\w’'.-]*)*(?:\s*,[^,]{0,60},)?\s+(?:\w+\s+){0,2}?"
    r"(?:receiv\w*|secur(?:ed|es|ing)|obtain\w*|attract\w*|will have|requir\w*|seek\w*"
    r"|sought)\b",
    re.IGNORECASE,
)
# what follows an actor that sizes a need rather than meets it: "The United Nations had
# estimated the needs at $400 million", "a report by the NGO ... (UUSC) estimates"
_ASSESSING = re.compile(  # a name of capitalised words, then the verb within two words
    r"[\w’'.-]+(?:\s+(?-i:[A-Z])[\w’'.-]*)*\)?(?:\s*\([^)]{1,30}\))?\s+(?:\w+\s+){0,2}?"
    r"(?:estimat\w*|forecast\w*|calculat\w*|assess\w*|projects|projected)\b",
    re.IGNORECASE,
)
# a commitment made before the event the article reports
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_BACKGROUND = re.compile(
    r"\b(?:since (?:19|20)\d\d|since the (?:start|beginning)|last (?:week|month|year|spring"
    r"|summer|autumn|fall|winter|" + "|".join(_MONTH_NAMES) + r")"
    r"|earlier (?:this|in the) (?:year|month|week)|previously|so far|to date"
    r"|over the (?:past|last) (?:few |several )?(?:days|weeks|months|years)"
    r"|(?:comes|came) (?:after|on top of)"
    r"|(?:our|its|their) (?:existing |ongoing |standing )?commitment to"  # one already held
    r"|(?:has|have|had) (?:already )?(?:provided|given|sent|delivered|supplied|disbursed"
    r"|contributed)|already (?:been )?(?:provided|given|sent|delivered|supplied))\b",
    re.IGNORECASE,
)
# "In April, Belgium announced ...": a month named alone, before the event's month
_IN_MONTH = re.compile(r"\bin (" + "|".join(_MONTH_NAMES) + r")\b(?!\s+\d)", re.IGNORECASE)
_YEAR = re.compile(r"\bin ((?:19|20)\d\d)\b")
# words that show what kind of thing a sentence is about
_KIND_WORDS: dict[CommitmentType, re.Pattern[str]] = {
    kind: re.compile(pattern, re.IGNORECASE)
    for kind, pattern in {
        CommitmentType.money: r"[$€£¥]|\b(?:million|billion|bn|euros?|dollars?|pounds?|yen|funds?"
        r"|funding|financ\w*|aid|loans?|grants?|budget|Millionen|Milliarden)\b",
        CommitmentType.weapons: r"\b(?:weapons?|arms|missiles?|rockets?|munitions?|ammunition"
        r"|shells?|artillery|howitzers?|tanks?|jets?|F-16s?|fighters?|aircraft|drones?"
        r"|air[- ]defen[cs]es?|Patriots?|launchers?|rifles?|guns?)\b",
        CommitmentType.troops: r"\b(?:troops|soldiers|personnel|forces|peacekeep\w*|brigades?"
        r"|battalions?|boots on the ground)\b",
        CommitmentType.equipment: r"\b(?:equipment|vehicles?|trucks?|generators?|radars?"
        r"|systems?|supplies|demining|boats?|ships?|vessels?|machines?|kits?|ambulances?)\b",
        CommitmentType.training: r"\b(?:train\w*|instruct\w*)",
        CommitmentType.monitoring: r"\b(?:monitor\w*|observ\w*|verif\w*|surveillance)",
        CommitmentType.sanctions: r"\b(?:sanction\w*|embargo\w*|freez\w*|frozen|assets)",
        CommitmentType.basing: r"\b(?:bases?|basing|station(?:s|ed|ing)?|hubs?"
        r"|host(?:s|ing)? (?:\w+ ){0,2}(?:troops|forces|soldiers))\b",  # not "co-hosted by"
    }.items()
}


# giving money, when the clause names nothing else it gives: "contribute to the fund", not
# "contribute troops" or "donate ambulances"
_GIVES_MONEY = re.compile(r"\b(?:contribut\w*|donat\w*)", re.IGNORECASE)


def _supported(kind: CommitmentType, text: str) -> bool:
    """Whether ``text`` speaks of that kind of thing (diplomatic and other: always)."""
    pattern = _KIND_WORDS.get(kind)
    if pattern is None or pattern.search(text):
        return True
    return (
        kind is CommitmentType.money
        and _GIVES_MONEY.search(text) is not None
        and not any(p.search(text) for k, p in _KIND_WORDS.items() if k is not kind)
    )


# which kind a commitment is when the model's kind is not what the sentence speaks of
_RETYPE_ORDER = (
    CommitmentType.weapons,
    CommitmentType.money,
    CommitmentType.troops,
    CommitmentType.equipment,
    CommitmentType.training,
    CommitmentType.monitoring,
    CommitmentType.sanctions,
    CommitmentType.basing,
)


_VAGUE_KINDS = (CommitmentType.diplomatic, CommitmentType.other)


# sanctions imposed: whatever they target (machine tools for weapons, funds), they are sanctions
_SANCTIONING = re.compile(
    r"\b(?:impos\w*|announc\w*|introduc\w*|adopt\w*|unveil\w*|slap\w*)\s+(?:\w+\s+){0,3}?"
    r"sanctions\b|\bsanctioned\b",
    re.IGNORECASE,
)


# a verb of giving something, after the sanctions: a commitment of its own
_GIVING = re.compile(
    r"\b(?:send|sends|sending|sent|provid\w*|deliver\w*|suppl(?:y|ies|ied|ying)|give[ns]?"
    r"|giving|gave|pledg\w*|donat\w*|deploy\w*|transfer\w*)\b",
    re.IGNORECASE,
)


# "... and pledged $1 billion", "... and will provide": the estimating actor gives too
_AND_GIVES = re.compile(r"\band\s+(?:\w+\s+){0,2}?" + _GIVING.pattern, re.IGNORECASE)


# the actor's verb is a conversation ("Trump spoke with Zelensky to discuss sanctions and air
# defence needs") or a call on others ("urged Europe to halt its oil purchases"): what they
# talked about, or want others to do, is not what they committed to
_TALKS = re.compile(
    # the name, with a title ("NATO chief Jens Stoltenberg"), then "also" or the like
    r"[\w’'.-]+(?:\s+(?:[A-Z][\w’'.-]*|[a-z]+(?:\s+[a-z]+)?(?=\s+[A-Z])))*\s+(?:[a-z]+\s+)?"
    r"(?:spoke|speaks|talked|talks|phoned|met|meets|held (?:talks|a call|a meeting)"
    r"|urged|urges|called on|calls on|pressed|presses|appealed to|appeals to)\b"
)


def _only_talks(text: str, start: int) -> bool:
    """Whether the actor named at ``start`` only talks with someone or calls on them
    (``_TALKS``), and does not also commit ("Macron met Zelensky and pledged ...", "...,
    promising ...")."""
    m = _TALKS.match(text, start)
    return m is not None and not _AND_COMMITS.search(text, m.end())


def _sizes_a_need(text: str, start: int) -> bool:
    """Whether the actor named at ``start`` estimates a need (``_ASSESSING``) and does not
    also give ("the World Bank estimated the cost at $486 billion and pledged $1 billion"
    gives; "the UN estimated that donors would provide ..." does not)."""
    m = _ASSESSING.match(text, start)
    return m is not None and not _AND_GIVES.search(text, m.end())


def _kind(asked: CommitmentType, text: str, refused: bool = False) -> CommitmentType:
    """The model's kind if ``text`` speaks of it, else the first kind it does speak of
    ("send a Patriot battery" is weapons, not troops); the model's when it speaks of none.
    Sanctions imposed are sanctions, whatever goods they target, when the clause gives no
    figure of money or arms besides ("new sanctions and £100m for the grid" keeps both)."""
    if (
        asked is not CommitmentType.money
        and not refused
        and (m := _SANCTIONING.search(text))
        and not _AMOUNT.search(text)
        and not _GIVING.search(text, m.end())  # "... and will send air defence systems"
    ):
        return CommitmentType.sanctions
    if asked is CommitmentType.equipment and _supported(CommitmentType.weapons, text):
        return CommitmentType.weapons  # "air defence systems": the weapons they are
    if asked in _VAGUE_KINDS and refused:  # "would not deploy troops" refuses troops
        return next((k for k in _RETYPE_ORDER if _supported(k, text)), asked)
    if _supported(asked, text):
        return asked
    return next((k for k in _RETYPE_ORDER if _supported(k, text)), asked)


def _kinds(asked: Sequence[AskedPledge], text: str) -> list[AskedPledge]:
    """One actor's answers about one sentence: a model that gives it several kinds of
    commitment keeps the first the sentence speaks of (the first, if it speaks of none)."""
    if len({a.type for a in asked}) < 2:
        return list(asked)
    kept = [a for a in asked if _supported(a.type, text)]
    return [kept[0] if kept else asked[0]]


# verbs of committing, refusing or weighing a commitment: what a giver's clause must say
_VERB = re.compile(
    r"\b(?:pledg\w*|commit\w*|promis\w*|vow\w*|contribut\w*|donat\w*|provid\w*|offer\w*"
    r"|announc\w*|allocat\w*|earmark\w*|grant(?:s|ed|ing)?|give[ns]?|giving|gave|send(?:s|ing)?"
    r"|sent|deploy\w*|deliver\w*|suppl(?:y|ies|ied|ying)|fund(?:s|ed|ing)|financ\w*|invest\w*"
    r"|sanction\w*|impos\w*|train(?:s|ed|ing)?|monitor\w*|guarantee\w*|transfer\w*|back(?:s|ed)"
    r"|(?:ready|willing|prepared|agree[ds]?|plans?|intends?|aims?) to|agreed (?:on|upon)"
    r"|(?:will|would|to) decide"
    r"|(?:establish|set up|open)\w* (?:\w+ ){0,2}(?:hubs?|bases?)"
    r"|refus\w*|declin\w*"
    r"|ruled? out|reject\w*|consider\w*|weigh\w*|mull\w*|withdr[ae]w\w*|halt\w*|stop\w*"
    r"|zugesagt|zusag\w*|sagt\w* .{0,80}\bzu\b|bereitgestellt|bereitstell\w*"
    r"|stellt\w* .{0,60}bereit|unterstütz\w*|liefer\w*)",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"[$€£¥]\s?\d|\b\d[\d,.]*\s*(?:million|billion|trillion|bn|mn|m\b|Millionen|Milliarden)"
    r"|\b\d[\d,.]*\s+(?:\w+\s+)?(?:troops|soldiers|tanks|jets|missiles|drones|vehicles|systems)",
    re.IGNORECASE,
)


_AND_COMMITS = re.compile(r"(?:\band|,)\s+(?:\w+\s+){0,2}?" + _VERB.pattern, re.IGNORECASE)


def _gives(clause: str, sentence: str) -> bool:
    """Whether the actor's clause states a commitment: a verb of committing in it, or an
    amount in it while the sentence has such a verb ("Germany, with $100 million; Britain,
    with up to 60 million pounds" after "countries promising to contribute")."""
    return bool(_VERB.search(clause) or (_AMOUNT.search(clause) and _VERB.search(sentence)))


_DECLINED = re.compile(
    r"\b(?:ruled? out|ruling out|refus\w*|declin(?:ed|es|ing)? to (?!comment|say|give|specify|"
    r"disclose|reveal|confirm|elaborate)\w+|reject\w*|will not|won't|would not|wouldn't|"
    r"not (?:send|provide|contribute|deploy|join|take part|participate|commit))\b",
    re.IGNORECASE,
)
# "Berlin would decide at the appropriate time": weighing it, not committed
_UNDECIDED = re.compile(
    r"\b(?:will|would|is to|are to|yet to) decide\b|\bundecided\b", re.IGNORECASE
)
_CONDITION = re.compile(
    r"\b(?:if|once|provided that|providing that|on (?:the )?condition(?: that)?|subject to"
    r"|as soon as|in the event (?:of|that)|after (?:a|any|the|an eventual) (?:ceasefire|peace"
    r"|truce|deal|agreement|settlement))\b(?:[^,;.]|\.(?=\S)|(?<=\b[A-Z])\.)*",  # "U.S." stays
    re.IGNORECASE,
)
# a condition told in the past tense happened already: "as soon as the fund was operational"
_PAST = re.compile(r"\b(?:was|were|had)\b", re.IGNORECASE)
_NUMBERISH = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|"
    r"million|billion|several|few)\b",
    re.IGNORECASE,
)


# a figure many gave together: "Foreign donors pledged over $3 billion", "pledges of more than
# $3 billion", "$3 billion in aid was pledged" (not "by" whom)
_TO_FIGURE = (  # what may stand between the verb and the figure, up to it
    r"(?:(?:a\s+total\s+of|more\s+than|over|nearly|almost|about|around|some|roughly"
    r"|at\s+least)\s+)?$"
)
_TOGETHER_BEFORE = re.compile(
    r"\b(?P<who>(?:(?:the\s+)?(?:international|foreign|other|western|arab|gulf|world)\s+)?"
    r"(?:donors|donor\s+(?:countries|nations|governments)|participants"
    r"|(?:the\s+)?international\s+community))\s+(?:\w+\s+){0,3}?"
    r"(?:pledged|committed|promised|raised|gave|offered|announced|mobili[sz]ed)\s+" + _TO_FIGURE,
    re.IGNORECASE,
)
_PLEDGES_OF = re.compile(r"\bpledges\s+(?:of|totall?ing|worth)\s+" + _TO_FIGURE, re.IGNORECASE)
_GIVEN_AFTER = re.compile(
    r"\s*(?:\([^)]*\)\s*)?(?:(?:in|of)\s+(?:\w+\s+){0,2}?)?"
    r"(?:was|were|has\s+been|have\s+been|had\s+been|will\s+be|would\s+be|could\s+be)\s+"
    r"(?:\w+\s+)?(?:pledged|raised|mobili[sz]ed|committed|promised|collected)\b(?!\s+by\b)",
    re.IGNORECASE,
)
_SPEAKS = re.compile(r"[\w .'’-]{0,30}?\b(?:said|says|announced|stated|added|told)\b")


@dataclass(frozen=True)
class Assembly:
    """Which of the code-side stages run (all, normally; the quality bench turns some off
    to measure what each is worth). ``pronouns`` is triage's: ask about a sentence that
    opens with a pronoun after one that names a giver."""

    pronouns: bool = True
    named: bool = True
    giving_clause: bool = True
    article_recipients: bool = True
    background: bool = True
    one_kind: bool = True
    retype: bool = True
    givers_only: bool = True
    not_recipient: bool = True
    receiving_verbs: bool = True
    assessing_verbs: bool = True
    talking_verbs: bool = True
    status_from_text: bool = True
    split_joint: bool = True
    speaker: bool = True
    subject: bool = True
    together: bool = True
    continued: bool = True


@dataclass
class _Kept:
    pledge: DraftPledge
    actor: Actor


@dataclass
class _Work:
    people: dict[str, Actor]
    options: Assembly
    recipients: frozenset[str] = frozenset()
    year: int | None = None  # the year the article reports on
    warnings: list[str] = field(default_factory=list)
    kept: dict[tuple[str, str], _Kept] = field(default_factory=dict)


def _parts(actor: str, people: dict[str, Actor]) -> list[str]:
    """ "France, Germany and Italy" as three names when each is a country or organisation."""
    parts = [p.strip() for p in _JOINERS.split(actor) if p.strip()]
    if len(parts) < 2:
        return [actor]
    kinds = [normalize_actor(p, people).kind for p in parts]
    return parts if all(k in ("country", "organisation") for k in kinds) else [actor]


def _giver(actor: Actor) -> Actor | None:
    """The actor a tracker joins on, or None for one that cannot give (a company, a
    footballer, "backers"): a person stands for their country or organisation."""
    if actor.kind == "person":
        if actor.country is None:
            return None
        kind = "organisation" if actor.country.startswith("org:") else "country"
        return Actor(actor.country, kind, actor.name, actor.country, actor.role)
    if actor.id.startswith("name:"):
        return None
    return actor


# a wire story's opening place, and its agency: "PARIS — ", "Washington DC - ",
# "KYIV, Ukraine (AP) — "
_PLACE_LINE = re.compile(
    r"^\s*[A-Z][\w.'’]*(?:,?\s+[A-Z][\w.'’]*){0,3}\s*(?:\([^)]{1,30}\)\s*)?[-—–]+\s"
)


def _mentions(text: str, actor: Actor, written: str, people: dict[str, Actor]) -> list[int]:
    """Where ``text`` names the actor: by any of its names, or as the model wrote it; not in
    a dateline ("PARIS — An international conference ...": where it was written, not who
    gave)."""
    starts = [s for s, _ in actor_mentions(text, actor, people)]
    # as written, a word of its own: not "US" in "discuss" or "Ukraine" in "Ukrainians"
    if written and (m := re.search(rf"(?<!\w){re.escape(written)}(?!\w)", text, re.I)):
        starts.append(m.start())
    dateline = line.end() if (line := _PLACE_LINE.match(text)) else 0
    return sorted({s for s in starts if s >= dateline})


@lru_cache(maxsize=8192)  # a sentence often reports several pledges, and several articles one
def made_earlier(clause: str, year: int | None, month: int | None = None) -> bool:
    """Whether ``clause`` says the commitment was made before the reported event (of
    ``year``, and ``month`` when known): "has already provided", "last November", "in 2022",
    or a month before the event's ("In April", of a conference in June)."""
    if _BACKGROUND.search(clause):
        return True
    if year is not None and any(int(y) < year for y in _YEAR.findall(clause)):
        return True
    return month is not None and any(
        _MONTH_NAMES.index(m.lower()) + 1 < month for m in _IN_MONTH.findall(clause)
    )


def _given_together(text: str, figure: str, spoken: list[int]) -> str | None:
    """Who gave ``figure`` when the sentence gives it as what many gave together: the
    collective as written ("Foreign donors pledged over $3 billion"), else "donors" ("pledges
    of more than $3 billion", "$3 billion in aid was pledged", not "by" whom); ``None`` when
    it is one giver's. ``spoken`` are where the sentence names the asked giver: "Japan said
    5 billion yen will be committed" is Japan's."""
    at = text.lower().find(figure.lower())
    if at < 0:
        return None
    before = text[:at]
    if m := _TOGETHER_BEFORE.search(before):
        return m.group("who")
    if _PLEDGES_OF.search(before):
        return "donors"
    if _GIVEN_AFTER.match(text, at + len(figure)) and not any(
        s < at and _SPEAKS.match(text, s) for s in spoken
    ):
        return "donors"
    return None


def _segment(text: str, start: int, others: list[int]) -> str:
    """The actor's own clause: from its mention to the next mention of another actor."""
    end = min((o for o in others if o > start), default=len(text))
    return text[start:end]


_CLAUSE_END = re.compile(r";|,?\s+(?:while|whereas|but)\s+|(?<!\b[A-Z])\.\s")
_CLAUSE_START = re.compile(r".*(?:;|\bwhile\b|\bwhereas\b|\bbut\b)", re.DOTALL)


def _clause_end(sentence: str, start: int) -> int:
    """Where the clause that holds position ``start`` ends."""
    return m.start() if (m := _CLAUSE_END.search(sentence, start)) else len(sentence)


def own_clause(sentence: str, start: int) -> str:
    """The clause of ``sentence`` that holds position ``start``."""
    begin = m.end() if (m := _CLAUSE_START.match(sentence[:start])) else 0
    return sentence[begin : _clause_end(sentence, start)]


def _clause(sentence: str, start: int) -> str:
    """What the actor commits to, as the sentence says it: from its name to the end of its
    clause, at most 120 characters (the report's description)."""
    own = sentence[start : _clause_end(sentence, start)].strip(" ,;")
    return own if len(own) <= 120 else own[:117].rsplit(" ", 1)[0] + "…"


def _status(
    asked: AskedPledge, sentence: str, start: int, others: list[int]
) -> tuple[PledgeStatus, str | None]:
    own = _segment(sentence, start, others)
    lead = sentence[:start] if not [o for o in others if o < start] else ""
    if _DECLINED.search(own):
        return PledgeStatus.declined, None
    if _UNDECIDED.search(own):  # "would decide at the appropriate time"
        return PledgeStatus.considering, None
    firm = asked.status in (PledgeStatus.committed, PledgeStatus.conditional)
    # a condition runs to the end of the actor's clause, whoever else it names ("if Moscow
    # continues to stall")
    m = _CONDITION.search(sentence[start : _clause_end(sentence, start)]) or _CONDITION.search(lead)
    if m is None and (that := sentence.rfind(" that ", 0, start)) >= 0:
        m = _CONDITION.search(sentence, that, start)  # "warned that if Moscow stalls, the US would"
    if m and _PAST.search(m.group(0)):
        m = None
    if firm and m:
        return PledgeStatus.conditional, m.group(0).strip()
    if asked.status is PledgeStatus.conditional:  # conditional on nothing the text says
        return PledgeStatus.committed, None
    return asked.status, None


# "Macron warned that ...", "Merz said Germany could ...": what follows is reported speech
# (a name follows a bare "said": "Merz said German forces could ..."; a pronoun after it is
# the speaker itself: "Belgium said it would support ...")
_REPORTS = re.compile(
    r"[\w .'’-]{0,40}?\b(?:(?:said|says|declared|warned|announced|stated|added|noted|stressed|"
    r"insisted|argued|told [\w ]{1,30}?)\s+that\s+|(?:said|says)\s+(?=[A-Z]))"
    r"(?!(?:[Ii]t|[Tt]hey|[Hh]e|[Ss]he|[Ww]e|[Ii]ts|[Tt]heir|[Hh]is|[Hh]er|[Oo]ur)\b)"
)


def _reported(text: str, here: list[int], resolved: Actor) -> list[tuple[str, Actor]] | None:
    """When the actor is only the speaker of what the sentence reports ("Macron warned that
    ... Europe and the United States would escalate sanctions"), the givers the reported
    speech names in its place, as written; else None."""
    after = []
    for start in here:
        if (m := _REPORTS.match(text, start)) is None:
            return None
        after.append(m.end())
    speech = text[min(after) :]
    found = actors_in(speech)
    if any(a.id == resolved.id for _, _, a in found):
        return None  # "Merz said Germany could ...": the speaker's own country gives
    conditions = [m.span() for m in _CONDITION.finditer(speech)]  # "if Moscow stalls": no giver
    named = {
        a.id: (speech[s:e], a)
        for s, e, a in found
        if _giver(a) and not any(cs <= s < ce for cs, ce in conditions)
    }
    return list(named.values()) or None


def _one(
    work: _Work, c: Candidate, asked: AskedPledge, written: str, partners: frozenset[str]
) -> None:
    """Keep one giver's pledge, or say why not. ``partners`` are the ids of the actors it
    pledges together with ("France and Germany"), whose clause it shares."""
    people, options = work.people, work.options
    what = f"{written!r} ({asked.type.value}, sentence [{c.sentence.number}])"
    resolved = normalize_actor(written, people)
    actor = _giver(resolved) if options.givers_only else resolved
    if actor is None:
        work.warnings.append(f"dropped {what}: not a country, organisation or group")
        return
    text = c.sentence.text
    here = _mentions(text, resolved, written, people)
    together = (
        _given_together(text, asked.quantity, here)
        if options.together and asked.quantity and resolved.kind != "group"
        else None
    )
    if together is not None:  # kept only where a sentence names them, as any giver
        work.warnings.append(f"moved {what}: {asked.quantity!r} is what {together} gave together")
        _one(work, c, asked, together, partners)
        return
    before = _mentions(c.previous.text, resolved, written, people) if c.previous else []
    if options.named and not here and not before:
        work.warnings.append(f"dropped {what}: the sentence does not name it")
        return
    if options.speaker and here and (speech := _reported(text, here, resolved)):
        work.warnings.append(f"moved {what}: it speaks; the pledge is by whom it names")
        for name, giver in speech:
            _one(work, c, asked, name, partners | {giver.id})
        return
    # named only in the sentence before ("He also pledged ..."): that one is cited too
    cited = (
        [c.previous.number, c.sentence.number]
        if c.previous and before and not here
        else [c.sentence.number]
    )
    clause = own_clause(text, here[0]) if here else text
    others = sorted({s for s, _, a in _others(c, resolved) if a.id not in partners})
    if options.not_recipient and here and all(_RECEIVES.search(text[:s]) for s in here):
        work.warnings.append(f"dropped {what}: it receives, it does not give")
        return
    if options.article_recipients and actor.id in work.recipients:
        work.warnings.append(f"dropped {what}: the article names it as a recipient")
        return
    if options.receiving_verbs and here and all(_RECEIVING.match(text, s) for s in here):
        work.warnings.append(f"dropped {what}: it receives (secured, received ...)")
        return
    if options.assessing_verbs and here and all(_sizes_a_need(text, s) for s in here):
        work.warnings.append(f"dropped {what}: it estimates a need, it does not give")
        return
    if options.talking_verbs and here and all(_only_talks(text, s) for s in here):
        work.warnings.append(f"dropped {what}: it talks with or calls on others, it does not give")
        return
    if options.giving_clause and here and not _gives(clause, text):
        work.warnings.append(f"dropped {what}: its clause states no commitment")
        return
    if options.background and here and made_earlier(clause, work.year):
        work.warnings.append(f"dropped {what}: made before this event (background)")
        return
    status, conditions = asked.status, None
    if options.status_from_text and here:
        status, conditions = _status(asked, text, here[0], [o for o in others if o != here[0]])
    quantity = asked.quantity
    if quantity and (
        not _NUMBERISH.search(quantity)
        or locate(text, quantity).alignment not in (Alignment.exact, Alignment.normalized)
    ):
        quantity = None
    refused = status is PledgeStatus.declined
    kind = _kind(asked.type, clause, refused)
    kind = kind if options.retype else asked.type
    pledge = DraftPledge(
        actor=written,
        type=kind,
        what=_clause(text, here[0]) if here else _what_before(c, before, resolved, actor, work),
        status=status,
        quantity=quantity,
        conditions=conditions,
        event="E1",
        s=cited,
    )
    key = (actor.id, kind.value)
    if (known := work.kept.get(key)) is None:
        work.kept[key] = _Kept(pledge, actor)
        return
    base = known.pledge
    fill = {
        f: getattr(pledge, f)
        for f in ("quantity", "conditions")
        if getattr(pledge, f) and not getattr(base, f)
    }
    s = base.s + [n for n in pledge.s if n not in base.s]
    known.pledge = base.model_copy(update={**fill, "s": s})


_OPENS = re.compile(r"^[\"“‘']?(?:The\s+)?$")  # the subject opens the sentence


def _opening(text: str, people: dict[str, Actor]) -> tuple[str, Actor] | None:
    """The giver a sentence opens with (its subject: "The coalition also agreed to ..."), as
    written, and as named; ``None`` when it opens with none."""
    found = actors_in(text, people)
    if not found or not _OPENS.match(text[: found[0][0]]):
        return None
    start, end, actor = found[0]
    return (text[start:end], actor) if _giver(actor) is not None else None


def _subject(work: _Work, c: Candidate, asked: AskedPledge) -> None:
    """When every giver the model named for a sentence was dropped, the sentence's subject
    (``_opening``) is tried in their place, with the model's commitment (its kind read again
    from the subject's clause)."""
    if (opening := _opening(c.sentence.text, work.people)) is None:
        return
    name, actor = opening
    work.warnings.append(f"tried the subject {name!r} (sentence [{c.sentence.number}])")
    _one(work, c, asked, name, frozenset({actor.id}))


# words that take up several givers of the sentence before: "the two countries", "both"
_BACK_TO_MANY = re.compile(
    r"\b(?:they|both|the (?:two|three|four) (?:countries|nations|leaders|governments)"
    r"|(?:their|the) (?:countries|nations|governments))\b",
    re.IGNORECASE,
)


def _what_before(
    c: Candidate, before: list[int], resolved: Actor, giver: Actor, work: _Work
) -> str:
    """The description of a pledge whose giver only the sentence before names: the sentence
    itself when it goes on about that giver ("He also pledged ..."), else, when it opens with
    another giver ("Meloni and Tusk said ... not contribute troops. Merz said Germany could
    ..."), the giver's own clause in the sentence that names it: the words shown for a pledge
    are the giver's."""
    text = c.sentence.text
    if not (c.previous and before and work.options.continued) or resolved.kind == "group":
        return _clause(text, 0)  # "Donors met ... Norway said its partners gave ...": theirs
    subject = _opening_giver(text, work.people, resolved, giver)
    if subject is None or _BACK_TO_MANY.search(text):  # "Starmer said the two countries ..."
        return _clause(text, 0)
    work.warnings.append(
        f"described {resolved.name!r} from sentence [{c.previous.number}]: sentence"
        f" [{c.sentence.number}] opens with {subject!r}"
    )
    return _clause(c.previous.text, before[0])


def _opening_giver(
    text: str, people: dict[str, Actor], resolved: Actor, giver: Actor
) -> str | None:
    """The giver ``text`` opens with (``_opening``), as written, when it is another than
    ``resolved`` (or ``giver``, whom it stands for)."""
    if (opening := _opening(text, people)) is None:
        return None
    name, opener = opening
    gives = _giver(opener)
    if gives is None or opener.id == resolved.id or gives.id in (resolved.id, giver.id):
        return None
    return name


def _others(c: Candidate, actor: Actor) -> list[tuple[int, int, Actor]]:
    """The spans of every other actor the sentence names."""
    return [(s, e, a) for s, e, a in actors_in(c.sentence.text) if a.id != actor.id]


_KINDS = (
    (EventKind.summit, re.compile(r"\bsummits?\b", re.I)),
    (
        EventKind.meeting,
        re.compile(r"\b(?:conference|meeting|talks|met|ministerial|forum)\b", re.I),
    ),
    (EventKind.agreement, re.compile(r"\b(?:agreement|accord|deal|treaty|signed)\b", re.I)),
)
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = re.compile(
    rf"\b(?:{_MONTHS}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTHS}(?:\s+\d{{4}})?)\b"
    r"|\b(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
# a dateline ("DUBAI:", "LAS VEGAS (AP) —", "Berlin, June 11 (Reuters) -"), else "in <Place>"
_DATELINE = re.compile(
    r"^([A-Z][A-Z'. -]{1,30}?(?=\s*(?:,|:|\(|—|–| - ))"  # all capitals: BARI, Italy –
    r"|[A-Z][a-z]+(?: [A-Z][a-z]+)?(?=\s*(?::|\(|—|–)))"  # Dubai: / Berlin (Reuters)
)
_IN_PLACE = re.compile(r"\b(?:in|at)\s+((?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+)?)")
_NOT_A_PLACE = re.compile(
    rf"^(?:{_MONTHS}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|The|A|An)\b"
)


_EVENT_IN = re.compile(
    r"\b(?:summit|conference|meeting|talks|gathering|ministerial|forum|session)\s+(?:\w+\s+){0,2}?"
    r"(?:in|at)\s+(?:the\s+)?((?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+)?)"
    r"|\b(?:met|meet|meeting|gathered)\s+(?:\w+\s+){0,3}?(?:in|at)\s+(?:the\s+)?"
    r"((?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+)?)"
    r"|\b(?:a|an|the)\s+([A-Z][\w'’-]+)\s+(?:\w+\s+)?(?:summit|conference|meeting|talks)\b"
)


def _a_place(name: str, people: dict[str, Actor]) -> bool:
    if _NOT_A_PLACE.match(name):
        return False
    kind = normalize_actor(name, people).kind
    return kind not in ("country", "organisation", "group") or name.lower() in CAPITALS


def _place(sentences: Sequence[Sentence], people: dict[str, Actor]) -> tuple[str, int] | None:
    """Where the event happened, as the article's lead says: the place a summit, conference
    or meeting is "in"; else a dateline (where the reporter was); else the first "in <Place>"
    that names neither a country nor an organisation."""
    for s in sentences:
        for found in _EVENT_IN.finditer(s.text):
            name = found.group(1) or found.group(2) or found.group(3)
            if _a_place(name, people):
                return name, s.number
    if sentences and (dateline := _DATELINE.match(sentences[0].text)):
        name = dateline.group(1).strip()
        if normalize_actor(name, people).kind != "organisation" and not _NOT_A_PLACE.match(name):
            return name.title() if name.isupper() else name, sentences[0].number
    for s in sentences:
        for m in _IN_PLACE.finditer(s.text):
            if _a_place(m.group(1), people):
                return m.group(1), s.number
    return None


def event_from_text(
    title: str | None, sentences: Sequence[Sentence], people: dict[str, Actor]
) -> DraftEvent:
    """The article's main event, read from its title and lead: no question to the model.
    Its name is the title; its kind, date and place come from the first sentences, each
    cited (merge fills what is missing from the other articles of the same event)."""
    lead = list(sentences[:3])
    head = " ".join([title or "", *(s.text for s in lead)])
    kind = next((k for k, pattern in _KINDS if pattern.search(head)), EventKind.announcement)
    cited: list[int] = []
    date = None
    for s in lead:
        if m := _DATE.search(s.text):
            date, cited = m.group(0), [s.number]
            break
    location = None
    if found := _place(lead, people):
        location = found[0]
        cited = sorted({*cited, found[1]})
    name = title or (sentences[0].text[:80] if sentences else "Event")
    first = sentences[0].number if sentences else 1
    return DraftEvent(
        ref="E1", name=name, kind=kind, date=date, location=location, s=cited or [first]
    )


_FOR = re.compile(
    r"\b(?:to|for|help|helping|support|supporting|aid|backing|rebuild|rebuilding)"
    r"(?:\s+the)?\s*$",
    re.IGNORECASE,
)

# "For Japan, this agreement is a first": as for Japan, not for it to receive
_AS_FOR = re.compile(r"^[\"“‘']?For\s+(?:the\s+)?$")


def recipients(
    title: str | None, sentences: Sequence[Sentence], people: dict[str, Actor]
) -> frozenset[str]:
    """Actors the article names as what receives, at least twice: "aid for Ukraine",
    "pledges to Gavi", "help Sudan". Their pledges are the model mistaking the receiver for a
    giver, which one sentence alone cannot always show."""
    counts: dict[str, int] = {}
    for text in [title or "", *(s.text for s in sentences)]:
        for start, end, actor in actors_in(text, people):
            before = text[:start]
            if (
                actor.kind in ("country", "organisation")
                and _FOR.search(before)
                and not (_AS_FOR.match(before) and text[end : end + 1] == ",")
            ):
                counts[actor.id] = counts.get(actor.id, 0) + 1
    return frozenset(a for a, n in counts.items() if n >= 2)


def assemble(
    title: str | None,
    sentences: Sequence[Sentence],
    people: dict[str, Actor],
    answers: Sequence[tuple[Candidate, SentenceAnswer]],
    options: Assembly | None = None,
    year: int | None = None,
) -> tuple[DraftExtraction, list[str]]:
    """The article's draft (one event, its pledges) and a warning for each pledge dropped."""
    work = _Work(people, options or Assembly(), recipients(title, sentences, people), year)
    for candidate, answer in answers:
        by_actor: dict[str, list[tuple[AskedPledge, str, frozenset[str]]]] = {}
        for asked in answer.pledges:
            split = work.options.split_joint
            parts = _parts(asked.actor, people) if split else [asked.actor]
            partners = frozenset(normalize_actor(p, people).id for p in parts)
            for written in parts:
                key = normalize_actor(written, people).id
                by_actor.setdefault(key, []).append((asked, written, partners))
        before = len(work.kept), sum(len(k.pledge.s) for k in work.kept.values())
        for group in by_actor.values():
            if work.options.one_kind:
                kept = _kinds([a for a, _, _ in group], candidate.sentence.text)
                group = [g for g in group if any(g[0] is k for k in kept)]
            for asked, written, partners in group:
                _one(work, candidate, asked, written, partners)
        after = len(work.kept), sum(len(k.pledge.s) for k in work.kept.values())
        if work.options.subject and answer.pledges and after == before:
            _subject(work, candidate, answer.pledges[0])
    draft = DraftExtraction(
        events=[event_from_text(title, sentences, people)],
        pledges=[k.pledge for k in work.kept.values()],
    )
    return draft, work.warnings
