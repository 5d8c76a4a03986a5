"""Pure normalization: actors to canonical ids, quantities to numbers, dates to calendar days.

* Actors: countries become ISO 3166 alpha-3 codes (pycountry plus an alias table for short
  forms, demonyms and capitals used for governments); organisations get stable ``org:`` ids;
  people map to their country and role when the article introduces them that way
  ("British Prime Minister Keir Starmer" -> GBR).
* Quantities: "26", "more than two dozen", "several thousand", "€1.1 billion", "$6.5bn",
  "5% of GDP" -> amount or bounds, unit, currency, approximate flag, and the text as written.
* Dates: resolved against the article's publication date with dateparser; a weekday means
  the latest such day on or before publication. Without a publication date only absolute
  dates are resolved.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from urllib.parse import urlsplit

import pycountry
from dateparser.date import DateDataParser

from .schemas import DateValue, Precision, Quantity

__all__ = [
    "CAPITALS",
    "PLACE_SPELLINGS",
    "Actor",
    "actor_mentions",
    "actors_in",
    "in_local_dollars",
    "is_time_only",
    "normalize_actor",
    "parse_quantity",
    "people_in",
    "resolve_date",
]

# --------------------------------------------------------------------------- actors

_COUNTRY_ALIASES: dict[str, str] = {
    # short forms and demonyms
    "uk": "GBR", "u.k.": "GBR", "britain": "GBR", "great britain": "GBR", "british": "GBR",
    "united kingdom": "GBR", "england": "GBR",
    "us": "USA", "u.s.": "USA", "usa": "USA", "u.s.a.": "USA", "america": "USA",
    "american": "USA", "united states": "USA", "united states of america": "USA",
    "french": "FRA", "german": "DEU", "italian": "ITA", "polish": "POL", "ukrainian": "UKR",
    "russian": "RUS", "belgian": "BEL", "croatian": "HRV", "czech": "CZE", "czechia": "CZE",
    "czech republic": "CZE", "danish": "DNK", "estonian": "EST", "chinese": "CHN",
    "dutch": "NLD", "netherlands": "NLD", "spanish": "ESP", "canadian": "CAN",
    "japanese": "JPN", "turkish": "TUR", "turkey": "TUR", "swedish": "SWE", "finnish": "FIN",
    "norwegian": "NOR", "australian": "AUS", "irish": "IRL", "portuguese": "PRT",
    "romanian": "ROU", "lithuanian": "LTU", "latvian": "LVA", "greek": "GRC",
    "uae": "ARE", "u.a.e.": "ARE", "emirates": "ARE", "emirati": "ARE", "saudi": "SAU",
    "saudi arabia": "SAU", "qatari": "QAT", "israeli": "ISR", "lebanese": "LBN",
    "sudanese": "SDN", "egyptian": "EGY", "indian": "IND", "brazilian": "BRA", "mexican": "MEX",
    "korean": "KOR", "swiss": "CHE", "austrian": "AUT", "hungarian": "HUN", "slovak": "SVK",
    "slovenian": "SVN", "maltese": "MLT", "luxembourgish": "LUX", "icelandic": "ISL",
    "new zealand": "NZL", "south africa": "ZAF", "south african": "ZAF",
    "south korea": "KOR", "north korea": "PRK", "iran": "IRN", "syria": "SYR",
    "russia": "RUS", "moldova": "MDA", "venezuela": "VEN", "vietnam": "VNM", "taiwan": "TWN",
    # German names, for news in German
    "deutschland": "DEU", "bundesregierung": "DEU", "frankreich": "FRA",
    "großbritannien": "GBR", "vereinigte staaten": "USA", "vereinigtes königreich": "GBR",
    "italien": "ITA", "polen": "POL", "niederlande": "NLD", "spanien": "ESP", "kanada": "CAN",
    "schweden": "SWE", "dänemark": "DNK", "norwegen": "NOR", "finnland": "FIN",
    "österreich": "AUT", "belgien": "BEL", "tschechien": "CZE", "russland": "RUS",
    # capitals and seats of government used for governments
    "washington": "USA", "white house": "USA", "moscow": "RUS", "kremlin": "RUS",
    "kyiv": "UKR", "kiev": "UKR", "paris": "FRA", "elysee": "FRA", "berlin": "DEU",
    "london": "GBR", "downing street": "GBR", "rome": "ITA", "warsaw": "POL",
    "beijing": "CHN", "brussels": "BEL", "tallinn": "EST", "prague": "CZE", "zagreb": "HRV",
    "ottawa": "CAN", "tokyo": "JPN", "ankara": "TUR", "copenhagen": "DNK",
}  # fmt: skip

# the same place in the spellings news uses
PLACE_SPELLINGS = {"kiev": "kyiv", "kiew": "kyiv", "puglia": "apulia", "bombay": "mumbai"}

# Cities that stand for a summit's location when an article names no other.
CAPITALS = frozenset(
    "washington moscow kyiv kiev paris berlin london rome warsaw beijing brussels tallinn "
    "prague zagreb ottawa tokyo ankara copenhagen madrid vienna oslo stockholm helsinki "
    "amsterdam lisbon athens bucharest vilnius riga budapest bratislava geneva "
    "munich istanbul riyadh jeddah doha minsk chisinau anchorage".split()
)

_ORGS: dict[str, str] = {
    "nato": "org:nato", "north atlantic treaty organization": "org:nato",
    "eu": "org:eu", "european union": "org:eu", "european commission": "org:eu",
    "un": "org:un", "united nations": "org:un", "u.n.": "org:un",
    "g7": "org:g7", "g-7": "org:g7", "group of seven": "org:g7",
    "g20": "org:g20", "g-20": "org:g20", "group of 20": "org:g20",
    "coalition of the willing": "org:coalition-of-the-willing",
    "the coalition of the willing": "org:coalition-of-the-willing",
    "coalition": "org:coalition-of-the-willing",
    "danish refugee council": "org:danish-refugee-council",
    "world bank": "org:world-bank", "imf": "org:imf", "international monetary fund": "org:imf",
    "african union": "org:au", "au": "org:au", "gavi": "org:gavi", "unicef": "org:unicef",
    "un children's fund": "org:unicef",
    "who": "org:who", "world health organization": "org:who",
    "european investment bank": "org:eib", "eib": "org:eib",
    "gates foundation": "org:gates-foundation",
    "bill & melinda gates foundation": "org:gates-foundation",
    "gates": "org:gates-foundation",
    "undp": "org:undp", "wfp": "org:wfp", "world food programme": "org:wfp",
    "unhcr": "org:unhcr", "ebrd": "org:ebrd", "asian development bank": "org:adb",
    "african development bank": "org:afdb", "red cross": "org:icrc", "icrc": "org:icrc",
    "europäische union": "org:eu", "vereinte nationen": "org:un",
    "osce": "org:osce", "opec": "org:opec", "asean": "org:asean", "arab league": "org:arab-league",
}  # fmt: skip

_ORG_IDS = frozenset(_ORGS.values())

# Words that make an unknown name an organisation ("Norwegian Refugee Council" -> org:...)
_ORG_WORDS = re.compile(
    r"\b(?:bank|fund|foundation|alliance|organi[sz]ation|agency|union|council|commission|"
    r"programme|program|institute|initiative|facility|partnership|league|committee|"
    r"federation|association|society)\b",
    re.IGNORECASE,
)
# Sets of countries that news names as receivers, not givers
_RECEIVERS = re.compile(
    r"\b(?:developing|poor|poorer|poorest|vulnerable|low-income|lower-income|recipient|"
    r"affected|frontline|island)\b",
    re.I,
)
# Unnamed sets of countries, as news writes them
_DONORS = re.compile(r"\b(?:donors?|donor (?:countries|nations|governments))\b", re.I)
_ALLIES = re.compile(
    r"\b(?:allies|allied (?:countries|nations)|partners|partner (?:countries|nations)|"
    r"(?:western|european|member|participating|other) (?:countries|nations|states|governments)|"
    r"member states|countries|nations|governments|leaders)\b",
    re.I,
)

_ROLES = (
    "President|Prime Minister|Chancellor|Foreign Minister|Defence Minister|Defense Minister|"
    "Defense Secretary|Defence Secretary|Secretary of State|Secretary-General|Secretary General|"
    "King|Queen|Premier|Vice President|envoy|peace envoy|presidential envoy|spokeswoman|"
    "spokesman|Minister"
)
_NAME = r"[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){1,2}"
_ROLE_WORD = re.compile(rf"\b(?:{_ROLES})\b")
_PERSON = re.compile(
    rf"\b(?P<where>[A-Z][\w.]*(?:\s+[A-Z][\w.]*)??)(?:['’]s)?\s+(?P<role>{_ROLES})\s+(?P<name>{_NAME})"
)
_ORG_ROLE = re.compile(rf"\b(?P<org>NATO|EU|UN)\s+(?P<role>{_ROLES})\s+(?P<name>{_NAME})")


# "26 nations", "more than two dozen countries", "26 of Ukraine's allies": a counted group
_COLLECTIVE = re.compile(
    r"^(?:(?:more than|over|some|about|at least)\s+)?(?:\d+|[a-z]+(?:\s+dozen)?)\s+"
    r"(?:of\s+[\w'’ -]+?\s+)?(?:nations|countries|allies|states|governments|members)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Actor:
    """A canonical actor: ``id`` is an ISO alpha-3 code, ``org:…``, ``person:…`` or ``name:…``."""

    id: str
    kind: str  # country | organisation | person | group
    name: str
    country: str | None = None
    role: str | None = None


def _clean(name: str) -> str:
    name = re.sub(r"\s*\([^)]*\)", "", name)  # "the European Union (including Germany)"
    name = re.sub(r"\s+", " ", name.replace("’", "'")).strip(" ,;:\"'")
    if not re.search(r"\b[A-Za-z]\.$", name):  # keep the dot of "U.S." / "U.K."
        name = name.rstrip(".")
    return re.sub(r"^(the)\s+", "", name, flags=re.I)


@cache
def country_code(name: str) -> str | None:
    """ISO alpha-3 for a country name, short form, demonym or capital; None if not one."""
    key = _clean(name).lower()
    key = re.sub(r"'s$", "", key)
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    if len(key) < 4 and key.upper() not in {"USA", "GBR"}:
        return None  # two/three-letter words are too ambiguous for pycountry.lookup
    try:
        return str(pycountry.countries.lookup(key).alpha_3)
    except LookupError:
        return None


# Heads of state and government, foreign and defence ministers and heads of organisations
# who made or announced pledges in 2022-2025, by the names news calls them: a leader speaks
# for their country when an article does not say which. Update it as offices change hands.
_LEADERS: dict[str, tuple[str, str]] = {
    "joe biden": ("USA", "President"), "biden": ("USA", "President"),
    "donald trump": ("USA", "President"), "trump": ("USA", "President"),
    "antony blinken": ("USA", "Secretary of State"), "blinken": ("USA", "Secretary of State"),
    "lloyd austin": ("USA", "Defense Secretary"), "pete hegseth": ("USA", "Defense Secretary"),
    "hegseth": ("USA", "Defense Secretary"), "marco rubio": ("USA", "Secretary of State"),
    "rishi sunak": ("GBR", "Prime Minister"), "sunak": ("GBR", "Prime Minister"),
    "keir starmer": ("GBR", "Prime Minister"), "starmer": ("GBR", "Prime Minister"),
    "david lammy": ("GBR", "Foreign Secretary"), "lammy": ("GBR", "Foreign Secretary"),
    "john healey": ("GBR", "Defence Secretary"), "healey": ("GBR", "Defence Secretary"),
    "david cameron": ("GBR", "Foreign Secretary"), "grant shapps": ("GBR", "Defence Secretary"),
    "emmanuel macron": ("FRA", "President"), "macron": ("FRA", "President"),
    "jean-noël barrot": ("FRA", "Foreign Minister"), "barrot": ("FRA", "Foreign Minister"),
    "stéphane séjourné": ("FRA", "Foreign Minister"), "séjourné": ("FRA", "Foreign Minister"),
    "olaf scholz": ("DEU", "Chancellor"), "scholz": ("DEU", "Chancellor"),
    "friedrich merz": ("DEU", "Chancellor"), "merz": ("DEU", "Chancellor"),
    "annalena baerbock": ("DEU", "Foreign Minister"), "baerbock": ("DEU", "Foreign Minister"),
    "boris pistorius": ("DEU", "Defence Minister"), "pistorius": ("DEU", "Defence Minister"),
    "svenja schulze": ("DEU", "Development Minister"),
    "giorgia meloni": ("ITA", "Prime Minister"), "meloni": ("ITA", "Prime Minister"),
    "antonio tajani": ("ITA", "Foreign Minister"), "tajani": ("ITA", "Foreign Minister"),
    "justin trudeau": ("CAN", "Prime Minister"), "trudeau": ("CAN", "Prime Minister"),
    "mark carney": ("CAN", "Prime Minister"), "carney": ("CAN", "Prime Minister"),
    "fumio kishida": ("JPN", "Prime Minister"), "kishida": ("JPN", "Prime Minister"),
    "shigeru ishiba": ("JPN", "Prime Minister"), "ishiba": ("JPN", "Prime Minister"),
    "pedro sánchez": ("ESP", "Prime Minister"), "pedro sanchez": ("ESP", "Prime Minister"),
    "mette frederiksen": ("DNK", "Prime Minister"), "frederiksen": ("DNK", "Prime Minister"),
    "jonas gahr støre": ("NOR", "Prime Minister"), "ulf kristersson": ("SWE", "Prime Minister"),
    "kristersson": ("SWE", "Prime Minister"), "donald tusk": ("POL", "Prime Minister"),
    "tusk": ("POL", "Prime Minister"), "dick schoof": ("NLD", "Prime Minister"),
    "anthony albanese": ("AUS", "Prime Minister"), "albanese": ("AUS", "Prime Minister"),
    "volodymyr zelensky": ("UKR", "President"), "zelensky": ("UKR", "President"),
    "zelenskyy": ("UKR", "President"), "zelenskiy": ("UKR", "President"),
    "ursula von der leyen": ("org:eu", "President of the European Commission"),
    "von der leyen": ("org:eu", "President of the European Commission"),
    "josep borrell": ("org:eu", "foreign policy chief"),
    "borrell": ("org:eu", "foreign policy chief"),
    "kaja kallas": ("org:eu", "foreign policy chief"), "charles michel": ("org:eu", "President"),
    "antónio costa": ("org:eu", "President of the European Council"),
    "jens stoltenberg": ("org:nato", "Secretary General"),
    "stoltenberg": ("org:nato", "Secretary General"),
    "mark rutte": ("org:nato", "Secretary General"), "rutte": ("org:nato", "Secretary General"),
    "antónio guterres": ("org:un", "Secretary-General"),
    "guterres": ("org:un", "Secretary-General"),
}  # fmt: skip


def people_in(text: str) -> dict[str, Actor]:
    """People the article introduces with a country (or organisation) and a role, and the
    leaders it names (``_LEADERS``).

    Keys are the full name and the surname, lower-cased.
    """
    found: dict[str, Actor] = {}
    low = text.lower()
    for key, (speaks_for, role) in _LEADERS.items():
        if key in low and re.search(rf"(?<!\w){re.escape(key)}(?!\w)", low):
            office = (speaks_for, role)
            full = next((n for n, v in _LEADERS.items() if v == office and key in n), key)
            leader = Actor(f"person:{_slug(full)}", "person", full.title(), speaks_for, role)
            found.setdefault(key, leader)
    for m in _PERSON.finditer(text):
        code = country_code(m.group("where"))
        if code is None:
            continue
        name = m.group("name")
        person = Actor(f"person:{_slug(name)}", "person", name, code, m.group("role"))
        found.setdefault(name.lower(), person)
        found.setdefault(name.split()[-1].lower(), person)
    for m in _ORG_ROLE.finditer(text):
        name = m.group("name")
        org = _ORGS[m.group("org").lower()]
        person = Actor(f"person:{_slug(name)}", "person", name, org, m.group("role"))
        found.setdefault(name.lower(), person)
        found.setdefault(name.split()[-1].lower(), person)
    return found


def _slug(text: str) -> str:
    """A stable id part: lower-cased words joined by dashes ("Pedro Sánchez" -> pedro-sánchez)."""
    return re.sub(r"[\W_]+", "-", text.lower()).strip("-")


def normalize_actor(name: str, people: dict[str, Actor] | None = None) -> Actor:
    """The canonical actor for ``name`` as written ("UK", "Britain", "Keir Starmer", "NATO")."""
    clean = _clean(name)
    key = clean.lower()
    if key in _ORGS:
        return Actor(_ORGS[key], "organisation", clean)
    if code := country_code(clean):
        return Actor(code, "country", clean, code)
    if _COLLECTIVE.search(clean) and not _RECEIVERS.search(clean) and not _DONORS.search(clean):
        return Actor("group:allied-countries", "group", clean)
    if (
        re.fullmatch(r"(?:(?:the|other|some|several|many|\d+|[a-z]+ dozen)\s+)*[\w -]+", key)
        and (_DONORS.search(clean) or _ALLIES.search(clean))
        and not _RECEIVERS.search(clean)
        and len(clean.split()) <= 4
    ):
        kind = "group:donors" if _DONORS.search(clean) else "group:allied-countries"
        return Actor(kind, "group", clean)
    people = people or {}
    # "British Prime Minister Keir Starmer" / "Starmer" / "Starmer's office"
    bare = re.sub(r"'s\b.*$", "", clean)
    for candidate in (bare.lower(), bare.split()[-1].lower() if bare else ""):
        if candidate in people:
            p = people[candidate]
            return Actor(p.id, "person", clean, p.country, p.role)
    if m := _PERSON.search(clean):
        code = country_code(m.group("where"))
        if code:
            return Actor(f"person:{_slug(m.group('name'))}", "person", clean, code, m.group("role"))
    # "European Commission President Ursula von der Leyen", "Spanish Prime Minister Pedro
    # Sánchez": whom a role speaks for leads the name
    if (role := _ROLE_WORD.search(clean)) and role.start() > 0:
        lead = normalize_actor(clean[: role.start()].strip(), people)
        if lead.kind == "country" or lead.id in _ORG_IDS:
            return Actor(lead.id, lead.kind, clean, lead.country, role.group(0))
    # "the 55-member African Union bloc": a known organisation inside the name
    for m in _known_names().finditer(clean):
        inner = _ORGS.get(m.group(0).lower())
        if inner and (len(m.group(0)) > 3 or m.group(0).isupper()):
            return Actor(inner, "organisation", clean)
    if _ORG_WORDS.search(clean) and not re.search(r"\b(?:government|ministry)\b", key):
        return Actor(f"org:{_slug(clean)}", "organisation", clean)
    # "French forces", "the British government": a country adjective leads
    first = clean.split()[0] if clean.split() else ""
    if first and (code := country_code(first)) and len(clean.split()) <= 3:
        return Actor(code, "country", clean, code)
    if re.fullmatch(r"[A-Z]{2,6}", clean):
        return Actor(f"org:{_slug(clean)}", "organisation", clean)
    return Actor(f"name:{_slug(clean)}", "group", clean)


def _names_of(actor: Actor, people: dict[str, Actor]) -> set[str]:
    names = {actor.name}
    if actor.kind == "organisation":
        names |= {k for k, v in _ORGS.items() if v == actor.id}
    code = actor.country if actor.kind in ("country", "person") else None
    if code and code.isalpha():
        names |= {k for k, v in _COUNTRY_ALIASES.items() if v == code}
        if country := pycountry.countries.get(alpha_3=code):
            names.add(country.name)
    if actor.kind == "person":
        names |= {k for k, v in people.items() if v.id == actor.id}
    elif actor.kind == "country":  # its leaders speak for it: "Macron" for France
        names |= {k for k, v in people.items() if v.country == actor.country}
    return {n for n in names if len(n) >= 2}


def actor_mentions(text: str, actor: Actor, people: dict[str, Actor]) -> list[tuple[int, int]]:
    """Spans of ``text`` that name ``actor`` by any of its names: "French" for FRA, "Starmer"
    for the British prime minister, "Nato" for NATO. Whole words, case-insensitive."""
    spans = []
    for name in _names_of(actor, people):
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        spans += [m.span() for m in pattern.finditer(text)]
    return sorted(set(spans))


# --------------------------------------------------------------------------- quantities

_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
}  # fmt: skip
_SCALE = {
    "dozen": 12, "hundred": 100, "thousand": 1_000, "k": 1_000, "million": 1_000_000,
    "m": 1_000_000, "mn": 1_000_000, "billion": 1_000_000_000, "bn": 1_000_000_000,
    "b": 1_000_000_000, "trillion": 1_000_000_000_000, "tn": 1_000_000_000_000,
}  # fmt: skip
_VAGUE: dict[str, tuple[int | None, int | None]] = {
    "several": (3, 9), "a few": (2, 5), "few": (2, 5), "dozens of": (24, 99),
    "hundreds of": (200, 999), "thousands of": (2_000, 9_999),
    "tens of thousands of": (20_000, 99_999), "some": (None, None), "many": (None, None),
}  # fmt: skip
_CURRENCY = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "eur": "EUR", "euro": "EUR",
             "euros": "EUR", "usd": "USD", "dollar": "USD", "dollars": "USD", "gbp": "GBP",
             "pound": "GBP", "pounds": "GBP", "sterling": "GBP", "yen": "JPY"}  # fmt: skip
# dollars written with their country: "C$", "A$", "US$" or "$US"
_DOLLARS = {"c": "CAD", "ca": "CAD", "a": "AUD", "au": "AUD", "nz": "NZD", "hk": "HKD",
            "s": "SGD", "us": "USD"}  # fmt: skip
_DOLLAR = re.compile(r"(?<![A-Za-z])(C|CA|A|AU|NZ|HK|S|US)\$|\$(US)(?![A-Za-z])")
_ISO_CODE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")
_ASIDE = re.compile(r"\s*\([^)]*\)")  # "100 million euros ($108m)": the second is an aside
_LOWER = ("more than", "over", "at least", "upwards of", "in excess of", "above")
_UPPER = ("less than", "under", "up to", "at most", "fewer than", "no more than", "below",
          "almost", "nearly", "close to", "just under")  # fmt: skip
_APPROX = (
    "about",
    "around",
    "roughly",
    "approximately",
    "nearly",
    "almost",
    "some",
    "an estimated",
)

_NUMBER = re.compile(
    r"(?P<cur>[€$£¥])?\s*(?P<num>\d+(?:[.,]\d+)*)[\s-]*(?P<scale>trillion|billion|million|"
    r"thousand|hundred|bn|tn|mn|[kmb](?![a-z]))?",
    re.I,
)
# "between $1 billion and $2 billion", "$6 billion to $20 billion", "1-2 million"
_RANGE = re.compile(r"^(?:between\s+)?(?P<a>.+?)\s*(?:\bto\b|\band\b|-|–)\s*(?P<b>[^-–]+)$", re.I)


def _currency_of(t: str) -> str | None:
    """The currency ``t`` names: a country's dollar ("C$", "US$"), a symbol, an ISO code
    ("EUR360-million", "CAD 40 million"), else a word ("euros", "pounds")."""
    if m := _DOLLAR.search(t):
        return _DOLLARS[(m.group(1) or m.group(2)).lower()]
    if symbol := next((c for sym, c in _CURRENCY.items() if sym in t and not sym.isalpha()), None):
        return symbol
    for m in _ISO_CODE.finditer(t):
        if _iso_currency(m.group(1)):
            return m.group(1)
    low = t.lower()
    return next(
        (c for w, c in _CURRENCY.items() if w.isalpha() and re.search(rf"\b{w}\b", low)), None
    )


@cache
def _iso_currency(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code) is not None


def _scaled(m: re.Match[str]) -> float:
    amount = _number(m.group("num"))
    return amount * _SCALE[m.group("scale").lower()] if m.group("scale") else amount


def _range(t: str) -> tuple[float, float] | None:
    """The bounds of a range of figures ("$6 billion to $20 billion", "1-2 million"); the
    first takes the second's scale when it has none ("1-2 million")."""
    if not (m := _RANGE.match(t)):
        return None
    a, b = _NUMBER.search(m.group("a")), _NUMBER.search(m.group("b"))
    if not (a and b) or any(w in m.group("b").lower() for w in (*_LOWER, *_UPPER)):
        return None
    low, high = _scaled(a), _scaled(b)
    if not a.group("scale") and b.group("scale"):
        low *= _SCALE[b.group("scale").lower()]
    return (low, high) if low < high else None


