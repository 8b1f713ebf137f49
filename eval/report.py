"""Write an evaluation result as Markdown, a self-contained HTML page and JSON.

Both human formats are rendered from the same list of tables, so they never disagree.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from eval.runner import EvalResult, QuestionResult

METRIC_NOTES = {
    "n": "questions evaluated",
    "n_answerable": "questions the documents answer",
    "n_unanswerable": "questions the documents do not answer",
    "hit@1": "a gold source file is the top-ranked file (answerable only)",
    "hit@3": "a gold source file is among the top 3 distinct files (answerable only)",
    "hit@5": "a gold source file is among the top 5 distinct files (answerable only)",
    "mrr@10": "mean 1/rank of the first gold file (answerable only)",
    "article_hit@1": "a gold article (file + title) is the top-ranked article (questions naming articles only)",
    "article_hit@3": "a gold article is among the top 3 distinct articles (questions naming articles only)",
    "source_recall@5": "share of gold files in the top 5, questions with 2+ gold files only",
    "must_include_recall": "share of required facts present in the answer (answerable only)",
    "token_f1": "word-overlap F1 against the reference answer (answerable only)",
    "citation_precision": "share of cited passages from a gold file (answerable only)",
    "refusal_accuracy": "share of unanswerable questions refused",
    "false_refusal_rate": "share of answerable questions refused (lower is better)",
    "faithfulness": "share of non-refused answers with every sentence supported by its citations",
    "answer_chars_mean": "mean characters of non-refused answers, without [n] markers and framing line",
    "latency_p50_ms": "median time per question, ms",
    "latency_p95_ms": "95th-percentile time per question, ms",
    "errors": "questions on which the assistant raised an exception",
}
TYPE_COLUMNS = (
    "n", "hit@1", "hit@3", "mrr@10", "article_hit@3", "must_include_recall", "token_f1", "citation_precision",
    "refusal_accuracy", "false_refusal_rate", "faithfulness", "answer_chars_mean", "latency_p50_ms",
)  # fmt: skip
ANSWER_EXCERPT_CHARS = 300


@dataclass
class Table:
    title: str
    note: str
    headers: list[str]
    rows: list[list[str]]


def _fmt(value: float | int | None, name: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{value:.1f}" if name.endswith(("_ms", "_chars_mean")) else f"{value:.3f}"


def format_interval(interval: list[float] | None) -> str:
    """``[0.812, 0.905]``; "–" when the metric has no interval (not bootstrapped, or no question
    it applies to)."""
    return "–" if not interval else f"[{interval[0]:.3f}, {interval[1]:.3f}]"


def _failure_reasons(row: QuestionResult) -> list[str]:
    s = row.scores
    reasons = []
    if row.error:
        reasons.append(f"error: {row.error}")
    if s.answerable and s.refused:
        reasons.append("refused an answerable question")
    if not s.answerable and not s.refused:
        reasons.append("answered an unanswerable question")
    if s.answerable and s.hit_at_3 == 0.0:
        reasons.append("no gold file in top 3")
    if s.answerable and s.article_hit_at_3 == 0.0:
        reasons.append("no gold article in top 3: " + "; ".join(title for _, title in row.gold_articles))
    if s.answerable and not s.refused and row.missing_must_include:
        reasons.append("missing: " + "; ".join(" / ".join(alts) for alts in row.missing_must_include))
    if s.faithful is False:
        reasons.append("a sentence not supported by its citations")
    return reasons


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ANSWER_EXCERPT_CHARS else text[: ANSWER_EXCERPT_CHARS - 1] + "…"


def tables(result: EvalResult) -> list[Table]:
    """The report's content: overall metrics, per-type metrics, and every failed question."""
    overall = Table(
        "Metrics",
        "Retrieval is scored on distinct source files (article_hit on distinct file + title articles); "
        "answer metrics treat a refusal as an empty answer. 95 % CI: percentile bootstrap over questions "
        "(1000 resamples, fixed seed); “–” where none is computed.",
        ["metric", "value", "95 % CI", "meaning"],
        [
            [name, _fmt(value, name), format_interval(result.intervals.get(name)), METRIC_NOTES.get(name, "")]
            for name, value in result.metrics.items()
        ],
    )
    per_type = Table(
        "By question type",
        "“–” means the metric does not apply to that type.",
        ["type", *TYPE_COLUMNS],
        [[t, *(_fmt(m.get(c), c) for c in TYPE_COLUMNS)] for t, m in result.by_type.items()],
    )
    failed = [(row, reasons) for row in result.rows if (reasons := _failure_reasons(row))]
    failures = Table(
        f"Failures ({len(failed)} of {len(result.rows)})",
        "Missed hit@3 or article_hit@3, unmatched must_include facts, wrong refusals, unsupported sentences, "
        "errors.",
        ["id", "type", "question", "what failed", "gold files", "retrieved files (top 5)", "answer"],
        [
            [
                row.id,
                row.type,
                row.question,
                "; ".join(reasons),
                ", ".join(row.gold_sources) or "(none)",
                ", ".join(row.retrieved_sources),
                "(refused) " + _excerpt(row.answer) if row.refused else _excerpt(row.answer),
            ]
            for row, reasons in failed
        ],
    )
    return [overall, per_type, failures]


def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(parts: list[Table]) -> str:
    lines = ["# Evaluation report", ""]
    for t in parts:
        lines += [f"## {t.title}", "", t.note, ""]
        if not t.rows:
            lines += ["None.", ""]
            continue
        lines.append("| " + " | ".join(t.headers) + " |")
        lines.append("|" + "---|" * len(t.headers))
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in t.rows]
        lines.append("")
    return "\n".join(lines)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:110rem}
table{border-collapse:collapse;margin-bottom:2rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}tr:nth-child(even) td{background:#fafafa}
p.note{color:#555}
"""


def render_html(parts: list[Table]) -> str:
    """One file with inline CSS and no scripts, fonts or links: opens offline, anywhere."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Evaluation report</title>',
        f"<style>{_CSS}</style></head><body>",
        "<h1>Evaluation report</h1>",
    ]
    for t in parts:
        out += [f"<h2>{html.escape(t.title)}</h2>", f'<p class="note">{html.escape(t.note)}</p>']
        if not t.rows:
            out.append("<p>None.</p>")
            continue
        out.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in t.headers) + "</tr>")
        out += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in t.rows]
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(result: EvalResult, out_dir: str | Path) -> list[Path]:
    """Write ``report.md``, ``report.html`` and ``metrics.json`` (with per-question rows) into
    ``out_dir``, creating it; returns the written paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    parts = tables(result)
    files = {
        out / "report.md": render_markdown(parts),
        out / "report.html": render_html(parts),
        out / "metrics.json": json.dumps(result.to_json(), ensure_ascii=False, indent=2),
    }
    for path, text in files.items():
        path.write_text(text + "\n", encoding="utf-8")
    return list(files)
