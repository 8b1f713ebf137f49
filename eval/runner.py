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
from rag.errors import RagError
from rag.types import Answer, Briefing, Citation

DEFAULT_QA_PATH = Path(__file__).resolve().parent / "qa.jsonl"
TYPES = (
    "factoid", "list", "multi_doc", "briefing", "typo", "unanswerable", "english",
    "two_part",  # one question asking two things ("kiedy … i kto …")
    "paraphrase",  # worded away from the document's own words
)  # fmt: skip
LANGS = ("pl", "en")
TOP_SOURCES_SHOWN = 5
# Optional keys that ``rag feedback export`` writes: a row is a draft until someone fills in its gold
# fields from the documents and sets "reviewed" to true; "feedback" (the rated answer) is provenance only.
REVIEW_KEYS = ("reviewed", "feedback")
MAX_BAD_LINES_SHOWN = 20
REQUIRED_KEYS = ("id", "question", "answer", "sources", "must_include", "type", "lang")
UNREVIEWED = ("unreviewed feedback row (\"reviewed\": false): fill in 'answer', 'sources', 'must_include', "
              "'type' and 'lang' from the documents and set \"reviewed\": true, or delete the line")


class QASchemaError(RagError, ValueError):
    """The question file is malformed or unreadable: one line of the message per bad line of the file,
    naming the file, the line number and every problem on it. A ``RagError``: ``rag eval`` prints it
    and exits 2."""


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
    if obj.get("reviewed") is False:
        return [UNREVIEWED]  # its empty gold fields are expected, not problems of their own
    problems = []
    if "reviewed" in obj and obj["reviewed"] is not True:
        problems.append("'reviewed' must be true or false")
    missing = [key for key in REQUIRED_KEYS if key not in obj]
    if missing:
        problems.append(f"missing {', '.join(repr(k) for k in missing)}")
    for key in ("id", "question", "answer", "type", "lang"):
        if key in obj and not isinstance(obj[key], str):
            problems.append(f"'{key}' must be a string")
    for key in ("id", "question"):
        if isinstance(obj.get(key), str) and not obj[key].strip():
            problems.append(f"'{key}' is empty")
    sources = obj.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        problems.append("'sources' must be a list of file names")
    must = obj.get("must_include", [])
    if not isinstance(must, list) or not all(_is_str_list(alts) and alts for alts in must):
        problems.append("'must_include' must be a list of non-empty lists of non-empty strings")
    if isinstance(obj.get("type"), str) and obj["type"] not in TYPES:
        problems.append(f"'type' must be one of {', '.join(TYPES)} (not {obj['type'][:40]!r})")
    if isinstance(obj.get("lang"), str) and obj["lang"] not in LANGS:
        problems.append(f"'lang' must be one of {', '.join(LANGS)} (not {obj['lang'][:40]!r})")
    unknown = set(obj) - {f.name for f in QAItem.__dataclass_fields__.values()} - set(REVIEW_KEYS)
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

    Raises ``QASchemaError`` with one line per bad line of the file (its path, line number and every
    problem on it, the first ``MAX_BAD_LINES_SHOWN`` lines), so a hand-edited set is fixed in one pass.
    A missing or unreadable file and a file without questions are errors too. Rows that
    ``rag feedback export`` wrote are refused until reviewed (``"reviewed": true``).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QASchemaError(f"{path}: cannot read the question file ({exc.strerror or exc})") from None
    items: list[QAItem] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    # Bytes, split on line ends only: str.splitlines would also split at U+2028 and friends inside a string.
    for lineno, raw in enumerate(data.splitlines(), start=1):
        try:
            line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")  # a leading BOM is harmless
        except UnicodeDecodeError as exc:
            errors.append(f"{path}:{lineno}: not UTF-8 text (byte {exc.start + 1})")
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path}:{lineno}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            errors.append(f"{path}:{lineno}: invalid JSON (nested too deeply)")
            continue
        problems = _item_problems(obj)
        if not problems and obj["id"] in seen:
            problems = [f"duplicate id {obj['id']!r} (first on line {seen[obj['id']]})"]
        if problems:
            errors.append(f"{path}:{lineno}: {'; '.join(problems)}")
            continue
        seen[obj["id"]] = lineno
        for key in REVIEW_KEYS:
            obj.pop(key, None)
        articles = [GoldArticle(**a) for a in obj.pop("articles", [])]
        items.append(QAItem(**obj, articles=articles))
    if len(errors) > MAX_BAD_LINES_SHOWN:
        errors[MAX_BAD_LINES_SHOWN:] = [f"{path}: … and {len(errors) - MAX_BAD_LINES_SHOWN} more bad lines"]
    if not errors and not items:
        errors.append(f"{path}: the question file holds no questions")
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
