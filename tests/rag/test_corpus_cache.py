"""The corpus analysis kept on disk (rag/corpus.py): the same values and the same answers as derived
afresh, and never used for a store that changed since it was written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from rag.config import PROJECT_ROOT
from rag.corpus import Corpus
from rag.embedding import model_fingerprint
from rag.lexical import PolishAnalyzer
from rag.store import ChunkStore, StoredChunk


class FakeStore:
    """What Corpus.load reads of a store: its version, its chunks (all, their ids, some by id), its settings."""

    def __init__(self, settings, chunks: list[StoredChunk], versions: list[str]) -> None:
        self.settings, self.chunks, self.versions = settings, chunks, list(versions)

    def version(self) -> str:
        return self.versions.pop(0) if len(self.versions) > 1 else self.versions[0]

    def all_chunks(self, metadata_keys: tuple[str, ...] | None = None) -> list[StoredChunk]:
        return list(self.chunks)

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


def test_a_new_store_version_is_derived_again(ingested_settings, chunks, analyzer, tmp_path):
    Corpus.load(FakeStore(ingested_settings, chunks, ["v1"]), analyzer, cache_dir=tmp_path)
    assert Corpus.load(FakeStore(ingested_settings, chunks, ["v1"]), analyzer, cache_dir=tmp_path).from_cache
    assert not Corpus.load(FakeStore(ingested_settings, chunks, ["v2"]), analyzer, cache_dir=tmp_path).from_cache
    assert Corpus.load(FakeStore(ingested_settings, chunks, ["v2"]), analyzer, cache_dir=tmp_path).from_cache


def test_changed_chunks_under_the_same_version_are_derived_again(ingested_settings, chunks, analyzer, tmp_path):
    """An ingest killed before it renewed the version has still changed the chunks, and so their ids
    (made from the file's content hash)."""
    Corpus.load(FakeStore(ingested_settings, chunks, ["v1"]), analyzer, cache_dir=tmp_path)
    edited = [replace(chunks[0], chunk_id=chunks[0].chunk_id + "e",
                      text=chunks[0].text + " Grzybobranie w Niepołomicach.")] + chunks[1:]
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


def test_answers_are_identical_with_and_without_the_cache(store_copy, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text("\n".join(QUESTIONS) + "\n", encoding="utf-8")
    cache = store_copy.data_dir / "cache"
    assert not list(cache.glob("corpus-*.json"))
    derived = _ask_all(store_copy, questions)  # no cache yet: derived, then written
    (path,) = cache.glob("corpus-*.json")
    written = path.stat().st_mtime_ns
    cached = _ask_all(store_copy, questions)
    assert path.stat().st_mtime_ns == written  # read, not derived and written again
    assert json.dumps(cached, ensure_ascii=False) == json.dumps(derived, ensure_ascii=False)
    assert [a["question"] for a in cached] == QUESTIONS
    assert not cached[0]["refused"] and cached[-1]["refused"]


def test_a_real_store_whose_version_changed_is_derived_again(store_copy, analyzer):
    store = ChunkStore(store_copy, model_fingerprint(store_copy))
    cache = store_copy.data_dir / "cache"
    assert not Corpus.load(store, analyzer, cache_dir=cache).from_cache
    assert Corpus.load(store, analyzer, cache_dir=cache).from_cache
    # A new chunk with a word no document has, as an ingest would write it, then the version renewed.
    got = store.collection.get(limit=1, include=["embeddings", "metadatas"])
    metadata = dict(got["metadatas"][0], terms="kopytka ziemniaczany")
    store.collection.add(ids=["extra-chunk"], documents=["Kopytka ziemniaczane podano w klubie seniora."],
                         embeddings=[got["embeddings"][0]], metadatas=[metadata])
    store.touch()
    corpus = Corpus.load(store, analyzer, cache_dir=cache)
    assert not corpus.from_cache
    assert "kopytka" in corpus.vocabulary and "kopytka" in corpus.idf
    assert Corpus.load(store, analyzer, cache_dir=cache).from_cache
