"""The indexer against a real embedded Chroma store and the real embedding model, on small files."""

from pathlib import Path

import pytest

from ingest.indexer import Indexer
from rag.config import Settings
from rag.embedding import load_embed_model
from rag.errors import ModelMismatch
from rag.store import ChunkStore

VISIT = (
    "Wizyta delegacji z Oslo\n\n2019-05-14\n\n"
    "W dniu 14 maja 2019 roku w Krakowie gościła delegacja z Oslo. Goście poznali system pomocy "
    "społecznej i odwiedzili Dom Pomocy Społecznej. Spotkanie prowadził dyrektor ośrodka.\n"
)
PROJECT = (
    "Projekt Razem\n\n2020-01-10\n\n"
    "Projekt Razem wspiera seniorów mieszkających samotnie. Wolontariusze odwiedzają ich raz w tygodniu "
    "i pomagają w codziennych sprawach. Projekt finansuje Gmina Miejska Kraków.\n"
)


@pytest.fixture
def settings(tmp_path: Path, model_dir) -> Settings:
    return Settings.load(data_dir=tmp_path / "data", model_dir=model_dir, chroma_host="")


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "oslo.txt").write_text(VISIT, encoding="utf-8")
    (folder / "razem.txt").write_text(PROJECT, encoding="utf-8")
    return folder


def _store(settings: Settings) -> ChunkStore:
    from rag.embedding import model_fingerprint

    return ChunkStore(settings, model_fingerprint(settings))


def test_reingest_skips_unchanged_files_and_never_duplicates_chunks(settings, docs):
    first = Indexer(settings, progress=False).run([docs])
    ids_before = sorted(c.chunk_id for c in _store(settings).all_chunks())
    second = Indexer(settings, progress=False).run([docs])
    assert len(first.added) == 2 and second.unchanged == first.added and second.chunks_written == 0
    assert sorted(c.chunk_id for c in _store(settings).all_chunks()) == ids_before


def test_changed_file_replaces_its_chunks(settings, docs):
    Indexer(settings, progress=False).run([docs])
    (docs / "oslo.txt").write_text(VISIT.replace("dyrektor ośrodka", "wicedyrektor Anna Nowak"), encoding="utf-8")
    report = Indexer(settings, progress=False).run([docs])
    texts = [c.text for c in _store(settings).all_chunks() if c.metadata["source"] == "oslo.txt"]
    assert report.updated == [str(docs / "oslo.txt")]
    assert any("Anna Nowak" in t for t in texts) and not any("dyrektor ośrodka" in t for t in texts)


def test_removed_file_is_deleted_from_the_index(settings, docs):
    Indexer(settings, progress=False).run([docs])
    (docs / "razem.txt").unlink()
    report = Indexer(settings, progress=False).run([docs])
    assert report.removed == [str(docs / "razem.txt")]
    assert {c.metadata["source"] for c in _store(settings).all_chunks()} == {"oslo.txt"}


def test_bad_file_is_reported_and_what_was_indexed_before_is_kept(settings, docs):
    Indexer(settings, progress=False).run([docs])
    (docs / "razem.txt").write_bytes(b"\x00\x01binary garbage")
    (docs / "empty.txt").write_text("", encoding="utf-8")
    report = Indexer(settings, progress=False).run([docs])
    assert any("binary" in e and "kept what was indexed before" in e for e in report.errors)
    assert any("empty" in e for e in report.errors)
    assert {c.metadata["source"] for c in _store(settings).all_chunks()} == {"oslo.txt", "razem.txt"}


