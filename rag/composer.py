"""The extractive composer: quotes the sentences that answer a question part, each with its source.

Composition is coverage with a budget: the most probable answering sentence (``rag.answering``'s fitted
ranker) first; the sentence right after it when it is likely to elaborate a scene-setting one ("On
7 February we hosted a group from the Netherlands." → "Their main interest was…"); then runners-up
close enough to the best. The thresholds are fitted with the ranker, not chosen here.

When the answer states the asked fact (a person, a date, an amount …) and a sentence from another file
that the ranker would also quote states it differently, that sentence is quoted too, marked as another
source's differing statement (``rag.conflicts.settle``): one such sentence per part, after the others;
beyond the budget when it was not already quoted as a runner-up, since leaving it out would present
one source's word as the documents' answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answering import AnsweringModel, best_first
from rag.claims import Claim, Composer, asked_elsewhere, kept
from rag.config import Settings
from rag.conflicts import settle
from rag.evidence import Evidence, Sentence
from rag.query import QueryPart

_ENUM_SPLIT = re.compile(r",\s+a\s+także\s+|,\s+oraz\s+|\s+oraz\s+|,\s+")


class ExtractiveComposer(Composer):
    def __init__(self, settings: Settings, model: AnsweringModel) -> None:
        super().__init__(settings)
        self.composition = model.composition

    def run(self, evidence: Evidence, budget: int, others: Sequence[QueryPart] = ()) -> list[Claim]:
        return kept(self._claims(evidence, budget, compare=not asked_elsewhere(evidence, others)))

    def _compose(self, evidence: Evidence, budget: int) -> list[Claim]:
        return self._claims(evidence, budget, compare=True)

    def _claims(self, evidence: Evidence, budget: int, compare: bool) -> list[Claim]:
        """``compare``: look for a sentence from another file that states the asked fact differently."""
        ranked = best_first(evidence.sentences)
        if not ranked:
            return []
        best = ranked[0]
        c = self.composition
        chosen = [best]

        def fits(sentence: Sentence) -> bool:  # the best sentence is quoted whole, whatever its length
            return sum(len(s.text) + 1 for s in chosen) + len(sentence.text) <= c.max_chars

        following = next((s for s in ranked if s.passage is best.passage and s.position == best.position + 1), None)
        if following and following.probability >= c.neighbour_ratio * best.probability and fits(following):
            chosen.append(following)
        for sentence in ranked[1:]:
            if len(chosen) >= budget:
                break
            if (sentence not in chosen and sentence.probability >= max(c.add_floor, c.add_ratio * best.probability)
                    and fits(sentence)):
                chosen.append(sentence)
        chosen = chosen[:budget]
        chosen, differing = settle(evidence, chosen, ranked, c.add_floor) if compare else (chosen, None)
        chosen.sort(key=lambda s: (s.rank, s.position))
        as_list = evidence.part.shape == "list"
        claims: list[Claim] = []
        for sentence in chosen:
            claims += _as_list(sentence) if as_list else [Claim(sentence.text, (sentence.passage,))]
        if differing:
            claims.append(Claim(differing.text, (differing.passage,), differs=True))
        return claims


def _as_list(sentence: Sentence) -> list[Claim]:
    """"Goście zwiedzą m.in.: A, B oraz C." → the lead-in, then one bullet per item, each verbatim."""
    text = sentence.text
    colon = text.find(":")
    source = (sentence.passage,)
    if colon < 0:
        return [Claim(text, source)]
    items = [i.strip(" .;") for i in _ENUM_SPLIT.split(text[colon + 1 :]) if i.strip(" .;")]
    if len(items) < 3 or any(len(i) > 160 for i in items):
        return [Claim(text, source)]
    lead = Claim(text[: colon + 1].strip(), source)
    return [lead, *(Claim(item, source, bullet=True) for item in items)]


def _extractive(settings: Settings, model: AnsweringModel) -> Composer:
    return ExtractiveComposer(settings, model)


def _llm_composer(settings: Settings, model: AnsweringModel) -> Composer:
    from rag.llm_composer import LLMComposer  # optional dependencies load only when chosen

    return LLMComposer(settings)


COMPOSERS = {"extractive": _extractive, "llm": _llm_composer}


def build_composer(settings: Settings, model: AnsweringModel) -> Composer:
    try:
        factory = COMPOSERS[settings.composer]
    except KeyError:
        raise ValueError(f"unknown composer {settings.composer!r}; choose one of {sorted(COMPOSERS)}") from None
    return factory(settings, model)
