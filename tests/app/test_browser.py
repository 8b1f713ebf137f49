"""End to end in a real browser: the real assistant over a real store, seen through headless Chromium.

``RAG_SCREENSHOT=1`` also saves ``docs/screenshot-chat.png`` (off by default, so runs leave the tree clean).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # skipped with a reason when Chromium or Playwright is missing (conftest)

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-chat.png"
VISIT = "Kiedy była wizyta delegacji z Frankfurtu w 2022 roku?"


def test_cited_answer_opens_its_source_when_the_marker_is_clicked(chat):
    chat.ask("Kto przewodniczył delegacji z Frankfurtu w 2022 roku?")
    reply = chat.last_reply()
    assert "Voitl" in reply.locator(".rag-answer").inner_text()
    source = reply.locator("details.rag-source").first
    assert not source.evaluate("e => e.open")
    passage = source.locator(".rag-passage")
    assert not passage.is_visible()

    reply.locator("a.rag-cite").first.click()
    chat.page.wait_for_function("e => e.open", arg=source.element_handle())
    assert passage.is_visible() and "Voitl" in passage.inner_text()
    assert len(chat.page.context.pages) == 1  # the marker did not open a new tab
    assert chat.external_requests() == []


def test_source_header_toggles_its_passage(chat):
    chat.page.click("#rag-examples button:has-text('When was the cooperation agreement')")
    # The example fills the box through a Gradio event: wait for it before reading the box.
    chat.page.wait_for_function("document.querySelector('#rag-question textarea').value.length > 0")
    chat.ask(chat.page.input_value("#rag-question textarea"))
    source = chat.last_reply().locator("details.rag-source").first
    source.locator("summary").click()
    assert source.locator(".rag-passage").is_visible()
    assert "2001" in source.locator(".rag-passage").inner_text()


def test_follow_up_is_resolved_against_the_conversation(chat):
    chat.ask(VISIT)
    chat.ask("a kto jej przewodniczył?")
    reply = chat.last_reply()
    assert "Voitl" in reply.locator(".rag-answer").inner_text()
    reply.locator("a.rag-cite").first.click()
    chat.page.wait_for_selector("#rag-chat details.rag-source[open]")
    if os.environ.get("RAG_SCREENSHOT") == "1":
        chat.page.wait_for_timeout(700)  # let the smooth scroll and the highlight settle
        SCREENSHOT.parent.mkdir(exist_ok=True)
        chat.page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_briefing_from_an_example_in_the_english_interface(chat):
    chat.choose("rag-language", "English")
    chat.page.wait_for_selector("#rag-send:has-text('Send')")
    assert chat.page.locator("#rag-mode label:has-text('Question')").is_visible()
    chat.page.click("#rag-examples button:has-text('Briefing: współpraca z Frankfurtem')")
    chat.page.wait_for_selector("#rag-question label:has-text('Briefing topic')")
    chat.page.click("#rag-send")
    chat.page.wait_for_selector("#rag-chat .rag-timeline li", timeout=60_000)
    reply = chat.last_reply()
    assert reply.locator(".rag-timeline li").count() >= 2
    assert "Sources" in reply.locator(".rag-sources-title").inner_text()
    assert reply.locator("a.rag-cite").count() >= 2


def test_empty_question_and_unanswerable_question_are_friendly_messages(chat):
    chat.ask("   ")
    assert "Wpisz pytanie" in chat.last_reply().locator(".rag-error").inner_text()
    chat.ask("<img src=x onerror=alert(1)> Jaki był numer telefonu do dyrektora MOPS w 2024 roku?")
    assert chat.page.locator("#rag-chat img[src=x]").count() == 0
    assert "<img src=x" in chat.page.locator("#rag-chat .rag-question").last.inner_text()
    assert "Brak odpowiedzi w dokumentach" in chat.last_reply().locator(".rag-refusal").inner_text()
