from ingest.chunking import chunk_file, corpus_files
from rag.embedding import model_tokenizer


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
