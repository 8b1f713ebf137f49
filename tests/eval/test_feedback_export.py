"""``rag feedback export`` and ``stats``: ratings become unreviewed items in the question-set schema, which
``rag eval`` refuses until a person has filled in their gold fields.

The end-to-end test stores a rating through the served chat's ``/feedback`` endpoint and exports it with the
real command in a subprocess.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from gradio_client import Client

from eval.feedback_export import draft_item, export_items, feedback_stats, write_export
from eval.runner import QASchemaError, load_qa
from rag.config import Settings
from rag.feedback import FeedbackStore

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CITATIONS = [{"n": 1, "source": "001_929db67eac1df9a9.txt", "title": "Wizyta delegacji", "date": "2022-09-20",
              "text": "Spotkanie pod przewodnictwem Elke Voitl.", "score": 0.9}]
QUESTION = "Kto przewodniczył delegacji z Frankfurtu w 2022 roku?"


@pytest.fixture
def store(tmp_path) -> FeedbackStore:
    store = FeedbackStore(tmp_path)
    store.add(question=QUESTION, answer="Elke Voitl. [1]", rating=1, citations=CITATIONS, ui_lang="pl",
              answer_lang="pl", refused=False)
    store.add(question="a kiedy?", answer="Dokumenty nie odpowiadają.", rating=-1, comment="Brak daty.",
              ui_lang="en", answer_lang="pl", refused=True, resolved_question=f"{QUESTION} a kiedy?")
    store.add(question="Frankfurt", answer="**Briefing**", rating=-1, kind="briefing", answer_lang="en")
    return store


def test_a_rating_becomes_an_unreviewed_item_with_empty_gold_fields_and_the_answer_kept_apart(store):
    item = draft_item(store.rows()[0])
    assert item == {
        "id": "fb000001", "question": QUESTION, "answer": "", "sources": [], "must_include": [], "type": "",
        "lang": "pl", "reviewed": False,
        "feedback": {"row": 1, "rating": 1, "comment": "", "answer": "Elke Voitl. [1]", "citations": CITATIONS,
                     "refused": False, "kind": "answer", "resolved_question": "", "ui_lang": "pl",
                     "channel": "page", "created_at": item["feedback"]["created_at"],
                     "updated_at": item["feedback"]["updated_at"]},
    }


def test_only_down_exports_the_thumbs_down_and_a_briefing_keeps_its_type(store):
    down = export_items(store, "down")
    assert [(i["id"], i["type"], i["feedback"]["rating"]) for i in down] == [
        ("fb000002", "", -1), ("fb000003", "briefing", -1)]
    assert down[0]["feedback"]["resolved_question"] == f"{QUESTION} a kiedy?"
    assert [i["id"] for i in export_items(store, "up")] == ["fb000001"]
    assert len(export_items(store, "all")) == 3


def test_rag_eval_refuses_the_export_until_each_row_is_reviewed(store, tmp_path):
    out = tmp_path / "feedback.jsonl"
    assert write_export(store, out) == 3
    with pytest.raises(QASchemaError) as raised:
        load_qa(out)
    lines = str(raised.value).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"{out}:{n}" for n in (1, 2, 3)]
    assert all("unreviewed feedback row" in line and '"reviewed": true' in line for line in lines)

    reviewed = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()][:1]
    reviewed[0].update(answer="Elke Voitl", sources=["001_929db67eac1df9a9.txt"], must_include=[["Voitl"]],
                       type="factoid", reviewed=True)  # what an evaluator fills in from the document
    out.write_text(json.dumps(reviewed[0], ensure_ascii=False) + "\n", encoding="utf-8")
    [item] = load_qa(out)
    assert (item.id, item.question, item.must_include) == ("fb000001", QUESTION, [["Voitl"]])


def test_reviewed_must_be_a_boolean(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text(json.dumps({"id": "q1", "question": "Kto?", "answer": "Ewa Lis", "sources": ["a.txt"],
                                "must_include": [["Ewa Lis"]], "type": "factoid", "lang": "pl",
                                "reviewed": "yes"}) + "\n", encoding="utf-8")
    with pytest.raises(QASchemaError, match=r":1: 'reviewed' must be true or false"):
        load_qa(path)


def test_stats_count_the_ratings(store):
    stats = feedback_stats(store)
    assert (stats["total"], stats["up"], stats["down"], stats["with_comment"]) == (3, 1, 2, 1)
    assert stats["by_kind"] == {"answer": 2, "briefing": 1} and stats["by_ui_lang"] == {"-": 1, "en": 1, "pl": 1}


def test_an_empty_store_exports_an_empty_file(tmp_path):
    out = tmp_path / "out" / "feedback.jsonl"
    assert write_export(FeedbackStore(tmp_path / "nowhere"), out) == 0
    assert out.read_text() == "" and not (tmp_path / "nowhere").exists()


# --- end to end ---------------------------------------------------------------------------------------

def _rag(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args, "--quiet", "--data-dir", str(data_dir)],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """The chat and its API on a free loopback port, rating into ``tmp_path`` (no assistant is needed)."""
    from app.chat import build_app, launch_options

    settings = Settings(data_dir=tmp_path, port=_free_port())
    app = build_app(None, settings).queue()
    app.launch(prevent_thread_lock=True, **launch_options(settings))
    yield f"http://{settings.host}:{settings.port}/"
    app.close()


def test_a_rating_sent_to_the_api_is_exported_by_the_rag_command(served, tmp_path):
    with closing(Client(served, verbose=False)) as api:
        down = api.predict(QUESTION, "Nie wiem. [1]", -1, "Odpowiedź jest w dokumencie.", CITATIONS,
                           api_name="/feedback")
        up = api.predict("Kiedy?", "13 września 2022.", 1, api_name="/feedback")
    assert down == {"stored": True, "id": 1} and up == {"stored": True, "id": 2}

    out = tmp_path / "exports" / "down.jsonl"
    done = _rag(tmp_path, "feedback", "export", "--out", str(out), "--only", "down")
    assert done.returncode == 0, done.stderr
    assert f"wrote 1 unreviewed item to {out}" in done.stderr
    [item] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (item["id"], item["question"], item["reviewed"]) == ("fb000001", QUESTION, False)
    assert (item["answer"], item["sources"], item["must_include"]) == ("", [], [])
    assert item["feedback"]["answer"] == "Nie wiem. [1]" and item["feedback"]["rating"] == -1
    assert item["feedback"]["comment"] == "Odpowiedź jest w dokumencie."
    assert item["feedback"]["citations"] == CITATIONS and item["feedback"]["channel"] == "api"

    stats = _rag(tmp_path, "feedback", "stats", "--json")
    assert stats.returncode == 0 and json.loads(stats.stdout)["total"] == 2

    refused = _rag(tmp_path, "eval", "--qa", str(out))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith(f"rag: {out}:1: unreviewed feedback row")


def test_export_without_out_or_to_an_unwritable_place_is_a_one_line_error(tmp_path):
    (tmp_path / "plik").write_text("nie katalog")
    done = _rag(tmp_path, "feedback", "export")
    assert done.returncode == 2 and done.stderr == "rag: rag feedback export needs --out FILE (or --out - for " \
                                                   "standard output)\n"
    done = _rag(tmp_path, "feedback", "export", "--out", str(tmp_path / "plik" / "x.jsonl"))
    assert done.returncode == 2 and done.stderr.startswith("rag: Cannot write ") and "Traceback" not in done.stderr
