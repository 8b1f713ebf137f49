"""Briefings for newcomers: what the documents say about a topic, event by event, year by year.

Three rules make a briefing one a newcomer can trust:

- Only the topic's own items. When the topic names someone or something (a partner city, an
  organisation, a person, a quoted project title: proper names by Morfeusz's tags, capital letters and
  quotation marks), every item names it too, lemma-matched ("Frankfurtem" ↔ "Frankfurt"), in its own
  sentence or in its article's title. A visit from Trondheim shares words with "współpraca z
  Frankfurtem" but not its subject. Names that most of the corpus mentions ("Kraków", the office's own
  city) say nothing about which items belong, so they do not filter (the same ``min_idf`` as topic
  words); a name no document mentions ("Norwegian") matches nothing, and the briefing is refused rather
  than filled with other places.
- Each item is dated by its event: the date its own sentence states (``rag.events.event_date``), else
  the first date the article states in its own year, else the article's date. A sentence that dates
  something in another year than its article (the 2001 agreement recalled in a 2022 article) is an
  item of its own, labelled by what it names ("Porozumienie pomiędzy …"), never by the article's title.
- Plain text under a heading that names the topic ("Frankfurt nad Menem — współpraca"), not the
  request ("Przygotuj briefing o …"): items grouped by year, oldest first; undated ("13 września br.")
  last.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rag.events import Word, dated_thing, event_date, is_foreign, is_proper, nominative, tokens
from rag.evidence import Evidence, Sentence, SentenceScorer
from rag.lexical import POLISH_STOPWORDS, lemma_of
from rag.places import PLACING_WORDS, cities, country_name, country_of
from rag.render import CitationBook, markers, phrase, when
from rag.text import fold
from rag.types import Briefing, BriefingItem

# Words that ask for a briefing rather than say what it is about: part of the two languages, not of
# any corpus ("Przygotuj briefing o …", "Give me a briefing on …").
REQUEST_WORDS = frozenset(fold(w) for w in """
    brief briefing briefingu notatka notatkę podsumowanie streszczenie opracowanie informacja informacje
    przygotuj zrób opisz daj opowiedz powiedz przedstaw napisz pokaż podsumuj streść
    give prepare write make tell show summary summarise summarize overview note
""".split())
_VERBS = ("fin", "impt", "inf", "praet", "bedzie", "imps", "pred", "ger")
_QUOTED = re.compile(r"[„“\"«]([^„“”\"«»]+)[”“\"»]")
_ROMAN = re.compile(r"[IVXLC]+")
_ADDRESSES = re.compile(r"\S+@\S+|\bhttps?://\S+|\bwww\.\S+")
YEAR_UNKNOWN = {"pl": "Rok nieznany", "en": "Year unknown"}


@dataclass(frozen=True)
class Name:
    """A name the topic is about: "Frankfurtem nad Menem" → Frankfurt nad Menem, matched by frankfurt."""

    written: str  # as the topic writes it
    nominative: str  # for the heading: "Frankfurt nad Menem", "Czechy"
    keys: tuple[frozenset[str], ...]  # per word of the name (not of "nad Menem"), its lemmas

    def named_in(self, terms: set[str]) -> bool:
        return bool(self.keys) and all(key & terms for key in self.keys)

    def specificity(self, idf: dict[str, float]) -> float | None:
        """How few chunks mention it: its rarest word's idf; None when no document has one of its words."""
        known = [max((idf[t] for t in key if t in idf), default=None) for key in self.keys]
        return None if None in known else max(known, default=None)


@dataclass(frozen=True)
class Topic:
    text: str
    names: tuple[Name, ...]  # the names that tell its items apart
    heading: str  # "Frankfurt nad Menem — współpraca", "Działania międzynarodowe dotyczące osób starszych"
    request: frozenset[str] = frozenset()  # lemmas of the words that only ask ("przygotować", "briefing")
    places: tuple[str, ...] = ()  # places the documents name inside a country the topic names ("Oslo")


