from pathlib import Path

import pytest

from ingest import reader
from ingest.reader import read_articles
from rag.config import Settings
from rag.errors import InvalidDocument

CORPUS = Settings().corpus_dir
ARCHIVE = CORPUS / "002_46c2193e86045651.txt"


def test_archive_page_is_split_into_one_article_per_visit():
    titles = [a.title for a in read_articles(ARCHIVE)]
    assert titles == [
        "Wizyta gości z Czech w ramach projektu „Współpraca międzynarodowa służb społecznych”",
        "Studenci z Francji w Dziale Pomocy Bezdomnym",
        "Spotkanie z delegacją z Oslo",
        "Spotkanie z grupą studentów z USA",
        "Spotkanie robocze w Brukseli",  # glued to the previous sentence in the source
        "Spotkanie z delegacją z Trondheim",
    ]


def test_no_article_text_mixes_two_visits():
    articles = read_articles(ARCHIVE)
    oslo = next(a for a in articles if "Oslo" in a.title)
    assert "Oslo" in oslo.text and "Trondheim" not in oslo.text and "Francji" not in oslo.text
    usa = next(a for a in articles if "USA" in a.title)
    assert "Brukseli" not in usa.text


def test_article_offsets_point_into_the_source_file():
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for article in read_articles(path):
            assert text[article.start_char : article.end_char] == article.text


def test_relative_dates_are_kept_as_written_never_guessed():
    oslo = next(a for a in read_articles(ARCHIVE) if "Oslo" in a.title)
    assert oslo.date == ""
    assert oslo.date_text == "13 września br."


def test_iso_date_line_under_the_title_is_the_article_date():
    [article] = read_articles(CORPUS / "001_929db67eac1df9a9.txt")
    assert article.title == "Wizyta delegacji z Frankfurtu nad Menem"  # Markdown stripped
    assert article.date == "2022-09-20"


def test_labelled_first_line_gives_the_title_of_an_untitled_document():
    [article] = read_articles(CORPUS / "003_b7f456fd93069dff.txt")
    assert article.title == "Rodzicu, nie jesteś sam!"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", b"   \n\n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("slides.pdf", b"%PDF-1.4", "unsupported"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(tmp_path: Path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidDocument, match=message):
        read_articles(path)


def test_oversized_file_is_rejected(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 100)
    path = tmp_path / "huge.txt"
    path.write_text("Zdanie. " * 50, encoding="utf-8")
    with pytest.raises(InvalidDocument, match="limit"):
        read_articles(path)


def test_windows_1250_text_is_decoded(tmp_path: Path):
    path = tmp_path / "stary.txt"
    path.write_bytes("Wizyta w Krakowie odbyła się w dniu 2 lutego 2012 roku, z udziałem gości z Czech i Słowacji.".encode("cp1250"))
    [article] = read_articles(path)
    assert "odbyła" in article.text and article.date == "2012-02-02"
