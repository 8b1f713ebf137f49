"""``rag eval`` from the command line: printed intervals and the ``--corpus`` flag, on a fake assistant."""

from pathlib import Path

import pytest

import eval.stores
import rag.assistant
from eval.cli import run_eval_command
from rag.cli import build_parser
from rag.config import Settings
from rag.types import Answer, AnswerSentence, Citation, Passage

QA = '{"id": "q1", "question": "Kto prowadził zajęcia?", "answer": "Ewa Lis", "sources": ["a.txt"], ' \
     '"must_include": [["Ewa Lis"]], "type": "factoid", "lang": "pl"}\n'  # fmt: skip
PASSAGE = Passage("a.txt#0", "Zajęcia prowadziła Ewa Lis.", "a.txt", "Zajęcia", "", "", 0, 0, 27)


class _Fake:
    settings_seen: list[Settings] = []

    def __init__(self, settings: Settings):
        _Fake.settings_seen.append(settings)

    def ask(self, question: str) -> Answer:
        return Answer(question, "Według dokumentów:\nZajęcia prowadziła Ewa Lis. [1]", False,
                      [Citation.from_passage(1, PASSAGE)], [AnswerSentence("Zajęcia prowadziła Ewa Lis.", [1])],
                      passages=[PASSAGE], timings_ms={"total": 5.0})  # fmt: skip


@pytest.fixture
def qa(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(rag.assistant, "Assistant", _Fake)
    _Fake.settings_seen = []
    path = tmp_path / "qa.jsonl"
    path.write_text(QA, encoding="utf-8")
    return path


def test_rag_eval_prints_each_value_with_its_interval_where_one_is_computed(qa, capsys, tmp_path):
    assert run_eval_command(Settings.load(data_dir=tmp_path), qa, None, False, None, progress=False) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["must_include_recall"].split()[1:] == ["1.000", "95%", "CI", "[1.000,", "1.000]"]
    assert lines["hit@1"].split()[1:] == ["1.000"]  # no interval: printed as before
    assert lines["answer_chars_mean"].split()[1:] == ["27.000"]  # len("Zajęcia prowadziła Ewa Lis.")


def test_rag_eval_with_corpus_reads_from_the_store_store_for_built(qa, tmp_path, monkeypatch, capsys):
    settings = Settings.load(data_dir=tmp_path)
    built = settings.replace(chroma_path=tmp_path / "eval-store")
    calls = []
    monkeypatch.setattr(eval.stores, "store_for", lambda s, dirs, progress=False: calls.append((s, dirs)) or built)
    run_eval_command(settings, qa, None, True, None, progress=False, corpora=[tmp_path / "extra"])
    assert calls == [(settings, [tmp_path / "extra"])]
    assert _Fake.settings_seen == [built]


def test_rag_eval_without_corpus_uses_the_default_store(qa, tmp_path, monkeypatch):
    monkeypatch.setattr(eval.stores, "store_for", lambda *a, **k: pytest.fail("no extra store wanted"))
    settings = Settings.load(data_dir=tmp_path)
    run_eval_command(settings, qa, None, True, None, progress=False)
    assert _Fake.settings_seen == [settings]


def test_corpus_flag_is_repeatable_and_leaves_the_corpus_dir_setting_alone():
    args = build_parser().parse_args(["eval", "--corpus", "a", "--corpus", "b", "--corpus-dir", "c"])
    assert args.corpus == [Path("a"), Path("b")] and args.setting_corpus_dir == "c"
    assert build_parser().parse_args(["eval"]).corpus is None