def test_a_file_that_fails_inside_a_batch_costs_only_itself(settings, docs, monkeypatch):
    import ingest.indexer

    (docs / "trzeci.txt").write_text(VISIT.replace("Oslo", "Bergen"), encoding="utf-8")
    real = ingest.indexer.embed_chunks

    def failing_on_razem(model, nodes, how):
        if any(n.metadata["source"] == "razem.txt" for n in nodes):
            raise ValueError("a tokenizer bug")
        return real(model, nodes, how)

    monkeypatch.setattr(ingest.indexer, "embed_chunks", failing_on_razem)
    report = Indexer(settings.replace(ingest_batch_chunks=1000), progress=False).run([docs])
    assert report.added == [str(docs / "oslo.txt"), str(docs / "trzeci.txt")]
    assert len(report.errors) == 1 and "razem.txt" in report.errors[0] and "a tokenizer bug" in report.errors[0]
    assert set(_store(settings).indexed_files()) == {str(docs / "oslo.txt"), str(docs / "trzeci.txt")}
    assert {c.metadata["source"] for c in _store(settings).all_chunks()} == {"oslo.txt", "trzeci.txt"}


def _contents(s: Settings) -> tuple:
    store = _store(s)
    chunks = sorted((c.chunk_id, c.text) for c in store.all_chunks())
    sentences = sorted(store.sentences.get(include=["documents"])["ids"])
    records = {k: (r.chunks, r.sentences) for k, r in store.indexed_files().items()}
    return chunks, sentences, records


def test_files_written_in_small_batches_make_the_same_store(settings, docs, tmp_path):
    (docs / "trzeci.txt").write_text(VISIT.replace("Oslo", "Bergen"), encoding="utf-8")
    one_by_one = settings.replace(data_dir=tmp_path / "small", ingest_batch_chunks=1)
    Indexer(settings, progress=False).run([docs])
    Indexer(one_by_one, progress=False).run([docs])
    assert _contents(settings) == _contents(one_by_one)


def test_an_ingest_that_lets_its_model_go_before_the_last_batch_writes_the_same_store(settings, docs, tmp_path,
                                                                                        monkeypatch):
    import ingest.indexer

    released = []
    real = ingest.indexer.release_embed_model
    monkeypatch.setattr(ingest.indexer, "release_embed_model", lambda: released.append(1) or real())
    (docs / "trzeci.txt").write_text(VISIT.replace("Oslo", "Bergen"), encoding="utf-8")
    releasing = settings.replace(data_dir=tmp_path / "releasing", ingest_batch_chunks=2)  # several batches
    Indexer(settings, progress=False).run([docs])
    Indexer(releasing, progress=False, release_model=True).run([docs])
    assert _contents(settings) == _contents(releasing)
    assert released == [1]  # once, after the last batch was embedded
    assert len(load_embed_model(settings).get_text_embedding("Wizyta w Oslo")) == 384  # loads again


def test_chunks_carry_citable_metadata(settings, docs):
    Indexer(settings, progress=False).run([docs])
    [chunk, *_] = [c for c in _store(settings).all_chunks() if c.metadata["source"] == "oslo.txt"]
    meta = chunk.metadata
    source_text = (docs / "oslo.txt").read_text(encoding="utf-8")
    assert meta["title"] == "Wizyta delegacji z Oslo" and meta["date"] == "2019-05-14"
    assert source_text[meta["start_char"] : meta["end_char"]] == chunk.text
    assert len(meta["content_hash"]) == 16 and "delegacja" in meta["terms"].split()


def test_index_refuses_to_mix_vectors_of_two_models(settings, docs):
    Indexer(settings, progress=False).run([docs])
    with pytest.raises(ModelMismatch, match="rebuild"):
        ChunkStore(settings, "some-other-model")


def test_rebuild_replaces_the_collection(settings, docs):
    Indexer(settings, progress=False).run([docs])
    report = Indexer(settings, progress=False).run([docs], rebuild=True)
    assert len(report.added) == 2 and report.chunks_total == _store(settings).count()


def test_changed_chunking_settings_redo_unchanged_files(settings, docs):
    Indexer(settings, progress=False).run([docs])
    report = Indexer(settings.replace(chunk_tokens=60, chunk_overlap=10), progress=False).run([docs])
    assert len(report.updated) == 2 and report.chunks_total == _store(settings).count()