def _number(raw: str) -> float:
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw):
        raw = raw.replace(",", "")
    return float(raw.replace(",", "."))


# "before 2027", "by the end of 2026", "in March 2025": when, not how much
_TIME_ONLY = re.compile(
    r"^\s*(?:before|by|until|till|in|from|since|after|through|starting)?\s*(?:the end of\s+)?"
    r"(?:(?:early|late|mid)[- ]?)?(?:(?:january|february|march|april|may|june|july|august"
    r"|september|october|november|december)\s+)?(?:19|20)\d\d\s*[.,;]?\s*$",
    re.IGNORECASE,
)


def is_time_only(text: str) -> bool:
    """Whether a figure the model gave says only when ("before 2027"), not how much."""
    return _TIME_ONLY.match(text) is not None


# the dollar of each country that has its own, and the country-code domain of its outlets
_LOCAL_DOLLARS = {"ca": ("CAD", "CAN"), "au": ("AUD", "AUS"), "nz": ("NZD", "NZL"),
                  "sg": ("SGD", "SGP"), "hk": ("HKD", "HKG")}  # fmt: skip


def in_local_dollars(q: Quantity, url: str | None, country: str | None) -> Quantity:
    """A bare "$" that an outlet of a country with its own dollar (by its web domain: .ca,
    .au, .nz, .sg, .hk) writes of that country's own pledge is that country's dollar: the
    Canadian Press's "Canada will send $5 billion" is C$5 billion, not US$."""
    if q.currency != "USD" or _DOLLAR.search(q.text) or "USD" in q.text or not url:
        return q
    host = (urlsplit(url).hostname or "").rstrip(".")
    local = _LOCAL_DOLLARS.get(host.rsplit(".", 1)[-1].lower())
    if local is None or local[1] != country:
        return q
    unit = q.unit.replace("USD", local[0], 1) if q.unit else q.unit
    return q.model_copy(update={"currency": local[0], "unit": unit})


