"""The document library over a real small store: list, add, replace, delete, and which originals it serves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingest.indexer import Indexer
from ingest.library import CORPUS, UPLOAD, Library, document_id
from rag.config import Settings
from rag.embedding import model_fingerprint
from rag.store import ChunkStore

# Written for these tests; no question set mentions them.
KALIGRAFIA = ("Warsztaty kaligrafii dla seniorów w Nowej Hucie\n\n2025-03-14\n\n"
              "W klubie seniora przy ulicy Sieroszewskiego odbyły się czterotygodniowe warsztaty kaligrafii. "
              "Zajęcia prowadziła emerytowana nauczycielka plastyki, pani Jadwiga Ostrowska.\n")
KALIGRAFIA_2 = ("Warsztaty kaligrafii dla seniorów w Nowej Hucie\n\n2025-03-14\n\n"
                "Warsztaty kaligrafii przeniesiono do domu kultury przy placu Centralnym. "
                "Prowadzącą została pani Halina Wierzbicka, graficzka z Bieńczyc.\n")
ROWERY = ("Zbiórka rowerów dla podopiecznych schroniska\n\n2024-10-02\n\n"
          "Pracownicy ośrodka zebrali dwadzieścia sześć rowerów dla mieszkańców schroniska dla bezdomnych. "
          "Rowery odnowił wolontariusz z Podgórza, pan Tadeusz Kmiecik.\n")
PLANSZOWKI = ("Turniej gier planszowych w świetlicy środowiskowej\n\n2023-06-21\n\n"
              "W świetlicy na Kazimierzu rozegrano turniej gier planszowych dla dzieci z rodzin objętych "
              "wsparciem asystenta. Zwyciężyła drużyna o nazwie Szybkie Ślimaki.\n")


@pytest.fixture
def settings(tmp_path, model_dir) -> Settings:
    """A store of its own: a one-file corpus folder, an empty library."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "planszowki.txt").write_text(PLANSZOWKI, encoding="utf-8")
    settings = Settings.load(data_dir=tmp_path / "data", corpus_dir=corpus, model_dir=model_dir, chroma_host="")
    assert not Indexer(settings, progress=False).run().errors
    return settings


@pytest.fixture
def uploads(tmp_path) -> Path:
    folder = tmp_path / "uploads"
    folder.mkdir()
    return folder


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def store(settings: Settings) -> ChunkStore:
    return ChunkStore(settings, model_fingerprint(settings))


def chunk_texts(settings: Settings, name: str) -> list[str]:
    return [c.text for c in store(settings).all_chunks() if Path(c.metadata["path"]).name == name]


def test_an_added_file_is_copied_into_the_library_indexed_and_listed_with_its_facts(settings, uploads):
    steps = []
    result = Library(settings).add([write(uploads, "kaligrafia.txt", KALIGRAFIA)],
                                   progress=lambda done, total, name: steps.append((done, total, name)))
    assert result.added == ("kaligrafia.txt",) and not result.failed
    assert steps == [(0, 1, "kaligrafia.txt"), (1, 1, "")]
    assert (settings.library_dir / "kaligrafia.txt").read_text(encoding="utf-8") == KALIGRAFIA

    documents = {d.name: d for d in Library(settings).documents()}
    added = documents["kaligrafia.txt"]
    assert added.title == "Warsztaty kaligrafii dla seniorów w Nowej Hucie" and added.date == "2025-03-14"
    assert added.doc_type in ("text", "txt")  # the reader's kind, or the suffix for older records
    assert (added.pages, added.ocr, added.origin) == (0, False, UPLOAD)
    assert added.chunks >= 1 and added.indexed_at.startswith("20")
    assert documents["planszowki.txt"].origin == CORPUS


