"""The corpus analysis (rag/corpus.py): derived from what each chunk stored at ingest, or from its text
for a chunk stored without it, with the same values either way; kept on disk with the same values and
the same answers as derived afresh, and never used for a store that changed since it was written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from rag.config import PROJECT_ROOT
from rag.acronyms import Acronyms, contractions
from rag.corpus import SPELLINGS_KEY, VOCABULARY_KEY, ChunkAnalysis, Corpus, analysis_metadata, idf_table
from rag.embedding import model_fingerprint
from rag.lexical import PolishAnalyzer
from rag.store import ChunkStore, StoredChunk


class FakeStore:
    """What Corpus.load reads of a store: its version, its chunks (all, their ids, some by id), its settings."""

    def __init__(self, settings, chunks: list[StoredChunk], versions: list[str]) -> None:
        self.settings, self.chunks, self.versions = settings, chunks, list(versions)

    def version(self) -> str:
        return self.versions.pop(0) if len(self.versions) > 1 else self.versions[0]

    def all_chunks(self, metadata_keys: tuple[str, ...] | None = None, with_text: bool = True) -> list[StoredChunk]:
        return [StoredChunk(c.chunk_id, c.text if with_text else "",
                            {k: v for k, v in c.metadata.items() if metadata_keys is None or k in metadata_keys})
                for c in self.chunks]

    def all_chunk_ids(self) -> list[str]:
        return [c.chunk_id for c in self.chunks]

    def chunks_by_id(self, ids: list[str]) -> list[StoredChunk]:
        found = {c.chunk_id: c for c in self.chunks}
        return [found[i] for i in ids if i in found]


@pytest.fixture(scope="module")
def chunks(ingested_settings) -> list[StoredChunk]:
    return ChunkStore(ingested_settings, model_fingerprint(ingested_settings)).all_chunks()


@pytest.fixture
def analyzer() -> PolishAnalyzer:
    return PolishAnalyzer()


def _without_analysis(chunks: list[StoredChunk]) -> list[StoredChunk]:
    """The chunks as a store written before the analysis was stored holds them."""
    return [replace(c, metadata={k: v for k, v in c.metadata.items() if k not in (VOCABULARY_KEY, SPELLINGS_KEY)})
            for c in chunks]


class NoMorfeusz(PolishAnalyzer):
    def surface_to_lemma(self, text: str) -> dict[str, str]:
        raise AssertionError("a chunk with a stored analysis was analysed again")


def _same(a: Corpus, b: Corpus) -> None:
    # Item lists, not dicts: the order of the entries is kept too.
    assert list(a.vocabulary.items()) == list(b.vocabulary.items())
    assert list(a.idf.items()) == list(b.idf.items())
    assert list(a.acronyms.expansions.items()) == list(b.acronyms.expansions.items())
    assert a.known_words == b.known_words


def test_a_cached_analysis_is_the_derived_one_exactly(ingested_settings, chunks, analyzer, tmp_path):
    store = FakeStore(ingested_settings, chunks, ["v1"])
    derived = Corpus.load(store, analyzer, cache_dir=None)
    first = Corpus.load(store, analyzer, cache_dir=tmp_path)
    again = Corpus.load(store, analyzer, cache_dir=tmp_path)
    assert not derived.from_cache and not first.from_cache and again.from_cache
    assert len(list(tmp_path.glob("corpus-*.json"))) == 1
    _same(derived, first)
    _same(derived, again)
    assert again.chunks == chunks


def test_every_ingested_chunk_stores_the_analysis_of_its_text(chunks, analyzer):
    assert chunks
    for chunk in chunks:
        assert ChunkAnalysis.stored(chunk.metadata) == ChunkAnalysis.of(analyzer, chunk.text)


def test_a_stored_analysis_reads_back_exactly(analyzer):
    text = ("Miejski Ośrodek Pomocy Społecznej (MOPS) i Dom Pomocy Społecznej przy ul. Łokietka otrzymały "
            "nowe busy; kierowcy pojadą nimi 3 razy w tygodniu z Bronowic do Nowej Huty.")
    analysis = ChunkAnalysis.of(analyzer, text)
    assert ("busy", "bus") in analysis.vocabulary and ("mops", "Miejski Ośrodek Pomocy Społecznej") in analysis.spellings
    assert ChunkAnalysis.stored(analysis.metadata()) == analysis
    empty = ChunkAnalysis.of(analyzer, "")
    assert empty == ChunkAnalysis((), ()) and ChunkAnalysis.stored(empty.metadata()) == empty


def test_an_analysis_that_would_not_read_back_is_not_stored():
    assert ChunkAnalysis((("nowa huta", "nowa huta"),), ()).metadata() == {}
    assert ChunkAnalysis((), (("mops", "Miejski\nOśrodek"),)).metadata() == {}


def test_deriving_from_stored_analyses_runs_no_morfeusz_and_reads_no_text(ingested_settings, chunks, analyzer):
    def no_fetch(ids: list[str]) -> list[StoredChunk]:
        raise AssertionError(f"read the text of {ids}")

    stored = FakeStore(ingested_settings, chunks, [""]).all_chunks(with_text=False)
    corpus = Corpus.derive(stored, NoMorfeusz(), no_fetch)
    # What deriving computed from every chunk's text before the analysis was stored.
    vocabulary: dict[str, str] = {}
    for chunk in chunks:
        vocabulary.update(analyzer.surface_to_lemma(chunk.text))
    assert list(corpus.vocabulary.items()) == list(vocabulary.items())
    assert corpus.idf == idf_table([c.metadata["terms"].split() + sorted(contractions(c.text)) for c in chunks])
    assert list(corpus.acronyms.expansions.items()) == list(Acronyms.from_texts([c.text for c in chunks]).expansions.items())
    _same(corpus, Corpus.derive(_without_analysis(chunks), analyzer, no_fetch))


def test_chunks_stored_without_an_analysis_are_analysed_at_load(ingested_settings, chunks, analyzer):
    """A store written before the analysis was stored, whole or in part, derives the same values."""
    expected = Corpus.derive(chunks, analyzer, FakeStore(ingested_settings, chunks, [""]).chunks_by_id)
    mixed = [c if i % 2 else _without_analysis([c])[0] for i, c in enumerate(chunks)]
    fetched: list[str] = []

    def fetch(ids: list[str]) -> list[StoredChunk]:
        fetched.extend(ids)
        return FakeStore(ingested_settings, chunks, [""]).chunks_by_id(ids)

    kept: dict[str, dict[str, str]] = {}
    old = FakeStore(ingested_settings, mixed, ["v1"])
    corpus = Corpus.derive(old.all_chunks(with_text=False), analyzer, fetch, keep=kept.update)
    _same(corpus, expected)
    assert sorted(fetched) == sorted(c.chunk_id for c in chunks[::2])
    # What an ingest stores back into those chunks: the analysis of each, as it would have stored it.
    assert kept == {c.chunk_id: ChunkAnalysis.of(analyzer, c.text).metadata() for c in chunks[::2]}
    _same(Corpus.load(FakeStore(ingested_settings, _without_analysis(chunks), [""]), analyzer), expected)


def test_a_new_store_version_is_derived_again(ingested_settings, chunks, analyzer, tmp_path):
    Corpus.load(FakeStore(ingested_settings, chunks, ["v1"]), analyzer, cache_dir=tmp_path)
    assert Corpus.load(FakeStore(ingested_settings, chunks, ["v1"]), analyzer, cache_dir=tmp_path).from_cache
    assert not Corpus.load(FakeStore(ingested_settings, chunks, ["v2"]), analyzer, cache_dir=tmp_path).from_cache
    assert Corpus.load(FakeStore(ingested_settings, chunks, ["v2"]), analyzer, cache_dir=tmp_path).from_cache


def test_changed_chunks_under_the_same_version_are_derived_again(ingested_settings, chunks, analyzer, tmp_path):
    """An ingest killed before it renewed the version has still changed the chunks, and so their ids
    (made from the file's content hash)."""
    Corpus.load(FakeStore(ingested_settings, chunks, ["v1"]), analyzer, cache_dir=tmp_path)
    text = chunks[0].text + " Grzybobranie w Niepołomicach."  # as an ingest of the edited file stores it
    metadata = {**chunks[0].metadata, **analysis_metadata(analyzer, chunks[0].metadata["title"], text)}
    edited = [replace(chunks[0], chunk_id=chunks[0].chunk_id + "e", text=text, metadata=metadata)] + chunks[1:]
    corpus = Corpus.load(FakeStore(ingested_settings, edited, ["v1"]), analyzer, cache_dir=tmp_path)
    assert not corpus.from_cache
    assert corpus.vocabulary.get("niepolomicach") == "niepolomice"
    _same(corpus, Corpus.load(FakeStore(ingested_settings, edited, ["v1"]), analyzer, cache_dir=None))


def test_an_analysis_made_while_the_version_moved_is_not_kept(ingested_settings, chunks, analyzer, tmp_path):
    corpus = Corpus.load(FakeStore(ingested_settings, chunks, ["v1", "v2"]), analyzer, cache_dir=tmp_path)
    assert not corpus.from_cache
    assert not list(tmp_path.glob("corpus-*.json"))


@pytest.mark.parametrize("damage", ["", "{not json", '{"key": 1}', "[]"])
def test_a_damaged_cache_file_is_derived_again_and_replaced(ingested_settings, chunks, analyzer, tmp_path, damage):
    store = FakeStore(ingested_settings, chunks, ["v1"])
    Corpus.load(store, analyzer, cache_dir=tmp_path)
    (path,) = tmp_path.glob("corpus-*.json")
    path.write_text(damage, encoding="utf-8")
    corpus = Corpus.load(store, analyzer, cache_dir=tmp_path)
    assert not corpus.from_cache
    assert json.loads(path.read_text(encoding="utf-8"))["key"]
    assert Corpus.load(store, analyzer, cache_dir=tmp_path).from_cache


def test_no_cache_for_a_store_without_a_version(ingested_settings, chunks, analyzer, tmp_path):
    assert not Corpus.load(FakeStore(ingested_settings, chunks, [""]), analyzer, cache_dir=tmp_path).from_cache
    assert not list(tmp_path.iterdir())


# --- through a real store and the real command -----------------------------------------------------

QUESTIONS = [
    "Kto przewodniczył delegacji z Frankfurtu w 2022 roku?",
    "Kiedy podpisano porozumienie o współpracy z Frankfurtem?",
    "kto przewodniczyl delegacji z frankfurtu",  # typed without diacritics: read through the vocabulary
    "Czym zajmuje się DPS?",  # an acronym the documents spell out
    "Jaki był budżet wizyty delegacji z Oslo?",  # refused
]


@pytest.fixture
def store_copy(ingested_settings, tmp_path):
    """Settings on a private copy of the session's store, which a test may change."""
    shutil.copytree(ingested_settings.chroma_dir, tmp_path / "chroma")
    return ingested_settings.replace(data_dir=tmp_path, chroma_path=None)


def _ask_all(settings, questions_file) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "--json", "--file", str(questions_file), "--data-dir",
         str(settings.data_dir), "--model-dir", str(settings.model_dir), "--chroma-host", ""],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    for answer in answers:
        answer.pop("timings_ms")
    return answers


