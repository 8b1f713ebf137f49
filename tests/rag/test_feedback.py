"""The feedback store: rows round-trip, many writers at once lose nothing, a killed writer keeps its row,
and a data dir that cannot be written is a ``RagError`` that says so."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.feedback import FILE_NAME, FeedbackStore, FeedbackUnavailable, InvalidFeedback

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CITATIONS = [{"n": 1, "source": "001_929db67eac1df9a9.txt", "title": "Wizyta delegacji", "date": "2022-09-20",
              "text": "Spotkanie pod przewodnictwem Elke Voitl.", "score": 0.9}]


def test_a_rating_comes_back_as_it_was_stored(tmp_path):
    store = FeedbackStore(tmp_path)
    row = store.add(question="Kto przewodniczył delegacji?", answer="Elke Voitl. [1]", rating=-1,
                    comment="  brak daty  ", citations=CITATIONS, ui_lang="pl", answer_lang="pl",
                    kind="answer", refused=False, channel="page", resolved_question="")
    [stored] = FeedbackStore(tmp_path).rows()  # a new object: read from the file, not from memory
    assert stored.id == row and store.get(row) == stored
    assert (stored.question, stored.answer, stored.rating, stored.comment) == (
        "Kto przewodniczył delegacji?", "Elke Voitl. [1]", -1, "brak daty")
    assert stored.citations == CITATIONS and stored.refused is False
    assert (stored.ui_lang, stored.answer_lang, stored.kind, stored.channel) == ("pl", "pl", "answer", "page")
    created = datetime.fromisoformat(stored.created_at)
    assert created.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60


def test_ratings_can_be_changed_commented_withdrawn_and_filtered(tmp_path):
    store = FeedbackStore(tmp_path)
    first = store.add(question="Kiedy?", answer="13 września. [1]", rating=1)
    second = store.add(question="Kto?", answer="Nie wiem.", rating=1)
    assert store.set_rating(second, -1) and store.set_comment(second, "zła odpowiedź")
    assert [(r.id, r.rating, r.comment) for r in store.rows(-1)] == [(second, -1, "zła odpowiedź")]
    assert [r.id for r in store.rows(1)] == [first]
    assert store.delete(first) and not store.delete(first)
    assert not store.set_rating(first, 1) and not store.set_comment(first, "x")
    assert [r.id for r in store.rows()] == [second]


def test_nothing_is_created_before_the_first_rating(tmp_path):
    store = FeedbackStore(tmp_path / "data")
    assert store.rows() == [] and store.get(1) is None
    assert not (tmp_path / "data").exists()


def test_the_file_is_in_wal_mode_with_one_committed_row_per_rating(tmp_path):
    FeedbackStore(tmp_path).add(question="Kto?", answer="Ewa Lis.", rating=1)
    with sqlite3.connect(tmp_path / FILE_NAME) as db:  # another connection sees the row: it is committed
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT question, rating FROM feedback").fetchall() == [("Kto?", 1)]


def test_sixteen_threads_writing_at_once_lose_no_row(tmp_path):
    shared = FeedbackStore(tmp_path)

    def writer(n: int) -> list[int]:
        store = shared if n % 2 else FeedbackStore(tmp_path)  # one object shared, or one each
        ids = []
        for i in range(25):
            ids.append(store.add(question=f"pytanie {n}-{i}", answer="odpowiedź", rating=1 if i % 2 else -1,
                                 comment=f"w{n}"))
            if i % 5 == 0:
                store.set_comment(ids[-1], f"w{n} zmieniony")
        return ids

    with ThreadPoolExecutor(16) as pool:
        written = [row for ids in pool.map(writer, range(16)) for row in ids]
    rows = FeedbackStore(tmp_path).rows()
    assert len(written) == len(set(written)) == 400
    assert sorted(r.id for r in rows) == sorted(written)
    assert {r.question for r in rows} == {f"pytanie {n}-{i}" for n in range(16) for i in range(25)}
    assert sum(r.comment.endswith("zmieniony") for r in rows) == 16 * 5


WRITER = textwrap.dedent("""
    import sys
    from rag.feedback import FeedbackStore
    store = FeedbackStore(sys.argv[1])
    for i in range(40):
        store.add(question=f"proces {sys.argv[2]} pytanie {i}", answer="odpowiedź", rating=1, channel="api")
