"""Cuts a document's text into articles, each with its own title and date.

The text comes from the format layer (ingest.formats: text, PDF, DOCX, ODT, HTML, scans), so every
format gets the same layout rules, and a .txt or .md file reads exactly as it did before that layer.

An archive page can hold several unrelated articles (corpus file 002 holds six visits); splitting them
before chunking guarantees that a passage never mixes two visits. No library recognises this page
layout (a short title line, an optional ISO date line, then prose), so the rules are written here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.formats import SUPPORTED_SUFFIXES, PageMap, extract, read_text, unsupported_reason
from rag.config import Settings
from rag.dates import find_date
from rag.errors import InvalidDocument

__all__ = ["SUPPORTED_SUFFIXES", "Article", "Articles", "Section", "read_articles", "read_text", "unsupported_reason"]

# A heading or title is at most this long: about twenty Polish words, two lines of a printed heading.
# A longer line is a paragraph, even one without closing punctuation; as a title it would swamp every
# chunk's embedded metadata.
MAX_HEADING_CHARS = 150
# Hard-wrapped text is wrapped at 72–80 columns, seldom wider; a file with a longer line (spaces in it)
# writes its paragraphs as single lines, and its line breaks are all meant.
MAX_WRAP_WIDTH = 120

_ISO_LINE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_GLUED_TITLE = re.compile(r"(?<=[a-ząćęłńóśźż)]\.)(?=[A-ZĄĆĘŁŃÓŚŹŻ][^.!?:]{3,100}$)")
_LABEL = re.compile(r"^[^:]{1,40}:\s*(\S.*)$")
_MARKUP = re.compile(r"^#+\s*|\*\*|__")
_SENTENCE_END = re.compile(r"[.!?…][”\"'»)\]]*$")
_LEAD_DATE_CHARS = 40  # a date this close to the start of a paragraph opens it
_LIST_ITEM = re.compile(r"^(?:[-*•]\s|\d{1,2}[.)]\s)")  # "- ", "* ", "• ", "1. ", "2) " (a dash "–" is prose)


@dataclass
class Section:
    """A subheading inside an article ("Program wizyty"); offsets point into the file's text and run
    from the subheading line to the next subheading or the end of the article."""

    name: str
    start_char: int
    end_char: int


@dataclass
class Article:
    """A self-contained piece of a source file; offsets point into the file's text."""

    source: str
    path: str
    index: int
    title: str
    date: str
    date_text: str
    text: str
    start_char: int
    end_char: int
    file_hash: str
    sections: list[Section] = field(default_factory=list)
    pages: PageMap = field(default_factory=PageMap)  # the file's pages, OCR and kind (offsets as above)

    def section_for(self, start_char: int, end_char: int) -> str:
        """The subheading covering most of the file span [start_char, end_char); "" where none does
        (the text before the first subheading, or an article without any)."""
        best, best_overlap = "", 0
        covered = 0
        for section in self.sections:
            overlap = max(0, min(end_char, section.end_char) - max(start_char, section.start_char))
            covered += overlap
            if overlap > best_overlap:
                best, best_overlap = section.name, overlap
        outside = max(0, min(end_char, self.end_char) - max(start_char, self.start_char)) - covered
        return best if best_overlap > outside else ""


class Articles(list):
    """What :func:`read_articles` returns: the articles, plus the non-empty lines that belong to none
    of them (page furniture such as "Dokument archiwalny"), so that callers can report them, and
    ``warnings``: where the text is not exactly what the file holds ("line 7: bytes that are not UTF-8
    were replaced by �"), without the file's name, which the caller adds."""

    def __init__(self, articles=(), skipped: list[str] | None = None, warnings: list[str] | None = None) -> None:
        super().__init__(articles)
        self.skipped: list[str] = list(skipped or [])
        self.warnings: list[str] = list(warnings or [])

    @property
    def skipped_lines(self) -> int:
        return len(self.skipped)

    @property
    def skipped_chars(self) -> int:
        return sum(len(line) for line in self.skipped)


@dataclass
class _Line:
    text: str
    start: int
    end: int

    @property
    def clean(self) -> str:
        return _MARKUP.sub("", self.text.replace("\xa0", " ")).strip()


