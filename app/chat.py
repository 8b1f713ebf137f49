"""The Gradio chat: a page on 127.0.0.1 that asks the ``Assistant`` and shows cited answers.

Presentation only: retrieval, follow-up resolution and refusals are ``rag``'s job; this module
turns questions into calls and results into messages (see ``app.markup``).
"""

from __future__ import annotations

import logging
import threading

import gradio as gr  # the ``app`` package has already applied rag.offline's switches

from app.i18n import BRIEFING, EXAMPLES, LANGUAGES, QUESTION, example_label, lang_or_default, mode_choices, t
from app.markup import answer_html, briefing_html, error_html, question_html
from app.theme import CSS, HEAD, build_theme
from rag.config import Settings
from rag.errors import InvalidQuestion, RagError

log = logging.getLogger(__name__)

Message = dict[str, str]


class LazyAssistant:
    """Opens the store on first use, and again after a failure.

    The page then starts even before ``rag ingest`` has run (each question says what is missing),
    and answers as soon as the store is there, without a restart.
    """

    def __init__(self, settings: Settings, factory=None) -> None:
        self.settings = settings
        self._factory = factory
        self._assistant = None
        self._lock = threading.Lock()

    def ask(self, question: str, history: list[str] | None = None):
        return self._get().ask(question, history=history)

    def brief(self, topic: str):
        return self._get().brief(topic)

    def warm_up(self) -> None:
        """Load the model and store at start-up so the first question is not the slow one."""
        try:
            self._get()
        except RagError as error:
            log.warning("The assistant is not ready yet: %s", error)

    def _get(self):
        with self._lock:
            if self._assistant is None:
                self._assistant = self._make(self.settings)
            return self._assistant

    def _make(self, settings: Settings):
        if self._factory is not None:
            return self._factory(settings)
        from rag.assistant import Assistant  # heavy: loads only when the page is served

        return Assistant(settings)


def post_question(text: str, mode: str, chat: list[Message], lang: str) -> tuple[list[Message], str, str]:
    """Show the user's message at once and empty the box; the answer follows in ``respond``."""
    chat = list(chat or [])
    if (text or "").strip():
        chat.append({"role": "user", "content": question_html(text, mode, lang)})
    return chat, "", text or ""


def respond(assistant, text: str, mode: str, chat: list[Message], questions: list[str],
            lang: str) -> tuple[list[Message], list[str]]:
    """Ask or brief, and append the result (or a friendly error) to the chat.

    ``questions`` are the session's earlier answered questions, passed as ``history`` so that a
    follow-up such as "a kto jej przewodniczył?" is read against them.
    """
    chat, questions = list(chat or []), list(questions or [])
    prefix = f"m{len(chat)}"  # the message's index: unique within the page
    try:
        if not (text or "").strip():
            content = error_html(t(lang, "error_empty"), lang)
        elif mode == BRIEFING:
            content = briefing_html(assistant.brief(text), lang, prefix)
        else:
            answer = assistant.ask(text, history=questions)
            content = answer_html(answer, lang, prefix)
            questions.append(answer.question)
    except RagError as error:
        content = error_html(error_text(error, lang), lang)
    except Exception:  # a bug must not show a traceback to an office user: log it, say so politely
        log.exception("answering %r failed", text)
        content = error_html(t(lang, "error_unexpected"), lang)
    chat.append({"role": "assistant", "content": content})
    return chat, questions


def error_text(error: RagError, lang: str) -> str:
    """``rag`` states input errors in both languages ("English. / Polski."): keep the page's one."""
    halves = str(error).split(" / ")
    if isinstance(error, InvalidQuestion) and len(halves) == 2:
        return halves[0] if lang == "en" else halves[1]
    return str(error)


