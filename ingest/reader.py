"""Reads office documents and cuts them into articles, each with its own title and date.

An archive page can hold several unrelated articles (corpus file 002 holds six visits); splitting them
before chunking guarantees that a passage never mixes two visits. No library recognises this page
layout (a short title line, an optional ISO date line, then prose), so the rules are written here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rag.dates import find_date
from rag.errors import InvalidDocument

SUPPORTED_SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 20 * 1024 * 1024

_ISO_LINE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_GLUED_TITLE = re.compile(r"(?<=[a-ząćęłńóśźż)]\.)(?=[A-ZĄĆĘŁŃÓŚŹŻ][^.!?:]{3,100}$)")
_LABEL = re.compile(r"^[^:]{1,40}:\s*(\S.*)$")
_MARKUP = re.compile(r"^#+\s*|\*\*|__")


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


@dataclass
class _Line:
    text: str
    start: int
    end: int

    @property
    def clean(self) -> str:
        return _MARKUP.sub("", self.text.replace("\xa0", " ")).strip()


def read_text(path: Path) -> str:
    """File contents as text, or :class:`InvalidDocument` saying why it cannot be ingested."""
    if not path.is_file():
        raise InvalidDocument(f"{path}: not a file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InvalidDocument(f"{path}: unsupported type {path.suffix!r} (supported: .txt, .md)")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InvalidDocument(f"{path}: {size / 1e6:.0f} MB is over the {MAX_FILE_BYTES // 2**20} MiB limit")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise InvalidDocument(f"{path}: looks binary (contains NUL bytes); expected plain text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1250")  # older Polish office files
        except UnicodeDecodeError as error:
            raise InvalidDocument(f"{path}: not UTF-8 or Windows-1250 text ({error})") from error
    if not text.strip():
        raise InvalidDocument(f"{path}: empty file")
    return text


def read_articles(path: Path) -> list[Article]:
    text = read_text(path)
    file_hash = hashlib.sha256(text.encode()).hexdigest()
    lines = _split_lines(text)
    starts = [i for i in range(len(lines)) if _is_title(lines, i)]
    if not starts or starts[0] != 0:
        starts = [0, *starts]  # text before the first title: a preamble, or an untitled document
    articles = []
    for first, after in zip(starts, [*starts[1:], len(lines)]):
        block = [line for line in lines[first:after] if line.clean]
        if not any(_is_body(line) for line in block):
            continue  # page furniture such as "Dokument archiwalny"
        title, date, date_text, body = _title_and_date(block, titled=_is_title(lines, first))
        start, end = body[0].start, body[-1].end
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
            )
        )
    if not articles:
        raise InvalidDocument(f"{path}: no readable text")
    return articles


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


def _is_body(line: _Line) -> bool:
    return len(line.clean) >= 80 and line.clean[-1] in ".!?;…”\")"


def _is_title(lines: list[_Line], i: int) -> bool:
    """A short line without closing punctuation or a "label:" form, followed (maybe past a date) by prose."""
    text = lines[i].clean
    if not text or len(text) > 150 or text[-1] in ".:;," or ":" in text or _ISO_LINE.match(text):
        return False
    following = [line for line in lines[i + 1 : i + 4] if line.clean]
    if following and _ISO_LINE.match(following[0].clean):
        following = following[1:]
    return bool(following) and _is_body(following[0])


def _title_and_date(block: list[_Line], titled: bool) -> tuple[str, str, str, list[_Line]]:
    """Title (the title line, else a short first line such as "Tytuł Projektu: X" → "X"), date, body."""
    if titled:
        title, body = block[0].clean, block[1:]
    elif not _is_body(block[0]) and len(block) > 1:
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
