"""``rag user add/list/remove``: the accounts the chat's sign-in checks."""

from __future__ import annotations

import io
import json

import pytest

from rag.cli import main
from rag.users import Users


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    """``run(args, stdin)`` → (exit status, stdout, stderr), on a data dir of its own."""

    def call(args: list[str], stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["user", *args, "--data-dir", str(tmp_path)])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_add_from_standard_input_then_list_and_remove(run, tmp_path):
    assert run(["add", "anna", "--editor", "--password-stdin"], "kaligrafia-2025\n")[0] == 0
    assert run(["add", "jan", "--password-stdin"], "rowery-podgorze\n")[0] == 0
    code, out, _ = run(["list"])
    assert code == 0 and out.splitlines() == ["anna\teditor", "jan\treader"]
    assert Users(tmp_path / "users.json").verify("anna", "kaligrafia-2025")
    assert run(["remove", "jan"])[0] == 0
    assert run(["list"])[1].splitlines() == ["anna\teditor"]


def test_the_password_is_asked_twice_without_echo_and_must_match(run, tmp_path, monkeypatch):
    answers = iter(["planszowki-21", "planszowki-12"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    code, _, err = run(["add", "ola"])
    assert code == 2 and "differ" in err and not (tmp_path / "users.json").exists()
    monkeypatch.setattr("getpass.getpass", lambda prompt: "planszowki-21")
    assert run(["add", "ola"])[0] == 0 and Users(tmp_path / "users.json").verify("ola", "planszowki-21")


def test_adding_an_existing_user_sets_a_new_password_and_role(run, tmp_path):
    run(["add", "anna", "--password-stdin"], "pierwsze-haslo\n")
    run(["add", "anna", "--editor", "--password-stdin"], "drugie-haslo\n")
    users = Users(tmp_path / "users.json")
    assert users.verify("anna", "drugie-haslo") and not users.verify("anna", "pierwsze-haslo")
    assert users.get("anna").is_editor


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["add", "anna", "--password-stdin"], "krotkie\n", "too short"),
    (["add", "../anna", "--password-stdin"], "dlugie-haslo\n", "Invalid user name"),
    (["add"], "", "needs a user name"),
    (["remove", "nikt"], "", "No user 'nikt'"),
])
def test_bad_requests_are_one_line_and_change_nothing(run, tmp_path, args, stdin, message):
    code, _, err = run(args, stdin)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "users.json").exists()


def test_a_damaged_users_file_is_reported_not_overwritten(run, tmp_path):
    (tmp_path / "users.json").write_text("{ nie json", encoding="utf-8")
    code, _, err = run(["add", "anna", "--password-stdin"], "dlugie-haslo\n")
    assert code == 2 and "Cannot read the users file" in err
    assert (tmp_path / "users.json").read_text(encoding="utf-8") == "{ nie json"


def test_list_with_no_users_says_how_to_add_one(run):
    code, out, err = run(["list"])
    assert code == 0 and out == "" and "rag user add NAME --editor" in err


def test_the_file_holds_no_password(run, tmp_path):
    run(["add", "anna", "--password-stdin"], "kaligrafia-2025\n")
    assert "kaligrafia-2025" not in json.dumps(json.loads((tmp_path / "users.json").read_text()))