def read_topic(topic: str, idf: dict[str, float], min_idf: float = 0.7) -> Topic:
    """The names a topic is about (those that tell its items apart) and the heading that names it:
    its names in the nominative, then the noun the topic asks about ("Frankfurt nad Menem —
    współpraca"); without names, the topic's nominal core ("Wizyty zagranicznych delegacji i
    studentów w MOPS")."""
    text = re.sub(r"(?<=\w)['’]s\b", "", topic)  # "Kraków's contacts" → "Kraków contacts"
    words = tokens(text)
    quoted = [(m.start(1), m.end(1)) for m in _QUOTED.finditer(text)]
    used = [any(a <= offset < b for a, b in quoted) for _, offset, _ in words]
    names = [_quoted_name(text[a:b]) for a, b in quoted]
    i = 0
    while i < len(words):
        if used[i] or not _is_name(words, i, idf):
            i += 1
            continue
        end = i + 1
        while end < len(words) and not used[end] and _is_name(words, end, idf):
            end += 1
        core = list(range(i, end))
        while (end + 1 < len(words) and words[end][0].lower() in PLACING_WORDS and not used[end + 1]
               and _is_name(words, end + 1, idf)):
            end += 2
        used[i:end] = [True] * (end - i)
        core_end, name_end = (words[k][1] + len(words[k][0]) for k in (core[-1], end - 1))
        # "nad Menem" is governed by its preposition and stays as written; the name's own words are
        # put in the nominative ("Frankfurtem" → Frankfurt).
        shown = nominative(text, words, i, core[-1] + 1, words[i - 1] if i else None, proper=True)
        keys = tuple(k for k in (_lemmas(words[j]) for j in core) if k)
        names.append(Name(text[words[i][1] : name_end], shown + text[core_end:name_end], keys))
        i = end
    names, places = _countries_as_places(words, used, names, idf)
    telling = tuple(n for n in names if n.keys and ((s := n.specificity(idf)) is None or s >= min_idf))
    core = _nominal_core(text, words, used, whole=not telling)
    heading = " — ".join(p for p in (", ".join(n.nominative for n in telling), core) if p) or topic
    asking = [w for w in words if fold(w[0]) in REQUEST_WORDS]
    request = frozenset({fold(w[0]) for w in asking} | {lemma for w in asking for lemma in _lemmas(w)})
    return Topic(topic, telling, heading[:1].upper() + heading[1:], request, places)


def _countries_as_places(words: list[Word], used: list[bool], names: list[Name],
                         idf: dict[str, float]) -> tuple[list[Name], tuple[str, ...]]:
    """A country the topic names ("Norwegian cities", "miasta norweskie", "z Czechami") stands for
    itself and for its cities that the documents name: they say "delegacja z Trondheim", seldom
    "z Norwegii". Such a name (or a relational adjective, which is not a name) becomes one key that
    any of those words satisfies; the cities the index knows are returned to widen retrieval."""
    found: list[Name] = []
    places: list[str] = []
    for name in names:
        code = country_of(name.keys[0]) if len(name.keys) == 1 else None
        found.append(_place_name(name.written, code, idf, places) if code else name)
    for i, word in enumerate(words):
        if used[i] or not any(tag.startswith("adj") for _, tag, _ in word[2]):
            continue
        code = country_of(_lemmas(word) | {fold(word[0])})
        if code:
            used[i] = True
            found.append(_place_name(word[0], code, idf, places))
    return found, tuple(dict.fromkeys(places))


def _place_name(written: str, code: str, idf: dict[str, float], places: list[str]) -> Name:
    lang = "en" if is_foreign(tokens(written)[0]) else "pl"
    keys = {fold(n) for n in (country_name(code, "pl"), country_name(code, "en"))} | {fold(written)}
    for city, key in _named_cities(code):
        keys.add(key)
        if key in idf:
            places.append(city)
    return Name(written, country_name(code, lang), (frozenset(keys),))


@functools.cache
def _named_cities(code: str) -> tuple[tuple[str, str], ...]:
    """(city, folded key) for the country's cities that only name a place: a city whose name is also a
    common word ("Most" in Czechia) would name every bridge. The documents' terms are lemmas, and
    Morfeusz's lemma of a city is its name, so a city is matched as written. Once per country: a
    large country has a thousand cities to look up."""
    return tuple((city, fold(city)) for city in cities(code)
                 if all(tag == "ign" or is_proper(q) for _, tag, q in tokens(city)[0][2]))


