"""Reads office documents and cuts them into articles, each with its own title and date.

An archive page can hold several unrelated articles (corpus file 002 holds six visits); splitting them
before chunking guarantees that a passage never mixes two visits. No library recognises this page
layout (a short title line, an optional ISO date line, then prose), so the rules are written here.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.dates import find_date
from rag.errors import InvalidDocument

SUPPORTED_SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 20 * 1024 * 1024
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
# Control codes other than tab, line feed, form feed and carriage return: no text file holds them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_POLISH_LETTERS = re.compile("[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")
_SPACE = re.compile(r"\s")
_WORDS_JUDGED_FROM = 1000  # characters: a shorter text may be a few long words; "no readable text" covers it
# Byte-order marks, UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The two 8-bit Polish code pages, Windows' first: it wins a tie (Notepad and Word wrote it).
_LEGACY_CODECS = (("cp1250", "Windows-1250"), ("iso-8859-2", "ISO-8859-2"))


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


def unsupported_reason(path: Path) -> str | None:
    """Why a file found in a folder is not read (".pdf: unsupported type (supported: .txt, .md)"),
    or None for a type the reader takes; the caller names the file."""
    if path.suffix.lower() in SUPPORTED_SUFFIXES:
        return None
    return f"{path.suffix or 'no extension'}: unsupported type (supported: {', '.join(SUPPORTED_SUFFIXES)})"


def read_text(path: Path, warnings: list[str] | None = None) -> str:
    """File contents as text, or :class:`InvalidDocument` saying why it cannot be ingested.

    Where the text is not exactly what the file holds (bytes replaced, an 8-bit code page guessed),
    a message is appended to ``warnings``: a file is never garbled silently.
    """
    raw = _read_bytes(path)
    text, notes = _decode(raw, path)
    if not text.strip():
        raise InvalidDocument(f"{path}: empty file")
    reason = _not_text_reason(text)
    if reason:
        raise InvalidDocument(f"{path}: not text ({reason}); is it a binary file?")
    if warnings is not None:
        warnings += notes
    return text


def _not_text_reason(text: str) -> str | None:
    """Why decoded characters are not text, or None. Random or binary bytes decode as an 8-bit code
    page without error: one in ten of them is then a control code, where text has none or a stray one
    (an old editor's end-of-file mark); and were the control codes filtered out, a space would still
    come once in a hundred characters or so, where prose has one every six or seven."""
    controls = len(_CONTROL.findall(text))
    if controls > 1 and controls * 100 > len(text):
        return f"{controls / len(text):.0%} of its characters are control codes"
    if len(text) >= _WORDS_JUDGED_FROM and len(_SPACE.findall(text)) * 20 < len(text):
        return "hardly a space between its characters, so no words"
    return None


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; every way reading can fail becomes an :class:`InvalidDocument`."""
    try:
        if not path.is_file():  # a folder, a broken link or a link loop
            raise InvalidDocument(f"{path}: not a file")
        reason = unsupported_reason(path)
        if reason:
            raise InvalidDocument(f"{path}: {reason}")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidDocument(f"{path}: {size / 1e6:.0f} MB is over the {MAX_FILE_BYTES // 2**20} MiB limit")
        return path.read_bytes()
    except PermissionError as error:
        raise InvalidDocument(f"{path}: permission denied (the user running the ingest cannot read it)") from error
    except OSError as error:
        raise InvalidDocument(f"{path}: cannot be read ({error.strerror or error})") from error


def _decode(raw: bytes, path: Path) -> tuple[str, list[str]]:
    """Text and warnings, per file: a byte-order mark decides; else UTF-8, the few bytes that are not
    UTF-8 replaced and named; else a Polish 8-bit code page, named as a guess."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            if codec == "utf-8":
                return _decode_utf8(raw[len(bom):])
            try:
                return raw[len(bom):].decode(codec), []
            except UnicodeDecodeError as error:
                name, at = codec.upper(), len(bom) + error.start
                raise InvalidDocument(f"{path}: starts with a {name} byte-order mark but is not {name} text "
                                      f"({error.reason} at byte {at})") from error
    if b"\x00" in raw:
        raise InvalidDocument(f"{path}: looks binary (contains NUL bytes); expected plain text "
                              "(UTF-16 needs a byte-order mark)")
    return _decode_utf8(raw)


def _decode_utf8(raw: bytes) -> tuple[str, list[str]]:
    """UTF-8, or, for a file of mostly UTF-8 letters with a few stray bytes, UTF-8 with those replaced
    by � and their lines named: decoding it whole as Windows-1250 would garble every letter
    ("OĹ›rodek"). A file whose non-ASCII bytes are mostly not UTF-8 is 8-bit text."""
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    decoded = len(text) - len(text.encode("ascii", errors="ignore")) - replaced  # non-ASCII, valid UTF-8
    if decoded <= replaced:
        return _decode_legacy(raw)
    # A line feed byte is never part of a UTF-8 sequence, so each line can be checked on its own.
    bad = [number for number, line in enumerate(raw.split(b"\n"), start=1) if not _is_utf8(line)]
    shown = ", ".join(map(str, bad[:10])) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
    return text, [f"line{'s' if len(bad) > 1 else ''} {shown}: bytes that are not UTF-8 were replaced by �"]


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_legacy(raw: bytes) -> tuple[str, list[str]]:
    """Windows-1250 or ISO-8859-2, whichever yields more Polish letters; Windows-1250 on a tie.

    The two differ on ą ś ź Ą Ś Ź, and each turns the other's bytes for them into signs (±, ¶, ¦),
    other languages' letters (ľ, š) or control codes, so counting Polish letters tells them apart.
    A text without those six letters goes to Windows-1250, whose „quotes” and dashes ISO-8859-2 reads
    as control codes. A detector such as charset_normalizer weighs dozens of code pages and languages,
    and its answer can move between versions; this choice is between the two Polish code pages only,
    and always the same.
    """
    candidates = []
    for codec, name in _LEGACY_CODECS:
        try:
            candidates.append((raw.decode(codec), name))
        except UnicodeDecodeError:  # Windows-1250 leaves five bytes undefined; ISO-8859-2 none
            continue
    # max() keeps the first of equal counts: Windows-1250.
    text, name = max(candidates, key=lambda candidate: len(_POLISH_LETTERS.findall(candidate[0])))
    return text, [f"not UTF-8: read as {name}"]


def read_articles(path: Path) -> Articles:
    """The file's articles, in order; ``.skipped`` holds the non-empty lines left out of every article.

    An article starts at a title line followed by an ISO date line; on a page whose items carry no date
    line, at a title line whose paragraph opens with a date ("W dniu 13 września br. …"); and at the top
    of the file (its first title, past any page furniture). Any other short title-like line followed by
    prose is a subheading: it stays in its article's text and is recorded as a :class:`Section`.
    A stretch with no sentence in it (a lone "Dokument archiwalny") is skipped, and counted.
    Hard-wrapped paragraphs are read as one line each (see :func:`_unwrap`).
    """
    warnings: list[str] = []
    text = read_text(path, warnings)
    file_hash = hashlib.sha256(text.encode()).hexdigest()
    text = _unwrap(text)
    lines = _split_lines(text)
    starts, titled, headings = _layout(lines)
    articles, skipped = Articles(warnings=warnings), []
    for first, after in zip(starts, [*starts[1:], len(lines)]):
        block = [line for line in lines[first:after] if line.clean]
        if not block:
            continue
        title, date, date_text, body = _title_and_date(block, titled=first in titled)
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
