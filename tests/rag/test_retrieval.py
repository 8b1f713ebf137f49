"""The hybrid retriever's fusion: weighted reciprocal ranks, as documented and as the fitting script
(eval/fit_retrieval.py) replays it."""

from __future__ import annotations

import pytest
from llama_index.core.schema import NodeWithScore, TextNode

from rag.retrieval import fuse


def _ranking(*ids: str) -> list[NodeWithScore]:
    return [NodeWithScore(node=TextNode(id_=i, text=f"Akapit {i}."), score=1.0) for i in ids]


def test_a_passage_both_rankings_hold_beats_one_only_the_heavier_ranking_holds():
    fused = fuse(_ranking("a", "b"), _ranking("b", "c"), dense_weight=0.75, rrf_k=10, top_k=3)
    assert [n.node.node_id for n in fused] == ["b", "a", "c"]
    assert fused[0].score == pytest.approx(0.75 / 12 + 0.25 / 11)


def test_the_dense_weight_decides_between_two_first_places():
    dense, keyword = _ranking("a"), _ranking("k")
    assert fuse(dense, keyword, 0.75, 10, 2)[0].node.node_id == "a"
    assert fuse(dense, keyword, 0.25, 10, 2)[0].node.node_id == "k"


def test_a_small_rrf_k_favours_first_places_a_large_one_agreement_further_down():
    dense, keyword = _ranking("a", "x", "y", "b"), _ranking("c", "z", "w", "b")
    assert fuse(dense, keyword, 0.5, 1, 6)[0].node.node_id == "a"  # 0.5/2 against 2 x 0.5/5
    assert fuse(dense, keyword, 0.5, 60, 6)[0].node.node_id == "b"  # 0.5/61 against 2 x 0.5/64


def test_top_k_bounds_the_fused_ranking():
    assert len(fuse(_ranking("a", "b", "c"), _ranking("d", "e"), 0.5, 10, 2)) == 2
