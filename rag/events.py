"""When a sentence says something happened, what it names as the thing that happened, and how to name
a phrase in the nominative for a heading.

A briefing lists events, not articles: the 2001 agreement recalled in a 2022 article is an event of
2001, and it is the agreement ("Porozumienie pomiędzy … Frankfurt nad Menem"), not the 2022 visit the
article is titled after. Dates come from ``rag.dates``; words, cases and names from Morfeusz's tags.
"""

from __future__ import annotations

import re
from functools import cache

from rag.dates import find_date
from rag.lexical import morfeusz

Reading = tuple[str, str, list[str]]  # Morfeusz's (base, tag, qualifiers)
Word = tuple[str, int, list[Reading]]  # (surface, character offset, readings)

# "Od 6 do 10 czerwca 2016 r.": the span's first day is written before the date ``find_date`` reads.
_RANGE_START = re.compile(r"\b[Oo]d\s+(\d{1,2})\s+do\s+$")


def event_date(text: str) -> tuple[str, str]:
    """The first date ``text`` states, as (ISO or "", as written); a span "od 6 do 10 czerwca 2016"
    starts on its first day ("2016-06-06", "6–10 czerwca 2016"). "br." (this year) stays unknown."""
    iso, written = find_date(text)
    if not written:
        return "", ""
    at = text.find(written)
    start = _RANGE_START.search(text[:at]) if at >= 0 else None
    if start and int(start.group(1)) < int(re.match(r"\d+", written).group()):
        day = int(start.group(1))
        written = f"{day}–{written}"
        iso = f"{iso[:8]}{day:02d}" if iso else ""
    return iso, written


# What only leads up to a date ("w dniu", "z dnia", "od", ",") and so ends no name of a thing.
_LEAD_IN_TAGS = ("prep", "conj", "comp", "interp")
_LEAD_IN_LEMMAS = ("dzień", "rok")


def dated_thing(text: str, written: str) -> str:
    """What a sentence dates, when it names it: the capitalised common noun (a named document,
    programme or event: "…ujęto w Porozumieniu pomiędzy X i Y w dniu 19 kwietnia 2001 r.") that opens
    the phrase the date closes, in the nominative, with its words up to the date ("Porozumienie
    pomiędzy X i Y"). "" when the clause before the date names no such thing: the sentence then
    speaks for itself rather than borrowing another event's title."""
    at = text.find(written) if written else -1
    if at <= 0:
        return ""
    clause_start = max(text.rfind(mark, 0, at) for mark in (", ", "; ", ": ", "(", " – ", " - "))
    clause_start = 0 if clause_start < 0 else clause_start + 1
    clause = text[clause_start:at]
    words = tokens(clause)
    for i, (orth, offset, readings) in enumerate(words):
        if clause_start + offset == 0 or not orth[:1].isupper():
            continue  # a sentence's first word is capitalised whatever it is
        if not any(tag.startswith("subst") and "nazwa_pospolita" in q for _, tag, q in readings):
            continue
        end = len(words)
        while end > i + 1 and all(tag.split(":", 1)[0] in _LEAD_IN_TAGS or base.split(":", 1)[0] in _LEAD_IN_LEMMAS
                                  for base, tag, _ in words[end - 1][2]):
            end -= 1
        return nominative(clause, words, i, end, words[i - 1] if i else None, proper=False)
    return ""


