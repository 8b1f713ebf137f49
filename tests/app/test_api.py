"""The program API: ``/ask`` and ``/brief`` called with a real ``gradio_client.Client`` on the served app.

The first tests serve a scripted assistant; the last ones the real one over the shipped corpus, with one
user and then with twenty at once.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pytest
from gradio_client import Client

from rag.errors import InvalidQuestion, StoreUnavailable
from rag.types import Answer, Briefing, BriefingItem, Citation

VISIT = "Kiedy była wizyta delegacji z Frankfurtu w 2022 roku?"
FOLLOWUP = "a kto jej przewodniczył?"
TOPIC = "współpraca z Frankfurtem nad Menem"
USERS = 20

CITATION = Citation(n=1, source="001_929db67eac1df9a9.txt", title="Wizyta delegacji", date="2022-09-20",
                    text="Spotkanie pod przewodnictwem Elke Voitl.", score=0.9)
ANSWER = Answer(question=VISIT, answer="Według dokumentów:\nPrzewodniczyła Elke Voitl. [1]", refused=False,
                citations=[CITATION], timings_ms={"total": 12.34})
BRIEFING = Briefing(topic=TOPIC, lang="pl", text="**Briefing**", citations=[CITATION],
                    items=[BriefingItem(date="2022-09-20", date_text="20 września 2022", title="Wizyta delegacji",
                                        source=CITATION.source, summary="Wizyta.", citations=[1])])


class ScriptedAssistant:
    """Records every call; returns ``ANSWER`` and ``BRIEFING``, or raises the error it was given."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple] = []

    def ask(self, question, history=None):
        self.calls.append(("ask", question, history))
        if self.error:
            raise self.error
        return ANSWER

    def brief(self, topic):
        self.calls.append(("brief", topic))
        if self.error:
            raise self.error
        return BRIEFING


class OverlapMeter(ScriptedAssistant):
    """Takes 50 ms a call and records the most calls that were in progress at once."""

    def __init__(self) -> None:
        super().__init__()
        self.running = self.most = 0
        self.lock = threading.Lock()

    def ask(self, question, history=None):
        return self._measure(lambda: super(OverlapMeter, self).ask(question, history))

    def brief(self, topic):
        return self._measure(lambda: super(OverlapMeter, self).brief(topic))

    def _measure(self, call):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
        return call()


def client(url: str):
    """A ``gradio_client.Client`` that stops its heartbeat thread when the ``with`` block ends."""
    return closing(Client(url, verbose=False))


def without_timings(result: dict) -> str:
    """A result as JSON text minus its timings, the one part that differs between two identical runs."""
    return json.dumps({k: v for k, v in result.items() if k != "timings_ms"}, ensure_ascii=False, sort_keys=True)


def test_the_api_offers_ask_and_brief_and_keeps_the_chats_handlers_private(serve_fake):
    with client(serve_fake(ScriptedAssistant())) as api:
        endpoints = api.view_api(print_info=False, return_format="dict")
        with pytest.raises(ValueError):
            api.predict(VISIT, api_name="/answer")  # the chat's own handler
    parameters = {name: [p["parameter_name"] for p in endpoint["parameters"]]
                  for name, endpoint in endpoints["named_endpoints"].items()}
    assert parameters == {"/ask": ["question", "history"], "/brief": ["topic"],
                          "/feedback": ["question", "answer", "rating", "comment", "citations"]}
    assert endpoints["unnamed_endpoints"] == {}


def test_ask_returns_the_answers_json_and_reads_the_history_as_earlier_questions(serve_fake):
    assistant = ScriptedAssistant()
    with client(serve_fake(assistant)) as api:
        assert api.predict(VISIT, api_name="/ask") == ANSWER.to_json()
        assert api.predict(FOLLOWUP, [VISIT], api_name="/ask") == ANSWER.to_json()
    assert assistant.calls == [("ask", VISIT, []), ("ask", FOLLOWUP, [VISIT])]