""")


def test_four_processes_writing_at_once_lose_no_row(tmp_path):
    """As several ``rag serve`` processes (or workers) on one data dir would."""
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(n)], cwd=PROJECT_ROOT,
                              stderr=subprocess.PIPE, text=True) for n in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    questions = [r.question for r in FeedbackStore(tmp_path).rows()]
    assert sorted(questions) == sorted(f"proces {n} pytanie {i}" for n in range(4) for i in range(40))


KILLED = textwrap.dedent("""
    import os, signal, sys
    from rag.feedback import FeedbackStore
    row = FeedbackStore(sys.argv[1]).add(question="Kto?", answer="Ewa Lis.", rating=-1, comment="przed awarią")
    print(row, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # no clean shutdown, no close, no atexit
""")


def test_a_row_survives_the_writer_being_killed_right_after_storing_it(tmp_path):
    done = subprocess.run([sys.executable, "-c", KILLED, str(tmp_path)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -9, done.stderr
    row = int(done.stdout)
    stored = FeedbackStore(tmp_path).get(row)
    assert stored is not None and stored.comment == "przed awarią" and stored.rating == -1


def test_a_data_dir_under_a_file_is_a_rag_error_naming_the_feedback_file(tmp_path):
    (tmp_path / "plik").write_text("nie katalog")
    store = FeedbackStore(tmp_path / "plik" / "data")
    with pytest.raises(FeedbackUnavailable) as raised:
        store.add(question="Kto?", answer="Ewa Lis.", rating=1)
    assert isinstance(raised.value, RagError)
    message = str(raised.value)
    assert str(store.path) in message and "--data-dir" in message and "Traceback" not in message


def test_a_feedback_file_that_cannot_be_opened_is_a_rag_error(tmp_path):
    (tmp_path / FILE_NAME).mkdir()  # something in the way of the file
    with pytest.raises(FeedbackUnavailable, match="Cannot use the feedback file"):
        FeedbackStore(tmp_path).add(question="Kto?", answer="Ewa Lis.", rating=1)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_data_dir_is_a_rag_error(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o500)
    try:
        with pytest.raises(FeedbackUnavailable, match="Make the data dir writable"):
            FeedbackStore(data).add(question="Kto?", answer="Ewa Lis.", rating=1)
    finally:
        data.chmod(0o700)


@pytest.mark.parametrize(("values", "problem"), [
    ({"rating": 2}, "rating must be 1 .* or -1"),
    ({"rating": True}, "rating must be 1"),
    ({"rating": "1"}, "rating must be 1"),
    ({"question": "  "}, "question is empty"),
    ({"answer": None}, "answer must be text"),
    ({"comment": "x" * 2001}, "comment is 2001 characters long; the limit is 2000"),
    ({"citations": "[1]"}, "citations must be a list of objects"),
    ({"question": "Kto\ud800?"}, "broken character"),
    ({"kind": "poem"}, "kind must be one of answer, briefing"),
])
def test_a_rating_that_cannot_be_stored_as_given_is_refused_before_writing(tmp_path, values, problem):
    with pytest.raises(InvalidFeedback, match=problem):
        FeedbackStore(tmp_path).add(**{"question": "Kto?", "answer": "Ewa Lis.", "rating": 1, **values})
    assert FeedbackStore(tmp_path).rows() == []


def test_a_feedback_file_removed_while_serving_is_created_again_at_the_next_rating(tmp_path):
    store = FeedbackStore(tmp_path)
    store.add(question="Kto?", answer="Ewa Lis.", rating=1)
    for name in (FILE_NAME, f"{FILE_NAME}-wal", f"{FILE_NAME}-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    store.add(question="Kiedy?", answer="W maju.", rating=-1)
    assert [r.question for r in store.rows()] == ["Kiedy?"]
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
