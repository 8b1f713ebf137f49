"""The query engine: question → retrieval → evidence → refusal or cited answer; topic → briefing."""

from __future__ import annotations

import time
from contextlib import contextmanager

from llama_index.core.schema import NodeWithScore, QueryBundle

from rag.briefing import Briefer
from rag.composer import Claim, build_composer
from rag.config import Settings
from rag.embedding import load_embed_model, model_fingerprint
from rag.corpus import Corpus
from rag.errors import InvalidQuestion
from rag.evidence import Evidence, QuestionTerms, SentenceScorer
from rag.followup import part_queries, resolve, split_parts
from rag.lexical import PolishAnalyzer
from rag.refusal import RefusalPolicy
from rag.render import render_answer, render_refusal
from rag.shapes import focus_noun, names_in
from rag.retrieval import DENSE_SCORE, KEYWORD_SCORE, build_retriever
from rag.store import ChunkStore
from rag.text import detect_lang
from rag.types import Answer, Briefing, Passage

BRIEF_CANDIDATES = 30


class Assistant:
    """Loads the model, the store and the keyword index once; answers many questions."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.load()
        self.embed_model = load_embed_model(self.settings)
        self.store = ChunkStore(self.settings, model_fingerprint(self.settings))
        self.analyzer = PolishAnalyzer()
        corpus = Corpus.load(self.store, self.analyzer)
        self.vocabulary = corpus.vocabulary
        self.acronyms = corpus.acronyms
        self.retriever = build_retriever(self.settings, self.store, self.embed_model, corpus)
        self.brief_retriever = build_retriever(
            self.settings.replace(candidates=BRIEF_CANDIDATES), self.store, self.embed_model, corpus
        )
        self.scorer = SentenceScorer(self.embed_model, self.analyzer, corpus.idf, self.store.sentence_vectors)
        self.composer = build_composer(self.settings)
        self.refusal = RefusalPolicy(self.settings.refusal_threshold, vocabulary=corpus.known_words)
        self.briefer = Briefer()

    def ask(self, question: str, history: list[str] | None = None) -> Answer:
        """Answer ``question``; ``history`` (earlier questions, oldest first) resolves follow-ups.

        A question that asks two things is answered part by part, each on its own evidence.
        """
        timings: dict[str, float] = {}
        with _timer(timings, "total"):
            question = self._validate(question)
            lang = detect_lang(question)
            query = resolve(question, history or [], self._terms)
            parts = split_parts(question) if query == question else [question]
            queries = part_queries(parts, self._terms) if len(parts) > 1 else [query]
            answered: list[Claim] = []
            evidences = []
            for part, part_query in zip(parts, queries):
                evidence = self._evidence(part, part_query, lang, self.retriever, self.settings.top_k, timings)
                evidences.append(evidence)
                with _timer(timings, "compose"):
                    claims = self.composer.run(evidence)
                    if self.refusal.reason(evidence, [c.text for c in claims]) is None:
                        answered += [c for c in claims if c.text not in {a.text for a in answered}]
            passages = _interleave([e.passages for e in evidences])
            if answered:
                text, sentences, citations = render_answer(answered, lang)
            else:
                text, citations = render_refusal(passages, lang)
                sentences = []
        return Answer(
            question=question, answer=text, refused=not answered, citations=citations, sentences=sentences,
            lang=lang, retrieval_query=" | ".join(queries), passages=passages, timings_ms=timings,
            confidence=min(self.refusal.confidence(e) for e in evidences),
        )

    def brief(self, topic: str) -> Briefing:
        """A chronological, cited briefing on a topic, partner or period."""
        timings: dict[str, float] = {}
        with _timer(timings, "total"):
            topic = self._validate(topic)
            lang = detect_lang(topic)
            evidence = self._evidence(topic, topic, lang, self.brief_retriever, BRIEF_CANDIDATES, timings)
            best = max(evidence.sentences, key=lambda s: s.score, default=None)
            on_topic = best is not None and self.refusal.reason(evidence, [best.text]) is None
            with _timer(timings, "compose"):
                briefing = self.briefer.run(topic, evidence if on_topic else evidence.without_sentences(), self.scorer)
        briefing.timings_ms = timings
        return briefing

    def _evidence(self, question: str, query: str, lang: str, retriever, top_k: int,
                  timings: dict[str, float]) -> Evidence:
        query = self.acronyms.expand(query, printed=self.vocabulary)
        with _timer(timings, "embed"):
            vector = self.embed_model.get_query_embedding(query)
        with _timer(timings, "retrieve"):
            hits = retriever.retrieve(QueryBundle(query_str=query, embedding=vector))
        passages = [_passage(hit) for hit in hits[:top_k]]
        with _timer(timings, "score"):
            return self.scorer.run(question, lang, self._question_terms(question, query), vector, passages)

    def _question_terms(self, question: str, query: str) -> QuestionTerms:
        focus = focus_noun(question)
        return QuestionTerms(
            groups=self.analyzer.query_term_groups(query, self.vocabulary),
            focus=frozenset(self._terms(focus)) if focus else frozenset(),
            names=frozenset(t for name in names_in(question) for t in self._terms(name)),
        )

    def _terms(self, text: str) -> list[str]:
        return self.analyzer.query_terms(text, self.vocabulary)

    def _validate(self, question: str) -> str:
        question = " ".join((question or "").split())
        if not question:
            raise InvalidQuestion("The question is empty. / Pytanie jest puste.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise InvalidQuestion(
                f"The question is {len(question)} characters long; the limit is {limit}. "
                f"/ Pytanie ma {len(question)} znaków; limit to {limit}."
            )
        return question


def _interleave(rankings: list[list[Passage]]) -> list[Passage]:
    """One ranking from several (one per question part): first of each, then second of each, …"""
    merged: dict[str, Passage] = {}
    for rank in range(max(map(len, rankings), default=0)):
        for ranking in rankings:
            if rank < len(ranking):
                merged.setdefault(ranking[rank].chunk_id, ranking[rank])
    return list(merged.values())


def _passage(hit: NodeWithScore) -> Passage:
    m = hit.node.metadata
    return Passage(
        chunk_id=hit.node.node_id, text=hit.node.get_content(), source=m.get("source", ""),
        title=m.get("title", ""), date=m.get("date", ""), date_text=m.get("date_text", ""),
        article=int(m.get("article", 0)), start_char=int(m.get("start_char", 0)),
        end_char=int(m.get("end_char", 0)), score=float(hit.score or 0.0),
        dense_score=m.get(DENSE_SCORE), keyword_score=float(m.get(KEYWORD_SCORE, 0.0)),
    )


@contextmanager
def _timer(timings: dict[str, float], name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + (time.perf_counter() - start) * 1000
