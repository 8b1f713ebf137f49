"""Retrieval ablation: the same question set through each retriever, one Markdown table.

Run: ``python -m eval.ablation [--qa FILE]`` against an ingested index (``rag ingest`` first).
"""

from __future__ import annotations

import argparse

from eval.runner import DEFAULT_QA_PATH, load_qa, run_eval
from rag.config import Settings
from rag.retrieval import RETRIEVERS

COLUMNS = ["hit@1", "hit@3", "mrr@10", "must_include_recall", "citation_precision", "faithfulness",
           "refusal_accuracy", "false_refusal_rate", "latency_p95_ms"]
LABELS = {"dense": "dense only (e5)", "bm25_raw": "BM25, folded words", "bm25": "BM25, Morfeusz lemmas",
          "hybrid": "hybrid (dense + BM25 lemmas, RRF)"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", default=DEFAULT_QA_PATH)
    args = parser.parse_args(argv)
    from rag.assistant import Assistant

    items = load_qa(args.qa)
    print("| retrieval | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for mode in RETRIEVERS:
        metrics = run_eval(Assistant(Settings.load(retrieval=mode)), items, progress=False).metrics
        cells = [f"{metrics[c]:.0f}" if c.endswith("_ms") else f"{metrics[c]:.3f}" for c in COLUMNS]
        print(f"| {LABELS.get(mode, mode)} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
