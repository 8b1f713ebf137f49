"""The format layer: a file of any supported type → its text, page map and properties.

One module per format, each a llama-index reader (see ``base``); the registry is keyed by suffix, so
adding a format is adding a module and a line in ``_readers``. Which library reads what, and why, is
said in each module: text by hand (ingest.formats.text), PDF with pypdf (+ pypdfium2 and Tesseract for
scans), DOCX with python-docx, ODT with odfpy, HTML with trafilatura, images with Pillow + Tesseract.
"""

from __future__ import annotations

from pathlib import Path

from ingest.formats.base import DATE, OCR, PAGE, TITLE, UNREAD, WARNINGS, Extracted, FormatReader, PageMap
from ingest.formats.docx import DocxReader
from ingest.formats.html import HtmlReader
from ingest.formats.image import ImageReader
from ingest.formats.ocr import Ocr
from ingest.formats.odt import OdtReader
from ingest.formats.pdf import PdfReader
from ingest.formats.text import TextReader, read_text
from rag.config import Settings
from rag.errors import InvalidDocument

PAGE_SEPARATOR = "\n\n"  # a blank line: a paragraph never runs from one page into the next


def _readers(ocr: Ocr) -> tuple[FormatReader, ...]:
    return TextReader(), PdfReader(ocr), DocxReader(), OdtReader(), HtmlReader(), ImageReader(ocr)


SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(s for reader in _readers(Ocr()) for s in reader.suffixes)


def readers(settings: Settings) -> dict[str, FormatReader]:
    """Suffix → reader, as llama-index's SimpleDirectoryReader takes them (``file_extractor``)."""
    ocr = Ocr(settings.ocr_lang, settings.ocr_dpi, settings.ocr_cache_dir)
    return {suffix: reader for reader in _readers(ocr) for suffix in reader.suffixes}


def extract(path: Path, settings: Settings) -> Extracted:
    """The file's text, pages and properties, or :class:`InvalidDocument` with a one-line reason.

    Every way a reader can fail (a corrupt PDF, a ZIP that is no Word file, an unreadable file)
    becomes that one line; nothing is indexed from a file that yields no text.
    """
    reader = readers(settings).get(path.suffix.lower())
    if reader is None:
        raise InvalidDocument(f"{path}: {unsupported_reason(path)}")
    _check_size(path, settings.max_paged_file_mb if reader.paged else settings.max_file_mb)
    try:
        documents = reader.load_data(path)
    except InvalidDocument:
        raise
    except PermissionError as error:
        raise InvalidDocument(f"{path}: permission denied (the user running the ingest cannot read it)") from error
    except Exception as error:  # each library has its own errors for a damaged file; all mean the same
        if isinstance(error, OSError) and error.errno is not None:  # the disk, not the file's content
            raise InvalidDocument(f"{path}: cannot be read ({error.strerror or error})") from error
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InvalidDocument(f"{path}: not a readable {reader.label} file ({detail[:200]})") from error
    return _join(path, reader, documents)


def unsupported_reason(path: Path) -> str | None:
    """Why a file found in a folder is not read (".xls: unsupported type (supported: …)"), or None."""
    if path.suffix.lower() in SUPPORTED_SUFFIXES:
        return None
    return f"{path.suffix or 'no extension'}: unsupported type (supported: {', '.join(SUPPORTED_SUFFIXES)})"


def _check_size(path: Path, limit_mb: float) -> None:
    try:
        if not path.is_file():  # a folder, a broken link or a link loop
            raise InvalidDocument(f"{path}: not a file")
        size = path.stat().st_size
    except OSError as error:
        raise InvalidDocument(f"{path}: cannot be read ({error.strerror or error})") from error
    if size > limit_mb * 2**20:
        raise InvalidDocument(f"{path}: {size / 1e6:.0f} MB is over the {limit_mb:g} MiB limit")


def _join(path: Path, reader: FormatReader, documents) -> Extracted:
    """One text from the pages, with where each starts; pages that could not be read become warnings,
    and a file with no text at all an error (with the pages' reason, e.g. "needs OCR")."""
    pieces, starts, ocr, warnings, unread = [], [], set(), [], []
    offset = 0
    for document in documents:
        meta = document.metadata
        starts.append(offset)
        pieces.append(document.text)
        offset += len(document.text) + len(PAGE_SEPARATOR)
        if meta[OCR] and document.text.strip():
            ocr.add(meta[PAGE])
        warnings += meta[WARNINGS]
        if meta[UNREAD]:
            unread.append((meta[PAGE], meta[UNREAD]))
    text = PAGE_SEPARATOR.join(pieces)
    if not text.strip():
        reason = unread[0][1] if unread else ("no readable text (OCR found none)" if reader.kind == "image"
                                              else "no readable text")
        raise InvalidDocument(f"{path}: {reason}")
    for page, reason in unread:
        warnings.append(f"page {page}: {reason}; indexed without it")
    paged = any(d.metadata[PAGE] for d in documents)
    first = documents[0].metadata
    return Extracted(
        text=text,
        pages=PageMap(reader.kind, tuple(starts) if paged else (), frozenset(ocr)),
        title=first[TITLE], date=first[DATE], warnings=tuple(warnings),
    )


__all__ = ["SUPPORTED_SUFFIXES", "Extracted", "PageMap", "extract", "read_text", "readers", "unsupported_reason"]