def read_articles(path: Path, settings: Settings | None = None) -> Articles:
    """The file's articles, in order; ``.skipped`` holds the non-empty lines left out of every article.

    An article starts at a title line followed by an ISO date line; on a page whose items carry no date
    line, at a title line whose paragraph opens with a date ("W dniu 13 września br. …"); and at the top
    of the file (its first title, past any page furniture). Any other short title-like line followed by
    prose is a subheading: it stays in its article's text and is recorded as a :class:`Section`.
    A stretch with no sentence in it (a lone "Dokument archiwalny") is skipped, and counted.
    Hard-wrapped paragraphs are read as one line each (see :func:`_unwrap`).
    The document's properties give the first article's title and date where its text states none.
    """
    extracted = extract(path, settings or Settings.load())
    text = extracted.text
    file_hash = hashlib.sha256(text.encode()).hexdigest()
    text = _unwrap(text)
    lines = _split_lines(text)
    starts, titled, headings = _layout(lines)
    articles, skipped = Articles(warnings=list(extracted.warnings)), []
    for first, after in zip(starts, [*starts[1:], len(lines)]):
        block = [line for line in lines[first:after] if line.clean]
        if not block:
            continue
        title, date, date_text, body = _title_and_date(block, titled=first in titled)
        if not articles:
            title, date = title or extracted.title, date or extracted.date
        if not any(_is_prose(line) for line in body):
            skipped += [line.clean for line in block]  # page furniture such as "Dokument archiwalny"
            continue
        start, end = body[0].start, body[-1].end
        marks = [lines[i] for i in headings if first < i < after]
        sections = [
            Section(mark.clean, mark.start, following.start if following else end)
            for mark, following in zip(marks, [*marks[1:], None])
        ]
        articles.append(
            Article(
                source=path.name,
                path=str(path.resolve()),
                index=len(articles),
                title=title,
                date=date,
                date_text=date_text,
                text=text[start:end],
                start_char=start,
                end_char=end,
                file_hash=file_hash,
                sections=sections,
                pages=extracted.pages,
            )
        )
    if not articles:
        raise InvalidDocument(f"{path}: no readable text")
    articles.skipped = skipped
    return articles


def _layout(lines: list[_Line]) -> tuple[list[int], set[int], list[int]]:
    """Where articles start (line indices, the first always 0), which of those starts are title lines,
    and which lines are subheadings inside an article."""
    starts, titled, headings = [0], set(), []
    opened = False  # an article start has been found (before it, only the top of the file)
    dated = False  # the current article has an ISO date line under its title
    content_seen = False  # a sentence or a "Label: value" line has been read since the top of the file

    def start_here(i: int) -> None:
        nonlocal opened
        if starts[-1] != i:
            starts.append(i)
        titled.add(i)
        opened = True

    for i, line in enumerate(lines):
        if _is_heading(line, colon=True):
            following = _next_content(lines, i)
            if following is not None and _ISO_LINE.match(following.clean):
                start_here(i)  # a title over a date line, even one with a colon ("Szkolenie: dialog…")
                dated = True
                continue
        if _is_heading(line):
            following = _next_content(lines, i)
            if not dated and following is not None and _leads_with_date(following):
                start_here(i)  # an undated page: each item's first paragraph opens with its date
                continue
            if not opened and not content_seen and following is not None and _is_prose(following):
                start_here(i)  # the first title of the file, after page furniture at most
                continue
            if following is not None and _is_body(following):
                headings.append(i)  # a subheading: the article goes on under it
                continue
        if _is_prose(line) or _LABEL.match(line.clean):
            content_seen = True
    return starts, titled, headings


def _next_content(lines: list[_Line], i: int) -> _Line | None:
    return next((line for line in lines[i + 1 :] if line.clean), None)


def _split_lines(text: str) -> list[_Line]:
    """Lines with their offsets; a title glued to the end of a long paragraph
    ("…Społecznej.Spotkanie robocze w Brukseli") becomes a line of its own."""
    lines = []
    for match in re.finditer(r"[^\n]*", text):
        if not match.group():
            continue
        start = match.start()
        piece = match.group()
        glued = _GLUED_TITLE.search(piece.rstrip())
        if glued and len(piece) > 150:
            cut = glued.start()
            lines.append(_Line(piece[:cut], start, start + cut))
            lines.append(_Line(piece[cut:], start + cut, match.end()))
        else:
            lines.append(_Line(piece, start, match.end()))
    return lines


