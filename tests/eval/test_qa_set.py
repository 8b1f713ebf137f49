"""The shipped question set is well-formed and every expected fact is really in its gold sources."""

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.runner import DEFAULT_QA_PATH, LANGS, TYPES, GoldArticle, QASchemaError, load_qa

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"
NEWER_TYPES = {"two_part", "paraphrase"}  # accepted for later sets; the shipped sets predate them
ITEMS = load_qa(DEFAULT_QA_PATH)
HOLDOUT = load_qa(DEFAULT_QA_PATH.with_name("qa_holdout.jsonl"))  # written apart from development


def test_shipped_set_is_large_enough_and_covers_every_type_and_language():
    assert len(ITEMS) >= 60
    types = Counter(i.type for i in ITEMS)
    assert set(TYPES) - NEWER_TYPES <= set(types) <= set(TYPES)
    assert set(i.lang for i in ITEMS) == set(LANGS)
    assert types["unanswerable"] >= 8
    assert any(i.lang == "en" for i in ITEMS if i.type == "unanswerable")


def test_multi_doc_items_name_two_or_more_sources():
    assert all(len(i.sources) >= 2 for i in ITEMS + HOLDOUT if i.type == "multi_doc")


def test_held_out_set_shares_no_question_with_the_development_set():
    assert {i.question for i in HOLDOUT}.isdisjoint(i.question for i in ITEMS)
    assert set(TYPES) - NEWER_TYPES <= set(i.type for i in HOLDOUT) <= set(TYPES)


def test_every_named_source_exists_in_the_corpus():
    named = {s for i in ITEMS for s in i.sources}
    assert named, "no sources named at all"
    missing = sorted(s for s in named if not (CORPUS / s).is_file())
    assert missing == []


@pytest.mark.parametrize("item", [i for i in ITEMS + HOLDOUT if i.answerable], ids=lambda i: i.id)
def test_every_must_include_alternative_occurs_in_a_gold_source(item):
    texts = [(CORPUS / s).read_text(encoding="utf-8").lower() for s in item.sources]
    ungrounded = [alt for alts in item.must_include for alt in alts if not any(alt.lower() in t for t in texts)]
    assert ungrounded == [], f"{item.id}: not in {item.sources}"


def _write(tmp_path, *objs) -> Path:
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs) + "\n", encoding="utf-8")
    return path


GOOD = {"id": "q1", "question": "Kto?", "answer": "Elke Voitl", "sources": ["x.txt"],
        "must_include": [["Voitl"]], "type": "factoid", "lang": "pl"}  # fmt: skip


def test_load_qa_reads_items_and_skips_blank_lines(tmp_path):
    items = load_qa(_write(tmp_path, GOOD, "", {**GOOD, "id": "q2"}))
    assert [i.id for i in items] == ["q1", "q2"]
    assert items[0].answerable and items[0].must_include == [["Voitl"]]


def test_load_qa_names_line_and_problem_of_every_bad_line(tmp_path):
    path = _write(
        tmp_path,
        GOOD,
        "{not json",
        {**GOOD, "id": "q3", "type": "trivia"},
        {**GOOD, "id": "q1"},
        {**GOOD, "id": "q5", "type": "unanswerable"},
        {**GOOD, "id": "q6", "must_include": ["Voitl"]},
    )
    with pytest.raises(QASchemaError) as err:
        load_qa(path)
    message = str(err.value)
    assert ":2: invalid JSON" in message
    assert ":3: 'type' must be one of" in message
    assert ":4: duplicate id 'q1' (first on line 1)" in message
    assert ":5: an unanswerable item must have empty" in message
    assert ":6: 'must_include' must be a list of non-empty lists" in message


def test_load_qa_rejects_answerable_item_without_sources(tmp_path):
    with pytest.raises(QASchemaError, match=r":1: an answerable item needs"):
        load_qa(_write(tmp_path, {**GOOD, "sources": []}))


ARTICLE = {"source": "x.txt", "title": "## Wizyta delegacji"}


def test_load_qa_reads_gold_articles_and_the_new_types(tmp_path):
    items = load_qa(_write(
        tmp_path,
        {**GOOD, "articles": [ARTICLE]},
        {**GOOD, "id": "q2", "type": "two_part"},
        {**GOOD, "id": "q3", "type": "paraphrase"},
    ))  # fmt: skip
    assert items[0].articles == [GoldArticle("x.txt", "## Wizyta delegacji")]
    assert items[1].articles == [] and [i.type for i in items[1:]] == ["two_part", "paraphrase"]


def test_load_qa_still_rejects_unknown_keys(tmp_path):
    with pytest.raises(QASchemaError, match=r":1: unknown keys: article, notes"):
        load_qa(_write(tmp_path, {**GOOD, "article": ARTICLE, "notes": "x"}))


@pytest.mark.parametrize(
    "articles, problem",
    [
        ("x.txt", "'articles' must be a list of"),
        ([{"source": "x.txt"}], "'articles' must be a list of"),
        ([{**ARTICLE, "date": "2022"}], "'articles' must be a list of"),
        ([{"source": "x.txt", "title": " "}], "need a non-empty 'source' and 'title'"),
        ([{"source": "y.txt", "title": "Wizyta"}], "must also be listed in 'sources'"),
    ],
)
def test_load_qa_names_a_malformed_articles_list(tmp_path, articles, problem):
    with pytest.raises(QASchemaError, match=problem):
        load_qa(_write(tmp_path, {**GOOD, "articles": articles}))
