"""The query engine: question → retrieval → evidence → refusal or cited answer; topic → briefing."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property

from llama_index.core.schema import NodeWithScore, QueryBundle

from rag.answering import AnsweringModel
from rag.briefing import Briefer
from rag.claims import Claim
from rag.composer import build_composer
from rag.config import Settings
from rag.corpus import Corpus, cache_folder
from rag.embedding import load_query_model, model_fingerprint
from rag.errors import InvalidQuestion
from rag.evidence import Evidence, SentenceScorer
from rag.lexical import PolishAnalyzer
from rag.bilingual import english_polish
from rag.query import QueryAnalysis, QueryAnalyzer, QueryPart
from rag.followup import DANGLING_NOTE
from rag.render import render_answer, render_refusal
from rag.retrieval import build_retriever
from rag.store import ChunkStore, open_client
from rag.types import Answer, Briefing, Passage

BRIEF_CANDIDATES = 30


class Assistant:
    """Loads the model, the store, the keyword index and the fitted answering model once; answers many
    questions."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.load()
        open_client(self.settings, create=False)  # no index, or no server: say so before any model work
        self.embed_model = load_query_model(self.settings)
        self.store = ChunkStore(self.settings, model_fingerprint(self.settings))
        self.analyzer = PolishAnalyzer()
        # What every chunk stored at ingest implies, kept under the data dir (each ingest saves it).
        self.corpus = corpus = Corpus.load(self.store, self.analyzer, cache_dir=cache_folder(self.settings))
        dictionary = english_polish(self.settings.english_dictionary) if self.settings.english_dictionary else None
        self.queries = QueryAnalyzer(self.analyzer, corpus.vocabulary, corpus.acronyms, corpus.known_words, dictionary)
        self.retriever = build_retriever(self.settings, self.store, self.embed_model, corpus)
        self.scorer = SentenceScorer(self.embed_model, self.analyzer, corpus.idf, self.store.sentence_vectors,
                                     cache_entries=self.settings.scorer_cache_entries)
        self.briefer = Briefer()

    @cached_property
    def brief_retriever(self):
        """Built on the first briefing: a process that only answers questions never needs it."""
        return build_retriever(
            self.settings.replace(candidates=BRIEF_CANDIDATES), self.store, self.embed_model, self.corpus
        )

    @cached_property
    def answering(self) -> AnsweringModel:
        """Loaded on first use, so the script that fits it can gather evidence without one."""
        return AnsweringModel.load(self.settings.answering_model)

    @cached_property
    def composer(self):
        return build_composer(self.settings, self.answering)

    def ask(self, question: str, history: list[str] | None = None) -> Answer:
        """Answer ``question``; ``history`` (earlier questions, oldest first) resolves follow-ups.

        A question that asks two things is answered part by part, each on its own evidence and within
        its share of the sentence budget; a part the documents do not answer is said to be unanswered.
        """
        timings: dict[str, float] = {}
        with _timer(timings, "total"):
            analysis = self.analyse(question, history)
            evidences = self.evidence(analysis, timings)
            budget = max(1, -(-self.settings.max_answer_sentences // len(evidences)))
            answered: list[Claim] = []
            unanswered: list[str] = []
            confidences = []
            with _timer(timings, "compose"):
                for evidence in evidences:
                    answerable, confidence = self.answering.judge(evidence)
                    confidences.append(confidence)
                    others = [e.part for e in evidences if e is not evidence]  # a two-part question's other asks
                    claims = self.composer.run(evidence, budget, others=others) if answerable else []
                    answered += [c for c in claims if c.text not in {a.text for a in answered}]
                    if not claims:
                        unanswered.append(evidence.part.text)
            passages = _interleave([e.passages for e in evidences])
            if answered:
                text, sentences, citations = render_answer(answered, analysis.lang, unanswered)
            else:
                text, citations = render_refusal(passages, analysis.lang)
                sentences = []
            if analysis.dangling:
                text = f"{DANGLING_NOTE[analysis.lang]}\n{text}"
        return Answer(
            question=analysis.question, answer=text, refused=not answered, citations=citations,
            sentences=sentences, lang=analysis.lang, retrieval_query=analysis.retrieval_query, passages=passages,
            timings_ms=timings, confidence=min(confidences),
        )

    def analyse(self, question: str, history: list[str] | None = None, split: bool = True) -> QueryAnalysis:
        return self.queries.run(self._validate(question), history, split=split)

    def evidence(self, analysis: QueryAnalysis, timings: dict[str, float] | None = None) -> list[Evidence]:
        """Retrieved passages and scored sentences for each part of the question (not yet ranked)."""
        timings = {} if timings is None else timings
        return [self._evidence(part, analysis.lang, self.retriever, self.settings.top_k, timings)
                for part in analysis.parts]

    def brief(self, topic: str) -> Briefing:
        """A chronological, cited briefing on a topic, partner or period."""
        timings: dict[str, float] = {}
        with _timer(timings, "total"):
            analysis = self.analyse(topic, split=False)
            about = self.briefer.read(topic, self.scorer.idf)
            part = analysis.parts[0]
            if about.places:  # "Norwegian cities": retrieve the cities the documents name (rag.places)
                part = replace(part, query=f"{part.query} {' '.join(about.places)}")
            evidence = self._evidence(part, analysis.lang, self.brief_retriever, BRIEF_CANDIDATES, timings)
            on_topic, _ = self.answering.judge(evidence)
            with _timer(timings, "compose"):
                briefing = self.briefer.run(topic, evidence, self.scorer, on_topic=on_topic, about=about)
        briefing.timings_ms = timings
        return briefing

    def _evidence(self, part: QueryPart, lang: str, retriever, top_k: int, timings: dict[str, float]) -> Evidence:
        with _timer(timings, "embed"):
            vector = self.embed_model.get_query_embedding(part.query)
        with _timer(timings, "retrieve"):
            hits = retriever.retrieve(QueryBundle(query_str=part.query, embedding=vector))
        passages = [_passage(hit) for hit in hits[:top_k]]
        with _timer(timings, "score"):
            return self.scorer.run(part, lang, vector, passages)

    def _validate(self, question: str) -> str:
        """The question with its white space collapsed, or ``InvalidQuestion`` saying what to change.

        Programs reach this too (the chat's API), so a question that is not text is refused here. A
        lone UTF-16 surrogate ("Kto\\ud800?", sent by a broken client or a half-pasted emoji) cannot
        be encoded: the tokenizer (after three retries), Morfeusz and the page's JSON each fail on it
        with an error no user can act on. It is refused rather than stripped: stripping would answer
        a question the user did not type, and typing it again is easy.
        """
        if not isinstance(question or "", str):
            raise InvalidQuestion("The question must be text. / Pytanie musi być tekstem.")
        question = " ".join((question or "").split())
        if not question:
            raise InvalidQuestion("The question is empty. / Pytanie jest puste.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise InvalidQuestion(
                f"The question is {len(question)} characters long; the limit is {limit}. "
                f"/ Pytanie ma {len(question)} znaków; limit to {limit}."
            )
        try:
            question.encode("utf-8")
        except UnicodeEncodeError as error:
            raise InvalidQuestion(
                "The question contains a broken character (a lone UTF-16 surrogate); please type it again. "
                "/ Pytanie zawiera uszkodzony znak (pojedynczy surogat UTF-16); wpisz je ponownie."
            ) from error
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
        path=m.get("path", ""), page=int(m.get("page", 0)), ocr=bool(m.get("ocr", False)),
    )


@contextmanager
def _timer(timings: dict[str, float], name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + (time.perf_counter() - start) * 1000
