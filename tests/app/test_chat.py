"""Fast tests of the chat's presentation (markers, escaping, refusals, errors, follow-up history) and of
the checks behind its program API.

A fake assistant returns hand-made results, so these tests need neither the model nor a store.
"""

from __future__ import annotations

import gradio as gr
import pytest

from app.chat import (
    api_history, api_result, build_app, error_text, launch_options, post_question, relabel, respond,
)
from app.i18n import BRIEFING, EXAMPLES, QUESTION, lang_or_default
from app.markup import answer_html, briefing_html, link_markers, passage_html, question_html
from rag.config import Settings
from rag.errors import EmptyIndex, InvalidQuestion, StoreUnavailable
from rag.types import Answer, AnswerSentence, Briefing, BriefingItem, Citation

VISIT = "Kiedy była wizyta delegacji z Frankfurtu w 2022 roku?"
FOLLOWUP = "a kto jej przewodniczył?"
LIMIT = Settings().max_question_chars


def citation(n: int, text: str = "Spotkanie pod przewodnictwem Elke Voitl.",
             title: str = "Wizyta delegacji") -> Citation:
    return Citation(n=n, source="001_929db67eac1df9a9.txt", title=title, date="2022-09-20", text=text,
                    score=0.9)


def answer(question: str = VISIT, text: str | None = None, refused: bool = False, citations=None) -> Answer:
    return Answer(
        question=question,
        answer=text or "Według dokumentów:\nSpotkanie odbyło się 13 września 2022 roku. [1][2]",
        refused=refused,
        citations=citations if citations is not None else [citation(1), citation(2, "Druga część.")],
    )


class FakeAssistant:
    """Records every call; answers from a script, or raises the error it was given."""

    def __init__(self, result=None, error: Exception | None = None) -> None:
        self.result, self.error = result, error
        self.calls: list[tuple[str, str, list[str] | None]] = []

    def ask(self, question, history=None):
        self.calls.append(("ask", question, list(history) if history is not None else None))
        if self.error:
            raise self.error
        return self.result or answer(question)

    def brief(self, topic):
        self.calls.append(("brief", topic, None))
        if self.error:
            raise self.error
        return self.result


def test_markers_become_links_to_their_source_panels():
    html = link_markers("Zdanie. [1][3]", {1, 3}, "m2")
    assert '<a class="rag-cite" href="#m2-src-1">[1]</a>' in html
    assert '<a class="rag-cite" href="#m2-src-3">[3]</a>' in html


def test_a_marker_without_a_citation_stays_text():
    html = link_markers("Rok [7] i przypis [1]", {1}, "m2")
    assert html == 'Rok [7] i przypis <a class="rag-cite" href="#m2-src-1">[1]</a>'


def test_answer_has_a_collapsible_panel_per_citation_with_title_date_file_and_passage():
    html = answer_html(answer(), "pl", "m2")
    assert 'class="rag-answer"' in html
    assert '<details class="rag-source" id="m2-src-1">' in html
    assert '<details class="rag-source" id="m2-src-2">' in html
    assert "Wizyta delegacji — 2022-09-20 — 001_929db67eac1df9a9.txt" in html
    assert "Spotkanie pod przewodnictwem Elke Voitl." in html
    assert "Źródła" in html and "\n" not in html  # one HTML block for the Markdown renderer


def test_sources_heading_follows_the_interface_language():
    assert "Sources" in answer_html(answer(), "en", "m2")


def test_document_and_question_text_is_escaped():
    evil = citation(1, text='<script>alert("x")</script> i <img src=x onerror=alert(1)>',
                    title="<b>tytuł</b>")
    evil_answer = answer(text="Według dokumentów:\n<iframe src=x></iframe> [1]", citations=[evil])
    html = answer_html(evil_answer, "pl", "m2")
    assert "<script>" not in html and "<img" not in html and "<iframe" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;tytuł&lt;/b&gt;" in html
    question = question_html("<script>alert(1)</script>", QUESTION, "pl", LIMIT)
    assert "<script>" not in question and "&lt;script&gt;" in question


def test_passage_loses_the_corpus_markdown_markers_but_keeps_its_lines():
    assert passage_html("## **Wizyta** delegacji\n\n**Druga <linia>**\n#5 w kolejce") == (
        "Wizyta delegacji<br>Druga &lt;linia&gt;<br>#5 w kolejce"
    )


