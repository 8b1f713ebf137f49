"""Polish-aware keyword analysis: lemmas from Morfeusz 2, folded so typed-without-diacritics queries meet.

"delegacji", "delegacja" and "delegację" all become ``delegacja``; "Frankfurcie" becomes ``frankfurt``.
A query word Morfeusz does not know (usually one typed without diacritics, "jestes") is looked up in
the indexed vocabulary by its folded surface form, which maps it to the lemma it has in the documents.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from functools import cache, cached_property, lru_cache

import numpy as np

from rag.text import fold, words

# Hand-written: NLTK has no Polish stop-word list and these function words only add noise to BM25.
POLISH_STOPWORDS = frozenset(
    fold(w)
    for w in """
    a aby albo ale ani az bardzo bez bo by byc byl byla bylo byly cala caly co czy dla do gdy gdzie
    i ich ile im innych ja jak jaka jaki jakie jakim jakich jako je jego jej jest jestem jeszcze juz
    kiedy kto ktora ktore ktorego ktorej ktory ktorych ktorym ku lub ma maja mi mie miec moze na nad
    nam nas nie niech nim o od oraz on ona one oni po pod podczas przez przy sie sa soba swoj ta tak
    takze tam te tego tej ten to tu tutaj tylko tym u w we wiec wraz z za ze zas zostal byc mowic
    m.in in r br ds ul tel pt pn nt oba obu rok il
    the a an of in on for to and or is are was were be been what who whom when where which how
    did does do about with from at by this that these those it its there their they me tell
    """.split()
)


@cache
def morfeusz() -> _Morfeusz:
    """The process's one Morfeusz analyser (loading it costs ~0.1 s)."""
    import morfeusz2

    return _Morfeusz(morfeusz2.Morfeusz(generate=False, expand_tags=False))


# Whitespace-separated words analysed and kept (~0.5 KB each): an archive's text repeats its words,
# so ingest runs Morfeusz on a few thousand distinct words instead of every word of every chunk.
WORD_CACHE_ENTRIES = 50_000


class _Morfeusz:
    """Morfeusz, analysing each whitespace-separated word once per process, and minus its C library's
    habit of printing "replacing invalid utf8 sequence" to stderr for every U+FFFD (the mark the reader
    leaves where a file's bytes were not text): it is read as "?", a character of the same length that
    Morfeusz takes silently.

    Morfeusz reads each such word on its own (whitespace only separates them in its graph), so a text's
    analysis is its words' analyses with their nodes renumbered in sequence: the same tuples as one call
    on the whole text (tested), from a cache. The cached readings are shared: callers must not change them.
    """

    def __init__(self, inner) -> None:
        self.inner = inner
        self._word = lru_cache(maxsize=WORD_CACHE_ENTRIES)(self._analyse_word)

    def analyse(self, text: str) -> list[tuple[int, int, tuple]]:
        analysed: list[tuple[int, int, tuple]] = []
        offset = 0
        for word in text.replace("\ufffd", "?").split():
            readings, width = self._word(word)
            analysed += [(start + offset, end + offset, reading) for start, end, reading in readings]
            offset += width
        return analysed

    def _analyse_word(self, word: str) -> tuple[tuple[tuple[int, int, tuple], ...], int]:
        readings = tuple(self.inner.analyse(word))
        return readings, max((end for _, end, _ in readings), default=0)


def lemma_of(base: str) -> str:
    # Morfeusz marks homonyms as "sam:A", "sam:S"; the part after ":" is not part of the word.
    return fold(base.split(":", 1)[0])


