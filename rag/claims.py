"""What every composer produces and the base it implements: claims, each tied to its passages.

Kept apart from the extractive composer so the optional generator (``rag.llm_composer``) and the
default composer depend on this module, not on each other.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from rag.config import Settings
from rag.evidence import Evidence
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
    ``_compose`` only. ``budget`` is the most sentences this part of the answer may use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def run(self, evidence: Evidence, budget: int) -> list[Claim]:
        return [c for c in self._compose(evidence, budget) if c.text.strip() and c.passages]

    @abstractmethod
    def _compose(self, evidence: Evidence, budget: int) -> list[Claim]: ...
