"""Decides when the documents do not answer: better an honest refusal than a quoted irrelevance.

Each signal is a reason a user would accept: the best sentence is too weak; the question names
something (a place, a person, a year, "III", "the first …") that the documents never mention; the
answer lacks the shape asked for (no amount for "how much did it cost", no date for "when") in a
sentence about the names asked about; or what is asked for is mentioned only in the question's own
words ("Które szpitale…" against "…w szpitalach biorących udział w Projekcie").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.evidence import Evidence
from rag.shapes import expected_shape, names_in, numbers_in
from rag.text import fold


@dataclass
class RefusalPolicy:
    threshold: float
    vocabulary: set[str] = field(default_factory=set)  # folded lemmas and surface words of the index

    def confidence(self, evidence: Evidence) -> float:
        return max((s.score for s in evidence.sentences), default=0.0)

    def reason(self, evidence: Evidence, answer: list[str]) -> str | None:
        """Why the documents don't answer (``answer``: the sentences the composer chose), or None."""
        if not answer:
            return "nothing to quote"
        if self.confidence(evidence) < self.threshold:
            return "weak"
        if evidence.lang == "pl" and self.unknown_names(evidence.question):
            return "unknown name"
        # An article dated 2021 answers "…w 2021?" even when its text never repeats the year.
        passages = " ".join(f"{p.title} {p.date_text} {p.date} {p.text}" for p in evidence.passages)
        if any(not re.search(rf"(?<!\w){n}(?!\w)", passages) for n in numbers_in(evidence.question)):
            return "unknown year or number"
        focused = [s for s in evidence.sentences if s.has_focus and s.text in answer]
        if focused and all(s.echoes_question for s in focused):
            return "what is asked for is mentioned, never named"
        shape = expected_shape(evidence.question)
        if shape and shape.required and not any(shape.matches(text) for text in self._about_names(evidence, answer)):
            return f"no {shape.name} in the answer"
        return None

    @staticmethod
    def _about_names(evidence: Evidence, answer: list[str]) -> list[str]:
        """The answer's texts that concern every name the question mentions (in the sentence or its
        article's title): "Kto przewodniczył delegacji z Trondheim?" is not answered by the person
        who led the Frankfurt delegation."""
        if not evidence.name_keys:
            return answer
        about = {s.text for s in evidence.sentences if evidence.name_keys <= set(s.matched)}
        quoted = {s.text for s in evidence.sentences}
        return [text for text in answer if text in about or text not in quoted]

    def unknown_names(self, question: str) -> list[str]:
        """Capitalised words of a Polish question that appear nowhere in the index, even with a typo.

        Only Polish: English capitalises adjectives and titles ("European Convention") that the Polish
        documents spell differently.
        """
        unknown = []
        for word in names_in(question):
            if len(word) < 3:
                continue
            folded = fold(word)
            if folded in self.vocabulary or any(_near(folded, known) for known in self.vocabulary):
                continue
            unknown.append(word)
        return unknown


def _near(word: str, known: str) -> bool:
    """Same stem: one is a prefix of the other over 5+ letters (inflection), or one edit apart."""
    if min(len(word), len(known)) >= 5 and (word.startswith(known[:5]) and known.startswith(word[:5])):
        return True
    if abs(len(word) - len(known)) > 1:
        return False
    if len(word) == len(known):
        return sum(a != b for a, b in zip(word, known)) <= 1
    short, long_ = sorted((word, known), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