def _is_name(words: list[Word], index: int, idf: dict[str, float]) -> bool:
    """A proper name by Morfeusz's tags (capitalised, or never a common word), or a capitalised word
    that does not start the topic or a sentence of it (those are capitalised anyway), or a word there
    that Morfeusz does not know and the documents use. Request words and Roman numerals ("II
    Konwencja") are not names."""
    word = words[index]
    orth, _, readings = word
    starts_sentence = index == 0 or words[index - 1][0] in (":", ".", "!", "?")
    if fold(orth) in REQUEST_WORDS or _ROMAN.fullmatch(orth) or not orth[:1].isalpha():
        return False
    upper = orth[:1].isupper()
    proper = [is_proper(q) for _, tag, q in readings if tag != "ign"]
    if any(proper) and (upper or all(proper)):
        return True
    return upper and (not starts_sentence or (is_foreign(word) and fold(orth) in idf))


def _lemmas(word: Word) -> frozenset[str]:
    """The lemmas an item must contain to name this word: its readings as a name, if it has any."""
    orth, _, readings = word
    proper = {lemma_of(base) for base, tag, q in readings if tag != "ign" and is_proper(q)}
    known = {lemma_of(base) for base, tag, _ in readings if tag != "ign"}
    return frozenset((proper or known or {fold(orth)}) - POLISH_STOPWORDS)


def _quoted_name(quoted: str) -> Name:
    """A quoted title ("„Rodzicu, nie jesteś sam!”"): an item must name every content word of it."""
    keys = tuple(k for k in (_lemmas(w) for w in tokens(quoted) if w[2][0][1] != "interp") if k)
    return Name(quoted, quoted, keys)


def _nominal_core(text: str, words: list[Word], used: list[bool], whole: bool) -> str:
    """The topic's first noun phrase past the request words ("Przygotuj briefing o …"), in the
    nominative: its head noun with the adjectives agreeing with it ("działania międzynarodowe"), and
    with ``whole`` (no name heads the heading) the words after it as written. An English topic's
    words are kept as written: "cooperation", or with ``whole`` the rest of the topic."""
    for i, (orth, _, readings) in enumerate(words):
        if (used[i] or fold(orth) in REQUEST_WORDS or fold(orth) in POLISH_STOPWORDS
                or all(tag.split(":", 1)[0] in (*_VERBS, "interp", "prep", "conj") for _, tag, _ in readings)):
            continue
        if is_foreign(words[i]):
            end = len(words) if whole else i + 1
            core = text[words[i][1] : words[end - 1][1] + len(words[end - 1][0])]
        else:
            core = nominative(text, words, i, len(words), words[i - 1] if i else None, proper=False, rest=whole)
        if not orth.isupper() and (i == 0 or words[i - 1][0] in (":", ".", "!", "?")):
            core = core[:1].lower() + core[1:]  # capitalised only as the first word ("Briefing: Wizyty …")
        return core
    return ""


@dataclass
class Briefer:
    min_coverage: float = 0.5  # share of the topic's (known) term weight an article must contain
    dense_margin: float = 0.04  # without known terms: articles within this of the best sentence
    min_idf: float = 0.7  # ≈ a word in fewer than half of the chunks

    def read(self, topic: str, idf: dict[str, float]) -> Topic:
        """What the topic is about; read before retrieval, whose query its places widen."""
        return read_topic(topic, idf, self.min_idf)

    def run(self, topic: str, evidence: Evidence, scorer: SentenceScorer, on_topic: bool = True,
            about: Topic | None = None) -> Briefing:
        """``scorer`` measures how much of the topic's (known) word weight a text covers; ``on_topic`` is
        the refusal model's verdict on the evidence. It decides for topics without names; a topic that
        names its subject is decided by the names: items that name it are on topic, and without such
        items the briefing is refused whatever the verdict. ``about``: the topic as :meth:`read` read it."""
        about = about or self.read(topic, scorer.idf)
        if not on_topic and not about.names:
            evidence = evidence.without_sentences()
        # Words most documents share ("Kraków") cannot say which articles a topic is about, nor can the
        # words that only ask ("Przygotuj briefing"); the names decide the subject item by item, the
        # topic's other words which articles are relevant.
        terms = [g for g in evidence.term_groups if max(scorer.idf.get(t, 0.0) for t in g) >= self.min_idf
                 and not set(g) & about.request and not any(set(g) & key for name in about.names for key in name.keys)]
        by_article: dict[tuple[str, int], list[Sentence]] = {}
        for sentence in sorted(evidence.sentences, key=lambda s: (s.passage.source, s.passage.start_char, s.position)):
            by_article.setdefault((sentence.passage.source, sentence.passage.article), []).append(sentence)
        top = max((s.score for s in evidence.sentences), default=0.0)

        entries: list[tuple[str, str, str, Sentence]] = []  # (ISO date, date as written, label, sentence)
        for sentences in by_article.values():
            article_terms = set().union(*(scorer.terms(s.passage.text) for s in sentences))
            article_terms |= scorer.context_terms(sentences[0].passage)
            if terms:
                relevant = scorer.coverage(terms, article_terms) >= self.min_coverage
            else:  # only names (checked sentence by sentence below), or no word the documents know
                relevant = bool(about.names) or max(s.score for s in sentences) >= top - self.dense_margin
            if relevant:
                entries += self._article_entries(sentences, about, terms, scorer)

        entries = _dedupe(entries)
        entries.sort(key=lambda e: (e[0] == "", e[0], e[3].passage.source, e[3].passage.start_char, e[3].position))
        book = CitationBook()
        items = []
        for iso, written, label, sentence in entries:
            n = book.cite(sentence.passage)
            items.append(BriefingItem(date=iso, date_text=written, title=label, source=sentence.passage.source,
                                      summary=sentence.text, citations=[n]))
        return Briefing(
            topic=topic, lang=evidence.lang, items=items, citations=book.citations, heading=about.heading,
            text=render_briefing(about.heading, evidence.lang, items), refused=not items, passages=evidence.passages,
        )

    def _article_entries(self, sentences: list[Sentence], about: Topic, terms: list[list[str]],
                         scorer: SentenceScorer) -> list[tuple[str, str, str, Sentence]]:
        """The events one article tells about the topic: its own (dated by the sentence that states its
        date, else the first date it states in its year, else its date) and those it dates in other years."""
        passage = sentences[0].passage
        title_terms = scorer.terms(passage.title)
        dates = [event_date(s.text) for s in sentences]
        year = passage.date[:4] or next((iso[:4] for iso, _ in dates if iso), "")

        def on_subject(sentence: Sentence) -> bool:
            own = scorer.terms(_ADDRESSES.sub(" ", sentence.text))  # "sp@mops.krakow.pl" names no one
            if about.names:
                return any(n.named_in(own | title_terms) for n in about.names)
            return True

        entries = []
        own_event: list[tuple[Sentence, str, str]] = []
        others: list[Sentence] = []
        for sentence, (iso, written) in zip(sentences, dates):
            if not on_subject(sentence):
                continue
            if iso and iso[:4] != year:
                # Another year's event: its own item, if the sentence itself is about the topic.
                if not terms or about.names or {t for g in terms for t in g} & scorer.terms(sentence.text):
                    entries.append((iso, written, dated_thing(sentence.text, written), sentence))
            elif written:
                # "13 września br." (this year) is the article's year: dated as the article is, as written.
                own_event.append((sentence, iso or passage.date, written))
            else:
                others.append(sentence)
        if own_event:
            best, iso, written = max(own_event, key=lambda e: e[0].score)
        elif others:
            best = max(others, key=lambda s: s.score)
            iso, written = next(((i or passage.date, w) for i, w in dates if w and i[:4] in (year, "")), ("", ""))
            if not written:
                iso, written = passage.date, passage.date or passage.date_text
        else:
            return entries
        return [(iso, written, passage.title, best), *entries]


def render_briefing(heading: str, lang: str, items: list[BriefingItem]) -> str:
    """Plain text: the heading, then per year (oldest first, unknown years last) one line per item,
    "- date — label: sentence [n]"."""
    if not items:
        return phrase(lang, "brief_refusal")
    lines = [heading]
    year = None
    for item in items:
        item_year = item.date[:4] or YEAR_UNKNOWN.get(lang, YEAR_UNKNOWN["pl"])
        if item_year != year:
            lines += ["", item_year]
            year = item_year
        label = f" — {item.title}:" if item.title else " —"
        lines.append(f"- {when('', item.date_text or item.date, lang)}{label} {item.summary} {markers(item.citations)}")
    return "\n".join(lines)


def _dedupe(entries: list[tuple[str, str, str, Sentence]]) -> list[tuple[str, str, str, Sentence]]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for entry in entries:
        key = (entry[0], entry[3].text)
        if key not in seen:
            seen.add(key)
            kept.append(entry)
    return kept