def tokens(text: str) -> list[Word]:
    """Morfeusz's words of ``text`` in order, one segmentation, with their character offsets."""
    by_span: dict[tuple[int, int], tuple[str, list[Reading]]] = {}
    for start, end, (orth, base, tag, qualifiers, *_rest) in morfeusz().analyse(text):
        by_span.setdefault((start, end), (orth, []))[1].append((base, tag, list(qualifiers)))
    words: list[Word] = []
    node, cursor = 0, 0
    for (start, end), (orth, readings) in sorted(by_span.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        if start != node:
            continue  # another segmentation of a span already read
        found = text.find(orth, cursor)
        offset = found if found >= 0 else cursor
        words.append((orth, offset, readings))
        node, cursor = end, offset + len(orth)
    return words


def is_proper(qualifiers: list[str]) -> bool:
    """Morfeusz's labels for proper names: a place, a first name, a surname, an organisation, a brand."""
    return any(q in ("imię", "nazwisko", "marka") or (q.startswith("nazwa_") and q != "nazwa_pospolita")
               or q.startswith("człon_nazwy") for q in qualifiers)


def is_foreign(word: Word) -> bool:
    """A word Morfeusz does not know (an English word, a foreign name)."""
    return all(tag == "ign" for _, tag, _ in word[2])


_MODIFIERS = ("adj", "pact", "ppas")  # tag classes that agree with a noun
_CASES = ("nom", "acc", "gen", "loc", "inst", "dat", "voc")


def nominative(text: str, words: list[Word], start: int, end: int, before: Word | None, proper: bool,
               rest: bool = True) -> str:
    """``words[start:end]`` (a phrase of ``text``) with its head noun and the adjectives agreeing with it
    in the nominative, the rest as written: "o działaniach międzynarodowych dotyczących osób" →
    "działania międzynarodowe dotyczące osób", "w Europejskiej Sieci Samorządów" → "Europejska Sieć
    Samorządów", "z Czech" → "Czechy". The head is the first noun that is not also an adjective, read
    in the case ``before`` (a preposition) governs; ``proper`` prefers its readings as a place or
    name; without ``rest`` the words after the agreeing ones are left out. The phrase as written where
    Morfeusz offers no noun."""
    heads = [i for i in range(start, end) if _noun_readings(words[i])
             and not any(t.split(":", 1)[0] in _MODIFIERS for _, t, _ in words[i][2])]
    if not heads:
        return _span(text, words, start, end)
    h = heads[0]
    head = _head_reading(words, h, start, end, before, proper)
    parts = {h: _inflect(head, head, words[h][0])}
    for step, stop in ((-1, start - 1), (1, end)):  # the agreeing words right before it, then after it
        for i in range(h + step, stop, step):
            reading = _agreeing(words[i], head)
            if reading is None:
                break
            parts[i] = _inflect(reading, head, words[i][0])
    first, last = min(parts), max(parts)
    out = [_span(text, words, start, first)] if first > start else []
    out += [parts.get(i, words[i][0]) for i in range(first, last + 1)]
    if rest and last + 1 < end:
        out.append(_span(text, words, last + 1, end))
    return " ".join(p for p in out if p)


def _span(text: str, words: list[Word], start: int, end: int) -> str:
    if start >= end:
        return ""
    return text[words[start][1] : words[end - 1][1] + len(words[end - 1][0])]


def _noun_readings(word: Word) -> list[tuple[str, str]]:
    return [(base, tag) for base, tag, _ in word[2] if tag.startswith("subst")]


def _head_reading(words: list[Word], h: int, start: int, end: int, before: Word | None,
                  proper: bool) -> tuple[str, str]:
    """The head's reading: in a case ``before`` governs, agreeing with the most words around it (the
    one that reads "w Europejskiej Sieci" as one phrase), as a place if ``proper``, else as a common
    noun; the nominative before other cases."""
    governed = {tag.split(":")[1] for _, tag, _ in (before[2] if before else []) if tag.startswith("prep")}
    qualifiers = {(base, tag): q for base, tag, q in words[h][2]}

    def agreeing(reading: tuple[str, str]) -> int:
        count = 0
        for step, stop in ((-1, start - 1), (1, end)):
            for i in range(h + step, stop, step):
                if _agreeing(words[i], reading) is None:
                    break
                count += 1
        return count

    def rank(reading: tuple[str, str]):
        cases = reading[1].split(":")[2].split(".")
        q = qualifiers[reading]
        return (not (governed & set(cases)), -agreeing(reading), proper and "nazwa_geograficzna" not in q,
                (not proper) and "nazwa_pospolita" not in q, min(_CASES.index(c) for c in cases if c in _CASES))

    return min(_noun_readings(words[h]), key=rank)


def _agreeing(word: Word, head: tuple[str, str]) -> tuple[str, str] | None:
    """The reading in which ``word`` is an adjective or participle agreeing with ``head``."""
    _, number, cases, gender, *_ = head[1].split(":")
    for base, tag, _ in word[2]:
        f = tag.split(":")
        if (f[0] in _MODIFIERS and len(f) > 3 and f[1] == number and set(f[2].split(".")) & set(cases.split("."))
                and set(f[3].split(".")) & set(gender.split("."))):
            return base, tag
    return None


@cache
def _generator():
    import morfeusz2

    return morfeusz2.Morfeusz(generate=True, analyse=False, expand_tags=False)


def _inflect(reading: tuple[str, str], head: tuple[str, str], written: str) -> str:
    """The reading's word in the nominative, in the head's number and gender; capitalised as written."""
    base, tag = reading
    kind, number, _, *rest = tag.split(":")
    gender = set(head[1].split(":")[3].split("."))
    form = base.split(":", 1)[0]
    for generated_form, _, generated, *_ in _generator().generate(base):
        g = generated.split(":")
        if (g[0] == kind and len(g) > 3 and g[1] == number and "nom" in g[2].split(".")
                and (kind == "subst" or set(g[3].split(".")) & gender) and g[4:] == rest[1:]):
            form = generated_form
            break
    if written.isupper() and len(written) > 1:
        return written  # an acronym ("MOPS") stays as written
    return form[:1].upper() + form[1:] if written[:1].isupper() else form
