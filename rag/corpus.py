"""What the assistant derives once from the indexed chunks at load: texts, vocabulary, term weights."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rag.acronyms import Acronyms, contractions
from rag.errors import EmptyIndex
from rag.lexical import PolishAnalyzer
from rag.store import ChunkStore, StoredChunk


@dataclass
class Corpus:
    chunks: list[StoredChunk]
    vocabulary: dict[str, str]  # folded surface word → lemma, to read queries typed without diacritics
    idf: dict[str, float]  # lemma → inverse document frequency over the chunks
    acronyms: Acronyms  # "DPS" → "Dom Pomocy Społecznej", learned from the chunks

    @classmethod
    def load(cls, store: ChunkStore, analyzer: PolishAnalyzer) -> Corpus:
        chunks = store.all_chunks()
        if not chunks:
            raise EmptyIndex("The index is empty. Run `rag ingest` first.")
        vocabulary: dict[str, str] = {}
        for chunk in chunks:
            vocabulary.update(analyzer.surface_to_lemma(chunk.text))
        # A chunk spelling out "Dom Pomocy Społecznej" counts as mentioning "dps" (see SentenceScorer.terms).
        idf = idf_table([c.metadata.get("terms", "").split() + sorted(contractions(c.text)) for c in chunks])
        return cls(chunks, vocabulary, idf, Acronyms.from_texts([c.text for c in chunks]))

    @property
    def known_words(self) -> set[str]:
        """Every lemma and folded surface word the documents contain, and the acronyms they imply."""
        return set(self.idf) | set(self.vocabulary) | set(self.acronyms.expansions)


def idf_table(term_lists: list[list[str]]) -> dict[str, float]:
    """Inverse document frequency of each term over the indexed chunks."""
    n = len(term_lists)
    df: dict[str, int] = {}
    for terms in term_lists:
        for term in set(terms):
            df[term] = df.get(term, 0) + 1
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
