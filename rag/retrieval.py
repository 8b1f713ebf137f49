"""Dense, keyword (BM25 over Polish lemmas) and hybrid retrievers, as llama-index retrievers.

The keyword index is built from the lemmas stored with every chunk in Chroma (``rag.corpus``, which
keeps it on disk keyed by the store's version and chunks), so it survives restarts and can never drift
from the vectors after a re-ingest or a deletion (llama-index's ``BM25Retriever`` persists separately
and forgets a custom stemmer on reload). Only the hits are read from the store and become llama-index
nodes: reading every chunk at start-up took 4.9 s at 10^4 chunks, reading 20 hits by id takes ~5 ms.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from rag.config import Settings
from rag.lexical import PolishAnalyzer
from rag.corpus import Corpus, keyword_index
from rag.errors import StoreUnavailable
from rag.store import ChunkStore, StoredChunk, advice, where


class KeywordRetriever(BaseRetriever):
    """BM25 (bm25s) over the lemmas stored in Chroma, or over folded surface words for the ablation."""

    def __init__(self, corpus: Corpus, top_k: int, lemmatize: bool = True) -> None:
        super().__init__()
        self.analyzer = PolishAnalyzer(lemmatize=lemmatize)
        self.top_k = top_k
        self.chunk_ids, self.fetch = corpus.chunk_ids, corpus.fetch
        self.vocabulary = corpus.vocabulary if lemmatize else {}
        if lemmatize:
            self.bm25 = corpus.keyword_index
        else:
            self.bm25 = keyword_index([self.analyzer.document_terms(f"{c.metadata.get('title', '')}\n{c.text}")
                                       for c in corpus.chunks])

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        terms = self.analyzer.query_terms(query_bundle.query_str, self.vocabulary)
        if not terms or not self.chunk_ids:
            return []
        scores = self.bm25.get_scores(terms)
        order = np.argsort(-scores)[: self.top_k]
        ranked = [(self.chunk_ids[i], float(scores[i])) for i in order if scores[i] > 0]
        chunks = {c.chunk_id: c for c in self.fetch([chunk_id for chunk_id, _ in ranked])}
        return [NodeWithScore(node=_node(chunks[chunk_id]), score=score) for chunk_id, score in ranked
                if chunk_id in chunks]  # one deleted by an ingest since load: the reload will follow


class DenseRetriever(BaseRetriever):
    """llama-index's vector retriever over the Chroma store, reporting cosine similarity."""

    def __init__(self, store: ChunkStore, embed_model, top_k: int) -> None:
        super().__init__()
        index = VectorStoreIndex.from_vector_store(store.vector_store(), embed_model=embed_model)
        self.inner = index.as_retriever(similarity_top_k=top_k)
        self.where = where(store.settings)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        try:
            hits = self.inner.retrieve(query_bundle)
        except Exception as error:  # llama-index passes chromadb's and httpx's errors through as they are
            raise StoreUnavailable(f"Chroma store at {self.where} failed: {error}{advice(error)}") from error
        for hit in hits:
            # ChromaVectorStore reports exp(-cosine distance); a cosine reads better in a citation.
            hit.score = 1.0 + math.log(max(hit.score or 0.0, 1e-12))
        return hits


@dataclass(frozen=True)
class Fusion:
    """How :func:`fuse` merges the two rankings, and its knobs (``Settings``: ``fusion``, ``dense_weight``,
    ``rrf_k``, ``cosine_gap``; chosen by ``python -m eval.fit_retrieval``)."""

    method: str = "gap"  # a name of _SCORERS: gap | rrf | relative_score | dist_based_score
    dense_weight: float = 0.75  # rrf, relative_score, dist_based_score: the dense ranking's share
    rrf_k: int = 10  # rrf: the reciprocal-rank constant
    cosine_gap: float = 0.02  # gap: a cosine this far below the best dense hit costs the keyword ranking's whole range

    def __post_init__(self) -> None:
        if self.method not in _SCORERS:  # defined below with the scorers; read only when a Fusion is made
            raise ValueError(f"unknown fusion {self.method!r}; choose one of {', '.join(_SCORERS)}")

    @classmethod
    def from_settings(cls, settings: Settings) -> Fusion:
        return cls(settings.fusion, settings.dense_weight, settings.rrf_k, settings.cosine_gap)


class HybridRetriever(BaseRetriever):
    """Dense and keyword hits fused into one ranking by :func:`fuse`.

    Written by hand because llama-index's ``QueryFusionRetriever`` applies its ``retriever_weights``
    only in its score-based modes (its reciprocal-rank mode weighs every retriever alike with a fixed
    k of 60, too flat for the 20 candidates each retriever returns here), and none of its modes lets a
    keyword hit with a clear margin outrank a crowd of dense hits that are all about equally close:
    ``relative_score`` and ``dist_based_score`` are offered here too, with the same arithmetic.
    """

    def __init__(self, dense: BaseRetriever, keyword: BaseRetriever, fusion: Fusion, top_k: int) -> None:
        super().__init__()
        self.dense, self.keyword = dense, keyword
        self.fusion = fusion
        self.top_k = top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return fuse(self.dense.retrieve(query_bundle), self.keyword.retrieve(query_bundle), self.fusion, self.top_k)


