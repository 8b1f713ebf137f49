"""HTML: the article only (no menu, cookie banner, script or footer), titled and dated, answerable,
removable; a page over the size limit refused before it is parsed."""

from pathlib import Path

import pytest

from ingest.indexer import Indexer
from ingest.reader import read_articles
from tests.ingest.test_formats_fixtures import (HTML_CHROME, HTML_DATE, HTML_TITLE, indexed_library, library,
                                                make_html, stored_chunks)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, model_dir):
    return indexed_library(tmp_path_factory.mktemp("html"), model_dir, "paczki.html", make_html)


def test_only_the_main_content_is_read_with_its_title_and_date(tmp_path: Path):
    articles = read_articles(make_html(tmp_path / "paczki.html"))
    text = " ".join(a.text for a in articles)
    assert [a.title for a in articles] == [HTML_TITLE] and articles[0].date == HTML_DATE
    assert "czterysta paczek" in text and "słodycze dla dzieci" in text
    assert not [chrome for chrome in HTML_CHROME if chrome in text]  # menu, cookie banner, script, footer


def test_question_is_answered_with_a_citation_to_the_page(indexed):
    from rag.assistant import Assistant

    answer = Assistant(indexed[0]).ask("Ile paczek przekazał bank żywności w grudniu?")
    assert not answer.refused and "czterysta paczek" in answer.answer
    assert {answer.citations[n - 1].source for s in answer.sentences for n in s.citations} == {"paczki.html"}
    assert {c.metadata["doc_type"] for c in stored_chunks(indexed[0], "paczki.html")} == {"html"}


def test_deleting_the_page_removes_its_chunks(tmp_path, model_dir):
    settings, folder = indexed_library(tmp_path, model_dir, "paczki.htm", make_html)
    (folder / "paczki.htm").unlink()
    assert Indexer(settings, progress=False).run([folder]).removed == [str(folder / "paczki.htm")]
    assert {c.metadata["source"] for c in stored_chunks(settings)} == {"szkolenie.txt"}


def test_fifty_megabyte_page_is_refused_before_parsing_and_costs_nothing(tmp_path, model_dir):
    settings, folder = library(tmp_path, model_dir, {"paczki.html": make_html})
    Indexer(settings, progress=False).run([folder])
    before = [c.chunk_id for c in stored_chunks(settings)]
    with (folder / "archiwum.html").open("wb") as page:  # sparse: 50 MB on the size check, none on disk
        page.write(b"<html><body><p>")
        page.truncate(50 * 2**20)
    report = Indexer(settings, progress=False).run([folder])
    assert report.errors == [f"{folder / 'archiwum.html'}: 52 MB is over the 20 MiB limit"]
    assert [c.chunk_id for c in stored_chunks(settings)] == before


def test_page_of_menus_only_has_no_readable_text(tmp_path: Path):
    from rag.errors import InvalidDocument

    path = tmp_path / "menu.html"
    path.write_text("<html><body><nav><a href='/'>Strona główna</a></nav><script>var x=1;</script></body></html>",
                    encoding="utf-8")
    with pytest.raises(InvalidDocument, match="no readable text"):
        read_articles(path)
