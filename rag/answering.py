"""The fitted answering models: which sentences answer a question part, and whether any does.

Both are logistic regressions over features of the evidence, fitted by ``python -m eval.fit_answering``
on the development question sets with leave-documents-out cross-validation, and stored with their
composition thresholds, feature names and cross-validation report in one versioned JSON file
(``rag/models/answering.json``). Applying them is a dot product, so answering needs no scikit-learn at
run time, and a change of features without a refit fails loudly (the names must match).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import RagError
from rag.evidence import Evidence, Sentence
from rag.shapes import SHAPES_BY_NAME, names_in

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "answering.json"
FORMAT_VERSION = 1

SENTENCE_FEATURES = (
    "similarity", "similarity_gap", "coverage", "coverage_gap", "passage_rank", "first_in_passage",
    "has_required_shape", "has_other_shape", "has_focus", "echoes_question", "previous_similarity_gap", "previous_coverage",
    "next_similarity_gap", "log_chars", "has_number", "has_name", "continues_line", "name_coverage",
    "english_x_similarity_gap", "english_x_coverage", "similarity_rank", "coverage_rank",
)
PART_FEATURES = (
    "best_probability", "second_probability", "best_similarity", "best_coverage", "known_share",
    "unknown_name_pl", "unknown_name_en", "missing_number", "shape_missing", "best_echoes",
    "best_name_coverage", "english",
)
_NO_NEIGHBOUR_GAP = -0.3  # a sentence with no neighbour looks like one whose neighbour is off-topic
_SHAPE_LOOKS_AT = 3  # a required shape must be among the best few sentences …
_ABOUT_NAMES = 0.5  # … that name most of what the question names


def sentence_features(evidence: Evidence) -> np.ndarray:
    """One row per sentence of ``evidence`` (columns: ``SENTENCE_FEATURES``)."""
    sentences = evidence.sentences
    if not sentences:
        return np.zeros((0, len(SENTENCE_FEATURES)))
    top_sim = max(s.similarity for s in sentences)
    top_cov = max(s.coverage for s in sentences)
    similarity_rank = _ranks([s.similarity for s in sentences])
    coverage_rank = _ranks([s.coverage for s in sentences])
    english = float(evidence.lang == "en")
    shape = SHAPES_BY_NAME.get(evidence.part.shape)
    required = bool(shape and shape.required)  # a date for "when" says more than an enumeration for "which"
    rows = []
    for i, s in enumerate(sentences):
        previous = sentences[i - 1] if i > 0 and sentences[i - 1].passage is s.passage else None
        following = sentences[i + 1] if i + 1 < len(sentences) and sentences[i + 1].passage is s.passage else None
        gap = s.similarity - top_sim
        rows.append((
            s.similarity, gap, s.coverage, s.coverage - top_cov, s.rank, float(s.position == 0),
            float(s.has_shape and required), float(s.has_shape and not required), float(s.has_focus),
            float(s.echoes_question),
            previous.similarity - top_sim if previous else _NO_NEIGHBOUR_GAP,
            previous.coverage if previous else 0.0,
            following.similarity - top_sim if following else _NO_NEIGHBOUR_GAP,
            math.log(len(s.text)), float(any(c.isdigit() for c in s.text)), float(bool(names_in(s.text))),
            float(bool(s.heading)), name_coverage(evidence, s), english * gap, english * s.coverage,
            math.log1p(similarity_rank[i]), math.log1p(coverage_rank[i]),
        ))
    return np.asarray(rows, dtype=float)


def _ranks(values: list[float]) -> np.ndarray:
    """0 for the highest value, 1 for the next, …: a linear model cannot see "best of this question"."""
    return np.argsort(np.argsort(-np.asarray(values), kind="stable"), kind="stable")


def name_coverage(evidence: Evidence, sentence: Sentence) -> float:
    """Share of the weight (idf) of the names the part asks about that the sentence or its article's
    title mentions: a rare name ("Trondheim") counts more than one most documents share ("MOPS")."""
    total = sum(evidence.term_weights[k] for k in evidence.name_keys)
    if not total:
        return 1.0
    return sum(evidence.term_weights[k] for k in evidence.name_keys & set(sentence.matched)) / total


def part_features(evidence: Evidence) -> np.ndarray:
    """One row (``PART_FEATURES``) for a question part whose sentences carry probabilities."""
    part = evidence.part
    ranked = best_first(evidence.sentences)
    best = ranked[0] if ranked else None
    passages = " ".join(f"{p.title} {p.date_text} {p.date} {p.text}" for p in evidence.passages)
    shape = SHAPES_BY_NAME.get(part.shape)
    # The kind of answer asked for must come from a sentence about the names asked about: the leader of
    # one delegation does not answer who led another.
    about = [s for s in ranked[:_SHAPE_LOOKS_AT] if name_coverage(evidence, s) >= _ABOUT_NAMES]
    shape_missing = bool(shape and shape.required and not any(shape.matches(s.text) for s in about))
    unknown = float(bool(part.unknown_names))
    english = float(evidence.lang == "en")
    return np.asarray([
        best.probability if best else 0.0,
        ranked[1].probability if len(ranked) > 1 else 0.0,
        max((s.similarity for s in ranked), default=0.0),
        max((s.coverage for s in ranked), default=0.0),
        len(evidence.term_weights) / len(part.groups) if part.groups else 0.0,
        unknown * (evidence.lang == "pl"),
        unknown * (evidence.lang == "en"),
        float(any(not _mentions_number(n, passages) for n in part.numbers)),
        float(shape_missing),
        float(bool(best and best.echoes_question)),
        name_coverage(evidence, best) if best else 0.0,
        english,
    ], dtype=float)


def _mentions_number(number: str, text: str) -> bool:
    return bool(re.search(rf"(?<!\w){re.escape(number)}(?!\w)", text))


def best_first(sentences: list[Sentence]) -> list[Sentence]:
    """Distinct sentences (overlapping chunks repeat them), most probable answer first."""
    seen: set[str] = set()
    kept = []
    for sentence in sorted(sentences, key=lambda s: -s.probability):
        if sentence.text not in seen:
            seen.add(sentence.text)
            kept.append(sentence)
    return kept


@dataclass(frozen=True)
class LinearModel:
    """A standardised logistic regression: ``sigmoid(((x - mean) / scale) · coef + intercept)``."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def probability(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        z = ((rows - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def from_json(cls, data: dict, expected: tuple[str, ...]) -> LinearModel:
        model = cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["coef"]),
                    float(data["intercept"]))
        if model.features != expected:
            raise ModelMismatch(f"the answering model was fitted on features {model.features}, the code computes "
                                f"{expected}; refit with `python -m eval.fit_answering`")
        return model


