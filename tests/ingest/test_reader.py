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


# --- Pages written for these tests (not taken from the corpus) ---------------------------------------

LONG_ITEM_1 = (
    "Nowy punkt porad dla seniorów na Podgórzu\n\n2024-02-12\n\n"
    "Od poniedziałku seniorzy z Podgórza mogą bezpłatnie skorzystać z porad prawnika i psychologa "
    "w nowym punkcie przy ulicy Zamojskiego, czynnym trzy razy w tygodniu.\n\n"
    "Pracownicy punktu pomagają również wypełniać wnioski o dodatki, a w razie potrzeby umawiają "
    "wizytę domową u osób, które nie wychodzą z mieszkania.\n\n"
)
SHORT_ITEM = "Podziękowania od wolontariuszy\n\n2024-02-20\n\nWolontariusze przysłali nam kartkę z życzeniami.\n\n"
LONG_ITEM_2 = (
    "Szkolenie dla pracowników socjalnych z Tarnowa\n\n2024-03-01\n\n"
    "W marcu dwudziestu pracowników socjalnych z Tarnowa uczestniczyło w dwudniowym szkoleniu "
    "o pracy z rodzinami przeżywającymi kryzys, prowadzonym przez doświadczonych asystentów rodziny.\n"
)

FURNITURE = (
    "Serwis informacyjny ośrodka\n"
    "Wersja do druku\n\n"
    "Zbiórka darów dla schroniska\n\n2024-01-15\n\n"
    "W styczniu pracownicy ośrodka zebrali koce, karmę i środki czystości dla schroniska dla zwierząt, "
    "a dary zawieźli tam wspólnie z uczniami pobliskiej szkoły.\n"
)


