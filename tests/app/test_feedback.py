"""Rating answers: the page's like and comment handlers, their wiring in the served page, the
``/feedback`` endpoint through a real ``gradio_client.Client``, and (slow) thumbs and comment in headless
Chromium on a phone-sized screen.

A fake assistant answers; ratings go to a ``FeedbackStore`` in the test's temporary directory.
"""

from __future__ import annotations

import json
import logging
import uuid
from contextlib import closing

import gradio as gr
import httpx
import pytest
from gradio_client import Client

from app.chat import answer_record, api_feedback, build_app, rate, respond, save_comment, thumbs
from app.i18n import BRIEFING, QUESTION, t
from rag.config import Settings
from rag.feedback import FeedbackStore
from rag.types import Answer, Briefing, BriefingItem, Citation

VISIT = "Kiedy była wizyta delegacji z Frankfurtu w 2022 roku?"
FOLLOWUP = "a kto jej przewodniczył?"
CITATION = Citation(n=1, source="001_929db67eac1df9a9.txt", title="Wizyta delegacji", date="2022-09-20",
                    text="Spotkanie pod przewodnictwem Elke Voitl.", score=0.9, chunk_id="001#3")
ANSWER_TEXT = "Według dokumentów:\nPrzewodniczyła Elke Voitl. [1]"


def answer(question: str = VISIT, retrieval_query: str = "") -> Answer:
    return Answer(question=question, answer=ANSWER_TEXT, refused=False, citations=[CITATION], lang="pl",
                  retrieval_query=retrieval_query or question)


class FakeAssistant:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def ask(self, question, history=None):
        if self.error:
            raise self.error
        return answer(question, f"{' '.join(history or [])} {question}".strip())

    def brief(self, topic):
        return Briefing(topic=topic, lang="pl", text="**Briefing**", citations=[CITATION],
                        items=[BriefingItem("2022-09-20", "20 września 2022", "Wizyta delegacji", CITATION.source,
                                            "Wizyta.", [1])])


def like(index: int, liked: bool | str) -> gr.LikeData:
    """What gradio hands the handler when a thumb is clicked (``liked == ""``: the thumb was un-clicked)."""
    return gr.LikeData(None, {"index": index, "value": ["…"], "liked": liked})


@pytest.fixture
def store(tmp_path) -> FeedbackStore:
    return FeedbackStore(tmp_path)


@pytest.fixture
def conversation():
    """A user question, an answer (index 1), a follow-up, its answer (index 3) and an error (index 5)."""
    assistant = FakeAssistant()
    chat = [{"role": "user", "content": VISIT}]
    chat, questions, answers = respond(assistant, VISIT, QUESTION, chat, [], "pl", {})
    chat.append({"role": "user", "content": FOLLOWUP})
    chat, questions, answers = respond(assistant, FOLLOWUP, QUESTION, chat, questions, "pl", answers)
    chat.append({"role": "user", "content": ""})
    chat, questions, answers = respond(assistant, "", QUESTION, chat, questions, "pl", answers)
    return chat, answers


def test_each_shown_answer_is_remembered_by_its_chat_index_and_errors_are_not(conversation):
    chat, answers = conversation
    assert sorted(answers) == [1, 3] and 'class="rag-error"' in chat[5]["content"]
    assert answers[1] == {"question": VISIT, "answer": ANSWER_TEXT, "kind": "answer", "refused": False,
                          "answer_lang": "pl", "citations": answer().to_json()["citations"],
                          "resolved_question": ""}
    assert answers[3]["question"] == FOLLOWUP and answers[3]["resolved_question"] == f"{VISIT} {FOLLOWUP}"


def test_a_briefing_is_remembered_as_a_briefing():
    _, _, answers = respond(FakeAssistant(), "Frankfurt", BRIEFING, [], [], "en", {})
    assert answers[0]["kind"] == "briefing" and answers[0]["question"] == "Frankfurt"
    assert answers[0]["citations"] == [{"n": 1, "source": CITATION.source, "title": CITATION.title,
                                        "date": CITATION.date, "text": CITATION.text, "score": 0.9}]
    assert answer_record(FakeAssistant().brief("Frankfurt")) == answers[0]


