"""Ablation: the same question sets through the assistant with one component changed at a time.

Answering components are switched off by writing a variant of the fitted model file (a ranker that
knows only the e5 similarity, no elaborating neighbour, no length cap, no refusal), so no setting
exists only for this script; retrieval modes, fusions and the dictionary are the ``retrieval``, ``fusion``
and ``english_dictionary`` settings. One Markdown table per question set.

    python -m eval.ablation [--qa FILE ...] [--corpus DIR ...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from eval.runner import DEFAULT_QA_PATH, load_qa, run_eval
from eval.stores import store_for
from rag.answering import DEFAULT_MODEL_PATH
from rag.config import Settings

COLUMNS = ["hit@3", "article_hit@3", "must_include_recall", "answer_chars_mean", "citation_precision",
           "faithfulness", "refusal_accuracy", "false_refusal_rate", "latency_p95_ms"]


@dataclass(frozen=True)
class Variant:
    label: str
    settings: dict = field(default_factory=dict)  # Settings fields to change
    model: dict = field(default_factory=dict)  # top-level keys of the model file to replace
    composition: dict = field(default_factory=dict)  # keys of the model's composition to replace


def _similarity_only(model: dict) -> dict:
    """A ranker whose only weight is the e5 similarity: "quote what is closest in meaning"."""
    ranker = dict(model["ranker"])
    ranker["coef"] = [1.0 if f == "similarity" else 0.0 for f in ranker["features"]]
    return {"ranker": ranker, "composition": {"add_ratio": 0.0, "add_floor": 0.0, "neighbour_ratio": 1.01}}


VARIANTS = (
    Variant("full: hybrid retrieval (gap fusion), fitted ranker, neighbour, length cap, fitted refusal"),
    Variant("fusion: weighted reciprocal rank (the former default)", settings={"fusion": "rrf"}),
    Variant("retrieval: dense only (e5)", settings={"retrieval": "dense"}),
    Variant("retrieval: BM25 over Morfeusz lemmas", settings={"retrieval": "bm25"}),
    Variant("retrieval: BM25 over folded words", settings={"retrieval": "bm25_raw"}),
    Variant("ranker and refusal off: e5-closest 2 sentences of the top-3 passages (baseline)",
            settings={"top_k": 3, "max_answer_sentences": 2}, model={"similarity_only": True, "answer_threshold": 0.0}),
    Variant("no elaborating neighbour", composition={"neighbour_ratio": 1.01}),
    Variant("no length cap (runners-up join by probability alone)", composition={"max_chars": 10_000}),
    Variant("refusal off (always answer)", model={"answer_threshold": 0.0}),
    Variant("no English-Polish dictionary (English words matched by meaning and names only)",
            settings={"english_dictionary": ""}),
)


def variant_model(variant: Variant, folder: Path) -> Path:
    model = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    if variant.model.get("similarity_only"):
        model.update(_similarity_only(model))
    model["composition"] = {**model["composition"], **variant.composition}
    if "answer_threshold" in variant.model:
        model["answer_threshold"] = variant.model["answer_threshold"]
    path = folder / f"{abs(hash(variant.label))}.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", action="append", type=Path, default=None)
    parser.add_argument("--corpus", action="append", type=Path, default=[])
    args = parser.parse_args(argv)
    from rag.assistant import Assistant

    base = store_for(Settings.load(), args.corpus) if args.corpus else Settings.load()
    sets = {path: load_qa(path) for path in args.qa or [DEFAULT_QA_PATH]}
    rows: dict[Path, list[str]] = {path: [] for path in sets}
    with tempfile.TemporaryDirectory() as folder:
        for variant in VARIANTS:
            settings = base.replace(answering_model=variant_model(variant, Path(folder)), **variant.settings)
            assistant = Assistant(settings)
            for path, items in sets.items():
                metrics = run_eval(assistant, items, progress=False).metrics
                cells = ["n/a" if metrics.get(c) is None else f"{metrics[c]:.0f}" if c.endswith(("_ms", "_mean"))
                         else f"{metrics[c]:.3f}" for c in COLUMNS]
                rows[path].append(f"| {variant.label} | " + " | ".join(cells) + " |")
    for path, lines in rows.items():
        print(f"\n{path} ({len(sets[path])} questions)\n")
        print("| variant | " + " | ".join(COLUMNS) + " |")
        print("|---" * (len(COLUMNS) + 1) + "|")
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
