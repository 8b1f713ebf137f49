"""English question words → the Polish words that translate them, so that an English question can be
matched word by word against Polish documents, as a Polish question is.

The e5 model carries the meaning of an English question across languages, but the lemma-coverage
signals of the sentence ranker and of refusal saw nothing of it: "delegation", "budget", "participants"
are words no Polish document contains. A bilingual dictionary supplies the Polish words; the query
analysis (``rag.query``) adds those the index knows to the question word's alternatives.

The dictionary is FreeDict's English-Polish one (Piotrowski and Saloni, ~16,000 headwords), which Debian
ships as ``dict-freedict-eng-pol`` in dictd's format: an index of headwords with base64 offsets into
a gzip-compressed text. No PyPI package carries an English-Polish dictionary; ``.ci/setup`` installs
the Debian package when it runs as root, and without it English questions are read as before
(``Settings.english_dictionary``). Read by hand here: dictd's format is two lines of code to read and
no maintained Python library reads it without a server.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
# English inflection, tried in order when a word is not a headword itself: general English grammar.
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ves", "f"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"),
             ("ing", ""), ("ing", "e"), ("ly", ""), ("er", ""), ("est", ""))
# The irregular past forms a question about past events uses most ("Who led…", "When did they meet…").
_IRREGULAR = {"led": "lead", "met": "meet", "took": "take", "taken": "take", "held": "hold", "went": "go",
              "gone": "go", "came": "come", "gave": "give", "given": "give", "spent": "spend", "sent": "send",
              "made": "make", "told": "tell", "began": "begin", "begun": "begin", "brought": "bring",
              "bought": "buy", "chose": "choose", "chosen": "choose", "won": "win", "wrote": "write",
              "written": "write", "saw": "see", "seen": "see", "paid": "pay", "said": "say", "built": "build",
              "taught": "teach", "thought": "think", "found": "find", "left": "leave", "lost": "lose",
              "ran": "run", "sat": "sit", "stood": "stand", "understood": "understand", "knew": "know",
              "known": "know", "grew": "grow", "grown": "grow", "became": "become", "children": "child",
              "people": "person", "women": "woman", "men": "man"}
_SENSE_MARKS = re.compile(r"^\s*(?:[IVX]+\.|\d+\.|[a-z]\.)?\s*(?:<[^>]*>)?\s*(?:\d+\.|[a-z]\.)?\s*")


class EnglishPolish:
    """A dictd English-Polish dictionary: ``translations("delegation")`` → ("delegacja",)."""

    def __init__(self, index: dict[str, list[tuple[int, int]]], text: bytes) -> None:
        self._index, self._text = index, text

    @classmethod
    def open(cls, stem: Path) -> EnglishPolish | None:
        """``stem``: the path without ``.index`` / ``.dict.dz``; None when the dictionary is not there."""
        try:
            index_text = Path(f"{stem}.index").read_text(encoding="utf-8")
            text = gzip.decompress(Path(f"{stem}.dict.dz").read_bytes())
        except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError):
            return None
        index: dict[str, list[tuple[int, int]]] = {}
        for line in index_text.splitlines():
            fields = line.split("\t")
            if len(fields) == 3 and not fields[0].startswith("00database"):
                index.setdefault(fields[0].lower(), []).append((_number(fields[1]), _number(fields[2])))
        return cls(index, text)

    def translations(self, word: str) -> tuple[str, ...]:
        """The Polish words of the direct senses of ``word`` or of its base form (idioms, phrasal verbs
        and examples left out); () when the dictionary has neither."""
        for headword in _base_forms(word.lower()):
            if headword in self._index:
                return tuple(dict.fromkeys(w for offset, length in self._index[headword]
                                           for w in _sense_words(self._text[offset: offset + length].decode("utf-8"))))
        return ()


def _number(code: str) -> int:
    value = 0
    for char in code:
        value = value * 64 + _B64[char]
    return value


def _base_forms(word: str) -> list[str]:
    forms = [word]
    if word in _IRREGULAR:
        forms.append(_IRREGULAR[word])
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            forms.append(stem + replacement)
            if replacement == "" and len(stem) > 3 and stem[-1] == stem[-2]:  # "planned" → "plan"
                forms.append(stem[:-1])
    return forms


def _sense_words(entry: str) -> list[str]:
    """Words of the entry's translation lines: the lines after the headword up to its compounds or
    phrasal verbs, less idioms (their English phrase in parentheses with ":" marks, their translation
    after "-"), examples in quotes, and notes in brackets or parentheses."""
    found: list[str] = []
    for line in entry.splitlines()[1:] if "\n" in entry.strip() else [entry.split(">", 1)[-1]]:
        if "/" in line or "Phras>" in line:  # a compound's own headword ("family tree /…/") or the
            break  # phrasal verbs: what follows translates them, not the word
        line = _SENSE_MARKS.sub("", line)
        if "(:" in line or line.startswith(("-", '"')):
            continue
        line = re.sub(r"\([^)]*\)|\[[^\]]*\]|\"[^\"]*\"", " ", line)
        found += [w for w in re.findall(r"[^\W\d_]+", line) if len(w) > 2]
    return found


@cache
def english_polish(stem: str) -> EnglishPolish | None:
    """The process's one copy of the dictionary at ``stem`` (reading it takes ~0.1 s)."""
    return EnglishPolish.open(Path(stem))