def test_thumbs_up_stores_the_liked_answer_with_its_citations_and_thanks_the_user(store, conversation):
    _, answers = conversation
    rated, row, note = rate(store, answers, {}, "pl", like(3, True))
    [stored] = store.rows()
    assert rated == {3: (stored.id, 1)} and row == stored.id
    assert note == "Dziękujemy za ocenę! Możesz dopisać komentarz (nieobowiązkowo)."
    assert (stored.question, stored.answer, stored.rating, stored.ui_lang) == (FOLLOWUP, ANSWER_TEXT, 1, "pl")
    assert stored.citations == answer().to_json()["citations"] and stored.channel == "page"
    assert stored.resolved_question == f"{VISIT} {FOLLOWUP}"


def test_a_changed_mind_updates_the_same_row_and_a_second_click_withdraws_it(store, conversation):
    _, answers = conversation
    rated, first, _ = rate(store, answers, {}, "en", like(1, True))
    rated, second, note = rate(store, answers, rated, "en", like(1, False))
    assert second == first and [(r.id, r.rating) for r in store.rows()] == [(first, -1)]
    assert note == t("en", "feedback_thanks")
    rated, row, note = rate(store, answers, rated, "en", like(1, ""))
    assert rated == {} and row is None and store.rows() == [] and note == "Rating withdrawn."


def test_each_answer_keeps_its_own_rating(store, conversation):
    _, answers = conversation
    rated, _, _ = rate(store, answers, {}, "pl", like(1, False))
    rated, _, _ = rate(store, answers, rated, "pl", like(3, True))
    assert [(r.question, r.rating) for r in store.rows()] == [(VISIT, -1), (FOLLOWUP, 1)]
    assert sorted(rated) == [1, 3]


def test_an_error_message_cannot_be_rated_and_stores_nothing(store, conversation):
    _, answers = conversation
    rated, row, note = rate(store, answers, {}, "pl", like(5, False))
    assert (rated, row) == ({}, None) and store.rows() == []
    assert note == t("pl", "feedback_not_rateable")


def test_a_store_that_cannot_be_written_is_a_polite_note_and_a_log_line(tmp_path, conversation, caplog):
    (tmp_path / "plik").write_text("nie katalog")
    _, answers = conversation
    with caplog.at_level(logging.WARNING):
        rated, row, note = rate(FeedbackStore(tmp_path / "plik"), answers, {}, "pl", like(1, True))
    assert (rated, row) == ({}, None) and note == t("pl", "feedback_failed")
    assert "feedback.sqlite3" in caplog.text and "feedback.sqlite3" not in note


def test_a_comment_applies_to_the_last_rated_answer(store, conversation):
    _, answers = conversation
    rated, row, _ = rate(store, answers, {}, "pl", like(1, False))
    rated, row, _ = rate(store, answers, rated, "pl", like(3, False))
    note, box = save_comment(store, row, "  Brakuje nazwiska.  ", "pl")
    assert (note, box) == ("Dziękujemy, komentarz zapisano.", "")
    assert [(r.question, r.comment) for r in store.rows()] == [(VISIT, ""), (FOLLOWUP, "Brakuje nazwiska.")]


@pytest.mark.parametrize(("row", "comment", "key"), [
    (None, "Brakuje nazwiska.", "feedback_rate_first"),
    (1, "   ", "feedback_comment_empty"),
    (999, "Brakuje nazwiska.", "feedback_rate_first"),  # withdrawn meanwhile
])
def test_a_comment_without_a_rated_answer_or_text_is_not_stored(store, conversation, row, comment, key):
    _, answers = conversation
    rate(store, answers, {}, "en", like(1, True))
    note, _ = save_comment(store, row, comment, "en")
    assert note == t("en", key) and [r.comment for r in store.rows()] == [""]


def test_a_too_long_comment_is_kept_in_the_box_with_the_limit(store, conversation):
    _, answers = conversation
    _, row, _ = rate(store, answers, {}, "en", like(1, True))
    note, box = save_comment(store, row, "x" * 2001, "en")
    assert note == "The comment is too long (the limit is 2000 characters)." and box == "x" * 2001