class PolishAnalyzer:
    """Turns text into BM25 terms. ``lemmatize=False`` gives folded surface words (the ablation)."""

    def __init__(self, lemmatize: bool = True) -> None:
        self.lemmatize = lemmatize

    def document_terms(self, text: str) -> list[str]:
        """Terms of an indexed text: every distinct lemma of each word (Morfeusz may offer several)."""
        if not self.lemmatize:
            return self._surface_terms(text)
        return _document_terms(self._analyse(text))

    def chunk_terms_and_vocabulary(self, title: str, text: str) -> tuple[list[str], dict[str, str]]:
        """What ingest stores of a chunk, from one Morfeusz pass over its text: its terms with its
        title's first (``document_terms``) and its ``surface_to_lemma`` map."""
        analysed = self._analyse(text)
        text_terms = _document_terms(analysed) if self.lemmatize else self._surface_terms(text)
        return self.document_terms(title) + text_terms, _surface_map(analysed)

    def query_terms(self, text: str, vocabulary: dict[str, str] | None = None) -> list[str]:
        """Terms of a query; unknown words are mapped through ``vocabulary`` (folded surface → lemma)."""
        if not self.lemmatize:
            return self._surface_terms(text)
        return [t for group in self.query_term_groups(text, vocabulary) for t in group]

    def query_term_groups(self, text: str, vocabulary: dict[str, str] | None = None,
                          alternatives: Callable[[str], list[str]] | None = None) -> list[list[str]]:
        """One list of alternative lemmas per query word ("Krakowie" → krakow, krak, kraka): a word
        counts once however many readings Morfeusz offers. ``alternatives``: more lemmas for a word,
        by its surface form (an English word's Polish translations)."""
        vocabulary = as_vocabulary(vocabulary)
        known = vocabulary.lemmas
        groups: list[list[str]] = []
        for surface, lemmas in self._analyse(text):
            if lemmas is None:
                lemmas = [vocabulary.closest(fold(surface)) or fold(surface)]
            if known and not known.intersection(lemmas):
                lemmas = lemmas + sorted(vocabulary.family(lemmas))
            if alternatives is not None:
                lemmas = lemmas + [t for t in alternatives(surface) if t not in lemmas]
            kept = [t for t in lemmas if t not in POLISH_STOPWORDS]
            if kept:
                groups.append(kept)
        return groups

    def word_lemmas(self, text: str) -> list[list[str]]:
        """Lemmas per content word, in order (stop words and punctuation left out)."""
        return [kept for _, lemmas in self._analyse(text)
                if (kept := [t for t in (lemmas or []) if t not in POLISH_STOPWORDS])]

    def surface_to_lemma(self, text: str) -> dict[str, str]:
        """Folded surface form → first lemma, for resolving query words typed without diacritics."""
        return _surface_map(self._analyse(text))

    def _surface_terms(self, text: str) -> list[str]:
        return [t for t in (fold(w) for w in words(text)) if t not in POLISH_STOPWORDS]

    def _analyse(self, text: str) -> list[tuple[str, list[str] | None]]:
        """(surface, distinct lemmas) per word position; ``None`` lemmas for words Morfeusz doesn't know."""
        by_position: dict[tuple[int, int], tuple[str, list[str] | None]] = {}
        for start, end, (orth, base, tag, *_rest) in morfeusz().analyse(text):
            if tag == "interp" or fold(orth) in POLISH_STOPWORDS:  # "kiedy" would become "kieda"
                continue
            surface, lemmas = by_position.get((start, end), (orth, None))
            if tag != "ign":
                lemmas = lemmas or []
                if lemma_of(base) not in lemmas:
                    lemmas.append(lemma_of(base))
            by_position[(start, end)] = (surface, lemmas)
        return list(by_position.values())


def _document_terms(analysed: list[tuple[str, list[str] | None]]) -> list[str]:
    terms: list[str] = []
    for surface, lemmas in analysed:
        terms.extend(lemmas if lemmas is not None else [fold(surface)])
    return [t for t in terms if t not in POLISH_STOPWORDS]


