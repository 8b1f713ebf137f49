"""Sentence vectors for the answering step's ranker, made at ingest in one of two ways.

- ``title``: each sentence embedded on its own under its article's title (a second forward pass per
  sentence: about 60 % of ingest's model time, since a chunk has ~6 sentences).
- ``passage``: each sentence's vector pooled from its chunk's own forward pass ("late chunking": the
  mean of the token vectors inside the sentence's characters, L2-normalised), so the sentences cost no
  forward pass of their own and each is read in its passage's context. Only for a sentence-transformers
  model that mean-pools its tokens (e5 does); a sentence whose tokens fall past the model's length
  limit is embedded the ``title`` way.

Written by hand: sentence-transformers returns token vectors and the tokenizer their character
offsets, but no library pools token vectors over character spans.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from llama_index.core.schema import MetadataMode, TextNode

from rag.text import passage_sentence_spans, passage_sentences, under_title

@dataclass(frozen=True)
class EmbeddedChunk:
    """A chunk's vector, its quotable sentences and one vector per sentence."""

    vector: list[float]
    sentences: list[str]
    sentence_vectors: list[list[float]]


def titled(node: TextNode, sentence: str) -> str:
    """What the ``title`` way embeds for a sentence of ``node``."""
    return under_title(node.metadata["title"], sentence)


def embed_chunks(embed_model, nodes: list[TextNode], how: str) -> list[EmbeddedChunk]:
    """Every node's vector and its sentences' vectors (``how``: the ``sentence_vectors`` setting), the
    whole file in batched calls."""
    try:
        way = _WAYS[how]
    except KeyError:
        raise ValueError(f"unknown sentence_vectors {how!r}; choose one of {sorted(_WAYS)}") from None
    if way is _pooled_from_passage and not _mean_pooled(embed_model):
        way = _embedded_under_title
    return way(embed_model, nodes)


def _embedded_under_title(embed_model, nodes: list[TextNode]) -> list[EmbeddedChunk]:
    vectors = embed_model.get_text_embedding_batch([n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes])
    per_node = [passage_sentences(n.text) for n in nodes]
    sentence_vectors = iter(embed_model.get_text_embedding_batch(
        [titled(n, s) for n, sentences in zip(nodes, per_node) for s in sentences]))
    return [EmbeddedChunk(v, sentences, [next(sentence_vectors) for _ in sentences])
            for v, sentences in zip(vectors, per_node)]


def _mean_pooled(embed_model) -> bool:
    model = getattr(embed_model, "_model", None)
    pooling = getattr(model, "_modules", {}).get("1") if model is not None else None
    mean = getattr(pooling, "pooling_mode", None) == "mean" or getattr(pooling, "pooling_mode_mean_tokens", False)
    return bool(mean) and hasattr(model, "tokenizer")


def _pooled_from_passage(embed_model, nodes: list[TextNode]) -> list[EmbeddedChunk]:
    model, prefix = embed_model._model, embed_model.text_instruction or ""
    texts = [prefix + n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
    outputs = model.encode(texts, batch_size=embed_model.embed_batch_size, output_value=None, show_progress_bar=False)
    # The tokens' character offsets, which encode does not return: one batched call for every text.
    offsets = model.tokenizer(texts, return_offsets_mapping=True, truncation=True,
                              max_length=model.max_seq_length)["offset_mapping"] if texts else []
    pooled = [_pool_sentences(node, text, out, spans) for node, text, out, spans in zip(nodes, texts, outputs, offsets)]
    # Sentences the passage could not hold (past the model's length limit) are embedded the title way,
    # in one call, and taken back in the same order.
    leftovers = [titled(node, sentence) for node, (sentences, vectors) in zip(nodes, pooled)
                 for sentence, vector in zip(sentences, vectors) if vector is None]
    filled = iter(embed_model.get_text_embedding_batch(leftovers) if leftovers else [])
    return [EmbeddedChunk(out["sentence_embedding"].float().tolist(), sentences,
                          [v if v is not None else next(filled) for v in vectors])
            for out, (sentences, vectors) in zip(outputs, pooled)]


def _pool_sentences(node: TextNode, text: str, out: dict,
                    offsets: list[tuple[int, int]]) -> tuple[list[str], list[list[float] | None]]:
    """Each sentence of ``node`` and the mean of its token vectors in ``out`` (None past the length
    limit); ``offsets``: each token's characters in ``text``, what was embedded."""
    tokens = out["token_embeddings"][: len(offsets)].float().numpy()
    starts, ends = np.asarray([a for a, _ in offsets]), np.asarray([b for _, b in offsets])
    real = ends > starts  # special tokens have empty offsets
    last = int(ends[real].max()) if real.any() else 0
    base = text.find(node.text)  # where the passage starts in what was embedded (after the metadata)
    sentences, vectors = [], []
    for sentence, start, end in passage_sentence_spans(node.text):
        inside = real & (starts < base + end) & (ends > base + start)
        sentences.append(sentence)
        if base < 0 or last < base + end or not inside.any():
            vectors.append(None)
            continue
        mean = tokens[inside].mean(0)
        vectors.append((mean / max(float(np.linalg.norm(mean)), 1e-12)).tolist())
    return sentences, vectors


_WAYS = {"title": _embedded_under_title, "passage": _pooled_from_passage}
