"""`rag doctor` names what is wrong with a store in words and repairs it without deleting anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.doctor import Doctor
from ingest.indexer import Indexer
from rag.config import PROJECT_ROOT, Settings
from rag.embedding import model_fingerprint
from rag.store import RETIRED_SUFFIX, ChunkStore, collection_names, open_client

# Written for these tests.
LIBRARY = (
    "Biblioteczka poradników w świetlicy\n\n2022-10-05\n\n"
    "Świetlica środowiskowa na Bieżanowie założyła biblioteczkę poradników dla rodziców. Książki można "
    "wypożyczać na dwa tygodnie, a zbiory uzupełnia rada rodziców.\n"
)
TRIP = (
    "Wycieczka podopiecznych do Wieliczki\n\n2023-06-21\n\n"
    "W czerwcu dwudziestu podopiecznych dziennego domu pomocy zwiedziło kopalnię soli w Wieliczce. Przejazd "
    "zapewnił miejski przewoźnik, a opiekę sprawowało czterech wolontariuszy.\n"
)


@pytest.fixture
def indexed(tmp_path: Path, model_dir) -> tuple[Settings, Path]:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "biblioteczka.txt").write_text(LIBRARY, encoding="utf-8")
    (folder / "wycieczka.txt").write_text(TRIP, encoding="utf-8")
    settings = Settings.load(data_dir=tmp_path / "data", model_dir=model_dir, chroma_host="")
    Indexer(settings, progress=False).run([folder])
    return settings, folder


def _store(settings: Settings) -> ChunkStore:
    return ChunkStore(settings, model_fingerprint(settings))


def test_healthy_store_is_called_healthy(indexed):
    settings, folder = indexed
    result = Doctor(settings).run([folder])
    assert result.healthy and "2 file(s) indexed" in result.text()


def test_file_with_missing_sentence_records_is_named_and_written_again(indexed):
    settings, folder = indexed
    key = str(folder / "wycieczka.txt")
    store = _store(settings)
    before = store.sentence_count(key)
    store.sentences.delete(where={"path": key})

    result = Doctor(settings).run([folder], repair=True)
    assert not result.before.healthy and f"{key}: 1 chunk(s) and 0 sentence record(s) stored" in result.text()
    assert result.healthy and _store(settings).sentence_count(key) == before


def test_file_changed_or_missing_on_disk_is_reported_and_synced(indexed):
    settings, folder = indexed
    (folder / "biblioteczka.txt").write_text(LIBRARY.replace("dwa tygodnie", "miesiąc"), encoding="utf-8")
    (folder / "wycieczka.txt").unlink()
    result = Doctor(settings).run([folder], repair=True)
    text = result.before.text()
    assert "biblioteczka.txt: out of date" in text and "wycieczka.txt: indexed, but the file is gone" in text
    assert result.healthy and {c.metadata["source"] for c in _store(settings).all_chunks()} == {"biblioteczka.txt"}


def test_damaged_store_is_moved_aside_and_rebuilt(indexed):
    settings, folder = indexed
    database = settings.chroma_dir / "chroma.sqlite3"
    os.truncate(database, database.stat().st_size // 2)

    asked = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "Na ile można wypożyczyć poradnik?", "--data-dir",
         str(settings.data_dir), "--model-dir", str(settings.model_dir), "--chroma-host", ""],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120,
    )
    assert asked.returncode == 2 and "rag doctor --repair" in asked.stderr and "Traceback" not in asked.stderr

    result = Doctor(settings).run([folder], repair=True)
    assert "cannot be opened" in result.before.text() and result.healthy
    [aside] = settings.chroma_dir.parent.glob("chroma.broken-*")
    assert (aside / "chroma.sqlite3").exists()  # kept, never deleted
    assert _store(settings).count() == 2


def test_rebuild_stopped_between_its_renames_is_put_back(indexed):
    settings, folder = indexed
    client = open_client(settings, create=False)
    for live, retired in zip(collection_names(settings.collection), collection_names(settings.collection + RETIRED_SUFFIX)):
        client.get_collection(live, embedding_function=None).modify(name=retired)

    result = Doctor(settings).run([folder], repair=True)
    assert "none is live" in result.before.text() and result.healthy
    assert _store(settings).count() == 2
