"""The Chroma collection that holds chunks, vectors and their metadata: the single source of truth.

Embedded (``PersistentClient`` on disk) by default; an ``HttpClient`` to a ``chroma run`` server when
``chroma_host`` is set. The collection records which embedding model built it and refuses to mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rag.config import Settings
from rag.errors import EmptyIndex, ModelMismatch, StoreUnavailable

MODEL_KEY = "embed_model"
SENTENCES_SUFFIX = "_sentences"


@dataclass
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict[str, Any]


def _client(settings: Settings, create: bool):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_host:
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        path = settings.chroma_dir
        if not create and not path.exists():
            raise EmptyIndex(f"No index at {path}. Run `rag ingest` first.")
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except EmptyIndex:
        raise
    except Exception as error:  # chromadb raises plain ValueError/ConnectionError/sqlite errors
        raise StoreUnavailable(f"Cannot open the Chroma store at {_where(settings)}: {error}") from error


def _where(settings: Settings) -> str:
    if settings.chroma_host:
        return f"http://{settings.chroma_host}:{settings.chroma_port} (is `chroma run` running?)"
    return str(settings.chroma_dir)


class ChunkStore:
    """A Chroma collection bound to one embedding model."""

    def __init__(self, settings: Settings, model_fingerprint: str, create: bool = False) -> None:
        self.settings = settings
        client = _client(settings, create)
        metadata = {"hnsw:space": "cosine", MODEL_KEY: model_fingerprint}
        try:
            if create:
                self.collection = client.get_or_create_collection(settings.collection, metadata=metadata)
            else:
                self.collection = client.get_collection(settings.collection)
            # The sentences of every chunk with their vectors, so answers never embed at query time.
            self.sentences = client.get_or_create_collection(settings.collection + SENTENCES_SUFFIX, metadata=metadata)
        except Exception as error:
            if not create and "does not exist" in str(error).lower():
                raise EmptyIndex(
                    f"The store at {_where(settings)} has no collection {settings.collection!r}. "
                    "Run `rag ingest` first."
                ) from error
            raise StoreUnavailable(f"Cannot open collection at {_where(settings)}: {error}") from error
        built_with = (self.collection.metadata or {}).get(MODEL_KEY)
        if built_with and built_with != model_fingerprint:
            raise ModelMismatch(
                f"The index {settings.collection!r} was built with embedding model {built_with}, "
                f"but the configured model is {model_fingerprint}. Vectors of two models cannot be "
                "mixed: re-run `rag ingest --rebuild`, or set RAG_MODEL_DIR back to the old model."
            )

    def vector_store(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def count(self) -> int:
        return self._call(self.collection.count)

    def ingest_keys(self) -> dict[str, set[str]]:
        """Source path → the ingest keys (content hash + chunking settings) of its stored chunks."""
        got = self._call(self.collection.get, include=["metadatas"])
        keys: dict[str, set[str]] = {}
        for metadata in got["metadatas"] or []:
            keys.setdefault(metadata["path"], set()).add(metadata.get("ingest_key", ""))
        return keys

    def chunk_ids(self, path: str) -> list[str]:
        return self._call(self.collection.get, where={"path": path}, include=[])["ids"]

    def delete(self, ids: list[str]) -> None:
        """Delete chunks and their sentences."""
        if ids:
            self._call(self.collection.delete, ids=ids)
            self._call(self.sentences.delete, where={"chunk_id": {"$in": ids}})

    def add_sentences(self, chunk_id: str, path: str, sentences: list[str], vectors: list[list[float]]) -> None:
        if sentences:
            self._call(
                self.sentences.upsert,
                ids=[f"{chunk_id}:{i}" for i in range(len(sentences))],
                documents=sentences,
                embeddings=vectors,
                metadatas=[{"chunk_id": chunk_id, "path": path}] * len(sentences),
            )

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, list[float]]:
        """Sentence text → vector for the sentences of these chunks."""
        if not chunk_ids:
            return {}
        got = self._call(self.sentences.get, where={"chunk_id": {"$in": chunk_ids}}, include=["documents", "embeddings"])
        return dict(zip(got["documents"], got["embeddings"]))

    def all_chunks(self) -> list[StoredChunk]:
        got = self._call(self.collection.get, include=["documents", "metadatas"])
        return [
            StoredChunk(chunk_id, text or "", metadata or {})
            for chunk_id, text, metadata in zip(got["ids"], got["documents"], got["metadatas"])
        ]

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as error:
            raise StoreUnavailable(f"Chroma store at {_where(self.settings)} failed: {error}") from error


def drop_collection(settings: Settings) -> None:
    """Delete the collection (for ``rag ingest --rebuild``); a missing one is fine."""
    client = _client(settings, create=True)
    for name in (settings.collection, settings.collection + SENTENCES_SUFFIX):
        try:
            client.delete_collection(name)
        except Exception as error:
            if "does not exist" not in str(error).lower():
                raise StoreUnavailable(f"Cannot drop collection at {_where(settings)}: {error}") from error
