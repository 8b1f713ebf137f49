"""Each metric on hand-made cases small enough to check by eye."""

import pytest

from eval import metrics
from eval.metrics import ItemScores

A, B, C, D = "a.txt", "b.txt", "c.txt", "d.txt"


def test_dedupe_sources_keeps_first_rank_order():
    assert metrics.dedupe_sources([B, B, A, B, C, A]) == [B, A, C]


def test_hit_at_k_counts_a_gold_source_in_the_top_k_only():
    ranked = [A, B, C, D]
    assert metrics.hit_at_k(ranked, [C], 3) == 1.0
    assert metrics.hit_at_k(ranked, [D], 3) == 0.0
    assert metrics.hit_at_k(ranked, [D, A], 1) == 1.0  # any gold source is enough


def test_hit_at_k_ranks_files_not_passages():
    # three chunks of one file must not push the gold file out of the top 2
    assert metrics.hit_at_k([A, A, A, B], [B], 2) == 1.0


def test_reciprocal_rank_uses_first_gold_file_within_cutoff():
    assert metrics.reciprocal_rank([A, A, B, C], [C, B]) == pytest.approx(1 / 2)
    assert metrics.reciprocal_rank([A, B, C], [C], k=2) == 0.0
    assert metrics.reciprocal_rank([], [A]) == 0.0


def test_source_recall_needs_every_gold_file_for_full_credit():
    assert metrics.source_recall_at_k([A, B, C], [A, D], k=5) == 0.5
    assert metrics.source_recall_at_k([A, B, C], [A, C], k=2) == 0.5
    assert metrics.source_recall_at_k([A, B, C], [A, C], k=3) == 1.0


def test_strip_diacritics_maps_all_polish_letters():
    assert metrics.strip_diacritics("Zażółć gęślą jaźń ŁÓDŹ") == "Zazolc gesla jazn LODZ"


def test_must_include_recall_is_case_insensitive_and_accepts_any_alternative():
    answer = "Delegacji przewodniczyła ELKE VOITL [1]."
    assert metrics.must_include_recall(answer, [["Elke Voitl"]]) == 1.0
    assert metrics.must_include_recall(answer, [["Kulig", "Voitl"], ["2022"]]) == 0.5


def test_must_include_recall_matches_across_diacritics_both_ways():
    assert metrics.must_include_recall("projekt Rodzicu, nie jestes sam", [["nie jesteś sam"]]) == 1.0
    assert metrics.must_include_recall("projekt Rodzicu, nie jesteś sam", [["nie jestes sam"]]) == 1.0
    assert metrics.must_include_recall("13 wrzesnia 2022", [["13 września 2022"]]) == 1.0


def test_must_include_recall_ignores_nonbreaking_and_repeated_spaces():
    assert metrics.must_include_recall("kwota 1\u00a0113  999,60 zł", [["1 113 999,60"]]) == 1.0


def test_missing_must_include_lists_the_unmatched_facts():
    assert metrics.missing_must_include("Babylotse", [["Babylotse"], ["SABA", "migrantek"]]) == [
        ["SABA", "migrantek"]
    ]


def test_token_f1_ignores_case_punctuation_and_citation_markers():
    assert metrics.token_f1("Elke Voitl [1].", "elke voitl") == 1.0
    assert metrics.token_f1("Kulig i Voitl [1, 2]", "Elke Voitl") == pytest.approx(0.4)  # p=1/3, r=1/2


def test_token_f1_of_empty_answer_is_zero():
    assert metrics.token_f1("", "Elke Voitl") == 0.0
    assert metrics.token_f1("Elke Voitl", "") == 0.0


def test_citation_precision_is_share_of_cited_passages_from_gold_files():
    assert metrics.citation_precision([A, A, B, C], [A]) == 0.5
    assert metrics.citation_precision([], [A]) is None


def test_answer_is_faithful_only_if_every_sentence_has_a_supporting_citation():
    def contains(sentence: str, passage: str) -> bool:
        return sentence in passage

    supported = ("Ala ma kota.", ["Tu: Ala ma kota.", "inne"])
    unsupported = ("Kot ma Alę.", ["Tu: Ala ma kota."])
    uncited = ("Ala ma kota.", [])
    assert metrics.answer_faithful([supported], contains)
    assert not metrics.answer_faithful([supported, unsupported], contains)
    assert not metrics.answer_faithful([uncited], contains)


