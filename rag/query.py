"""One analysis per question, computed once and handed on: its language, its parts, and for each part
the lemmas to match, the noun naming what is asked for, the names, years and ordinals it mentions,
the names the documents never mention, and the shape of answer it asks for.

Retrieval, sentence scoring, composition and refusal all read this value; none of them re-analyses
the question.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.acronyms import Acronyms
from rag.bilingual import EnglishPolish
from rag.followup import dangling, part_queries, points_back, resolve, split_parts
from rag.lexical import PolishAnalyzer, closest_known
from rag.shapes import expected_shape, focus_noun, names_in, numbers_in
from rag.text import detect_lang, fold


@dataclass(frozen=True)
class QueryPart:
    """One thing the question asks (a two-part question has two)."""

    text: str  # the part as asked
    query: str  # what is retrieved with: earlier context carried along, acronyms spelled out
    groups: tuple[tuple[str, ...], ...]  # alternative lemmas per content word
    focus: frozenset[str]  # lemmas of the noun naming what is asked for ("Który urząd…" → urzad)
    names: frozenset[str]  # lemmas of the names it mentions ("…z Trondheim" → trondheim)
    shape: str  # the kind of answer asked for ("date", "money", …), "" when none
    numbers: frozenset[str]  # years and ordinals of named events ("2024", "III")
    unknown_names: tuple[str, ...]  # names no document mentions, even allowing a typo


@dataclass(frozen=True)
class QueryAnalysis:
    question: str
    lang: str
    parts: tuple[QueryPart, ...]
    dangling: bool = False  # it points back ("a kto jej…?") and nothing was asked before

    @property
    def retrieval_query(self) -> str:
        return " | ".join(p.query for p in self.parts)


class QueryAnalyzer:
    """Reads questions against what the index knows (its vocabulary and acronyms)."""

    def __init__(self, analyzer: PolishAnalyzer, vocabulary: dict[str, str], acronyms: Acronyms,
                 known_words: set[str], dictionary: EnglishPolish | None = None) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.acronyms = acronyms
        self.known_words = known_words
        self.dictionary = dictionary  # English question words → Polish (rag.bilingual); None: not installed

    def run(self, question: str, history: list[str] | None = None, split: bool = True) -> QueryAnalysis:
        """``history``: earlier questions, oldest first, for follow-ups; ``split=False`` for briefings."""
        query = resolve(question, history or [], self.terms)
        parts = split_parts(question) if split and query == question else [question]
        queries = part_queries(parts, self.terms) if len(parts) > 1 else [query]
        followup = query != question  # resolved against an earlier question
        lang = detect_lang(question)
        # A briefing's topic (split=False) is not translated: its items are chosen by the names and places
        # it names and by the share of its other words an item contains, and a translated general word
        # ("contacts" → kontakt) would become a word every item must contain.
        translate = split and lang == "en" and self.dictionary is not None
        return QueryAnalysis(question, lang,
                             tuple(self._part(text, q, followup, translate) for text, q in zip(parts, queries)),
                             dangling=split and dangling(question, history or [], self.terms))

    def terms(self, text: str) -> list[str]:
        return self.analyzer.query_terms(text, self.vocabulary)

    def _part(self, text: str, query: str, followup: bool = False, translate: bool = False) -> QueryPart:
        query = self.acronyms.expand(query, printed=self.vocabulary)
        focus = focus_noun(text)
        shape = expected_shape(text)
        names = names_in(text)
        # A follow-up is retrieved with its earlier question carried along, but its sentences are weighed
        # by what it asks itself, plus the earlier question's years when it points back at that event by a
        # pronoun: with all the earlier question's words (names too), the earlier answer would win again.
        context = query[: -len(text)] if followup and query.endswith(text) else ""
        carried = numbers_in(context) if points_back(text) else set()  # "jej" is the earlier event: its year
        numbers = numbers_in(text) | carried
        weighed = query
        if context:
            weighed = self.acronyms.expand(" ".join([text, *sorted(carried)]), printed=self.vocabulary)
        return QueryPart(
            text=text,
            query=query,
            groups=tuple(tuple(g) for g in self.analyzer.query_term_groups(
                weighed, self.vocabulary, self._polish if translate else None)),
            focus=frozenset(self.terms(focus)) if focus else frozenset(),
            names=frozenset(t for name in names for t in self.terms(name)),
            shape=shape.name if shape else "",
            numbers=frozenset(numbers),
            unknown_names=tuple(n for n in names if not self._known(n)),
        )

    def _polish(self, word: str) -> list[str]:
        """Lemmas of the Polish translations of an English word that the documents use ("participants"
        → uczestnik); none for a name ("Oslo", "Kraków"), which the documents spell as the question does."""
        if word[:1].isupper() and not word.isupper():
            return []
        translated = " ".join(self.dictionary.translations(word))
        lemmas = dict.fromkeys(t for group in self.analyzer.word_lemmas(translated) for t in group)
        return [t for t in lemmas if t in self.known_words]

    def _known(self, name: str) -> bool:
        """A name is known when its folded form, one of its lemmas, or a spelling one typo away
        (the same tolerance the query reader uses) occurs in the index."""
        folded = fold(name)
        if len(folded) < 3 or folded in self.known_words:
            return True
        if any(t in self.known_words for group in self.analyzer.query_term_groups(name) for t in group):
            return True
        return closest_known(folded, self.vocabulary) is not None
