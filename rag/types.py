"""Typed results that cross package boundaries: ``rag`` produces them, ``app`` and ``eval`` read them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Passage:
    """A retrieved chunk with the metadata needed to cite it."""

    chunk_id: str
    text: str
    source: str  # file name, e.g. "001_929db67eac1df9a9.txt"
    title: str
    date: str  # ISO date when the text states one, else ""
    date_text: str  # the date as written in the text ("13 września br."), never guessed
    article: int  # index of the article inside its source file
    start_char: int  # offsets into the source file
    end_char: int
    score: float = 0.0  # rank-fusion score (or the single retriever's score)
    path: str = ""  # the original file, absolute
    page: int = 0  # page of the original where the passage starts; 0 for a format without pages
    ocr: bool = False  # the text was read from a scan by OCR (it may hold misread words)


@dataclass
class Citation:
    n: int
    source: str
    title: str
    date: str
    text: str
    score: float
    chunk_id: str = ""
    date_text: str = ""
    path: str = ""  # the original file, absolute (for a link to it)
    page: int = 0  # 0: the format has no pages
    ocr: bool = False

    @classmethod
    def from_passage(cls, n: int, passage: Passage) -> Citation:
        return cls(
            n=n,
            source=passage.source,
            title=passage.title,
            date=passage.date,
            text=passage.text,
            score=round(float(passage.score), 4),
            chunk_id=passage.chunk_id,
            date_text=passage.date_text,
            path=passage.path,
            page=passage.page,
            ocr=passage.ocr,
        )


@dataclass
class AnswerSentence:
    """One sentence of an answer and the citation numbers that support it."""

    text: str
    citations: list[int]


@dataclass
class Answer:
    question: str
    answer: str  # the rendered answer, each sentence ending in its [n] markers
    refused: bool
    citations: list[Citation]
    sentences: list[AnswerSentence] = field(default_factory=list)
    lang: str = "pl"
    retrieval_query: str = ""  # the question after follow-up resolution
    confidence: float = 0.0  # the refusal model's probability that the documents answer (weakest part)
    passages: list[Passage] = field(default_factory=list)  # everything retrieved, ranked
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        """The public JSON shape of ``rag ask --json``."""
        return {
            "answer": self.answer,
            "refused": self.refused,
            "citations": [
                {k: v for k, v in asdict(c).items() if k in ("n", "source", "title", "date", "text", "score")}
                for c in self.citations
            ],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


@dataclass
class BriefingItem:
    """One article of a briefing: its date, title and a one-line cited summary."""

    date: str
    date_text: str
    title: str
    source: str
    summary: str
    citations: list[int]


@dataclass
class Briefing:
    topic: str
    lang: str
    items: list[BriefingItem]
    citations: list[Citation]
    text: str  # rendered Markdown
    refused: bool = False
    passages: list[Passage] = field(default_factory=list)  # everything retrieved, ranked
    timings_ms: dict[str, float] = field(default_factory=dict)
    heading: str = ""  # what it is about ("Frankfurt nad Menem — współpraca"), not the request as typed

    def to_json(self) -> dict:
        return {
            "topic": self.topic,
            "heading": self.heading,
            "refused": self.refused,
            "text": self.text,
            "items": [asdict(i) for i in self.items],
            # Not the file's path: it is the server's business, and a "path" key makes gradio_client
            # take the citation for a file to download.
            "citations": [{k: v for k, v in asdict(c).items() if k != "path"} for c in self.citations],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }
