"""HTML: trafilatura keeps the main content only (no menus, cookie banners, scripts or footers) and
finds the page's title and date (htmldate).

Boilerplate removal is the whole difficulty with saved web pages, and trafilatura is the well-kept
library built for it; llama-index's HTML readers (llama-index-readers-file) keep every tag's text,
menus included. The whole page is parsed in memory, so Settings.max_file_mb bounds it.
"""

from __future__ import annotations

from ingest.formats.base import FormatReader, as_path, clean_title, iso_date
from rag.errors import InvalidDocument


class HtmlReader(FormatReader):
    kind, label, suffixes, paged = "html", "HTML", (".html", ".htm"), False

    def load_data(self, file, extra_info=None):
        import trafilatura

        path = as_path(file)
        # Bytes, so that trafilatura honours the page's own <meta charset>.
        result = trafilatura.bare_extraction(path.read_bytes(), include_comments=False, include_tables=True,
                                             with_metadata=True, favor_precision=True,
                                             date_extraction_params={"extensive_search": False})
        if result is None or not (result.text or "").strip():
            raise InvalidDocument(f"{path}: no readable text (no main content found in the page)")
        return [self.page(result.text.strip(), title=clean_title(result.title), date=iso_date(result.date))]
