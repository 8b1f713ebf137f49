"""Composers turn evidence into claims, each tied to the passage it came from.

``Composer.run`` is the thin public method (it drops empty or unsupported claims); a subclass
implements ``_compose`` only. Retrieval never changes when the composer does.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from rag.config import Settings
from rag.evidence import Evidence, Sentence
from rag.types import Passage

_ENUM_SPLIT = re.compile(r",\s+a\s+także\s+|,\s+oraz\s+|\s+oraz\s+|,\s+")


@dataclass
class Claim:
    """A piece of answer text and the passages that support it (quoted verbatim by extractive)."""

    text: str
    passages: list[Passage]
    bullet: bool = False


class Composer(ABC):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def run(self, evidence: Evidence) -> list[Claim]:
        return [c for c in self._compose(evidence) if c.text.strip() and c.passages]

    @abstractmethod
    def _compose(self, evidence: Evidence) -> list[Claim]: ...


class ExtractiveComposer(Composer):
    """Quotes the sentences that answer the question, in document order, each with its source.

    Starts from the best sentence, then adds a close runner-up only when it brings something the
    answer lacks: a question term not yet covered ("Kto reprezentował MOPS…" after the sentence that
    only sets the scene; the second document of a two-part question), the kind of answer asked
    for (a date for "kiedy"), or the noun naming what is asked for ("Organizatorami…" for "Kto był
    organizatorem…").
    """

    margin = 0.2  # how far below the best a sentence may score and still be considered
    shape_margin = 0.3  # … or, when the answer lacks the kind asked for, one of the same article that has it
    min_gain = 0.2  # share of the question's term weight a sentence must add

    def _compose(self, evidence: Evidence) -> list[Claim]:
        ranked = _unique(sorted(evidence.sentences, key=lambda s: -s.score))
        if not ranked:
            return []
        best = ranked[0]
        chosen = [best]
        covered = set(best.matched)
        total = sum(evidence.term_weights.values()) or 1.0
        for sentence in ranked[1:]:
            if len(chosen) >= self.settings.max_answer_sentences or sentence.score < best.score - self.shape_margin:
                break
            gain = sum(w for t, w in sentence.matched.items() if t not in covered) / total
            close = sentence.score >= best.score - self.margin
            nearby = close or _article(sentence) in {_article(s) for s in chosen}
            adds_shape = sentence.has_shape and not any(s.has_shape for s in chosen) and nearby
            adds_focus = sentence.has_focus and not any(s.has_focus for s in chosen) and nearby
            if (close and gain >= self.min_gain) or adds_shape or adds_focus:
                chosen.append(sentence)
                covered |= set(sentence.matched)
        chosen.sort(key=lambda s: (s.rank, s.position))
        as_list = evidence.expects == "list"
        claims: list[Claim] = []
        for sentence in chosen:
            claims += _as_list(sentence) if as_list else [Claim(sentence.text, [sentence.passage])]
        return claims


def _article(sentence: Sentence) -> tuple[str, int]:
    return sentence.passage.source, sentence.passage.article


def _unique(sentences: list[Sentence]) -> list[Sentence]:
    """Overlapping chunks repeat sentences; keep the best-scored copy of each."""
    seen: set[str] = set()
    kept = []
    for sentence in sentences:
        if sentence.text not in seen:
            seen.add(sentence.text)
            kept.append(sentence)
    return kept


def _as_list(sentence: Sentence) -> list[Claim]:
    """"Goście zwiedzą m.in.: A, B oraz C." → the lead-in, then one bullet per item, each verbatim."""
    text = sentence.text
    colon = text.find(":")
    if colon < 0:
        return [Claim(text, [sentence.passage])]
    items = [i.strip(" .;") for i in _ENUM_SPLIT.split(text[colon + 1 :]) if i.strip(" .;")]
    if len(items) < 3 or any(len(i) > 160 for i in items):
        return [Claim(text, [sentence.passage])]
    lead = Claim(text[: colon + 1].strip(), [sentence.passage])
    return [lead, *(Claim(item, [sentence.passage], bullet=True) for item in items)]


def _llm_composer(settings: Settings) -> Composer:
    from rag.llm_composer import LLMComposer  # optional dependencies load only when chosen

    return LLMComposer(settings)


COMPOSERS = {"extractive": ExtractiveComposer, "llm": _llm_composer}


def build_composer(settings: Settings) -> Composer:
    try:
        factory = COMPOSERS[settings.composer]
    except KeyError:
        raise ValueError(f"unknown composer {settings.composer!r}; choose one of {sorted(COMPOSERS)}") from None
    return factory(settings)
