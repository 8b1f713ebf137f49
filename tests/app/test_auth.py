"""Sign-in beyond loopback: a real server on 0.0.0.0 (reached here through 127.0.0.1), real passwords.

On 127.0.0.1 nobody signs in and everyone may change the library; on any other address only the users of
``<data_dir>/users.json`` get in, only editors see (and may use) upload and delete, and originals are
not served.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from contextlib import closing
from types import SimpleNamespace

import pytest
from gradio_client import Client

from app import chat
from app.library import may_edit
from rag.cli import main
from rag.config import Settings
from rag.users import Users, hash_password, password_matches
from tests.app.conftest import browser_missing, launch
from tests.app.test_chat import FakeAssistant

EDITOR, EDITOR_PASSWORD = "redaktorka", "kaligrafia-2025"
READER, READER_PASSWORD = "czytelnik", "rowery-podgorze"


@pytest.fixture(scope="module")
def signed_in(tmp_path_factory):
    """The chat on 0.0.0.0 with one editor and one reader: (settings, URL through loopback)."""
    data = tmp_path_factory.mktemp("signed-in")
    users = Users(Settings(data_dir=data).users_path)
    users.add(EDITOR, EDITOR_PASSWORD, editor=True)
    users.add(READER, READER_PASSWORD)
    app, url = launch(FakeAssistant(), Settings(data_dir=data, host="0.0.0.0"))
    yield SimpleNamespace(settings=Settings(data_dir=data), url=url.replace("0.0.0.0", "127.0.0.1"))
    app.close()


def login(url: str, name: str, password: str) -> int:
    """POST the sign-in form as the page does; the HTTP status."""
    body = f"username={name}&password={password}".encode()
    request = urllib.request.Request(url + "login", data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_passwords_are_stored_salted_and_hashed_never_as_written(tmp_path):
    users = Users(tmp_path / "users.json")
    users.add("anna", "bardzo-tajne-haslo")
    users.add("jan", "bardzo-tajne-haslo")
    stored = json.loads((tmp_path / "users.json").read_text())["users"]
    assert "bardzo-tajne-haslo" not in json.dumps(stored)
    assert stored["anna"]["password"] != stored["jan"]["password"]  # different salts
    assert (tmp_path / "users.json").stat().st_mode & 0o077 == 0  # readable by its owner only
    assert users.verify("anna", "bardzo-tajne-haslo") and not users.verify("anna", "bardzo-tajne-hasło")
    assert not users.verify("nikt", "bardzo-tajne-haslo")
    assert not password_matches("x", "garbage") and password_matches("x" * 8, hash_password("x" * 8))


def test_wrong_passwords_and_unknown_users_are_refused_and_the_right_one_signs_in(signed_in):
    assert status(signed_in.url + "config") == 401
    assert login(signed_in.url, EDITOR, "kaligrafia-2024") == 400
    assert login(signed_in.url, "ktos", EDITOR_PASSWORD) == 400
    assert login(signed_in.url, READER, READER_PASSWORD) == 200


def test_the_api_needs_a_signed_in_client(signed_in):
    with pytest.raises(Exception):
        Client(signed_in.url, verbose=False)
    with pytest.raises(Exception, match="(?i)login|credentials"):
        Client(signed_in.url, auth=(READER, "zle-haslo-123"), verbose=False)
    with closing(Client(signed_in.url, auth=(READER, READER_PASSWORD), verbose=False)) as api:
        assert "Według dokumentów" in api.predict("Kto prowadził warsztaty?", [], api_name="/ask")["answer"]


def test_originals_are_not_served_beyond_loopback(signed_in):
    assert status(signed_in.url + "library/original/0123456789abcdef0123/plik.txt") in (401, 404)


def test_only_signed_in_editors_may_change_the_library_and_everyone_may_on_loopback(tmp_path):
    users = Users(tmp_path / "users.json")
    users.add(EDITOR, EDITOR_PASSWORD, editor=True)
    users.add(READER, READER_PASSWORD)
    assert may_edit(users, SimpleNamespace(username=EDITOR))
    assert not may_edit(users, SimpleNamespace(username=READER))
    assert not may_edit(users, SimpleNamespace(username=None)) and not may_edit(users, SimpleNamespace(username="x"))
    assert may_edit(None, SimpleNamespace(username=None))  # loopback: no sign-in


def test_serving_beyond_loopback_without_users_refuses_to_start_and_says_how_to_add_one(
        tmp_path, unused_port, monkeypatch, capsys):
    loaded = []
    monkeypatch.setattr(chat, "LiveAssistant", loaded.append)
    code = main(["serve", "--host", "0.0.0.0", "--port", str(unused_port), "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and loaded == [] and "Traceback" not in err
    assert "needs sign-in" in err and "rag user add NAME --editor" in err


@pytest.mark.slow
@pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
@pytest.mark.parametrize(("name", "password", "editor"), [(EDITOR, EDITOR_PASSWORD, True),
                                                          (READER, READER_PASSWORD, False)])
def test_the_documents_tab_shows_upload_and_delete_to_editors_only(signed_in, browser, name, password, editor):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(signed_in.url, wait_until="load")
        page.fill("input[type=text]", name)
        page.fill("input[type=password]", password)
        page.keyboard.press("Enter")
        page.wait_for_selector("#rag-question textarea", timeout=30_000)
        page.click("button[role=tab]:has-text('Dokumenty')")
        page.wait_for_selector("#rag-doc-table")
        page.wait_for_timeout(1000)  # the tab's load event sets what this user may see
        assert page.locator("#rag-doc-upload").is_visible() is editor
        assert page.locator("#rag-doc-delete").is_visible() is editor
        assert page.locator("#rag-doc-readonly").is_visible() is not editor
    finally:
        page.close()
