"""Checks that a cited sentence is supported by the passage it cites.

An extractive answer quotes its passage, so support means the (normalised) sentence occurs in it.
A generated sentence may rephrase, so for it we require that nearly all of its content words (lemmas)
occur in the passage, that a negation in it ("nie") is in the passage too, and that every number and
every proper name it states is in the passage: "Delegacji nie przewodniczyła Elke Voitl" is not
supported by "Delegacji przewodniczyła Elke Voitl", nor "14 osób" by "13 osób".
"""

from __future__ import annotations

from functools import cache

from rag.lexical import PolishAnalyzer
from rag.shapes import names_in
from rag.text import fold, normalise, words

MIN_TERM_SUPPORT = 0.8
_NEGATIONS = frozenset({"nie", "not", "no", "never", "nigdy", "bez", "ani"})


@cache
def _analyzer() -> PolishAnalyzer:
    return PolishAnalyzer()


def sentence_supported(sentence: str, passage_text: str) -> bool:
    quoted = normalise(sentence).strip(" .;:")
    if not quoted:
        return False
    source = normalise(passage_text)
    if quoted in source:
        return True
    terms = set(_analyzer().document_terms(sentence))
    if not terms:
        return False
    present = set(_analyzer().document_terms(passage_text))
    if len(terms & present) / len(terms) < MIN_TERM_SUPPORT:
        return False
    passage_words = {fold(w) for w in words(passage_text)}
    claim_words = words(sentence)
    negated = {fold(w) for w in claim_words} & _NEGATIONS
    if negated - passage_words:
        return False
    if any(w not in passage_words for w in _numbers(claim_words)):
        return False
    return all(_name_supported(name, present, passage_words) for name in names_in(sentence))


def _numbers(claim_words: list[str]) -> list[str]:
    return [w for w in claim_words if w.isdigit()]


def _name_supported(name: str, passage_lemmas: set[str], passage_words: set[str]) -> bool:
    """A name is in the passage in some inflected form ("Voitl", "Frankfurcie" for "Frankfurt")."""
    if fold(name) in passage_words:
        return True
    return bool(set(_analyzer().document_terms(name)) & passage_lemmas)