def test_percentile_interpolates_between_ranks():
    assert metrics.percentile([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    assert metrics.percentile([10.0, 20.0, 30.0, 40.0], 95) == pytest.approx(38.5)
    assert metrics.percentile([], 50) is None


def test_summarize_keeps_answerable_and_unanswerable_metrics_apart():
    answered = ItemScores(True, False, 100.0, hit_at_1=1.0, hit_at_3=1.0, hit_at_5=1.0, rr_at_10=1.0,
                          must_include_recall=1.0, token_f1=0.5, citation_precision=1.0, faithful=True)
    false_refusal = ItemScores(True, True, 200.0, hit_at_1=0.0, hit_at_3=1.0, hit_at_5=1.0, rr_at_10=0.5,
                               must_include_recall=0.0, token_f1=0.0)
    right_refusal = ItemScores(False, True, 300.0)
    hallucination = ItemScores(False, False, 400.0, faithful=False)
    m = metrics.summarize([answered, false_refusal, right_refusal, hallucination])
    assert (m["n"], m["n_answerable"], m["n_unanswerable"]) == (4, 2, 2)
    assert m["hit@1"] == 0.5 and m["hit@3"] == 1.0 and m["mrr@10"] == 0.75
    assert m["must_include_recall"] == 0.5
    assert m["citation_precision"] == 1.0  # the refusal cited nothing: not counted
    assert m["refusal_accuracy"] == 0.5
    assert m["false_refusal_rate"] == 0.5
    assert m["faithfulness"] == 0.5  # over non-refused answers, the hallucination included
    assert m["source_recall@5"] is None  # no multi-source question in the group
    assert m["latency_p50_ms"] == 250.0


def test_floors_check_reports_only_metrics_past_their_limit():
    m = {"hit@3": 0.6, "must_include_recall": 0.9, "latency_p95_ms": 900.0, "false_refusal_rate": 0.0,
         "faithfulness": None}
    floors = {"hit@3": 0.7, "must_include_recall": 0.8, "latency_p95_ms": 500, "false_refusal_rate": 0.1,
              "faithfulness": 0.9}
    messages = metrics.floors_check(m, floors)
    assert len(messages) == 3
    assert any(msg.startswith("hit@3 = 0.600 is below its floor 0.7") for msg in messages)
    assert any("latency_p95_ms" in msg and "ceiling" in msg for msg in messages)
    assert any("faithfulness" in msg and "not computed" in msg for msg in messages)
    assert metrics.floors_check(m, {"hit@3": 0.5}) == []


# --- articles ---------------------------------------------------------------------------------


def test_normalize_title_ignores_markdown_case_and_spacing():
    assert metrics.normalize_title("## **Festyn  na\u00a0Podgórzu**") == "festyn na podgórzu"
    assert metrics.normalize_title("  Festyn na PODGÓRZU ") == "festyn na podgórzu"
    assert metrics.normalize_title("Festyn na Podgórzu") != metrics.normalize_title("Festyn na Podgorzu")


def test_dedupe_articles_keeps_first_rank_order_of_file_and_title_pairs():
    ranked = [(A, "Festyn"), (A, "**Festyn**"), (A, "Kiermasz"), (B, "Festyn"), (A, "Kiermasz")]
    assert metrics.dedupe_articles(ranked) == [(A, "festyn"), (A, "kiermasz"), (B, "festyn")]


def test_article_hit_needs_the_same_file_and_title():
    ranked = [(A, "Festyn"), (A, "Festyn"), (A, "Kiermasz"), (B, "Rajd rowerowy")]
    assert metrics.article_hit_at_k(ranked, [(A, "# Kiermasz")], 2) == 1.0  # chunks of one article count once
    assert metrics.article_hit_at_k(ranked, [(A, "Kiermasz")], 1) == 0.0
    assert metrics.article_hit_at_k(ranked, [(B, "Festyn")], 3) == 0.0  # right title, wrong file
    assert metrics.article_hit_at_k(ranked, [(C, "x"), (B, "rajd  ROWEROWY")], 3) == 1.0  # any gold article
    assert metrics.article_hit_at_k([], [(A, "Festyn")], 3) == 0.0


# --- must_include by word tokens --------------------------------------------------------------


@pytest.mark.parametrize("written", ["7 osobowa", "7-osobowa", "7- osobowa", "7 -osobowa", "7 – osobowa"])
@pytest.mark.parametrize("phrase", ["7 osobowa", "7-osobowa", "7- osobowa"])
def test_phrase_in_ignores_hyphen_and_punctuation_spacing(written, phrase):
    assert metrics.phrase_in(phrase, f"Na parkingu czeka furgonetka {written} dla wolontariuszy.")


def test_phrase_in_ignores_nonbreaking_spaces_case_and_diacritics():
    answer = "Remont świetlicy kosztował 120\u00a0000 zł, a zapłaciła za niego GMINA ŁĘKAWICA."
    assert metrics.phrase_in("120 000 zł", answer)
    assert metrics.phrase_in("120 000 zl", answer)
    assert metrics.phrase_in("gmina Lekawica", answer)
    assert metrics.phrase_in("kosztowal 120 000", answer)


def test_phrase_in_needs_tokens_contiguous_and_in_order():
    answer = "Opiekunką grupy była Maria Zawada z Tarnowa."
    assert metrics.phrase_in("Maria Zawada", answer)
    assert not metrics.phrase_in("Zawada Maria", answer)  # order matters
    assert not metrics.phrase_in("Maria z Tarnowa", answer)  # contiguous only
    assert not metrics.phrase_in("aria Zawada", answer)  # a token does not match the end of another


def test_phrase_in_lets_only_the_last_word_take_an_inflected_ending():
    answer = "Umowę podpisał z Janem Kowalem w Gdańsku w 130 dni."
    assert metrics.phrase_in("Kowal", answer)  # "Kowalem"
    assert metrics.phrase_in("Janem Kowal", answer)
    assert not metrics.phrase_in("Jan Kowalem", answer)  # only the last word
    assert not metrics.phrase_in("Gdańsk w 13", answer)  # numbers stay exact: 13 is not 130
    assert not metrics.phrase_in("13", answer)
    assert not metrics.phrase_in("Gdańskiem", answer)  # a longer phrase word never matches a shorter one


def test_phrase_of_punctuation_only_names_nothing_and_never_matches():
    assert metrics.phrase_tokens("– ; !") == []
    assert not metrics.phrase_in("–", "Zebranie – w sali nr 2.")


def test_phrase_tokens_fold_to_ascii_words():
    assert metrics.phrase_tokens("Łódź: 1\u00a0200 m²; 7-osobowa") == ["lodz", "1", "200", "m2", "7", "osobowa"]


# --- answer length ----------------------------------------------------------------------------


def test_answer_body_drops_citation_markers_and_the_framing_line():
    answer = "Według dokumentów:\nFestyn odbył się w maju. [1]\n- Zebrano 300 zł. [2][3]"
    assert metrics.answer_body(answer) == "Festyn odbył się w maju. - Zebrano 300 zł."
    assert metrics.answer_body("According to the documents (quoted in Polish):\nAla [1, 2]") == "Ala"


def test_answer_body_drops_a_bold_heading_but_keeps_a_one_line_answer():
    assert metrics.answer_body("**Briefing: festyn**\n\n- **2023-05-01** — *Festyn*: Był festyn. [1]") == (
        "- **2023-05-01** — *Festyn*: Był festyn."
    )
    assert metrics.answer_body("Festyn odbył się w maju [1].") == "Festyn odbył się w maju ."
    assert metrics.answer_body("Festyn odbył się:\nw maju") == "w maju"  # colon-ended first line: framing


def test_summarize_reports_article_hits_and_mean_answer_length():
    with_article = ItemScores(True, False, 1.0, hit_at_3=1.0, article_hit_at_1=0.0, article_hit_at_3=1.0,
                              answer_chars=40)
    without_article = ItemScores(True, False, 1.0, hit_at_3=1.0, answer_chars=20)
    refused = ItemScores(False, True, 1.0)
    m = metrics.summarize([with_article, without_article, refused])
    assert m["article_hit@1"] == 0.0 and m["article_hit@3"] == 1.0  # only the item naming an article
    assert m["answer_chars_mean"] == 30.0  # the refusal has no length
    assert metrics.summarize([without_article])["article_hit@3"] is None


# --- bootstrap intervals ----------------------------------------------------------------------


def _answered(recall: float, refused: bool = False) -> ItemScores:
    return ItemScores(True, refused, 1.0, hit_at_3=1.0, must_include_recall=recall, citation_precision=1.0)


def test_bootstrap_intervals_bracket_the_estimate_and_are_reproducible():
    items = [_answered(r) for r in (0.0, 0.5, 1.0, 1.0, 1.0, 0.0, 1.0, 0.5, 1.0, 1.0)] + [
        ItemScores(False, True, 1.0), ItemScores(False, False, 1.0)]  # fmt: skip
    ci = metrics.bootstrap_intervals(items)
    assert set(ci) == set(metrics.INTERVAL_METRICS)
    lo, hi = ci["must_include_recall"]
    assert lo < metrics.summarize(items)["must_include_recall"] < hi
    assert 0.0 <= lo and hi <= 1.0
    assert ci == metrics.bootstrap_intervals(items)  # fixed seed
    assert ci["hit@3"] == [1.0, 1.0]  # no spread, no width
    assert ci["article_hit@3"] is None  # no question names an article
    assert ci["refusal_accuracy"][0] <= 0.5 <= ci["refusal_accuracy"][1]


def test_bootstrap_interval_narrows_as_questions_grow():
    def width(n_copies: int) -> float:
        lo, hi = metrics.bootstrap_intervals([_answered(1.0), _answered(0.0)] * n_copies)["must_include_recall"]
        return hi - lo

    assert width(50) < width(5)


def test_bootstrap_intervals_of_no_questions_are_none():
    assert metrics.bootstrap_intervals([]) == dict.fromkeys(metrics.INTERVAL_METRICS)


def test_a_label_value_title_matches_the_article_titled_by_its_value():
    from eval.metrics import article_hit_at_k

    ranked = [("karta.txt", "„Most nad Wisłą” – program dla seniorów")]
    assert article_hit_at_k(ranked, [("karta.txt", "Nazwa projektu: „Most nad Wisłą” – program dla seniorów")], 1) == 1.0
    assert article_hit_at_k(ranked, [("karta.txt", "Nazwa projektu: Inny program")], 1) == 0.0
