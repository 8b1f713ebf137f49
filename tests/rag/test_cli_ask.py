"""`rag ask` with several questions and `rag chat`, as fresh processes over the real shipped corpus."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rag.config import PROJECT_ROOT

FRANKFURT = "Kto przewodniczył delegacji z Frankfurtu w 2022 roku?"
AGREEMENT = "Kiedy podpisano porozumienie o współpracy z Frankfurtem?"
OSLO = "Jaki był budżet wizyty delegacji z Oslo?"
VISIT_2016 = "Kiedy krakowska delegacja była we Frankfurcie w 2016 roku?"
FRANKFURT_2016 = "000_62ba01a90f8b1689.txt"
FOLLOW_UP = "a kto jej przewodniczył?"


def rag(settings, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args, "--data-dir", str(settings.data_dir), "--model-dir",
         str(settings.model_dir), "--chroma-host", ""],
        input=stdin, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=600,
    )


@pytest.fixture(scope="module")
def single(ingested_settings) -> dict[str, dict]:
    """Each question asked alone, the usual way (`rag ask --json "…"`), for comparison."""
    answers = {}
    for question in (FRANKFURT, OSLO):
        done = rag(ingested_settings, "ask", "--json", question)
        assert done.returncode == 0, done.stderr
        answers[question] = json.loads(done.stdout)
    return answers


def _without_timings(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "timings_ms"}


def test_questions_from_a_file_get_one_json_line_each_as_asked_alone(ingested_settings, single, tmp_path):
    questions = tmp_path / "pytania.txt"
    questions.write_text(f"# pytania na zebranie\n{FRANKFURT}\n\n  {AGREEMENT}  \n{OSLO}\n", encoding="utf-8")
    done = rag(ingested_settings, "ask", "--json", "--file", str(questions))
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["question"] for a in answers] == [FRANKFURT, AGREEMENT, OSLO]
    assert "Elke Voitl" in answers[0]["answer"] and not answers[0]["refused"]
    assert "2001" in answers[1]["answer"]
    assert answers[2]["refused"]
    for answer in (answers[0], answers[2]):
        expected = _without_timings(single[answer["question"]])
        assert _without_timings(answer) == {"question": answer["question"], **expected}


def test_questions_from_standard_input_in_text_are_numbered_and_separated(ingested_settings):
    done = rag(ingested_settings, "ask", "--file", "-", stdin=f"{FRANKFURT}\n{OSLO}\n")
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split("\n" + "=" * 72 + "\n")
    assert first.startswith(f"[1/2] {FRANKFURT}\n") and "Elke Voitl" in first and "Źródła:" in first
    assert second.startswith(f"[2/2] {OSLO}\n") and "Dokumenty nie odpowiadają" in second


def test_a_question_that_cannot_be_asked_is_one_line_and_the_others_are_answered(ingested_settings, tmp_path):
    questions = tmp_path / "pytania.txt"
    questions.write_text(f"{FRANKFURT}\n{'bardzo długie pytanie ' * 10}\n{OSLO}\n", encoding="utf-8")
    done = rag(ingested_settings, "ask", "--json", "--file", str(questions), "--max-question-chars", "100")
    assert done.returncode == 2
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == 3 and "limit is 100" in answers[1]["error"]
    assert "Elke Voitl" in answers[0]["answer"] and answers[2]["refused"]
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("rag: The question is")


def test_the_words_of_the_command_line_are_one_question(ingested_settings, single):
    done = rag(ingested_settings, "ask", "--json", *FRANKFURT.split())
    assert done.returncode == 0, done.stderr
    assert _without_timings(json.loads(done.stdout)) == _without_timings(single[FRANKFURT])


@pytest.mark.parametrize("args, message", [
    ((), "No question given"),
    (("--file", "/nonexistent/pytania.txt"), "Cannot read"),
    (("Kto?", "--file", "-"), "not both"),
])
def test_ask_without_a_usable_question_says_so_in_one_line(ingested_settings, args, message):
    done = rag(ingested_settings, "ask", *args, stdin="")
    assert done.returncode == 2 and message in done.stderr and len(done.stderr.splitlines()) == 1


def test_chat_piped_answers_a_question_and_its_follow_up(ingested_settings):
    session = f"{VISIT_2016}\n{FOLLOW_UP}\n/nowa\n{FOLLOW_UP}\n\n/koniec\n{FRANKFURT}\n"
    done = rag(ingested_settings, "chat", "--json", stdin=session)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    visit, follow_up, alone, empty = lines  # nothing after /koniec
    assert visit["question"] == VISIT_2016 and not visit["refused"]
    # Read with the 2016 visit, the follow-up is about that delegation...
    assert follow_up["question"] == FOLLOW_UP and not follow_up["refused"]
    assert {c["source"] for c in follow_up["citations"]} == {FRANKFURT_2016} and "2016" in follow_up["answer"]
    # ...and after /nowa, alone, about the one the documents say most about (2022, Elke Voitl).
    assert alone["question"] == FOLLOW_UP and "Elke Voitl" in alone["answer"]
    assert empty == {"question": "", "error": "The question is empty. / Pytanie jest puste."}
    assert "rag: The question is empty." in done.stderr


def test_chat_in_text_ends_at_end_of_input_and_goes_on_after_an_error(ingested_settings):
    done = rag(ingested_settings, "chat", stdin=f"/nieznane\n{FRANKFURT}")  # no newline at the end
    assert done.returncode == 0, done.stderr
    assert "Elke Voitl" in done.stdout and done.stdout.rstrip().endswith("=" * 72)
    assert "Unknown command /nieznane" in done.stderr
