"""Numbers citations and writes the answer text in the question's language."""

from __future__ import annotations

from rag.claims import Claim
from rag.types import AnswerSentence, Citation, Passage
from rag.text import clean_markup

PHRASES = {
    "pl": {
        "lead": "Według dokumentów:",
        "differs": "Inne źródło podaje inaczej:",
        "refusal": "Dokumenty nie odpowiadają na to pytanie. Najbliższe fragmenty:",
        "empty": "Dokumenty nie odpowiadają na to pytanie.",
        "unanswered_part": "Dokumenty nie odpowiadają na część pytania: „{part}”",
        "brief_lead": "Briefing: {topic}",
        "brief_refusal": "Dokumenty nie zawierają informacji na ten temat.",
        "undated": "data nieznana",
        "sources": "Źródła",
        "page": "s. {page}",
        "ocr": "tekst z OCR",
    },
    "en": {
        "lead": "According to the documents (quoted in Polish):",
        "differs": "Another source says otherwise:",
        "refusal": "The documents don't say. The closest passages are:",
        "empty": "The documents don't say.",
        "unanswered_part": "The documents don't answer this part: “{part}”",
        "brief_lead": "Briefing: {topic}",
        "brief_refusal": "The documents hold nothing on this topic.",
        "undated": "date unknown",
        "sources": "Sources",
        "page": "p. {page}",
        "ocr": "OCR text",
    },
}


def phrase(lang: str, key: str) -> str:
    return PHRASES.get(lang, PHRASES["pl"])[key]


class CitationBook:
    """Gives each cited passage a number, in order of first citation."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._numbers: dict[str, int] = {}

    def cite(self, passage: Passage) -> int:
        if passage.chunk_id not in self._numbers:
            n = len(self.citations) + 1
            self._numbers[passage.chunk_id] = n
            self.citations.append(Citation.from_passage(n, passage))
        return self._numbers[passage.chunk_id]


def when(date: str, date_text: str, lang: str) -> str:
    """A date for display: ISO when known, else as written ("13 września br."), else "date unknown"."""
    return date or date_text or phrase(lang, "undated")


def locator(source: Citation | Passage, lang: str) -> str:
    """Where in the original a citation points and how it was read: "s. 3, tekst z OCR", "p. 3", or ""
    for a file without pages read as text. OCR text is marked: it may hold misread words."""
    parts = [phrase(lang, "page").format(page=source.page)] if source.page else []
    return ", ".join(parts + ([phrase(lang, "ocr")] if source.ocr else []))


def markers(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def render_answer(claims: list[Claim], lang: str, unanswered: list[str] = ()) -> tuple[str, list[AnswerSentence], list[Citation]]:
    """The cited sentences (one that disagrees with the others introduced as another source's
    statement); then, for a question whose other parts are answered, the parts that are not."""
    book = CitationBook()
    sentences = []
    lines = [phrase(lang, "lead")]
    for claim in claims:
        numbers = [book.cite(p) for p in claim.passages]
        sentences.append(AnswerSentence(claim.text, numbers))
        lead = f"{phrase(lang, 'differs')} " if claim.differs else "- " if claim.bullet else ""
        lines.append(f"{lead}{claim.text} {markers(numbers)}")
    lines += [phrase(lang, "unanswered_part").format(part=part) for part in unanswered]
    return "\n".join(lines), sentences, book.citations


def render_refusal(passages: list[Passage], lang: str, show: int = 3) -> tuple[str, list[Citation]]:
    """The refusal names the closest passages so the user can judge for themselves."""
    if not passages:
        return phrase(lang, "empty"), []
    book = CitationBook()
    documents: dict[tuple[str, str], list[int]] = {}  # one line per article, however many passages it gave
    labels: dict[tuple[str, str], str] = {}
    for passage in passages[:show]:
        key = (passage.source, passage.title)
        documents.setdefault(key, []).append(book.cite(passage))
        where = locator(passage, lang)
        labels.setdefault(key, f"{passage.title or passage.source} ({when(passage.date, passage.date_text, lang)}"
                               + (f"; {where})" if where else ")"))
    lines = [phrase(lang, "refusal")]
    lines += [f"- {labels[key]} " + "".join(f"[{n}]" for n in numbers) for key, numbers in documents.items()]
    return "\n".join(lines), book.citations


def render_sources(citations: list[Citation], lang: str, width: int = 300) -> str:
    """The numbered source list printed under an answer in the terminal."""
    lines = [f"{phrase(lang, 'sources')}:"]
    for c in citations:
        excerpt = " ".join(clean_markup(c.text).split())
        excerpt = excerpt if len(excerpt) <= width else excerpt[: width - 1] + "…"
        title = c.title or c.source
        where = locator(c, lang)
        lines.append(f"[{c.n}] {title} ({when(c.date, c.date_text, lang)}) — {c.source}"
                     + (f", {where}" if where else "") + f"\n    “{excerpt}”")
    return "\n".join(lines)
