"""Run the evaluation loop against a scripted assistant and check what the report files say.

The assistant is a fake on purpose: these tests measure the measuring code, not retrieval.
"""

import json

import pytest

from eval.metrics import INTERVAL_METRICS
from eval.report import write_report
from eval.runner import GoldArticle, QAItem, run_eval
from rag.types import Answer, AnswerSentence, Briefing, BriefingItem, Citation, Passage

GOOD, OTHER = "001_good.txt", "002_other.txt"


def _passage(source: str, text: str) -> Passage:
    return Passage(chunk_id=f"{source}#0", text=text, source=source, title="t", date="", date_text="",
                   article=0, start_char=0, end_char=len(text))  # fmt: skip


VOITL = _passage(GOOD, "Spotkanie pod przewodnictwem Elke Voitl odbyło się 13 września 2022 roku.")
NOISE = _passage(OTHER, "Delegacja z Oslo odwiedziła Urząd Miasta Krakowa.")


class FakeAssistant:
    """Answers from a script: question -> (passages ranked, answer sentence or None to refuse)."""

    def __init__(self, script: dict[str, tuple[list[Passage], str | None]]):
        self.script = script
        self.calls: list[str] = []

    def ask(self, question: str) -> Answer:
        self.calls.append(question)
        passages, sentence = self.script[question]
        if sentence is None:
            return Answer(question, "Dokumenty tego nie mówią.", True, [], passages=passages,
                          timings_ms={"total": 50.0})  # fmt: skip
        cite = Citation.from_passage(1, passages[0])
        return Answer(question, f"{sentence} [1]", False, [cite], [AnswerSentence(sentence, [1])],
                      passages=passages, timings_ms={"total": 100.0})  # fmt: skip

    def brief(self, topic: str) -> Briefing:
        self.calls.append(topic)
        item = BriefingItem("2022-09-20", "", "Wizyta", GOOD, "Spotkanie pod przewodnictwem Elke Voitl.", [1])
        return Briefing(topic, "pl", [item], [Citation.from_passage(1, VOITL)], "## Briefing\nElke Voitl [1]",
                        passages=[VOITL], timings_ms={"total": 300.0})  # fmt: skip


def _item(id_, question, type_="factoid", sources=(GOOD,), must=(("Elke Voitl",),), answer="Elke Voitl"):
    return QAItem(id_, question, answer, list(sources), [list(m) for m in must], type_, "pl")


ITEMS = [
    _item("q1", "Kto przewodniczył?"),  # right file first, right answer
    _item("q2", "Kiedy była wizyta?", must=(("13 września 2022",),)),  # wrong file first, answer misses the fact
    _item("q3", "Czy Oslo płaciło?", "unanswerable", (), (), ""),  # correctly refused
    _item("q4", "Ile kosztowało?", "unanswerable", (), (), ""),  # wrongly answered
    _item("q5", "Briefing o Frankfurcie", "briefing"),
]
SCRIPT = {
    "Kto przewodniczył?": ([VOITL, NOISE], "Spotkanie pod przewodnictwem Elke Voitl"),
    "Kiedy była wizyta?": ([NOISE, NOISE, VOITL], "Delegacja z Oslo odwiedziła Urząd Miasta Krakowa."),
    "Czy Oslo płaciło?": ([NOISE], None),
    "Ile kosztowało?": ([NOISE], "Delegacja z Oslo odwiedziła Urząd Miasta Krakowa."),
}


def _in_passage(sentence: str, passage: str) -> bool:
    return sentence.rstrip(".") in passage


@pytest.fixture
def result():
    return run_eval(FakeAssistant(SCRIPT), ITEMS, progress=False, checker=_in_passage)


def test_run_eval_warms_up_then_uses_brief_for_briefings_and_ask_otherwise():
    fake = FakeAssistant(SCRIPT)
    run_eval(fake, ITEMS, progress=False, checker=_in_passage)
    assert fake.calls == ["Kto przewodniczył?"] + [i.question for i in ITEMS]


