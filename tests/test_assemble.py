"""Code assembly of the model's answers about single sentences (hand-written answers)."""

from __future__ import annotations

from typing import Any

import pytest

from summarizer.assemble import Assembly, assemble, made_earlier
from summarizer.normalize import people_in
from summarizer.schemas import AskedPledge, DraftExtraction, SentenceAnswer
from summarizer.sentences import split_sentences
from summarizer.triage import Candidate, triage

TEXT = (
    "Donors met in Geneva on Tuesday to raise money for Sudan. "
    "Norway pledged $50 million to Sudan, while Finland ruled out any new funding. "
    "France and Germany said they would each give 20 million euros once a ceasefire holds. "
    "The United States said it would consider sending monitors. "
    "Apple pledged to donate phones. "
    "Norway also promised $10 million more."
)


def _asked(actor: str, ctype: str, status: str = "committed", **extra: Any) -> AskedPledge:
    return AskedPledge(actor=actor, type=ctype, status=status, **extra)


def _run(
    answers: dict[int, list[AskedPledge]], options: Assembly | None = None, text: str = TEXT
) -> tuple[DraftExtraction, list[str]]:
    sentences = split_sentences(text)
    people = people_in(text)
    # every sentence may be asked about here, triaged or not
    candidates = {c.sentence.number: c for c in triage(sentences, people)}
    for before, s in zip([None, *sentences], sentences, strict=False):
        candidates.setdefault(s.number, Candidate(s, before, ()))
    asked = [(candidates[n], SentenceAnswer(pledges=p)) for n, p in answers.items()]
    return assemble("Donors meet in Geneva", sentences, people, asked, options)


def _by_actor(draft: DraftExtraction) -> dict[str, Any]:
    return {p.actor: p for p in draft.pledges}


def test_a_recipient_named_as_a_giver_is_dropped() -> None:
    draft, warnings = _run({2: [_asked("Norway", "money", quantity="$50 million"),
                                _asked("Sudan", "money", quantity="$50 million")]})  # fmt: skip
    assert list(_by_actor(draft)) == ["Norway"]
    assert any("'Sudan'" in w and "receives" in w for w in warnings)


def test_an_actor_the_sentence_does_not_name_is_dropped() -> None:
    draft, warnings = _run({2: [_asked("Canada", "money")]}, Assembly(subject=False))
    assert draft.pledges == []
    assert any("does not name it" in w for w in warnings)
    # with the check off, the invention comes through: the check is what stops it
    off, _ = _run({2: [_asked("Canada", "money")]}, Assembly(named=False, subject=False))
    assert [p.actor for p in off.pledges] == ["Canada"]


def test_a_refusal_in_the_actors_own_clause_is_declined() -> None:
    draft, _ = _run({2: [_asked("Norway", "money"), _asked("Finland", "money")]})
    pledges = _by_actor(draft)
    assert pledges["Norway"].status.value == "committed"
    assert pledges["Finland"].status.value == "declined"


def test_a_joint_pledge_is_one_per_country_and_the_condition_is_read_from_the_text() -> None:
    draft, _ = _run({3: [_asked("France and Germany", "money", quantity="20 million euros")]})
    pledges = _by_actor(draft)
    assert set(pledges) == {"France", "Germany"}
    for p in pledges.values():
        assert p.status.value == "conditional"
        assert p.conditions == "once a ceasefire holds"
        assert p.quantity == "20 million euros" and p.s == [3]


def test_a_company_is_not_a_giver() -> None:
    draft, warnings = _run({5: [_asked("Apple", "equipment")]})
    assert draft.pledges == [] and any("not a country" in w for w in warnings)


def test_the_same_actor_and_type_across_sentences_is_one_pledge_citing_both() -> None:
    draft, _ = _run({2: [_asked("Norway", "money")], 6: [_asked("Norway", "money")]})
    [norway] = draft.pledges
    assert norway.s == [2, 6]


def test_a_quantity_not_in_the_sentence_is_left_out() -> None:
    draft, _ = _run({2: [_asked("Norway", "money", quantity="$500 million")]})
    assert draft.pledges[0].quantity is None


