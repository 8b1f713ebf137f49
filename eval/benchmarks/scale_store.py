"""Builds a big store for the scale benchmark without hours of embedding.

Chunks, their metadata and BM25 terms are made by the real reader and chunker, and written through the
same store calls as ``rag ingest``; only the vectors are borrowed: the real model embeds a sample of the
chunks and sentences, and every other chunk gets a sample vector plus small Gaussian noise (so no two
vectors are equal). The files that carry planted facts get their own real vectors, so the questions
about them meet what a real ingest would have stored. Ingest speed itself is measured apart, on real
files with the real model (``measure_ingest``).
"""

from __future__ import annotations

import multiprocessing
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from llama_index.core.schema import MetadataMode

from ingest.chunking import chunk_articles, make_splitter
from ingest.reader import read_articles
from ingest.sentence_vectors import embed_chunks, titled
from rag.config import Settings
from rag.embedding import load_embed_model, model_fingerprint
from rag.lexical import PolishAnalyzer
from rag.store import ChunkStore, FileRecord, SentenceSet, file_facts
from rag.text import passage_sentences

NOISE = 0.01  # per dimension: a noisy copy keeps a cosine of ~0.98 to its sample vector
BATCH_CHUNKS = 2000
PARALLEL_FROM = 1000  # files


@dataclass(frozen=True)
class Sample:
    """Real vectors of a sample, and the model's own batched throughput while making them."""

    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    chunks_per_s: float
    sentences_per_s: float


def sentences_in_context(node) -> list[tuple[str, str]]:
    """(sentence, what the ``title`` way embeds for it): the sample's sentence vectors, which the
    borrowed ones copy, and the ingest benchmark's baseline when that way is configured."""
    return [(s, titled(node, s)) for s in passage_sentences(node.text)]


def embed_sample(settings: Settings, files: list[Path], chunks: int = 160) -> Sample:
    """Embed about ``chunks`` chunks of ``files`` and their sentences with the real model, batched."""
    model = load_embed_model(settings)
    splitter, analyzer = make_splitter(settings), PolishAnalyzer()
    nodes = []
    for path in files:
        nodes += chunk_articles(read_articles(path), settings, splitter, analyzer)
        if len(nodes) >= chunks:
            break
    texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
    sentences = [embedded for n in nodes for _, embedded in sentences_in_context(n)][: 2 * len(texts)]
    model.get_text_embedding_batch(texts[:16])  # warm-up: the first batch pays for lazy set-up
    start = time.perf_counter()
    chunk_vectors = model.get_text_embedding_batch(texts)
    chunk_s = time.perf_counter() - start
    start = time.perf_counter()
    sentence_vectors = model.get_text_embedding_batch(sentences)
    sentence_s = time.perf_counter() - start
    return Sample(np.asarray(chunk_vectors, dtype=np.float32), np.asarray(sentence_vectors, dtype=np.float32),
                  len(texts) / chunk_s, len(sentences) / sentence_s)


def _noisy(pool: np.ndarray, count: int, rng: np.random.Generator) -> list[list[float]]:
    picked = pool[rng.integers(0, len(pool), count)] + rng.normal(0, NOISE, (count, pool.shape[1])).astype(np.float32)
    picked /= np.linalg.norm(picked, axis=1, keepdims=True)
    return picked.tolist()


def build_store(settings: Settings, files: list[Path], sample: Sample, real: set[str], log=print,
                workers: int = 3) -> dict:
    """Write every file's chunks, sentences and manifest record into a fresh store; files named in
    ``real`` are embedded with the real model, the others get noisy sample vectors. Files are read and
    chunked by ``workers`` processes (Morfeusz is most of the cost); one process writes."""
    shutil.rmtree(settings.chroma_dir, ignore_errors=True)
    store = ChunkStore(settings, model_fingerprint(settings), create=True)
    model = load_embed_model(settings)
    vector_store = store.vector_store()
    rng = np.random.default_rng(7)
    pending_nodes, pending_sentences, pending_records = [], [], []
    totals = {"chunks": 0, "sentences": 0, "files": 0, "writing_s": 0.0}

    def flush() -> None:
        start = time.perf_counter()
        vector_store.add(pending_nodes)
        store.add_sentences(pending_sentences)  # the store's own writes, as `rag ingest` makes them
        store.mark_indexed(pending_records)
        totals["writing_s"] += time.perf_counter() - start
        pending_nodes.clear(), pending_sentences.clear(), pending_records.clear()

    def add(path: Path, nodes, pairs) -> None:
        key = str(path)
        if path.name in real:  # as `rag ingest` makes them, the settings' way
            embedded = embed_chunks(model, nodes, settings.sentence_vectors)
            vectors = [c.vector for c in embedded]
            sentence_vectors = [v for c in embedded for v in c.sentence_vectors]
        else:
            vectors = _noisy(sample.chunk_vectors, len(nodes), rng)
            sentence_vectors = _noisy(sample.sentence_vectors, sum(len(ss) for _, ss in pairs), rng)
        for node, vector in zip(nodes, vectors):
            node.embedding = vector
        it = iter(sentence_vectors)
        for node, sentences in pairs:
            pending_sentences.append(SentenceSet(key, node.id_, [s for s, _ in sentences], [next(it) for _ in sentences]))
        count = sum(len(ss) for _, ss in pairs)
        pending_nodes.extend(nodes)
        pending_records.append(FileRecord(key, nodes[0].metadata["ingest_key"], len(nodes), count,
                                          **file_facts([n.metadata for n in nodes])))
        totals["chunks"] += len(nodes)
        totals["sentences"] += count
        totals["files"] += 1
        if len(pending_nodes) >= BATCH_CHUNKS:
            flush()
            log(f"  built {totals['files']} files, {totals['chunks']} chunks")

    start = time.perf_counter()
    if len(files) < PARALLEL_FROM:  # starting the workers would cost more than it saves
        _start_worker(settings)
        for path in files:
            add(*_chunk_file(path))
    else:
        # "spawn": a forked child can inherit a lock another thread held (torch, chromadb) and hang.
        with multiprocessing.get_context("spawn").Pool(workers, initializer=_start_worker, initargs=(settings,)) as pool:
            for path, nodes, pairs in pool.imap(_chunk_file, files, chunksize=16):
                add(path, nodes, pairs)
    if pending_nodes:
        flush()
    store.touch()
    totals["wall_s"] = time.perf_counter() - start
    return totals


_WORKER: dict = {}


def _start_worker(settings: Settings) -> None:
    _WORKER.update(settings=settings, splitter=make_splitter(settings), analyzer=PolishAnalyzer())


def _chunk_file(path: Path):
    """In a worker: the file's chunks (with their BM25 terms) and sentences, as ``rag ingest`` makes them."""
    nodes = chunk_articles(read_articles(path), _WORKER["settings"], _WORKER["splitter"], _WORKER["analyzer"])
    return path, nodes, [(node, sentences_in_context(node)) for node in nodes]
