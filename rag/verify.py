"""Checks that a cited sentence is supported by the passage it cites.

An extractive answer quotes its passage, so support means the (normalised) sentence occurs in it.
A generated sentence is allowed to rephrase, so for it we require that nearly all of its content
words (lemmas) occur in the passage: a claim whose words are not in the evidence is not supported.
"""

from __future__ import annotations

from functools import cache

from rag.lexical import PolishAnalyzer
from rag.text import normalise

MIN_TERM_SUPPORT = 0.8


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
    return len(terms & present) / len(terms) >= MIN_TERM_SUPPORT
