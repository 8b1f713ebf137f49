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


def test_a_question_pointing_back_at_an_empty_conversation_is_dangling():
    from rag.followup import dangling

    assert dangling("a kto jej przewodniczył?", [], _terms)
    assert dangling("a kto jej przewodniczył?", ["a kiedy?"], _terms)  # nothing self-contained before
    assert not dangling("a kto jej przewodniczył?", ["Kiedy przyjechała delegacja ze Lwowa?"], _terms)
    assert not dangling("Kiedy przyjechała delegacja ze Lwowa?", [], _terms)


def test_the_answer_says_a_dangling_reference_points_at_nothing(assistant):
    alone = assistant.ask("a kto jej przewodniczył?")
    assert alone.answer.startswith("To pytanie odwołuje się do czegoś wcześniejszego")
    earlier = "Kiedy była wizyta delegacji z Frankfurtu w 2022 roku?"
    followed = assistant.ask("a kto jej przewodniczył?", history=[earlier])
    assert "odwołuje się" not in followed.answer and "Voitl" in followed.answer


def test_a_follow_up_quotes_what_it_asks_not_the_earlier_answer(assistant):
    earlier = "Kto przewodniczył delegacji z Frankfurtu w 2022 roku?"
    follow_up = assistant.ask("A kiedy podpisano porozumienie?", history=[earlier])
    first = follow_up.sentences[0].text
    assert "19 kwietnia 2001" in first and "Voitl" not in first


def test_a_follow_up_is_still_retrieved_in_the_context_of_the_earlier_question(assistant):
    analysis = assistant.analyse("a kto jej przewodniczył?", ["Kiedy była wizyta delegacji z Frankfurtu w 2022 roku?"])
    [part] = analysis.parts
    assert "Frankfurtu" in part.query and not any("frankfurt" in group for group in part.groups)