class ModelMismatch(RagError):
    """The answering model file does not fit this code."""


@dataclass(frozen=True)
class Composition:
    """How many of the ranked sentences make an answer (fitted with the ranker)."""

    add_ratio: float  # a runner-up joins when its probability is at least this share of the best's …
    add_floor: float  # … and at least this
    neighbour_ratio: float  # the sentence right after the best joins at this share (it often elaborates)
    max_chars: int = 10_000  # a sentence after the best joins only while the answer stays within this length


@dataclass(frozen=True)
class AnsweringModel:
    ranker: LinearModel
    refusal: LinearModel
    answer_threshold: float  # a part is answered when the refusal model's probability reaches this
    composition: Composition

    def judge(self, evidence: Evidence) -> tuple[bool, float]:
        """Ranks the part's sentences; whether the documents answer it, and the probability it rests on."""
        probability = self.answered_probability(self.rank(evidence))
        return probability >= self.answer_threshold, probability

    def rank(self, evidence: Evidence) -> Evidence:
        """Sets each sentence's probability of holding the answer."""
        for sentence, p in zip(evidence.sentences, self.ranker.probability(sentence_features(evidence))):
            sentence.probability = float(p)
        return evidence

    def answered_probability(self, evidence: Evidence) -> float:
        """Probability that the documents answer this part (its sentences must be ranked first)."""
        if not evidence.sentences:
            return 0.0
        return float(self.refusal.probability(part_features(evidence)[None, :])[0])

    @classmethod
    def load(cls, path: Path | None = None) -> AnsweringModel:
        path = Path(path or DEFAULT_MODEL_PATH)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelMismatch(f"cannot read the answering model {path}: {error}; "
                                f"fit it with `python -m eval.fit_answering`") from error
        if data.get("format") != FORMAT_VERSION:
            raise ModelMismatch(f"{path} has format {data.get('format')}, this code reads {FORMAT_VERSION}")
        return cls(
            ranker=LinearModel.from_json(data["ranker"], SENTENCE_FEATURES),
            refusal=LinearModel.from_json(data["refusal"], PART_FEATURES),
            answer_threshold=float(data["answer_threshold"]),
            composition=Composition(**data["composition"]),
        )
