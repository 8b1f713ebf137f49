"""Text files under the format layer, and the page and OCR mark carried from chunks to citations."""

from pathlib import Path

from ingest.chunking import chunk_file
from ingest.formats import SUPPORTED_SUFFIXES, extract
from ingest.formats.base import join_wrapped_lines
from rag.config import Settings
from rag.render import locator, render_refusal, render_sources
from rag.types import Citation, Passage

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_text_file_is_one_page_less_text_document(tmp_path: Path):
    path = tmp_path / "notatka.txt"
    path.write_text("Dyżur w sobotę\n\nW sobotę sekretariat ośrodka przyjmuje wnioski do godziny trzynastej.\n",
                    encoding="utf-8")
    extracted = extract(path, Settings())
    assert extracted.text == path.read_text(encoding="utf-8") and extracted.pages.kind == "text"
    assert (extracted.pages.starts, extracted.pages.ocr, extracted.title, extracted.date) == ((), frozenset(), "", "")


def test_shipped_corpus_chunks_are_plain_text_without_pages(base_settings):
    nodes = chunk_file(sorted((PROJECT_ROOT / "data" / "corpus").glob("*.txt"))[0], base_settings)
    assert nodes and {(n.metadata["page"], n.metadata["ocr"], n.metadata["doc_type"]) for n in nodes} == {(0, False, "text")}
    assert {"page", "ocr", "doc_type"} <= set(nodes[0].excluded_embed_metadata_keys)  # bookkeeping, not embedded


def test_every_format_has_one_reader_per_suffix():
    assert len(SUPPORTED_SUFFIXES) == len(set(SUPPORTED_SUFFIXES))
    assert {".txt", ".md", ".pdf", ".docx", ".odt", ".html", ".htm", ".png", ".jpg", ".jpeg", ".tif", ".tiff"} == set(SUPPORTED_SUFFIXES)


def _passage(page: int = 0, ocr: bool = False) -> Passage:
    return Passage(chunk_id="c1", text="Punkt działa w czwartki.", source="dyzury.pdf", title="Punkt dla seniorów",
                   date="2024-04-02", date_text="2024-04-02", article=1, start_char=0, end_char=24,
                   path="/srv/dokumenty/dyzury.pdf", page=page, ocr=ocr)


def test_citation_keeps_the_original_path_page_and_ocr_mark():
    citation = Citation.from_passage(1, _passage(page=3, ocr=True))
    assert (citation.path, citation.page, citation.ocr) == ("/srv/dokumenty/dyzury.pdf", 3, True)


def test_locator_names_the_page_and_ocr_in_the_question_language():
    assert locator(_passage(page=3), "pl") == "s. 3" and locator(_passage(page=3), "en") == "p. 3"
    assert locator(_passage(page=2, ocr=True), "pl") == "s. 2, tekst z OCR"
    assert locator(_passage(ocr=True), "en") == "OCR text" and locator(_passage(), "pl") == ""


def test_source_list_and_refusal_show_the_page():
    citation = Citation.from_passage(1, _passage(page=3))
    assert render_sources([citation], "en").splitlines()[1] == "[1] Punkt dla seniorów (2024-04-02) — dyzury.pdf, p. 3"
    text, _ = render_refusal([_passage(page=3, ocr=True)], "pl")
    assert "- Punkt dla seniorów (2024-04-02; s. 3, tekst z OCR) [1]" in text.splitlines()


def test_layout_line_breaks_inside_a_sentence_are_joined_and_others_kept():
    printed = "Punkt działa w bibliotece przy\nulicy Lipowej, a dyżury pełni współ-\npracownik ośrodka.\nW piątki jest zamknięty.\nKraków-\nPodgórze"
    assert join_wrapped_lines(printed) == ("Punkt działa w bibliotece przy ulicy Lipowej, a dyżury pełni współpracownik "
                                           "ośrodka.\nW piątki jest zamknięty.\nKraków-\nPodgórze")