def relabel(lang: str, mode: str) -> tuple:
    """Every label in the chosen language; the text box also follows the mode (question or topic)."""
    kind = "briefing" if mode == BRIEFING else "question"
    return (
        _header(lang),
        gr.update(label=t(lang, "language")),
        gr.update(label=t(lang, "chat"), placeholder=t(lang, "chat_placeholder")),
        gr.update(label=t(lang, "mode"), choices=mode_choices(lang)),
        gr.update(label=t(lang, f"input_{kind}"), placeholder=t(lang, f"placeholder_{kind}")),
        gr.update(value=t(lang, "send")),
        gr.update(value=t(lang, "clear")),
        gr.update(label=t(lang, "examples")),
    )


def pick_example(index: int) -> tuple[str, str]:
    """An example fills the box and sets its mode; the user may still edit it before sending."""
    return EXAMPLES[index]


def build_app(assistant, settings: Settings) -> gr.Blocks:
    """The page. ``assistant`` needs ``ask(question, history=...)`` and ``brief(topic)``."""
    lang = lang_or_default(settings.ui_lang)
    with gr.Blocks(title=t(lang, "title"), analytics_enabled=False) as app:
        questions = gr.State([])
        pending = gr.State("")
        with gr.Row():
            header = gr.Markdown(_header(lang), elem_id="rag-header")
            language = gr.Radio([(name, code) for code, name in LANGUAGES.items()], value=lang,
                                label=t(lang, "language"), scale=0, min_width=220, elem_id="rag-language")
        chatbot = gr.Chatbot(
            label=t(lang, "chat"), show_label=False, placeholder=t(lang, "chat_placeholder"), height=620,
            elem_id="rag-chat", latex_delimiters=[], allow_tags=False, feedback_options=None,
            buttons=["copy"],
        )
        with gr.Row(equal_height=True):
            mode = gr.Radio(mode_choices(lang), value=QUESTION, label=t(lang, "mode"), scale=0,
                            min_width=280, elem_id="rag-mode")
            question = gr.Textbox(label=t(lang, "input_question"), lines=1, max_lines=4, scale=4,
                                  placeholder=t(lang, "placeholder_question"), autofocus=True,
                                  elem_id="rag-question")
        with gr.Row():
            send = gr.Button(t(lang, "send"), variant="primary", elem_id="rag-send")
            clear = gr.Button(t(lang, "clear"), variant="secondary", elem_id="rag-clear")
        examples = gr.Dataset(components=["textbox"], samples=[[example_label(lang, *e)] for e in EXAMPLES],
                              label=t(lang, "examples"), type="index", elem_id="rag-examples")

        def answer(text, mode_value, chat, earlier, lang_value):
            return respond(assistant, text, mode_value, chat, earlier, lang_value)

        gr.on([question.submit, send.click], post_question, [question, mode, chatbot, language],
              [chatbot, question, pending], queue=False, api_visibility="private").then(
            answer, [pending, mode, chatbot, questions, language], [chatbot, questions],
            concurrency_limit=1, concurrency_id="assistant", api_visibility="private",
        )
        clear.click(lambda: ([], [], ""), None, [chatbot, questions, question], queue=False,
                    api_visibility="private")
        chatbot.clear(lambda: [], None, questions, queue=False, api_visibility="private")
        examples.click(pick_example, [examples], [question, mode], queue=False, api_visibility="private")
        gr.on([language.change, mode.change], relabel, [language, mode],
              [header, language, chatbot, mode, question, send, clear, examples], queue=False,
              api_visibility="private")
    return app


def launch_options(settings: Settings) -> dict:
    """Loopback only, no share link, no SSR node server, no external footer links."""
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "share": False,
        "ssr_mode": False,
        "mcp_server": False,
        "footer_links": [],
        "theme": build_theme(),
        "css": CSS,
        "head": HEAD,
    }


def serve(settings: Settings | None = None) -> None:
    """``rag serve``: load the assistant and serve the chat until interrupted."""
    settings = settings or Settings.load()
    assistant = LazyAssistant(settings)
    assistant.warm_up()
    build_app(assistant, settings).queue().launch(**launch_options(settings))


def _header(lang: str) -> str:
    return f"# {t(lang, 'title')}\n{t(lang, 'intro')}"


if __name__ == "__main__":
    serve()
