"""What the answer step works from: the question, its language, and the ranked passages split into
scored sentences. Computed once per question so composers, refusal and briefings share it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rag.lexical import PolishAnalyzer
from rag.text import clean_markup, sentence_spans
from rag.types import Passage

MIN_SENTENCE_CHARS = 15


@dataclass
class Sentence:
    text: str
    passage: Passage
    rank: int  # rank of its passage, 0 = best
    position: int  # order inside the passage
    similarity: float = 0.0  # cosine to the question
    coverage: float = 0.0  # idf-weighted share of the question's terms it contains
    score: float = 0.0


@dataclass
class Evidence:
    question: str
    lang: str
    query_terms: list[str]
    passages: list[Passage]
    sentences: list[Sentence] = field(default_factory=list)

    def best_per_source(self) -> dict[str, Sentence]:
        best: dict[str, Sentence] = {}
        for sentence in sorted(self.sentences, key=lambda s: -s.score):
            best.setdefault(sentence.passage.source, sentence)
        return best


class SentenceScorer:
    """Scores every sentence of the retrieved passages against the question.

    Meaning (cosine of e5 embeddings) carries English and paraphrased questions; lemma coverage carries
    names, numbers and exact terms; the passage's retrieval rank breaks ties. Sentence vectors are
    cached by text: the same corpus sentences recur across questions.
    """

    def __init__(self, embed_model, analyzer: PolishAnalyzer, idf: dict[str, float],
                 coverage_weight: float = 0.35, rank_weight: float = 0.02) -> None:
        self.embed_model = embed_model
        self.analyzer = analyzer
        self.idf = idf
        self.coverage_weight = coverage_weight
        self.rank_weight = rank_weight
        self._vectors: dict[str, np.ndarray] = {}
        self._terms: dict[str, set[str]] = {}

    def run(self, question: str, lang: str, query_terms: list[str], query_vector: list[float],
            passages: list[Passage]) -> Evidence:
        evidence = Evidence(question, lang, query_terms, passages)
        for rank, passage in enumerate(passages):
            for position, (start, end) in enumerate(sentence_spans(passage.text)):
                text = clean_markup(passage.text[start:end])
                if len(text) >= MIN_SENTENCE_CHARS:
                    evidence.sentences.append(Sentence(text, passage, rank, position))
        if not evidence.sentences:
            return evidence
        vectors = self._embed([s.text for s in evidence.sentences])
        query = np.asarray(query_vector, dtype=np.float32)
        for sentence, vector in zip(evidence.sentences, vectors):
            sentence.similarity = float(vector @ query)
            sentence.coverage = self.coverage(query_terms, sentence.text)
            sentence.score = (sentence.similarity + self.coverage_weight * sentence.coverage
                              - self.rank_weight * sentence.rank)
        return evidence

    def coverage(self, query_terms: list[str], text: str) -> float:
        """Share of the question's term weight (idf) present in ``text``."""
        if not query_terms:
            return 0.0
        if text not in self._terms:
            self._terms[text] = set(self.analyzer.document_terms(text))
        present = self._terms[text]
        weights = {t: self.idf.get(t, self.max_idf) for t in set(query_terms)}
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in present) / total if total else 0.0

    @property
    def max_idf(self) -> float:
        return max(self.idf.values(), default=1.0)

    def _embed(self, texts: list[str]) -> list[np.ndarray]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vector in zip(missing, self.embed_model.get_text_embedding_batch(missing)):
                self._vectors[text] = np.asarray(vector, dtype=np.float32)
        return [self._vectors[t] for t in texts]


def idf_table(term_lists: list[list[str]]) -> dict[str, float]:
    """Inverse document frequency of each term over the indexed chunks."""
    n = len(term_lists)
    df: dict[str, int] = {}
    for terms in term_lists:
        for term in set(terms):
            df[term] = df.get(term, 0) + 1
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
