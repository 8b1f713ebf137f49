"""The Gradio chat: a page on 127.0.0.1 that asks the ``Assistant`` and shows cited answers.

Presentation only: retrieval, follow-up resolution and refusals are ``rag``'s job; this module
turns questions into calls and results into messages (see ``app.markup``). The same server offers
programs three named endpoints (``gradio_client``): ``/ask`` and ``/brief`` return the results' JSON,
``/feedback`` stores a rating of an answer.

Every answer on the page can be rated with a thumb up or down (and the rating withdrawn by clicking the
thumb again); a short comment then applies to the last rated answer. Ratings go to
``<data_dir>/feedback.sqlite3`` (``rag.feedback``), which ``rag feedback export`` turns into draft test
items for evaluators.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import sys

import gradio as gr  # the ``app`` package has already applied rag.offline's switches

from app.i18n import BRIEFING, EXAMPLES, LANGUAGES, QUESTION, example_label, lang_or_default, mode_choices, t
from app.library import Originals, documents_tab, original_routes
from app.markup import answer_html, briefing_html, error_html, question_html
from app.theme import CSS, HEAD, build_theme
from ingest.library import Library
from rag.config import Settings
from rag.errors import InvalidQuestion, RagError, StoreUnavailable
from rag.feedback import MAX_COMMENT_CHARS, FeedbackStore, FeedbackUnavailable, InvalidFeedback
from rag.live import LiveAssistant
from rag.types import Answer, Briefing
from rag.users import Users

log = logging.getLogger(__name__)

Message = dict[str, str]
Record = dict  # what a rating of one shown answer stores: see ``answer_record``

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
            lang: str, answers: dict[int, Record] | None = None, originals: Originals | None = None,
            ) -> tuple[list[Message], list[str], dict[int, Record]]:
    """Ask or brief, and append the result (or a friendly error) to the chat.

    ``questions`` are the session's earlier answered questions, passed as ``history`` so that a
    follow-up such as "a kto jej przewodniczył?" is read against them. ``answers`` maps the chat index
    of each shown answer or briefing to what a rating of it stores (errors have none: nothing to rate).
    ``originals`` (None: not offered) links each source panel to its original file.
    """
    chat, questions, answers = list(chat or []), list(questions or []), dict(answers or {})
    index = len(chat)  # the new message's index: what the chatbot's like event reports
    prefix = f"m{index}"  # unique within the page
    try:
        if not (text or "").strip():
            content = error_html(t(lang, "error_empty"), lang)
        elif mode == BRIEFING:
            briefing = assistant.brief(text)
            content = briefing_html(briefing, lang, prefix, originals.links(briefing.citations) if originals else None)
            answers[index] = answer_record(briefing)
        else:
            answer = assistant.ask(text, history=questions)
            content = answer_html(answer, lang, prefix, originals.links(answer.citations) if originals else None)
            questions.append(answer.question)
            answers[index] = answer_record(answer)
    except RagError as error:
        if isinstance(error, StoreUnavailable):  # the page says so in its own words; the admin needs this
            log.warning("the document store is unavailable: %s", error)
        content = error_html(error_text(error, lang), lang)
    except Exception:  # a bug must not show a traceback to an office user: log it, say so politely
        log.exception("answering %.200r failed", text)  # a pasted 5 MB question stays out of the log
        content = error_html(t(lang, "error_unexpected"), lang)
    chat.append({"role": "assistant", "content": content})
    return chat, questions, answers


def answer_record(result: Answer | Briefing) -> Record:
    """What a rating keeps of a shown answer or briefing: its text and citations as the API returns them."""
    if isinstance(result, Briefing):
        return {"question": result.topic, "answer": result.text, "kind": "briefing", "refused": result.refused,
                "answer_lang": result.lang, "citations": _public_citations(result.to_json()["citations"])}
    resolved = result.retrieval_query if result.retrieval_query != result.question else ""
    return {"question": result.question, "answer": result.answer, "kind": "answer", "refused": result.refused,
            "answer_lang": result.lang, "citations": result.to_json()["citations"], "resolved_question": resolved}


def rate(store: FeedbackStore, answers: dict[int, Record], rated: dict[int, tuple[int, int]], lang: str,
         like: gr.LikeData) -> tuple[dict[int, tuple[int, int]], int | None, str]:
    """The chatbot's like event: store, change or withdraw the rating of the answer that was clicked.

    ``rated`` maps chat indices to (row, rating) of what this page stored, so a changed mind updates its
    row and a second click on the same thumb (gradio then reports ``liked == ""``) deletes it. Returns
    the new ``rated``, the row a comment now applies to (None: none), and the note to show.
    """
    rated = dict(rated or {})
    index = like.index[0] if isinstance(like.index, (list, tuple)) else like.index
    record = (answers or {}).get(index)
    if record is None:  # an error message or the user's own: there is no answer to rate
        return rated, None, t(lang, "feedback_not_rateable")
    try:
        if like.liked is True or like.liked is False:
            rating = 1 if like.liked else -1
            row = rated[index][0] if index in rated else None
            if row is None or not store.set_rating(row, rating):
                row = store.add(rating=rating, ui_lang=lang, channel="page", **record)
            rated[index] = (row, rating)
            return rated, row, t(lang, "feedback_thanks")
        if index in rated:
            store.delete(rated[index][0])
            del rated[index]
        return rated, None, t(lang, "feedback_withdrawn")
    except RagError as error:
        return rated, None, _feedback_problem(error, lang)
    except Exception:
        log.exception("storing a rating failed")
        return rated, None, t(lang, "feedback_failed")


def thumbs(chat: list[Message], rated: dict[int, tuple[int, int]]) -> list[str | None]:
    """The chatbot's ``feedback_value``: the thumb to show on each assistant message group, in order.

    Without it a new answer redraws the chat and every earlier thumb looks unclicked. Gradio groups
    consecutive messages of one role and reports (and shows) a group by its first message.
    """
    values: list[str | None] = []
    for index, message in enumerate(chat or []):
        if message["role"] == "assistant" and (index == 0 or chat[index - 1]["role"] != "assistant"):
            rating = rated.get(index, (None, 0))[1] if rated else 0
            values.append({1: "Like", -1: "Dislike"}.get(rating))
    return values


def save_comment(store: FeedbackStore, row: int | None, comment: str, lang: str) -> tuple[str, str]:
    """The comment button: attach ``comment`` to the last rated answer. Returns (note, the box's new text)."""
    comment = (comment or "").strip()
    if row is None:
        return t(lang, "feedback_rate_first"), comment
    if not comment:
        return t(lang, "feedback_comment_empty"), ""
    if len(comment) > MAX_COMMENT_CHARS:
        return t(lang, "feedback_comment_too_long", limit=str(MAX_COMMENT_CHARS)), comment
    try:
        if not store.set_comment(row, comment):  # withdrawn meanwhile, e.g. from another tab
            return t(lang, "feedback_rate_first"), comment
    except RagError as error:
        return _feedback_problem(error, lang), comment
    except Exception:
        log.exception("storing a comment failed")
        return t(lang, "feedback_failed"), comment
    return t(lang, "feedback_comment_saved"), ""


def api_feedback(store: FeedbackStore, question, answer, rating, comment="", citations=None) -> dict:
    """What ``/feedback`` returns: ``{"stored": True, "id": N}``, or ``{"error": message}``."""
    try:
        row = store.add(question=question, answer=answer, rating=rating, comment=comment or "",
                        citations=citations, channel="api")
    except RagError as error:
        if isinstance(error, FeedbackUnavailable):
            log.warning("%s", error)
        return {"error": str(error)}
    except Exception:
        log.exception("an API call failed")
        return {"error": t("en", "error_unexpected")}
    return {"stored": True, "id": row}


def _feedback_problem(error: RagError, lang: str) -> str:
    """The page's note for a rating that could not be stored; the admin's details go to the log."""
    if isinstance(error, InvalidFeedback):
        return f"{t(lang, 'feedback_failed')} ({error})"
    log.warning("%s", error)
    return t(lang, "feedback_failed")


def _public_citations(citations: list[dict]) -> list[dict]:
    keys = ("n", "source", "title", "date", "text", "score")
    return [{k: c[k] for k in keys if k in c} for c in citations]


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
        gr.update(label=t(lang, "feedback_comment"), placeholder=t(lang, "feedback_comment_placeholder")),
        gr.update(value=t(lang, "feedback_send")),
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


def build_app(assistant, settings: Settings, feedback: FeedbackStore | None = None) -> gr.Blocks:
    """The page, and the program API. ``assistant`` needs ``ask(question, history=...)`` and ``brief(topic)``;
    ratings go to ``feedback`` (default: the data dir's ``feedback.sqlite3``, created at the first rating).
    A second tab lists the indexed documents (``ingest.library``); with sign-in (see :func:`signs_in`)
    only editors may upload or delete, and source panels link to original files only on loopback."""
    lang = lang_or_default(settings.ui_lang)
    limit = settings.max_question_chars
    store = feedback or FeedbackStore.for_settings(settings)
    library = Library(settings)
    users = Users(settings.users_path) if signs_in(settings) else None
    originals = None if users else Originals(library)
    with gr.Blocks(title=t(lang, "title"), analytics_enabled=False) as app:
        questions = gr.State([])
        pending = gr.State("")
        answers = gr.State({})  # chat index -> what a rating of that answer stores
        rated = gr.State({})  # chat index -> (feedback row, rating) this page stored for it
        last_rated = gr.State(None)  # the row the comment box applies to
        with gr.Row():
            # min_width: on a phone (390 px) the language switch wraps below the title instead of
            # squeezing it into a column a word wide
            with gr.Column(scale=1, min_width=320):
                header = gr.Markdown(_header(lang), elem_id="rag-header")
            language = gr.Radio([(name, code) for code, name in LANGUAGES.items()], value=lang,
                                label=t(lang, "language"), scale=0, min_width=220, elem_id="rag-language")
        with gr.Tabs(elem_id="rag-tabs"):
            with gr.Tab(t(lang, "tab_chat"), id="chat", elem_id="rag-tab-chat") as chat_tab:
                chatbot = gr.Chatbot(
                    label=t(lang, "chat"), show_label=False, placeholder=t(lang, "chat_placeholder"),
                    # The whole page fits a 1366×768 laptop: the conversation takes what the rest leaves.
                    height="calc(100vh - 400px)", min_height=260,
                    elem_id="rag-chat", latex_delimiters=[], allow_tags=False, feedback_options=("Like", "Dislike"),
                    buttons=["copy"],
                    # An error after an answer (an empty question) is its own bubble, not a tail of that answer.
                    group_consecutive_messages=False,
                )
                with gr.Column(visible=False, elem_id="rag-feedback") as feedback_box:  # shown after the first rating
                    feedback_note = gr.Markdown("", elem_id="rag-feedback-note")
                    with gr.Row(equal_height=True, elem_id="rag-comment-row"):
                        comment = gr.Textbox(label=t(lang, "feedback_comment"), lines=1, max_lines=4, scale=4,
                                             min_width=200, max_length=MAX_COMMENT_CHARS, elem_id="rag-comment",
                                             placeholder=t(lang, "feedback_comment_placeholder"))
                        comment_send = gr.Button(t(lang, "feedback_send"), variant="secondary", scale=1, min_width=140,
                                                 elem_id="rag-comment-send")
                with gr.Row(equal_height=True):
                    mode = gr.Radio(mode_choices(lang), value=QUESTION, label=t(lang, "mode"), scale=0,
                                    min_width=280, elem_id="rag-mode")
                    question = gr.Textbox(label=t(lang, "input_question"), lines=1, max_lines=4, scale=4,
                                          placeholder=t(lang, "placeholder_question"),
                                          elem_id="rag-question")
                with gr.Row():
                    send = gr.Button(t(lang, "send"), variant="primary", elem_id="rag-send")
                    clear = gr.Button(t(lang, "clear"), variant="secondary", elem_id="rag-clear")
                examples = gr.Dataset(components=["textbox"], samples=[[example_label(lang, *e)] for e in EXAMPLES],
                                      label=t(lang, "examples"), type="index", elem_id="rag-examples")
            with gr.Tab(t(lang, "tab_documents"), id="documents", elem_id="rag-tab-documents") as docs_tab:
                documents_tab(app, library, users, lang, language, docs_tab)

        def show(text, mode_value, chat, lang_value):
            return post_question(text, mode_value, chat, lang_value, limit)

        def answer(text, mode_value, chat, earlier, lang_value, shown, rows):
            chat, earlier, shown = respond(assistant, text, mode_value, chat, earlier, lang_value, shown, originals)
            return gr.update(value=chat, feedback_value=thumbs(chat, rows)), earlier, shown

        def like(shown, rows, lang_value, data: gr.LikeData):
            rows, row, note = rate(store, shown, rows, lang_value, data)
            return rows, row, note, gr.update(visible=True)

        def send_comment(row, text, lang_value):
            return save_comment(store, row, text, lang_value)

        gr.on([question.submit, send.click], show, [question, mode, chatbot, language],
              [chatbot, question, pending], queue=False, api_visibility="private").then(
            answer, [pending, mode, chatbot, questions, language, answers, rated], [chatbot, questions, answers],
            api_visibility="private", **ONE_AT_A_TIME,
        )
        chatbot.like(like, [answers, rated, language], [rated, last_rated, feedback_note, feedback_box],
                     queue=False, api_visibility="private")
        gr.on([comment.submit, comment_send.click], send_comment, [last_rated, comment, language],
              [feedback_note, comment], queue=False, api_visibility="private")
        forget = [questions, answers, rated, last_rated, feedback_note, comment, feedback_box]

        def forgotten():
            return [], {}, {}, None, "", "", gr.update(visible=False)

        clear.click(lambda: ([], "", *forgotten()), None, [chatbot, question, *forget], queue=False,
                    api_visibility="private")
        chatbot.clear(forgotten, None, forget, queue=False, api_visibility="private")
        examples.click(pick_example, [examples], [question, mode], queue=False, api_visibility="private")
        gr.on([language.change, mode.change], relabel, [language, mode],
              [header, language, chatbot, mode, question, send, clear, examples, comment, comment_send],
              queue=False, api_visibility="private")
        language.change(lambda lang_value: gr.update(label=t(lang_value, "tab_chat")), [language], [chat_tab],
                        queue=False, api_visibility="private")

        def ask(question: str, history: list[str] | None = None) -> dict:
            """Answer a question with citations: the JSON of `rag ask --json`, or {"error": message}.

            history: the conversation's earlier questions, oldest first, for follow-ups such as
            "a kto jej przewodniczył?".
            """
            return api_result(lambda: assistant.ask(question, history=api_history(history, limit)))

        def brief(topic: str) -> dict:
            """A chronological, cited briefing on a topic: the JSON of `rag brief --json`, or {"error": ...}."""
            return api_result(lambda: assistant.brief(topic))

        def feedback(question: str, answer: str, rating: int, comment: str = "",
                     citations: list[dict] | None = None) -> dict:
            """Store a user's rating of an answer: {"stored": true, "id": N}, or {"error": message}.

            question: the question as the user asked it; answer: the answer text they rated (the "answer"
            of /ask); rating: 1 (thumbs up) or -1 (thumbs down); comment: optional, at most 2000
            characters; citations: the "citations" of /ask, if the caller has them.
            """
            return api_feedback(store, question, answer, rating, comment, citations)

        gr.api(ask, api_name="ask", **ONE_AT_A_TIME)
        gr.api(brief, api_name="brief", **ONE_AT_A_TIME)
        gr.api(feedback, api_name="feedback", concurrency_limit=4, concurrency_id="feedback")
    return app


def launch_options(settings: Settings) -> dict:
    """No share link, no SSR node server, no external footer links; ``quiet``: gradio's start-up banner
    advises a public share link, the opposite of the offline promise (``serve`` says where the page is
    instead). On loopback: the route that serves original files; elsewhere: sign-in (``rag user``)."""
    if signs_in(settings):
        users = Users(settings.users_path)
        access = {"auth": users.verify, "auth_message": t(lang_or_default(settings.ui_lang), "sign_in")}
    else:
        access = {"app_kwargs": {"routes": original_routes(Library(settings))}}
    return {
        **access,
        # an upload larger than the readers take is refused by gradio before it is stored
        "max_file_size": f"{int(getattr(settings, 'max_paged_file_mb', 200))}mb",
        "server_name": settings.host,
        "server_port": settings.port,
        "share": False,
        "quiet": True,
        "ssr_mode": False,
        "mcp_server": False,
        "footer_links": [],
        "theme": build_theme(),
        "css": CSS,
        "head": HEAD,
    }


def signs_in(settings: Settings) -> bool:
    """Sign-in is required on any address but loopback. A host name other than localhost counts as
    exposed, since it may resolve to anything."""
    return exposure_warning(settings.host) is not None


def exposure_warning(host: str) -> str | None:
    """The warning to print when the page would listen beyond this computer, else None."""
    if host == "localhost" or _is_loopback(host.strip("[]")):
        return None
    return (
        f"WARNING: the chat will listen on {host}, not only on this computer. Everyone who can reach "
        "this machine over the network sees its sign-in page; only the users of `rag user list` can sign "
        "in, and only editors can add or delete documents. Original files are not served. Use --host "
        "127.0.0.1 (the default) unless that is intended."
    )


def require_users(settings: Settings) -> None:
    """Refuse to serve beyond loopback with nobody who could sign in (or a users file that cannot be read)."""
    if signs_in(settings) and not Users(settings.users_path).exists():
        raise RagError(
            f"The chat would listen on {settings.host}, which needs sign-in, but no users are set up "
            f"({settings.users_path} is missing or empty). Add one first: `rag user add NAME --editor` "
            "(an editor may also upload and delete documents; leave out --editor for a reader), "
            "or serve on --host 127.0.0.1."
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
    require_users(settings)
    assistant = LiveAssistant(settings)  # follows the store as ingests change it, without a restart
    assistant.warm_up()
    app = build_app(assistant, settings).queue()
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(f"The chat is on http://{host}:{settings.port}/ (Ctrl+C stops it).", flush=True)
    app.launch(**launch_options(settings))


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
