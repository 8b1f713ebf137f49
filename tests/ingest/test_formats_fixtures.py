"""Builders of the format tests' fixture files (PDF, DOCX, ODT, HTML, scans), with Polish sentences
written for these tests; the OCR and format benchmarks build their files with them too."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

FONT_PLACES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),  # Debian fonts-dejavu-core
    *Path(__file__).resolve().parents[2].glob(".venv/lib/python3*/site-packages/matplotlib/mpl-data/fonts/ttf/DejaVuSans.ttf"),
)

PDF_PAGES = (
    ("Dyżury pracowników socjalnych w Wieliczce", "2024-03-11",
     "Od marca pracownicy socjalni naszego ośrodka pełnią dyżury w filii urzędu gminy w Wieliczce. "
     "Mieszkańcy mogą tam złożyć wniosek o zasiłek okresowy bez wizyty w siedzibie ośrodka. "
     "Dyżur odbywa się w każdy wtorek od godziny dziewiątej do piętnastej."),
    ("Punkt konsultacyjny dla seniorów na Lipowej", "2024-04-02",
     "W kwietniu otwarto punkt konsultacyjny dla seniorów w bibliotece przy ulicy Lipowej. "
     "W każdy czwartek dyżuruje tam psycholog, który pomaga osobom starszym w sprawach opieki i samotności. "
     "Z porad można korzystać bez wcześniejszego zapisu."),
)
DOCX_TITLE = "Program wsparcia opiekunów osób niesamodzielnych"
DOCX_PARAGRAPHS = (
    "Program wsparcia opiekunów osób niesamodzielnych ruszył w dniu 5 czerwca 2024 roku w czterech dzielnicach.",
    "Opiekunowie mogą skorzystać z ośmiu godzin opieki wytchnieniowej miesięcznie, w czasie której ich bliskimi "
    "zajmuje się przeszkolona opiekunka z ośrodka.",
)
DOCX_TABLE = (("Dzielnica", "Liczba miejsc"), ("Podgórze", "12"), ("Nowa Huta", "9"))
ODT_TITLE, ODT_DATE = "Klub integracji społecznej w Bieżanowie", "2023-10-17"
ODT_PARAGRAPHS = (
    "Klub integracji społecznej w Bieżanowie prowadzi warsztaty stolarskie dla osób długotrwale bezrobotnych.",
    "Uczestnicy wykonali w tym roku czterdzieści ławek do parków osiedlowych. Zajęcia prowadzi emerytowany "
    "nauczyciel zawodu, który przez trzydzieści lat uczył w technikum drzewnym.",
)
HTML_TITLE, HTML_DATE = "Bank żywności przekazał paczki rodzinom", "2023-12-19"
HTML_PARAGRAPHS = (
    "W grudniu bank żywności przekazał czterysta paczek rodzinom objętym pomocą naszego ośrodka. "
    "Paczki rozwozili wolontariusze z pobliskiego liceum, którzy poświęcili na to trzy popołudnia.",
    "W paczkach znalazły się produkty o długim terminie przydatności, a także słodycze dla dzieci "
    "przekazane przez lokalną piekarnię.",
)
HTML_CHROME = ("Strona główna", "Ta strona używa plików cookies", "zbieraj_dane_uzytkownika", "Wszelkie prawa zastrzeżone")
SCAN_TITLE, SCAN_DATE = "Zbiórka odzieży zimowej w Swoszowicach", "2024-01-20"
SCAN_TEXT = (
    "Mieszkańcy Swoszowic zebrali ponad dwieście kurtek i swetrów dla osób w kryzysie bezdomności. "
    "Odzież trafiła do noclegowni przy ulicy Makowej, gdzie wydają ją pracownicy schroniska."
)


def polish_font() -> Path:
    """A TrueType font with Polish letters, or the test is skipped saying what to install."""
    for place in FONT_PLACES:
        if place.is_file():
            return place
    pytest.skip("no DejaVuSans.ttf for Polish fixture text (apt-get install fonts-dejavu-core)")


def require_tesseract() -> None:
    from ingest.formats.ocr import Ocr

    if missing := Ocr().missing():
        pytest.skip(f"OCR test: {missing}")


def make_pdf(path: Path, pages=PDF_PAGES, title: str = "", scanned: dict[int, Path] | None = None) -> Path:
    """One page per (heading, date, text); ``scanned`` maps a page number to an image drawn instead of text."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(polish_font()))
    if title:
        pdf.set_title(title)
    for number, (heading, date, text) in enumerate(pages, start=1):
        pdf.add_page()
        if scanned and number in scanned:
            pdf.image(str(scanned[number]), x=0, y=0, w=pdf.w)
            continue
        pdf.set_font("DejaVu", size=16)
        pdf.multi_cell(0, 9, heading)
        pdf.set_font("DejaVu", size=11)
        pdf.ln(4)
        pdf.multi_cell(0, 6, date)
        pdf.ln(4)
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def render_page(path: Path, lines: list[str], size: int = 28) -> Path:
    """Polish text drawn on a white page, as a scanner would give it (about 150 dpi, A4-ish)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(polish_font()), size)
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    y = 100
    for line in lines:
        draw.text((90, y), line, font=font, fill=0)
        y += int(size * 1.6) if line else size
    image.save(path, dpi=(150, 150))
    return path


def scan_lines(title: str = SCAN_TITLE, date: str = SCAN_DATE, text: str = SCAN_TEXT, width: int = 62) -> list[str]:
    return [title, "", date, "", *textwrap.wrap(text, width)]


def make_docx(path: Path, title_property: str = "Program opiekunów") -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = title_property
    document.add_heading(DOCX_TITLE, level=1)
    for paragraph in DOCX_PARAGRAPHS:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=0, cols=2)
    for row in DOCX_TABLE:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = row
    document.save(str(path))
    return path


def make_odt(path: Path, title_property: str = "Klub w Bieżanowie") -> Path:
    from odf import dc, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.meta.addElement(dc.Title(text=title_property))
    document.text.addElement(text.H(outlinelevel=1, text=ODT_TITLE))
    document.text.addElement(text.P(text=ODT_DATE))
    for paragraph in ODT_PARAGRAPHS:
        document.text.addElement(text.P(text=paragraph))
    document.save(str(path))
    return path


def make_html(path: Path) -> Path:
    """An article inside a site's menu, cookie banner, script and footer."""
    menu, cookies, script, footer = HTML_CHROME
    body = "".join(f"<p>{p}</p>" for p in HTML_PARAGRAPHS)
    path.write_text(f"""<!DOCTYPE html><html lang="pl"><head><meta charset="utf-8">
<title>{HTML_TITLE} – Ośrodek Pomocy</title><script>var {script} = 1;</script></head><body>
<nav><ul><li><a href="/">{menu}</a></li><li><a href="/a">Aktualności</a></li><li><a href="/k">Kontakt</a></li></ul></nav>
<div id="cookie-banner" class="cookie-consent">{cookies}. <button>Akceptuję</button></div>
<main><article><h1>{HTML_TITLE}</h1><time datetime="{HTML_DATE}">{HTML_DATE}</time>{body}</article></main>
<footer><p>© 2024 Ośrodek Pomocy Społecznej. {footer}.</p></footer>
<script>document.write("{script}");</script></body></html>""", encoding="utf-8")
    return path



