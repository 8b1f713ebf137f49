"""The verifier: a rephrased claim is supported only when its words, negations, numbers and names are
in the passage it cites; a verbatim quote always is."""

import pytest

from rag.verify import sentence_supported

PASSAGE = ("Grupę siedmiu opiekunów z Tallina prowadziła Kadri Tamm. Goście spędzili w Krakowie 4 dni "
           "i odwiedzili dwa kluby seniora.")


def test_a_verbatim_quote_is_supported():
    assert sentence_supported("Grupę siedmiu opiekunów z Tallina prowadziła Kadri Tamm.", PASSAGE)


@pytest.mark.parametrize("claim", [
    "Grupy opiekunów z Tallina nie prowadziła Kadri Tamm.",  # negation the passage lacks
    "Goście spędzili w Krakowie 5 dni i odwiedzili dwa kluby seniora.",  # another number
    "Grupę siedmiu opiekunów z Tallina prowadziła Kadri Kask.",  # another name
])
def test_a_rephrased_claim_that_changes_a_negation_number_or_name_is_not_supported(claim):
    assert not sentence_supported(claim, PASSAGE)


def test_a_rephrased_claim_with_the_same_facts_is_supported():
    assert sentence_supported("Kadri Tamm prowadziła grupę opiekunów z Tallina.", PASSAGE)