def test_bullet_lines_become_a_list():
    html = answer_html(answer(text="Według dokumentów:\n- pierwsza [1]\n- druga [2]"), "pl", "m2")
    assert "<ul><li>pierwsza " in html and "</li><li>druga " in html


def test_refusal_is_styled_apart_from_answers():
    text = "Dokumenty nie odpowiadają na to pytanie. Najbliższe fragmenty:\n- Wizyta (2022-09-20) [1]"
    refusal = answer(text=text, refused=True, citations=[citation(1)])
    html = answer_html(refusal, "pl", "m2")
    assert 'class="rag-refusal"' in html and 'class="rag-answer"' not in html
    assert "Brak odpowiedzi w dokumentach" in html
    assert 'href="#m2-src-1"' in html  # the closest passages stay readable


def test_briefing_is_a_dated_list_with_linked_markers():
    briefing = Briefing(
        topic="współpraca z Frankfurtem", lang="pl", text="**Briefing**", citations=[citation(1)],
        items=[BriefingItem(date="2001-04-19", date_text="19 kwietnia 2001", title="Wizyta delegacji",
                            source="001_929db67eac1df9a9.txt", summary="Porozumienie <podpisano>.",
                            citations=[1])],
    )
    html = briefing_html(briefing, "pl", "m4")
    assert "Briefing: współpraca z Frankfurtem" in html
    assert '<span class="rag-date">19 kwietnia 2001</span>' in html
    assert "Porozumienie &lt;podpisano&gt;." in html
    assert '<a class="rag-cite" href="#m4-src-1">[1]</a>' in html and 'id="m4-src-1"' in html


def test_empty_briefing_is_shown_as_a_refusal():
    briefing = Briefing(topic="kino", lang="pl", items=[], citations=[], refused=True,
                        text="Dokumenty nie zawierają informacji na ten temat.")
    html = briefing_html(briefing, "pl", "m2")
    assert 'class="rag-refusal"' in html and "nie zawierają informacji" in html


def test_post_question_shows_the_escaped_question_and_empties_the_box():
    chat, box, pending = post_question("Co to <b>jest</b>?", QUESTION, [], "pl", LIMIT)
    assert box == "" and pending == "Co to <b>jest</b>?"
    shown = '<div class="rag-question">Co to &lt;b&gt;jest&lt;/b&gt;?</div>'
    assert chat == [{"role": "user", "content": shown}]
    assert post_question("   ", QUESTION, [], "pl", LIMIT)[0] == []


def test_a_huge_question_is_echoed_only_up_to_the_limit_with_its_length():
    chat, _, pending = post_question("ą" * 5_000_000, QUESTION, [], "pl", 2000)
    shown = f'<div class="rag-question">{"ą" * 2000}… (liczba znaków: 5000000)</div>'
    assert chat == [{"role": "user", "content": shown}]
    assert len(pending) == 5_000_000  # rag still sees it whole, and says it is too long
    english = question_html("x" * 2001, QUESTION, "en", 2000)
    assert english.endswith(f'{"x" * 2000}… (2001 characters)</div>')


def test_a_question_at_the_limit_is_echoed_whole():
    assert question_html("x" * 2000, QUESTION, "pl", 2000) == f'<div class="rag-question">{"x" * 2000}</div>'


def test_a_lone_surrogate_is_echoed_as_a_replacement_character():
    html = question_html("Kto\ud800 \udfff?", QUESTION, "pl", LIMIT)
    assert html == '<div class="rag-question">Kto\ufffd \ufffd?</div>'
    html.encode("utf-8")  # what the page's JSON needs; a surrogate would raise here


def test_follow_up_is_asked_with_the_earlier_questions_as_history():
    assistant = FakeAssistant()
    chat, questions, _ = respond(assistant, VISIT, QUESTION, [], [], "pl")
    chat, questions, _ = respond(assistant, FOLLOWUP, QUESTION, chat, questions, "pl")
    assert assistant.calls == [("ask", VISIT, []), ("ask", FOLLOWUP, [VISIT])]
    assert questions == [VISIT, FOLLOWUP]


def test_each_answer_gets_its_own_source_ids():
    assistant = FakeAssistant()
    chat, questions, _ = respond(assistant, VISIT, QUESTION, [{"role": "user", "content": VISIT}], [], "pl")
    chat.append({"role": "user", "content": FOLLOWUP})
    chat, _, _ = respond(assistant, FOLLOWUP, QUESTION, chat, questions, "pl")
    assert 'id="m1-src-1"' in chat[1]["content"] and 'id="m3-src-1"' in chat[3]["content"]