def test_search_matches_titles_without_case_or_diacritics(settings, uploads):
    Library(settings).add([write(uploads, "rowery.txt", ROWERY)])
    assert [d.name for d in Library(settings).documents("ZBIORKA rowerow")] == ["rowery.txt"]
    assert [d.name for d in Library(settings).documents("planszowych")] == ["planszowki.txt"]
    assert Library(settings).documents("nic takiego") == []


def test_a_changed_file_uploaded_under_the_same_name_replaces_its_chunks_and_keeps_the_old_version(settings, uploads):
    library = Library(settings)
    library.add([write(uploads, "kaligrafia.txt", KALIGRAFIA)])
    assert any("Ostrowska" in text for text in chunk_texts(settings, "kaligrafia.txt"))

    again = uploads / "again"
    again.mkdir()
    result = library.add([write(again, "kaligrafia.txt", KALIGRAFIA_2)])
    assert result.updated == ("kaligrafia.txt",)
    texts = chunk_texts(settings, "kaligrafia.txt")
    assert texts and all("Ostrowska" not in t for t in texts) and any("Wierzbicka" in t for t in texts)
    assert [d.name for d in library.documents()].count("kaligrafia.txt") == 1
    kept = list(settings.trash_dir.glob("*/kaligrafia.txt"))
    assert [p.read_text(encoding="utf-8") for p in kept] == [KALIGRAFIA]
    assert library.add([write(again, "kaligrafia.txt", KALIGRAFIA_2)]).unchanged == ("kaligrafia.txt",)


def test_delete_removes_only_that_documents_chunks_sentences_and_record_and_moves_the_file_to_the_trash(
        settings, uploads):
    library = Library(settings)
    library.add([write(uploads, "kaligrafia.txt", KALIGRAFIA), write(uploads, "rowery.txt", ROWERY)])
    before = store(settings)
    records, version = before.indexed_files(), before.version()
    others = {key: (sorted(before.chunk_ids(key)), before.sentence_count(key))
              for key in records if not key.endswith("kaligrafia.txt")}
    victim = next(d for d in library.documents() if d.name == "kaligrafia.txt")

    done = library.delete(victim.doc_id, by="anna")

    after = store(settings)
    assert victim.path not in after.indexed_files()
    assert after.chunk_ids(victim.path) == [] and after.sentence_count(victim.path) == 0
    assert {key: (sorted(after.chunk_ids(key)), after.sentence_count(key)) for key in others} == others
    assert {k: v for k, v in after.indexed_files().items()} == {k: v for k, v in records.items() if k in others}
    moved = Path(done.moved_to)
    assert moved.read_text(encoding="utf-8") == KALIGRAFIA and not Path(victim.path).exists()
    note = json.loads((moved.parent / "deleted.json").read_text(encoding="utf-8"))
    assert note["original"] == victim.path and note["deleted_by"] == "anna"
    assert after.version() != version  # a running chat reloads

    report = Indexer(settings, progress=False).run()  # `rag ingest` does not bring it back
    assert victim.path not in store(settings).indexed_files() and not report.added


def test_a_shipped_corpus_file_can_be_deleted_and_is_kept_in_the_trash(settings):
    library = Library(settings)
    shipped = next(d for d in library.documents() if d.origin == CORPUS)
    done = library.delete(shipped.doc_id)
    assert Path(done.moved_to).read_text(encoding="utf-8") == PLANSZOWKI
    assert library.documents() == []


def test_deleting_an_unknown_document_says_so(settings):
    from ingest.library import LibraryError

    with pytest.raises(LibraryError, match="no longer in the library"):
        Library(settings).delete("0" * 20)


def test_uploads_survive_a_rebuild_and_a_plain_ingest(settings, uploads):
    Library(settings).add([write(uploads, "rowery.txt", ROWERY)])
    assert settings.library_dir in settings.ingest_roots()
    Indexer(settings, progress=False).run(rebuild=True)
    assert {d.name for d in Library(settings).documents()} == {"rowery.txt", "planszowki.txt"}
    assert not Indexer(settings, progress=False).run().removed


