"""What the assistant derives once from the indexed chunks at load: texts, vocabulary, term weights.

Deriving it runs Morfeusz over every chunk, which a process that answers one question (``rag ask``)
should not repeat each time. So the derived part (vocabulary, idf, acronyms) is kept on disk under
the data dir (``cache/corpus-<store>.json``) and reloaded when it was derived from this very store:

- its key holds the store's version (``ChunkStore.version()``, which every ingest that changes the
  store renews), a checksum of the chunks it was derived from (ids, texts, stored terms: an ingest
  killed before it renewed the version still changes it), Morfeusz's version and dictionary, the
  analyser's mode, and a checksum of the code that derives it (this module, ``rag/lexical.py``,
  ``rag/acronyms.py``, ``rag/text.py``);
- anything else (another key, an unreadable or damaged file) means: derive again, and replace it;
- it is written only when the store's version did not move while it was being derived, to a
  temporary file renamed into place, so a reader sees a whole entry or none.

Loaded values are the derived ones exactly (JSON keeps the order of dicts, and floats round-trip),
so answers are the same with or without the cache (``tests/rag/test_corpus_cache.py``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from rag.acronyms import Acronyms, contractions
from rag.errors import EmptyIndex
from rag.lexical import PolishAnalyzer
from rag.store import ChunkStore, StoredChunk

CACHE_FORMAT = 1
_DERIVING_CODE = ("corpus.py", "lexical.py", "acronyms.py", "text.py")


@dataclass
class Corpus:
    chunks: list[StoredChunk]
    vocabulary: dict[str, str]  # folded surface word → lemma, to read queries typed without diacritics
    idf: dict[str, float]  # lemma → inverse document frequency over the chunks
    acronyms: Acronyms  # "DPS" → "Dom Pomocy Społecznej", learned from the chunks
    from_cache: bool = False  # whether the derived part was read from the cache

    @classmethod
    def load(cls, store: ChunkStore, analyzer: PolishAnalyzer, cache_dir: Path | None = None) -> Corpus:
        """The store's chunks and what they imply; ``cache_dir``: where derived values are kept
        (None: always derive)."""
        version = store.version() if cache_dir is not None else ""
        chunks = store.all_chunks()
        if not chunks:
            raise EmptyIndex("The index is empty. Run `rag ingest` first.")
        if cache_dir is None or not version:
            return cls.derive(chunks, analyzer)
        path = cache_dir / f"corpus-{_store_name(store)}.json"
        key = cache_key(version, chunks, analyzer)
        cached = _read(path, key)
        if cached is not None:
            vocabulary, idf, expansions = cached
            return cls(chunks, vocabulary, idf, Acronyms(expansions), from_cache=True)
        corpus = cls.derive(chunks, analyzer)
        if store.version() == version:  # an ingest finishing meanwhile: derive again next time
            _write(path, key, corpus)
        return corpus

    @classmethod
    def derive(cls, chunks: list[StoredChunk], analyzer: PolishAnalyzer) -> Corpus:
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


def cache_key(version: str, chunks: list[StoredChunk], analyzer: PolishAnalyzer) -> str:
    """Everything the derived values depend on, as one checksum."""
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\0version {version}\0lemmatize {analyzer.lemmatize}\0".encode())
    digest.update(_morfeusz_identity().encode() + b"\0")
    here = Path(__file__).resolve().parent
    for name in _DERIVING_CODE:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    for chunk in chunks:
        for part in (chunk.chunk_id, chunk.text, str(chunk.metadata.get("terms", ""))):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
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


def _read(path: Path, key: str) -> tuple[dict[str, str], dict[str, float], dict[str, str]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    vocabulary, idf, expansions = data.get("vocabulary"), data.get("idf"), data.get("acronyms")
    if not (isinstance(vocabulary, dict) and isinstance(idf, dict) and isinstance(expansions, dict)):
        return None
    return vocabulary, idf, expansions


def _write(path: Path, key: str, corpus: Corpus) -> None:
    """Renamed into place; a data dir that cannot be written only means no cache."""
    data = {"key": key, "vocabulary": corpus.vocabulary, "idf": corpus.idf, "acronyms": corpus.acronyms.expansions}
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data), encoding="ascii")  # \u escapes: even a lone surrogate round-trips
        os.replace(tmp, path)
    except (OSError, ValueError):
        tmp.unlink(missing_ok=True)
