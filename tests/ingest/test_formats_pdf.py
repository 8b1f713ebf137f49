"""PDF: the text layer read page by page, pages kept in chunks and citations, scans read by OCR, and
damaged or locked files refused with a reason, at no cost to what is indexed."""

from pathlib import Path

import pytest

from ingest.formats import extract
from ingest.indexer import Indexer
from ingest.reader import read_articles
from rag.config import Settings
from rag.errors import InvalidDocument
from tests.ingest.test_formats_fixtures import (PDF_PAGES, SCAN_TITLE, indexed_library, library, make_pdf,
                                                render_page, require_tesseract, scan_lines, stored_chunks)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, model_dir):
    return indexed_library(tmp_path_factory.mktemp("pdf"), model_dir, "dyzury.pdf", make_pdf)


def test_text_layer_is_read_with_each_article_on_its_page(tmp_path: Path):
    articles = read_articles(make_pdf(tmp_path / "dyzury.pdf"))
    assert [a.title for a in articles] == [heading for heading, _, _ in PDF_PAGES]
    assert [a.date for a in articles] == [date for _, date, _ in PDF_PAGES]
    assert [a.pages.page_at(a.start_char) for a in articles] == [1, 2]
    assert "psycholog" in articles[1].text and "  " not in articles[1].text  # justified spacing evened out
    assert "Dyżur odbywa się w każdy wtorek" in articles[0].text  # a sentence is not cut at a line end


def test_document_title_is_used_only_where_the_text_has_none(tmp_path: Path):
    pages = (("", "", "Krótka notatka bez nagłówka o tym, że sekretariat przyjmuje wnioski do piątku."),)
    path = make_pdf(tmp_path / "notatka.pdf", pages=pages, title="Notatka sekretariatu")
    assert extract(path, Settings()).title == "Notatka sekretariatu"
    assert [a.title for a in read_articles(path)] == ["Notatka sekretariatu"]
    assert read_articles(make_pdf(tmp_path / "dyzury.pdf", title="Inny tytuł"))[0].title == PDF_PAGES[0][0]


def test_chunks_carry_page_type_and_no_ocr(indexed):
    settings, _ = indexed
    chunks = stored_chunks(settings, "dyzury.pdf")
    assert {(c.metadata["page"], c.metadata["doc_type"], c.metadata["ocr"]) for c in chunks} == {
        (1, "pdf", False), (2, "pdf", False)}
    assert all(c.metadata["page"] == 2 for c in chunks if "Lipowej" in c.text)


def test_question_is_answered_with_a_citation_to_the_pdf_page(indexed):
    from rag.assistant import Assistant
    from rag.render import render_sources

    answer = Assistant(indexed[0]).ask("W jaki dzień tygodnia dyżuruje psycholog w punkcie dla seniorów na Lipowej?")
    assert not answer.refused and "czwartek" in answer.answer
    cited = [answer.citations[n - 1] for s in answer.sentences for n in s.citations]
    assert any(c.source == "dyzury.pdf" and c.page == 2 and c.path == str(indexed[1] / "dyzury.pdf") for c in cited)
    assert "dyzury.pdf, s. 2" in render_sources(answer.citations, "pl")


def test_deleting_the_pdf_removes_its_chunks(tmp_path, model_dir):
    settings, folder = indexed_library(tmp_path, model_dir, "dyzury.pdf", make_pdf)
    (folder / "dyzury.pdf").unlink()
    report = Indexer(settings, progress=False).run([folder])
    assert report.removed == [str(folder / "dyzury.pdf")]
    assert {c.metadata["source"] for c in stored_chunks(settings)} == {"szkolenie.txt"}


def _encrypted(path: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(make_pdf(path.with_suffix(".plain.pdf"))))
    writer.encrypt(user_password="tajne", algorithm="RC4-128")
    writer.write(path)
    return path


def test_password_protected_and_corrupt_pdfs_are_refused_and_cost_nothing_indexed(tmp_path, model_dir):
    settings, folder = library(tmp_path, model_dir, {"dyzury.pdf": make_pdf})
    Indexer(settings, progress=False).run([folder])
    before = [c.chunk_id for c in stored_chunks(settings)]
    _encrypted(tmp_path / "locked.pdf").replace(folder / "dyzury.pdf")
    (folder / "uszkodzony.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nobj garbage")
    report = Indexer(settings, progress=False).run([folder])
    [locked] = [e for e in report.errors if "dyzury.pdf" in e]
    [corrupt] = [e for e in report.errors if "uszkodzony.pdf" in e]
    assert "encrypted PDF (it needs a password)" in locked and "kept what was indexed before" in locked
    assert "not a readable PDF file" in corrupt and "\n" not in corrupt
    assert [c.chunk_id for c in stored_chunks(settings)] == before


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_pdf_protected_by_an_owner_password_only_opens_as_viewers_do(tmp_path, algorithm):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(make_pdf(tmp_path / "plain.pdf")))
    writer.encrypt(user_password="", owner_password="wlasciciel", algorithm=algorithm)
    writer.write(tmp_path / "owner.pdf")
    assert [a.title for a in read_articles(tmp_path / "owner.pdf")] == [heading for heading, _, _ in PDF_PAGES]


def _scanned(tmp_path: Path) -> Path:
    """Page 1 with a text layer, page 2 a scanned image of Polish text."""
    scan = render_page(tmp_path / "skan.png", scan_lines())
    return make_pdf(tmp_path / "mieszany.pdf", scanned={2: scan})


def test_page_without_text_layer_is_read_by_ocr_and_marked(tmp_path):
    require_tesseract()
    articles = read_articles(_scanned(tmp_path), Settings(data_dir=tmp_path / "data"))
    scanned = next(a for a in articles if a.title == SCAN_TITLE)
    assert "Odzież trafiła do noclegowni przy ulicy Makowej" in scanned.text
    assert scanned.pages.ocr == {2} and not articles[0].pages.ocr_in(articles[0].start_char, articles[0].end_char)
    assert scanned.pages.ocr_in(scanned.start_char, scanned.end_char)


def test_without_tesseract_a_scanned_pdf_is_reported_as_needing_ocr_never_indexed_empty(tmp_path, monkeypatch, model_dir):
    monkeypatch.setattr("ingest.formats.ocr.shutil.which", lambda name: None)
    monkeypatch.setattr("ingest.formats.ocr._missing", _uncached_missing())
    scan = render_page(tmp_path / "skan.png", scan_lines())
    settings, folder = library(tmp_path, model_dir, {"skan.pdf": lambda p: make_pdf(p, pages=PDF_PAGES[:1], scanned={1: scan})})
    report = Indexer(settings, progress=False).run([folder])
    assert report.errors == [f"{folder / 'skan.pdf'}: needs OCR (Tesseract not installed: "
                             "apt-get install tesseract-ocr tesseract-ocr-pol)"]
    assert stored_chunks(settings) == []
    mixed = read_articles(_scanned(tmp_path))  # the text page is kept, the scanned one named
    assert [a.title for a in mixed] == [PDF_PAGES[0][0]]
    assert mixed.warnings == ["page 2: needs OCR (Tesseract not installed: apt-get install tesseract-ocr "
                              "tesseract-ocr-pol); indexed without it"]


def _uncached_missing():
    from ingest.formats import ocr

    return ocr._missing.__wrapped__


def test_oversized_pdf_is_refused_by_the_settings_limit(tmp_path):
    path = make_pdf(tmp_path / "duzy.pdf")
    with pytest.raises(InvalidDocument, match=r"over the 0.001 MiB limit"):
        read_articles(path, Settings(max_paged_file_mb=0.001))
