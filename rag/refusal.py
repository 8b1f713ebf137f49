"""Decides when the documents do not answer: better an honest refusal than a quoted irrelevance."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.evidence import Evidence

# What a question asks for, and a pattern its answer must contain: a "when" question answered by a
# sentence with no date is a near miss, not an answer.
_EXPECTS = [
    (re.compile(r"^\s*(a\s+)?(kiedy|when|w\s+którym\s+roku|w\s+ktorym\s+roku|what\s+year|in\s+which\s+year)\b", re.I),
     re.compile(r"\b(1[89]\d\d|20\d\d)\b|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b|\bbr\.|"
                r"\b(stycz|lut|marc|kwie|maj|czerw|lip|sierp|wrze|paźdz|pazdz|listop|grud)\w*", re.I)),
    (re.compile(r"^\s*(a\s+)?(ile|how\s+much|how\s+many|jaka\s+(była\s+|byla\s+)?(kwota|wartość|wartosc))\b", re.I),
     re.compile(r"\d")),
]


@dataclass
class RefusalPolicy:
    """Refuse when the best sentence's score is under ``threshold`` or lacks what the question asks for."""

    threshold: float

    def confidence(self, evidence: Evidence) -> float:
        return max((s.score for s in evidence.sentences), default=0.0)

    def run(self, evidence: Evidence) -> bool:
        if self.confidence(evidence) < self.threshold:
            return True
        top = sorted(evidence.sentences, key=lambda s: -s.score)[:3]
        for asks, answer_shape in _EXPECTS:
            if asks.search(evidence.question) and not any(answer_shape.search(s.text) for s in top):
                return True
        return False