def test_the_description_is_the_actors_own_clause() -> None:
    draft, _ = _run({2: [_asked("Norway", "money"), _asked("Finland", "money")]})
    pledges = _by_actor(draft)
    assert pledges["Norway"].what == "Norway pledged $50 million to Sudan"
    assert pledges["Finland"].what == "Finland ruled out any new funding."


def test_the_event_is_read_from_the_title_and_lead() -> None:
    draft, _ = _run({})
    [event] = draft.events
    assert (event.name, event.kind.value, event.date, event.location) == (
        "Donors meet in Geneva", "meeting", "on Tuesday", "Geneva",
    )  # fmt: skip
    assert event.s == [1]


def test_a_dateline_is_the_events_place() -> None:
    text = "LAS VEGAS (AP) — Ministers met on Sunday. Canada pledged $5 million for Haiti."
    [event] = assemble(None, split_sentences(text), {}, [])[0].events
    assert (event.location, event.date) == ("Las Vegas", "on Sunday")


def _assembled(text: str, answers: dict[int, list[AskedPledge]], **kw: Any) -> DraftExtraction:
    sentences = split_sentences(text)
    candidates = [Candidate(s, b, ()) for b, s in zip([None, *sentences], sentences, strict=False)]
    asked = [(candidates[n - 1], SentenceAnswer(pledges=p)) for n, p in answers.items()]
    return assemble(kw.pop("title", None), sentences, people_in(text), asked, **kw)[0]


def test_an_actor_the_article_names_as_receiving_twice_is_not_a_giver() -> None:
    text = ("Leaders met to raise aid for Sudan. Sudan welcomed the pledges of donors for the help. "
            "Norway pledged $5 million to help Sudan.")  # fmt: skip
    got = _assembled(text, {2: [_asked("Sudan", "money")], 3: [_asked("Norway", "money")]})
    assert [p.actor for p in got.pledges] == ["Norway"]
    kept = _assembled(
        text, {2: [_asked("Sudan", "money")]}, options=Assembly(article_recipients=False)
    )
    assert [p.actor for p in kept.pledges] == ["Sudan"]


def test_for_an_actor_opening_a_sentence_is_as_for_it_not_for_it_to_receive() -> None:
    # "For Japan, ..." twice: what Japan thinks, not what it gets; it still gives
    text = ("For Japan, the accord is a first. Japan pledged $4 billion to Ukraine. "
            "“For Japan, this matters,” he said.")  # fmt: skip
    got = _assembled(text, {2: [_asked("Japan", "money", quantity="$4 billion")]})
    assert [p.actor for p in got.pledges] == ["Japan"]
    # money for Japan, twice: Japan receives
    text = "Aid for Japan arrived. Japan pledged $4 billion to Ukraine. Loans for Japan followed."
    assert _assembled(text, {2: [_asked("Japan", "money", quantity="$4 billion")]}).pledges == []


def test_an_actor_that_estimates_a_need_is_not_a_giver() -> None:
    text = ("The United Nations had estimated that donors would provide $400 million. "
            "A report by the Loss Fund Institute (LFI) estimates that rich nations will give "
            "$5 billion. Norway pledged $5 million, more than the UN estimated.")  # fmt: skip
    answers = {
        1: [_asked("United Nations", "money", quantity="$400 million")],
        2: [_asked("LFI", "money", quantity="$5 billion")],
        3: [_asked("Norway", "money", quantity="$5 million")],
    }
    assert [p.actor for p in _assembled(text, answers).pledges] == ["Norway"]
    kept = _assembled(text, answers, options=Assembly(assessing_verbs=False))
    assert [p.actor for p in kept.pledges] == ["United Nations", "LFI", "Norway"]
    # one that gives after its estimate gives
    text = "The World Bank estimated the cost at $486 billion and pledged $1 billion."
    got = _assembled(text, {1: [_asked("World Bank", "money", quantity="$1 billion")]})
    assert [p.actor for p in got.pledges] == ["World Bank"]
    # one that gives what others estimate the worth of gives
    text = "Japan pledged more aid which analysts estimated would rebuild the port."
    got = _assembled(text, {1: [_asked("Japan", "money")]})
    assert [p.actor for p in got.pledges] == ["Japan"]