def library(tmp_path: Path, model_dir, files: dict[str, callable]):
    """Settings on a fresh store, and a folder holding the files built by ``files`` (name → builder)."""
    from rag.config import Settings

    folder = tmp_path / "docs"
    folder.mkdir()
    for name, build in files.items():
        build(folder / name)
    return Settings.load(data_dir=tmp_path / "data", model_dir=model_dir, chroma_host=""), folder


def indexed_library(tmp_path: Path, model_dir, name: str, build) -> tuple:
    """``library`` with the file under test beside a plain-text neighbour, indexed: (settings, folder).
    The neighbour makes the question's citation a choice between two documents."""
    from ingest.indexer import Indexer

    settings, folder = library(tmp_path, model_dir, {name: build, "szkolenie.txt": write_text(NEIGHBOUR)})
    report = Indexer(settings, progress=False).run([folder])
    assert not report.errors and len(report.added) == 2
    return settings, folder


def stored_chunks(settings, name: str | None = None) -> list:
    """The store's chunks (of the file ``name`` only, when given), in file order."""
    from rag.embedding import model_fingerprint
    from rag.store import ChunkStore

    chunks = ChunkStore(settings, model_fingerprint(settings)).all_chunks()
    chunks = [c for c in chunks if name is None or c.metadata["source"] == name]
    return sorted(chunks, key=lambda c: (c.metadata["source"], c.metadata["article"], c.metadata["chunk"]))


def write_text(text: str):
    """A builder for a plain-text neighbour, so that retrieval has more than one file to choose from."""
    return lambda path: path.write_text(text, encoding="utf-8")


NEIGHBOUR = (
    "Szkolenie z pierwszej pomocy dla opiekunek\n\n2022-09-06\n\n"
    "We wrześniu opiekunki środowiskowe przeszły szkolenie z pierwszej pomocy prowadzone przez ratowników "
    "medycznych. Każda uczestniczka ćwiczyła resuscytację na fantomie i otrzymała certyfikat ważny dwa lata.\n"
)