def fuse(dense: list[NodeWithScore], keyword: list[NodeWithScore], fusion: Fusion, top_k: int) -> list[NodeWithScore]:
    """The two rankings (each best first, dense scored by cosine, keyword by BM25) fused, best first,
    at most ``top_k``; the score is the fused one. By ``fusion.method``:

    - ``gap``: ``bm25 / best bm25 - (best cosine - cosine) / cosine_gap``. A candidate the keyword ranking
      did not return counts as bm25 0, one the dense ranking did not return as the dense ranking's
      lowest cosine (its floor). Scores, not ranks: when the dense hits are all about equally close
      (an archive of similar items), their cosines differ by little and a keyword hit that stands out
      (a name only one document contains) comes first; when the keyword scores are all alike, the
      cosines decide.
    - ``rrf``: ``Σ weight / (rrf_k + rank)`` over the two rankings (rank from 1); the dense ranking weighs
      ``dense_weight``, the keyword ranking the rest.
    - ``relative_score`` / ``dist_based_score``: llama-index ``QueryFusionRetriever``'s modes with
      ``retriever_weights`` (``dense_weight``, the rest): each ranking's scores scaled to [0, 1] by its
      minimum and maximum, or by its mean ± 3 standard deviations, weighted and summed; a candidate one
      ranking did not return gets 0 from it.
    """
    scores = _SCORERS[fusion.method](dense, keyword, fusion)
    nodes = {hit.node.node_id: hit.node for hit in [*keyword, *dense]}  # one node per id, the dense copy last
    ranked = sorted(scores, key=lambda k: -scores[k])[:top_k]
    return [NodeWithScore(node=nodes[k], score=scores[k]) for k in ranked]


def _gap(dense: list[NodeWithScore], keyword: list[NodeWithScore], cosine_gap: float) -> dict[str, float]:
    cosine = {hit.node.node_id: hit.score or 0.0 for hit in reversed(dense)}  # a duplicate keeps its best
    bm25 = {hit.node.node_id: hit.score or 0.0 for hit in reversed(keyword)}
    best_cosine, floor = (max(cosine.values()), min(cosine.values())) if cosine else (0.0, 0.0)
    best_bm25 = max(bm25.values(), default=0.0)
    return {key: (bm25.get(key, 0.0) / best_bm25 if best_bm25 > 0 else 0.0)
            - (best_cosine - cosine.get(key, floor)) / cosine_gap
            for key in dict.fromkeys([*(h.node.node_id for h in dense), *(h.node.node_id for h in keyword)])}


def _rrf(dense: list[NodeWithScore], keyword: list[NodeWithScore], dense_weight: float, rrf_k: int) -> dict[str, float]:
    scores: dict[str, float] = {}
    for weight, hits in ((dense_weight, dense), (1.0 - dense_weight, keyword)):
        for rank, hit in enumerate(hits):
            key = hit.node.node_id
            scores[key] = scores.get(key, 0.0) + weight / (rrf_k + rank + 1)
    return scores


def _scaled(dense: list[NodeWithScore], keyword: list[NodeWithScore], dense_weight: float, spread: bool) -> dict[str, float]:
    scores: dict[str, float] = {}
    for weight, hits in ((dense_weight, dense), (1.0 - dense_weight, keyword)):
        values = [hit.score or 0.0 for hit in hits]
        if not values:
            continue
        if spread:
            mean = sum(values) / len(values)
            sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
            low, high = mean - 3 * sd, mean + 3 * sd
        else:
            low, high = min(values), max(values)
        for hit, value in zip(hits, values):
            scaled = (1.0 if high > 0 else 0.0) if high == low else (value - low) / (high - low)
            scores[hit.node.node_id] = scores.get(hit.node.node_id, 0.0) + weight * scaled
    return scores


Scorer = Callable[[list[NodeWithScore], list[NodeWithScore], Fusion], dict[str, float]]
_SCORERS: dict[str, Scorer] = {  # fusion method → how it scores the candidates
    "gap": lambda dense, keyword, f: _gap(dense, keyword, f.cosine_gap),
    "rrf": lambda dense, keyword, f: _rrf(dense, keyword, f.dense_weight, f.rrf_k),
    "relative_score": lambda dense, keyword, f: _scaled(dense, keyword, f.dense_weight, spread=False),
    "dist_based_score": lambda dense, keyword, f: _scaled(dense, keyword, f.dense_weight, spread=True),
}


def _node(chunk: StoredChunk) -> TextNode:
    metadata = {k: v for k, v in chunk.metadata.items() if not k.startswith("_")}
    return TextNode(id_=chunk.chunk_id, text=chunk.text, metadata=metadata)


RetrieverFactory = Callable[[Settings, ChunkStore, object, Corpus], BaseRetriever]


def _dense(settings: Settings, store: ChunkStore, embed_model, corpus: Corpus) -> BaseRetriever:
    return DenseRetriever(store, embed_model, settings.candidates)


def _bm25(settings: Settings, store: ChunkStore, embed_model, corpus: Corpus) -> BaseRetriever:
    return KeywordRetriever(corpus, settings.candidates, lemmatize=True)


def _bm25_raw(settings: Settings, store: ChunkStore, embed_model, corpus: Corpus) -> BaseRetriever:
    return KeywordRetriever(corpus, settings.candidates, lemmatize=False)


def _hybrid(settings: Settings, store: ChunkStore, embed_model, corpus: Corpus) -> BaseRetriever:
    return HybridRetriever(
        _dense(settings, store, embed_model, corpus), _bm25(settings, store, embed_model, corpus),
        Fusion.from_settings(settings), settings.candidates,
    )


RETRIEVERS: dict[str, RetrieverFactory] = {
    "dense": _dense,
    "bm25": _bm25,
    "bm25_raw": _bm25_raw,
    "hybrid": _hybrid,
}


def build_retriever(settings: Settings, store: ChunkStore, embed_model, corpus: Corpus) -> BaseRetriever:
    try:
        factory = RETRIEVERS[settings.retrieval]
    except KeyError:
        raise ValueError(f"unknown retrieval {settings.retrieval!r}; choose one of {sorted(RETRIEVERS)}") from None
    return factory(settings, store, embed_model, corpus)
