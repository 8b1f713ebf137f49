"""Briefings for newcomers: the articles about a topic, in date order, one cited line each.

A sentence that states a date of its own in another year than its article (the 2001 agreement
recalled in a 2022 article) becomes an entry of its own, so the timeline shows it where it belongs.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.dates import find_date
from rag.evidence import Evidence, Sentence, SentenceScorer
from rag.render import CitationBook, markers, phrase, when
from rag.types import Briefing, BriefingItem


@dataclass
class Briefer:
    min_coverage: float = 0.5  # share of the topic's (known) term weight an article must contain
    dense_margin: float = 0.04  # without known terms: articles within this of the best sentence
    min_idf: float = 0.7  # ≈ a word in fewer than half of the chunks

    def run(self, topic: str, evidence: Evidence, scorer: SentenceScorer) -> Briefing:
        """``scorer`` measures how much of the topic's (known) word weight a text covers."""
        # Words most documents share ("Kraków") cannot say which articles a topic is about.
        terms = [g for g in evidence.term_groups if max(scorer.idf.get(t, 0.0) for t in g) >= self.min_idf]
        by_article: dict[tuple[str, int], list[Sentence]] = {}
        for sentence in evidence.sentences:
            by_article.setdefault((sentence.passage.source, sentence.passage.article), []).append(sentence)
        top = max((s.score for s in evidence.sentences), default=0.0)

        entries: list[tuple[str, str, Sentence]] = []  # (sort date, date as written, sentence)
        for sentences in by_article.values():
            article_terms = set().union(*(scorer.terms(s.passage.text) for s in sentences))
            article_terms |= scorer.context_terms(sentences[0].passage)
            relevant = (scorer.coverage(terms, article_terms) >= self.min_coverage if terms
                        else max(s.score for s in sentences) >= top - self.dense_margin)
            if not relevant:
                continue
            best = max(sentences, key=lambda s: s.score)
            passage = best.passage
            entries.append((passage.date, passage.date or passage.date_text, best))
            for sentence in sentences:
                iso, written = find_date(sentence.text)
                if iso and passage.date[:4] != iso[:4] and (not terms or sentence.matched):
                    entries.append((iso, written, sentence))

        entries = _dedupe(entries)
        entries.sort(key=lambda e: (e[0] == "", e[0], e[2].passage.source, e[2].position))
        book = CitationBook()
        items = []
        for iso, written, sentence in entries:
            n = book.cite(sentence.passage)
            items.append(BriefingItem(
                date=iso, date_text=written, title=sentence.passage.title, source=sentence.passage.source,
                summary=sentence.text, citations=[n],
            ))
        refused = not items
        return Briefing(
            topic=topic, lang=evidence.lang, items=items, citations=book.citations,
            text=self._render(topic, evidence.lang, items), refused=refused, passages=evidence.passages,
        )

    @staticmethod
    def _render(topic: str, lang: str, items: list[BriefingItem]) -> str:
        if not items:
            return phrase(lang, "brief_refusal")
        lines = [f"**{phrase(lang, 'brief_lead').format(topic=topic)}**", ""]
        for item in items:
            date = when("", item.date_text, lang)
            lines.append(f"- **{date}** — *{item.title}*: {item.summary} {markers(item.citations)}")
        return "\n".join(lines)


def _dedupe(entries: list[tuple[str, str, Sentence]]) -> list[tuple[str, str, Sentence]]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for entry in entries:
        key = (entry[0], entry[2].text)
        if key not in seen:
            seen.add(key)
            kept.append(entry)
    return kept