def test_briefing_mode_calls_brief_and_keeps_history_of_questions_only():
    briefing = Briefing(topic="Frankfurt", lang="pl", items=[], citations=[], refused=True, text="Brak.")
    assistant = FakeAssistant(result=briefing)
    chat, questions, _ = respond(assistant, "Frankfurt", BRIEFING, [], [VISIT], "pl")
    assert assistant.calls == [("brief", "Frankfurt", None)]
    assert questions == [VISIT]
    assert chat[-1]["role"] == "assistant" and "Briefing: Frankfurt" in chat[-1]["content"]


def test_empty_question_is_a_friendly_message_without_asking():
    assistant = FakeAssistant()
    chat, questions, _ = respond(assistant, "  ", QUESTION, [], [], "pl")
    assert assistant.calls == [] and questions == []
    assert 'class="rag-error"' in chat[0]["content"] and "Wpisz pytanie" in chat[0]["content"]


def test_too_long_question_shows_the_interface_languages_half_of_the_message():
    error = InvalidQuestion("The question is 2500 characters long; the limit is 2000. "
                            "/ Pytanie ma 2500 znaków; limit to 2000.")
    chat, questions, _ = respond(FakeAssistant(error=error), "x" * 2500, QUESTION, [], [], "pl")
    assert "Pytanie ma 2500 znaków; limit to 2000." in chat[0]["content"]
    assert "characters long" not in chat[0]["content"] and questions == []
    assert error_text(error, "en") == "The question is 2500 characters long; the limit is 2000."


def test_an_empty_index_is_shown_with_its_own_message():
    error = EmptyIndex("The index is empty. Run `rag ingest` first.")
    chat, _, _ = respond(FakeAssistant(error=error), VISIT, QUESTION, [], [], "pl")
    assert 'class="rag-error"' in chat[0]["content"] and "Nie udało się odpowiedzieć" in chat[0]["content"]
    assert "Run `rag ingest` first." in chat[0]["content"]


@pytest.mark.parametrize(("lang", "unreachable", "retries"), [
    ("pl", "Baza dokumentów jest teraz nieosiągalna.", "połączy się z nią ponownie przy następnym pytaniu"),
    ("en", "The document store cannot be reached right now.", "tries again with your next question"),
])
def test_an_unreachable_store_is_explained_in_the_page_language(lang, unreachable, retries, caplog):
    error = StoreUnavailable("Chroma store at http://127.0.0.1:8000 failed: did not answer within 5 s")
    chat, questions, _ = respond(FakeAssistant(error=error), VISIT, QUESTION, [], [], lang)
    content = chat[0]["content"]
    assert 'class="rag-error"' in content and unreachable in content and retries in content
    assert "Chroma" not in content and "unexpected" not in content and "nieoczekiwany" not in content
    assert questions == []
    assert "did not answer within 5 s" in caplog.text  # the details stay for whoever runs the server


def test_the_chat_still_answers_once_the_store_is_back():
    assistant = FakeAssistant(error=StoreUnavailable("Chroma store failed: connection refused"))
    chat, questions, _ = respond(assistant, VISIT, QUESTION, [], [], "pl")
    assistant.error = None
    chat, questions, _ = respond(assistant, VISIT, QUESTION, chat, questions, "pl")
    assert 'class="rag-answer"' in chat[-1]["content"] and questions == [VISIT]


@pytest.mark.parametrize(("question", "english", "polish"), [
    ("Kto\ud800?", "contains a broken character (a lone UTF-16 surrogate)", "zawiera uszkodzony znak"),
    (42, "The question must be text.", "Pytanie musi być tekstem."),
])
def test_rag_refuses_what_is_not_a_question_in_both_languages(question, english, polish):
    from rag.assistant import Assistant

    unloaded = Assistant.__new__(Assistant)  # validation needs the settings only, not the model or the store
    unloaded.settings = Settings()
    with pytest.raises(InvalidQuestion) as raised:
        unloaded._validate(question)
    assert english in error_text(raised.value, "en") and polish in error_text(raised.value, "pl")


def test_an_unexpected_failure_shows_no_traceback():
    chat, _, _ = respond(FakeAssistant(error=KeyError("secret internals")), VISIT, QUESTION, [], [], "en")
    content = chat[0]["content"]
    assert "Something unexpected went wrong" in content
    assert "secret internals" not in content and "Traceback" not in content


