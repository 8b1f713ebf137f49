"""OpenDocument text (.odt): read in order, titled and dated, answerable, removable; a renamed file
refused with a reason."""

from pathlib import Path

import pytest

from ingest.indexer import Indexer
from ingest.reader import read_articles
from tests.ingest.test_formats_fixtures import (ODT_DATE, ODT_PARAGRAPHS, ODT_TITLE, indexed_library, library,
                                                make_odt, stored_chunks)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, model_dir):
    return indexed_library(tmp_path_factory.mktemp("odt"), model_dir, "klub.odt", make_odt)


def test_heading_date_and_paragraphs_are_read(tmp_path: Path):
    [article] = read_articles(make_odt(tmp_path / "klub.odt"))
    assert (article.title, article.date) == (ODT_TITLE, ODT_DATE)
    assert article.text == "\n\n".join(ODT_PARAGRAPHS)
    assert article.pages.kind == "odt" and article.pages.page_at(article.start_char) == 0


def test_title_property_names_a_document_without_a_heading(tmp_path: Path):
    from odf import dc, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.meta.addElement(dc.Title(text="Notatka o klubie"))
    document.text.addElement(text.P(text=ODT_PARAGRAPHS[1]))
    document.save(str(tmp_path / "notatka.odt"))
    assert read_articles(tmp_path / "notatka.odt")[0].title == "Notatka o klubie"


def test_question_is_answered_with_a_citation_to_the_odt(indexed):
    from rag.assistant import Assistant

    answer = Assistant(indexed[0]).ask("Ile ławek wykonali uczestnicy warsztatów stolarskich w Bieżanowie?")
    assert not answer.refused and "czterdzieści ławek" in answer.answer
    assert {answer.citations[n - 1].source for s in answer.sentences for n in s.citations} == {"klub.odt"}


def test_deleting_the_odt_removes_its_chunks(tmp_path, model_dir):
    settings, folder = indexed_library(tmp_path, model_dir, "klub.odt", make_odt)
    (folder / "klub.odt").unlink()
    assert Indexer(settings, progress=False).run([folder]).removed == [str(folder / "klub.odt")]
    assert {c.metadata["source"] for c in stored_chunks(settings)} == {"szkolenie.txt"}


def test_renamed_file_is_refused_with_a_reason(tmp_path: Path, model_dir):
    settings, folder = library(tmp_path, model_dir, {"klub.odt": make_odt})
    Indexer(settings, progress=False).run([folder])
    (folder / "klub.odt").write_text("To jest zwykły tekst zapisany z rozszerzeniem odt.", encoding="utf-8")
    report = Indexer(settings, progress=False).run([folder])
    assert report.errors == [f"{folder / 'klub.odt'}: not an OpenDocument text (.odt): not a ZIP package (an older "
                             "format or another file renamed?) (kept what was indexed before)"]
    assert {c.metadata["source"] for c in stored_chunks(settings)} == {"klub.odt"}
