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
