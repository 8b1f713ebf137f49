"""Where sources disagree on the asked fact: the values of a shape a sentence states, and the sentence
from another file that states a different one.

"Kto przewodniczył delegacji…?" answered from one file ("Delegacji przewodniczył Jan Kowalski") while
another file the ranker also accepts says "Delegacji przewodniczyła Ingrid Halvorsen": the answer
quotes both, the second marked as another source's differing statement, so a wrong or hostile
document cannot silently outvote the others.

Values are read the way ``rag.shapes`` recognises a shape: people from Morfeusz's name tags (or runs of
capitalised words it does not know), dates from ``rag.dates``, amounts and counts as numbers with
their currency or counted noun. Nothing here comes from a corpus's word lists; whether a sentence is
strong enough is the fitted ranker's own threshold (``rag.answering.Composition.add_floor``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.dates import MONTHS, find_date
from rag.evidence import Evidence, Sentence
from rag.lexical import lemma_of, morfeusz
from rag.text import fold


@dataclass(frozen=True)
class Value:
    """One stated value: its kind (what it measures: "person", "date", "pln", the counted noun …)
    and the normalised datum compared within that kind."""

    kind: str
    datum: tuple


# ---------------------------------------------------------------------------------------------- people


def _name_keys(readings: list[tuple[str, str, str, list[str]]]) -> frozenset[str]:
    """Every form a name word may be compared by: its folded spelling and each lemma Morfeusz gives
    ("Kowalskiego" → kowalskiego, kowalski)."""
    orth = readings[0][0]
    return frozenset({fold(orth)} | {lemma_of(base) for _, base, tag, _ in readings if tag != "ign"})


def people(text: str) -> set[Value]:
    """People named in ``text``: two or more capitalised words in a row, each a first name or surname
    Morfeusz knows or a word it does not know ("Ingrid Halvorsen", "Jana Kowalskiego"). The same
    reading ``shapes._has_person`` uses; a lone capitalised word ("w Krakowie", which Morfeusz also
    reads as a surname) is not enough. A person is compared by the keys of the last word (the
    surname): "Jan Kowalski" and "Jana Kowalskiego" are one person, "Jan Nowak" another."""
    positions: dict[tuple[int, int], list[tuple[str, str, str, list[str]]]] = {}
    for start, end, (orth, base, tag, qualifiers, _) in morfeusz().analyse(text):
        positions.setdefault((start, end), []).append((orth, base, tag, list(qualifiers)))
    found: set[Value] = set()
    run: list[list[tuple[str, str, str, list[str]]]] = []
    for readings in [*positions.values(), []]:
        upper = bool(readings) and readings[0][0][:1].isupper() and not re.fullmatch(r"[IVX]+", readings[0][0])
        unknown = bool(readings) and all(tag == "ign" for _, _, tag, _ in readings)
        named = bool(readings) and any("imię" in q or "nazwisko" in q for *_, q in readings)
        if upper and (unknown or named):
            run.append(readings)
            continue
        if len(run) >= 2:
            found.add(Value("person", tuple(sorted(_name_keys(run[-1])))))
        run = []
    return found


def _same_person(a: Value, b: Value) -> bool:
    return bool(set(a.datum) & set(b.datum))


# ----------------------------------------------------------------------------------------------- dates

_YEAR = re.compile(r"(?<![\d.,])(?:1[89]|20)\d\d(?![\d.,]?\d)")


def dates(text: str) -> set[Value]:
    """Dates, as precise as written: (year, month, day) from ``rag.dates.find_date``, (year, month)
    for a month followed by a year ("we wrześniu 2019"), (year,) for a year alone. "br." (this year)
    is never guessed, so "13 września br." states no comparable date."""
    found: set[Value] = set()
    rest = text
    while True:
        iso, written = find_date(rest)
        if not written:
            break
        if iso:
            found.add(Value("date", tuple(int(x) for x in iso.split("-"))))
        rest = rest.replace(written, " ", 1)
    positions: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for start, end, (orth, base, tag, *_r) in morfeusz().analyse(rest):
        if tag != "interp":
            positions.setdefault((start, end), []).append((orth, base))
    tokens = list(positions.values())
    for i, readings in enumerate(tokens):
        if _YEAR.fullmatch(readings[0][0]):
            before = [_month_number(base) for j in (i - 1, i - 2) if j >= 0 for _, base in tokens[j]]
            month = next((m for m in before if m), None)
            found.add(Value("date", (int(readings[0][0]), month) if month else (int(readings[0][0]),)))
    return found


# Month lemmas as Morfeusz gives them (as rag.shapes reads them): the calendar, not a corpus.
_MONTH_LEMMAS = {lemma: n for n, lemma in enumerate(
    "styczen luty marzec kwiecien maj czerwiec lipiec sierpien wrzesien pazdziernik listopad grudzien".split(), 1)}


def _month_number(base: str) -> int | None:
    return _MONTH_LEMMAS.get(lemma_of(base))


def _same_date(a: Value, b: Value) -> bool:
    """As precise as the less precise of the two: "2019" agrees with "14 maja 2019"."""
    n = min(len(a.datum), len(b.datum))
    return a.datum[:n] == b.datum[:n]


# ------------------------------------------------------------------------------------ money and counts

_AMOUNT = r"(\d{1,3}(?:[ \xa0.]\d{3})+|\d+)(?:,(\d+))?"
_CURRENCIES = {"zł": "pln", "zl": "pln", "pln": "pln", "euro": "eur", "eur": "eur", "€": "eur", "usd": "usd",
               "$": "usd", "nok": "nok", "czk": "czk", "sek": "sek", "dkk": "dkk"}  # as rag.shapes._MONEY
_MULTIPLIERS = {"tys.": 1e3, "mln": 1e6, "mld": 1e9}
_MONEY = re.compile(_AMOUNT + r"\s*(tys\.|mln|mld)?\s*(zł|zl|pln|euro|eur|€|usd|\$|nok|czk|sek|dkk)(?!\w)", re.I)


def _number(whole: str, decimals: str | None) -> float:
    return float(re.sub(r"[ \xa0.]", "", whole) + (f".{decimals}" if decimals else ""))


def amounts(text: str) -> set[Value]:
    """Amounts of money as numbers in their currency: "1 113 999,60 zł" → (pln, 1113999.6)."""
    found = set()
    for m in _MONEY.finditer(text):
        amount = _number(m.group(1), m.group(2)) * _MULTIPLIERS.get((m.group(3) or "").lower(), 1)
        found.add(Value(_CURRENCIES[m.group(4).lower()], (round(amount, 2),)))
    return found


# "14 maja", "15.06.12": dates, not counts
_DAY_MONTH = re.compile(r"\b\d{1,2}(?:\s*[-–]\s*\d{1,2})?\s+(?:" + "|".join(MONTHS) + r")"
                        r"|\b\d{1,2}\.\d{1,2}\.\s?\d{2,4}", re.I)
_NOT_COUNTS = re.compile(
    r"\w+-\d+|\d+\+|(?:ul|al|os|pl|tel|nr)\.\s*[^,;]*|\d{2}-\d{3}|\d+\.\d+\.\d+|\d+:\d+", re.I)


def counts(text: str) -> set[Value]:
    """Numbers written in digits with the noun they count ("14 osób" → (osoba, 14), "12-osobowa" →
    (osoba, 12)); dates, years, amounts, codes and addresses are not counts. A numeral written out
    ("osiemnastu") states no comparable value: it is not read, so it never contradicts anything."""
    rest = _MONEY.sub(" ", text)
    rest = _DAY_MONTH.sub(" ", rest)
    rest = _YEAR.sub(" ", rest)
    rest = _NOT_COUNTS.sub(" ", rest)
    found: set[Value] = set()
    for m in re.finditer(r"(?<![\w.,])" + _AMOUNT + r"(?:\s*-\s*|\s+)(\w+)", rest):
        word = m.group(3)
        unit = "osoba" if re.match(r"osobow", word, re.I) else _lemma(word)
        if unit and not unit.isdigit():
            found.add(Value(unit, (_number(m.group(1), m.group(2)),)))
    return found


# Units of time by Morfeusz lemma ("lat" → rok, "dni" → dzien) and the adjectives that compound them
# with a number ("20-letni", "3-dniowy"): Polish grammar, as in rag.shapes._DURATION.
_DURATION_UNITS = {"rok": "year", "lato": "year", "miesiac": "month", "tydzien": "week", "dzien": "day",
                   "godzina": "hour", "letni": "year", "dniowy": "day", "tygodniowy": "week",
                   "miesieczny": "month", "godzinny": "hour"}


def durations(text: str) -> set[Value]:
    """How long, as a number of a unit: "od 15 lat" → (year, 15), "3-dniowy" → (day, 3)."""
    return {Value(_DURATION_UNITS[v.kind], v.datum) for v in counts(text) if v.kind in _DURATION_UNITS}


def _lemma(word: str) -> str:
    readings = [(base, tag) for *_, (_orth, base, tag, *_r) in morfeusz().analyse(word)]
    known = [lemma_of(base) for base, tag in readings if tag != "ign"]
    return known[0] if known else fold(word)


# -------------------------------------------------------------------------------------------- addresses


def addresses(text: str) -> set[Value]:
    """A street and number ("ul. Józefińska 14" → (street, józefińska 14)) and a postal code."""
    found = {Value("postcode", (m.group(0),)) for m in re.finditer(r"(?<!\d)\d{2}-\d{3}(?!\d)", text)}
    for m in re.finditer(r"\b(?:ul|al|os|pl)\.\s*((?:[A-ZĄĆĘŁŃÓŚŹŻ]\w*\.?\s+){1,4}\d+\w?)", text):
        found.add(Value("street", (fold(" ".join(m.group(1).split())),)))
    return found


def _equal(a: Value, b: Value) -> bool:
    return a.datum == b.datum


# --------------------------------------------------------------------------------------------- shapes

# The shapes whose answers are values that can disagree, with how to read and compare them. A shape
# not listed ("why", "which", a topic, a purpose, a list) never shows a disagreement.
VALUES = {
    "person": (people, _same_person),
    "date": (dates, _same_date),
    "money": (amounts, _equal),
    "count": (counts, _equal),
    "duration": (durations, _equal),
    "address": (addresses, _equal),
}


@lru_cache(maxsize=4096)  # a sentence is read again for every question that retrieves it (Morfeusz: ~1 ms)
def values_of(shape: str, text: str) -> frozenset[Value]:
    reader = VALUES.get(shape)
    return frozenset(reader[0](text)) if reader else frozenset()


def differ(shape: str, stated: set[Value], other: set[Value]) -> bool:
    """``other`` states the asked fact differently from ``stated``: both state values of a kind in
    common, and on every kind they share, no value of one agrees with any of the other."""
    if shape not in VALUES or not stated or not other:
        return False
    same = VALUES[shape][1]
    kinds = {v.kind for v in stated} & {v.kind for v in other}
    return bool(kinds) and not any(same(a, b) for a in stated for b in other if a.kind == b.kind and a.kind in kinds)


def settle(evidence: Evidence, chosen: list[Sentence], ranked: list[Sentence],
           floor: float) -> tuple[list[Sentence], Sentence | None]:
    """The sentences to quote as the answer, and the one to quote after them as another source's
    differing statement (None when the sources do not disagree; ``chosen`` then comes back as it is).

    ``chosen``: the sentences the composer picked, the best first; ``ranked``: all, most probable
    first; ``floor``: the least probability at which the composer quotes a sentence.

    The answer's statement of the asked fact is the first chosen sentence that states a value of the
    asked shape (the best one, or the one after a scene-setting best); with no such sentence there is
    nothing to disagree with. The differing sentence is the most probable one that

    - the ranker would quote for this part (at least ``floor``; it may already be among ``chosen``,
      quoted as a runner-up with nothing said about the disagreement),
    - comes from a file other than the statement's,
    - is about the same named things: it matches every name and year of the question that the
      statement matches (in its words or its article's title and date), so the leader of the 2016
      visit does not contradict the leader of the 2022 one,
    - states a value of the asked shape that agrees with none that the statement's file says in the
      sentences chosen (``differ``).

    One differing statement per part: another chosen sentence from a third file that also differs
    from the statement is left out rather than quoted as if it agreed.
    """
    shape = evidence.part.shape
    if shape not in VALUES:
        return chosen, None
    statement = next((s for s in chosen if values_of(shape, s.text)), None)
    if statement is None:  # the answer does not state the asked fact
        return chosen, None
    source = statement.passage.source
    stated = set().union(*(values_of(shape, s.text) for s in chosen if s.passage.source == source))
    numbers = {fold(n) for n in evidence.part.numbers}
    anchors = {key for key in statement.matched if key in evidence.name_keys or key in numbers}
    for sentence in ranked:
        if sentence.probability < floor:
            break
        if sentence.passage.source == source or not anchors <= set(sentence.matched):
            continue
        if differ(shape, stated, values_of(shape, sentence.text)):
            kept = [s for s in chosen if s.text != sentence.text
                    and (s.passage.source == source or not differ(shape, stated, values_of(shape, s.text)))]
            return kept, sentence
    return chosen, None
