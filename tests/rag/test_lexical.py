"""Polish keyword analysis: inflection through Morfeusz, derivation through shared roots."""

from rag.lexical import PolishAnalyzer


def test_query_word_the_documents_never_use_meets_its_derivational_family():
    analyzer = PolishAnalyzer()
    vocabulary = analyzer.surface_to_lemma("Uzyskał dofinansowanie z Europejskiego Funduszu Społecznego.")
    groups = analyzer.query_term_groups("Kto sfinansował projekt?", vocabulary)
    family = set(analyzer.document_terms("dofinansowanie"))
    assert any("sfinansowac" in group and family & set(group) for group in groups)


def test_word_the_documents_use_is_not_widened():
    analyzer = PolishAnalyzer()
    vocabulary = analyzer.surface_to_lemma("Projekt sfinansowano. Uzyskał dofinansowanie.")
    groups = analyzer.query_term_groups("Kto sfinansował projekt?", vocabulary)
    assert ["sfinansowac"] in groups
