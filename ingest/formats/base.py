"""What every format reader returns, and the interface they share.

Each reader is a llama-index ``BaseReader``: ``load_data(path)`` gives one ``Document`` per page (one in
all for a format without pages), so the readers also plug into llama-index's ``SimpleDirectoryReader``
(``file_extractor=readers(settings)``). :func:`ingest.formats.extract` joins the pages into one text
with the offsets where each page starts, which the article layout in ``ingest.reader`` then cuts up.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from llama_index.core import Document
from llama_index.core.readers.base import BaseReader

_PLACEHOLDER_TITLE = re.compile(r"^(untitled.*|bez tytułu|dokument\s*\d*|document\s*\d*|microsoft word - .*)$", re.I)
# Keys of a page Document's metadata (see FormatReader.page).
PAGE, OCR, KIND, TITLE, DATE, WARNINGS, UNREAD = "page", "ocr", "kind", "title", "date", "warnings", "unread"


@dataclass(frozen=True)
class PageMap:
    """Where a document's pages start in its text, and which were read by OCR."""

    kind: str = "text"  # "pdf", "docx", "odt", "html", "image", "text"
    starts: tuple[int, ...] = ()  # offsets where pages 1, 2, … start; () for a format without pages
    ocr: frozenset[int] = frozenset()  # page numbers read by OCR; {0} for a scanned image without pages

    def page_at(self, offset: int) -> int:
        """The page number holding ``offset``, 0 for a format without pages."""
        return bisect_right(self.starts, offset) if self.starts else 0

    def ocr_in(self, start: int, end: int) -> bool:
        """Whether any of the text in [start, end) came from OCR."""
        first, last = self.page_at(start), self.page_at(max(start, end - 1))
        return any(page in self.ocr for page in range(first, last + 1))


@dataclass(frozen=True)
class Extracted:
    """A file's text (pages joined by a blank line), its page map, and what its properties say."""

    text: str
    pages: PageMap
    title: str = ""  # from the document's properties; the article layout's own title wins
    date: str = ""  # ISO, from the document's properties; a date stated in the text wins
    warnings: tuple[str, ...] = ()  # read, but not all of it or not exactly


class FormatReader(BaseReader):
    """One file type. Subclasses set ``kind``, ``suffixes`` and ``paged`` and implement ``load_data``."""

    kind: str = ""
    label: str = ""  # for messages: "PDF", "Word (DOCX)"
    suffixes: tuple[str, ...] = ()
    # Whether the file is read a page or an entry at a time (PDF, ZIP-based office files, images), so
    # a larger size limit applies than to text and HTML, which are parsed whole.
    paged: bool = True

    def page(self, text: str, number: int = 0, ocr: bool = False, title: str = "", date: str = "",
             warnings: tuple[str, ...] = (), unread: str = "") -> Document:
        """One page as a llama-index Document; ``unread`` says why a page holds no text (e.g. it
        needs OCR and Tesseract is missing)."""
        return Document(text=text, metadata={PAGE: number, OCR: ocr, KIND: self.kind, TITLE: title, DATE: date,
                                             WARNINGS: list(warnings), UNREAD: unread})


def iso_date(value: object) -> str:
    """A property's date (a datetime, or an ISO string as ODF writes it) as YYYY-MM-DD, else ""."""
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return ""
    return ""


def clean_title(value: object) -> str:
    """A property title, or "" for the placeholders office programs leave ("Untitled", "Dokument1")."""
    title = " ".join(str(value or "").split())
    return "" if _PLACEHOLDER_TITLE.match(title) else title


_HYPHENATED = re.compile(r"(?<=[^\W\d_])-\n(?=[a-ząćęłńóśźż])")
_WRAPPED = re.compile(r"(?<=\S)\n(?=[a-ząćęłńóśźż])")


def join_wrapped_lines(text: str) -> str:
    """PDF and OCR text with the line breaks of the printed layout inside a sentence undone:
    "do noclegowni\nprzy ulicy" → "do noclegowni przy ulicy", "współ-\npraca" → "współpraca".

    A line that goes on in lower case continues a sentence (Polish starts a sentence, a heading or
    a list item with a capital or a digit), so these are the only breaks joined; others stay, and
    the article layout's own unwrapping (ingest.reader._unwrap) sees them. Left in, a break inside
    a sentence cuts it in two for the sentence splitter and the quoted answer.
    """
    return _WRAPPED.sub(" ", _HYPHENATED.sub("", text))


def as_path(file: object) -> Path:
    return Path(str(file))