def parse_quantity(text: str) -> Quantity:
    """Read an amount (or bounds), unit, currency and approximate flag from ``text``; a
    figure in brackets after another ("100 million euros ($108m)") is an aside."""
    t = _ASIDE.sub("", " ".join(text.split())) or " ".join(text.split())
    low = t.lower()
    q: dict[str, object] = {"text": text}
    if span := _range(t):
        currency = _currency_of(t)
        q.update(lower=span[0], upper=span[1], unit=currency, currency=currency, approximate=True)
        return Quantity.model_validate(q)
    approximate = any(low.startswith(w + " ") or f" {w} " in f" {low} " for w in _APPROX)
    bound = (
        "lower"
        if any(w in low for w in _LOWER)
        else "upper"
        if any(w in low for w in _UPPER)
        else None
    )
    currency = _currency_of(t)
    amount: float | None = None
    rest = low
    if m := _NUMBER.search(t):
        amount = _scaled(m)
        rest = low[m.end() :]
    else:
        for phrase, (lo, hi) in sorted(_VAGUE.items(), key=lambda kv: -len(kv[0])):
            if re.search(rf"\b{phrase}\b", low):
                tail = low.split(phrase, 1)[1]
                scale = next((v for k, v in _SCALE.items() if re.match(rf"\s*{k}s?\b", tail)), 1)
                if lo is not None and hi is not None:
                    q.update(lower=lo * scale, upper=hi * scale)
                approximate = True
                rest = re.sub(rf"^\s*({'|'.join(_SCALE)})s?\b", "", tail)
                break
        else:
            words = re.findall(r"[a-z]+", low)
            nums = [w for w in words if w in _WORDS or w in _SCALE]
            if nums:
                value = 1
                base = next((_WORDS[w] for w in nums if w in _WORDS), 1)
                value = base
                for w in nums:
                    if w in _SCALE and w != base:
                        value *= _SCALE[w]
                amount = float(value)
                last = max(low.rfind(w) + len(w) for w in nums)
                rest = low[last:]
    if amount is not None:
        if bound:
            q[bound] = amount
            approximate = True
        else:
            q["amount"] = amount
    unit = re.sub(r"^(of\s+)?", "", rest.strip(" .,;:")).strip()
    if unit.startswith("%"):
        unit = "%" + unit[1:]
    elif re.match(r"^per ?cent\b", unit):
        unit = "%" + unit[unit.find("cent") + 4 :]
    unit = re.sub(r"\s+", " ", unit).strip()
    if currency and unit in ("", "a year", "annually", "per year"):
        unit = currency if not unit else f"{currency} {unit}"
    q.update(unit=unit or None, currency=currency, approximate=approximate)
    return Quantity.model_validate(q)


