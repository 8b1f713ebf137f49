"""What the assistant derives once from the indexed chunks at load: vocabulary, term weights, acronyms,
and the BM25 keyword index over the chunks' stored terms.

Deriving it runs Morfeusz over every chunk, which a process that answers one question (``rag ask``)
should not repeat each time. So the derived part (vocabulary, idf, acronyms) is kept on disk under
the data dir (``cache/corpus-<store>.json``, and the keyword index as bm25s saves it, memory-mapped
when read, in ``cache/bm25-<store>-<key>/``: building it took 2.5 s at 10^4 chunks and grows faster
than the store, reading it takes milliseconds) and reloaded when it was derived from this very store:

- its key holds the store's version (``ChunkStore.version()``, which every ingest that changes the
  store renews), a checksum of the ids of the chunks it was derived from (an ingest killed before it
  renewed the version still changes them: a chunk's id is made from its file's content hash and the
  chunk settings, so changed text always comes with a new id), Morfeusz's version and dictionary, the
  analyser's mode, and a checksum of the code that derives it (this module, ``rag/lexical.py``,
  ``rag/acronyms.py``, ``rag/text.py``);
- anything else (another key, an unreadable or damaged file) means: derive again, and replace it;
- it is written only when the store's version did not move while it was being derived, to a
  temporary file renamed into place, so a reader sees a whole entry or none.

Loaded values are the derived ones exactly (JSON keeps the order of dicts, and floats round-trip),
so answers are the same with or without the cache (``tests/rag/test_corpus_cache.py``).

With the cache warm, start-up reads only the chunks' ids from the store (0.04 s at 10^4 chunks, where
reading every chunk's text and metadata took 4.9 s): the keyword retriever reads the texts of its
hits by id when it needs them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bm25s

from rag.acronyms import Acronyms, contractions
from rag.errors import EmptyIndex
from rag.lexical import PolishAnalyzer, Vocabulary
from rag.store import ChunkStore, StoredChunk

CACHE_FORMAT = 2
_DERIVING_CODE = ("corpus.py", "lexical.py", "acronyms.py", "text.py")


@dataclass
class Corpus:
    chunk_ids: list[str]  # every chunk, in the order of the keyword index's documents
    vocabulary: Vocabulary  # folded surface word → lemma, to read queries typed without diacritics
    idf: dict[str, float]  # lemma → inverse document frequency over the chunks
    acronyms: Acronyms  # "DPS" → "Dom Pomocy Społecznej", learned from the chunks
    keyword_index: bm25s.BM25  # BM25 over each chunk's stored lemmas, documents in the order of ``chunk_ids``
    fetch: Callable[[list[str]], list[StoredChunk]]  # chunks by id, read from the store when needed
    from_cache: bool = False  # whether the derived part was read from the cache

    @classmethod
    def load(cls, store: ChunkStore, analyzer: PolishAnalyzer, cache_dir: Path | None = None) -> Corpus:
        """The store's chunks and what they imply; ``cache_dir``: where derived values are kept
        (None: always derive)."""
        version = store.version() if cache_dir is not None else ""
        if cache_dir is None or not version:
            return cls.derive(_every_chunk(store), analyzer, store.chunks_by_id)
        ids = store.all_chunk_ids()
        if not ids:
            raise EmptyIndex("The index is empty. Run `rag ingest` first.")
        path = cache_dir / f"corpus-{_store_name(store)}.json"
        key = cache_key(version, ids, analyzer)
        cached = _read(path, key)
        index = _read_index(cache_dir, _store_name(store), key) if cached is not None else None
        if cached is not None and index is not None:
            vocabulary, idf, expansions, chunk_ids = cached
            return cls(chunk_ids, Vocabulary(vocabulary), idf, Acronyms(expansions), index, store.chunks_by_id,
                       from_cache=True)
        corpus = cls.derive(_every_chunk(store), analyzer, store.chunks_by_id)
        if store.version() == version:  # an ingest finishing meanwhile: derive again next time
            _write(path, key, corpus)
            _write_index(cache_dir, _store_name(store), key, corpus.keyword_index)
        return corpus

    @classmethod
    def derive(cls, chunks: list[StoredChunk], analyzer: PolishAnalyzer,
               fetch: Callable[[list[str]], list[StoredChunk]]) -> Corpus:
        vocabulary = Vocabulary()
        for chunk in chunks:
            vocabulary.update(analyzer.surface_to_lemma(chunk.text))
        # A chunk spelling out "Dom Pomocy Społecznej" counts as mentioning "dps" (see SentenceScorer.terms).
        idf = idf_table([c.metadata.get("terms", "").split() + sorted(contractions(c.text)) for c in chunks])
        return cls([c.chunk_id for c in chunks], vocabulary, idf, Acronyms.from_texts([c.text for c in chunks]),
                   keyword_index([c.metadata.get("terms", "").split() for c in chunks]), fetch)

    @property
    def chunks(self) -> list[StoredChunk]:
        """Every chunk, read from the store (only the keyword ablation over raw words needs them all)."""
        return self.fetch(self.chunk_ids)

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


def keyword_index(documents: list[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25()
    index.index(documents, show_progress=False)
    return index


def _every_chunk(store: ChunkStore) -> list[StoredChunk]:
    chunks = store.all_chunks(metadata_keys=("terms",))  # all that deriving reads besides the text
    if not chunks:
        raise EmptyIndex("The index is empty. Run `rag ingest` first.")
    return chunks


def cache_key(version: str, chunk_ids: list[str], analyzer: PolishAnalyzer) -> str:
    """Everything the derived values depend on, as one checksum."""
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\0version {version}\0lemmatize {analyzer.lemmatize}\0".encode())
    digest.update(_morfeusz_identity().encode() + b"\0")
    here = Path(__file__).resolve().parent
    for name in _DERIVING_CODE:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    for chunk_id in sorted(chunk_ids):
        digest.update(chunk_id.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def _morfeusz_identity() -> str:
    import morfeusz2

    from rag.lexical import morfeusz

    inner = getattr(morfeusz(), "inner", None)
    dictionary = inner.dict_id() if hasattr(inner, "dict_id") else "?"
    return f"morfeusz2 {getattr(morfeusz2, '__version__', '?')} {dictionary}"


def _store_name(store: ChunkStore) -> str:
    """One cache file per store (a server and its collection, or an embedded folder and its collection)."""
    settings = store.settings
    where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else str(settings.chroma_dir.resolve())
    return hashlib.sha1(f"{where}\0{settings.collection}".encode()).hexdigest()[:16]


def _read(path: Path, key: str) -> tuple[dict[str, str], dict[str, float], dict[str, str], list[str]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    vocabulary, idf, expansions = data.get("vocabulary"), data.get("idf"), data.get("acronyms")
    chunk_ids = data.get("chunk_ids")
    if not (isinstance(vocabulary, dict) and isinstance(idf, dict) and isinstance(expansions, dict)
            and isinstance(chunk_ids, list)):
        return None
    return vocabulary, idf, expansions, chunk_ids


def _write(path: Path, key: str, corpus: Corpus) -> None:
    """Renamed into place; a data dir that cannot be written only means no cache."""
    data = {"key": key, "vocabulary": corpus.vocabulary, "idf": corpus.idf, "acronyms": corpus.acronyms.expansions,
            "chunk_ids": corpus.chunk_ids}
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data), encoding="ascii")  # \u escapes: even a lone surrogate round-trips
        os.replace(tmp, path)
    except (OSError, ValueError):
        tmp.unlink(missing_ok=True)


def _index_dir(cache_dir: Path, store_name: str, key: str) -> Path:
    return cache_dir / f"bm25-{store_name}-{key[:24]}"


def _read_index(cache_dir: Path, store_name: str, key: str) -> bm25s.BM25 | None:
    """The saved keyword index of this very analysis, memory-mapped; None when absent or unreadable."""
    folder = _index_dir(cache_dir, store_name, key)
    if not folder.is_dir():
        return None
    try:
        return bm25s.BM25.load(str(folder), mmap=True, load_corpus=False, show_progress=False)
    except (OSError, ValueError, KeyError):
        return None


def _write_index(cache_dir: Path, store_name: str, key: str, index: bm25s.BM25) -> None:
    """Saved whole into a temporary folder renamed into place (the key is in its name); the folders of
    earlier analyses of this store go. A data dir that cannot be written only means no cache."""
    target = _index_dir(cache_dir, store_name, key)
    tmp = cache_dir / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        index.save(str(tmp))
        os.replace(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return
    for old in cache_dir.glob(f"bm25-{store_name}-*"):
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
