"""The fitting script keeps a default unless a setting beats it (ties go to the default), compares
fusion methods out of fold with an interval that resamples documents, and ships the preferred method
among those the development sets cannot tell apart."""

from __future__ import annotations

import numpy as np

from eval.fit_retrieval import FORMER, PREFERENCE, Setting, choose, difference_interval, families, out_of_fold, ship
from rag.config import Settings
from rag.retrieval import Fusion


def test_the_default_wins_a_tie():
    rr = np.array([[1.0, 1.0, 0.5], [0.5, 0.5, 1.0]])
    assert choose(rr, incumbent=1) == 1


def test_a_setting_with_a_better_mean_replaces_the_default():
    rr = np.array([[1.0, 0.5], [1.0, 0.5]])
    assert choose(rr, incumbent=1) == 0


def test_out_of_fold_scores_each_held_out_question_with_the_setting_chosen_without_it():
    rr = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    folds = [(np.array([0, 1]), np.array([2])), (np.array([2]), np.array([0, 1]))]
    oof, picks = out_of_fold(rr, folds, incumbent=None)
    assert picks == [0, 1] and oof.tolist() == [0.0, 0.0, 0.0]  # each fold's choice is wrong for the other


def test_a_difference_resting_on_one_document_is_within_noise_and_one_every_document_shows_is_not():
    groups = [f"doc{i // 2}.txt" for i in range(20)]  # 10 documents, 2 questions each
    one = np.zeros(20)
    one[:2] = -0.5
    assert difference_interval(one, groups)[1] >= 0
    assert difference_interval(np.full(20, -0.1), groups)[1] < 0


def _result(oof_mean: float, within: bool) -> dict:
    return {"oof": np.array([oof_mean]), "within_noise": within}


def test_the_preferred_method_ships_when_the_development_sets_cannot_tell_it_from_the_best():
    results = {"dist_based_score": _result(0.924, True), "gap": _result(0.921, True), "rrf": _result(0.914, True)}
    assert PREFERENCE[0] == "gap" and ship(results, best="dist_based_score") == "gap"


def test_the_best_method_ships_when_it_is_clearly_better_than_every_preferred_one():
    results = {"dist_based_score": _result(0.95, True), "gap": _result(0.90, False), "rrf": _result(0.89, False)}
    assert ship(results, best="dist_based_score") == "dist_based_score"


def test_every_method_the_retriever_offers_is_compared_and_the_settings_default_is_on_its_grid():
    shippable = {f.name: f for f in families() if f.shippable}
    assert set(shippable) == {"gap", "rrf", "relative_score", "dist_based_score"}
    assert Setting(Fusion.from_settings(Settings())) in shippable[Settings().fusion].grid
    assert FORMER in shippable["rrf"].grid