def _surface_map(analysed: list[tuple[str, list[str] | None]]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for surface, lemmas in analysed:
        if lemmas:
            mapping.setdefault(fold(surface), lemmas[0])
    return mapping


TYPO_CUTOFF = 0.85  # difflib ratio: one slip in a word of seven letters or more

# Verbal prefixes: "sfinansował" and "dofinansowanie" share "finans".
_PREFIXES = ("prze", "przy", "roz", "pod", "nad", "do", "za", "wy", "po", "na", "od", "ob", "ws", "ze", "s", "z", "u", "o", "w")
_ROOT_CHARS = 6


class Vocabulary(dict):
    """Folded surface word → lemma, as the indexed documents spell it, with the indexes its lookups
    need, built once per corpus: the lemma set, lemmas by root (derivational family) and letter counts
    per word (typo tolerance). Scanning the whole vocabulary in Python for each unfamiliar query word
    cost ~0.3 s a word with 10^5 distinct words; these lookups cost milliseconds and give the same
    answers (eval/benchmarks/scale.py parts).
    Built from a finished mapping: it is not meant to be changed afterwards.
    """

    @cached_property
    def lemmas(self) -> frozenset[str]:
        return frozenset(self.values())

    @cached_property
    def _by_root(self) -> dict[str, list[str]]:
        roots: dict[str, list[str]] = {}
        for lemma in self.lemmas:
            if root := _root(lemma):
                roots.setdefault(root, []).append(lemma)
        return roots

    def family(self, lemmas: list[str]) -> set[str]:
        """Lemmas of the documents derived from the same root as a query word they never use
        ("sfinansować" → dofinansowanie): Morfeusz lemmatises inflection, not derivation."""
        return {t for root in {_root(t) for t in lemmas} - {""} for t in self._by_root.get(root, ())}

    @cached_property
    def _letters(self) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, int]]:
        """Every word, its length, and its letter counts (one column per letter the vocabulary uses)."""
        words = list(self)
        lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
        codes = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        alphabet, columns = np.unique(codes, return_inverse=True)
        rows = np.repeat(np.arange(len(words)), lengths)
        counts = np.bincount(rows * len(alphabet) + columns, minlength=len(words) * len(alphabet))
        counts = counts.reshape(len(words), len(alphabet)).astype(np.uint16 if lengths.max(initial=0) < 2**16 else np.int64)
        return words, lengths, counts, {chr(c): i for i, c in enumerate(alphabet.tolist())}

    def closest(self, folded: str) -> str | None:
        """The lemma of ``folded`` as the documents spell it: exact, or a typo away ("projetky" →
        projekt); None when no indexed word is that close.

        Exactly ``difflib.get_close_matches(folded, self, n=1, cutoff=TYPO_CUTOFF)``, whose first two
        tests (the length bound and the shared letters bound) are applied to the whole vocabulary at
        once with numpy; difflib then ranks the few words that pass, as it would have.
        """
        if folded in self:
            return self[folded]
        if len(folded) < 5 or not self:
            return None
        words, lengths, counts, columns = self._letters
        total = lengths + len(folded)
        slack = 1e-9  # the bounds only pre-select: difflib applies the exact cutoff below
        possible = 2.0 * np.minimum(lengths, len(folded)) / total >= TYPO_CUTOFF - slack
        query = np.zeros(counts.shape[1], dtype=counts.dtype)
        for char in folded:
            if char in columns:
                query[columns[char]] += 1
        rows = np.flatnonzero(possible)
        shared = np.minimum(counts[rows], query).sum(axis=1)
        rows = rows[2.0 * shared / total[rows] >= TYPO_CUTOFF - slack]
        close = difflib.get_close_matches(folded, [words[i] for i in rows], n=1, cutoff=TYPO_CUTOFF)
        return self[close[0]] if close else None


def as_vocabulary(vocabulary: dict[str, str] | None) -> Vocabulary:
    return vocabulary if isinstance(vocabulary, Vocabulary) else Vocabulary(vocabulary or {})


def closest_known(folded: str, vocabulary: dict[str, str]) -> str | None:
    """The one typo tolerance of queries and name checks (see :meth:`Vocabulary.closest`)."""
    return as_vocabulary(vocabulary).closest(folded)


@lru_cache(maxsize=65536)
def _root(lemma: str) -> str:
    for prefix in _PREFIXES:
        if lemma.startswith(prefix) and len(lemma) - len(prefix) >= _ROOT_CHARS + 2:
            lemma = lemma[len(prefix) :]
            break
    return lemma[:_ROOT_CHARS] if len(lemma) >= _ROOT_CHARS + 2 else ""
