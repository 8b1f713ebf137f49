"""A malformed question file given to ``rag eval --qa`` is one line per bad line on stderr and exit 2,
never a traceback, and it fails before any model or store is loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eval.runner import QASchemaError, load_qa
from rag.cli import main
from rag.errors import RagError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GOOD = {"id": "q1", "question": "Kto prowadził zajęcia?", "answer": "Ewa Lis", "sources": ["a.txt"],
        "must_include": [["Ewa Lis"]], "type": "factoid", "lang": "pl"}
MISSING_ANSWER = {k: v for k, v in GOOD.items() if k != "answer"}


def write(tmp_path: Path, *lines: str | dict, name: str = "bad.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((json.dumps(x, ensure_ascii=False) if isinstance(x, dict) else x) + "\n"
                            for x in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(("bad_line", "problem"), [
    ({**GOOD, "id": "q2", "type": "trivia"}, "'type' must be one of factoid, list, multi_doc"),
    ('{"id": "q2", "question": "Kto?",', "invalid JSON"),
    ({**MISSING_ANSWER, "id": "q2"}, "missing 'answer'"),
])
def test_rag_eval_names_the_bad_line_in_one_line_and_exits_2(tmp_path, bad_line, problem):
    path = write(tmp_path, GOOD, "", bad_line)
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "eval", "--qa", str(path), "--quiet", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"rag: {path}:3: ") and problem in line
    assert not (tmp_path / "chroma").exists()  # refused before any store was opened


def run_eval(path: Path, tmp_path: Path, capsys) -> tuple[int, list[str]]:
    code = main(["eval", "--qa", str(path), "--quiet", "--data-dir", str(tmp_path)])
    return code, capsys.readouterr().err.splitlines()


def test_every_bad_line_gets_one_line_with_all_its_problems(tmp_path, capsys):
    path = write(tmp_path, GOOD, {"id": "q2", "question": 7, "type": "x", "lang": "de"}, "[1, 2]")
    code, lines = run_eval(path, tmp_path, capsys)
    assert code == 2 and len(lines) == 2
    assert lines[0] == (f"rag: {path}:2: missing 'answer', 'sources', 'must_include'; 'question' must be a string; "
                        "'type' must be one of factoid, list, multi_doc, briefing, typo, unanswerable, english, "
                        "two_part, paraphrase (not 'x'); 'lang' must be one of pl, en (not 'de')")
    assert lines[1] == f"{path}:3: expected a JSON object"


@pytest.mark.parametrize(("content", "problem"), [
    (None, ": cannot read the question file (No such file or directory)"),
    (b"", ": the question file holds no questions"),
    (b"\n  \n", ": the question file holds no questions"),
    (json.dumps(GOOD).encode() + b"\n" + b'{"id": "q\xff2"}\n', ":2: not UTF-8 text (byte 10)"),
    (b"[" * 100_000 + b"\n", ":1: invalid JSON"),
])
def test_unreadable_empty_or_binary_files_are_one_line_too(tmp_path, capsys, content, problem):
    path = tmp_path / "qa.jsonl"
    if content is not None:
        path.write_bytes(content)
    code, lines = run_eval(path, tmp_path, capsys)
    assert code == 2 and len(lines) == 1 and lines[0].startswith(f"rag: {path}{problem}")


def test_a_leading_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n")
    assert [item.id for item in load_qa(path)] == ["q1"]


def test_a_line_separator_inside_a_string_does_not_split_the_line(tmp_path):
    path = write(tmp_path, {**GOOD, "answer": "Ewa\u2028Lis"})
    assert load_qa(path)[0].answer == "Ewa\u2028Lis"


def test_a_thousand_bad_lines_are_summed_up_after_the_first_twenty(tmp_path):
    path = write(tmp_path, *["{"] * 1000)
    with pytest.raises(QASchemaError) as raised:
        load_qa(path)
    lines = str(raised.value).splitlines()
    assert len(lines) == 21 and lines[-1] == f"{path}: … and 980 more bad lines"
    assert isinstance(raised.value, RagError) and isinstance(raised.value, ValueError)