def test_the_api_returns_the_results_json_or_the_error_as_data(caplog):
    assert api_result(lambda: FakeAssistant().ask(VISIT)) == answer(VISIT).to_json()
    error = InvalidQuestion("The question is empty. / Pytanie jest puste.")
    assert api_result(lambda: FakeAssistant(error=error).ask("")) == {"error": str(error)}
    bug = FakeAssistant(error=KeyError("secret internals"))
    assert api_result(lambda: bug.ask(VISIT)) == {
        "error": "Something unexpected went wrong. The details are in the server log."
    }
    assert "secret internals" in caplog.text  # logged with its traceback, never sent to the caller


@pytest.mark.parametrize("history", ["Kiedy?", [1, 2], ["x" * 2001], ["Kto\ud800?"], {"q": "Kiedy?"}])
def test_api_refuses_a_history_that_the_page_could_never_send(history):
    with pytest.raises(InvalidQuestion, match="history must be a list of earlier questions"):
        api_history(history, 2000)


def test_api_takes_a_missing_history_as_a_new_conversation():
    assert api_history(None, 2000) == [] and api_history([VISIT], 2000) == [VISIT]


def test_relabel_translates_every_label():
    header, language, chatbot, mode, question, send, clear, examples, comment, comment_send = relabel("en", BRIEFING)
    assert header.startswith("# MOPS Kraków document assistant")
    assert language["label"] == "Interface language" and chatbot["label"] == "Conversation"
    assert mode["choices"] == [("Question", QUESTION), ("Briefing", BRIEFING)]
    assert question["label"] == "Briefing topic"
    assert (send["value"], clear["value"]) == ("Send", "New conversation")
    assert examples["label"] == "Examples (click to use)"
    assert comment["label"] == "Comment on the last rated answer" and comment_send["value"] == "Save comment"


def test_unknown_interface_language_falls_back_to_polish():
    assert lang_or_default("de") == "pl" and lang_or_default("en") == "en"


def test_examples_cover_both_languages_and_both_modes():
    texts = " ".join(text for text, _ in EXAMPLES)
    assert "Kto" in texts and "When" in texts
    assert {mode for _, mode in EXAMPLES} == {QUESTION, BRIEFING}


def test_app_builds_and_launches_only_on_loopback_without_share():
    app = build_app(FakeAssistant(), Settings(ui_lang="en"))
    assert isinstance(app, gr.Blocks)
    options = launch_options(Settings())
    assert options["server_name"] == "127.0.0.1" and options["share"] is False and options["quiet"] is True
    theme = options["theme"]
    assert "Source Sans Pro" in theme.font and not any("googleapis" in s for s in theme._stylesheets)


def test_the_quoted_sentence_is_marked_inside_its_passage():
    quoted = "Spotkanie odbyło się w sali obrad."
    cited = citation(1, text=f"**Wizyta gości** z Lyonu.\n{quoted} Potem zwiedzano dzielnicę.")
    result = answer(text=f"Według dokumentów:\n{quoted} [1]", citations=[cited])
    result.sentences = [AnswerSentence(quoted, [1])]
    html = answer_html(result, "pl", "m2")
    assert f'<mark class="rag-quote">{quoted}</mark> Potem zwiedzano' in html
    assert "**" not in html and "Wizyta gości z Lyonu." in html


def test_passage_without_quotes_has_no_marks_and_link_targets_are_dropped():
    assert passage_html("Zobacz [porozumienie z 2001 r.](#) w archiwum.") == "Zobacz porozumienie z 2001 r. w archiwum."


def test_briefing_is_grouped_by_year_under_its_heading_and_untitled_items_have_no_empty_label():
    items = [
        BriefingItem("2001-04-19", "19 kwietnia 2001", "Porozumienie", "a.txt", "Podpisano porozumienie.", [1]),
        BriefingItem("2016-06-06", "6 czerwca 2016", "", "b.txt", "Wizyta w ratuszu.", [2]),
        BriefingItem("", "2 lutego br.", "Spotkanie", "c.txt", "Rozmowy o seniorach.", [3]),
    ]
    briefing = Briefing(topic="Przygotuj briefing o Frankfurcie", lang="pl", items=items,
                        citations=[citation(1), citation(2), citation(3)], text="", heading="Frankfurt — współpraca")
    html = briefing_html(briefing, "pl", "m4")
    assert '<p class="rag-heading">Frankfurt — współpraca</p>' in html and "Przygotuj" not in html
    assert html.index(">2001<") < html.index(">2016<") < html.index(">Rok nieznany<")
    assert "<em></em>" not in html and "</span> Wizyta w ratuszu." in html
