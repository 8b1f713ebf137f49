"""The "Dokumenty" tab and the originals, over a real small store of this module's own.

The browser test does what an office user does: upload a document through the page, find it in the list,
ask about it in the chat, open the cited original at its page, delete it. Screenshots are kept in
``var/test-artefacts/`` (ignored by git).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from app.chat import respond
from app.library import Originals, original_url
from ingest.indexer import Indexer
from ingest.library import Library
from ingest.reader import SUPPORTED_SUFFIXES
from rag.config import PROJECT_ROOT, Settings
from rag.live import LiveAssistant
from rag.types import Answer, Citation
from tests.app.conftest import ANSWER_TIMEOUT_MS, launch

ARTEFACTS = PROJECT_ROOT / "var" / "test-artefacts"

# Written for these tests; no question set mentions them.
SCHRONISKO = ("Zbiórka rowerów dla podopiecznych schroniska\n\n2024-10-02\n\n"
              "Pracownicy ośrodka zebrali dwadzieścia sześć rowerów dla mieszkańców schroniska dla bezdomnych. "
              "Rowery odnowił wolontariusz z Podgórza, pan Tadeusz Kmiecik.\n")
PAGES = (
    ("Kiermasz ozdób świątecznych w domu pomocy społecznej", "2024-12-05",
     "Mieszkańcy domu pomocy społecznej przy ulicy Praskiej przygotowali na kiermasz ponad trzysta "
     "bombek i stroików. Dochód z kiermaszu przeznaczono na wycieczkę do Zakopanego."),
    ("Mikrobus do przewozu osób z niepełnosprawnością", "2024-05-06",
     "Ośrodek otrzymał od fundacji dziewięcioosobowy mikrobus przystosowany do przewozu wózków. "
     "Kierowcą mikrobusu został pan Zenon Bednarczyk, wcześniej ratownik medyczny."),
)
QUESTION = "Kto został kierowcą mikrobusu?"


@pytest.fixture(scope="module")
def settings(tmp_path_factory, model_dir) -> Settings:
    root = tmp_path_factory.mktemp("library-page")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "schronisko.txt").write_text(SCHRONISKO, encoding="utf-8")
    settings = Settings.load(data_dir=root / "data", corpus_dir=corpus, model_dir=model_dir, chroma_host="")
    assert not Indexer(settings, progress=False).run().errors
    return settings


@pytest.fixture(scope="module")
def served(settings):
    """The page over a ``LiveAssistant`` (as ``rag serve`` has), on loopback."""
    app, url = launch(LiveAssistant(settings), settings)
    yield url
    app.close()


def document_file(folder: Path) -> Path:
    """A two-page PDF where the PDF reader is in place, else the same text as a .txt file."""
    if ".pdf" in SUPPORTED_SUFFIXES:
        from tests.ingest.test_formats_fixtures import make_pdf, polish_font

        polish_font()  # skips, saying what to install, when no font with Polish letters is there
        return make_pdf(folder / "mikrobus.pdf", pages=PAGES)
    path = folder / "mikrobus.txt"
    path.write_text("\n\n".join(f"{h}\n\n{d}\n\n{t}" for h, d, t in PAGES), encoding="utf-8")
    return path


def get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, b"", ""


def test_an_original_is_served_by_its_link_and_nothing_else_is(settings, served):
    path = next(d.path for d in Library(settings).documents() if d.name == "schronisko.txt")
    status, body, kind = get(served + original_url(path))
    assert status == 200 and body.decode("utf-8") == SCHRONISKO and kind.startswith("text/plain")
    link = original_url(path)
    for forged in (link.rsplit("/", 1)[0] + "/inny.txt",  # the right id with another name
                   "library/original/" + "0" * 20 + "/schronisko.txt",
                   "library/original/..%2F..%2F..%2Fetc/passwd",
                   "library/original/%2e%2e/%2e%2e/etc/passwd",
                   "library/original/" + link.split("/")[2] + "/..%2F..%2Fcorpus%2Fschronisko.txt"):
        assert get(served + forged)[0] == 404, forged


def test_source_panels_link_to_the_original_at_the_cited_page():
    class Named:
        def paths_by_name(self):
            return {"stary.txt": "/srv/dokumenty/stary.txt"}

    citations = [Citation(n=1, source="raport.pdf", title="Raport", date="", text="Zdanie.", score=1.0,
                          path="/srv/dokumenty/raport.pdf", page=3),
                 Citation(n=2, source="stary.txt", title="Stary", date="", text="Zdanie.", score=1.0)]

    class Scripted:
        def ask(self, question, history=None):
            return Answer(question=question, answer="Zdanie. [1][2]", refused=False, citations=citations)

    chat, _, _ = respond(Scripted(), "Pytanie?", "question", [], [], "pl", {}, Originals(Named()))
    html = chat[-1]["content"]
    assert f'href="{original_url("/srv/dokumenty/raport.pdf", 3)}"' in html and "#page=3" in html
    assert "Otwórz oryginał (s. 3)" in html
    assert f'href="{original_url("/srv/dokumenty/stary.txt")}"' in html  # matched by its file name
    assert respond(Scripted(), "Pytanie?", "question", [], [], "pl", {})[0][-1]["content"].count("rag-original") == 0


def test_the_chat_answers_from_an_uploaded_document_as_soon_as_it_is_added_and_not_after_its_delete(
        tmp_path, model_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "schronisko.txt").write_text(SCHRONISKO, encoding="utf-8")
    settings = Settings.load(data_dir=tmp_path / "data", corpus_dir=corpus, model_dir=model_dir, chroma_host="")
    Indexer(settings, progress=False).run()
    assistant = LiveAssistant(settings)
    assert assistant.ask(QUESTION).refused
    Library(settings).add([document_file(tmp_path)])
    answer = assistant.ask(QUESTION)
    assert "Bednarczyk" in answer.answer and answer.citations[0].source.startswith("mikrobus.")
    library = Library(settings)
    library.delete(next(d.doc_id for d in library.documents() if d.name.startswith("mikrobus.")))
    after = assistant.ask(QUESTION)
    assert "Bednarczyk" not in after.answer and not any(c.source.startswith("mikrobus.") for c in after.citations)


@pytest.mark.slow
def test_upload_find_ask_open_the_original_and_delete_through_the_page(browser, served, tmp_path):
    upload = document_file(tmp_path)
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="pl-PL")
    try:
        page.goto(served, wait_until="load")  # gradio keeps a stream open: never "networkidle"
        page.wait_for_selector("#rag-question textarea")
        page.click("button[role=tab]:has-text('Dokumenty')")
        page.wait_for_selector("#rag-doc-table:has-text('schronisko.txt')")

        page.set_input_files("#rag-doc-upload input[type=file]", str(upload))
        page.wait_for_selector(f"#rag-doc-report:has-text('Dodano: {upload.name}')", timeout=ANSWER_TIMEOUT_MS)
        assert page.inner_text("#rag-doc-table").count(upload.name) == 1
        page.fill("#rag-doc-search textarea, #rag-doc-search input", "mikrobus")
        page.wait_for_function("!document.querySelector('#rag-doc-table').innerText.includes('schronisko.txt')")
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "library-uploaded.png"), full_page=True)

        page.click("button[role=tab]:has-text('Rozmowa')")
        page.fill("#rag-question textarea", QUESTION)
        page.click("#rag-send")
        page.wait_for_selector("#rag-chat .rag-answer", timeout=ANSWER_TIMEOUT_MS)
        reply = page.locator("#rag-chat .message-content").last
        assert "Bednarczyk" in reply.locator(".rag-answer").inner_text()
        reply.locator("a.rag-cite").first.click()
        link = reply.locator("details.rag-source[open] .rag-original a").first
        href = link.get_attribute("href")
        assert upload.name in href and (href.endswith("#page=2") or upload.suffix != ".pdf")
        page.screenshot(path=str(ARTEFACTS / "library-cited-original.png"), full_page=True)
        status, body, kind = get(served + href.split("#")[0])
        assert status == 200 and body == upload.read_bytes()
        with page.context.expect_page() as opened:
            link.click()
        assert opened.value.url.startswith(served + "library/original/")
        opened.value.close()

        page.click("button[role=tab]:has-text('Dokumenty')")
        # a click on its row chooses it
        page.locator("#rag-doc-table [data-testid^='cell-']").filter(has_text=upload.name).first.click()
        page.wait_for_function(
            "name => document.querySelector('#rag-doc-target input').value.includes(name)", arg=upload.name)
        page.click("#rag-doc-delete")
        page.wait_for_selector("#rag-doc-question:has-text('Usunąć')")
        page.click("#rag-doc-yes")
        page.wait_for_selector(f"#rag-doc-report:has-text('Usunięto {upload.name}')", timeout=ANSWER_TIMEOUT_MS)
        page.screenshot(path=str(ARTEFACTS / "library-deleted.png"), full_page=True)
        page.fill("#rag-doc-search textarea, #rag-doc-search input", "")
        page.wait_for_selector("#rag-doc-table:has-text('schronisko.txt')")
        assert upload.name not in page.inner_text("#rag-doc-table")
        assert get(served + href.split("#")[0])[0] == 404

        page.click("#rag-language label:has-text('English')")  # the tab follows the language switch
        page.wait_for_selector("button[role=tab]:has-text('Documents')")
        page.wait_for_selector("#rag-doc-search:has-text('Search titles')")
        assert page.locator("#rag-doc-delete").inner_text().startswith("Delete")
    finally:
        page.close()
