"""The page under hostile questions, as the browser sees it, over the real assistant.

``PageSession`` makes the calls that gradio's JavaScript makes when Send is clicked (the same JSON, the
same event stream) and counts the bytes that come back; no browser is needed to see what it would get.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from app.i18n import QUESTION

pytestmark = pytest.mark.slow  # the real assistant over the ingested corpus, behind a served page


class PageSession:
    """One browser tab: shows the question (``show``), then queues the answer (``answer``), as the page does."""

    def __init__(self, url: str) -> None:
        self.api = f"{url}gradio_api/"
        self.session = uuid.uuid4().hex
        config = httpx.get(f"{url}config").json()
        self.handlers = {d["api_name"]: d["id"] for d in config["dependencies"]}
        self.received = 0  # bytes of every response to this tab

    def send(self, text: str, lang: str = "pl") -> list[str]:
        """Send ``text`` as a question; the chat's messages afterwards, as HTML."""
        response = self._post("run/predict", "show", [text, QUESTION, [], lang])
        assert response.status_code == 200, response.text  # gradio's bare "Error" is a failed response
        chat = response.json()["data"][0]
        event = self._post("queue/join", "answer", [None, QUESTION, chat, None, lang, None, None]).json()["event_id"]
        return [part["text"] for message in self._completed(event) for part in message["content"]]

    def _post(self, route: str, handler: str, data: list) -> httpx.Response:
        # json.dumps escapes a lone surrogate as "\ud800", as the browser's JSON.stringify does.
        body = json.dumps({"fn_index": self.handlers[handler], "data": data, "session_hash": self.session,
                           "event_data": None, "trigger_id": None})
        response = httpx.post(self.api + route, content=body, headers={"content-type": "application/json"},
                              timeout=60)
        self.received += len(response.content)
        return response

    def _completed(self, event: str) -> list[dict]:
        """Read the tab's event stream until ``event`` has finished; its chat output."""
        with httpx.stream("GET", f"{self.api}queue/data", params={"session_hash": self.session},
                          timeout=60) as stream:
            for line in stream.iter_lines():
                self.received += len(line.encode()) + 1
                message = json.loads(line.removeprefix("data:")) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed" and message["event_id"] == event:
                    assert message["success"], message
                    chat = message["output"]["data"][0]  # an update: the messages and their thumbs
                    return chat["value"] if isinstance(chat, dict) else chat
        raise AssertionError(f"the stream ended before event {event} completed")


def test_a_lone_surrogate_gets_the_message_that_says_what_is_wrong(chat_url):
    question, reply = PageSession(chat_url).send("Kto\ud800?")
    assert question == '<div class="rag-question">Kto\ufffd?</div>'
    assert 'class="rag-error"' in reply and "Pytanie zawiera uszkodzony znak" in reply


def test_a_five_megabyte_question_comes_back_as_a_few_kilobytes(chat_url):
    page = PageSession(chat_url)
    question, reply = page.send("x" * 5_000_000, lang="en")
    assert question == f'<div class="rag-question">{"x" * 2000}… (5000000 characters)</div>'
    assert "The question is 5000000 characters long; the limit is 2000." in reply
    assert page.received < 20_000


def test_a_script_in_a_question_reaches_the_page_as_text(chat_url):
    question, _ = PageSession(chat_url).send('<script>alert("x")</script> Kiedy była wizyta z Oslo?')
    assert "<script>" not in question and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in question
