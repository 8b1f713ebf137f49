"""The "Dokumenty" tab and the originals' links: presentation of ``ingest.library`` only.

Who may change the library is decided here from the signed-in user (``gr.Request.username``): with no
sign-in (the chat on loopback) everyone may; with sign-in only editors (``rag user add NAME --editor``).
Every handler checks it, not only the page, because a hidden button's event can still be called.

Originals are served by a small route on gradio's own FastAPI app, only while the chat listens on
loopback (with sign-in on another address, the route is not there at all: gradio's file serving would
need the corpus folders in ``allowed_paths``, which serves any file under them, not only indexed ones).
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path
from urllib.parse import quote

import gradio as gr

from app.i18n import t
from ingest.library import CORPUS, OTHER, Library, LibraryDocument, document_id, matching
from rag.errors import RagError
from rag.users import Users
from rag.types import Citation

log = logging.getLogger(__name__)

ORIGINAL_PATH = "/library/original/{doc_id}/{name}"
# Uploads and deletes wait for each other (one ingest lock per data directory), not for questions.
ONE_CHANGE_AT_A_TIME = {"concurrency_limit": 1, "concurrency_id": "library"}


def may_edit(users: Users | None, request: gr.Request | None) -> bool:
    """No sign-in (``users`` None): everyone; else only a signed-in editor."""
    if users is None:
        return True
    user = users.get(getattr(request, "username", None))
    return bool(user and user.is_editor)


def original_url(path: str, page: int = 0) -> str:
    """Relative to the page, so it also works behind a proxy's path prefix; ``#page=N`` opens a PDF
    at the cited page in browsers' viewers (other types ignore it)."""
    url = f"library/original/{document_id(path)}/{quote(Path(path).name)}"
    return f"{url}#page={page}" if page else url


