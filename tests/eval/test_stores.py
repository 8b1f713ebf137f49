"""``rag eval --corpus``: extra folders are evaluated from a store of their own, never the default one."""

from pathlib import Path

import pytest

from eval import stores
from eval.stores import corpus_roots, eval_store_settings, store_for, store_key
from rag.config import Settings
from rag.errors import InvalidDocument


@pytest.fixture
def settings(tmp_path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    return Settings.load(data_dir=tmp_path / "data", corpus_dir=corpus, chroma_host="")


def test_corpus_roots_are_resolved_deduplicated_and_sorted(tmp_path, monkeypatch):
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    monkeypatch.chdir(tmp_path)
    roots = corpus_roots(tmp_path / "b", [Path("a"), tmp_path / "a", Path("b") / ".." / "a"])
    assert roots == [tmp_path / "a", tmp_path / "b"]


def test_store_key_depends_on_the_folders_not_their_order_or_spelling(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one = store_key(corpus_roots(tmp_path / "c", [tmp_path / "x", tmp_path / "y"]))
    assert one == store_key(corpus_roots(Path("c"), [Path("y"), Path("x"), Path("x")]))
    assert one != store_key(corpus_roots(tmp_path / "c", [tmp_path / "x"]))
    assert len(one) == stores.KEY_CHARS


def test_eval_store_lives_under_the_data_dir_apart_from_the_default_store(settings, tmp_path):
    target = eval_store_settings(settings, [tmp_path / "extra"])
    assert target.chroma_dir.parent == settings.data_dir / "eval-stores"
    assert target.chroma_dir != settings.chroma_dir
    assert target.collection == settings.collection and target.corpus_dir == settings.corpus_dir
    assert eval_store_settings(settings, [tmp_path / "extra"]) == target


def test_with_a_chroma_server_the_eval_store_is_another_collection(settings, tmp_path):
    served = settings.replace(chroma_host="127.0.0.1")
    target = eval_store_settings(served, [tmp_path / "extra"])
    assert target.collection.startswith(f"{served.collection}-eval-")
    assert target.chroma_host == "127.0.0.1"


class _RecordingIndexer:
    runs: list[tuple[Settings, list[Path]]] = []

    def __init__(self, settings, progress=True):
        self.settings = settings

    def run(self, paths=None, rebuild=False):
        from ingest.indexer import IngestReport

        _RecordingIndexer.runs.append((self.settings, list(paths)))
        return IngestReport()


def test_store_for_indexes_the_default_corpus_and_the_extra_folders_into_the_eval_store(
    settings, tmp_path, monkeypatch
):
    import ingest.indexer

    monkeypatch.setattr(ingest.indexer, "Indexer", _RecordingIndexer)
    _RecordingIndexer.runs = []
    extra = tmp_path / "extra"
    extra.mkdir()
    target = store_for(settings, [extra])
    assert _RecordingIndexer.runs == [(target, sorted([settings.corpus_dir.resolve(), extra.resolve()]))]
    assert target.chroma_dir == eval_store_settings(settings, [extra]).chroma_dir


def test_store_for_refuses_a_missing_folder_before_indexing_anything(settings, tmp_path, monkeypatch):
    import ingest.indexer

    monkeypatch.setattr(ingest.indexer, "Indexer", _RecordingIndexer)
    _RecordingIndexer.runs = []
    with pytest.raises(InvalidDocument, match="no such folder: .*nowhere"):
        store_for(settings, [tmp_path / "nowhere"])
    assert _RecordingIndexer.runs == []


def _corpus_and_extra(tmp_path) -> tuple[Path, Path]:
    corpus, extra = tmp_path / "corpus", tmp_path / "extra"
    corpus.mkdir()
    extra.mkdir()
    return corpus, extra


def test_store_for_builds_a_real_store_once_and_reuses_it(tmp_path, model_dir, capsys):
    corpus, extra = _corpus_and_extra(tmp_path)
    # body lines of 80+ characters ending a sentence: what the reader takes for prose
    (corpus / "001_a.txt").write_text("Festyn rodzinny\n\n2023-06-03\n\nFestyn odbył się na błoniach nad rzeką. "
                                      "Przyszło wiele rodzin z dziećmi i dziadkami z całej dzielnicy.\n",
                                      encoding="utf-8")  # fmt: skip
    (extra / "002_b.txt").write_text("Kiermasz świąteczny\n\n2023-12-10\n\nKiermasz w szkole zebrał 4 500 zł "
                                     "na zakup książek i gier planszowych dla osiedlowej świetlicy.\n",
                                     encoding="utf-8")  # fmt: skip
    settings = Settings.load(data_dir=tmp_path / "data", corpus_dir=corpus, model_dir=model_dir, chroma_host="")

    target = store_for(settings, [extra])
    assert target.chroma_dir.is_dir()
    capsys.readouterr()
    assert store_for(settings, [extra], progress=True) == target
    # the second call finds both files in place and embeds nothing
    assert "eval store: added 0, updated 0, unchanged 2, removed 0" in capsys.readouterr().err
    assert not settings.chroma_dir.exists()  # the default store was never created


def test_an_eval_store_built_another_way_is_rebuilt_not_refused(tmp_path, model_dir, capsys):
    corpus, extra = _corpus_and_extra(tmp_path)
    (extra / "003_c.txt").write_text("Rajd rowerowy\n\n2024-05-18\n\nRajd rowerowy dla seniorów wyruszył spod "
                                     "ratusza i po czterech godzinach dotarł do schroniska w dolinie.\n",
                                     encoding="utf-8")  # fmt: skip
    titled = Settings.load(data_dir=tmp_path / "data", corpus_dir=corpus, model_dir=model_dir, chroma_host="",
                           sentence_vectors="title")
    store_for(titled, [extra])
    capsys.readouterr()

    target = store_for(titled.replace(sentence_vectors="passage"), [extra], progress=True)

    assert "eval store: added 1" in capsys.readouterr().err  # embedded again, the new way
    from rag.embedding import model_fingerprint
    from rag.store import ChunkStore

    assert ChunkStore(target, model_fingerprint(target)).count() == 1  # opens without a mismatch
