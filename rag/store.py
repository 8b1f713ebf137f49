"""The Chroma collections that hold chunks, vectors and their metadata: the single source of truth.

Embedded (``PersistentClient`` on disk) by default; an ``HttpClient`` to a ``chroma run`` server when
``chroma_host`` is set. Three collections share one base name:

- ``<name>``: the chunks and their vectors; it records which embedding model built it;
- ``<name>_sentence_sets``: every chunk's sentences with their vectors, so answers never embed at query
  time: one record per chunk (see :meth:`ChunkStore.add_sentences`);
- ``<name>_files``: the manifest, one record per file whose chunks *and* sentences are all written, plus
  a version record that changes whenever an ingest changed anything (a running server reloads on it).

A file counts as indexed only once its manifest record is written, after its chunks and sentences: an
ingest killed half-way through a file leaves no record, so the next run redoes that file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any

import numpy as np

from rag.config import Settings
from rag.errors import EmptyIndex, ModelMismatch, StoreUnavailable

MODEL_KEY = "embed_model"
SENTENCES_SUFFIX = "_sentence_sets"
# Before ingest's pipeline version 6 a store held a record per sentence under this name: dropped when the
# store is next opened for writing (that ingest writes every file again, its pipeline version changed).
LEGACY_SENTENCES_SUFFIX = "_sentences"
SENTENCE_BATCH = 500  # chunks' records per upsert (~6 MB): well under Chroma's own limit (max_batch_size, ~5,000)
FILES_SUFFIX = "_files"
STAGING_SUFFIX = "__rebuild"
RETIRED_SUFFIX = "__retired"
VERSION_ID = "#version"
NO_VECTOR = [1.0]  # manifest records are looked up by id, never by similarity; Chroma wants a vector


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class SentenceSet:
    """What :meth:`ChunkStore.add_sentences` writes for one chunk."""

    path: str
    chunk_id: str
    sentences: list[str]
    vectors: list[list[float]]


@dataclass(frozen=True)
class FileRecord:
    """A fully indexed file: the ingest key its chunks were made from and how many were written, and
    what the document library lists about it (read from its chunks when written: see :func:`file_facts`;
    a record written before these existed reads with the defaults)."""

    path: str
    ingest_key: str
    chunks: int
    sentences: int
    title: str = ""  # the first article's title
    date: str = ""  # the first article's date: ISO where known, else as written
    doc_type: str = ""  # "pdf", "txt", …
    pages: int = 0  # 0: a format without pages
    ocr: bool = False  # some text was read by OCR
    indexed_at: str = ""  # UTC, ISO 8601; stamped by ``mark_indexed``


def file_facts(metadatas: list[dict[str, Any]]) -> dict[str, Any]:
    """The library's facts about one file from its chunks' metadata (in chunk order), for its record."""
    if not metadatas:
        return {}
    first = metadatas[0]
    suffix = PurePath(str(first.get("path", ""))).suffix.lstrip(".").lower()
    return {
        "title": str(first.get("title") or ""),
        "date": str(first.get("date") or first.get("date_text") or ""),
        "doc_type": str(first.get("doc_type") or suffix),
        "pages": max(int(m.get("page") or 0) for m in metadatas),
        "ocr": any(bool(m.get("ocr")) for m in metadatas),
    }


def collection_names(base: str) -> tuple[str, str, str]:
    """The chunk, sentence and manifest collections of one store."""
    return base, base + SENTENCES_SUFFIX, base + FILES_SUFFIX


def bounded(fn, timeout: float, what: str):
    """``fn()``, or :class:`StoreUnavailable` when it has not returned within ``timeout`` seconds.

    Written by hand because a stalled server can hang chromadb's client construction, which makes HTTP
    calls with no timeout before we can set one; the call runs in a daemon thread that is abandoned
    (never joined) when it stalls, so the process can still report and exit.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error

    worker = threading.Thread(target=target, daemon=True, name="chroma-call")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise StoreUnavailable(f"{what} did not answer within {timeout:g} s (RAG_STORE_TIMEOUT).")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def open_client(settings: Settings, create: bool):
    """A Chroma client for the settings, every call of which is bounded by ``settings.store_timeout``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_host:
            client = bounded(
                lambda: chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                            settings=chroma_settings),
                settings.store_timeout, f"The Chroma server at {where(settings)}",
            )
            _bound_http_calls(client, settings.store_timeout)
            return client
        path = settings.chroma_dir
        if not create and not path.exists():
            raise EmptyIndex(f"No index at {path}. Run `rag ingest` first.")
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except (EmptyIndex, StoreUnavailable):
        raise
    except Exception as error:  # chromadb raises plain ValueError/ConnectionError/sqlite errors
        raise StoreUnavailable(f"Cannot open the Chroma store at {where(settings)}: {error}{advice(error)}") from error


def _bound_http_calls(client, timeout: float) -> None:
    """chromadb 1.5 builds its httpx session with ``timeout=None`` and has no setting for it; set one,
    so that a server that accepts connections and never replies fails a call instead of hanging it."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout)


