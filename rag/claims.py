"""What every composer produces and the base it implements: claims, each tied to its passages.

Kept apart from the extractive composer so the optional generator (``rag.llm_composer``) and the
default composer depend on this module, not on each other.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from rag.config import Settings
from rag.evidence import Evidence
from rag.query import QueryPart
from rag.types import Passage


@dataclass(frozen=True)
class Claim:
    """A piece of answer text and the passages that support it (quoted verbatim by extractive).

    ``differs``: another source's statement of the asked fact that disagrees with the answer's
    (``rag.conflicts``); rendered with a note saying so."""

    text: str
    passages: tuple[Passage, ...]
    bullet: bool = False
    differs: bool = False


class Composer(ABC):
    """``run`` is the thin public method (it drops empty or unsupported claims); a subclass implements
    ``_compose`` only. ``budget`` is the most sentences this part of the answer may use.

    ``others``: the question's other parts. Where one of them asks for the same kind of answer
    ("Kiedy podpisano porozumienie i kiedy pojechała delegacja?"), a sentence stating a different
    date may be that part's answer, not a disagreement; a composer that marks disagreements
    (``Claim.differs``) marks none then."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def run(self, evidence: Evidence, budget: int, others: Sequence[QueryPart] = ()) -> list[Claim]:
        return kept(self._compose(evidence, budget))

    @abstractmethod
    def _compose(self, evidence: Evidence, budget: int) -> list[Claim]: ...


def kept(claims: list[Claim]) -> list[Claim]:
    """The claims with text and at least one supporting passage."""
    return [c for c in claims if c.text.strip() and c.passages]


def asked_elsewhere(evidence: Evidence, others: Sequence[QueryPart]) -> bool:
    """Another part of the question asks for the same kind of answer as this one."""
    return bool(evidence.part.shape) and any(p.shape == evidence.part.shape for p in others)
