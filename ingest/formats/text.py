"""Plain text and Markdown: decoded by hand (byte-order mark, UTF-8, or a Polish 8-bit code page).

No library decides between the two Polish 8-bit code pages reliably and stably (see _decode_legacy),
and a file is never garbled silently: whatever is not exactly as written becomes a warning.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ingest.formats.base import FormatReader, as_path
from rag.errors import InvalidDocument

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


class TextReader(FormatReader):
    kind, label, suffixes, paged = "text", "text", (".txt", ".md"), False

    def load_data(self, file, extra_info=None):
        warnings: list[str] = []
        text = read_text(as_path(file), warnings)
        return [self.page(text, warnings=tuple(warnings))]


def read_text(path: Path, warnings: list[str] | None = None) -> str:
    """File contents as text, or :class:`InvalidDocument` saying why it cannot be ingested.

    Where the text is not exactly what the file holds (bytes replaced, an 8-bit code page guessed),
    a message is appended to ``warnings``: a file is never garbled silently.
    """
    raw = path.read_bytes()
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
