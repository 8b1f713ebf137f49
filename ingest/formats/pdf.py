"""PDF: pypdf reads the text layer page by page; a page without one (a scan) is rendered with
pypdfium2 and read by Tesseract.

pypdf is pure Python and well kept, and gives text per page, so page numbers survive; llama-index's own
PDFReader (llama-index-readers-file) wraps the same pypdf call but knows no OCR and pulls in pandas and
more. pypdfium2 (PDFium, as in Chromium) renders pages faithfully and installs from PyPI with no system
library.
"""

from __future__ import annotations

import functools
import logging

from pypdf import PdfReader as _PdfFile
from pypdf.errors import DependencyError

from ingest.formats.base import FormatReader, as_path, clean_title, iso_date, join_wrapped_lines
from ingest.formats.ocr import MIN_TEXT_LAYER_CHARS, Ocr, file_hash
from rag.errors import InvalidDocument

# pypdf logs what it repairs in a damaged file ("EOF marker not found") to stderr; a file it cannot
# read is reported once, in the ingest report, and one it repaired needs no note.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfReader(FormatReader):
    kind, label, suffixes = "pdf", "PDF", (".pdf",)

    def __init__(self, ocr: Ocr) -> None:
        self.ocr = ocr

    def load_data(self, file, extra_info=None):
        path = as_path(file)
        pdf = _PdfFile(path)
        _unlock(pdf, path)
        info = pdf.metadata or {}
        title, date = clean_title(info.get("/Title")), iso_date(getattr(pdf.metadata, "creation_date", None))
        rendered = None  # the pypdfium2 document, opened at the first scanned page
        content = None  # the file's hash, for the OCR cache
        pages = []
        try:
            for number, page in enumerate(pdf.pages, start=1):
                text = _tidy(page.extract_text() or "")
                if len("".join(text.split())) >= MIN_TEXT_LAYER_CHARS or not _has_images(page):
                    pages.append(self.page(text.strip(), number, title=title, date=date))
                elif missing := self.ocr.missing():
                    pages.append(self.page("", number, title=title, date=date, unread=missing))
                else:
                    if rendered is None:
                        import pypdfium2

                        rendered, content = pypdfium2.PdfDocument(path), file_hash(path)
                    draw = functools.partial(_render, rendered, number, self.ocr.dpi)
                    pages.append(self.page(self.ocr.read(content, number, draw), number, ocr=True,
                                           title=title, date=date))
        finally:
            if rendered is not None:
                rendered.close()
        return pages


def _render(document, number: int, dpi: int):
    return document[number - 1].render(scale=dpi / 72).to_pil()


def _tidy(text: str) -> str:
    """Lines without the runs of spaces pypdf leaves in justified text ("czwartek  dyżuruje  tam"),
    and without the layout's breaks inside sentences."""
    return join_wrapped_lines("\n".join(" ".join(line.split()) for line in text.splitlines()))


def _unlock(pdf: _PdfFile, path) -> None:
    """Open a PDF protected by an owner password only (it opens without one, as viewers do); refuse
    one that needs a password to be read."""
    if not pdf.is_encrypted:
        return
    try:
        opened = pdf.decrypt("")
    except DependencyError as error:  # AES needs the cryptography package
        raise InvalidDocument(f"{path}: encrypted PDF that this installation cannot open ({error})") from error
    if not opened:
        raise InvalidDocument(f"{path}: encrypted PDF (it needs a password); save an unprotected copy and ingest that")


def _has_images(page) -> bool:
    """Whether the page draws an image or a form (a scan does, some scanners inside a form); a page
    with neither text nor these is blank."""
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    return bool(xobjects) and any(xobjects.get_object()[name].get_object().get("/Subtype") in ("/Image", "/Form")
                                  for name in xobjects.get_object())
