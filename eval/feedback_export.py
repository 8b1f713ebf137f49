"""``rag feedback export`` and ``rag feedback stats``: users' ratings as draft test items, and their counts.

Each exported line has the shape of ``eval/qa.jsonl`` so that an evaluator can turn a real question into
a test item in place, but none of its gold fields is filled from the rated answer: a user's thumb says
the answer helped or not, never which facts are right. Every line is therefore written with
``"reviewed": false`` and with its gold fields empty:

    {"id": "fb000042", "question": "…", "answer": "", "sources": [], "must_include": [], "type": "",
     "lang": "pl", "reviewed": false,
     "feedback": {"row": 42, "rating": -1, "comment": "…", "answer": "the answer as shown",
                  "citations": [{"n": 1, "source": "…", "title": "…", "date": "…", "text": "…", "score": …}],
                  "refused": false, "kind": "answer", "resolved_question": "", "ui_lang": "pl",
                  "channel": "page", "created_at": "…", "updated_at": "…"}}

``type`` is "briefing" for a rated briefing (how it was asked, not a gold fact) and empty otherwise;
``lang`` is the question's language as ``rag`` detected it, where known. ``rag eval`` refuses lines
with ``"reviewed": false``; a reviewer fills in ``answer``, ``sources``, ``must_include``, ``type`` and
``lang`` from the documents, sets ``"reviewed": true`` and may keep ``feedback`` as provenance.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from eval.runner import LANGS
from rag.errors import RagError
from rag.feedback import FeedbackRow, FeedbackStore

ONLY = {"all": None, "up": 1, "down": -1}


def draft_item(row: FeedbackRow) -> dict[str, Any]:
    """One feedback row as an unreviewed test item (see the module's docstring)."""
    return {
        "id": f"fb{row.id:06d}",
        "question": row.question,
        "answer": "",
        "sources": [],
        "must_include": [],
        "type": "briefing" if row.kind == "briefing" else "",
        "lang": row.answer_lang if row.answer_lang in LANGS else "",
        "reviewed": False,
        "feedback": {
            "row": row.id,
            "rating": row.rating,
            "comment": row.comment,
            "answer": row.answer,
            "citations": row.citations,
            "refused": row.refused,
            "kind": row.kind,
            "resolved_question": row.resolved_question,
            "ui_lang": row.ui_lang,
            "channel": row.channel,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        },
    }


def export_items(store: FeedbackStore, only: str = "all") -> list[dict[str, Any]]:
    if only not in ONLY:
        raise RagError(f"--only must be one of {', '.join(ONLY)}, not {only!r}")
    return [draft_item(row) for row in store.rows(ONLY[only])]


def write_export(store: FeedbackStore, out: Path | str, only: str = "all") -> int:
    """Write the draft items to ``out`` ("-": standard output) as JSON lines; how many were written.

    The file is replaced whole (written beside it, then renamed), so an interrupted export never leaves
    half a file where an older export was.
    """
    items = export_items(store, only)
    text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    if str(out) == "-":
        sys.stdout.write(text)
        return len(items)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temp, out)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise RagError(f"Cannot write {out}: {error.strerror or error}. Choose another --out.") from error
    return len(items)


def feedback_stats(store: FeedbackStore) -> dict[str, Any]:
    rows = store.rows()
    ratings = Counter(row.rating for row in rows)
    return {
        "file": str(store.path),
        "total": len(rows),
        "up": ratings[1],
        "down": ratings[-1],
        "with_comment": sum(1 for row in rows if row.comment),
        "by_ui_lang": dict(sorted(Counter(row.ui_lang or "-" for row in rows).items())),
        "by_channel": dict(sorted(Counter(row.channel for row in rows).items())),
        "by_kind": dict(sorted(Counter(row.kind for row in rows).items())),
        "first": rows[0].created_at if rows else None,
        "last": max(row.created_at for row in rows) if rows else None,
    }


def format_stats(stats: dict[str, Any]) -> str:
    if not stats["total"]:
        return f"no ratings yet ({stats['file']})"

    def counts(values: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in values.items())

    return "\n".join([
        f"ratings       {stats['total']}  (up {stats['up']}, down {stats['down']})",
        f"with comment  {stats['with_comment']}",
        f"by language   {counts(stats['by_ui_lang'])}",
        f"by channel    {counts(stats['by_channel'])}",
        f"by kind       {counts(stats['by_kind'])}",
        f"first, last   {stats['first']}, {stats['last']}",
        f"file          {stats['file']}",
    ])


def run_feedback_command(settings, action: str, out: Path | None, only: str, as_json: bool = False) -> int:
    """``rag feedback export|stats``."""
    store = FeedbackStore.for_settings(settings)
    if action == "stats":
        stats = feedback_stats(store)
        print(json.dumps(stats, ensure_ascii=False) if as_json else format_stats(stats))
        return 0
    if out is None:
        raise RagError("rag feedback export needs --out FILE (or --out - for standard output)")
    count = write_export(store, out, only)
    if str(out) != "-":
        print(f"wrote {count} unreviewed item{'s' if count != 1 else ''} to {out}; review them before "
              "`rag eval --qa` (see `rag feedback --help`)", file=sys.stderr)
    return 0