def test_the_thumbs_shown_follow_the_ratings_of_each_answer_group():
    chat = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a1"},
            {"role": "user", "content": "q"}, {"role": "assistant", "content": "a3"},
            {"role": "assistant", "content": "error"},  # an empty question: grouped with a3 by gradio
            {"role": "user", "content": "q"}, {"role": "assistant", "content": "a6"}]
    assert thumbs(chat, {}) == [None, None, None]
    assert thumbs(chat, {1: (7, -1), 6: (8, 1)}) == ["Dislike", None, "Like"]


def test_the_page_offers_thumbs_on_its_answers(tmp_path):
    app = build_app(FakeAssistant(), Settings(data_dir=tmp_path))
    [chatbot] = [b for b in app.blocks.values() if isinstance(b, gr.Chatbot)]
    assert list(chatbot.feedback_options) == ["Like", "Dislike"]
    assert not (tmp_path / "feedback.sqlite3").exists()  # nothing written before the first rating


def test_the_api_helper_returns_the_row_or_the_error_as_data(store):
    assert api_feedback(store, VISIT, ANSWER_TEXT, 1) == {"stored": True, "id": 1}
    assert api_feedback(store, VISIT, ANSWER_TEXT, 0) == {
        "error": "rating must be 1 (thumbs up) or -1 (thumbs down), not 0"}
    assert [r.channel for r in store.rows()] == ["api"]


# --- served -------------------------------------------------------------------------------------------

def client(url: str):
    return closing(Client(url, verbose=False))


def test_the_feedback_endpoint_stores_a_row_and_returns_its_id(serve_fake, tmp_path):
    url = serve_fake(FakeAssistant(), Settings(data_dir=tmp_path))
    citations = answer().to_json()["citations"]
    with client(url) as api:
        first = api.predict(VISIT, ANSWER_TEXT, -1, "Brakuje daty.", citations, api_name="/feedback")
        second = api.predict(question=FOLLOWUP, answer="Nie wiem.", rating=1, api_name="/feedback")
    assert first == {"stored": True, "id": 1} and second == {"stored": True, "id": 2}
    rows = FeedbackStore(tmp_path).rows()
    assert [(r.question, r.rating, r.comment, r.channel) for r in rows] == [
        (VISIT, -1, "Brakuje daty.", "api"), (FOLLOWUP, 1, "", "api")]
    assert rows[0].citations == citations and rows[1].citations == []


def test_the_feedback_endpoint_returns_bad_input_and_an_unwritable_store_as_errors(serve_fake, tmp_path):
    (tmp_path / "plik").write_text("nie katalog")
    with client(serve_fake(FakeAssistant(), Settings(data_dir=tmp_path / "dane"))) as api:
        assert api.predict(VISIT, ANSWER_TEXT, 5, api_name="/feedback") == {
            "error": "rating must be 1 (thumbs up) or -1 (thumbs down), not 5"}
        assert api.predict(VISIT, "", 1, api_name="/feedback") == {"error": "answer is empty"}
        assert api.predict(VISIT, ANSWER_TEXT, 1, "", "[1]", api_name="/feedback")["error"].startswith(
            "citations must be a list of objects")
    assert FeedbackStore(tmp_path / "dane").rows() == []
    with client(serve_fake(FakeAssistant(), Settings(data_dir=tmp_path / "plik"))) as api:
        result = api.predict(VISIT, ANSWER_TEXT, 1, api_name="/feedback")
    assert set(result) == {"error"} and "Cannot use the feedback file" in result["error"]


class PageTab:
    """One browser tab's calls, as gradio's JavaScript makes them (see ``tests/app/test_page.py``)."""

    def __init__(self, url: str) -> None:
        self.api = f"{url}gradio_api/"
        self.session = uuid.uuid4().hex
        config = httpx.get(f"{url}config").json()
        self.handlers = {d["api_name"]: d["id"] for d in config["dependencies"]}

    def ask(self, text: str, chat: list[dict] | None = None) -> dict:
        """The chat's update after the answer: its messages ("value") and thumbs ("feedback_value")."""
        chat = self.predict("show", [text, QUESTION, chat or [], "pl"])[0]
        body = self._body("answer", [None, QUESTION, chat, None, "pl", None, None])
        event = httpx.post(self.api + "queue/join", json=body, timeout=60).json()["event_id"]
        with httpx.stream("GET", f"{self.api}queue/data", params={"session_hash": self.session},
                          timeout=60) as stream:
            for line in stream.iter_lines():
                message = json.loads(line.removeprefix("data:")) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed" and message["event_id"] == event:
                    assert message["success"], message
                    return message["output"]["data"][0]
        raise AssertionError("no answer")

    def predict(self, handler: str, data: list, event_data: dict | None = None) -> list:
        response = httpx.post(self.api + "run/predict", json=self._body(handler, data, event_data), timeout=60)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def _body(self, handler: str, data: list, event_data: dict | None = None) -> dict:
        return {"fn_index": self.handlers[handler], "data": data, "session_hash": self.session,
                "event_data": event_data, "trigger_id": None}