def test_sanctions_imposed_on_makers_of_arms_parts_are_sanctions() -> None:
    text = ("The UK imposed sanctions on suppliers of machine tools and missile parts. "
            "Britain also announced new sanctions and sent 50 missiles to Ukraine.")  # fmt: skip
    got = _assembled(text, {1: [_asked("UK", "weapons")], 2: [_asked("Britain", "weapons")]})
    # the second names a figure of arms besides: the model's kind stays
    assert sorted(p.type.value for p in got.pledges) == ["sanctions", "weapons"]
    # so does a clause that gives arms after the sanctions, with no figure
    text = "Britain announced new sanctions on Moscow and will send more air defence systems."
    got = _assembled(text, {1: [_asked("Britain", "weapons")]})
    assert [p.type.value for p in got.pledges] == ["weapons"]
    kept = _assembled(text, {1: [_asked("UK", "weapons")]}, options=Assembly(retype=False))
    assert [p.type.value for p in kept.pledges] == ["weapons"]


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Italy said it would not contribute troops to the mission.", "troops"),
        ("Italy will donate ambulances and generators.", "equipment"),
        ("Italy will donate air defences.", "weapons"),
        ("Italy will contribute to the reconstruction of the port.", "money"),
        ("Italy will contribute $5 million in troops' pay.", "money"),
    ],
)
def test_contributing_or_donating_is_money_only_when_nothing_else_is_given(
    sentence: str, kind: str
) -> None:
    got = _assembled(sentence, {1: [_asked("Italy", "money")]})
    assert [p.type.value for p in got.pledges] == [kind]


def test_an_actor_that_secures_or_receives_money_is_not_a_giver() -> None:
    text = "Gavi, the vaccine alliance, secured $9 billion from donors on Wednesday."
    assert _assembled(text, {1: [_asked("Gavi", "money", quantity="$9 billion")]}).pledges == []


def test_a_clause_that_states_no_commitment_yields_no_pledge() -> None:
    text = "Zelenskiy listed the provisions of the deal, and Japan said the talks were long."
    assert _assembled(text, {1: [_asked("Japan", "weapons")]}).pledges == []
    # leaders who agreed on a loan committed to it
    text = "The G7 leaders agreed on a $50 billion loan to Ukraine."
    assert [p.actor for p in _assembled(text, {1: [_asked("G7", "money")]}).pledges] == ["G7"]


def test_a_commitment_made_before_the_event_is_background() -> None:
    text = ("Spain provided $1 billion in 2022. Italy has already delivered 10 tanks. "
            "France pledged $2 billion on Monday.")  # fmt: skip
    answers = {1: [_asked("Spain", "money")], 2: [_asked("Italy", "weapons")],
               3: [_asked("France", "money")]}  # fmt: skip
    assert [p.actor for p in _assembled(text, answers, year=2024).pledges] == ["France"]


def test_a_condition_must_be_in_the_text_and_still_to_come() -> None:
    text = (
        "The United States pledged $17.5 million, subject to U.S. Congressional approval. "
        "The UAE pledged $100 million as soon as the fund was operational. "
        "Japan pledged $10 million. "
        "Around $300 million was provided by the United States."
    )
    answers = {1: [_asked("United States", "money")],
               2: [_asked("UAE", "money", status="conditional")],
               3: [_asked("Japan", "money", status="conditional")]}  # fmt: skip
    pledges = {p.actor: p for p in _assembled(text, answers).pledges}
    assert (pledges["United States"].status.value, pledges["United States"].conditions) == (
        "conditional", "subject to U.S. Congressional approval",
    )  # fmt: skip
    assert pledges["UAE"].status.value == "committed"  # it happened already
    assert pledges["Japan"].status.value == "committed"  # conditional on nothing said
    later = _assembled(text, {4: [_asked("United States", "money")]}).pledges
    assert later[0].status.value == "committed"  # "provided by" is no proviso