def _write(tmp_path: Path, text: str, name: str = "strona.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_one_sentence_item_between_two_long_items_is_an_article(tmp_path: Path):
    articles = read_articles(_write(tmp_path, LONG_ITEM_1 + SHORT_ITEM + LONG_ITEM_2))
    assert [(a.title, a.date) for a in articles] == [
        ("Nowy punkt porad dla seniorów na Podgórzu", "2024-02-12"),
        ("Podziękowania od wolontariuszy", "2024-02-20"),
        ("Szkolenie dla pracowników socjalnych z Tarnowa", "2024-03-01"),
    ]
    assert articles[1].text == "Wolontariusze przysłali nam kartkę z życzeniami."
    assert "kartkę" not in articles[0].text and "kartkę" not in articles[2].text
    assert articles.skipped == []


def test_short_item_on_an_undated_page_is_split_by_the_date_opening_its_paragraph(tmp_path: Path):
    page = (
        "Odwiedziny uczniów z Wieliczki\n\n"
        "W dniu 4 kwietnia br. odwiedziła nas klasa z Wieliczki, która poznała pracę ośrodka i rozmawiała "
        "z pracownikami działu pomocy bezdomnym o ich codziennych obowiązkach.\n\n"
        "Kwiaty od sąsiadów\n\n"
        "W dniu 6 kwietnia br. sąsiedzi przynieśli nam kwiaty.\n\n"
        "Rada seniorów w ośrodku\n\n"
        "W dniu 9 kwietnia br. zebrała się u nas dzielnicowa rada seniorów, aby omówić plan letnich zajęć "
        "w klubach i wycieczek dla mieszkańców dzielnicy.\n"
    )
    articles = read_articles(_write(tmp_path, page))
    assert [(a.title, a.date_text) for a in articles] == [
        ("Odwiedziny uczniów z Wieliczki", "4 kwietnia br."),
        ("Kwiaty od sąsiadów", "6 kwietnia br."),
        ("Rada seniorów w ośrodku", "9 kwietnia br."),
    ]


def test_subheadings_are_sections_of_their_article(tmp_path: Path, sectioned_page):
    path = _write(tmp_path, sectioned_page)
    [article] = read_articles(path)
    assert article.title == "Warsztaty dla asystentów rodziny w Nowym Sączu" and article.date == "2023-11-08"
    assert [s.name for s in article.sections] == ["Przebieg warsztatów", "Prowadzący"]
    text = path.read_text(encoding="utf-8")
    first, second = article.sections
    assert text[first.start_char : first.end_char].startswith("Przebieg warsztatów\n")
    assert "zaświadczenie" in text[first.start_char : first.end_char]
    assert text[second.start_char : second.end_char].startswith("Prowadzący\n")
    assert second.end_char == article.end_char
    assert "Przebieg warsztatów" in article.text and "superwizorki" in article.text
    intro = text.index("Na początku"), text.index("Przebieg warsztatów") - 2
    assert article.section_for(*intro) == ""
    assert article.section_for(text.index("Zajęcia prowadziły"), article.end_char) == "Prowadzący"


def test_subheading_of_an_undated_card_keeps_the_cards_labelled_title(tmp_path: Path):
    card = (
        "Nazwa programu: Sąsiedzka pomoc\n\n"
        "Cel programu\n\n"
        "Program ma zachęcić mieszkańców bloków do drobnej pomocy starszym sąsiadom, takiej jak zakupy, "
        "wyprowadzenie psa albo wspólny spacer do przychodni.\n"
    )
    [article] = read_articles(_write(tmp_path, card))
    assert article.title == "Sąsiedzka pomoc"
    assert [s.name for s in article.sections] == ["Cel programu"]
    assert read_articles(_write(tmp_path, card)).skipped == []


def test_page_furniture_is_skipped_and_counted(tmp_path: Path):
    articles = read_articles(_write(tmp_path, FURNITURE))
    assert [a.title for a in articles] == ["Zbiórka darów dla schroniska"]
    assert articles.skipped == ["Serwis informacyjny ośrodka", "Wersja do druku"]
    assert articles.skipped_lines == 2
    assert articles.skipped_chars == len("Serwis informacyjny ośrodka") + len("Wersja do druku")
    assert "Wersja do druku" not in articles[0].text


def test_a_lone_line_without_a_sentence_is_not_an_article(tmp_path: Path):
    with pytest.raises(InvalidDocument, match="no readable text"):
        read_articles(_write(tmp_path, "Dokument w przygotowaniu\n"))


def test_shipped_corpus_titles_are_unchanged():
    titles = {path.name: [a.title for a in read_articles(path)] for path in sorted(CORPUS.glob("*.txt"))}
    assert titles == {
        "000_62ba01a90f8b1689.txt": ["Wizyta przedstawicieli Miasta Krakowa we Frankfurcie nad Menem"],
        "001_929db67eac1df9a9.txt": ["Wizyta delegacji z Frankfurtu nad Menem"],
        "002_46c2193e86045651.txt": [
            "Wizyta gości z Czech w ramach projektu „Współpraca międzynarodowa służb społecznych”",
            "Studenci z Francji w Dziale Pomocy Bezdomnym",
            "Spotkanie z delegacją z Oslo",
            "Spotkanie z grupą studentów z USA",
            "Spotkanie robocze w Brukseli",
            "Spotkanie z delegacją z Trondheim",
        ],
        "003_b7f456fd93069dff.txt": ["Rodzicu, nie jesteś sam!"],
        "004_ac26b839f74d7d28.txt": [
            "Kraków w międzynarodowym gronie dzieli się dobrymi praktykami w zakresie polityki rodzinnej"
        ],
    }


def test_shipped_corpus_furniture_is_counted():
    skipped = {path.name: read_articles(path).skipped for path in sorted(CORPUS.glob("*.txt"))}
    assert skipped["002_46c2193e86045651.txt"] == [
        "Archiwum BIP MJO - Miejski Ośrodek Pomocy Społecznej",
        "Dokument archiwalny",
    ]
    assert all(not lines for name, lines in skipped.items() if not name.startswith("002"))


def test_a_title_with_a_colon_over_a_date_line_starts_an_article(tmp_path):
    page = tmp_path / "szkolenia.txt"
    page.write_text(
        "Warsztaty w Opolu: praca z rodziną zastępczą\n\n2031-05-04\n\n"
        "Czternastu pracowników socjalnych ćwiczyło przez dwa dni rozmowy z rodzinami zastępczymi i ich podopiecznymi.\n\n"
        "Koordynator: Jan Nowicki\n\n"
        "Spotkanie sieci partnerów: Brno i Opawa\n\n2031-06-11\n\n"
        "Przedstawiciele trzech miast uzgodnili wspólny plan szkoleń dla opiekunów osób starszych na kolejny rok.\n",
        encoding="utf-8",
    )
    articles = read_articles(page)
    assert [(a.title, a.date) for a in articles] == [
        ("Warsztaty w Opolu: praca z rodziną zastępczą", "2031-05-04"),
        ("Spotkanie sieci partnerów: Brno i Opawa", "2031-06-11"),
    ]