def test_a_thumb_and_a_comment_on_the_served_page_reach_the_feedback_file(serve_fake, tmp_path):
    tab = PageTab(serve_fake(FakeAssistant(), Settings(data_dir=tmp_path, ui_lang="en")))
    chat = tab.ask(VISIT)["value"]
    assert len(chat) == 2  # the question, then its answer at index 1
    thumb_down = {"index": 1, "value": [chat[1]["content"]], "liked": False}
    *_, note, box = tab.predict("like", [None, None, "en"], thumb_down)
    assert note == t("en", "feedback_thanks") and box == {"visible": True, "__type__": "update"}
    assert tab.predict("send_comment", [None, "Brakuje daty.", "en"]) == [t("en", "feedback_comment_saved"), ""]
    [row] = FeedbackStore(tmp_path).rows()
    assert (row.question, row.answer, row.rating, row.comment, row.ui_lang) == (
        VISIT, ANSWER_TEXT, -1, "Brakuje daty.", "en")
    assert row.citations == answer().to_json()["citations"]
    update = tab.ask(FOLLOWUP, chat)
    assert len(update["value"]) == 4 and update["feedback_value"] == ["Dislike", None]  # the thumb stays shown


# --- in a browser, 390 px wide (skipped with a reason when Chromium or Playwright is missing) ----------

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, serve_fake, tmp_path):
    url = serve_fake(FakeAssistant(), Settings(data_dir=tmp_path, ui_lang="en"))
    page = browser.new_page(viewport=PHONE, locale="en-US")  # the thumbs' labels follow the browser's locale
    page.goto(url, wait_until="load")
    page.wait_for_selector("#rag-question textarea")
    yield page
    page.close()


def fits_the_screen(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.slow
def test_a_thumb_down_and_a_comment_on_a_phone_reach_the_feedback_file(phone, tmp_path):
    assert not phone.is_visible("#rag-comment")  # nothing to comment on before a rating
    phone.fill("#rag-question textarea", VISIT)
    phone.click("#rag-send")
    phone.wait_for_selector("#rag-chat .rag-answer")
    thumb_down = '#rag-chat button[aria-label="Dislike"]'
    assert fits_the_screen(phone, thumb_down) and fits_the_screen(phone, '#rag-chat button[aria-label="Like"]')
    phone.click(thumb_down)
    phone.wait_for_selector(f"#rag-feedback-note:has-text('{t('en', 'feedback_thanks')}')")
    phone.fill("#rag-comment textarea", "The date is missing.")
    assert fits_the_screen(phone, "#rag-comment") and fits_the_screen(phone, "#rag-comment-send")
    phone.click("#rag-comment-send")
    phone.wait_for_selector(f"#rag-feedback-note:has-text('{t('en', 'feedback_comment_saved')}')")
    assert phone.input_value("#rag-comment textarea") == ""
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    [row] = FeedbackStore(tmp_path).rows()
    assert (row.question, row.answer, row.rating, row.comment, row.ui_lang) == (
        VISIT, ANSWER_TEXT, -1, "The date is missing.", "en")


@pytest.mark.slow
def test_a_new_conversation_hides_the_comment_box_again(phone):
    phone.fill("#rag-question textarea", VISIT)
    phone.click("#rag-send")
    phone.wait_for_selector("#rag-chat .rag-answer")
    phone.click('#rag-chat button[aria-label="Like"]')
    phone.wait_for_selector("#rag-comment", state="visible")
    phone.click("#rag-clear")
    phone.wait_for_selector("#rag-comment", state="hidden")
    assert phone.locator("#rag-chat .rag-answer").count() == 0