def test_the_kind_of_a_commitment_is_the_one_its_clause_names() -> None:
    text = (
        "The US, Germany and Romania will each send a Patriot battery. "
        "Croatia said it would not deploy troops. "
        "Spain announced $20 million and new trucks."
    )
    answers = {1: [_asked("Germany", "troops")],  # a Patriot battery is weapons
               2: [_asked("Croatia", "diplomatic")],  # a refusal of troops
               3: [_asked("Spain", "money"), _asked("Spain", "equipment")]}  # fmt: skip
    got = {(p.actor, p.type.value, p.status.value) for p in _assembled(text, answers).pledges}
    assert got == {("Germany", "weapons", "committed"), ("Croatia", "troops", "declined"),
                   ("Spain", "money", "committed")}  # fmt: skip


SPEECH = (
    "Leaders met in Paris on Thursday. "
    "French President Emmanuel Macron warned that if Moscow continues to stall peace talks, "
    "the United States would escalate sanctions. "
    "Belgium said it would send ships."
)


def test_a_speaker_is_not_the_giver_of_what_others_will_do() -> None:
    draft, warnings = _run({2: [_asked("Macron", "sanctions")], 3: [_asked("Belgium", "other")]},
                           text=SPEECH)  # fmt: skip
    pledges = _by_actor(draft)
    assert set(pledges) == {"United States", "Belgium"}  # "said it would": Belgium gives
    us = pledges["United States"]
    assert us.status.value == "conditional"
    assert us.conditions == "if Moscow continues to stall peace talks"
    assert any("'Macron'" in w and "it speaks" in w for w in warnings)
    off, _ = _run({2: [_asked("Macron", "sanctions")]}, Assembly(speaker=False), text=SPEECH)
    assert [p.actor for p in off.pledges] == ["Macron"]


COALITION = (
    "Leaders met on Tuesday. "
    "The coalition also agreed to keep supplying Ukraine with equipment and training."
)


def test_the_subject_stands_in_when_every_giver_the_model_named_is_dropped() -> None:
    # the model names a giver the sentence does not (it copies the title): the sentence's
    # subject is tried in its place, with the commitment read from its own clause
    draft, warnings = _run({2: [_asked("France", "troops")]}, text=COALITION)
    [pledge] = draft.pledges
    assert (pledge.actor, pledge.type.value) == ("coalition", "equipment")
    assert any("tried the subject 'coalition'" in w for w in warnings)
    off, _ = _run({2: [_asked("France", "troops")]}, Assembly(subject=False), text=COALITION)
    assert off.pledges == []


def test_a_giver_that_will_decide_later_is_considering() -> None:
    text = "Leaders met on Thursday. Chancellor Merz said Germany would decide at the appropriate time."
    draft, _ = _run({2: [_asked("Germany", "troops", "conditional")]}, text=text)
    [pledge] = draft.pledges
    assert (pledge.actor, pledge.status.value, pledge.conditions) == (
        "Germany",
        "considering",
        None,
    )


def test_a_giver_inside_another_word_is_not_named() -> None:
    text = "Leaders met on Tuesday. They agreed to discuss more aid."
    draft, warnings = _run({2: [_asked("US", "equipment")]}, Assembly(subject=False), text=text)
    assert draft.pledges == []
    assert any("'US'" in w and "does not name it" in w for w in warnings)


def test_military_hubs_a_country_will_establish_are_basing() -> None:
    text = "Leaders met on Tuesday. The UK will establish military hubs across the country."
    draft, _ = _run({2: [_asked("UK", "troops")]}, text=text)
    [pledge] = draft.pledges
    assert (pledge.actor, pledge.type.value) == ("UK", "basing")
    # a summit co-hosted by a country is no base it offers
    hosted = "Leaders met on Tuesday. The talks were co-hosted by France and pledged aid."
    draft, _ = _run({2: [_asked("France", "other")]}, text=hosted)
    assert all(p.type.value != "basing" for p in draft.pledges)


