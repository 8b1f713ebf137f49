"""What a question asks for: its answer shape, its focus noun, the names and numbers it mentions."""

import pytest

from rag.shapes import expected_shape, focus_noun, names_in, numbers_in


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
