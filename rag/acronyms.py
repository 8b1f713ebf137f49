"""Acronyms the documents imply: "DPS" is "Dom Pomocy Społecznej", "MOPS" "Miejski Ośrodek Pomocy
Społecznej", though the documents may print only the long form.

Staff write the short form; the documents mostly spell names out. Learned from the indexed texts
(initials of runs of capitalised words), so it follows whatever office corpus is ingested. Written by
hand: no library here derives acronyms from a corpus.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container, Iterator
from dataclasses import dataclass, field

from rag.text import fold

_CAPITALISED_RUN = re.compile(r"(?:[A-ZĄĆĘŁŃÓŚŹŻ][\wąćęłńóśźż-]+\s+){1,5}[A-ZĄĆĘŁŃÓŚŹŻ][\wąćęłńóśźż-]+")
_ACRONYM = re.compile(r"\b[A-ZĄĆĘŁŃÓŚŹŻ]{2,6}\b")
_ROMAN = re.compile(r"[IVXLC]+")  # "II Konwencja" is an ordinal, not an acronym


def spelled_out(text: str) -> Iterator[tuple[str, str]]:
    """(folded initials, phrase) for every run of 2–6 capitalised words in ``text``."""
    for run in _CAPITALISED_RUN.finditer(text):
        names = run.group().split()
        for start in range(len(names) - 1):
            for end in range(start + 2, min(start + 6, len(names)) + 1):
                phrase = names[start:end]
                yield fold("".join(w[0] for w in phrase)), " ".join(phrase)


def contractions(text: str) -> set[str]:
    """The acronyms ``text`` spells out: a sentence naming "Dom Pomocy Społecznej" mentions "dps"."""
    return {short for short, _ in spelled_out(text)}


@dataclass
class Acronyms:
    expansions: dict[str, str] = field(default_factory=dict)  # folded acronym → its spelled-out name

    @classmethod
    def from_texts(cls, texts: list[str]) -> Acronyms:
        """The most frequent spelling of each acronym across ``texts``."""
        return cls.from_counts(Counter(pair for text in texts for pair in spelled_out(text)))

    @classmethod
    def from_counts(cls, seen: Counter[tuple[str, str]]) -> Acronyms:
        """The most frequent spelling of each acronym, from how often each (initials, phrase) of
        :func:`spelled_out` was seen, in the order first seen (a tie goes to the spelling met first).
        The corpus counts the spellings each chunk stored at ingest, so no text is read again."""
        expansions: dict[str, str] = {}
        for (short, phrase), _ in seen.most_common():
            expansions.setdefault(short, phrase)
        return cls(expansions)

    def is_acronym(self, word: str) -> bool:
        return word.isupper() and not _ROMAN.fullmatch(word) and fold(word) in self.expansions

    def expand(self, question: str, printed: Container[str] = frozenset()) -> str:
        """``question`` with each acronym the documents never print (``printed``: folded words they
        do) followed by its name, "DPS (Dom Pomocy Społecznej)", so both retrievers can find it."""
        def spelled(match: re.Match) -> str:
            word = match.group()
            if not self.is_acronym(word) or fold(word) in printed:
                return word
            return f"{word} ({self.expansions[fold(word)]})"

        return _ACRONYM.sub(spelled, question)
