"""The same ingest and ask against a real `chroma run` server on 127.0.0.1."""

import pytest

from ingest.indexer import Indexer
from rag.assistant import Assistant
from rag.config import Settings

pytestmark = pytest.mark.slow


def test_ingest_and_ask_run_unchanged_against_a_chroma_server(chroma_server, tmp_path, model_dir):
    settings = Settings.load(data_dir=tmp_path / "client", model_dir=model_dir,
                             chroma_host="127.0.0.1", chroma_port=chroma_server.port)
    first = Indexer(settings, progress=False).run()
    again = Indexer(settings, progress=False).run()
    assert len(first.added) == 5 and len(again.unchanged) == 5 and again.chunks_total == first.chunks_total
    assert not (tmp_path / "client" / "chroma").exists()  # nothing written to an embedded store

    answer = Assistant(settings).ask("Kto przewodniczył delegacji z Frankfurtu w 2022 roku?")
    assert "Elke Voitl" in answer.answer and not answer.refused
