"""Answer-quality metrics: pure functions over plain values, so every number in a report can be
recomputed by hand from the per-question rows.

Conventions: a per-question score is ``None`` when the metric does not apply to that question
(retrieval and answer metrics on an unanswerable question, citation precision on an answer with no
citations); means are taken over the questions where it applies, and are ``None`` when none does.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

SentenceChecker = Callable[[str, str], bool]
"""``(sentence, passage_text) -> supported``; the default is ``rag.verify.sentence_supported``."""

# Lower-is-better metrics: for these a "floor" in ``floors_check`` is a ceiling.
LOWER_IS_BETTER = frozenset({"false_refusal_rate", "latency_p50_ms", "latency_p95_ms", "errors", "answer_chars_mean"})

_CITATION_MARK = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
_WORD = re.compile(r"\w+", re.UNICODE)


# --- retrieval, over source files -------------------------------------------------------------


def dedupe_sources(ranked_sources: Iterable[str]) -> list[str]:
    """Source files in the order their first passage was ranked: several chunks of one file must
    not push other files out of the top k."""
    return list(dict.fromkeys(ranked_sources))


def hit_at_k(ranked_sources: Sequence[str], gold: Iterable[str], k: int) -> float:
    """1.0 when any gold source is among the first ``k`` distinct ranked sources, else 0.0."""
    gold_set = set(gold)
    return float(any(s in gold_set for s in dedupe_sources(ranked_sources)[:k]))


def reciprocal_rank(ranked_sources: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """1/rank of the first gold source among the first ``k`` distinct sources; 0.0 when absent."""
    gold_set = set(gold)
    for rank, source in enumerate(dedupe_sources(ranked_sources)[:k], start=1):
        if source in gold_set:
            return 1.0 / rank
    return 0.0


def source_recall_at_k(ranked_sources: Sequence[str], gold: Sequence[str], k: int = 5) -> float:
    """Fraction of the gold sources found in the first ``k`` distinct sources: a multi-document
    question needs every file, and hit@k alone would credit finding just one."""
    top = set(dedupe_sources(ranked_sources)[:k])
    wanted = set(gold)
    return len(wanted & top) / len(wanted) if wanted else 0.0


# --- retrieval, over articles ----------------------------------------------------------------

_MARKDOWN_MARKS = re.compile(r"[#*_`>~]+")


def normalize_title(title: str) -> str:
    """An article title line as a comparable key: NFKC, casefold, Markdown markers ('#', '**', '_',
    '`', '>') dropped, whitespace collapsed. The stored title and the one a question writer copied
    from the file differ only in such markup and spacing."""
    text = _MARKDOWN_MARKS.sub(" ", unicodedata.normalize("NFKC", title))
    return " ".join(text.casefold().split())


def dedupe_articles(ranked: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Distinct ``(source, normalised title)`` articles in the order their first passage was ranked,
    as ``dedupe_sources`` does for files: a long article's many chunks count once."""
    return list(dict.fromkeys((source, normalize_title(title)) for source, title in ranked))


def article_hit_at_k(ranked: Sequence[tuple[str, str]], gold: Iterable[tuple[str, str]], k: int) -> float:
    """1.0 when a gold ``(source, title)`` article is among the first ``k`` distinct ranked articles.

    Finer than file hit@k: one file holds many articles, and finding the file is not finding the
    article that answers.
    """
    gold_keys = {key for article in dedupe_articles(gold) for key in _title_keys(article)}
    return float(any(gold_keys & _title_keys(a) for a in dedupe_articles(ranked)[:k]))


_LABEL_CHARS = 40


def _title_keys(article: tuple[str, str]) -> set[tuple[str, str]]:
    """The article under its whole title and, for a "Label: value" title line (a project card's
    "Tytuł projektu: X"), under its value alone: a reader may title the card by either."""
    source, title = article
    label, colon, value = title.partition(":")
    keys = {(source, title)}
    if colon and len(label) <= _LABEL_CHARS and value.strip():
        keys.add((source, value.strip()))
    return keys


# --- answer text ------------------------------------------------------------------------------


def strip_diacritics(text: str) -> str:
    """Polish letters to ASCII ("ł" has no Unicode decomposition, so it is mapped by hand).

    Kept here rather than borrowed from ``rag``: the yardstick must not share the system's bugs.
    """
    text = text.replace("ł", "l").replace("Ł", "L")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def phrase_tokens(text: str) -> list[str]:
    """Word tokens compared by ``phrase_in``: NFKC (non-breaking spaces become spaces), casefold,
    diacritics stripped, then ``\\w+`` runs. Punctuation and hyphens only separate tokens, so
    "7-osobowa", "7- osobowa" and "7 osobowa" all read [7, osobowa]."""
    folded = strip_diacritics(unicodedata.normalize("NFKC", text).casefold())
    return _WORD.findall(folded)


