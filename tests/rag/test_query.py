"""Query analysis: one reading of a question against what the index knows."""

from rag.acronyms import Acronyms
from rag.lexical import PolishAnalyzer
from rag.query import QueryAnalyzer

DOCUMENT = ("Warsztaty dla opiekunek odbyły się w Gdyni. Praca socjalna z rodziną była tematem bona fide "
            "rozmów z gośćmi z Wiednia.")


def _analyzer() -> QueryAnalyzer:
    analyzer = PolishAnalyzer()
    vocabulary = analyzer.surface_to_lemma(DOCUMENT)
    known = set(vocabulary) | set(analyzer.document_terms(DOCUMENT))
    return QueryAnalyzer(analyzer, vocabulary, Acronyms.from_texts([DOCUMENT]), known)


def test_names_the_index_never_mentions_are_unknown_even_when_they_share_a_prefix_with_a_known_word():
    analysis = _analyzer().run("Czy były warsztaty z Warszawą, Pragą albo Bonn?")
    assert set(analysis.parts[0].unknown_names) == {"Warszawą", "Pragą", "Bonn"}


def test_an_inflected_or_mistyped_known_name_is_known():
    analysis = _analyzer().run("Kto przyjechał z Wiedniem i z Gdynii, a kto z Wiednie?")
    assert all(not part.unknown_names for part in analysis.parts)


def test_a_two_part_question_is_read_as_two_parts_each_with_its_own_shape():
    analysis = _analyzer().run("Kiedy odbyły się warsztaty w Gdyni i kto je prowadził?")
    assert [p.shape for p in analysis.parts] == ["date", "person"]
    assert analysis.parts[1].query.startswith(analysis.parts[0].text)


def test_language_and_years_are_read_once_for_the_question():
    analysis = _analyzer().run("When did the guests from Vienna come in 2019?")
    assert analysis.lang == "en"
    assert analysis.parts[0].numbers == {"2019"}
