"""What kind of answer a question asks for, and whether a sentence has that shape.

"Kiedy…?" wants a date, "Ile kosztowała…?" an amount of money, "Ilu…?" a count, "Kto…?" a person.
A sentence on the right topic without that shape is a near miss: the composer prefers sentences with
the shape, and refusal treats its absence as "the documents don't say".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.dates import MONTHS
from rag.lexical import lemma_of, morfeusz
from rag.text import words

_DATE = re.compile(
    r"\b\d{1,2}(?:\s*-\s*\d{1,2})?\.\d{1,2}\.\s?(?:\d{4}|\d{2})\b"
    r"|\b\d{1,2}(?:\s*-\s*\d{1,2})?\s+(?:" + "|".join(MONTHS) + r")(?:\s+(?:\d{4}|br\.))?"
    r"|\b(?:1[89]|20)\d\d\b",
    re.IGNORECASE,
)
_MONTH_OR_YEAR = re.compile(
    r"\b(?:stycz|lut|marc|kwie|maj|czerw|lip|sierp|wrze|październ|listopad|grud)\w*|\b(?:1[89]|20)\d\d\b|\bbr\.",
    re.IGNORECASE,
)
_MONEY = re.compile(r"\d[\d\s.,]*\s*(?:zł|pln|euro|eur|€|usd|\$)", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.,-])\d+(?:[\s,]\d+)*(?![\w,.]?\d)")
_COUNT_WORDS = re.compile(r"\b(?:\d+\s*-\s*osobow\w*|kilku|kilkunast\w*|kilkudziesięci\w*|blisko\s+\d+|ponad\s+\d+)",
                          re.IGNORECASE)


def _has_date(text: str) -> bool:
    return bool(_DATE.search(text) or _MONTH_OR_YEAR.search(text))


_DURATION = re.compile(r"\d+\s*(?:-\s*)?(?:lat|let|lata|miesi\w+|tygodni\w*|dni|godzin\w*|years?|months?|weeks?|days?)\b"
                       r"|\d+\s*-\s*letni\w*|\b(?:od|since)\s+(?:19|20)\d\d\b", re.IGNORECASE)


def _has_duration(text: str) -> bool:
    """"od 15 lat", "ponad 20-letniej", "od 2001 r.": how long something has lasted."""
    return bool(_DURATION.search(text))


def _has_money(text: str) -> bool:
    return bool(_MONEY.search(text))


def _has_count(text: str) -> bool:
    """A number that is not part of a date, a year, an amount of money, a code (Covid-19) or an address."""
    rest = _MONEY.sub(" ", _DATE.sub(" ", text))
    rest = re.sub(r"\w+-\d+|\d+\+|(?:ul|os|tel)\.[^,]*", " ", rest)
    return bool(_NUMBER.search(rest) or _COUNT_WORDS.search(text))


def _has_person(text: str) -> bool:
    """A first name or surname Morfeusz knows, or two capitalised unknown words ("Elke Voitl")."""
    unknown_capitalised = []
    for start, end, (orth, base, tag, qualifiers, _) in morfeusz().analyse(text):
        if ("imię" in qualifiers or "nazwisko" in qualifiers) and orth[:1].isupper():
            return True
        if tag == "ign" and orth[:1].isupper():
            if unknown_capitalised and unknown_capitalised[-1] == start:
                return True
            unknown_capitalised.append(end)
    return False


def _has_enumeration(text: str) -> bool:
    """Several items: two separators, or one after a colon ("…rodzinom: „A” oraz „B”")."""
    separators = len(re.findall(r",\s|\soraz\s|\sa\s+także\s|;\s", text))
    return separators >= 2 or (separators >= 1 and ":" in text)


def _has_purpose(text: str) -> bool:
    return bool(re.search(r"\bcel(em|u)?\b|\bw\s+celu\b|\bma\s+na\s+celu\b|\bmisj\w+|\baby\b", text, re.I))


def _has_topic(text: str) -> bool:
    return bool(re.search(r"\bna\s+temat|\bporuszon\w*|\bkwesti\w*|\bdotycz\w*|\brozmawia\w*|\bomówion\w*|"
                          r"\bprzedyskutowan\w*|\bomawia\w*", text, re.I))


def _has_address(text: str) -> bool:
    return bool(re.search(r"\b(ul|al|os|pl)\.\s*\w+|\b\d{2}-\d{3}\b", text))


@dataclass(frozen=True)
class Shape:
    name: str
    question: re.Pattern
    test: object  # Callable[[str], bool]
    required: bool = True  # an answer without it is no answer (refuse); else only preferred
    preferred: bool = True  # sentences with it score higher (lists: too common a shape to prefer)

    def matches(self, sentence: str) -> bool:
        return self.test(sentence)


# Order matters: "ile kosztowała" is money before it is a count.
SHAPES = (
    Shape("money", re.compile(r"\b(ile\s+kosztował\w*|koszt\w*|budżet\w*|budzet\w*|how\s+much\s+did|cost|budget)\b", re.I),
          _has_money),
    Shape("count", re.compile(r"^\s*(a\s+)?(ilu|ile\s+(osób|osob|razy|rodzin|uczestnik\w*|student\w*|spotkań|spotkan)|"
                              r"how\s+many)\b", re.I), _has_count),
    Shape("amount", re.compile(r"^\s*(a\s+)?(ile|how\s+much|jaka\s+(była\s+|byla\s+)?(kwota|wartość|wartosc))\b", re.I),
          lambda text: _has_count(text) or _has_money(text)),
    Shape("duration", re.compile(r"^\s*(a\s+)?(jak\s+d[łl]ugo|od\s+ilu\s+lat|how\s+long|for\s+how\s+many\s+years)\b",
                                 re.I), _has_duration, required=False),
    Shape("date", re.compile(r"^\s*(a\s+)?(kiedy|when|w\s+którym\s+roku|w\s+ktorym\s+roku|what\s+year|in\s+which\s+year|"
                             r"od\s+kiedy|do\s+kiedy|(od|do|w)\s+(którego|ktorego)\s+dnia|what\s+date|until\s+when|"
                             r"w\s+jakim\s+terminie)\b", re.I), _has_date),
    Shape("phone", re.compile(r"\b(telefon\w*|tel\.|zadzwoni\w*|dzwoni\w*|phone|call)", re.I),
          lambda text: bool(re.search(r"\btel\.|\+?\d{2,3}[\s-]\d{3}[\s-]\d{2,3}", text, re.I))),
    Shape("email", re.compile(r"\b(e-?m(ai|ia)l\w*|mail\w*)", re.I), lambda text: "@" in text),
    Shape("address", re.compile(r"\b(adres(em|u|ie)?|address|gdzie\s+(mieści|miesci|znajduje)\s+się)\b", re.I), _has_address),
    Shape("person", re.compile(r"^\s*(a\s+)?(kto|who)\s+(\w+\s+)?(przewodniczył|przewodniczyl|kierował|kierowal|prowadził|"
                               r"prowadzil|stał|stal|led|headed|chaired)\b", re.I), _has_person),
    Shape("purpose", re.compile(r"^\s*(a\s+)?(po\s+co|w\s+jakim\s+celu|jaki\s+(był|byl|jest)\s+cel|czemu\s+służ|czemu\s+sluz|"
                                r"why|what\s+(was|is)\s+the\s+(purpose|aim|goal))", re.I), _has_purpose, required=False),
    Shape("topic", re.compile(r"^\s*(a\s+)?(o\s+czym|czego\s+dotyczy\w*|jaki\w*\s+temat\w*|jakie\s+(kwestie|tematy|sprawy)|"
                              r"what\s+(issues|topics|was\s+discussed|did\s+they\s+discuss))", re.I), _has_topic, required=False),
    Shape("list", re.compile(r"^\s*(a\s+)?(jakie|jakich|które|ktore|których|ktorych|wymień|wymien|kto\s+(był|byl)\s+organizator|"
                             r"which|what\s+\w+s\b|list|name\s+the)", re.I), _has_enumeration, required=False, preferred=False),
)


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
