"""Sentence evidence: does a sentence name what is asked for, or only repeat the question?"""

from rag.evidence import SentenceScorer
from rag.lexical import PolishAnalyzer

QUESTION = "Które szpitale biorą udział w projekcie?"


def _echoes(sentence: str) -> bool:
    analyzer = PolishAnalyzer()
    scorer = SentenceScorer(embed_model=None, analyzer=analyzer, idf={})
    asked = {t for group in analyzer.query_term_groups(QUESTION) for t in group}
    return scorer._echoes(sentence, frozenset({"szpital"}), asked)


def test_sentence_that_mentions_the_focus_only_in_the_questions_words_echoes_it():
    assert _echoes("Model zostanie wdrożony w szpitalach biorących udział w Projekcie.")


def test_sentence_that_names_the_focus_does_not_echo_it():
    assert not _echoes("W projekcie biorą udział szpitale Uniwersytecki i Żeromskiego.")


# --- bounded caches --------------------------------------------------------------------------------

def _evidence(texts: list[str]):
    from rag.evidence import Evidence, Sentence
    from rag.types import Passage

    passage = Passage(chunk_id="c1", text=" ".join(texts), source="a.txt", title="Tytuł", date="", date_text="",
                      article=0, start_char=0, end_char=0)
    evidence = Evidence(part=None, lang="pl", passages=[passage])
    evidence.sentences = [Sentence(text=t, passage=passage, rank=0, position=i) for i, t in enumerate(texts)]
    return evidence


def test_the_scorers_caches_stay_within_their_size_and_give_the_same_vectors_after_eviction():
    vectors = {"Pierwsze zdanie.": [1.0, 0.0], "Drugie zdanie.": [0.0, 1.0], "Trzecie zdanie.": [0.6, 0.8]}
    fetched = []

    def stored(chunk_ids):
        fetched.append(chunk_ids)
        return dict(vectors)

    scorer = SentenceScorer(embed_model=None, analyzer=PolishAnalyzer(), idf={}, stored_vectors=stored, cache_entries=2)
    first = scorer._vectors_for(_evidence(list(vectors)))
    again = scorer._vectors_for(_evidence(list(vectors)))  # one was evicted: read from the store again
    assert len(scorer._vectors) == 2 and len(fetched) == 2
    assert [v.tolist() for v in first] == [v.tolist() for v in again] == [[1.0, 0.0], [0.0, 1.0],
                                                                           [0.6000000238418579, 0.800000011920929]]
    for text in ("Ośrodek", "Delegacja", "Projekt"):
        scorer.terms(text)
    assert len(scorer._terms) == 2
