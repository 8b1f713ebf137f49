"""Sentence vectors made at ingest, with the real embedding model on sentences written for these tests."""

import numpy as np
import pytest
from llama_index.core.schema import MetadataMode, TextNode

from ingest.sentence_vectors import embed_chunks, titled
from rag.config import Settings
from rag.embedding import load_embed_model

PASSAGE = ("Jesienią ośrodek gościł pracowników socjalnych z Wilna, którzy przyjechali na dwa dni. "
           "Najbardziej interesowało ich wsparcie dla opiekunów osób starszych. "
           "Na pożegnanie goście zaprosili krakowski zespół do siebie w przyszłym roku.")


@pytest.fixture(scope="module")
def embed_model(model_dir):
    return load_embed_model(Settings.load(model_dir=model_dir))


def _node(text: str) -> TextNode:
    return TextNode(text=text, metadata={"title": "Goście z Wilna", "date": "2024-10-03"},
                    excluded_embed_metadata_keys=["date"])


def test_passage_vectors_keep_the_chunk_vector_and_cost_no_forward_pass_per_sentence(embed_model, monkeypatch):
    node = _node(PASSAGE)
    titled_way = embed_chunks(embed_model, [node], "title")[0]
    calls = []
    batch = embed_model.get_text_embedding_batch
    monkeypatch.setattr(type(embed_model), "get_text_embedding_batch",
                        lambda self, texts, **kw: calls.append(texts) or batch(texts, **kw))
    late = embed_chunks(embed_model, [node], "passage")[0]

    assert calls == []  # every sentence fits in the passage: no embedding of its own
    assert late.sentences == titled_way.sentences and len(late.sentences) == 3
    assert np.abs(np.array(late.vector) - np.array(titled_way.vector)).max() < 1e-5
    expected = embed_model.get_text_embedding(node.get_content(metadata_mode=MetadataMode.EMBED))
    assert np.abs(np.array(late.vector) - np.array(expected)).max() < 1e-5


def test_a_passage_vector_reads_its_sentence_in_the_passage_around_it(embed_model):
    shared = "Najbardziej interesowało ich wsparcie dla opiekunów osób starszych."
    other = PASSAGE.replace("pracowników socjalnych z Wilna", "studentów pedagogiki z Porto")
    assert shared in PASSAGE and shared in other

    def vector(text: str, how: str) -> np.ndarray:
        chunk = embed_chunks(embed_model, [_node(text)], how)[0]
        return np.array(chunk.sentence_vectors[chunk.sentences.index(shared)])

    assert np.abs(vector(PASSAGE, "title") - vector(other, "title")).max() < 1e-5  # same title, same sentence
    in_context = [vector(PASSAGE, "passage"), vector(other, "passage")]
    assert float(np.dot(*in_context)) < 0.999  # the guests' town and trade changed the sentence's vector
    assert all(abs(np.linalg.norm(v) - 1.0) < 1e-5 for v in in_context)


def test_a_sentence_past_the_model_length_limit_is_embedded_on_its_own(embed_model):
    filler = " ".join(f"Punkt {i} programu omówiono krótko i bez uwag." for i in range(120))
    node = _node(filler + " Ostatnie zdanie mówi, że spotkanie zakończono przed siedemnastą.")
    late = embed_chunks(embed_model, [node], "passage")[0]
    last = late.sentences[-1]

    assert last.startswith("Ostatnie zdanie")
    alone = embed_model.get_text_embedding(titled(node, last))
    assert np.abs(np.array(late.sentence_vectors[-1]) - np.array(alone)).max() < 1e-5


def test_an_unknown_way_is_refused_with_the_choices(embed_model):
    with pytest.raises(ValueError, match="passage"):
        embed_chunks(embed_model, [_node(PASSAGE)], "words")
