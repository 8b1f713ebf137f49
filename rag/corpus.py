"""What the assistant derives once from the indexed chunks at load: vocabulary, term weights, acronyms,
and the BM25 keyword index over the chunks' stored terms.

Each chunk is analysed once, at ingest (``ingest/chunking.py``): besides its BM25 terms (``terms``) it
stores its :class:`ChunkAnalysis`, what deriving reads of its text: its folded surface words with their
lemmas (``vocabulary``) and the spelled-out names behind acronyms (``spellings``). Deriving the corpus
merges those stored values, in the store's chunk order, without Morfeusz and without the chunks' texts:
running Morfeusz over every chunk at load took 206 s of the 212 s a first start needed at 10^5 chunks.
A chunk of a store written before the analysis was stored (or whose analysis cannot be stored, see
:meth:`ChunkAnalysis.metadata`) is analysed here instead, with the same function as at ingest, so the
derived values are the same either way (``tests/rag/test_corpus_cache.py``) and an older store works
without being embedded again (``rag ingest`` stores the analysis of the chunks it writes).

Deriving still reads every chunk's metadata and builds the keyword index (at 10^5 chunks ~40 s, most of
it chromadb handing over the metadata), which a process that answers one question (``rag ask``) should
not repeat each time. So the derived part (vocabulary, idf, acronyms) is kept on disk under the data
dir (``cache/corpus-<store>.json``, and the keyword index as bm25s saves it, memory-mapped when read,
in ``cache/bm25-<store>-<key>/``: building it took 2.5 s at 10^4 chunks and grows faster than the
store, reading it takes milliseconds) and reloaded when it was derived from this very store. Every
``rag ingest`` derives and saves it at its end (``ingest/indexer.py``), so the first process that
answers after an ingest into the same data dir starts warm; a process with another data dir (another
machine serving the same ``chroma run``) derives it once itself.

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
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import bm25s

from rag.acronyms import Acronyms, spelled_out
from rag.config import Settings
from rag.errors import EmptyIndex
from rag.lexical import PolishAnalyzer, Vocabulary
from rag.store import ChunkStore, StoredChunk

CACHE_FORMAT = 2
_DERIVING_CODE = ("corpus.py", "lexical.py", "acronyms.py", "text.py")

# The chunk metadata that deriving reads, written at ingest (ingest/chunking.py). A change to the format
# of a stored value takes a new key, so chunks stored in the old one are analysed at load instead.
TERMS_KEY = "terms"  # the chunk's BM25 terms, space-separated (PolishAnalyzer.chunk_terms_and_vocabulary)
VOCABULARY_KEY = "vocabulary"  # see ChunkAnalysis.vocabulary
SPELLINGS_KEY = "spellings"  # see ChunkAnalysis.spellings
_PAGE = 2000  # chunks analysed at load per read of their texts (chromadb limits a query's variables)
Keep = Callable[[dict[str, dict[str, str]]], None]  # stores analyses made at load: chunk id → its metadata


def analysis_metadata(analyzer: PolishAnalyzer, title: str, text: str) -> dict[str, str]:
    """What a chunk stores at ingest for deriving: its BM25 terms (title included: it names the visit)
    and its :class:`ChunkAnalysis`."""
    terms, vocabulary = analyzer.chunk_terms_and_vocabulary(title, text)
    return {TERMS_KEY: " ".join(terms), **ChunkAnalysis(tuple(vocabulary.items()), tuple(spelled_out(text))).metadata()}


def cache_folder(settings: Settings) -> Path:
    """Where the derived corpus is kept: the answering process reads it, ``rag ingest`` fills it."""
    return Path(settings.data_dir) / "cache"


@dataclass(frozen=True)
class ChunkAnalysis:
    """What deriving the corpus reads of one chunk's text. Stored with the chunk at ingest, so that
    deriving merges stored values instead of running Morfeusz over every chunk at load."""

    # (folded surface word, its first lemma) in text order, as PolishAnalyzer.surface_to_lemma gives them
    vocabulary: tuple[tuple[str, str], ...]
    # (folded initials, capitalised phrase) with repeats, as rag.acronyms.spelled_out yields them
    spellings: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, analyzer: PolishAnalyzer, text: str) -> ChunkAnalysis:
        """Analyse ``text`` (Morfeusz: ~2.5 ms a chunk); the one function used at ingest and at load."""
        return cls(tuple(analyzer.surface_to_lemma(text).items()), tuple(spelled_out(text)))

    @classmethod
    def stored(cls, metadata: dict) -> ChunkAnalysis | None:
        """The analysis a chunk's metadata holds; None for a chunk stored without it."""
        words, spellings = metadata.get(VOCABULARY_KEY), metadata.get(SPELLINGS_KEY)
        if not isinstance(words, str) or not isinstance(spellings, str):
            return None
        tokens = iter(words.split(" ") if words else ())
        lines = spellings.split("\n") if spellings else ()
        return cls(tuple(zip(tokens, tokens)), tuple(tuple(line.split(" ", 1)) for line in lines))

    def metadata(self) -> dict[str, str]:
        """The analysis as chunk metadata: "surface lemma surface lemma …" and one "initials phrase" a
        line (~0.9 KB a chunk on the benchmark's archive; JSON's quotes and brackets would add a
        third). Empty when a value would not read back exactly (a word holding a space: none did in
        any corpus seen), so that chunk is analysed at load instead of being derived wrongly."""
        stored = {VOCABULARY_KEY: " ".join(word for pair in self.vocabulary for word in pair),
                  SPELLINGS_KEY: "\n".join(" ".join(pair) for pair in self.spellings)}
        return stored if ChunkAnalysis.stored(stored) == self else {}


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
    def load(cls, store: ChunkStore, analyzer: PolishAnalyzer, cache_dir: Path | None = None,
             store_analyses: bool = False) -> Corpus:
        """The store's chunks and what they imply; ``cache_dir``: where derived values are kept
        (None: always derive). ``store_analyses`` (the ingest, which may write): a chunk stored
        without its analysis is given the one computed here, so an older store is analysed once, by
        the first ingest after an upgrade, and never again (no chunk is embedded again)."""
        keep = store.add_chunk_metadata if store_analyses else None
        version = store.version() if cache_dir is not None else ""
        if cache_dir is None or not version:
            return cls.derive(_every_chunk(store), analyzer, store.chunks_by_id, keep)
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
        corpus = cls.derive(_every_chunk(store), analyzer, store.chunks_by_id, keep)
        if store.version() == version:  # an ingest finishing meanwhile: derive again next time
            _write(path, key, corpus)
            _write_index(cache_dir, _store_name(store), key, corpus.keyword_index)
        return corpus

    @classmethod
    def derive(cls, chunks: list[StoredChunk], analyzer: PolishAnalyzer,
               fetch: Callable[[list[str]], list[StoredChunk]], keep: Keep | None = None) -> Corpus:
        """Merge the chunks' stored terms and analyses, in the order given; ``chunks`` need carry only
        their metadata (``fetch`` reads the text of a chunk that must be analysed here, ``keep`` is
        given the metadata of the analyses made here, by chunk id)."""
        # Interned: a term recurs in many chunks (at 10^5 chunks the lists take 40 MB instead of 470 MB).
        term_lists = [list(map(sys.intern, c.metadata.get(TERMS_KEY, "").split())) for c in chunks]
        vocabulary, seen, initials = Vocabulary(), Counter[tuple[str, str]](), []
        for analysis in _analyses(chunks, analyzer, fetch, keep):
            vocabulary.update(analysis.vocabulary)  # a word keeps its first place and the last chunk's lemma
            seen.update(analysis.spellings)
            initials.append(sorted({short for short, _ in analysis.spellings}))
        # A chunk spelling out "Dom Pomocy Społecznej" counts as mentioning "dps" (see SentenceScorer.terms).
        idf = idf_table(terms + shorts for terms, shorts in zip(term_lists, initials))
        return cls([c.chunk_id for c in chunks], vocabulary, idf, Acronyms.from_counts(seen),
                   keyword_index(term_lists), fetch)

    @property
    def chunks(self) -> list[StoredChunk]:
        """Every chunk, read from the store (only the keyword ablation over raw words needs them all)."""
        return self.fetch(self.chunk_ids)

    @property
    def known_words(self) -> set[str]:
        """Every lemma and folded surface word the documents contain, and the acronyms they imply."""
        return set(self.idf) | set(self.vocabulary) | set(self.acronyms.expansions)


