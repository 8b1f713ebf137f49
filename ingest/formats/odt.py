"""OpenDocument text (.odt): odfpy reads headings, paragraphs, lists and tables in document order
and the title and date from meta.xml. odfpy is the long-standing pure-Python OpenDocument
library; llama-index has no ODT reader. Pages are laid out at display time: page 0.
"""

from __future__ import annotations

from ingest.formats.base import FormatReader, as_path, clean_title, iso_date
from ingest.formats.docx import require_zip_member

_BLOCKS = {"h", "p"}  # text:h and text:p hold the text; every other element only groups them
_ROW = "table-row"


class OdtReader(FormatReader):
    kind, label, suffixes = "odt", "OpenDocument (ODT)", (".odt",)

    def load_data(self, file, extra_info=None):
        from odf import dc, meta, teletype
        from odf.opendocument import load

        path = as_path(file)
        require_zip_member(path, "content.xml", "an OpenDocument text (.odt)")
        document = load(str(path))
        blocks: list[str] = []
        _walk(document.text, blocks, teletype)
        title = _first(document, dc.Title, teletype)
        date = iso_date(_first(document, dc.Date, teletype) or _first(document, meta.CreationDate, teletype))
        return [self.page("\n\n".join(b for b in blocks if b), title=clean_title(title), date=date)]


def _walk(element, blocks: list[str], teletype) -> None:
    for child in element.childNodes:
        name = getattr(child, "qname", (None, None))[1]
        if name in _BLOCKS:
            blocks.append(" ".join(teletype.extractText(child).split()))
        elif name == _ROW:
            cells = [" ".join(teletype.extractText(cell).split()) for cell in child.childNodes]
            blocks.append(" | ".join(c for c in cells if c))
        elif getattr(child, "childNodes", None):
            _walk(child, blocks, teletype)


def _first(document, kind, teletype) -> str:
    found = document.meta.getElementsByType(kind) if document.meta else []
    return teletype.extractText(found[0]).strip() if found else ""
