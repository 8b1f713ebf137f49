"""Tesseract OCR with the Polish model, for scanned PDF pages and images.

Tesseract is the well-kept open OCR engine Debian packages with a Polish model (tesseract-ocr-pol);
pytesseract is a thin, long-lived wrapper that runs its command line and parses the output.

OCR takes seconds a page, and every ingest reads each file again to see whether it changed, so what
Tesseract read is kept on disk per file content, page, model and resolution (``cache_dir``): an
unchanged scan is read once.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ingest.formats.base import join_wrapped_lines

# A page whose text layer has fewer non-space characters than this is treated as a scan.
MIN_TEXT_LAYER_CHARS = 20


@dataclass(frozen=True)
class Ocr:
    lang: str = "pol"
    dpi: int = 300
    cache_dir: Path | None = None  # None: no cache (each read runs Tesseract)

    def missing(self) -> str:
        """Why OCR cannot run here ("needs OCR (Tesseract not installed…)"), or "" when it can."""
        return _missing(self.lang)

    def read(self, file_hash: str, page: int, image: Callable[[], Image.Image]) -> str:
        """The text on page ``page`` of the file whose content hashes to ``file_hash``; ``image``
        draws the page, called only when the cache does not hold it."""
        cached = self._cached(file_hash, page)
        if cached is not None and cached.is_file():
            text = cached.read_text(encoding="utf-8")
        else:
            import pytesseract

            text = pytesseract.image_to_string(image().convert("L"), lang=self.lang).replace("\f", "").strip()
            if cached is not None:  # Tesseract's own text: how it is tidied may change without a re-read
                cached.parent.mkdir(parents=True, exist_ok=True)
                partial = cached.with_suffix(".partial")
                partial.write_text(text, encoding="utf-8")
                partial.replace(cached)  # whole or not at all, even if the ingest is killed here
        return join_wrapped_lines(text)

    def _cached(self, file_hash: str, page: int) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{file_hash}|{page}|{self.lang}|{self.dpi}|{_version()}".encode()).hexdigest()
        return Path(self.cache_dir) / key[:2] / f"{key}.txt"


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def _version() -> str:
    """Tesseract's version: a new engine may read a page better, so it reads it again."""
    import pytesseract

    return str(pytesseract.get_tesseract_version())


@functools.cache
def _missing(lang: str) -> str:
    if shutil.which("tesseract") is None:
        return "needs OCR (Tesseract not installed: apt-get install tesseract-ocr tesseract-ocr-pol)"
    import pytesseract

    try:
        installed = set(pytesseract.get_languages(config=""))
    except pytesseract.TesseractError as error:
        return f"needs OCR (Tesseract does not run: {error})"
    absent = [code for code in lang.split("+") if code not in installed]
    if absent:
        return f"needs OCR (Tesseract has no '{'+'.join(absent)}' model: apt-get install tesseract-ocr-{absent[0]})"
    return ""
