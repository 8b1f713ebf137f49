"""Sweeps the refusal threshold over a question-answer set and prints both error rates per value.

The assistant's confidence is the best sentence's score; each answer's other refusal reasons (an
unknown name, a missing date for "when") do not depend on the threshold, so one pass suffices.
Run: ``python -m eval.calibrate [--qa FILE]``; put the chosen value in ``refusal_threshold``.
"""

from __future__ import annotations

import argparse

import numpy as np

from eval.runner import DEFAULT_QA_PATH, load_qa
from rag.config import Settings


def sweep(settings: Settings, qa_path, thresholds: np.ndarray) -> list[tuple[float, float, float]]:
    """(threshold, refusal accuracy on unanswerables, false-refusal rate on answerables) per value."""
    from rag.assistant import Assistant

    assistant = Assistant(settings.replace(refusal_threshold=-1.0))  # threshold applied below
    rows = []
    for item in load_qa(qa_path):
        if item.type == "briefing":
            continue
        answer = assistant.ask(item.question)
        rows.append((item.answerable, answer.confidence, answer.refused))
    results = []
    for t in thresholds:
        refused = [(ok, other or conf < t) for ok, conf, other in rows]
        unanswerable = [r for ok, r in refused if not ok]
        answerable = [r for ok, r in refused if ok]
        results.append((float(t), float(np.mean(unanswerable)), float(np.mean(answerable))))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", default=DEFAULT_QA_PATH)
    args = parser.parse_args(argv)
    print("threshold  refusal_accuracy  false_refusal_rate")
    for t, accuracy, false_rate in sweep(Settings.load(), args.qa, np.arange(0.70, 1.10, 0.01)):
        print(f"{t:9.2f}  {accuracy:16.3f}  {false_rate:18.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
