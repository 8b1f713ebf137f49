"""Scanned images: read by Tesseract with the Polish model, marked as OCR in chunks and citations;
an image of nothing, or no Tesseract, reported instead of indexed empty."""

from pathlib import Path

import pytest

from ingest.indexer import Indexer
from ingest.reader import read_articles
from rag.config import Settings
from tests.ingest.test_formats_fixtures import (NEIGHBOUR, SCAN_DATE, SCAN_TITLE, indexed_library, library,
                                                render_page, require_tesseract, scan_lines, stored_chunks,
                                                write_text)


def _scan(path: Path) -> Path:
    render_page(path.with_suffix(".png"), scan_lines())
    if path.suffix != ".png":  # the same page saved as JPEG or TIFF
        from PIL import Image

        with Image.open(path.with_suffix(".png")) as image:
            image.save(path)
    return path


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, model_dir):
    require_tesseract()
    return indexed_library(tmp_path_factory.mktemp("image"), model_dir, "zbiorka.png", _scan)


@pytest.mark.parametrize("name", ["zbiorka.png", "zbiorka.jpg", "zbiorka.tif"])
def test_scanned_page_is_read_with_its_title_and_date(tmp_path: Path, name):
    require_tesseract()
    [article] = read_articles(_scan(tmp_path / name), Settings(data_dir=tmp_path / "data"))
    assert (article.title, article.date) == (SCAN_TITLE, SCAN_DATE)
    assert "noclegowni przy ulicy Makowej" in article.text
    assert article.pages.kind == "image" and article.pages.ocr_in(article.start_char, article.end_char)


def test_chunks_are_marked_as_ocr(indexed):
    assert {(c.metadata["doc_type"], c.metadata["page"], c.metadata["ocr"])
            for c in stored_chunks(indexed[0], "zbiorka.png")} == {("image", 0, True)}
    assert {c.metadata["ocr"] for c in stored_chunks(indexed[0], "szkolenie.txt")} == {False}


def test_question_is_answered_from_the_scan_and_the_citation_says_ocr(indexed):
    from rag.assistant import Assistant
    from rag.render import render_sources

    answer = Assistant(indexed[0]).ask("Do której noclegowni trafiła odzież ze zbiórki w Swoszowicach?")
    assert not answer.refused and "Makowej" in answer.answer
    cited = [answer.citations[n - 1] for s in answer.sentences for n in s.citations]
    assert {c.source for c in cited} == {"zbiorka.png"} and all(c.ocr and c.page == 0 for c in cited)
    assert "zbiorka.png, tekst z OCR" in render_sources(answer.citations, "pl")


def test_deleting_the_scan_removes_its_chunks(tmp_path, model_dir):
    require_tesseract()
    settings, folder = indexed_library(tmp_path, model_dir, "zbiorka.png", _scan)
    (folder / "zbiorka.png").unlink()
    assert Indexer(settings, progress=False).run([folder]).removed == [str(folder / "zbiorka.png")]
    assert {c.metadata["source"] for c in stored_chunks(settings)} == {"szkolenie.txt"}


def test_image_of_nothing_has_no_readable_text_and_costs_nothing(tmp_path, model_dir):
    require_tesseract()
    from PIL import Image

    settings, folder = library(tmp_path, model_dir, {"zbiorka.png": _scan})
    Indexer(settings, progress=False).run([folder])
    before = [c.chunk_id for c in stored_chunks(settings)]
    Image.new("L", (800, 600), 255).save(folder / "pusty.png")
    Image.new("RGB", (800, 600), (240, 240, 235)).save(folder / "zbiorka.png")  # rescanned blank
    report = Indexer(settings, progress=False).run([folder])
    assert sorted(report.errors) == [f"{folder / 'pusty.png'}: no readable text (OCR found none)",
                                     f"{folder / 'zbiorka.png'}: no readable text (OCR found none) "
                                     "(kept what was indexed before)"]
    assert [c.chunk_id for c in stored_chunks(settings)] == before


def test_broken_image_is_refused_with_a_reason(tmp_path: Path):
    require_tesseract()
    from rag.errors import InvalidDocument

    (tmp_path / "skan.jpg").write_bytes(b"\xff\xd8\xff\xe0 to nie jest obraz")
    with pytest.raises(InvalidDocument, match="not a readable image file"):
        read_articles(tmp_path / "skan.jpg")


def test_without_tesseract_an_image_needs_ocr_and_is_skipped(tmp_path, model_dir, monkeypatch):
    from ingest.formats import ocr

    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    monkeypatch.setattr(ocr, "_missing", ocr._missing.__wrapped__)
    settings, folder = library(tmp_path, model_dir, {"zbiorka.png": lambda p: render_page(p, scan_lines()),
                                                     "szkolenie.txt": write_text(NEIGHBOUR)})
    report = Indexer(settings, progress=False).run([folder])
    assert report.errors == [f"{folder / 'zbiorka.png'}: needs OCR (Tesseract not installed: apt-get install "
                             "tesseract-ocr tesseract-ocr-pol)"]
    assert {c.metadata["source"] for c in stored_chunks(settings)} == {"szkolenie.txt"}


def test_an_unchanged_scan_is_read_by_tesseract_once(tmp_path, monkeypatch):
    require_tesseract()
    import pytesseract

    settings, path = Settings(data_dir=tmp_path / "data"), _scan(tmp_path / "zbiorka.png")
    first = read_articles(path, settings)
    monkeypatch.setattr(pytesseract, "image_to_string", lambda *a, **k: pytest.fail("read again"))
    assert [a.text for a in read_articles(path, settings)] == [a.text for a in first]
    _scan(tmp_path / "zbiorka.png").write_bytes(path.read_bytes() + b"\0")  # a changed file is read again
    with pytest.raises(pytest.fail.Exception, match="read again"):
        read_articles(path, settings)
