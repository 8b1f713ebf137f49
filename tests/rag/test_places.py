"""The gazetteer links a country to the words that name it and to its cities, from CLDR, countryinfo
and GeoNames; nothing in it comes from any document."""

from __future__ import annotations

import pytest

from rag.places import cities, country_name, country_of


@pytest.mark.parametrize("lemmas, code", [
    ({"norweski"}, "NO"),  # a Polish relational adjective (CLDR's Polish name of the language)
    ({"norwegian"}, "NO"),  # an English demonym Norway shares with Svalbard: the most populous wins
    ({"norwegia"}, "NO"),  # the Polish name
    ({"czechy"}, "CZ"),
    ({"german"}, "DE"),
    ({"wegierski"}, "HU"),  # folded, as the analyser folds every lemma
])
def test_a_country_is_found_by_its_name_adjective_or_demonym(lemmas, code):
    assert country_of(lemmas) == code


def test_words_that_name_no_country_or_two_countries_find_none():
    assert country_of({"krakow", "wspolpraca"}) is None
    assert country_of({"norweski", "czeski"}) is None  # two countries: not one place to brief on


def test_a_city_of_several_words_counts_by_its_first_word_only_when_the_rest_places_it():
    german = cities("DE")
    assert "Frankfurt" in german  # "Frankfurt am Main", "Frankfurt (Oder)"
    assert "Bad" not in german  # "Bad Homburg vor der Höhe" names no place by its first word
    assert {"Oslo", "Trondheim", "Bergen"} <= set(cities("NO"))


def test_country_names_in_both_languages():
    assert (country_name("NO", "pl"), country_name("NO", "en")) == ("Norwegia", "Norway")
