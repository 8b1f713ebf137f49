"""Resolves a follow-up question against the conversation, without a generator.

"a kto jej przewodniczył?" after "Kiedy była wizyta z Frankfurtu w 2022?" cannot be retrieved alone:
its subject lives in the earlier question. A follow-up (it leans on a pronoun or a leading "a"/"and",
or names almost nothing itself) is searched together with the last self-contained question.
"""

from __future__ import annotations

import re

_LEANS_ON_CONTEXT = re.compile(
    r"^\s*(a|i|oraz|and|also|what\s+about|how\s+about)\b"
    r"|\b(jej|jego|ich|niej|niego|nich|nią|nim|tam|tego|tej|temu|tę|tym|wtedy|it|its|they|them|their|"
    r"there|then|that|this|he|she|her|him|his)\b",
    re.IGNORECASE,
)
_MAX_CONTENT_WORDS = 3


def is_followup(question: str, content_terms: list[str]) -> bool:
    return bool(_LEANS_ON_CONTEXT.search(question)) and len(content_terms) <= _MAX_CONTENT_WORDS


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
