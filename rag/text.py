"""Small text helpers shared by ingest and answering: sentences, diacritics, language."""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Iterator
from functools import cache

_POLISH_HINTS = frozenset(
    "jest są czy jak jaki jaka jakie kto kiedy gdzie ile który która które co się nie dla oraz "
    "przez był była było były w z na do o od po przy że jakich komu kogo czym czego jestes "
    "ktory ktora ktore sie sa byl byla bylo zostal została zostala".split()
)
_ENGLISH_HINTS = frozenset(
    "the is are was were what who when where which how many much did does do of in on for with "
    "and about tell me brief give list whom whose why has have had be been this that these those".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)


# Polish letters folded by table: what NFKD and dropping the combining marks give them, without a
# Python loop over every character (fold runs for every word at ingest); "ł" has no decomposition.
_POLISH_FOLD = str.maketrans("ąćęłńóśźż", "acelnoszz")


def fold(text: str) -> str:
    """Lower-case and strip diacritics, so "Jesteś" and "jestes" meet."""
    text = text.lower().translate(_POLISH_FOLD)
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def detect_lang(text: str) -> str:
    """"pl" or "en" by function words only (topic nouns would make the corpus's subjects vote); Polish letters break a tie (English questions name
    Polish places, "Kraków", so the letters alone do not decide)."""
    tokens = [w.lower() for w in words(text)]
    pl = sum(t in _POLISH_HINTS for t in tokens)
    en = sum(t in _ENGLISH_HINTS for t in tokens)
    if en != pl:
        return "en" if en > pl else "pl"
    return "pl" if re.search(r"[ąćęłńóśźż]", text.lower()) or not tokens else ("en" if en else "pl")


@cache
def _punkt():
    # Polish Punkt model bundled with llama-index-core: no NLTK download at run time.
    _import_nltk_without_optional_extras()
    import llama_index.core as lic
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    bundled = os.path.join(os.path.dirname(lic.__file__), "_static", "nltk_cache")
    if bundled not in nltk.data.path:
        nltk.data.path.insert(0, bundled)
    tokenizer = PunktTokenizer("polish")
    tokenizer._params.abbrev_types.update(_ABBREVIATIONS)
    return tokenizer


def _import_nltk_without_optional_extras() -> None:
    """Import nltk (the sentence splitter below) without scikit-learn and scipy.stats.

    nltk's package ``__init__`` imports every submodule, and three of them try scikit-learn (the
    ``SklearnClassifier`` wrapper) and scipy.stats (collocation statistics): about 1 s of a 3 s
    ``rag ask``, for features the project never calls. Both imports sit in nltk behind
    ``try/except ImportError``, so while nltk loads they are made to fail (a ``None`` entry in
    ``sys.modules``); afterwards the entries are removed and both import normally for anyone else.
    """
    if "nltk" in sys.modules:
        return
    hidden = [name for name in ("sklearn", "scipy.stats") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import X" raises ImportError
    try:
        import nltk  # noqa: F401
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


# Office abbreviations the bundled Polish model lacks; Punkt also misses a known one after "(".
_ABBREVIATIONS = {"al", "nr", "tel", "ww", "im", "dr", "mgr", "wg", "pkt", "ust", "o.p.s"}
_ENDS_WITH_ABBREVIATION = re.compile(
    r"(?:(?:^|[\s(„\"])(?:os|ul|al|pl|nr|tel|ds|dn|np|tzw|tj|m\.in|o\.p\.s|pt|pn|nt|ok|ww|im|dr|mgr|wg|pkt|ust)"
    r"|\b\d{1,2}\.\d{1,2})\.\s*$",  # also a day.month. before a spaced year: "31.03. 2020 r."
    re.IGNORECASE,
)


def _punkt_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for start, end in _punkt().span_tokenize(text):
        if spans and _ENDS_WITH_ABBREVIATION.search(text[spans[-1][0] : spans[-1][1]]):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence; paragraphs (blank-line or line breaks) never share a sentence."""
    for para in re.finditer(r"[^\n]+", text):
        chunk = para.group()
        if not chunk.strip():
            continue
        for start, end in _punkt_spans(chunk):
            yield para.start() + start, para.start() + end


def split_sentences(text: str) -> list[str]:
    return [text[s:e].strip() for s, e in sentence_spans(text) if text[s:e].strip()]


def sentence_splitter_fn(text: str) -> list[str]:
    """For llama-index's SentenceSplitter: pieces that concatenate back to ``text`` exactly."""
    spans = _punkt_spans(text)
    if not spans:
        return [text]
    cuts = [0] + [s for s, _ in spans[1:]] + [len(text)]
    return [text[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]


_MARKUP = re.compile(r"\*\*|__|^#+\s+|\[([^\]]*)\]\([^)]*\)", re.MULTILINE)  # "#5 w kolejce" is no heading


def clean_markup(text: str) -> str:
    """Drop Markdown emphasis, headings and link targets that some source pages carry."""
    return _MARKUP.sub(lambda m: m.group(1) or "", text).strip()


def normalise(text: str) -> str:
    """For comparing quotes with sources: no markup, no citation markers, single spaces, case-folded."""
    text = re.sub(r"\[\d+\]", " ", clean_markup(text))
    return " ".join(text.replace("\xa0", " ").split()).casefold()


MIN_SENTENCE_CHARS = 15


def passage_sentence_spans(text: str) -> list[tuple[str, int, int]]:
    """(sentence, start, end) of each quotable sentence of a passage, markup removed from the sentence."""
    spans = ((clean_markup(text[start:end]), start, end) for start, end in sentence_spans(text))
    return [span for span in spans if len(span[0]) >= MIN_SENTENCE_CHARS]


def passage_sentences(text: str) -> list[str]:
    """The quotable sentences of a passage, markup removed; the unit answers are built from."""
    return [sentence for sentence, _, _ in passage_sentence_spans(text)]


def under_title(title: str, sentence: str) -> str:
    """A sentence as the ``title`` way of sentence vectors embeds it (ingest, and the answering step's
    fallback for a sentence without a stored vector): under its article's title, so "W składzie
    delegacji znaleźli się…" is known to be about the visit its article reports, as the question will be."""
    return f"{title}\n{sentence}"
