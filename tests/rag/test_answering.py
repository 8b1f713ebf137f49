"""The fitted answering step: the model file must match the code; composition follows the fitted
thresholds (best sentence, its elaborating neighbour, close runners-up, within the budget)."""

import json

import numpy as np
import pytest

from rag.answering import (PART_FEATURES, SENTENCE_FEATURES, AnsweringModel, Composition, ModelMismatch,
                           part_features, sentence_features)
from rag.composer import ExtractiveComposer
from rag.config import Settings
from rag.evidence import Evidence, Sentence
from rag.query import QueryPart
from rag.types import Passage

PART = QueryPart(text="Co interesowało gości z Utrechtu?", query="Co interesowało gości z Utrechtu?", groups=(),
                 focus=frozenset(), names=frozenset(), shape="", numbers=frozenset({"2031"}), unknown_names=())
PASSAGE = Passage(chunk_id="c1", text="", source="u.txt", title="Goście z Utrechtu", date="2030-02-07",
                  date_text="2030-02-07", article=0, start_char=0, end_char=0)
TEXTS = ["Siódmego lutego przyjęliśmy grupę terapeutów z Utrechtu.",
         "Najbardziej ciekawiła ich praca asystentów rodzin.",
         "Wizyta zakończyła się wspólnym obiadem w klubie.",
         "Goście obejrzeli też nowy punkt informacyjny."]


def _evidence(probabilities):
    sentences = [Sentence(text, PASSAGE, rank=0, position=i, probability=p, similarity=0.8 - 0.01 * i)
                 for i, (text, p) in enumerate(zip(TEXTS, probabilities))]
    return Evidence(PART, "pl", [PASSAGE], sentences)


class _Model:
    def __init__(self, composition):
        self.composition = composition


def _answer(probabilities, composition, budget=3):
    composer = ExtractiveComposer(Settings(), _Model(composition))
    return [c.text for c in composer.run(_evidence(probabilities), budget)]


def test_the_sentence_after_a_scene_setting_best_joins_when_it_is_likely_to_elaborate():
    keep_neighbour = Composition(add_ratio=1.01, add_floor=0.9, neighbour_ratio=0.5)
    assert _answer([0.8, 0.5, 0.1, 0.1], keep_neighbour) == TEXTS[:2]
    assert _answer([0.8, 0.3, 0.1, 0.1], keep_neighbour) == TEXTS[:1]


def test_runners_up_join_only_when_close_to_the_best_and_the_answer_keeps_document_order():
    runners_up = Composition(add_ratio=0.7, add_floor=0.3, neighbour_ratio=1.01)
    assert _answer([0.2, 0.9, 0.1, 0.7], runners_up) == [TEXTS[1], TEXTS[3]]


def test_the_answer_never_exceeds_its_budget():
    generous = Composition(add_ratio=0.0, add_floor=0.0, neighbour_ratio=0.0)
    assert len(_answer([0.9, 0.8, 0.7, 0.6], generous, budget=2)) == 2


def test_no_sentence_joins_past_the_length_cap_but_the_best_is_always_quoted_whole():
    capped = Composition(add_ratio=0.0, add_floor=0.0, neighbour_ratio=0.0, max_chars=len(TEXTS[0]) + 10)
    assert _answer([0.9, 0.8, 0.7, 0.6], capped) == TEXTS[:1]
    tiny = Composition(add_ratio=0.0, add_floor=0.0, neighbour_ratio=0.0, max_chars=5)
    assert _answer([0.2, 0.9, 0.1, 0.1], tiny) == [TEXTS[1]]
    # a shorter runner-up still fits where the longer neighbour did not
    fitting = Composition(add_ratio=0.0, add_floor=0.0, neighbour_ratio=0.0,
                          max_chars=len(TEXTS[0]) + 1 + len(TEXTS[3]))
    assert _answer([0.9, 0.8, 0.1, 0.7], fitting) == [TEXTS[0], TEXTS[3]]


def test_features_have_one_column_per_name_and_a_year_the_passages_lack_is_flagged():
    evidence = _evidence([0.9, 0.5, 0.1, 0.1])
    assert sentence_features(evidence).shape == (4, len(SENTENCE_FEATURES))
    row = dict(zip(PART_FEATURES, part_features(evidence)))
    assert row["missing_number"] == 1.0 and row["best_probability"] == 0.9


def test_the_shipped_model_matches_the_features_this_code_computes():
    model = AnsweringModel.load()
    assert 0.0 < model.answer_threshold < 1.0
    assert model.ranker.probability(np.zeros((1, len(SENTENCE_FEATURES)))).shape == (1,)


def test_a_model_fitted_on_other_features_is_refused_with_the_command_that_refits_it(tmp_path):
    data = json.loads(AnsweringModel.load.__globals__["DEFAULT_MODEL_PATH"].read_text())
    data["ranker"]["features"] = data["ranker"]["features"][:-1]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelMismatch, match="eval.fit_answering"):
        AnsweringModel.load(path)