def test_page_furniture_is_reported_not_dropped_silently(settings, docs):
    (docs / "strona.txt").write_text(
        "Serwis informacyjny ośrodka\nWersja do druku\n\n" + VISIT.replace("Oslo", "Bergen"), encoding="utf-8"
    )
    report = Indexer(settings, progress=False).run([docs])
    key = str(docs / "strona.txt")
    assert report.skipped == {key: ["Serwis informacyjny ośrodka", "Wersja do druku"]}
    assert f"skipped 2 lines of page furniture (42 characters) in {key}" in report.summary()
    assert "Wersja do druku" not in " ".join(c.text for c in _store(settings).all_chunks())


def _corpus(settings: Settings, cache: bool = True):
    from rag.corpus import Corpus, cache_folder
    from rag.lexical import PolishAnalyzer

    return Corpus.load(_store(settings), PolishAnalyzer(), cache_folder(settings) if cache else None)


def test_an_ingest_leaves_the_corpus_analysis_saved_for_the_first_answer(settings, docs):
    report = Indexer(settings, progress=False).run([docs])
    corpus = _corpus(settings)
    assert report.corpus_s > 0 and corpus.from_cache
    assert list(corpus.vocabulary.items()) == list(_corpus(settings, cache=False).vocabulary.items())
    (docs / "oslo.txt").write_text(VISIT.replace("dyrektor ośrodka", "kierowniczka świetlicy"), encoding="utf-8")
    Indexer(settings, progress=False).run([docs])
    changed = _corpus(settings)
    assert changed.from_cache and changed.vocabulary["swietlicy"] == "swietlica"
    Indexer(settings, progress=False).run([docs], rebuild=True)
    assert _corpus(settings).from_cache


def test_an_ingest_that_empties_the_index_ends_without_an_analysis(settings, docs):
    Indexer(settings, progress=False).run([docs])
    for path in docs.iterdir():
        path.unlink()
    report = Indexer(settings, progress=False).run([docs])
    assert len(report.removed) == 2 and not report.errors and report.chunks_total == 0


def test_an_ingest_stores_the_analysis_of_chunks_written_before_it_was_stored(settings, docs):
    """An older store is analysed once, by the next ingest, and never embedded again."""
    import shutil

    from rag.corpus import SPELLINGS_KEY, VOCABULARY_KEY, ChunkAnalysis, cache_folder
    from rag.lexical import PolishAnalyzer

    Indexer(settings, progress=False).run([docs])
    collection = _store(settings).collection
    before = collection.get(include=["embeddings", "documents"])
    collection.update(ids=before["ids"], metadatas=[{VOCABULARY_KEY: None, SPELLINGS_KEY: None}] * len(before["ids"]))
    shutil.rmtree(cache_folder(settings))  # as an older version left it: no stored analysis, no cache
    report = Indexer(settings, progress=False).run([docs])
    after = collection.get(include=["embeddings", "documents", "metadatas"])
    assert report.unchanged and not report.added and after["ids"] == before["ids"]
    assert (after["embeddings"] == before["embeddings"]).all()
    for text, metadata in zip(after["documents"], after["metadatas"]):
        assert ChunkAnalysis.stored(metadata) == ChunkAnalysis.of(PolishAnalyzer(), text)
    assert _corpus(settings).from_cache


def test_a_failed_batch_retried_file_by_file_lets_the_model_go_once_after_its_last_file(settings, docs, monkeypatch):
    import ingest.indexer

    released, real = [], ingest.indexer.embed_chunks
    monkeypatch.setattr(ingest.indexer, "release_embed_model", lambda: released.append(1))
    (docs / "trzeci.txt").write_text(VISIT.replace("Oslo", "Bergen"), encoding="utf-8")

    def failing_on_razem(model, nodes, how):
        if any(n.metadata["source"] == "razem.txt" for n in nodes):
            raise ValueError("a tokenizer bug")
        return real(model, nodes, how)

    monkeypatch.setattr(ingest.indexer, "embed_chunks", failing_on_razem)
    report = Indexer(settings.replace(ingest_batch_chunks=1000), progress=False, release_model=True).run([docs])
    assert report.added == [str(docs / "oslo.txt"), str(docs / "trzeci.txt")] and len(report.errors) == 1
    assert released == [1]

