"""Follow-ups and two-part questions keep their context without a generator."""

from rag.followup import part_queries, split_parts


def _terms(text):
    return [w for w in text.lower().strip("?").split() if len(w) > 3]


def test_second_part_that_points_back_carries_the_first_part():
    parts = split_parts("Kiedy podpisano porozumienie z Frankfurtem i kiedy nasza delegacja pojechała tam na wizytę studyjną?")
    assert len(parts) == 2
    queries = part_queries(parts, _terms)
    assert queries[1].startswith(parts[0]) and queries[1].endswith(parts[1])


def test_self_contained_second_part_is_searched_alone():
    parts = split_parts("Kiedy podpisano porozumienie z Frankfurtem i kiedy delegacja z Oslo odwiedziła Kraków w lutym?")
    assert part_queries(parts, _terms)[1] == parts[1]
