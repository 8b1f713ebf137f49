"""The hybrid retriever's fusion, as documented and as the fitting script (eval/fit_retrieval.py)
replays it: the score-gap fusion that ships, reciprocal ranks, and llama-index's score modes."""

from __future__ import annotations

import pytest
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.schema import NodeWithScore, TextNode

from rag.config import Settings
from rag.retrieval import Fusion, fuse

RRF = Fusion("rrf", dense_weight=0.75, rrf_k=10)  # the default until fusion methods were compared
GAP = Fusion.from_settings(Settings())


def _ranking(*ids: str, scores: list[float] | None = None) -> list[NodeWithScore]:
    scores = scores or [1.0] * len(ids)
    return [NodeWithScore(node=TextNode(id_=i, text=f"Akapit {i}."), score=s) for i, s in zip(ids, scores)]


def _ids(hits: list[NodeWithScore]) -> list[str]:
    return [h.node.node_id for h in hits]


def _crowd(n: int = 20) -> list[NodeWithScore]:
    """A dense ranking of an archive of similar items: 20 hits, all about equally close."""
    return _ranking(*(f"d{i}" for i in range(n)), scores=[0.850 - 0.0005 * i for i in range(n)])


def test_the_shipped_fusion_is_the_score_gap_with_its_fitted_knob():
    assert GAP == Fusion("gap", cosine_gap=Settings().cosine_gap) and GAP.method == "gap"


def test_a_passage_only_bm25_ranks_first_with_a_clear_margin_reaches_the_fused_top_3():
    dense = _crowd()
    keyword = _ranking("rare", "d3", "d7", "d11", scores=[12.0, 4.0, 3.9, 3.8])  # a name only one item contains
    assert "rare" in _ids(fuse(dense, keyword, GAP, 3))
    assert "rare" not in _ids(fuse(dense, keyword, RRF, 3))  # reciprocal ranks: 0.25/11 is below all 20 dense hits


def test_a_clearly_closer_dense_hit_still_beats_a_keyword_only_hit():
    dense = _ranking("close", "a", "b", scores=[0.90, 0.80, 0.79])
    keyword = _ranking("k", "a", scores=[10.0, 2.0])
    assert _ids(fuse(dense, keyword, GAP, 4))[0] == "close"


def test_keyword_scores_that_are_all_alike_leave_the_order_to_the_cosines():
    dense = _ranking("a", "b", "c", scores=[0.86, 0.84, 0.82])
    keyword = _ranking("c", "b", "a", scores=[3.0, 3.0, 3.0])
    assert _ids(fuse(dense, keyword, GAP, 3)) == ["a", "b", "c"]


def test_gap_scores_bm25_against_the_best_and_cosine_as_its_shortfall_in_gaps():
    dense = _ranking("a", "b", scores=[0.86, 0.84])
    keyword = _ranking("b", "k", scores=[6.0, 3.0])
    fused = {h.node.node_id: h.score for h in fuse(dense, keyword, Fusion("gap", cosine_gap=0.02), 3)}
    assert fused["a"] == pytest.approx(0.0)  # best cosine, no keyword score
    assert fused["b"] == pytest.approx(1.0 - 0.02 / 0.02)
    assert fused["k"] == pytest.approx(0.5 - 0.02 / 0.02)  # not in the dense ranking: its floor, 0.84


def test_a_passage_both_rankings_hold_beats_one_only_the_heavier_ranking_holds():
    fused = fuse(_ranking("a", "b"), _ranking("b", "c"), RRF, top_k=3)
    assert _ids(fused) == ["b", "a", "c"]
    assert fused[0].score == pytest.approx(0.75 / 12 + 0.25 / 11)


def test_the_dense_weight_decides_between_two_first_places():
    dense, keyword = _ranking("a"), _ranking("k")
    assert _ids(fuse(dense, keyword, Fusion("rrf", 0.75, 10), 2))[0] == "a"
    assert _ids(fuse(dense, keyword, Fusion("rrf", 0.25, 10), 2))[0] == "k"


def test_a_small_rrf_k_favours_first_places_a_large_one_agreement_further_down():
    dense, keyword = _ranking("a", "x", "y", "b"), _ranking("c", "z", "w", "b")
    assert _ids(fuse(dense, keyword, Fusion("rrf", 0.5, 1), 6))[0] == "a"  # 0.5/2 against 2 x 0.5/5
    assert _ids(fuse(dense, keyword, Fusion("rrf", 0.5, 60), 6))[0] == "b"  # 0.5/61 against 2 x 0.5/64


@pytest.mark.parametrize("fusion", [GAP, RRF, Fusion("relative_score", 0.7), Fusion("dist_based_score", 0.7)])
def test_top_k_bounds_the_fused_ranking(fusion):
    assert len(fuse(_ranking("a", "b", "c"), _ranking("d", "e"), fusion, 2)) == 2


@pytest.mark.parametrize("fusion", [GAP, RRF, Fusion("relative_score", 0.7)])
def test_an_empty_ranking_leaves_the_other_in_its_order(fusion):
    dense = _ranking("a", "b", "c", scores=[0.9, 0.8, 0.7])
    assert _ids(fuse(dense, [], fusion, 3)) == ["a", "b", "c"]
    assert _ids(fuse([], _ranking("k", "l", scores=[5.0, 1.0]), fusion, 3)) == ["k", "l"]


class _Fixed(BaseRetriever):
    def __init__(self, hits: list[NodeWithScore]) -> None:
        super().__init__()
        self.hits = hits

    def _retrieve(self, query_bundle):
        return [NodeWithScore(node=h.node, score=h.score) for h in self.hits]  # llama-index rescales in place


@pytest.mark.parametrize("mode", ["relative_score", "dist_based_score"])
def test_the_score_modes_give_llama_index_query_fusion_retrievers_ranking_and_scores(mode):
    dense = _ranking("a", "b", "c", "d", scores=[0.88, 0.86, 0.83, 0.80])
    keyword = _ranking("c", "k", "a", scores=[7.0, 5.5, 1.0])
    reference = QueryFusionRetriever([_Fixed(dense), _Fixed(keyword)], llm=MockLLM(), mode=mode, num_queries=1,
                                     use_async=False, similarity_top_k=5, retriever_weights=[0.7, 0.3])
    expected = reference.retrieve("pytanie")
    ours = fuse(dense, keyword, Fusion(mode, dense_weight=0.7), 5)
    assert _ids(ours) == _ids(expected)
    assert [h.score for h in ours] == pytest.approx([h.score for h in expected])


def test_an_unknown_fusion_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="gap, rrf, relative_score, dist_based_score"):
        Fusion("borda")


def test_the_settings_choose_the_fusion_and_its_knobs(monkeypatch):
    monkeypatch.setenv("RAG_FUSION", "rrf")
    monkeypatch.setenv("RAG_RRF_K", "30")
    assert Fusion.from_settings(Settings.load()) == Fusion("rrf", dense_weight=0.75, rrf_k=30, cosine_gap=0.02)
