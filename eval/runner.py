"""Load the question set, put every question to the assistant, score each answer.

The assistant is anything with ``ask(question) -> rag.types.Answer`` and
``brief(topic) -> rag.types.Briefing``; the runner only reads those result types, so it measures
whatever pipeline it is handed (or a hand-made fake in tests).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from eval import metrics
from eval.metrics import ItemScores, SentenceChecker
from rag.types import Answer, Briefing, Citation

DEFAULT_QA_PATH = Path(__file__).resolve().parent / "qa.jsonl"
TYPES = (
    "factoid", "list", "multi_doc", "briefing", "typo", "unanswerable", "english",
    "two_part",  # one question asking two things ("kiedy … i kto …")
    "paraphrase",  # worded away from the document's own words
)  # fmt: skip
LANGS = ("pl", "en")
TOP_SOURCES_SHOWN = 5


class QASchemaError(ValueError):
    """The question file is malformed; the message lists every bad line and what is wrong."""


class Assistant(Protocol):
    def ask(self, question: str) -> Answer: ...

    def brief(self, topic: str) -> Briefing: ...


@dataclass(frozen=True)
class GoldArticle:
    """The article that answers: its file and its title line as written in the file (Markdown
    markers and spacing may differ; ``eval.metrics.normalize_title`` evens them out)."""

    source: str
    title: str


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    answer: str  # reference answer; "" when unanswerable
    sources: list[str]  # gold source file names; [] when unanswerable
    must_include: list[list[str]]  # each inner list: alternatives, one must occur in the answer
    type: str
    lang: str
    articles: list[GoldArticle] = field(default_factory=list)  # optional, finer than ``sources``

    @property
    def answerable(self) -> bool:
        return bool(self.sources)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _article_problems(articles: Any) -> list[str]:
    """What is wrong with an item's optional ``articles`` list: each entry is exactly
    ``{"source": file, "title": title line}``, both non-empty strings."""
    shape = "'articles' must be a list of {\"source\": file, \"title\": title line} objects"
    if not isinstance(articles, list):
        return [shape]
    for a in articles:
        if not isinstance(a, dict) or set(a) != {"source", "title"}:
            return [shape]
        if not all(isinstance(a[k], str) and a[k].strip() for k in ("source", "title")):
            return ["'articles' entries need a non-empty 'source' and 'title'"]
    return []


def _item_problems(obj: Any) -> list[str]:
    """What is wrong with one parsed line, in words; empty when it is a valid item."""
    if not isinstance(obj, dict):
        return ["expected a JSON object"]
    problems = []
    for key in ("id", "question", "answer", "type", "lang"):
        if not isinstance(obj.get(key), str):
            problems.append(f"'{key}' must be a string")
    for key in ("id", "question"):
        if isinstance(obj.get(key), str) and not obj[key].strip():
            problems.append(f"'{key}' is empty")
    if not isinstance(obj.get("sources"), list) or not all(isinstance(s, str) for s in obj["sources"]):
        problems.append("'sources' must be a list of file names")
    must = obj.get("must_include")
    if not isinstance(must, list) or not all(_is_str_list(alts) and alts for alts in must):
        problems.append("'must_include' must be a list of non-empty lists of non-empty strings")
    if obj.get("type") not in TYPES:
        problems.append(f"'type' must be one of {', '.join(TYPES)}")
    if obj.get("lang") not in LANGS:
        problems.append(f"'lang' must be one of {', '.join(LANGS)}")
    unknown = set(obj) - {f.name for f in QAItem.__dataclass_fields__.values()}
    if unknown:
        problems.append(f"unknown keys: {', '.join(sorted(unknown))}")
    problems += _article_problems(obj.get("articles", []))
    if problems:
        return problems
    named = {a["source"] for a in obj.get("articles", [])}
    if not named <= set(obj["sources"]):
        problems.append("every article's 'source' must also be listed in 'sources'")
    unanswerable = obj["type"] == "unanswerable"
    if unanswerable and (obj["sources"] or obj["must_include"] or obj["answer"]):
        problems.append("an unanswerable item must have empty 'sources', 'must_include' and 'answer'")
    if not unanswerable and not (obj["sources"] and obj["must_include"] and obj["answer"]):
        problems.append("an answerable item needs 'sources', 'must_include' and 'answer'")
    return problems


def load_qa(path: str | Path = DEFAULT_QA_PATH) -> list[QAItem]:
    """Parse a JSON-lines question set; blank lines are skipped.

    Raises ``QASchemaError`` naming the file, line number and problem of every bad line at once, so
    a hand-edited set is fixed in one pass.
    """
    path = Path(path)
    items: list[QAItem] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path}:{lineno}: invalid JSON ({exc.msg})")
            continue
        problems = _item_problems(obj)
        if not problems and obj["id"] in seen:
            problems = [f"duplicate id {obj['id']!r} (first on line {seen[obj['id']]})"]
        if problems:
            errors.extend(f"{path}:{lineno}: {p}" for p in problems)
            continue
        seen[obj["id"]] = lineno
        articles = [GoldArticle(**a) for a in obj.pop("articles", [])]
        items.append(QAItem(**obj, articles=articles))
    if errors:
        raise QASchemaError("\n".join(errors))
    return items


@dataclass
class QuestionResult:
    """One question's outcome, with enough context to see why it failed."""

    id: str
    type: str
    lang: str
    question: str
    gold_sources: list[str]
    retrieved_sources: list[str]  # distinct source files, best first, top 5
    answer: str
    refused: bool
    missing_must_include: list[list[str]]
    scores: ItemScores
    error: str = ""
    gold_articles: list[list[str]] = field(default_factory=list)  # [source, title]; [] when none named
    retrieved_articles: list[list[str]] = field(default_factory=list)  # [source, normalised title], top 5