def _unwrap(text: str) -> str:
    """The text with the line breaks inside hard-wrapped paragraphs turned into spaces, one for one,
    so that each paragraph is one line for the layout rules and offsets still point into the file.

    Only a file that looks hard-wrapped is touched: no line with a space in it is wider than
    ``MAX_WRAP_WIDTH``, and of its line breaks between two non-empty lines at least two, and at least
    half, are wraps (see :func:`_is_wrap`), a third of those or more inside a sentence (the next line
    goes on in lower case). A list, an address or a table of short rows has few full lines, and its
    lines each begin with a capital or a digit, so its line breaks stay.
    """
    lines = _split_lines(text)
    if any(len(line.text.rstrip()) > MAX_WRAP_WIDTH and " " in line.clean for line in lines):
        return text
    content = [line for line in lines if line.clean]
    pairs = [
        (line, following, after)
        for line, following, after in zip(content, content[1:], [*content[2:], None])
        if text[line.end : following.start] == "\n"
    ]
    if not pairs:
        return text
    width = max(len(line.text.rstrip()) for line, _, _ in pairs)  # the wrap column: the widest wrapped line
    wraps = [(line, following) for line, following, after in pairs if _is_wrap(line, following, after, width)]
    inside_sentence = sum(following.clean[0].islower() for _, following in wraps)
    if len(wraps) < 2 or 2 * len(wraps) < len(pairs) or 3 * inside_sentence < len(wraps):
        return text
    pieces, done = [], 0
    for line, following in wraps:
        cut = line.start + len(line.text.rstrip())
        pieces += [text[done:cut], " " * (following.start - cut)]
        done = following.start
    return "".join(pieces) + text[done:]


def _is_wrap(line: _Line, following: _Line, after: _Line | None, width: int) -> bool:
    """Whether the break between ``line`` and the ``following`` one was made by wrapping at ``width``:
    the following line's first word would not have fitted on the line (give or take a tenth of the
    width, for wrappers that even out their lines); the line does not end a sentence unless the next
    goes on in lower case; and the following line is not a list item, a table row, a date line or a
    title over one (``after`` is the next non-empty line)."""
    full = len(line.text.rstrip()) + 1 + len(following.text.split()[0]) > 0.9 * width
    goes_on = not _SENTENCE_END.search(line.clean) or following.clean[0].islower()
    dated = any(_ISO_LINE.match(x.clean) for x in (line, following, after) if x is not None)
    listed = bool(_LIST_ITEM.match(following.clean)) or "|" in line.clean + following.clean
    return full and goes_on and not dated and not listed


def _is_body(line: _Line) -> bool:
    """A paragraph of prose: long and closed by sentence punctuation."""
    return len(line.clean) >= 80 and line.clean[-1] in ".!?;…”\")"


def _is_sentence(line: _Line) -> bool:
    """A sentence of any length: a few words closed by . ! ? … (maybe inside closing quotes)."""
    return bool(_SENTENCE_END.search(line.clean)) and len(line.clean.split()) >= 3


def _is_prose(line: _Line) -> bool:
    return _is_body(line) or _is_sentence(line)


def _is_heading(line: _Line, colon: bool = False) -> bool:
    """A short line without closing punctuation or (unless ``colon``) a "label:" form: a title or a
    subheading. A date line under it tells a title with a colon from a "Label: value" line."""
    text = line.clean
    return bool(text) and len(text) <= MAX_HEADING_CHARS and text[-1] not in ".:;," \
        and (colon or ":" not in text) and not _ISO_LINE.match(text)


def _leads_with_date(line: _Line) -> bool:
    """Prose whose opening words state a date, as news items do ("W dniu 2 lutego br. …")."""
    if not _is_prose(line):
        return False
    _, written = find_date(line.clean)
    return bool(written) and line.clean.find(written) < _LEAD_DATE_CHARS


def _title_and_date(block: list[_Line], titled: bool) -> tuple[str, str, str, list[_Line]]:
    """Title (the title line, else a short first line such as "Tytuł Projektu: X" → "X"), date, body.
    A first line longer than a heading is text, however it ends (a 1,000-character line closed by ":")."""
    if titled:
        title, body = block[0].clean, block[1:]
    elif not _is_body(block[0]) and len(block) > 1 and len(block[0].clean) <= MAX_HEADING_CHARS:
        label = _LABEL.match(block[0].clean)
        title, body = (label.group(1) if label else block[0].clean), block[1:]
    else:
        title, body = "", block
    date, date_text = "", ""
    if body and _ISO_LINE.match(body[0].clean):
        date = date_text = body[0].clean
        body = body[1:]
    elif body:
        date, date_text = find_date(" ".join(line.text for line in body))
    return title, date, date_text, body
