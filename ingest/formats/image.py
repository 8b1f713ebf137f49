"""Scanned images (.png, .jpg, .tif): Pillow opens them, Tesseract reads them. A multi-page TIFF
keeps its page numbers; a single image has no pages (page 0)."""

from __future__ import annotations

from PIL import Image, ImageSequence

from ingest.formats.base import FormatReader, as_path
from ingest.formats.ocr import Ocr, file_hash
from rag.errors import InvalidDocument


class ImageReader(FormatReader):
    kind, label, suffixes = "image", "image", (".png", ".jpg", ".jpeg", ".tif", ".tiff")

    def __init__(self, ocr: Ocr) -> None:
        self.ocr = ocr

    def load_data(self, file, extra_info=None):
        path = as_path(file)
        if missing := self.ocr.missing():
            raise InvalidDocument(f"{path}: {missing}")
        content = file_hash(path)
        with Image.open(path) as image:  # frame by frame: a long TIFF is never decoded whole
            paged = getattr(image, "n_frames", 1) > 1
            return [self.page(self.ocr.read(content, number, lambda: frame), number if paged else 0, ocr=True)
                    for number, frame in enumerate(ImageSequence.Iterator(image), start=1)]