@dataclass
class EvalResult:
    metrics: dict[str, float | int | None]
    by_type: dict[str, dict[str, float | int | None]]
    rows: list[QuestionResult] = field(default_factory=list)
    # 95 % percentile-bootstrap interval [lo, hi] of each metric in ``metrics.INTERVAL_METRICS``
    intervals: dict[str, list[float] | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "metrics": self.metrics,
            "intervals": self.intervals,
            "by_type": self.by_type,
            "questions": [asdict(r) for r in self.rows],
        }


@dataclass
class _Response:
    """The parts of an Answer or a Briefing that scoring reads."""

    text: str
    refused: bool
    citations: list[Citation]
    sentences: list[tuple[str, list[int]]]
    sources: list[str]  # source of every retrieved passage, ranked
    total_ms: float | None
    articles: list[tuple[str, str]] = field(default_factory=list)  # (source, title) of each, ranked


def _response(result: Answer | Briefing) -> _Response:
    if isinstance(result, Briefing):
        sentences = [(i.summary, i.citations) for i in result.items]
    else:
        sentences = [(s.text, s.citations) for s in result.sentences]
    return _Response(
        text=result.text if isinstance(result, Briefing) else result.answer,
        refused=result.refused,
        citations=result.citations,
        sentences=sentences,
        sources=[p.source for p in result.passages],
        total_ms=result.timings_ms.get("total"),
        articles=[(p.source, p.title) for p in result.passages],
    )