def test_answers_are_identical_from_stored_analyses_from_texts_and_from_the_cache(store_copy, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text("\n".join(QUESTIONS) + "\n", encoding="utf-8")
    cache = store_copy.data_dir / "cache"
    assert not list(cache.glob("corpus-*.json"))
    derived = _ask_all(store_copy, questions)  # no cache yet: derived from the stored analyses, then written
    (path,) = cache.glob("corpus-*.json")
    written = path.stat().st_mtime_ns
    cached = _ask_all(store_copy, questions)
    assert path.stat().st_mtime_ns == written  # read, not derived and written again
    assert json.dumps(cached, ensure_ascii=False) == json.dumps(derived, ensure_ascii=False)
    assert [a["question"] for a in cached] == QUESTIONS
    assert not cached[0]["refused"] and cached[-1]["refused"]
    # The same store as written before chunks stored their analysis: every chunk is analysed at load.
    chunks = ChunkStore(store_copy, model_fingerprint(store_copy)).collection
    ids = chunks.get(include=[])["ids"]
    chunks.update(ids=ids, metadatas=[{VOCABULARY_KEY: None, SPELLINGS_KEY: None}] * len(ids))
    assert not any(VOCABULARY_KEY in m for m in chunks.get(include=["metadatas"])["metadatas"])
    shutil.rmtree(cache)
    from_texts = _ask_all(store_copy, questions)
    assert list(cache.glob("corpus-*.json"))
    assert json.dumps(from_texts, ensure_ascii=False) == json.dumps(derived, ensure_ascii=False)


def test_a_real_store_whose_version_changed_is_derived_again(store_copy, analyzer):
    store = ChunkStore(store_copy, model_fingerprint(store_copy))
    cache = store_copy.data_dir / "cache"
    assert not Corpus.load(store, analyzer, cache_dir=cache).from_cache
    assert Corpus.load(store, analyzer, cache_dir=cache).from_cache
    # A new chunk with a word no document has, as an ingest would write it, then the version renewed.
    got = store.collection.get(limit=1, include=["embeddings", "metadatas"])
    text = "Kopytka ziemniaczane podano w klubie seniora."
    metadata = dict(got["metadatas"][0], **analysis_metadata(analyzer, "", text))
    store.collection.add(ids=["extra-chunk"], documents=[text], embeddings=[got["embeddings"][0]], metadatas=[metadata])
    store.touch()
    corpus = Corpus.load(store, analyzer, cache_dir=cache)
    assert not corpus.from_cache
    assert "kopytka" in corpus.vocabulary and "kopytka" in corpus.idf
    assert Corpus.load(store, analyzer, cache_dir=cache).from_cache