def _tokens_match(wanted: Sequence[str], found: Sequence[str]) -> bool:
    """Equal token by token, except that a final word (letters only) may be the start of the
    answer's word: Polish inflects endings, and "Kulig" must find "Kuligiem", "Frankfurt"
    "Frankfurtu" (the substring test this replaces did, and the shipped sets rely on it). Numbers
    stay exact: "13" must not find "130"."""
    *head, last = wanted
    *found_head, found_last = found
    if head != found_head:
        return False
    return found_last == last or (last.isalpha() and found_last.startswith(last))


def phrase_in(phrase: str, text: str) -> bool:
    """True when the phrase's tokens occur contiguously, in order, among the text's tokens.

    Insensitive to case, whitespace (incl. non-breaking), diacritics ("jestes" finds "jesteś" and
    the reverse) and punctuation or hyphen spacing ("7-osobowa" finds "7 osobowa"). Tokens are whole
    except the phrase's last word, which may take an inflected ending (see ``_tokens_match``); a
    stem change ("Kraków" → "Krakowie") must be listed as an alternative. A phrase with no word
    token at all (only punctuation) never matches: it names no fact.
    """
    wanted, tokens = phrase_tokens(phrase), phrase_tokens(text)
    n = len(wanted)
    return bool(wanted) and any(_tokens_match(wanted, tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def missing_must_include(answer: str, must_include: Sequence[Sequence[str]]) -> list[list[str]]:
    """The inner lists of which no alternative occurs in the answer."""
    return [list(alts) for alts in must_include if not any(phrase_in(a, answer) for a in alts)]


def must_include_recall(answer: str, must_include: Sequence[Sequence[str]]) -> float:
    """Fraction of required facts (inner lists of alternative spellings) the answer contains."""
    if not must_include:
        return 1.0
    return 1.0 - len(missing_must_include(answer, must_include)) / len(must_include)


def answer_tokens(text: str) -> list[str]:
    """Lower-case word tokens with citation markers ``[n]`` / ``[1, 2]`` and punctuation removed."""
    return _WORD.findall(_CITATION_MARK.sub(" ", text).casefold())


def answer_body(text: str) -> str:
    """The answer without its ``[n]`` markers and without the framing line ("Według dokumentów:",
    "**Briefing: …**"), whitespace collapsed: what the reader has to read. The framing line is the
    first line of a multi-line answer when it ends with a colon or is wholly bold; a one-line answer
    has no separable framing and is only stripped of markers."""
    lines = [line for line in _CITATION_MARK.sub(" ", text).splitlines() if line.strip()]
    if len(lines) > 1:
        first = lines[0].strip()
        if first.endswith(":") or (first.startswith("**") and first.endswith("**")):
            lines = lines[1:]
    return " ".join(" ".join(lines).split())


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style bag-of-tokens F1; 1.0 when both are empty, 0.0 when only one is."""
    pred, ref = answer_tokens(prediction), answer_tokens(reference)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


# --- grounding --------------------------------------------------------------------------------


def citation_precision(cited_sources: Sequence[str], gold: Iterable[str]) -> float | None:
    """Fraction of cited passages whose file is a gold source; ``None`` when nothing was cited
    (a refusal is judged by the refusal metrics, not here)."""
    if not cited_sources:
        return None
    gold_set = set(gold)
    return sum(s in gold_set for s in cited_sources) / len(cited_sources)


def answer_faithful(
    sentences: Sequence[tuple[str, Sequence[str]]], checker: SentenceChecker
) -> bool:
    """True when every sentence is supported by at least one of the passages it cites.

    ``sentences`` pairs each answer sentence with the texts of its cited passages; a sentence that
    cites nothing is an unsupported claim. An answer with no sentences asserts nothing: faithful.
    """
    return all(any(checker(text, passage) for passage in cited) for text, cited in sentences)


# --- aggregation ------------------------------------------------------------------------------


@dataclass
class ItemScores:
    """Every per-question score; ``None`` means "does not apply" (see module docstring)."""

    answerable: bool
    refused: bool
    latency_ms: float
    hit_at_1: float | None = None
    hit_at_3: float | None = None
    hit_at_5: float | None = None
    rr_at_10: float | None = None
    article_hit_at_1: float | None = None  # questions naming gold articles only
    article_hit_at_3: float | None = None
    source_recall_at_5: float | None = None  # questions with 2+ gold sources only
    must_include_recall: float | None = None
    token_f1: float | None = None
    citation_precision: float | None = None
    faithful: bool | None = None  # None when refused: a refusal makes no claim to check
    answer_chars: int | None = None  # length of answer_body; None when refused or on error
    error: bool = False


def mean(values: Iterable[float | bool | None]) -> float | None:
    """Mean of the values that apply (not ``None``); ``None`` when none does."""
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (``q`` in 0..100), numpy's default method."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarize(items: Sequence[ItemScores]) -> dict[str, float | int | None]:
    """Overall metrics of a group of questions.

    Retrieval, answer and citation metrics and the false-refusal rate are over answerable questions
    only (an unanswerable one has no gold source or reference); refusal accuracy is over
    unanswerable ones only; faithfulness and answer length are over every answer that was not a
    refusal, because a made-up answer to an unanswerable question must be grounded too (and is read
    too); latency is over all. Article hits are over answerable questions that name gold articles.
    """
    ans = [i for i in items if i.answerable]
    unans = [i for i in items if not i.answerable]
    return {
        "n": len(items),
        "n_answerable": len(ans),
        "n_unanswerable": len(unans),
        "hit@1": mean(i.hit_at_1 for i in ans),
        "hit@3": mean(i.hit_at_3 for i in ans),
        "hit@5": mean(i.hit_at_5 for i in ans),
        "mrr@10": mean(i.rr_at_10 for i in ans),
        "article_hit@1": mean(i.article_hit_at_1 for i in ans),
        "article_hit@3": mean(i.article_hit_at_3 for i in ans),
        "source_recall@5": mean(i.source_recall_at_5 for i in ans),
        "must_include_recall": mean(i.must_include_recall for i in ans),
        "token_f1": mean(i.token_f1 for i in ans),
        "citation_precision": mean(i.citation_precision for i in ans),
        "refusal_accuracy": mean(i.refused for i in unans),
        "false_refusal_rate": mean(i.refused for i in ans),
        "faithfulness": mean(i.faithful for i in items),
        "answer_chars_mean": mean(i.answer_chars for i in items),
        "latency_p50_ms": percentile([i.latency_ms for i in items], 50),
        "latency_p95_ms": percentile([i.latency_ms for i in items], 95),
        "errors": sum(i.error for i in items),
    }


# --- uncertainty ------------------------------------------------------------------------------

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20240601

# Per-question value of each metric that gets an interval; None where it does not apply, exactly
# as in ``summarize``, so a resample's mean is the metric of that resampled set.
_PER_ITEM: dict[str, Callable[[ItemScores], float | bool | None]] = {
    "must_include_recall": lambda i: i.must_include_recall if i.answerable else None,
    "hit@3": lambda i: i.hit_at_3 if i.answerable else None,
    "article_hit@3": lambda i: i.article_hit_at_3 if i.answerable else None,
    "citation_precision": lambda i: i.citation_precision if i.answerable else None,
    "refusal_accuracy": lambda i: None if i.answerable else i.refused,
    "false_refusal_rate": lambda i: i.refused if i.answerable else None,
}
INTERVAL_METRICS = tuple(_PER_ITEM)


def bootstrap_intervals(
    items: Sequence[ItemScores],
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, list[float] | None]:
    """Percentile-bootstrap confidence intervals ``[lo, hi]`` of the metrics in ``INTERVAL_METRICS``.

    Questions, not scores, are resampled (with replacement, all metrics on the same resamples), so
    the number of answerable and unanswerable questions varies between resamples as it would
    between two question sets of this size. A resample in which a metric applies to no question is
    left out of that metric's interval. The seed is fixed: the same rows always give the same
    interval, and a change in a report means a change in the answers. ``None`` when the metric
    applies to no question at all.
    """
    n = len(items)
    if n == 0:
        return {name: None for name in INTERVAL_METRICS}
    picks = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    tail = (1 - level) / 2 * 100
    out: dict[str, list[float] | None] = {}
    for name, value_of in _PER_ITEM.items():
        raw = [value_of(i) for i in items]
        applies = np.array([v is not None for v in raw], dtype=float)
        values = np.array([float(v) if v is not None else 0.0 for v in raw])
        if not applies.any():
            out[name] = None
            continue
        counts = applies[picks].sum(axis=1)
        sums = values[picks].sum(axis=1)
        means = sums[counts > 0] / counts[counts > 0]
        lo, hi = np.percentile(means, [tail, 100 - tail])
        out[name] = [float(lo), float(hi)]
    return out


def floors_check(metrics: dict[str, float | int | None], floors: dict[str, float]) -> list[str]:
    """One human-readable message per metric that misses its floor (for CI); empty when all pass.

    Metrics in ``LOWER_IS_BETTER`` (false refusals, latency, errors, answer length) treat the value as a
    ceiling.
    A metric that is absent or not computed fails too: a silent gap must not pass a gate.
    """
    messages = []
    for name, limit in floors.items():
        value = metrics.get(name)
        if value is None:
            messages.append(f"{name}: not computed (limit {limit:g})")
        elif name in LOWER_IS_BETTER and value > limit:
            messages.append(f"{name} = {value:.3f} is above its ceiling {limit:g}")
        elif name not in LOWER_IS_BETTER and value < limit:
            messages.append(f"{name} = {value:.3f} is below its floor {limit:g}")
    return messages