# --------------------------------------------------------------------------- dates

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PRECISION = {
    "day": Precision.day,
    "week": Precision.week,
    "month": Precision.month,
    "year": Precision.year,
}
_PROBE_BASES = (datetime(2001, 3, 14), datetime(2013, 10, 2))


@lru_cache(maxsize=256)
def _parser(base: datetime) -> DateDataParser:
    return DateDataParser(
        languages=["en"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
    )


def _parse(text: str, base: datetime) -> tuple[date, Precision] | None:
    data = _parser(base).get_date_data(text)
    if data.date_obj is None:
        return None
    return data.date_obj.date(), _PRECISION.get(data.period or "day", Precision.day)


def _truncate(day: date, precision: Precision) -> date:
    if precision is Precision.month:
        return day.replace(day=1)
    if precision is Precision.year:
        return day.replace(month=1, day=1)
    if precision is Precision.week:
        return day - timedelta(days=day.weekday())
    return day


def resolve_date(text: str, published: date | None = None) -> DateValue:
    """Resolve ``text`` ("Thursday", "this week", "Sept. 4, 2025") to a date and precision."""
    clean = re.sub(r"^(on|in|at|since|by|from|during)\s+", "", " ".join(text.split()), flags=re.I)
    clean = clean.rstrip(".,;")
    # absolute dates parse the same whatever the base: prefer them even with a weekday attached
    probes = [
        (_truncate(*p), p[1]) if p else None for p in (_parse(clean, b) for b in _PROBE_BASES)
    ]
    if probes[0] is not None and probes[0] == probes[1]:
        day, precision = probes[0]
        return DateValue(text=text, value=day, precision=precision)
    if published is None:
        return DateValue(text=text)
    low = clean.lower()
    if low in _WEEKDAYS or low in ("this " + d for d in _WEEKDAYS):
        wanted = _WEEKDAYS.index(low.split()[-1])
        back = (published.weekday() - wanted) % 7
        return DateValue(text=text, value=published - timedelta(days=back), precision=Precision.day)
    parsed = _parse(clean, datetime.combine(published, datetime.min.time()))
    if parsed is None:
        return DateValue(text=text)
    day, precision = parsed
    if precision in (Precision.day, Precision.month) and not re.search(r"\b\d{4}\b", clean):
        day = _nearest_year(day, published)
    return DateValue(text=text, value=_truncate(day, precision), precision=precision)


def _nearest_year(day: date, published: date) -> date:
    """A day written without its year ("June 12") in the year that puts it nearest the
    publication: an article of June 11 means the coming June 12, not last year's."""
    years = []
    for year in (published.year - 1, published.year, published.year + 1):
        with contextlib.suppress(ValueError):  # February 29
            years.append(day.replace(year=year))
    return min(years, key=lambda d: abs((d - published).days)) if years else day


@cache
def _known_names() -> re.Pattern[str]:
    """Every country, demonym, capital and organisation name normalize knows, longest first."""
    names = set(_COUNTRY_ALIASES) | set(_ORGS)
    for c in pycountry.countries:
        names |= {c.name.lower(), str(getattr(c, "common_name", c.name)).lower()}
    names = {n for n in names if "," not in n and "(" not in n}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def actors_in(text: str, people: dict[str, Actor] | None = None) -> list[tuple[int, int, Actor]]:
    """Spans of ``text`` that name a country, an organisation, a person the article introduced
    with a country, or an unnamed set of countries ("donors", "26 nations"). Names of three
    letters or fewer count only in capitals ("US", "EU", "WHO"; not "us", "who")."""
    found: list[tuple[int, int, Actor]] = []
    for m in _known_names().finditer(text):
        if len(m.group(0).replace(".", "")) <= 3 and not m.group(0).isupper():
            continue
        found.append((m.start(), m.end(), normalize_actor(m.group(0))))
    for key, person in (people or {}).items():
        for m in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", text, re.IGNORECASE):
            if m.group(0)[:1].isupper():
                found.append((m.start(), m.end(), person))
    for pattern, group in ((_DONORS, "group:donors"), (_ALLIES, "group:allied-countries")):
        for m in pattern.finditer(text):
            found.append((m.start(), m.end(), Actor(group, "group", m.group(0))))
    for m in re.finditer(r"\b(?:\d+|[a-z]+(?:\s+dozen)?)\s+(?:nations|countries|allies)\b", text):
        found.append((m.start(), m.end(), Actor("group:allied-countries", "group", m.group(0))))
    return sorted(found, key=lambda f: (f[0], -f[1]))
