"""The `rag` command never shows a traceback for an ordinary situation, and its exit status says which."""

import pytest

from rag import cli
from rag.errors import StoreUnavailable


def _failing(error):
    def command(args):
        raise error

    return command


def test_an_error_the_user_can_act_on_is_one_line_and_exit_2(monkeypatch, capsys):
    monkeypatch.setattr(cli, "cmd_ask", _failing(StoreUnavailable("The Chroma server did not answer within 5 s.")))
    assert cli.main(["ask", "Kiedy?"]) == 2
    assert capsys.readouterr().err == "rag: The Chroma server did not answer within 5 s.\n"


def test_a_bug_is_one_line_and_exit_3_with_how_to_see_the_details(monkeypatch, capsys):
    monkeypatch.delenv("RAG_DEBUG", raising=False)
    monkeypatch.setattr(cli, "cmd_ask", _failing(KeyError("chunk")))
    assert cli.main(["ask", "Kiedy?"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("rag: unexpected error (KeyError: 'chunk')") and "RAG_DEBUG=1" in err
    assert "Traceback" not in err


def test_rag_debug_shows_the_traceback_of_a_bug(monkeypatch):
    monkeypatch.setenv("RAG_DEBUG", "1")
    monkeypatch.setattr(cli, "cmd_ask", _failing(KeyError("chunk")))
    with pytest.raises(KeyError):
        cli.main(["ask", "Kiedy?"])


def test_a_question_with_a_lone_surrogate_from_the_command_line_is_refused_in_words(capsys, ingested_settings):
    code = cli.main(["ask", "Kto\udcc5 przewodniczy\u0142?", "--data-dir", str(ingested_settings.data_dir),
                     "--model-dir", str(ingested_settings.model_dir), "--chroma-host", ""])
    assert code == 2 and "surrogate" in capsys.readouterr().err


def test_ask_without_an_index_says_so_before_building_any_model(tmp_path):
    import subprocess
    import sys

    from rag.config import PROJECT_ROOT

    empty = tmp_path / "nothing-here"
    run = subprocess.run([sys.executable, "-m", "rag.cli", "ask", "Kto?", "--data-dir", str(empty), "--chroma-host", ""],
                         capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert run.returncode == 2 and "Run `rag ingest` first" in run.stderr
    assert not empty.exists()  # no 466 MB model built into it
