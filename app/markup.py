"""HTML for chat messages: answers with clickable [n] markers, their sources, refusals, errors.

Everything that comes from a document or a user is escaped before any markup is added, so a passage
or a question containing ``<script>`` shows as text. Each message is one line of HTML with no blank
lines: the chatbot's Markdown renderer then passes it through as a single HTML block untouched.
Source ids carry a per-message prefix (``m4-src-2``) because many answers share one page.
"""

from __future__ import annotations

import re
from html import escape

from app.i18n import BRIEFING, t
from rag.render import locator
from rag.text import clean_markup
from rag.types import Answer, Briefing, BriefingItem, Citation

_MARKER = re.compile(r"\[(\d+)\]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def source_id(prefix: str, n: int) -> str:
    return f"{prefix}-src-{n}"


def link_markers(escaped: str, numbers: set[int], prefix: str) -> str:
    """Turn each ``[n]`` of a known citation into a link to its source panel; leave others as text."""

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in numbers:
            return match.group(0)
        return f'<a class="rag-cite" href="#{source_id(prefix, n)}">[{n}]</a>'

    return _MARKER.sub(link, escaped)


def question_html(text: str, mode: str, lang: str, limit: int) -> str:
    """The user's message, shown verbatim (escaped, not interpreted as Markdown) up to ``limit`` characters.

    ``rag`` rejects longer questions anyway; echoing a pasted 5 MB text whole would send it to the
    browser with every later update of the chat. Lone UTF-16 surrogates (a broken client or a
    half-pasted emoji) show as "�": the page's JSON cannot carry them, and gradio would answer the
    whole update with a bare "Error" instead of the message that says what is wrong.
    """
    label = f'<span class="rag-mode">{escape(t(lang, "mode_briefing"))}</span> ' if mode == BRIEFING else ""
    words = _SURROGATE.sub("\ufffd", " ".join(text.split()))
    shown = escape(words[:limit])
    if len(words) > limit:
        shown += escape(t(lang, "question_truncated", count=str(len(words))))
    return f'<div class="rag-question">{label}{shown}</div>'


def answer_html(answer: Answer, lang: str, prefix: str, links: dict[int, tuple[str, int]] | None = None) -> str:
    """The answer's lines (lead, sentences, bullets) with linked markers, then its sources; ``links``:
    citation number → (URL of its original file, page), for the panels' "open the original" links."""
    numbers = {c.n for c in answer.citations}
    body = _lines_html(answer.answer.splitlines(), numbers, prefix)
    kind = "rag-refusal" if answer.refused else "rag-answer"
    note = _refusal_note(lang) if answer.refused else ""
    quotes = {c.n: [s.text for s in answer.sentences if c.n in s.citations] for c in answer.citations}
    return f'<div class="{kind}">{note}{body}</div>{sources_html(answer.citations, lang, prefix, quotes, links)}'


def briefing_html(briefing: Briefing, lang: str, prefix: str, links: dict[int, tuple[str, int]] | None = None) -> str:
    """A dated list built from the briefing's items (not its text), grouped by year, then its sources."""
    title = briefing.heading or t(lang, "briefing_heading", topic=briefing.topic)
    heading = f'<p class="rag-heading">{escape(title)}</p>'
    if briefing.refused or not briefing.items:
        body = _lines_html(briefing.text.splitlines(), set(), prefix)
        return f'<div class="rag-refusal">{_refusal_note(lang)}{heading}{body}</div>'
    numbers = {c.n for c in briefing.citations}
    years: dict[str, list[BriefingItem]] = {}
    for item in briefing.items:
        years.setdefault(item.date[:4] if item.date else "", []).append(item)
    body = "".join(
        f'<p class="rag-year">{escape(year or t(lang, "year_unknown"))}</p><ul class="rag-timeline">'
        + "".join(_briefing_item_html(item, lang, numbers, prefix) for item in items) + "</ul>"
        for year, items in years.items()
    )
    return f'<div class="rag-answer">{heading}{body}</div>{sources_html(briefing.citations, lang, prefix, links=links)}'


def sources_html(citations: list[Citation], lang: str, prefix: str, quotes: dict[int, list[str]] | None = None,
                 links: dict[int, tuple[str, int]] | None = None) -> str:
    """One collapsible panel per citation; the header names title, date and file; ``quotes``: citation
    number → the answer's sentences taken from it, marked in its passage."""
    if not citations:
        return ""
    panels = "".join(_source_panel(c, lang, prefix, (quotes or {}).get(c.n, []), (links or {}).get(c.n))
                     for c in citations)
    title = f'<p class="rag-sources-title">{escape(t(lang, "sources"))}</p>'
    return f'<div class="rag-sources">{title}{panels}</div>'


def error_html(message: str, lang: str) -> str:
    """A friendly, styled error in the chat instead of a traceback or a toast."""
    heading = escape(t(lang, "error_heading"))
    return f'<div class="rag-error"><strong>{heading}</strong><p>{escape(message)}</p></div>'


def _source_panel(citation: Citation, lang: str, prefix: str, quoted: list[str],
                  link: tuple[str, int] | None = None) -> str:
    when = citation.date or citation.date_text or t(lang, "undated")
    # The page and an OCR mark ("s. 3, tekst z OCR") come after the file, as in the terminal's list.
    header = " — ".join(escape(part) for part in (citation.title or citation.source, when, citation.source,
                                                    locator(citation, lang)) if part)
    passage = passage_html(citation.text, quoted)
    return (
        f'<details class="rag-source" id="{source_id(prefix, citation.n)}">'
        f'<summary><span class="rag-source-n">[{citation.n}]</span> {header}</summary>'
        f'<div class="rag-passage">{passage}{_original_link(link, lang)}</div></details>'
    )


def _original_link(link: tuple[str, int] | None, lang: str) -> str:
    """Opens in a new tab: the conversation stays where it was."""
    if not link:
        return ""
    url, page = link
    label = t(lang, "original_page", page=str(page)) if page else t(lang, "original")
    return (f'<br><span class="rag-original"><a href="{escape(url)}" target="_blank" rel="noopener">'
            f'{escape(label)}</a></span>')


def passage_html(text: str, quoted: list[str] = ()) -> str:
    """A source passage as plain text (Markdown markers and link targets removed: they would show as
    stray symbols, and rendering them would set whole lead paragraphs in bold), with the sentences the
    answer quotes from it marked, so the reader sees at once where the answer comes from."""
    lines = [clean_markup(line) for line in text.splitlines()]
    plain = "\n".join(line for line in lines if line)
    spans = sorted(_find_all(plain, [q for q in quoted if q]))
    parts, at = [], 0
    for start, end in spans:
        if start < at:
            continue  # overlaps a sentence already marked
        parts += [escape(plain[at:start]), f'<mark class="rag-quote">{escape(plain[start:end])}</mark>']
        at = end
    parts.append(escape(plain[at:]))
    return "".join(parts).replace("\n", "<br>")


def _find_all(text: str, needles: list[str]) -> list[tuple[int, int]]:
    spans = []
    for needle in needles:
        start = text.find(needle)
        if start >= 0:
            spans.append((start, start + len(needle)))
    return spans


def _lines_html(lines: list[str], numbers: set[int], prefix: str) -> str:
    """Plain lines become paragraphs, ``- `` lines a bullet list, markers become links."""
    parts: list[str] = []
    bullets: list[str] = []
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if line.startswith("- "):
            bullets.append(f"<li>{link_markers(escape(line[2:]), numbers, prefix)}</li>")
            continue
        if bullets:
            parts.append(f"<ul>{''.join(bullets)}</ul>")
            bullets = []
        parts.append(f"<p>{link_markers(escape(line), numbers, prefix)}</p>")
    if bullets:
        parts.append(f"<ul>{''.join(bullets)}</ul>")
    return "".join(parts)


def _briefing_item_html(item: BriefingItem, lang: str, numbers: set[int], prefix: str) -> str:
    when = escape(item.date_text or item.date or t(lang, "undated"))
    markers = link_markers("".join(f"[{n}]" for n in item.citations), numbers, prefix)
    label = f"<em>{escape(item.title)}</em>: " if item.title else ""
    return f'<li><span class="rag-date">{when}</span> {label}{escape(item.summary)} {markers}</li>'


def _refusal_note(lang: str) -> str:
    return f'<p class="rag-note">ℹ️ {escape(t(lang, "refusal_note"))}</p>'