def test_an_unsupported_or_unreadable_upload_is_reported_and_not_kept(settings, uploads):
    binary = uploads / "zepsuty.txt"
    binary.write_bytes(bytes(range(256)) * 40)
    result = Library(settings).add([write(uploads, "program.exe", "MZ"), binary, write(uploads, "rowery.txt", ROWERY)])
    assert result.added == ("rowery.txt",) and result.failed
    assert any(line.startswith("not read: program.exe:") for line in result.problems)
    assert any(line.startswith("error: zepsuty.txt") for line in result.problems)
    assert sorted(p.name for p in settings.library_dir.iterdir()) == ["rowery.txt"]


def test_a_bad_new_version_leaves_the_good_one_indexed_and_in_place(settings, uploads):
    library = Library(settings)
    library.add([write(uploads, "rowery.txt", ROWERY)])
    bad = uploads / "bad"
    bad.mkdir()
    (bad / "rowery.txt").write_bytes(bytes(range(256)) * 40)
    result = library.add([bad / "rowery.txt"])
    assert result.failed and not result.updated
    assert (settings.library_dir / "rowery.txt").read_text(encoding="utf-8") == ROWERY
    assert any("Kmiecik" in t for t in chunk_texts(settings, "rowery.txt"))
    assert not list(settings.trash_dir.glob("*/rowery.txt"))


def test_hidden_or_path_like_upload_names_never_leave_the_library_folder(settings, uploads):
    result = Library(settings).add([write(uploads, ".ukryty.txt", ROWERY)])
    assert result.problems == ("not read: .ukryty.txt: not a usable file name",)
    assert not settings.library_dir.exists() or not any(settings.library_dir.iterdir())


def test_only_indexed_regular_files_are_served_as_originals_never_by_a_path_from_the_request(settings, uploads):
    library = Library(settings)
    library.add([write(uploads, "rowery.txt", ROWERY)])
    document = next(d for d in library.documents() if d.name == "rowery.txt")
    assert library.original(document.doc_id) == Path(document.path)
    for forged in ("../../etc/passwd", document_id("/etc/passwd"), document.path, "", "%2e%2e%2f"):
        assert library.original(forged) is None
    (settings.corpus_dir / "nieindeksowany.txt").write_text(ROWERY, encoding="utf-8")
    assert library.original(document_id(str(settings.corpus_dir / "nieindeksowany.txt"))) is None

    secret = uploads / "sekret.txt"
    secret.write_text("tajne", encoding="utf-8")
    Path(document.path).unlink()
    os.symlink(secret, document.path)  # swapped for a link after indexing
    assert library.original(document.doc_id) is None


def test_an_upload_while_another_ingest_runs_is_refused_and_leaves_the_library_as_it_was(settings, uploads,
                                                                                          monkeypatch):
    import ingest.library
    from ingest.lock import ingest_lock
    from rag.errors import StoreBusy

    library = Library(settings)
    library.add([write(uploads, "rowery.txt", ROWERY)])
    newer = uploads / "newer"
    newer.mkdir()
    with ingest_lock(settings):
        result = library.add([write(newer, "rowery.txt", KALIGRAFIA), write(newer, "kaligrafia.txt", KALIGRAFIA)])
        monkeypatch.setattr(ingest.library, "LOCK_WAIT", 0.1)
        with pytest.raises(StoreBusy):
            library.delete(next(d.doc_id for d in library.documents() if d.name == "rowery.txt"))
    assert result.failed and not result.added and not result.updated
    assert result.problems[0].startswith("error: rowery.txt: not added (Another `rag ingest`")
    assert result.problems[1] == "error: kaligrafia.txt: not added (stopped after the error above)"
    assert sorted(p.name for p in settings.library_dir.iterdir()) == ["rowery.txt"]
    assert (settings.library_dir / "rowery.txt").read_text(encoding="utf-8") == ROWERY
    assert {d.name for d in library.documents()} == {"rowery.txt", "planszowki.txt"}
