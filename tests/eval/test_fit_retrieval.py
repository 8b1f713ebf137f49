"""The fitting script keeps the default unless a setting beats it, and ties go to the default."""

from __future__ import annotations

import numpy as np

from eval.fit_retrieval import choose


def test_the_default_wins_a_tie():
    rr = np.array([[1.0, 1.0, 0.5], [0.5, 0.5, 1.0]])
    assert choose(rr, incumbent=1) == 1


def test_a_setting_with_a_better_mean_replaces_the_default():
    rr = np.array([[1.0, 0.5], [1.0, 0.5]])
    assert choose(rr, incumbent=1) == 0
