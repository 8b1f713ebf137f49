"""``rag eval``: run a question-answer set through the assistant, write the report, check floors."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from eval.metrics import floors_check
from eval.report import format_interval, write_report
from eval.runner import DEFAULT_QA_PATH, load_qa, run_eval
from rag.config import Settings


def run_eval_command(settings: Settings, qa: Path | None, out: Path | None, as_json: bool,
                     floors: Path | None, progress: bool, corpora: Sequence[Path] = ()) -> int:
    """``corpora``: extra folders to evaluate against, indexed with the default corpus into a store
    of their own (``eval.stores.store_for``); the default store is never touched."""
    from rag.assistant import Assistant

    items = load_qa(qa or DEFAULT_QA_PATH)  # a malformed set fails before any indexing
    if corpora:
        from eval.stores import store_for

        settings = store_for(settings, corpora, progress=progress)
        print(f"evaluating against {settings.chroma_dir} (collection {settings.collection})", file=sys.stderr)
    result = run_eval(Assistant(settings), items, progress=progress)
    if out:
        for path in write_report(result, out):
            print(f"wrote {path}", file=sys.stderr)
    if as_json:
        print(json.dumps(result.metrics, ensure_ascii=False))
    else:
        width = max(map(len, result.metrics))
        for name, value in result.metrics.items():
            shown = "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
            interval = result.intervals.get(name)
            ci = f"  95% CI {format_interval(interval)}" if interval else ""
            print(f"{name:<{width}}  {shown:<7}{ci}".rstrip())  # as before, the interval appended
    problems = floors_check(result.metrics, json.loads(floors.read_text())) if floors else []
    for problem in problems:
        print(f"below floor: {problem}", file=sys.stderr)
    return 1 if problems else 0
