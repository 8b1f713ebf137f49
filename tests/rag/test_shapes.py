"""What a question asks for: its answer shape, its focus noun, the names and numbers it mentions."""

import pytest

from rag.shapes import SHAPES_BY_NAME, expected_shape, focus_noun, names_in, numbers_in


@pytest.mark.parametrize("question, focus", [
    ("Który zagraniczny urząd był partnerem projektu?", "urząd"),
    ("Kto był organizatorem konferencji?", "organizatorem"),
    ("Z jakiego źródła sfinansowano projekt?", "źródła"),
    ("Kiedy była wizyta?", None),
    ("Kto reprezentował MOPS?", None),
])
def test_focus_noun_is_the_noun_after_the_question_word(question, focus):
    assert focus_noun(question) == focus


@pytest.mark.parametrize("question, shape, sentence", [
    ("Jak długo trwała współpraca?", "duration", "prowadzonej od 15 lat współpracy"),
    ("Jak długo trwała współpraca?", "duration", "ponad 20 - letniej współpracy"),
    ("Pod jaki numer dzwonić do biura?", "phone", "tel.: 660 637 852"),
    ("Jaki jest adres e-mail biura?", "email", "e-mail: sp@mops.krakow.pl"),
    ("What is the office's phone number?", "phone", "tel.: 12 616 94 92"),
])
def test_question_expects_a_shape_that_the_answering_sentence_has(question, shape, sentence):
    expected = expected_shape(question)
    assert expected.name == shape
    assert expected.matches(sentence)
    assert not expected.matches("Spotkanie odbyło się w Krakowie.")


def test_names_are_the_capitalised_words_after_the_first():
    assert names_in("Kto przewodniczył delegacji z Trondheim na II Konwencji?") == ["Trondheim", "Konwencji"]


def test_ordinals_count_only_when_they_name_an_event():
    assert numbers_in("Which projects were shown at the first European Convention?") == {"I"}
    assert numbers_in("Kiedy odbędzie się III Europejska Konwencja w 2024 roku?") == {"III", "2024"}
    assert numbers_in("Co powstanie na pierwszych etapach projektu?") == set()


@pytest.mark.parametrize("question, shape", [
    ("Ile trwał cały program wymiany?", "duration"),
    ("Ile kosztował wyjazd szkoleniowy?", "money"),
    ("Ilu seniorów wzięło udział w warsztatach?", "count"),
    ("Ile rodzin objęto wsparciem?", "count"),
    ("Kto był gospodarzem spotkania w Lublinie?", "person"),
    ("Jaki jest mail koordynatorki?", "email"),
])
def test_question_shape_comes_from_the_question_word_not_from_a_list_of_nouns(question, shape):
    assert expected_shape(question).name == shape


@pytest.mark.parametrize("sentence", [
    "Do Gdańska przyjechała pięcioosobowa grupa opiekunek.",
    "W szkoleniu uczestniczyło czterdziestu dwóch pracowników socjalnych.",
    "Na warsztaty zgłosiło się 17 osób.",
])
def test_counts_written_in_words_or_digits_are_counts(sentence):
    assert SHAPES_BY_NAME["count"].matches(sentence)


@pytest.mark.parametrize("sentence, is_date", [
    ("Wolontariusze przyjadą 4 maja na dwa tygodnie.", True),
    ("Rozmowy zaplanowano na jesień br.", True),
    ("Opiekunowie mają do dyspozycji salę ćwiczeń.", False),
    ("Warsztaty poprowadził Marcin Zieliński.", False),
    ("Przed budynkiem stał czerwony autobus.", False),
])
def test_a_month_is_recognised_by_its_lemma_not_by_its_first_letters(sentence, is_date):
    assert SHAPES_BY_NAME["date"].matches(sentence) is is_date
