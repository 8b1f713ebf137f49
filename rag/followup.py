"""Resolves a follow-up question against the conversation, without a generator.

"a kto jej przewodniczył?" after "Kiedy była wizyta z Frankfurtu w 2022?" cannot be retrieved alone:
its subject lives in the earlier question. A follow-up (it leans on a pronoun or a leading "a"/"and",
or names almost nothing itself) is searched together with the last self-contained question.
"""

from __future__ import annotations

import re

_CONTINUES = r"^\s*(a|i|oraz|and|also|what\s+about|how\s+about)\b"
_POINTS_BACK = re.compile(
    r"\b(jej|jego|ich|je|niej|niego|nich|nią|nim|tam|tamtejsz\w*|tego|tej|temu|tę|tym|wtedy|it|its|they|them|their|"
    r"there|then|that|this|he|she|her|him|his)\b",
    re.IGNORECASE,
)
_LEANS_ON_CONTEXT = re.compile(_CONTINUES + "|" + _POINTS_BACK.pattern, re.IGNORECASE)
_MAX_CONTENT_WORDS = 3


def points_back(question: str) -> bool:
    """It names its subject by a pronoun ("a kto jej przewodniczył?"), not merely continues the talk
    ("A kiedy podpisano porozumienie?" names its own subject)."""
    return bool(_POINTS_BACK.search(question))


def is_followup(question: str, content_terms: list[str]) -> bool:
    return bool(_LEANS_ON_CONTEXT.search(question)) and len(content_terms) <= _MAX_CONTENT_WORDS


# Said before the answer when a question points back ("a kto jej przewodniczył?") at nothing.
DANGLING_NOTE = {
    "pl": "To pytanie odwołuje się do czegoś wcześniejszego, a w tej rozmowie nie padło wcześniej żadne "
          "pytanie; odpowiadam na nie tak, jak zostało zadane.",
    "en": "This question refers back to something, but nothing was asked before in this conversation; "
          "it is answered as asked.",
}


def dangling(question: str, history: list[str], terms_of) -> bool:
    """A follow-up with no earlier self-contained question to lean on."""
    return is_followup(question, terms_of(question)) and all(is_followup(h, terms_of(h)) for h in history)


def resolve(question: str, history: list[str], terms_of) -> str:
    """The text to retrieve with: ``question`` alone, or the last standalone question plus it.

    ``terms_of`` maps a question to its content terms (the keyword analyser's query terms).
    """
    if not is_followup(question, terms_of(question)):
        return question
    for earlier in reversed(history):
        if not is_followup(earlier, terms_of(earlier)):
            return f"{earlier.strip()} {question.strip()}"
    return question


# "Kiedy podpisano porozumienie i kiedy pojechała delegacja?": two questions in one. Each part is
# answered on its own evidence; a part that names little itself is searched with the first part.
_WH = (r"(?:kiedy|kto|komu|jak|jaki\w*|jakie\w*|któr\w+|ktor\w+|ile|ilu|gdzie|co|czego|czym|po\s+co|"
       r"when|who|what|which|how|where|why)\b")
_SECOND_QUESTION = re.compile(r",?\s+(?:a|i|oraz|and)\s+(?=" + _WH + ")", re.IGNORECASE)
_HAS_QUESTION_WORD = re.compile(r"\b" + _WH, re.IGNORECASE)


def split_parts(question: str) -> list[str]:
    """The sub-questions of a question that asks two things; ``[question]`` otherwise."""
    match = _SECOND_QUESTION.search(question)
    if not match or not _HAS_QUESTION_WORD.search(question[: match.start()]):
        return [question]
    return [question[: match.start()].strip(" ,") + "?", question[match.end() :].strip()]


def part_queries(parts: list[str], terms_of) -> list[str]:
    """Retrieval text per part: later parts that name little themselves, or point back to the first
    ("…i kiedy nasza delegacja pojechała tam?"), carry the first part along."""
    first = parts[0]
    return [first] + [f"{first} {p}" if _LEANS_ON_CONTEXT.search(p) or len(terms_of(p)) <= _MAX_CONTENT_WORDS
                      else p for p in parts[1:]]
