"""Word (.docx): python-docx reads paragraphs and tables in document order and the core properties.

llama-index's DocxReader (llama-index-readers-file) goes through docx2txt, which flattens tables and
ignores the properties; python-docx is the well-kept library both build on. A .docx has no fixed
pages (Word lays them out when it shows the file), so its chunks carry page 0.
"""

from __future__ import annotations

import zipfile

from ingest.formats.base import FormatReader, as_path, clean_title, iso_date
from rag.errors import InvalidDocument


class DocxReader(FormatReader):
    kind, label, suffixes = "docx", "Word (DOCX)", (".docx",)

    def load_data(self, file, extra_info=None):
        import docx
        from docx.table import Table

        path = as_path(file)
        require_zip_member(path, "word/document.xml", "a Word document (.docx)")
        document = docx.Document(str(path))
        blocks = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                blocks += [" | ".join(_unique(cell.text.strip() for cell in row.cells)) for row in block.rows]
            else:
                blocks.append(block.text.strip())
        properties = document.core_properties
        return [self.page("\n\n".join(b for b in blocks if b), title=clean_title(properties.title),
                          date=iso_date(properties.created))]


def require_zip_member(path, member: str, what: str) -> None:
    """A clear reason for a file that is not what its name says: an old binary .doc/.odt renamed, or
    a ZIP archive of something else."""
    if not zipfile.is_zipfile(path):
        raise InvalidDocument(f"{path}: not {what}: not a ZIP package (an older format or another file renamed?)")
    with zipfile.ZipFile(path) as archive:
        if member not in archive.namelist():
            raise InvalidDocument(f"{path}: not {what}: a ZIP archive without {member} (another file renamed?)")


def _unique(cells):
    """Cell texts without the repeats python-docx gives for merged cells."""
    seen: list[str] = []
    for text in cells:
        if text and text not in seen:
            seen.append(text)
    return seen