def test_run_eval_scores_each_question_and_aggregates(result):
    m = result.metrics
    assert (m["n"], m["n_answerable"], m["n_unanswerable"]) == (5, 3, 2)
    assert m["hit@1"] == pytest.approx(2 / 3)  # q2 ranks the gold file second
    assert m["mrr@10"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert m["must_include_recall"] == pytest.approx(2 / 3)
    assert m["citation_precision"] == pytest.approx(2 / 3)  # q2 cites the wrong file
    assert m["refusal_accuracy"] == 0.5 and m["false_refusal_rate"] == 0.0
    assert m["faithfulness"] == 1.0  # every non-refused sentence is quoted from its cited passage
    assert m["latency_p50_ms"] == 100.0
    q2 = next(r for r in result.rows if r.id == "q2")
    assert q2.retrieved_sources == [OTHER, GOOD]
    assert q2.missing_must_include == [["13 września 2022"]]
    assert set(result.by_type) == {"factoid", "unanswerable", "briefing"}
    assert result.by_type["briefing"]["latency_p50_ms"] == 300.0


def test_unfaithful_sentence_is_caught_by_the_checker():
    script = {**SCRIPT, "Kto przewodniczył?": ([VOITL], "Delegacji przewodniczył Andrzej Kulig")}
    res = run_eval(FakeAssistant(script), ITEMS[:1], progress=False, checker=_in_passage)
    assert res.metrics["faithfulness"] == 0.0


def test_a_crashing_question_is_recorded_as_an_error_not_raised():
    class Crashy(FakeAssistant):
        def brief(self, topic):
            raise RuntimeError("index missing")

    res = run_eval(Crashy(SCRIPT), ITEMS, progress=False, checker=_in_passage)
    assert res.metrics["errors"] == 1
    assert next(r for r in res.rows if r.id == "q5").error == "RuntimeError: index missing"


def test_write_report_writes_markdown_html_and_json_with_the_metrics(result, tmp_path):
    paths = write_report(result, tmp_path / "out")
    assert sorted(p.name for p in paths) == ["metrics.json", "report.html", "report.md"]
    assert all(p.is_file() for p in paths)

    data = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert data["metrics"] == pytest.approx(result.metrics)
    assert [q["id"] for q in data["questions"]] == ["q1", "q2", "q3", "q4", "q5"]

    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| hit@1 | 0.667 |" in md
    assert "| refusal_accuracy | 0.500 |" in md
    assert "## By question type" in md and "| briefing |" in md


def test_report_lists_exactly_the_failed_questions_with_reasons(result, tmp_path):
    write_report(result, tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    failures = md.split("## Failures (2 of 5)")[1]
    assert "| q2 |" in failures and "missing: 13 września 2022" in failures
    assert "| q4 |" in failures and "answered an unanswerable question" in failures
    assert "| q1 |" not in failures and "| q3 |" not in failures and "| q5 |" not in failures


def test_html_report_is_self_contained_and_escaped(result, tmp_path):
    result.rows[0].question = "<script>alert(1)</script>"
    result.rows[0].scores.hit_at_3 = 0.0  # force it into the failures table
    write_report(result, tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<style>" in page and "hit@3" in page
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page and "<link" not in page


# --- article gold, new types, answer length, intervals -------------------------------------------


def _titled(source: str, title: str, text: str) -> Passage:
    return Passage(chunk_id=f"{source}#{title}", text=text, source=source, title=title, date="", date_text="",
                   article=0, start_char=0, end_char=len(text))  # fmt: skip


FESTYN = _titled(GOOD, "**Festyn rodzinny**", "Festyn rodzinny odbył się 3 czerwca na błoniach.")
KIERMASZ = _titled(GOOD, "Kiermasz świąteczny", "Kiermasz świąteczny zebrał 4 500 zł.")
ARTICLE_ITEMS = [
    QAItem("a1", "Kiedy był festyn?", "3 czerwca", [GOOD], [["3 czerwca"]], "paraphrase", "pl",
           [GoldArticle(GOOD, "## Festyn rodzinny")]),
    QAItem("a2", "Ile zebrał kiermasz i kiedy był festyn?", "4 500 zł", [GOOD], [["4 500 zł"]], "two_part", "pl",
           [GoldArticle(GOOD, "Kiermasz świąteczny")]),
    _item("a3", "Kto przewodniczył?"),  # no article named: file metrics only
]  # fmt: skip
ARTICLE_SCRIPT = {
    "Kiedy był festyn?": ([FESTYN, KIERMASZ], "Festyn rodzinny odbył się 3 czerwca na błoniach."),
    "Ile zebrał kiermasz i kiedy był festyn?": (
        [FESTYN, FESTYN, NOISE, KIERMASZ], "Kiermasz świąteczny zebrał 4 500 zł."
    ),
    "Kto przewodniczył?": ([VOITL], "Spotkanie pod przewodnictwem Elke Voitl"),
}  # fmt: skip


def _supported(sentence: str, passage: str) -> bool:
    return True  # the fake cites its first passage; grounding is not what these tests are about


@pytest.fixture
def article_result():
    return run_eval(FakeAssistant(ARTICLE_SCRIPT), ARTICLE_ITEMS, progress=False, checker=_supported)


def test_article_hits_score_distinct_articles_of_items_that_name_them(article_result):
    m = article_result.metrics
    assert m["hit@1"] == 1.0  # every gold file is first …
    assert m["article_hit@1"] == 0.5  # … but a2's article only comes third among distinct articles
    assert m["article_hit@3"] == 1.0  # FESTYN twice counts once: KIERMASZ is third
    a3 = next(r for r in article_result.rows if r.id == "a3")
    assert a3.scores.article_hit_at_3 is None and a3.gold_articles == []
    a2 = next(r for r in article_result.rows if r.id == "a2")
    assert a2.retrieved_articles == [[GOOD, "festyn rodzinny"], [OTHER, "t"], [GOOD, "kiermasz świąteczny"]]


def test_per_type_table_covers_the_new_types(article_result, tmp_path):
    assert set(article_result.by_type) == {"paraphrase", "two_part", "factoid"}
    write_report(article_result, tmp_path)
    by_type = (tmp_path / "report.md").read_text(encoding="utf-8").split("## By question type")[1]
    assert "| paraphrase |" in by_type and "| two_part |" in by_type
    assert "article_hit@3" in by_type.splitlines()[4]  # the header row


def test_a_missed_article_is_a_failure_reason(tmp_path):
    missed = ([KIERMASZ, NOISE], "Festyn rodzinny odbył się 3 czerwca na błoniach.")
    script = {**ARTICLE_SCRIPT, "Kiedy był festyn?": missed}
    write_report(run_eval(FakeAssistant(script), ARTICLE_ITEMS, progress=False, checker=_supported), tmp_path)
    failures = (tmp_path / "report.md").read_text(encoding="utf-8").split("## Failures (1 of 3)")[1]
    assert "| a1 |" in failures and "no gold article in top 3: ## Festyn rodzinny" in failures


def test_answer_chars_mean_counts_non_refused_answers_without_markers(result):
    # q1, q2, q4 answer with "<sentence> [1]"; q5 is the briefing "## Briefing\nElke Voitl [1]"; q3 refused
    lengths = [len("Spotkanie pod przewodnictwem Elke Voitl"),
               len("Delegacja z Oslo odwiedziła Urząd Miasta Krakowa."),
               len("Delegacja z Oslo odwiedziła Urząd Miasta Krakowa."),
               len("## Briefing Elke Voitl")]  # fmt: skip
    assert result.metrics["answer_chars_mean"] == pytest.approx(sum(lengths) / 4)
    assert next(r for r in result.rows if r.id == "q3").scores.answer_chars is None


def test_intervals_reach_metrics_json_and_both_reports(result, tmp_path):
    assert set(result.intervals) == set(INTERVAL_METRICS)
    lo, hi = result.intervals["must_include_recall"]
    assert lo <= result.metrics["must_include_recall"] <= hi
    write_report(result, tmp_path)
    data = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert data["intervals"] == result.intervals
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| metric | value | 95 % CI | meaning |" in md
    assert f"| must_include_recall | 0.667 | [{lo:.3f}, {hi:.3f}] |" in md
    assert "| hit@1 | 0.667 | – |" in md  # no interval asked for
    assert f"[{lo:.3f}, {hi:.3f}]" in (tmp_path / "report.html").read_text(encoding="utf-8")
