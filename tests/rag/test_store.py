import socket

import numpy as np
import pytest

from rag.config import Settings
from rag.errors import EmptyIndex, StoreUnavailable
from rag.store import LEGACY_SENTENCES_SUFFIX, ChunkStore, SentenceSet, existing_collections


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_missing_store_says_to_ingest_first_and_creates_nothing(tmp_path):
    settings = Settings.load(data_dir=tmp_path, chroma_host="")
    with pytest.raises(EmptyIndex, match="rag ingest"):
        ChunkStore(settings, "model")
    assert not (tmp_path / "chroma").exists()


def test_store_without_the_collection_says_to_ingest_first(tmp_path):
    settings = Settings.load(data_dir=tmp_path, chroma_host="")
    ChunkStore(settings, "model", create=True)
    with pytest.raises(EmptyIndex, match="rag ingest"):
        ChunkStore(settings.replace(collection="other_collection"), "model")


def test_server_that_is_down_gives_a_clear_error(tmp_path):
    settings = Settings.load(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=_free_port())
    with pytest.raises(StoreUnavailable, match="chroma run"):
        ChunkStore(settings, "model")


def test_unwritable_store_path_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "chroma"
    blocker.write_text("not a directory")
    settings = Settings.load(data_dir=tmp_path, chroma_host="")
    with pytest.raises(StoreUnavailable, match="Cannot open"):
        ChunkStore(settings, "model", create=True)


def test_sentence_vectors_come_back_per_chunk_to_half_precision(tmp_path):
    settings = Settings.load(data_dir=tmp_path, chroma_host="")
    store = ChunkStore(settings, "model", create=True)
    rng = np.random.default_rng(3)
    first, second = rng.standard_normal((2, 4)).astype(np.float32), rng.standard_normal((1, 4)).astype(np.float32)
    store.add_sentences([
        SentenceSet("a.txt", "c1", ["Zdanie pierwsze o łodziach.", "Zdanie drugie o mostach."], first.tolist()),
        SentenceSet("a.txt", "c2", ["Trzecie zdanie, w innym fragmencie."], second.tolist()),
        SentenceSet("b.txt", "c3", [], []),
    ])
    got = store.sentence_vectors(["c1", "c3", "absent"])
    assert set(got) == {"Zdanie pierwsze o łodziach.", "Zdanie drugie o mostach."}
    assert got["Zdanie drugie o mostach."].dtype == np.float32
    assert np.allclose(got["Zdanie drugie o mostach."], first[1], rtol=1e-3, atol=1e-4)
    assert store.sentence_count("a.txt") == 3 and store.sentence_count("b.txt") == 0
    store.delete(["c1"])
    assert store.sentence_vectors(["c1", "c2"]) == {"Trzecie zdanie, w innym fragmencie.": pytest.approx(second[0], rel=1e-3, abs=1e-4)}


def test_per_sentence_collection_of_the_older_format_is_dropped_when_the_store_is_written(tmp_path):
    settings = Settings.load(data_dir=tmp_path, chroma_host="")
    store = ChunkStore(settings, "model", create=True)
    legacy = settings.collection + LEGACY_SENTENCES_SUFFIX
    store.client.create_collection(legacy, embedding_function=None)
    ChunkStore(settings, "model")  # read-only: left for the ingest that will replace it
    assert legacy in existing_collections(store.client)
    ChunkStore(settings, "model", create=True)
    assert legacy not in existing_collections(store.client)
