"""What the answer step works from: the question, its language, and the ranked passages split into
scored sentences. Computed once per question so composers, refusal and briefings share it."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
from cachetools import LRUCache

from rag.acronyms import contractions
from rag.lexical import PolishAnalyzer
from rag.query import QueryPart
from rag.shapes import SHAPES_BY_NAME
from rag.text import passage_sentences, under_title
from rag.types import Passage


@dataclass
class Sentence:
    text: str
    passage: Passage
    rank: int  # rank of its passage, 0 = best
    position: int  # order inside the passage
    heading: str = ""  # the lines it continues ("Miejski Ośrodek Pomocy Społecznej" above its address)
    similarity: float = 0.0  # cosine to the question
    coverage: float = 0.0  # idf-weighted share of the question's terms it contains
    score: float = 0.0  # hand-weighted relevance (meaning + coverage - rank): what briefings sort by
    matched: dict[str, float] = field(default_factory=dict)  # question terms it contains → idf
    has_shape: bool = False  # carries the kind of answer asked for (a date for "when", …)
    has_focus: bool = False  # names what is asked for ("Organizatorami…" for "Kto był organizatorem…")
    echoes_question: bool = False  # … but only in the question's own words (see SentenceScorer._echoes)
    probability: float = 0.0  # that it holds the answer, from the fitted ranker (rag.answering)


@dataclass
class Evidence:
    part: QueryPart
    lang: str
    passages: list[Passage]
    sentences: list[Sentence] = field(default_factory=list)
    term_weights: dict[str, float] = field(default_factory=dict)  # known question terms → idf
    name_keys: set[str] = field(default_factory=set)  # term_weights keys that are names in the question

    @property
    def question(self) -> str:
        return self.part.text

    @property
    def term_groups(self) -> list[list[str]]:
        return [list(g) for g in self.part.groups]

    def without_sentences(self) -> Evidence:
        """The same retrieval with nothing quotable: what a refused briefing is built from."""
        return dataclasses.replace(self, sentences=[])


class SentenceScorer:
    """Scores every sentence of the retrieved passages against the question.

    Meaning (cosine of e5 embeddings) carries English and paraphrased questions; lemma coverage carries
    names, numbers and exact terms; the passage's retrieval rank breaks ties. Sentence vectors come
    from the index (``stored_vectors``: chunk ids → {sentence: vector}), computed once at ingest.
    """

    def __init__(self, embed_model, analyzer: PolishAnalyzer, idf: dict[str, float], stored_vectors=None,
                 coverage_weight: float = 0.35, rank_weight: float = 0.02, cache_entries: int = 50_000) -> None:
        self.embed_model = embed_model
        self.stored_vectors = stored_vectors
        self.analyzer = analyzer
        self.idf = idf
        self.coverage_weight = coverage_weight
        self.rank_weight = rank_weight
        # Bounded: a server that runs for weeks over a large archive would otherwise come to hold most
        # of its sentence vectors (~1.5 KB each). An evicted sentence is fetched again as if new.
        self._vectors: LRUCache[str, np.ndarray] = LRUCache(maxsize=cache_entries)
        self._terms: LRUCache[str, set[str]] = LRUCache(maxsize=cache_entries)

    def run(self, part: QueryPart, lang: str, query_vector: list[float], passages: list[Passage]) -> Evidence:
        evidence = Evidence(part, lang, passages)
        term_groups, focus = evidence.term_groups, part.focus
        for rank, passage in enumerate(passages):
            above = ""
            for position, text in enumerate(passage_sentences(passage.text)):
                # A line starting in lower case ("ul. Józefińska 14…", "tel.: …") continues the lines above it.
                heading = above if not text[:1].isupper() else ""
                evidence.sentences.append(Sentence(text, passage, rank, position, heading=heading))
                above = f"{heading} {text}".strip()
        if not evidence.sentences:
            return evidence
        vectors = self._vectors_for(evidence)
        query = np.asarray(query_vector, dtype=np.float32)
        groups = self.known_groups(term_groups)
        asked = {t for options in term_groups for t in options}
        local = self._local_weights(groups, [s.text for s in evidence.sentences])
        weights = {k: w * local[k] for k, (w, _) in groups.items()}
        total = sum(weights.values())
        shape = SHAPES_BY_NAME.get(part.shape)
        evidence.term_weights = {key: weight for key, (weight, _) in groups.items()}
        evidence.name_keys = {key for key, (_, options) in groups.items() if options & part.names}
        for sentence, vector in zip(evidence.sentences, vectors):
            sentence.similarity = float(vector @ query)
            present = self.terms(sentence.text) | self.context_terms(sentence.passage) | self.terms(sentence.heading)
            sentence.matched = {k: w for k, (w, options) in groups.items() if options & present}
            sentence.coverage = sum(weights[k] for k in sentence.matched) / total if total else 0.0
            sentence.has_shape = bool(shape and shape.matches(sentence.text))
            sentence.has_focus = bool(focus & self.terms(sentence.text))
            sentence.echoes_question = sentence.has_focus and self._echoes(sentence.text, focus, asked)
            sentence.score = (sentence.similarity + self.coverage_weight * sentence.coverage
                              - self.rank_weight * sentence.rank)
        return evidence

    def known_groups(self, term_groups: list[list[str]]) -> dict[str, tuple[float, set[str]]]:
        """Question words the index knows: key → (idf of its best-known reading, its known readings).

        Words the index has never seen (English words, typos, readings no document has) can't be
        matched by any passage, so they carry no weight; refusal looks at unknown names separately.
        """
        groups: dict[str, tuple[float, set[str]]] = {}
        for options in term_groups:
            known = {t for t in options if t in self.idf}
            if known:
                key = max(known, key=lambda t: self.idf[t])
                groups[key] = (self.idf[key], known)
        return groups

    def coverage(self, term_groups: list[list[str]], present: set[str], local: dict[str, float] | None = None) -> float:
        """Share of the question's word weight (idf, times ``local`` if given) among ``present`` terms."""
        groups = self.known_groups(term_groups)
        weights = {k: w * (local or {}).get(k, 1.0) for k, (w, _) in groups.items()}
        total = sum(weights.values())
        return sum(weights[k] for k, (_, options) in groups.items() if options & present) / total if total else 0.0

    def context_terms(self, passage: Passage) -> set[str]:
        """What every sentence of an article says implicitly: its title and its date.

        "2022" and "Frankfurt" in a question pick the article; within it, they should not favour the
        one sentence that happens to repeat them over the sentence that answers.
        """
        return self.terms(f"{passage.title} {passage.date_text} {passage.date[:4]}")

    def terms(self, text: str) -> set[str]:
        """Lemmas of ``text`` and the acronyms it spells out ("Dom Pomocy Społecznej" → dps)."""
        terms = self._terms.get(text)
        if terms is None:
            terms = self._terms[text] = set(self.analyzer.document_terms(text)) | contractions(text)
        return terms

    def _echoes(self, text: str, focus: frozenset[str], asked: set[str]) -> bool:
        """The words after the focus only repeat the question: "…w szpitalach biorących udział w
        Projekcie" for "Które szpitale biorą udział w projekcie?" mentions hospitals without naming one."""
        lemmas = self.analyzer.word_lemmas(text)
        for i, word in enumerate(lemmas):
            if focus & set(word):
                after = lemmas[i + 1 : i + 4]
                return bool(after) and all(asked & set(w) for w in after)
        return False

    def _local_weights(self, groups: dict[str, tuple[float, set[str]]], texts: list[str]) -> dict[str, float]:
        """Down-weight question words that every candidate sentence shares ("Frankfurt" in a question
        about the Frankfurt visit): they say which passage, not which sentence answers."""
        n = len(texts)
        df = {k: sum(bool(options & self.terms(x)) for x in texts) for k, (_, options) in groups.items()}
        return {t: math.log(1 + (n + 1) / (d + 0.5)) ** 2 for t, d in df.items()}

    def _vectors_for(self, evidence: Evidence) -> list[np.ndarray]:
        """Sentence vectors stored at ingest; embedded here only if the index predates them."""
        texts = [s.text for s in evidence.sentences]
        asked = set(texts)
        found = {t: v for t in dict.fromkeys(texts) if (v := self._vectors.get(t)) is not None}
        if len(found) < len(asked):
            stored = self.stored_vectors([p.chunk_id for p in evidence.passages]) if self.stored_vectors else {}
            missing = [s for s in evidence.sentences if s.text not in found and s.text not in stored]
            # The `title` way of ingest/sentence_vectors.py: a passage's forward pass is ingest's work,
            # too slow to redo here for a sentence or two.
            embedded = self.embed_model.get_text_embedding_batch(
                [under_title(s.passage.title, s.text) for s in missing]) if missing else []
            for text, vector in [*stored.items(), *zip([s.text for s in missing], embedded)]:
                self._vectors[text] = array = np.asarray(vector, dtype=np.float32)
                if text in asked:
                    found[text] = array
        return [found[t] for t in texts]