def forget_embedded_clients() -> None:
    """Make the next embedded client re-read the store from disk.

    chromadb keeps one system per store path per process, with its vector index in memory: another
    process's writes are invisible to it until a new system is opened (a running server after an ingest).
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def where(settings: Settings) -> str:
    if settings.chroma_host:
        return f"http://{settings.chroma_host}:{settings.chroma_port} (is `chroma run` running?)"
    return str(settings.chroma_dir)


def advice(error: BaseException) -> str:
    """What to do about the failures whose cause is known."""
    text = str(error).lower()
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return ". The store looks damaged: `rag doctor --repair` moves it aside and rebuilds it from the corpus."
    if "locked" in text:
        return ". Another process holds the store; wait for it to finish and try again."
    return ""


class ChunkStore:
    """The three collections of one store, bound to one embedding model."""

    def __init__(self, settings: Settings, model_fingerprint: str, create: bool = False) -> None:
        self.settings = settings
        self.client = open_client(settings, create)
        chunks_name, sentences_name, files_name = collection_names(settings.collection)
        metadata = {"hnsw:space": "cosine", MODEL_KEY: model_fingerprint}
        try:
            # embedding_function=None: chromadb's default would fetch an ONNX model; we bring the vectors.
            if create:
                self.collection = self._call(self.client.get_or_create_collection, chunks_name, metadata=metadata,
                                             embedding_function=None)
            else:
                self.collection = self._call(self.client.get_collection, chunks_name, embedding_function=None)
            self.sentences = self._call(self.client.get_or_create_collection, sentences_name, metadata=metadata,
                                        embedding_function=None)
            self.files = self._call(self.client.get_or_create_collection, files_name, embedding_function=None)
            if create and settings.collection + LEGACY_SENTENCES_SUFFIX in existing_collections(self.client):
                self._call(self.client.delete_collection, settings.collection + LEGACY_SENTENCES_SUFFIX)
        except StoreUnavailable as error:
            if not create and "does not exist" in str(error).lower():
                raise EmptyIndex(
                    f"The store at {where(settings)} has no collection {settings.collection!r}. "
                    "Run `rag ingest` first."
                ) from error
            raise
        built_with = (self.collection.metadata or {}).get(MODEL_KEY)
        if built_with and built_with != model_fingerprint:
            raise ModelMismatch(
                f"The index {settings.collection!r} was built with embedding model {built_with}, "
                f"but the configured model is {model_fingerprint}. Vectors of two models cannot be "
                "mixed: re-run `rag ingest --rebuild`, or set RAG_MODEL_DIR (or RAG_SENTENCE_VECTORS, "
                "RAG_QUERY_PREFIX, RAG_PASSAGE_PREFIX) back to what the index was built with."
            )

    def vector_store(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def count(self) -> int:
        return self._call(self.collection.count)

    # --- the manifest ---------------------------------------------------------------------------

    def indexed_files(self) -> dict[str, FileRecord]:
        """Path → record of every file whose chunks and sentences are all written."""
        return _file_records(self._call(get_all, self.files, include=["metadatas"]))

    def chunk_paths(self, among: list[str] | None = None) -> set[str]:
        """Every path with chunks in the store, committed or not (a killed ingest leaves the latter);
        ``among``: only these paths (reading every chunk's metadata costs seconds at 10^4 chunks)."""
        if among is not None and not among:
            return set()
        where = {"path": {"$in": among}} if among is not None else None
        got = self._call(get_all, self.collection, where=where, include=["metadatas"])
        return {m["path"] for m in got["metadatas"] or [] if m and "path" in m}

    def mark_indexed(self, records: list[FileRecord]) -> None:
        """The last write of these files: from now on they count as indexed."""
        if not records:
            return
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._call(self.files.upsert, ids=[_file_id(r.path) for r in records], documents=[r.path for r in records],
                   embeddings=[NO_VECTOR] * len(records),
                   metadatas=[{**asdict(r), "indexed_at": r.indexed_at or now} for r in records])

    def unmark(self, path: str) -> None:
        """Stop trusting a file's record, so that the next ingest writes the file again."""
        self._call(self.files.delete, ids=[_file_id(path)])

    def forget_file(self, path: str) -> None:
        """Remove a file: its record first (so a crash here leaves it to be cleaned, never half-trusted)."""
        self.unmark(path)
        self.delete(self.chunk_ids(path))

    def version(self) -> str:
        """Changes whenever an ingest changed the store (see :meth:`touch`)."""
        got = self._call(self.files.get, ids=[VERSION_ID], include=["documents"])
        return (got["documents"] or [""])[0] or ""

    def touch(self) -> None:
        self._call(self.files.upsert, ids=[VERSION_ID], documents=[uuid.uuid4().hex], embeddings=[NO_VECTOR],
                   metadatas=[{"path": ""}])

    # --- chunks and sentences -------------------------------------------------------------------

    def chunk_ids(self, path: str) -> list[str]:
        return self.chunk_ids_of([path])[path]

    def chunk_ids_of(self, paths: list[str]) -> dict[str, list[str]]:
        """Path → ids of its chunks, committed or half written, for several files in one read."""
        if not paths:
            return {}
        got = self._call(get_all, self.collection, where={"path": {"$in": paths}}, include=["metadatas"])
        ids: dict[str, list[str]] = {path: [] for path in paths}
        for chunk_id, metadata in zip(got["ids"], got["metadatas"] or []):
            ids.setdefault((metadata or {}).get("path", ""), []).append(chunk_id)
        return ids

    def delete(self, ids: list[str]) -> None:
        """Delete chunks and their sentences."""
        if ids:
            self._call(self.collection.delete, ids=ids)
            self._call(self.sentences.delete, ids=ids)

    def add_sentences(self, chunks: list[SentenceSet]) -> None:
        """Write the sentences of chunks: one record per chunk, its sentences (JSON) as its document and
        their vectors packed in its metadata (:func:`_pack`), in calls of up to ``SENTENCE_BATCH`` records (each call
        costs ~20 ms of Chroma's own).

        Packed by hand because Chroma holds one vector per record and indexes it: a record per sentence
        cost an HNSW insertion each (a tenth of a 432-chunk ingest) and ~1 GB of index at 10^5 chunks,
        for vectors that are only ever read back by chunk id. Not in the document: Chroma indexes
        documents for full-text search, which made the packed vectors cost more than the HNSW did. The
        record's own vector is a placeholder (Chroma wants one; nothing searches it)."""
        for start in range(0, len(chunks), SENTENCE_BATCH):
            batch = chunks[start:start + SENTENCE_BATCH]
            self._call(
                self.sentences.upsert,
                ids=[c.chunk_id for c in batch],
                documents=[json.dumps(c.sentences, ensure_ascii=False) for c in batch],
                embeddings=[NO_VECTOR] * len(batch),
                metadatas=[{"path": c.path, "vectors": _pack(c.vectors, len(c.sentences))} for c in batch],
            )

    def sentence_count(self, path: str) -> int:
        got = self._call(self.sentences.get, where={"path": path}, include=["documents"])
        return sum(len(json.loads(document)) for document in got["documents"])

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Sentence text → vector for the sentences of these chunks."""
        if not chunk_ids:
            return {}
        got = self._call(self.sentences.get, ids=chunk_ids, include=["documents", "metadatas"])
        vectors: dict[str, np.ndarray] = {}
        for document, metadata in zip(got["documents"], got["metadatas"]):
            sentences = json.loads(document)
            vectors.update(zip(sentences, _unpack(metadata["vectors"], len(sentences))))
        return vectors

    def all_chunks(self, metadata_keys: tuple[str, ...] | None = None, page: int = 2000,
                   with_text: bool = True) -> list[StoredChunk]:
        """Every chunk, read ``page`` at a time; ``metadata_keys``: keep only these. Whole, a 10^4-chunk
        store's result is held twice over while chromadb converts it, and each chunk's metadata carries
        llama-index's copy of the node (~1.5 KB), which the corpus analysis never reads.
        ``with_text=False``: their texts are left out ("")."""
        chunks: list[StoredChunk] = []
        include = ["documents", "metadatas"] if with_text else ["metadatas"]
        while True:
            got = self._call(self.collection.get, include=include, limit=page, offset=len(chunks))
            texts = got["documents"] if with_text else [""] * len(got["ids"])
            for chunk_id, text, metadata in zip(got["ids"], texts, got["metadatas"]):
                metadata = metadata or {}
                if metadata_keys is not None:
                    metadata = {k: metadata[k] for k in metadata_keys if k in metadata}
                chunks.append(StoredChunk(chunk_id, text or "", metadata))
            if len(got["ids"]) < page:
                return chunks

    def add_chunk_metadata(self, metadata: dict[str, dict[str, Any]], page: int = 2000) -> None:
        """Merge these keys into the metadata of the chunks with these ids, ``page`` at a time (chromadb
        merges an update's metadata into the stored one, and skips an id it no longer holds); their
        texts and vectors are left as they are."""
        ids = list(metadata)
        for start in range(0, len(ids), page):
            part = ids[start: start + page]
            self._call(self.collection.update, ids=part, metadatas=[metadata[i] for i in part])

    def all_chunk_ids(self) -> list[str]:
        """Every chunk's id, without its text or metadata (0.04 s at 10^4 chunks, :meth:`all_chunks`
        4.9 s): all that a start-up with a warm corpus cache reads."""
        return self._call(self.collection.get, include=[])["ids"]

    def chunks_by_id(self, ids: list[str]) -> list[StoredChunk]:
        """The chunks with these ids that exist, in the order asked."""
        if not ids:
            return []
        got = self._call(self.collection.get, ids=ids, include=["documents", "metadatas"])
        found = {i: StoredChunk(i, text or "", metadata or {})
                 for i, text, metadata in zip(got["ids"], got["documents"], got["metadatas"])}
        return [found[i] for i in ids if i in found]

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as error:
            raise StoreUnavailable(
                f"Chroma store at {where(self.settings)} failed: {error}{advice(error)}"
            ) from error


def _pack(vectors: list[list[float]], count: int) -> str:
    """Sentence vectors as little-endian float16 in base64. Half precision because Chroma keeps every
    metadata string twice (the record and its value index): in float32 the packed vectors made a 10^5-chunk
    store 5.1 GB, against 3.6 GB with a record per sentence. A unit vector's components lose ~5e-4 of
    their size, its cosines ~1e-5, far below what separates two sentences."""
    return base64.b64encode(np.asarray(vectors, dtype="<f2").reshape(count, -1).tobytes()).decode("ascii") if count else ""


def _unpack(packed: str, count: int) -> np.ndarray:
    """The ``count`` rows :func:`_pack` packed, as float32."""
    vectors = np.frombuffer(base64.b64decode(packed), dtype="<f2").astype(np.float32)
    return vectors.reshape(count, -1) if count else vectors.reshape(0, 0)


def _file_id(path: str) -> str:
    return hashlib.sha1(path.encode()).hexdigest()


def get_all(collection, page: int = 5000, **kwargs) -> dict[str, list]:
    """``collection.get(**kwargs)`` read ``page`` records at a time: chromadb's embedded store fails a
    get of more than ~32,000 records ("too many SQL variables": a manifest of 42,553 files, the
    10^5-chunk benchmark store)."""
    got: dict[str, list] = {"ids": [], "metadatas": []}
    while True:
        part = collection.get(limit=page, offset=len(got["ids"]), **kwargs)
        got["ids"] += part["ids"]
        got["metadatas"] += part["metadatas"] or []
        if len(part["ids"]) < page:
            return got


def _file_records(got: dict) -> dict[str, FileRecord]:
    return {
        m["path"]: FileRecord(m["path"], m["ingest_key"], int(m["chunks"]), int(m["sentences"]),
                              title=str(m.get("title", "")), date=str(m.get("date", "")),
                              doc_type=str(m.get("doc_type", "")), pages=int(m.get("pages", 0)),
                              ocr=bool(m.get("ocr", False)), indexed_at=str(m.get("indexed_at", "")))
        for record_id, m in zip(got["ids"], got["metadatas"] or [])
        if record_id != VERSION_ID and m
    }


def read_manifest(settings: Settings) -> dict[str, FileRecord]:
    """The live store's file records, read by name without loading (or building) the embedding model:
    the document library lists them. :class:`EmptyIndex` when nothing was ever ingested."""
    client = open_client(settings, create=False)
    try:
        files = client.get_collection(collection_names(settings.collection)[2], embedding_function=None)
        got = get_all(files, include=["metadatas"])
    except Exception as error:
        if "does not exist" in str(error).lower():
            raise EmptyIndex(f"The store at {where(settings)} holds no documents yet.") from error
        raise StoreUnavailable(f"Chroma store at {where(settings)} failed: {error}{advice(error)}") from error
    return _file_records(got)


def store_version(settings: Settings) -> str:
    """The live store's version, read by name (a rebuild swaps the collections under a running server)."""
    client = open_client(settings, create=False)
    try:
        files = client.get_collection(collection_names(settings.collection)[2], embedding_function=None)
        got = files.get(ids=[VERSION_ID], include=["documents"])
    except Exception as error:
        raise StoreUnavailable(f"Chroma store at {where(settings)} failed: {error}{advice(error)}") from error
    return (got["documents"] or [""])[0] or ""


def drop_collections(settings: Settings, base: str) -> None:
    """Delete the three collections of ``base``, and one of the format before (a missing one is fine)."""
    client = open_client(settings, create=True)
    for name in (*collection_names(base), base + LEGACY_SENTENCES_SUFFIX):
        try:
            client.delete_collection(name)
        except Exception as error:
            if "does not exist" not in str(error).lower():
                raise StoreUnavailable(f"Cannot drop collection {name} at {where(settings)}: {error}") from error


def swap_in(settings: Settings, staging: str) -> None:
    """Make the ``staging`` collections the live ones (``rag ingest --rebuild``).

    Renames, never copies: the old collections are renamed aside, the staging ones take the live names,
    then the old ones are dropped. A server still holding the old collections keeps answering from them
    (collections are addressed by id) until it notices the new version and reloads.
    """
    client = open_client(settings, create=True)
    live = settings.collection
    drop_collections(settings, live + RETIRED_SUFFIX)
    try:
        rename_collections(client, live, live + RETIRED_SUFFIX, missing_ok=True)
        rename_collections(client, staging, live)
    except Exception as error:
        raise StoreUnavailable(f"Could not swap in the rebuilt index at {where(settings)}: {error}") from error
    drop_collections(settings, live + RETIRED_SUFFIX)


def rename_collections(client, source: str, target: str, missing_ok: bool = False) -> None:
    """Give the three collections of ``source`` the names of ``target`` (``missing_ok``: skip absent ones)."""
    present = existing_collections(client) if missing_ok else None
    for old, new in zip(collection_names(source), collection_names(target)):
        if present is None or old in present:
            client.get_collection(old, embedding_function=None).modify(name=new)


def existing_collections(client) -> set[str]:
    return {c if isinstance(c, str) else c.name for c in client.list_collections()}