@pytest.mark.parametrize(
    ("clause", "earlier"),
    [
        ("Spain provided $1 billion in 2024", True),
        ("a separate £113m aid package announced last November", True),
        ("In April, Belgium also announced 200 million euros", True),
        ("over the past few weeks, Austria and Sweden have contributed funds", True),
        ("the EU has raised close to €500 million so far", True),
        ("our commitment to provide £2 billion a year of aid will continue", True),
        ("Norway pledged 100 million euros on Thursday", False),
        ("Denmark announced a new commitment to provide 30 howitzers", False),
        ("Japan will deliver the generators in November", False),
    ],
)
def test_a_pledge_made_before_the_event_is_told_by_its_clause(clause: str, earlier: bool) -> None:
    # the event: June 2025
    assert made_earlier(clause, 2025, 6) is earlier


def test_a_figure_donors_gave_together_is_theirs_not_the_hosts() -> None:
    text = (
        "Donors met in Oslo on Monday to raise aid for Yemen. "
        "Foreign donors pledged over $3 billion for Yemen at the meeting Norway hosted."
    )
    asked = {2: [_asked("Norway", "money", quantity="$3 billion")]}
    got, warnings = _assembled(text, asked), _run_warnings(text, asked)
    assert [(p.actor, p.quantity) for p in got.pledges] == [("Foreign donors", "$3 billion")]
    assert any("'Norway'" in w and "gave together" in w for w in warnings)
    off = _assembled(text, asked, options=Assembly(together=False))
    assert [p.actor for p in off.pledges] == ["Norway"]


@pytest.mark.parametrize(
    ("sentence", "figure"),
    [
        ("Norway said its partners had gathered pledges of more than $3 billion for Yemen.",
         "$3 billion"),
        ("At the Oslo meeting, which Norway hosted, more than $3 billion in aid was pledged.",
         "more than $3 billion"),
        ("Norway chaired the meeting, at which $3 billion will be committed to Yemen.",
         "$3 billion"),
    ],
)  # fmt: skip
def test_a_figure_many_gave_together_with_no_giver_named_is_the_donors_where_named(
    sentence: str, figure: str
) -> None:
    asked = {2: [_asked("Norway", "money", quantity=figure)]}
    # the donors are named in the sentence before: theirs, citing both sentences
    text = "Donors met in Oslo on Monday to raise aid for Yemen. " + sentence
    assert [(p.actor, p.quantity, p.s) for p in _assembled(text, asked).pledges] == [
        ("donors", figure, [1, 2])
    ]
    off = _assembled(text, asked, options=Assembly(together=False))
    assert [p.actor for p in off.pledges] == ["Norway"]
    # named nowhere: no one's pledge
    text = "Ministers met in Oslo on Monday to raise aid for Yemen. " + sentence
    assert _assembled(text, asked).pledges == []
    warnings = _run_warnings(text, asked)
    assert any("'Norway'" in w and "what donors gave together" in w for w in warnings)
    assert any("'donors'" in w and "does not name it" in w for w in warnings)


def _run_warnings(text: str, answers: dict[int, list[AskedPledge]]) -> list[str]:
    sentences = split_sentences(text)
    candidates = [Candidate(s, b, ()) for b, s in zip([None, *sentences], sentences, strict=False)]
    asked = [(candidates[n - 1], SentenceAnswer(pledges=p)) for n, p in answers.items()]
    return assemble(None, sentences, people_in(text), asked)[1]


@pytest.mark.parametrize(
    "sentence",
    [
        "Norway pledged $3 billion for Yemen, a record for the country.",
        "Norway said $3 billion would be committed to Yemen over five years.",
        "The $3 billion was pledged by Norway alone.",
        "Donors welcomed the news as Norway pledged $3 billion for Yemen.",
    ],
)
def test_one_givers_figure_stays_its_own(sentence: str) -> None:
    text = "Donors met in Oslo on Monday to raise aid for Yemen. " + sentence
    got = _assembled(text, {2: [_asked("Norway", "money", quantity="$3 billion")]})
    assert [(p.actor, p.quantity) for p in got.pledges] == [("Norway", "$3 billion")]


