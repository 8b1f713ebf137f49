"""The page fits a 1366×768 laptop and a 390 px phone: nothing scrolled away at load, the title whole.

Screenshots of both are kept as test artefacts in ``var/test-artefacts/`` (ignored by git).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import PROJECT_ROOT, Settings
from tests.app.test_chat import FakeAssistant

pytestmark = pytest.mark.slow  # a real browser; skipped with a reason when Chromium is missing (conftest)

ARTEFACTS = PROJECT_ROOT / "var" / "test-artefacts"


def _box(page, selector: str) -> dict:
    return page.evaluate(
        "s => { const b = document.querySelector(s).getBoundingClientRect();"
        " return {top: b.top, bottom: b.bottom, left: b.left, right: b.right}; }", selector)


@pytest.fixture
def page_at(browser, serve_fake):
    url = serve_fake(FakeAssistant(), Settings())
    pages = []

    def open_at(width: int, height: int):
        page = browser.new_page(viewport={"width": width, "height": height})
        pages.append(page)
        page.goto(url, wait_until="load")
        page.wait_for_selector("#rag-question textarea")
        page.wait_for_timeout(500)  # the focus script runs once the box exists
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(ARTEFACTS) / f"layout-{width}x{height}.png"))
        return page

    yield open_at
    for page in pages:
        page.close()


def test_a_laptop_screen_shows_title_question_box_and_send_button_at_load_with_the_box_focused(page_at):
    page = page_at(1366, 768)
    assert page.evaluate("window.scrollY") == 0
    assert _box(page, "#rag-header")["top"] >= 0
    assert _box(page, "#rag-send")["bottom"] <= 768 and _box(page, "#rag-question")["bottom"] <= 768
    assert page.evaluate("document.activeElement === document.querySelector('#rag-question textarea')")


def test_a_phone_screen_keeps_the_title_whole_and_does_not_jump_to_the_question_box(page_at):
    page = page_at(390, 844)
    assert page.evaluate("window.scrollY") == 0
    header = _box(page, "#rag-header")
    assert header["top"] >= 0 and header["right"] <= 390
    title_fits = "(() => { const h = document.querySelector('#rag-header h1'); return h.scrollWidth <= h.clientWidth; })()"
    assert page.evaluate(title_fits)  # no word broken or cut
