from pathlib import Path

from llama_index.core.schema import MetadataMode

from ingest.chunking import chunk_file, corpus_files
from rag.corpus import SPELLINGS_KEY, TERMS_KEY, VOCABULARY_KEY, ChunkAnalysis
from rag.embedding import model_tokenizer
from rag.lexical import PolishAnalyzer


def test_every_chunk_fits_the_embedding_models_window(base_settings):
    count = model_tokenizer(base_settings)
    for path in corpus_files(base_settings.corpus_dir):
        for node in chunk_file(path, base_settings):
            embedded = node.get_content(metadata_mode="embed")
            assert len(count(base_settings.passage_prefix + embedded)) + 2 <= 512


def test_chunks_are_sized_by_model_tokens_not_characters(base_settings):
    count = model_tokenizer(base_settings)
    sizes = [len(count(n.text)) for p in corpus_files(base_settings.corpus_dir) for n in chunk_file(p, base_settings)]
    assert max(sizes) <= base_settings.chunk_tokens


def test_chunks_record_their_section_and_keep_the_articles_title_and_date(base_settings, tmp_path: Path, sectioned_page):
    path = tmp_path / "warsztaty.txt"
    path.write_text(sectioned_page, encoding="utf-8")
    nodes = chunk_file(path, base_settings.replace(chunk_tokens=60, chunk_overlap=0))
    assert len(nodes) >= 3
    assert {(n.metadata["title"], n.metadata["date"]) for n in nodes} == {
        ("Warsztaty dla asystentów rodziny w Nowym Sączu", "2023-11-08")
    }
    sections = [n.metadata["section"] for n in nodes]
    assert sections[0] == "" and sections[-1] == "Prowadzący" and "Przebieg warsztatów" in sections
    assert sections == sorted(sections, key=["", "Przebieg warsztatów", "Prowadzący"].index)
    by_text = {n.metadata["section"]: n.text for n in nodes}
    assert "superwizorki" in by_text["Prowadzący"] and "Nowego Sącza" in by_text[""]
    for node in nodes:  # bookkeeping only: the vector and a generator see the title and date, not the section
        assert "section" in node.excluded_embed_metadata_keys and "section" in node.excluded_llm_metadata_keys
        shown = node.get_metadata_str(MetadataMode.EMBED)
        assert "Nowym Sączu" in shown and "Przebieg" not in shown and "Prowadzący" not in shown


def test_shipped_corpus_chunks_have_a_section_key(base_settings):
    for path in corpus_files(base_settings.corpus_dir):
        assert all("section" in n.metadata for n in chunk_file(path, base_settings))


def test_a_long_first_line_is_text_not_a_title_and_the_file_chunks(base_settings, tmp_path: Path):
    first_line = (("Na posiedzeniu zespołu interdyscyplinarnego omówiono sytuację rodzin objętych "
                   "procedurą, plan wizyt i podział zadań między pracowników, ") * 10)[:1000] + ":"
    assert len(first_line) == 1001
    path = tmp_path / "protokol.txt"
    path.write_text(
        f"{first_line}\n\nPracownik socjalny odwiedzi każdą z rodzin przed końcem miesiąca i sporządzi notatkę "
        "z wizyty, którą przekaże koordynatorce zespołu.\n",
        encoding="utf-8",
    )
    nodes = chunk_file(path, base_settings)
    assert nodes and {n.metadata["title"] for n in nodes} == {""}
    joined = " ".join(n.text for n in nodes)
    assert "zespołu interdyscyplinarnego" in joined and "sporządzi notatkę" in joined


def test_a_title_too_long_for_the_chunk_is_shortened_in_the_embedded_metadata(base_settings, tmp_path: Path):
    title = ("Sprawozdanie z realizacji programu wsparcia dla opiekunów osób niesamodzielnych w dzielnicach "
             "Krowodrza, Bronowice i Prądnik Biały")
    path = tmp_path / "sprawozdanie.txt"
    path.write_text(
        f"{title}\n\n2025-02-03\n\nW pierwszym półroczu z programu skorzystało osiemdziesięciu opiekunów, "
        "którzy otrzymali pomoc wytchnieniową i porady pielęgniarki. Wszyscy ocenili zajęcia dobrze.\n",
        encoding="utf-8",
    )
    settings = base_settings.replace(chunk_tokens=30, chunk_overlap=0)
    count = model_tokenizer(settings)
    assert len(count(f"{title}\n2025-02-03")) > settings.chunk_tokens  # the splitter would have raised
    nodes = chunk_file(path, settings)
    assert nodes
    for node in nodes:
        shown = node.get_metadata_str(MetadataMode.EMBED)
        assert len(count(shown)) <= settings.chunk_tokens // 2
        shortened = node.metadata["title"]
        assert shortened.endswith("…") and title.startswith(shortened[:-1]) and shortened.startswith("Sprawozdanie")
        assert shown.endswith("2025-02-03") and node.metadata["date"] == "2025-02-03"
    assert "osiemdziesięciu opiekunów" in " ".join(n.text for n in nodes)


def test_the_stored_corpus_analysis_is_kept_out_of_the_vector(base_settings, tmp_path: Path, sectioned_page):
    path = tmp_path / "warsztaty.txt"
    path.write_text(sectioned_page, encoding="utf-8")
    nodes = chunk_file(path, base_settings.replace(chunk_tokens=60, chunk_overlap=0))
    assert ("uczelniami", "uczelnia") in ChunkAnalysis.stored(nodes[-1].metadata).vocabulary
    for node in nodes:
        assert ChunkAnalysis.stored(node.metadata) == ChunkAnalysis.of(PolishAnalyzer(), node.text)
        for key in (TERMS_KEY, VOCABULARY_KEY, SPELLINGS_KEY):
            assert key in node.excluded_embed_metadata_keys and key in node.excluded_llm_metadata_keys
        assert node.get_metadata_str(MetadataMode.EMBED) == f"{node.metadata['title']}\n{node.metadata['date_text']}"