def test_brief_returns_the_briefings_json(serve_fake):
    assistant = ScriptedAssistant()
    with client(serve_fake(assistant)) as api:
        assert api.predict(TOPIC, api_name="/brief") == BRIEFING.to_json()
    assert assistant.calls == [("brief", TOPIC)]


def test_errors_come_back_as_data_that_a_program_can_show(serve_fake):
    down = StoreUnavailable("Chroma store at http://127.0.0.1:8000 failed: connection refused")
    with client(serve_fake(ScriptedAssistant(error=down))) as api:
        assert api.predict(VISIT, api_name="/ask") == {"error": str(down)}
        assert api.predict(TOPIC, api_name="/brief") == {"error": str(down)}
    assistant = ScriptedAssistant(error=InvalidQuestion("The question is empty. / Pytanie jest puste."))
    with client(serve_fake(assistant)) as api:
        assert api.predict("", api_name="/ask") == {"error": "The question is empty. / Pytanie jest puste."}
        assert api.predict(FOLLOWUP, "Kiedy?", api_name="/ask")["error"].startswith(
            "history must be a list of earlier questions")
    assert [call[0] for call in assistant.calls] == ["ask"]  # the bad history never reached it


def test_the_assistant_answers_one_call_at_a_time_however_many_programs_ask(serve_fake):
    assistant = OverlapMeter()
    url = serve_fake(assistant)

    def user(n: int) -> dict:
        with client(url) as api:
            return api.predict(TOPIC, api_name="/brief") if n % 2 else api.predict(VISIT, api_name="/ask")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(user, range(8)))
    assert results == [ANSWER.to_json(), BRIEFING.to_json()] * 4
    assert len(assistant.calls) == 8 and assistant.most == 1


@pytest.mark.slow
def test_the_api_answers_as_the_assistant_does(chat_url, assistant):
    with client(chat_url) as api:
        asked = api.predict(VISIT, api_name="/ask")
        followed = api.predict(FOLLOWUP, [VISIT], api_name="/ask")
        briefed = api.predict(TOPIC, api_name="/brief")
    assert without_timings(asked) == without_timings(assistant.ask(VISIT).to_json())
    assert without_timings(followed) == without_timings(assistant.ask(FOLLOWUP, history=[VISIT]).to_json())
    assert "Voitl" in followed["answer"] and not followed["refused"]
    assert without_timings(briefed) == without_timings(assistant.brief(TOPIC).to_json())


@pytest.mark.slow
def test_a_huge_question_through_the_api_gets_the_length_error(chat_url):
    with client(chat_url) as api:
        result = api.predict("x" * 5_000_000, api_name="/ask")
    assert result == {"error": "The question is 5000000 characters long; the limit is 2000. "
                               "/ Pytanie ma 5000000 znaków; limit to 2000."}


@pytest.mark.slow
@pytest.mark.reliability
def test_twenty_users_at_once_get_the_answers_of_one_user_alone(chat_url):
    """Each user asks, follows up and asks for a briefing; every result must match a solo run byte for byte."""
    start = threading.Barrier(USERS)

    def session(barrier: threading.Barrier | None) -> list[str] | Exception:
        try:
            with client(chat_url) as api:
                if barrier:
                    barrier.wait(timeout=30)  # every user connected: the questions arrive together
                return [
                    without_timings(api.predict(VISIT, api_name="/ask")),
                    without_timings(api.predict(FOLLOWUP, [VISIT], api_name="/ask")),
                    without_timings(api.predict(TOPIC, api_name="/brief")),
                ]
        except Exception as error:  # counted below, so one failure does not hide the others
            return error

    solo = session(None)
    with ThreadPoolExecutor(USERS) as pool:
        runs = list(pool.map(session, [start] * USERS))
    assert not isinstance(solo, Exception) and not any('"error"' in result for result in solo)
    assert [run for run in runs if isinstance(run, Exception)] == []
    assert runs == [solo] * USERS