def test_a_giver_named_only_before_a_sentence_that_opens_with_another_is_described_there() -> None:
    text = (
        "Leaders met in Paris on Tuesday. Italy and Poland said they would not send troops. "
        "Germany said it could support a multinational force. It also offered training. "
        "France hosted British Prime Minister Keir Starmer. Starmer said the two countries would set up hubs."
    )
    asked = {
        3: [_asked("Italy", "troops", "declined"), _asked("Germany", "troops", "conditional")],
        4: [_asked("Germany", "training")],
        6: [_asked("France", "basing")],
    }
    draft, warnings = _run(asked, text=text)
    kept = {(p.actor, p.type.value): p for p in draft.pledges}
    # sentence 3 is Germany's: Italy's refusal (the model's, citing both sentences) is told
    # in the words of the sentence that names Italy, not in Germany's
    italy = kept[("Italy", "troops")]
    assert (italy.s, italy.what) == ([2, 3], "Italy and Poland said they would not send troops.")
    assert any("'Italy'" in w and "opens with 'Germany'" in w for w in warnings)
    # a sentence that goes on with a pronoun, or takes up both givers, is theirs
    assert kept[("Germany", "training")].what == "It also offered training."
    assert kept[("France", "basing")].what.startswith("Starmer said the two countries")
    # with the check off, Italy's refusal is told in Germany's words
    off, _ = _run(asked, Assembly(continued=False), text=text)
    italy = {(p.actor, p.type.value): p for p in off.pledges}[("Italy", "troops")]
    assert italy.what == "Germany said it could support a multinational force."


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        ("Norway spoke with Sudan's leaders by phone to discuss sanctions and aid needs.", False),
        ("Norway met Sudan's leaders on Tuesday.", False),
        ("Norway urged its partners to send more aid to Sudan.", False),
        ("Norway called on donors to give $50 million.", False),
        ("Norway's foreign minister Espen Eide urged donors to give more.", False),
        ("Norway and Denmark pledged more aid and urged donors to act.", True),
        ("Norway urged donors to act and pledged $50 million.", True),
        ("Norway met Sudan's leaders and pledged $50 million.", True),
        ("Norway met Sudan's leaders on Tuesday, promising $50 million.", True),
        ("Norway pledged $50 million after it met Sudan's leaders.", True),
    ],
)
def test_a_giver_that_only_talks_with_or_calls_on_others_commits_to_nothing(
    sentence: str, kept: bool
) -> None:
    text = "Donors met in Geneva on Tuesday. " + sentence
    asked = {2: [_asked("Norway", "money")]}
    assert bool(_assembled(text, asked).pledges) is kept
    if not kept:
        assert any("talks with or calls on others" in w for w in _run_warnings(text, asked))
        off = _assembled(text, asked, options=Assembly(talking_verbs=False, giving_clause=False))
        assert [p.actor for p in off.pledges] == ["Norway"]


@pytest.mark.parametrize(
    "sentence",
    [
        "PARIS — A conference for Lebanon raised $1 billion in pledges on Thursday.",
        "Washington DC - NATO leaders on Wednesday pledged €40 billion.",
        "KYIV, Ukraine (AP) — Leaders pledged $1 billion in aid on Monday.",
    ],
)
def test_a_capital_in_a_dateline_does_not_name_its_government(sentence: str) -> None:
    giver = "France" if sentence.startswith("PARIS") else "United States"
    if sentence.startswith("KYIV"):
        giver = "Ukraine"
    got = _assembled(sentence, {1: [_asked(giver, "money")]}, options=Assembly(subject=False))
    assert got.pledges == []
    # named after the dateline, it gives
    text = sentence.replace(" on ", f" as {giver} pledged more on ", 1)
    got = _assembled(text, {1: [_asked(giver, "money")]}, options=Assembly(subject=False))
    assert [p.actor for p in got.pledges] == [giver]
