"""The Gradio chat: a page on 127.0.0.1 that asks the ``Assistant`` and shows cited answers.

Presentation only: retrieval, follow-up resolution and refusals are ``rag``'s job; this module
turns questions into calls and results into messages (see ``app.markup``). The same server offers
programs two named endpoints, ``/ask`` and ``/brief``, that return the results' JSON (``gradio_client``).
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import sys

import gradio as gr  # the ``app`` package has already applied rag.offline's switches

from app.i18n import BRIEFING, EXAMPLES, LANGUAGES, QUESTION, example_label, lang_or_default, mode_choices, t
from app.markup import answer_html, briefing_html, error_html, question_html
from app.theme import CSS, HEAD, build_theme
from rag.config import Settings
from rag.errors import InvalidQuestion, RagError, StoreUnavailable
from rag.live import LiveAssistant

log = logging.getLogger(__name__)

Message = dict[str, str]

# Every call into the assistant, from the page or a program, waits its turn in one gradio queue.
# Its tokenizer, Morfeusz analyser and Chroma client are not documented as thread-safe, and
# ``LiveAssistant`` locks only the assistant's (re)loading, not the questions that use it. Nothing is
# lost: an answer takes ~50 ms, and 600 answers on 20 threads (2 cores) took 44 s against ~30 s one at
# a time, since torch already uses every core.
ONE_AT_A_TIME = {"concurrency_limit": 1, "concurrency_id": "assistant"}


def post_question(text: str, mode: str, chat: list[Message], lang: str,
                  limit: int) -> tuple[list[Message], str, str]:
    """Show the user's message (its first ``limit`` characters) at once and empty the box; the answer
    follows in ``respond``."""
    chat = list(chat or [])
    if (text or "").strip():
        chat.append({"role": "user", "content": question_html(text, mode, lang, limit)})
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
        if isinstance(error, StoreUnavailable):  # the page says so in its own words; the admin needs this
            log.warning("the document store is unavailable: %s", error)
        content = error_html(error_text(error, lang), lang)
    except Exception:  # a bug must not show a traceback to an office user: log it, say so politely
        log.exception("answering %.200r failed", text)  # a pasted 5 MB question stays out of the log
        content = error_html(t(lang, "error_unexpected"), lang)
    chat.append({"role": "assistant", "content": content})
    return chat, questions


def error_text(error: RagError, lang: str) -> str:
    """What the page says about ``error``, in the page's language where ``rag`` gives one.

    ``rag`` states input errors in both languages ("English. / Polski."): keep the page's one. A store
    that cannot be reached is said in the page's words (its technical details, in English, are for the
    server log): the user can only wait or tell someone, and the next question tries again.
    """
    if isinstance(error, StoreUnavailable):
        return t(lang, "error_store")
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


def api_result(call) -> dict:
    """What ``/ask`` and ``/brief`` return: the result's ``to_json()``, or ``{"error": message}``.

    A program then gets every failure as data it can show or retry on, instead of the bare exception
    that ``gradio_client`` makes of anything raised.
    """
    try:
        return call().to_json()
    except RagError as error:
        return {"error": str(error)}
    except Exception:  # as on the page: logged for the admin, no internals for the caller
        log.exception("an API call failed")
        return {"error": t("en", "error_unexpected")}


def api_history(history, limit: int) -> list[str]:
    """A program's ``history``, checked as the page's own would be: earlier questions, as text.

    ``rag`` validates the question but not the history, because the page passes only questions it
    has answered; a program could send a string (read letter by letter), numbers or megabytes.
    """
    if history is None:
        return []
    if isinstance(history, list) and all(_is_question_text(q, limit) for q in history):
        return history
    raise InvalidQuestion(
        f"history must be a list of earlier questions, each a text of at most {limit} characters. "
        f"/ history musi być listą wcześniejszych pytań (tekstów o długości najwyżej {limit} znaków)."
    )


def build_app(assistant, settings: Settings) -> gr.Blocks:
    """The page, and the program API. ``assistant`` needs ``ask(question, history=...)`` and ``brief(topic)``."""
    lang = lang_or_default(settings.ui_lang)
    limit = settings.max_question_chars
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

        def show(text, mode_value, chat, lang_value):
            return post_question(text, mode_value, chat, lang_value, limit)

        def answer(text, mode_value, chat, earlier, lang_value):
            return respond(assistant, text, mode_value, chat, earlier, lang_value)

        gr.on([question.submit, send.click], show, [question, mode, chatbot, language],
              [chatbot, question, pending], queue=False, api_visibility="private").then(
            answer, [pending, mode, chatbot, questions, language], [chatbot, questions],
            api_visibility="private", **ONE_AT_A_TIME,
        )
        clear.click(lambda: ([], [], ""), None, [chatbot, questions, question], queue=False,
                    api_visibility="private")
        chatbot.clear(lambda: [], None, questions, queue=False, api_visibility="private")
        examples.click(pick_example, [examples], [question, mode], queue=False, api_visibility="private")
        gr.on([language.change, mode.change], relabel, [language, mode],
              [header, language, chatbot, mode, question, send, clear, examples], queue=False,
              api_visibility="private")

        def ask(question: str, history: list[str] | None = None) -> dict:
            """Answer a question with citations: the JSON of `rag ask --json`, or {"error": message}.

            history: the conversation's earlier questions, oldest first, for follow-ups such as
            "a kto jej przewodniczył?".
            """
            return api_result(lambda: assistant.ask(question, history=api_history(history, limit)))

        def brief(topic: str) -> dict:
            """A chronological, cited briefing on a topic: the JSON of `rag brief --json`, or {"error": ...}."""
            return api_result(lambda: assistant.brief(topic))

        gr.api(ask, api_name="ask", **ONE_AT_A_TIME)
        gr.api(brief, api_name="brief", **ONE_AT_A_TIME)
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


def exposure_warning(host: str) -> str | None:
    """The warning to print when the page would listen beyond this computer, else None.

    The chat has no sign-in yet: on any address but loopback, everyone who can reach the machine can
    ask it and read the passages it quotes. A host name other than localhost counts as exposed,
    since it may resolve to anything.
    """
    if host == "localhost" or _is_loopback(host.strip("[]")):
        return None
    return (
        f"WARNING: the chat will listen on {host}, not only on this computer. Everyone who can reach "
        "this machine over the network can use it and read the documents it quotes: there is no "
        "sign-in yet. Use --host 127.0.0.1 (the default) unless that is intended."
    )


def ensure_port_free(host: str, port: int) -> None:
    """Raise ``RagError`` when the page could not listen on ``host:port``, before anything is loaded.

    Gradio finds out only after the warm-up, and then ends in a traceback whose advice
    (GRADIO_SERVER_PORT) does not apply when a port is set, as ``rag serve`` always does.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn chooses
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: a TIME_WAIT port is free
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as error:
            raise RagError(_bind_problem(host, port, error)) from error


def _bind_problem(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return (f"Port {port} on {host} is in use (is another `rag serve` running?). Stop that program, "
                f"or choose another port with --port or RAG_PORT, e.g. --port {port + 1}.")
    return (f"Cannot listen on {host} port {port}: {error.strerror or error}. "
            "Choose another address or port with --host/--port (or RAG_HOST/RAG_PORT).")


def serve(settings: Settings | None = None) -> None:
    """``rag serve``: check the address, load the assistant and serve the chat until interrupted."""
    settings = settings or Settings.load()
    warning = exposure_warning(settings.host)
    if warning:
        print(warning, file=sys.stderr)
    ensure_port_free(settings.host, settings.port)
    assistant = LiveAssistant(settings)  # follows the store as ingests change it, without a restart
    assistant.warm_up()
    build_app(assistant, settings).queue().launch(**launch_options(settings))


def _header(lang: str) -> str:
    return f"# {t(lang, 'title')}\n{t(lang, 'intro')}"


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name, or nothing
        return False


def _is_question_text(value, limit: int) -> bool:
    """Text within the question limit, without lone UTF-16 surrogates (no encoder or page carries them)."""
    if not isinstance(value, str) or len(value) > limit:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


if __name__ == "__main__":
    serve()