def score_item(item: QAItem, resp: _Response, latency_ms: float, checker: SentenceChecker) -> ItemScores:
    """Every metric of one question (see ``eval.metrics`` for what each means)."""
    faithful = None
    if not resp.refused:
        texts = {c.n: c.text for c in resp.citations}
        cited = [(text, [texts[n] for n in ns if n in texts]) for text, ns in resp.sentences]
        faithful = metrics.answer_faithful(cited, checker)
    scores = ItemScores(answerable=item.answerable, refused=resp.refused, latency_ms=latency_ms, faithful=faithful)
    if not resp.refused:
        scores.answer_chars = len(metrics.answer_body(resp.text))
    if not item.answerable:
        return scores
    ranked, gold = resp.sources, item.sources
    answer = "" if resp.refused else resp.text  # a refusal message earns no answer credit
    scores.hit_at_1 = metrics.hit_at_k(ranked, gold, 1)
    scores.hit_at_3 = metrics.hit_at_k(ranked, gold, 3)
    scores.hit_at_5 = metrics.hit_at_k(ranked, gold, 5)
    scores.rr_at_10 = metrics.reciprocal_rank(ranked, gold, 10)
    if item.articles:
        gold_articles = [(a.source, a.title) for a in item.articles]
        scores.article_hit_at_1 = metrics.article_hit_at_k(resp.articles, gold_articles, 1)
        scores.article_hit_at_3 = metrics.article_hit_at_k(resp.articles, gold_articles, 3)
    if len(gold) > 1:
        scores.source_recall_at_5 = metrics.source_recall_at_k(ranked, gold, 5)
    scores.must_include_recall = metrics.must_include_recall(answer, item.must_include)
    scores.token_f1 = metrics.token_f1(answer, item.answer)
    scores.citation_precision = metrics.citation_precision([c.source for c in resp.citations], gold)
    return scores


def _default_checker() -> SentenceChecker:
    # Imported late: rag.verify belongs to the answering side and may pull heavier modules.
    from rag.verify import sentence_supported

    return sentence_supported


def _put(assistant: Assistant, item: QAItem) -> Answer | Briefing:
    return assistant.brief(item.question) if item.type == "briefing" else assistant.ask(item.question)


def _evaluate_one(assistant: Assistant, item: QAItem, checker: SentenceChecker) -> QuestionResult:
    error = ""
    start = time.perf_counter()
    try:
        resp = _response(_put(assistant, item))
    except Exception as exc:  # one crashing question must not hide the other results
        error = f"{type(exc).__name__}: {exc}"
        resp = _Response(text="", refused=False, citations=[], sentences=[], sources=[], total_ms=None)
    wall_ms = (time.perf_counter() - start) * 1000
    latency = resp.total_ms if resp.total_ms is not None else wall_ms
    scores = score_item(item, resp, latency, checker)
    scores.error = bool(error)
    if error:
        scores.faithful = None
        scores.answer_chars = None
    return QuestionResult(
        id=item.id,
        type=item.type,
        lang=item.lang,
        question=item.question,
        gold_sources=item.sources,
        retrieved_sources=metrics.dedupe_sources(resp.sources)[:TOP_SOURCES_SHOWN],
        answer=resp.text,
        refused=resp.refused,
        missing_must_include=metrics.missing_must_include("" if resp.refused else resp.text, item.must_include),
        scores=scores,
        error=error,
        gold_articles=[[a.source, a.title] for a in item.articles],
        retrieved_articles=[list(a) for a in metrics.dedupe_articles(resp.articles)[:TOP_SOURCES_SHOWN]],
    )


def run_eval(
    assistant: Assistant,
    items: Sequence[QAItem],
    progress: bool = True,
    checker: SentenceChecker | None = None,
) -> EvalResult:
    """Ask every question once (``brief`` for briefings) and score it.

    One untimed warm-up question runs first so model loading and cold caches do not land in the
    latency of question one. ``checker`` defaults to ``rag.verify.sentence_supported``.
    """
    checker = checker or _default_checker()
    if items:
        assistant.ask(items[0].question)
    rows = [
        _evaluate_one(assistant, item, checker)
        for item in tqdm(items, desc="eval", unit="q", file=sys.stderr, disable=not progress)
    ]
    by_type = {
        t: metrics.summarize([r.scores for r in rows if r.type == t]) for t in TYPES if any(r.type == t for r in rows)
    }
    scores = [r.scores for r in rows]
    return EvalResult(
        metrics=metrics.summarize(scores), by_type=by_type, rows=rows, intervals=metrics.bootstrap_intervals(scores)
    )
