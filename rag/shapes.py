"""What kind of answer a question asks for, and whether a sentence has that shape.

"Kiedy…?" wants a date, "Ile kosztowała…?" an amount of money, "Ilu…?" a count, "Kto…?" a person.
A sentence on the right topic without that shape is a near miss. Shapes are read from Morfeusz's tags,
``rag.dates`` and number patterns, never from a corpus's word lists; they are features of the fitted
sentence ranker and refusal (``rag.answering``), not decisions of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.dates import MONTHS
from rag.lexical import lemma_of, morfeusz
from rag.text import words

_DATE = re.compile(
    r"\b\d{1,2}(?:\s*[-–]\s*\d{1,2})?\.\d{1,2}\.\s?(?:\d{4}|\d{2})\b"
    r"|\b\d{1,2}(?:\s*[-–]\s*\d{1,2})?\s+(?:" + "|".join(MONTHS) + r")"
    r"|\b(?:1[89]|20)\d\d\b|\bbr\.",
    re.IGNORECASE,
)
# Month lemmas as Morfeusz gives them: "maja" is a month, "mają" and "Marcin" are not.
_MONTH_LEMMAS = frozenset(
    "styczen luty marzec kwiecien maj czerwiec lipiec sierpien wrzesien pazdziernik listopad grudzien".split()
)
_MONEY = re.compile(r"\d[\d\s.,]*\s*(?:zł|pln|tys\.\s*zł|mln\s*zł|euro|eur|€|usd|\$|nok|czk|sek|dkk)", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.,-])\d+(?:[\s,]\d+)*(?![\w,.]?\d)")
# Polish numeral stems that open compound adjectives ("sześcioosobowa", "dwudniowe", "trzyletni"): part
# of the language's grammar, which Morfeusz tags as adjectives rather than numerals.
_NUMERAL_COMPOUND = re.compile(
    r"^(?:jedno|dwu|dwó|trzy|cztero|pięcio|sześcio|siedmio|ośmio|dziewięcio|dziesięcio|jedenasto|dwunasto|"
    r"kilku|kilkunasto|kilkudziesięcio|wielo|stu|dwudziesto|trzydziesto|czterdziesto|pięćdziesięcio)"
    r"(?:osobow|dniow|tygodniow|miesięczn|letni|godzinn)",
    re.IGNORECASE,
)


def _has_date(text: str) -> bool:
    return bool(_DATE.search(text)) or any(lemma_of(base) in _MONTH_LEMMAS
                                            for *_, (orth, base, *_rest) in morfeusz().analyse(text))


_DURATION = re.compile(r"\d+\s*(?:-\s*)?(?:lat|let|lata|miesi\w+|tygodni\w*|dni|godzin\w*|years?|months?|weeks?|days?)\b"
                       r"|\d+\s*-\s*(?:letni|dniow|tygodniow|miesięczn)\w*|\b(?:od|since)\s+(?:19|20)\d\d\b", re.IGNORECASE)


def _has_duration(text: str) -> bool:
    """"od 15 lat", "ponad 20-letniej", "od 2001 r.", "trzy dni": how long something has lasted."""
    return bool(_DURATION.search(text)) or _spelled_number_before(text, _DURATION_UNITS)


_DURATION_UNITS = frozenset({"rok", "lato", "miesiac", "tydzien", "dzien", "godzina"})


def _spelled_number_before(text: str, units: frozenset[str]) -> bool:
    """A numeral Morfeusz recognises ("trzy", "dwudziestu") right before one of ``units`` (lemmas)."""
    previous_numeral = False
    for *_, (orth, base, tag, *_rest) in morfeusz().analyse(text):
        if tag == "interp":
            continue
        if previous_numeral and lemma_of(base) in units:
            return True
        previous_numeral = tag.startswith("num")
    return False


def _has_money(text: str) -> bool:
    return bool(_MONEY.search(text))


def _has_count(text: str) -> bool:
    """A number that is not part of a date, a year, an amount of money, a code (Covid-19) or an address;
    or a numeral written out ("dwudziestu pięciu", "sześcioosobowa")."""
    rest = _MONEY.sub(" ", _DATE.sub(" ", text))
    rest = re.sub(r"\w+-\d+|\d+\+|(?:ul|os|tel)\.[^,]*|\d{2}-\d{3}", " ", rest)
    if _NUMBER.search(rest) or re.search(r"\d+\s*-?\s*osobow", text, re.I):
        return True
    for *_, (orth, base, tag, *_rest) in morfeusz().analyse(text):
        if (tag.startswith("num") and not tag.startswith("numcomp")) or _NUMERAL_COMPOUND.match(orth):
            return True
    return False


def _has_person(text: str) -> bool:
    """Someone named: a first name or surname Morfeusz knows, or two capitalised words in a row that
    Morfeusz does not know ("Ingrid Halvorsen"). An office or organisation is not a person."""
    positions: dict[tuple[int, int], list[tuple[str, str, str]]] = {}
    for start, end, (orth, _base, tag, qualifiers, _) in morfeusz().analyse(text):
        positions.setdefault((start, end), []).append((orth, tag, "|".join(qualifiers)))
    unknown_run = 0
    for readings in positions.values():
        upper = readings[0][0][:1].isupper()
        if upper and any("imię" in q or "nazwisko" in q for _, _, q in readings):
            return True
        unknown_run = unknown_run + 1 if upper and all(tag == "ign" for _, tag, _ in readings) else 0
        if unknown_run >= 2:
            return True
    return False


def _has_enumeration(text: str) -> bool:
    """Several items: two separators, or one after a colon ("…rodzinom: „A” oraz „B”")."""
    separators = len(re.findall(r",\s|\soraz\s|\sa\s+także\s|;\s|\s\|\s", text))
    return separators >= 2 or (separators >= 1 and ":" in text)


def _has_purpose(text: str) -> bool:
    return bool(re.search(r"\bcel(em|u)?\b|\bw\s+celu\b|\bma\s+na\s+celu\b|\bmisj\w+|\baby\b|\bżeby\b", text, re.I))


def _has_topic(text: str) -> bool:
    return bool(re.search(r"\bna\s+temat|\bporuszon\w*|\bkwesti\w*|\bdotycz\w*|\brozmawia\w*|\bomówion\w*|"
                          r"\bprzedyskutowan\w*|\bomawia\w*|\btemat\w*", text, re.I))


def _has_address(text: str) -> bool:
    return bool(re.search(r"\b(ul|al|os|pl)\.\s*\w+|\b\d{2}-\d{3}\b", text))


def _has_phone(text: str) -> bool:
    return bool(re.search(r"\btel\.|\+?\d{2,3}[\s-]\d{3}[\s-]\d{2,3}", text, re.I))


@dataclass(frozen=True)
class Shape:
    name: str
    question: re.Pattern
    test: object  # Callable[[str], bool]
    required: bool = True  # an answer without it is likely no answer (a refusal feature)

    def matches(self, sentence: str) -> bool:
        return self.test(sentence)


_LEAD = r"^\s*(?:a\s+|and\s+)?"
# Order matters: "ile kosztowała" is money, "ile trwał" a duration, before "ile" is an amount.
SHAPES = (
    # Polish and English words for money and what it pays: part of the language, not of a corpus.
    Shape("money", re.compile(_LEAD + r"(ile|ilu|jak\w*|na\s+jak\w+|za\s+ile|w\s+jakiej|what|how)\b.*\b("
                              r"koszt\w*|budże?t\w*|budzet\w*|kwot\w*|dofinansowa\w*|finansowa\w*|wartoś?ć\w*|"
                              r"wartosc\w*|opłat\w*|oplat\w*|cen[ayęie]?|zarabia\w*|zarobk\w*|wynagrodz\w*|płac[aiyę]|"
                              r"plac[aiye]|pensj[aięeą]|emerytur\w*|świadczeni\w*|swiadczeni\w*|zasił\w*|zasil\w*|"
                              r"pieni\w+|money|funding|cost\w*|budget|worth|funds?|grant|price|fee|salary|pay|paid|earn\w*)\b",
                              re.I),
          _has_money),
    Shape("duration", re.compile(_LEAD + r"(jak\s+d[łl]ugo|ile\s+(czasu|lat|dni|miesi\w+|tygodni|godzin)|"
                                 r"ile\s+trwa\w*|od\s+ilu\s+lat|how\s+long|for\s+how\s+many\s+(years|months|days))\b",
                                 re.I), _has_duration, required=False),
    Shape("count", re.compile(_LEAD + r"(ilu|ile|ilo|how\s+many|jak\s+liczn\w+|jaka\s+(była\s+|byla\s+)?liczba)\b", re.I),
          lambda text: _has_count(text) or _has_money(text)),
    Shape("date", re.compile(_LEAD + r"(kiedy|when|w\s+kt[óo]rym\s+(roku|miesi\w+)|what\s+year|in\s+which\s+(year|month)|"
                             r"od\s+kiedy|do\s+kiedy|(od|do|w)\s+kt[óo]rego\s+dnia|what\s+date|until\s+when|"
                             r"w\s+jakim\s+terminie|of\s+what\s+date)\b", re.I), _has_date),
    Shape("phone", re.compile(r"\b(telefon\w*|tel\.|zadzwoni\w*|dzwoni\w*|phone|call)", re.I), _has_phone),
    Shape("email", re.compile(r"\b(e-?\s?mail\w*|mail\w*)", re.I), lambda text: "@" in text),
    Shape("address", re.compile(r"\b(adres|adresu|adresem|adresie|address|gdzie\s+(mieści|miesci|znajduje)\s+się|where\s+is\s+\w+\s+located)\b",
                                re.I), _has_address),
    Shape("person", re.compile(_LEAD + r"(kto|kogo|komu|kim|who|whom)\b", re.I), _has_person),
    Shape("purpose", re.compile(_LEAD + r"(po\s+co|w\s+jakim\s+celu|jaki\s+(był|byl|jest)\s+cel|czemu\s+służ|czemu\s+sluz|"
                                r"why|what\s+(was|is)\s+the\s+(purpose|aim|goal))", re.I), _has_purpose, required=False),
    Shape("topic", re.compile(_LEAD + r"(o\s+czym|czego\s+dotyczy\w*|jaki\w*\s+temat\w*|jakie\s+(kwestie|tematy|sprawy)|"
                              r"what\s+(issues|topics|was\s+discussed|did\s+they\s+discuss))", re.I), _has_topic, required=False),
    Shape("list", re.compile(_LEAD + r"(jakie|jakich|które|ktore|których|ktorych|wymień|wymien|which|list|name\s+the|"
                             r"what\s+(kinds?|types?|sorts?)\s+of)\b", re.I), _has_enumeration, required=False),
)
SHAPES_BY_NAME = {shape.name: shape for shape in SHAPES}


def expected_shape(question: str) -> Shape | None:
    for shape in SHAPES:
        if shape.question.search(question):
            return shape
    return None


_ORDINALS = {"I": r"first|1st|pierwsz\w+", "II": r"second|2nd|drug\w+", "III": r"third|3rd|trzec\w+",
             "IV": r"fourth|4th|czwart\w+", "V": r"fifth|5th|piąt\w+|piat\w+"}


def numbers_in(text: str) -> set[str]:
    """Years and ordinals of named events a question names ("w 2024 roku", "III Konwencja", "the first
    European Convention" → I): evidence must name them too."""
    found = {w for w in words(text) if re.fullmatch(r"(?:19|20)\d\d|[IVX]{2,5}", w)}
    for roman, spelled in _ORDINALS.items():
        if re.search(rf"\b(?i:{spelled})\s+[A-ZĄĆĘŁŃÓŚŹŻ]", text):
            found.add(roman)
    return found


_WH_DETERMINERS = {"jaki", "ktory", "czyj"}  # "Który urząd…", "Z jakiego źródła…"
_WH_PRONOUNS = {"kto", "co"}  # … and "Kto był organizatorem…", "Co było celem…"
_MODIFIERS = ("adj", "ppas", "pact", "num", "romandig")


def focus_noun(question: str) -> str | None:
    """The noun that names what a Polish question asks for: "Który zagraniczny urząd…" → "urząd",
    "Kto był organizatorem…" → "organizatorem". Sentences naming it tend to hold the answer
    ("Organizatorami konferencji były…") rather than only set the scene."""
    tokens: dict[tuple[int, int], list[tuple[str, str, str]]] = {}
    for start, end, (orth, base, tag, *_rest) in morfeusz().analyse(question):
        if tag != "interp":
            tokens.setdefault((start, end), []).append((orth, lemma_of(base), tag.split(":", 1)[0]))
    readings = list(tokens.values())
    for i, token in enumerate(readings):
        lemmas = {lemma for _, lemma, _ in token}
        if lemmas & _WH_DETERMINERS:
            rest = readings[i + 1 :]
        elif lemmas & _WH_PRONOUNS and i + 1 < len(readings) and "byc" in {l for _, l, _ in readings[i + 1]}:
            rest = readings[i + 2 :]
        else:
            continue
        for word in rest:
            tags = {tag for _, _, tag in word}
            if tags & {"subst", "ign"}:
                return word[0][0]
            if not tags <= set(_MODIFIERS) and "byc" not in {l for _, l, _ in word}:
                return None
        return None
    return None


def names_in(question: str) -> list[str]:
    """Capitalised words after the first ("…delegacji z Trondheim"): the names a question is about."""
    return [w for w in words(question)[1:] if w[:1].isupper() and not re.fullmatch(r"[IVX]+", w)]
