import codecs
import errno
import os
import random
import textwrap
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
        ("slides.pdf", b"%PDF-1.4", "not a readable PDF file"),
        ("slides.pptx", b"PK\x03\x04", "unsupported"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(tmp_path: Path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidDocument, match=message):
        read_articles(path)


def test_oversized_file_is_rejected(tmp_path: Path):
    path = tmp_path / "huge.txt"
    path.write_text("Zdanie. " * 50, encoding="utf-8")
    with pytest.raises(InvalidDocument, match="limit"):
        read_articles(path, Settings(max_file_mb=0.0001))


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


# --- Files that must never abort, garble or lose text ---------------------------------------------------

_CP1250_UNDEFINED = {0x00, 0x81, 0x83, 0x88, 0x90, 0x98}  # NUL, and the bytes Windows-1250 leaves undefined


def _random_cp1250_bytes(size: int) -> bytes:
    data = bytes(b for b in random.Random(2024).randbytes(size) if b not in _CP1250_UNDEFINED)
    data.decode("cp1250")  # the premise: they decode without error
    return data


def test_random_bytes_that_decode_as_windows_1250_are_rejected_as_not_text(tmp_path: Path):
    path = tmp_path / "dump.txt"
    path.write_bytes(_random_cp1250_bytes(1 << 20))
    with pytest.raises(InvalidDocument, match="not text"):
        read_articles(path)


def test_random_bytes_after_a_long_first_line_are_rejected_as_not_text(tmp_path: Path):
    path = tmp_path / "zrzut.txt"
    first_line = ("Sprawozdanie z dyżuru " * 50)[:1000] + ":"
    path.write_bytes(first_line.encode("cp1250") + b"\n" + _random_cp1250_bytes(1 << 20))
    with pytest.raises(InvalidDocument, match="not text"):
        read_articles(path)


def test_random_printable_bytes_without_control_codes_are_rejected_as_not_text(tmp_path: Path):
    printable = bytes(b for b in _random_cp1250_bytes(1 << 20) if 0x20 <= b < 0x7F or b >= 0xA0)
    path = tmp_path / "szum.txt"
    path.write_bytes(printable.replace(b"~", b"\n"))  # lines, too
    with pytest.raises(InvalidDocument, match="not text \\(hardly a space"):
        read_articles(path)


def test_a_few_control_codes_do_not_make_text_binary(tmp_path: Path):
    path = tmp_path / "stary.txt"
    path.write_text(LONG_ITEM_2 + "\x1a", encoding="utf-8")  # the end-of-file mark of old DOS editors
    [article] = read_articles(path)
    assert article.title == "Szkolenie dla pracowników socjalnych z Tarnowa"


# Written for these tests: every Polish letter, and the six on which Windows-1250 and ISO-8859-2 differ.
POLISH = (
    "Źródła finansowania świetlicy\n\n2025-03-14\n\n"
    "Śląski urząd wojewódzki przyznał ośrodkowi dotację na zajęcia dla dzieci, a Ąbrowska fundacja "
    "dołożyła pieniądze na żywność; księgowa źle wpisała kwotę, ale błąd szybko poprawiono.\n"
)


@pytest.mark.parametrize(
    "raw",
    [
        POLISH.encode("utf-8"),
        POLISH.encode("utf-8-sig"),
        codecs.BOM_UTF16_LE + POLISH.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + POLISH.encode("utf-16-be"),
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16-le with BOM", "utf-16-be with BOM"],
)
def test_unicode_files_are_decoded_exactly_and_without_warnings(tmp_path: Path, raw: bytes):
    path = tmp_path / "zrodla.txt"
    path.write_bytes(raw)
    warnings: list[str] = []
    assert reader.read_text(path, warnings) == POLISH
    articles = read_articles(path)
    assert [(a.title, a.date) for a in articles] == [("Źródła finansowania świetlicy", "2025-03-14")]
    assert "Śląski" in articles[0].text and articles.warnings == [] and warnings == []


@pytest.mark.parametrize("codec, name", [("cp1250", "Windows-1250"), ("iso-8859-2", "ISO-8859-2")])
def test_polish_8bit_code_pages_are_told_apart_by_their_letters_and_named(tmp_path: Path, codec, name):
    path = tmp_path / "zrodla.txt"
    path.write_bytes(POLISH.encode(codec))
    assert POLISH.encode("cp1250") != POLISH.encode("iso-8859-2")  # they differ on ą ś ź Ą Ś Ź
    articles = read_articles(path)
    assert articles[0].title == "Źródła finansowania świetlicy"
    assert "Śląski" in articles[0].text and "Ąbrowska" in articles[0].text
    assert articles.warnings == [f"not UTF-8: read as {name}"]


def test_utf8_with_stray_bytes_is_read_as_utf8_and_the_lines_are_named(tmp_path: Path):
    good = "Ośrodek wydał w styczniu czterdzieści decyzji o zasiłku celowym na opał.\n"
    stray = b"\xb3\xea"  # two Windows-1250 letters in a UTF-8 file: not UTF-8
    raw = (good * 6).encode() + "Pismo z urzędu trafiło do ".encode() + stray + " kierowniczki działu.\n".encode()
    path = tmp_path / "mieszany.txt"
    path.write_bytes(raw)
    [article] = read_articles(path)
    assert article.text.startswith("Ośrodek wydał")  # not "OĹ›rodek": the file is not read as Windows-1250
    assert "Pismo z urzędu trafiło do \ufffd\ufffd kierowniczki działu." in article.text
    assert read_articles(path).warnings == ["line 7: bytes that are not UTF-8 were replaced by �"]


def test_a_utf16_byte_order_mark_over_broken_utf16_is_rejected_with_a_reason(tmp_path: Path):
    path = tmp_path / "urwany.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "Zdanie.".encode("utf-16-le")[:-1])  # an odd byte count
    with pytest.raises(InvalidDocument, match="not UTF-16-LE text"):
        read_articles(path)


def test_an_unreadable_file_is_rejected_with_a_reason(tmp_path: Path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = _write(tmp_path, LONG_ITEM_1)
    path.chmod(0)
    try:
        with pytest.raises(InvalidDocument, match="permission denied"):
            read_articles(path)
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize(
    "error, message",
    [
        (OSError(errno.EIO, "Input/output error"), "cannot be read \\(Input/output error\\)"),
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),  # chmod 000, run as root too
    ],
)
def test_an_error_while_reading_is_rejected_with_a_reason(tmp_path: Path, monkeypatch, error, message):
    path = _write(tmp_path, LONG_ITEM_1)
    real_read_bytes = Path.read_bytes

    def failing_read_bytes(self):
        if self == path:
            raise error
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", failing_read_bytes)
    with pytest.raises(InvalidDocument, match=message):
        read_articles(path)


def test_a_folder_or_a_link_loop_is_not_a_file(tmp_path: Path):
    folder = tmp_path / "teczka.txt"
    folder.mkdir()
    loop = tmp_path / "petla.txt"
    loop.symlink_to(loop)
    for path in (folder, loop):
        with pytest.raises(InvalidDocument, match="not a file"):
            read_articles(path)


def test_unsupported_reason_names_the_type_and_the_supported_ones():
    supported = ".txt, .md, .pdf, .docx, .odt, .html, .htm, .png, .jpg, .jpeg, .tif, .tiff"
    assert reader.unsupported_reason(Path("slajdy.pptx")) == f".pptx: unsupported type (supported: {supported})"
    assert reader.unsupported_reason(Path("README")) == f"no extension: unsupported type (supported: {supported})"
    assert reader.unsupported_reason(Path("notatka.TXT")) is None
    assert reader.unsupported_reason(Path("opis.md")) is None
    assert reader.unsupported_reason(Path("SKAN.PDF")) is None


# --- Hard-wrapped prose (written for these tests) -------------------------------------------------------

WRAPPED_PARAGRAPHS = [
    (
        "Od marca w dawnej świetlicy przy ulicy Fieldorfa działa klub sąsiedzki, w którym mieszkańcy w każdym "
        "wieku mogą wypić herbatę, zagrać w szachy albo poprosić pracownika socjalnego o radę w sprawie zasiłku "
        "lub mieszkania."
    ),
    (
        "W środy i piątki studenci pedagogiki pomagają dzieciom w odrabianiu lekcji, a po zajęciach wszyscy "
        "razem przygotowują prosty podwieczorek z produktów przekazanych przez okoliczne piekarnie."
    ),
]
CONTACT = "Klub Sąsiedzki Prądnik\nul. Fieldorfa 7\n31-209 Kraków\ntel. 12 345 67 89\n"


def _wrapped_page(width: int = 72) -> str:
    first, second = (textwrap.fill(p, width) for p in WRAPPED_PARAGRAPHS)
    return f"Klub sąsiedzki na Prądniku Białym\n\n{first}\n\nZajęcia dla dzieci\n\n{second}\n\nKontakt\n\n{CONTACT}"


@pytest.mark.parametrize("width", [60, 72, 80])
def test_hard_wrapped_paragraphs_are_joined_and_keep_their_offsets(tmp_path: Path, width):
    page = _wrapped_page(width)
    assert max(len(line) for line in page.splitlines()) <= width
    [article] = read_articles(_write(tmp_path, page))
    assert article.title == "Klub sąsiedzki na Prądniku Białym"
    assert WRAPPED_PARAGRAPHS[0] in article.text and WRAPPED_PARAGRAPHS[1] in article.text
    original = page[article.start_char : article.end_char]
    assert len(article.text) == len(original)
    differ = [i for i, c in enumerate(original) if c != article.text[i]]
    assert differ and all(original[i] == "\n" and article.text[i] == " " for i in differ)  # breaks read as spaces
    [section] = article.sections
    assert section.name == "Zajęcia dla dzieci" and page[section.start_char :].startswith("Zajęcia dla dzieci\n")


def test_lines_of_an_address_in_a_hard_wrapped_file_stay_lines(tmp_path: Path):
    [article] = read_articles(_write(tmp_path, _wrapped_page()))
    assert article.text.endswith(CONTACT.rstrip("\n"))


def test_hard_wrapped_prose_without_a_title_is_read(tmp_path: Path):
    page = "\n\n".join(textwrap.fill(p, 72) for p in WRAPPED_PARAGRAPHS) + "\n"
    [article] = read_articles(_write(tmp_path, page))
    assert article.title == "" and article.text == "\n\n".join(WRAPPED_PARAGRAPHS)  # textwrap broke at spaces


def test_hard_wrapped_windows_line_ends_are_joined_too(tmp_path: Path):
    page = _wrapped_page().replace("\n", "\r\n")
    path = tmp_path / "okno.txt"
    path.write_bytes(page.encode())
    [article] = read_articles(path)
    assert " ".join(WRAPPED_PARAGRAPHS[1].split()) in " ".join(article.text.split())
    assert len(article.text) == article.end_char - article.start_char
    assert article.sections[0].name == "Zajęcia dla dzieci"


def test_a_list_of_short_lines_is_not_taken_for_wrapped_prose(tmp_path: Path):
    page = (
        "Plan tygodnia w klubie seniora\n\n2025-04-07\n\n"
        "Opiekunki klubu przygotowały na ten tydzień cztery rodzaje zajęć.\n\n"
        "Poniedziałek – gimnastyka przy muzyce w sali na parterze budynku\n"
        "Wtorek – warsztaty komputerowe dla początkujących prowadzi Anna\n"
        "Środa – wyjście do biblioteki dzielnicowej i wspólne czytanie\n"
        "Czwartek – spotkanie z pielęgniarką środowiskową o lekach\n\n"
        "Na każde zajęcia trzeba się zapisać u opiekunki klubu dzień wcześniej.\n"
    )
    [article] = read_articles(_write(tmp_path, page))
    assert "budynku\nWtorek" in article.text and "Anna\nŚroda" in article.text


def test_titles_over_date_lines_start_articles_in_a_hard_wrapped_page_without_blank_lines(tmp_path: Path):
    first, second = (textwrap.fill(p, 72) for p in WRAPPED_PARAGRAPHS)
    page = (
        f"Klub sąsiedzki na Prądniku Białym otwarty dla wszystkich mieszkańców\n2025-03-01\n{first}\n"
        f"Korepetycje dla dzieci ze szkoły podstawowej numer siedem w dzielnicy\n2025-03-08\n{second}\n"
    )
    articles = read_articles(_write(tmp_path, page))
    assert [(a.title, a.date, a.text) for a in articles] == [
        ("Klub sąsiedzki na Prądniku Białym otwarty dla wszystkich mieszkańców", "2025-03-01", WRAPPED_PARAGRAPHS[0]),
        ("Korepetycje dla dzieci ze szkoły podstawowej numer siedem w dzielnicy", "2025-03-08", WRAPPED_PARAGRAPHS[1]),
    ]
