"""Query analysis: one reading of a question against what the index knows."""

from rag.acronyms import Acronyms
from rag.bilingual import EnglishPolish
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


def test_an_english_word_is_matched_through_the_polish_words_the_documents_use(write_dictionary):
    dictionary = EnglishPolish.open(write_dictionary({
        "workshop": "workshop <N>\n  warsztat, pracownia\n", "vienna": "Vienna <N>\n  Wiedeń\n"}))
    plain, bridged = _analyzer(), _analyzer()
    bridged.dictionary = dictionary
    groups = bridged.run("Were there workshops with guests from Vienna?").parts[0].groups
    assert any("warsztat" in g for g in groups)  # "pracownia" is in no document: not added
    assert not any("pracownia" in g or "wieden" in g for g in groups)  # a name is the documents' own
    assert not any("warsztat" in g for g in plain.run("Were there workshops with guests from Vienna?").parts[0].groups)
    polish = "Czy były warsztaty dla opiekunek?"
    assert bridged.run(polish).parts[0].groups == plain.run(polish).parts[0].groups
    topic = "Workshops with guests from Vienna"  # a briefing's topic: its general words are not translated
    assert bridged.run(topic, split=False).parts[0].groups == plain.run(topic, split=False).parts[0].groups
