import socket

import pytest

from rag.config import Settings
from rag.errors import EmptyIndex, StoreUnavailable
from rag.store import ChunkStore


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
