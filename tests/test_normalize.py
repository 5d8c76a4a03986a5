from datetime import date
from pathlib import Path

import pytest

from summarizer.normalize import (
    in_local_dollars,
    is_time_only,
    normalize_actor,
    parse_quantity,
    people_in,
    resolve_date,
)
from summarizer.schemas import Precision


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Britain", "GBR"), ("UK", "GBR"), ("U.K.", "GBR"), ("United Kingdom", "GBR"),
        ("the United Kingdom", "GBR"), ("U.S.", "USA"), ("US", "USA"), ("United States", "USA"),
        ("Washington", "USA"), ("Moscow", "RUS"), ("Kyiv", "UKR"), ("Kiev", "UKR"),
        ("Paris", "FRA"), ("Berlin", "DEU"), ("France", "FRA"), ("Germany", "DEU"),
        ("Czech Republic", "CZE"), ("Belgium", "BEL"),
        ("NATO", "org:nato"), ("Nato", "org:nato"), ("EU", "org:eu"), ("European Union", "org:eu"),
        ("UN", "org:un"), ("the coalition of the willing", "org:coalition-of-the-willing"),
    ],
)  # fmt: skip
def test_actor_aliases(name: str, expected: str) -> None:
    assert normalize_actor(name).id == expected


def test_people_map_to_country_and_role_from_the_article(sample_paths: list[Path]) -> None:
    text = "\n".join(p.read_text("utf-8") for p in sample_paths)
    people = people_in(text)
    starmer = normalize_actor("British Prime Minister Keir Starmer", people)
    assert (starmer.country, starmer.role, starmer.kind) == ("GBR", "Prime Minister", "person")
    assert normalize_actor("Starmer", people).id == starmer.id
    assert normalize_actor("Starmer’s office", people).country == "GBR"
    assert normalize_actor("Merz", people).country == "DEU"
    assert normalize_actor("Meloni", people).country == "ITA"
    assert normalize_actor("Steve Witkoff", people).country == "USA"


def test_unknown_actor_keeps_a_stable_name_id() -> None:
    assert normalize_actor("Mars").id == "name:mars"
    assert normalize_actor("26 nations").kind == "group"


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("26", {"amount": 26}),
        ("more than two dozen", {"lower": 24, "approximate": True}),
        ("several thousand", {"lower": 3000, "upper": 9000, "approximate": True}),
        ("€1.1 billion", {"amount": 1.1e9, "currency": "EUR"}),
        ("$6.5bn", {"amount": 6.5e9, "currency": "USD"}),
        ("5% of GDP", {"amount": 5, "unit": "% of gdp"}),
        ("35 countries", {"amount": 35, "unit": "countries"}),
        ("about 10,000 troops", {"amount": 10_000, "unit": "troops", "approximate": True}),
        ("up to 2,000 soldiers", {"upper": 2000, "approximate": True}),
        # a figure in brackets is an aside: the first currency is the pledge's
        ("100 million euros ($108m)", {"amount": 1e8, "currency": "EUR"}),
        ("EUR360-million", {"amount": 3.6e8, "currency": "EUR"}),
        ("C$500 million", {"amount": 5e8, "currency": "CAD"}),
        ("$US420 million", {"amount": 4.2e8, "currency": "USD"}),
        ("AED 100 million", {"amount": 1e8, "currency": "AED"}),
        ("almost two billion euros", {"upper": 2e9, "currency": "EUR", "approximate": True}),
        ("between $1 billion and $2 billion", {"lower": 1e9, "upper": 2e9, "approximate": True}),
        ("1-2 million euros", {"lower": 1e6, "upper": 2e6, "currency": "EUR", "approximate": True}),
    ],
)
def test_quantities(text: str, fields: dict[str, object]) -> None:
    q = parse_quantity(text)
    assert q.text == text
    for key, value in fields.items():
        assert getattr(q, key) == value, (key, q)
    if "approximate" not in fields:
        assert q.approximate is False


PUBLISHED = date(2026, 1, 6)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("Thursday", date(2026, 1, 1), Precision.day),
        ("on Tuesday", date(2026, 1, 6), Precision.day),
        ("this week", date(2026, 1, 5), Precision.week),
        ("Sept. 4, 2025", date(2025, 9, 4), Precision.day),
        ("Thursday, Sept. 4, 2025", date(2025, 9, 4), Precision.day),
        ("January 2026", date(2026, 1, 1), Precision.month),
        ("2025", date(2025, 1, 1), Precision.year),
    ],
)
def test_dates_against_publication(text: str, value: date, precision: Precision) -> None:
    d = resolve_date(text, PUBLISHED)
    assert (d.text, d.value, d.precision) == (text, value, precision)


@pytest.mark.parametrize("text", ["Thursday", "on Tuesday", "this week", "last month"])
def test_relative_dates_stay_text_without_a_publication_date(text: str) -> None:
    d = resolve_date(text)
    assert (d.text, d.value, d.precision) == (text, None, None)


@pytest.mark.parametrize(
    ("text", "published", "value"),
    [
        ("June 12", date(2024, 6, 11), date(2024, 6, 12)),  # the coming day, not last year's
        ("December 30", date(2025, 1, 2), date(2024, 12, 30)),  # last week, across the year
        ("March", date(2024, 6, 11), date(2024, 3, 1)),
    ],
)
def test_a_date_without_its_year_is_the_one_nearest_publication(
    text: str, published: date, value: date
) -> None:
    assert resolve_date(text, published).value == value


def test_absolute_dates_resolve_without_a_publication_date() -> None:
    assert resolve_date("Sept. 4, 2025").value == date(2025, 9, 4)


@pytest.mark.parametrize(
    ("figure", "url", "country", "currency"),
    [
        ("$5 billion", "https://www.cheknews.example.ca/canada-5b", "CAN", "CAD"),
        ("$300 million", "https://www.abc.net.au/news/aid", "AUS", "AUD"),
        # another country's pledge, an outlet elsewhere, or a dollar the text names: as written
        ("$5 billion", "https://news.example.ca/us-aid", "USA", "USD"),
        ("$5 billion", "https://news.example.com/canada", "CAN", "USD"),
        ("US$5 billion", "https://news.example.ca/canada", "CAN", "USD"),
        ("100 million euros", "https://news.example.ca/canada", "CAN", "EUR"),
        ("$5 billion", None, "CAN", "USD"),
    ],
)
def test_a_bare_dollar_of_a_dollar_country_outlet_about_its_own_pledge(
    figure: str, url: str | None, country: str, currency: str
) -> None:
    written = parse_quantity(figure)
    q = in_local_dollars(written, url, country)
    assert q.currency == currency and q.amount == written.amount
    assert q.unit == str(written.unit).replace("USD", currency)


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("before 2027", True),
        ("by the end of 2026", True),
        ("in March 2025", True),
        ("mid-2026", True),
        ("$2027 million", False),
        ("2,027 troops", False),
        ("100 million euros by 2027", False),
    ],
)
def test_a_figure_that_says_only_when(text: str, when: bool) -> None:
    assert is_time_only(text) is when
