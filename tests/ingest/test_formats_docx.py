"""Word (.docx): paragraphs and tables read in order, titled, answerable, removable; a file that is
not a Word document refused with a reason."""

import zipfile
from pathlib import Path

import pytest

from ingest.indexer import Indexer
from ingest.reader import read_articles
from tests.ingest.test_formats_fixtures import (DOCX_PARAGRAPHS, DOCX_TITLE, indexed_library, library,
                                                make_docx, stored_chunks)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, model_dir):
    return indexed_library(tmp_path_factory.mktemp("docx"), model_dir, "opiekunowie.docx", make_docx)


def test_heading_paragraphs_and_table_are_read_in_order(tmp_path: Path):
    [article] = read_articles(make_docx(tmp_path / "opiekunowie.docx"))
    assert article.title == DOCX_TITLE and article.date == "2024-06-05"
    assert article.text.index("wytchnieniowej") < article.text.index("Podgórze | 12") < article.text.index("Nowa Huta | 9")
    assert article.pages.page_at(article.start_char) == 0 and article.pages.kind == "docx"


def test_title_property_names_a_document_without_a_heading(tmp_path: Path):
    import docx

    document = docx.Document()
    document.core_properties.title = "Zarządzenie w sprawie dyżurów"
    document.add_paragraph(DOCX_PARAGRAPHS[1])
    document.save(str(tmp_path / "zarzadzenie.docx"))
    assert read_articles(tmp_path / "zarzadzenie.docx")[0].title == "Zarządzenie w sprawie dyżurów"


def test_question_is_answered_with_a_citation_to_the_docx(indexed):
    from rag.assistant import Assistant

    answer = Assistant(indexed[0]).ask("Ile godzin opieki wytchnieniowej miesięcznie przysługuje opiekunom?")
    assert not answer.refused and "ośmiu godzin" in answer.answer
    cited = {answer.citations[n - 1].source for s in answer.sentences for n in s.citations}
    assert cited == {"opiekunowie.docx"}
    assert {(c.metadata["doc_type"], c.metadata["page"], c.metadata["ocr"])
            for c in stored_chunks(indexed[0], "opiekunowie.docx")} == {("docx", 0, False)}


def test_deleting_the_docx_removes_its_chunks(tmp_path, model_dir):
    settings, folder = indexed_library(tmp_path, model_dir, "opiekunowie.docx", make_docx)
    (folder / "opiekunowie.docx").unlink()
    assert Indexer(settings, progress=False).run([folder]).removed == [str(folder / "opiekunowie.docx")]
    assert {c.metadata["source"] for c in stored_chunks(settings)} == {"szkolenie.txt"}


def test_renamed_zip_and_old_doc_are_refused_and_cost_nothing_indexed(tmp_path, model_dir):
    settings, folder = library(tmp_path, model_dir, {"opiekunowie.docx": make_docx})
    Indexer(settings, progress=False).run([folder])
    before = [c.chunk_id for c in stored_chunks(settings)]
    with zipfile.ZipFile(folder / "opiekunowie.docx", "w") as archive:  # a ZIP of photos, renamed
        archive.writestr("zdjecia/wizyta.jpg", b"\xff\xd8\xff not really a photo")
    (folder / "stary.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))  # a Word 97 .doc
    report = Indexer(settings, progress=False).run([folder])
    assert sorted(report.errors) == sorted([
        f"{folder / 'opiekunowie.docx'}: not a Word document (.docx): a ZIP archive without word/document.xml "
        "(another file renamed?) (kept what was indexed before)",
        f"{folder / 'stary.docx'}: not a Word document (.docx): not a ZIP package (an older format or another "
        "file renamed?)",
    ])
    assert [c.chunk_id for c in stored_chunks(settings)] == before