class Originals:
    """The link to each cited source's original file."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def links(self, citations: list[Citation]) -> dict[int, tuple[str, int]]:
        """Citation number → (URL, page). A citation without a ``path`` is matched by its file name."""
        links, by_name = {}, None
        for citation in citations:
            path = citation.path
            if not path:
                try:
                    by_name = self.library.paths_by_name() if by_name is None else by_name
                except RagError as error:  # no link is better than no answer
                    log.warning("originals: %s", error)
                    return {}
                path = by_name.get(citation.source, "")
            if path:
                links[citation.n] = (original_url(path, citation.page), citation.page)
        return links


def original_routes(library: Library) -> list:
    """The route that serves an indexed file by its id (see ``Library.original``)."""
    from fastapi import HTTPException
    from fastapi.responses import FileResponse
    from fastapi.routing import APIRoute

    def serve_original(doc_id: str, name: str):
        try:
            path = library.original(doc_id)
        except RagError as error:
            log.warning("originals: %s", error)
            raise HTTPException(status_code=503, detail="The document store cannot be read now.") from None
        if path is None or path.name != name:
            raise HTTPException(status_code=404, detail="No such document.")
        headers = {"X-Content-Type-Options": "nosniff"}
        if path.suffix.lower() != ".pdf":  # an uploaded HTML page must not run scripts on the chat's origin
            headers["Content-Security-Policy"] = "sandbox"  # (Chromium's PDF viewer refuses a sandbox)
        return FileResponse(path, media_type=_media_type(path), headers=headers,
                            filename=path.name, content_disposition_type="inline")

    return [APIRoute(ORIGINAL_PATH, serve_original, methods=["GET"], include_in_schema=False)]


def _media_type(path: Path) -> str | None:
    """Text as text (Markdown too, which browsers would download), in UTF-8 only when it is UTF-8."""
    if path.suffix.lower() not in (".txt", ".md"):
        return None  # FileResponse guesses from the name
    try:
        path.read_bytes().decode("utf-8")
        return "text/plain; charset=utf-8"
    except (OSError, UnicodeDecodeError):
        return "text/plain"


# --- the tab --------------------------------------------------------------------------------------

def document_rows(documents: list[LibraryDocument], lang: str) -> list[list]:
    yes, no = t(lang, "docs_yes"), t(lang, "docs_no")
    return [[d.title, d.name, d.doc_type, d.date, d.pages or "", d.chunks,
             d.indexed_at.replace("T", " ")[:16], yes if d.ocr else no] for d in documents]


def report_html(lines: list[str]) -> str:
    """What an upload or delete did: a summary, then ``error:``/``not read:``/``warning:`` lines."""
    kinds = (("error:", "rag-doc-error"), ("not read:", "rag-doc-not-read"), ("warning:", "rag-doc-warning"))
    items = []
    for line in lines:
        kind = next((css for prefix, css in kinds if line.startswith(prefix)), "rag-doc-done")
        items.append(f'<li class="{kind}">{escape(line)}</li>')
    return f'<ul class="rag-doc-report">{"".join(items)}</ul>' if items else ""


def documents_tab(app: gr.Blocks, library: Library, users: Users | None, lang: str, language: gr.Radio,
                  tab: gr.Tab) -> None:
    """The tab's contents: search, the table, and (for editors) upload and delete with confirmation."""
    shown_ids = gr.State([])  # doc ids of the table's rows, in order
    with gr.Row(equal_height=True):
        search = gr.Textbox(label=t(lang, "docs_search"), placeholder=t(lang, "docs_search_placeholder"),
                            lines=1, max_lines=1, scale=4, elem_id="rag-doc-search")
        refresh = gr.Button(t(lang, "docs_refresh"), variant="secondary", scale=0, min_width=120,
                            elem_id="rag-doc-refresh")
    count = gr.Markdown("", elem_id="rag-doc-count")
    table = gr.Dataframe(headers=t(lang, "docs_columns").split("|"), value=[], interactive=False, wrap=True,
                         max_height=420, elem_id="rag-doc-table",
                         column_widths=["30%", "18%", "6%", "10%", "7%", "9%", "13%", "7%"])
    readonly = gr.Markdown(t(lang, "docs_forbidden"), visible=False, elem_id="rag-doc-readonly")
    with gr.Column(visible=users is None, elem_id="rag-doc-editor") as editor:
        upload = gr.File(label=t(lang, "docs_upload"), file_count="multiple", type="filepath", height=140,
                         elem_id="rag-doc-upload")
        with gr.Row(equal_height=True):
            target = gr.Dropdown(choices=[], value=None, label=t(lang, "docs_target"), scale=4,
                                 elem_id="rag-doc-target")
            delete = gr.Button(t(lang, "docs_delete"), variant="stop", scale=0, min_width=120,
                               elem_id="rag-doc-delete")
        with gr.Column(visible=False, elem_id="rag-doc-confirm") as confirm:
            question = gr.Markdown("", elem_id="rag-doc-question")
            with gr.Row():
                yes = gr.Button(t(lang, "docs_confirm_yes"), variant="stop", elem_id="rag-doc-yes")
                no = gr.Button(t(lang, "docs_confirm_no"), variant="secondary", elem_id="rag-doc-no")
    report = gr.HTML("", elem_id="rag-doc-report")
    listing = [table, shown_ids, target, count]

    def listed(query: str, lang_value: str, keep: str | None = None) -> tuple:
        try:
            everything = library.documents()
            documents, total = matching(everything, query), len(everything)
        except RagError as error:
            log.warning("library: %s", error)
            return gr.update(), gr.update(), gr.update(), t(lang_value, "docs_failed", reason=str(error))
        choices = [(f"{d.title} — {d.name}", d.doc_id) for d in documents]
        value = keep if keep in {d.doc_id for d in documents} else None
        note = t(lang_value, "docs_count", shown=str(len(documents)), total=str(total)) if total else \
            t(lang_value, "docs_empty")
        return (document_rows(documents, lang_value), [d.doc_id for d in documents],
                gr.update(choices=choices, value=value), note)

    def opened(query, lang_value, request: gr.Request):
        editable = may_edit(users, request)
        return (*listed(query, lang_value), gr.update(visible=editable), gr.update(visible=not editable))

    def add(files, query, lang_value, request: gr.Request, progress=gr.Progress()):
        if not may_edit(users, request):
            return report_html([t(lang_value, "docs_forbidden")]), None, *listed(query, lang_value)
        if not files:
            return report_html([t(lang_value, "docs_nothing")]), None, *listed(query, lang_value)

        def step(done: int, total: int, name: str) -> None:
            progress((done, total), desc=t(lang_value, "docs_progress", name=name) if name else None)

        try:
            result = library.add([Path(f) for f in files], progress=step)
            lines = [t(lang_value, key, names=", ".join(names)) for key, names in (
                ("docs_added", result.added), ("docs_updated", result.updated),
                ("docs_unchanged", result.unchanged)) if names] + list(result.problems)
        except RagError as error:
            lines = [f"error: {error}"]
        except Exception:  # a bug: logged for the admin, a sentence for the user
            log.exception("adding documents failed")
            lines = [f"error: {t(lang_value, 'error_unexpected')}"]
        return report_html(lines), None, *listed(query, lang_value)

    def pick(ids: list[str], event: gr.SelectData):
        row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        return ids[row] if isinstance(row, int) and 0 <= row < len(ids) else gr.update()

    def ask_first(doc_id, lang_value, request: gr.Request):
        if not may_edit(users, request):
            return gr.update(visible=False), "", report_html([t(lang_value, "docs_forbidden")])
        document = library.find(doc_id) if doc_id else None
        if document is None:
            return gr.update(visible=False), "", report_html([t(lang_value, "docs_choose")])
        text = t(lang_value, "docs_confirm", title=document.title, name=document.name,
                 trash=str(library.settings.trash_dir))
        if document.origin == CORPUS:
            text += " " + t(lang_value, "docs_confirm_corpus", folder=str(library.settings.corpus_dir))
        elif document.origin == OTHER:
            text += " " + t(lang_value, "docs_confirm_other", folder=str(Path(document.path).parent))
        return gr.update(visible=True), text, ""

    def remove(doc_id, query, lang_value, request: gr.Request):
        if not may_edit(users, request):
            lines = [t(lang_value, "docs_forbidden")]
        else:
            try:
                done = library.delete(doc_id or "", by=getattr(request, "username", None) or "")
                name = Path(done.path).name
                lines = [t(lang_value, "docs_deleted", name=name, trash=done.moved_to) if done.moved_to
                         else t(lang_value, "docs_deleted_gone", name=name)]
            except RagError as error:
                lines = [f"error: {error}"]
            except Exception:
                log.exception("deleting a document failed")
                lines = [f"error: {t(lang_value, 'error_unexpected')}"]
        return gr.update(visible=False), report_html(lines), *listed(query, lang_value)

    def relabel(lang_value):
        return (gr.update(label=t(lang_value, "tab_documents")),
                gr.update(label=t(lang_value, "docs_search"), placeholder=t(lang_value, "docs_search_placeholder")),
                gr.update(value=t(lang_value, "docs_refresh")),
                gr.update(headers=t(lang_value, "docs_columns").split("|")),
                t(lang_value, "docs_forbidden"),
                gr.update(label=t(lang_value, "docs_upload")),
                gr.update(label=t(lang_value, "docs_target")),
                gr.update(value=t(lang_value, "docs_delete")),
                gr.update(value=t(lang_value, "docs_confirm_yes")),
                gr.update(value=t(lang_value, "docs_confirm_no")))

    private = {"api_visibility": "private"}
    gr.on([app.load, tab.select], opened, [search, language], [*listing, editor, readonly], **private)
    gr.on([search.submit, search.change, refresh.click], lambda q, lv: listed(q, lv), [search, language],
          listing, **private)
    upload.upload(add, [upload, search, language], [report, upload, *listing], **private, **ONE_CHANGE_AT_A_TIME)
    table.select(pick, [shown_ids], [target], **private)
    delete.click(ask_first, [target, language], [confirm, question, report], **private)
    no.click(lambda: gr.update(visible=False), None, [confirm], **private)
    yes.click(remove, [target, search, language], [confirm, report, *listing], **private, **ONE_CHANGE_AT_A_TIME)
    language.change(relabel, [language], [tab, search, refresh, table, readonly, upload, target, delete, yes, no],
                    **private)
