"""Acronyms learned from the documents' own capitalised names."""

from rag.acronyms import Acronyms, contractions

TEXTS = [
    "Goście odwiedzili Dom Pomocy Społecznej przy os. Szkolnym. Dom Pomocy Społecznej działa od lat.",
    "Spotkanie odbyło się w Miejskim Ośrodku Pomocy Społecznej podczas II Europejskiej Konwencji.",
]


def test_acronym_is_learned_from_the_initials_of_a_spelled_out_name():
    acronyms = Acronyms.from_texts(TEXTS)
    assert acronyms.expansions["dps"] == "Dom Pomocy Społecznej"
    assert acronyms.is_acronym("DPS")


def test_roman_numerals_and_lower_case_words_are_not_acronyms():
    acronyms = Acronyms.from_texts(TEXTS + ["Instytut Instytutu podczas Izby"])
    assert not acronyms.is_acronym("II")
    assert not acronyms.is_acronym("dps")


def test_expansion_spells_out_only_acronyms_the_documents_never_print():
    acronyms = Acronyms.from_texts(TEXTS)
    expanded = acronyms.expand("Gdzie jest DPS i MOPS?", printed={"mops"})
    assert "DPS (Dom Pomocy Społecznej)" in expanded
    assert "MOPS (" not in expanded


def test_a_sentence_spelling_out_a_name_mentions_its_acronym():
    assert "dps" in contractions("Odwiedzili Dom Pomocy Społecznej w Nowej Hucie.")
