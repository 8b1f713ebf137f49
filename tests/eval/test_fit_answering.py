"""The answering fit's composition choice: highest recall whose mean answer stays within the length
limit on every set, so short answers on one set cannot pay for long ones on another."""

import numpy as np

from eval import fit_answering
from eval.fit_answering import Example, choose_composition, composition_scores
from eval.runner import QAItem
from rag.answering import Composition
from rag.evidence import Evidence, Sentence
from rag.query import QueryPart
from rag.types import Passage

PART = QueryPart(text="Czym zajmowała się grupa z Gandawy?", query="Czym zajmowała się grupa z Gandawy?", groups=(),
                 focus=frozenset(), names=frozenset(), shape="", numbers=frozenset(), unknown_names=())
PASSAGE = Passage(chunk_id="g1", text="", source="g.txt", title="Grupa z Gandawy", date="2029-05-03",
                  date_text="2029-05-03", article=0, start_char=0, end_char=0)


def _example(dataset: str, texts: list[str], fact: str) -> Example:
    sentences = [Sentence(text, PASSAGE, rank=0, position=i, probability=0.9 - 0.1 * i, similarity=0.8)
                 for i, text in enumerate(texts)]
    item = QAItem(id=dataset + fact, question=PART.text, answer=fact, sources=["g.txt"], must_include=[[fact]],
                  type="factoid", lang="pl")
    labels = [np.asarray([float(fact in t) for t in texts])]
    return Example(item, dataset, "g.txt", [Evidence(PART, "pl", [PASSAGE], sentences)], [np.zeros((len(texts), 1))],
                   labels)


SHORT_SET = [_example("short", ["Trzeciego maja gościliśmy pracowników socjalnych z Gandawy.",
                                "Rozmawiano o mieszkaniach treningowych."], "mieszkaniach treningowych")]
LONG_SET = [_example("long", ["Trzeciego maja gościliśmy pracowników socjalnych z Gandawy, którzy przyjechali na "
                              "zaproszenie działu projektów po dwóch latach korespondencji i spotkań online.",
                              "Najwięcej czasu poświęcono streetworkerom i ich pracy nocą na dworcach miasta."],
                     "streetworkerom")]


def test_the_longest_set_s_mean_length_is_reported_beside_the_pooled_one():
    everything = Composition(0.0, 0.0, 0.0)
    recall, chars, longest = composition_scores(SHORT_SET + LONG_SET, everything)
    assert recall == 1.0 and longest > chars


def test_a_composition_whose_answers_run_long_on_one_set_is_not_chosen(monkeypatch):
    # Quoting both sentences everywhere keeps every fact and keeps the pooled mean under the limit,
    # but not the long set's; with the limit between the two, only the best sentence may be quoted there.
    _, pooled, longest = composition_scores(SHORT_SET * 3 + LONG_SET, Composition(0.0, 0.0, 0.0))
    monkeypatch.setattr(fit_answering, "MAX_MEAN_CHARS", (pooled + longest) / 2)
    chosen = choose_composition(SHORT_SET * 3 + LONG_SET)
    _, _, chosen_longest = composition_scores(SHORT_SET * 3 + LONG_SET, chosen)
    assert chosen_longest <= fit_answering.MAX_MEAN_CHARS < longest