def idf_table(term_lists: Iterable[list[str]]) -> dict[str, float]:
    """Inverse document frequency of each term over the indexed chunks."""
    n = 0
    df: dict[str, int] = {}
    for terms in term_lists:
        n += 1
        for term in set(terms):
            df[term] = df.get(term, 0) + 1
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}


def keyword_index(documents: list[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25()
    index.index(documents, show_progress=False)
    return index


def _analyses(chunks: list[StoredChunk], analyzer: PolishAnalyzer,
              fetch: Callable[[list[str]], list[StoredChunk]], keep: Keep | None) -> Iterator[ChunkAnalysis]:
    """Each chunk's stored analysis, in order; a chunk stored without one is read and analysed now. A
    page at a time: at 10^5 chunks every analysis at once would hold ~5 million word pairs."""
    for start in range(0, len(chunks), _PAGE):
        page = chunks[start: start + _PAGE]
        stored = [ChunkAnalysis.stored(c.metadata) for c in page]
        unread = [c.chunk_id for c, analysis in zip(page, stored) if analysis is None and not c.text]
        texts = {c.chunk_id: c.text for c in fetch(unread)} if unread else {}
        made = {c.chunk_id: ChunkAnalysis.of(analyzer, texts.get(c.chunk_id, c.text))
                for c, analysis in zip(page, stored) if analysis is None}
        if keep is not None and (kept := {i: m for i, a in made.items() if (m := a.metadata())}):
            keep(kept)
        yield from (analysis or made[c.chunk_id] for c, analysis in zip(page, stored))


def _every_chunk(store: ChunkStore) -> list[StoredChunk]:
    """Every chunk's metadata that deriving reads, without its text (a sixth of the read at 10^5 chunks)."""
    chunks = store.all_chunks(metadata_keys=(TERMS_KEY, VOCABULARY_KEY, SPELLINGS_KEY), with_text=False)
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
