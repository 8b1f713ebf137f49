"""Users' ratings of answers (thumbs up or down, an optional comment), kept in one SQLite file.

The file is ``<data_dir>/feedback.sqlite3``. Every write is its own short transaction, committed
before the call returns, so a crash loses at most the rating being written; the file is in WAL mode
with ``synchronous=FULL``, so a committed row survives a power cut, and several writers (gradio
workers, threads, ``rag serve`` processes) wait for each other's lock instead of failing. Each call
opens and closes its own connection: nothing is shared between threads.

Rows are what evaluators need to turn real questions into test items (``rag feedback export``): the
question, the answer as shown, its citations, the rating, the comment, the interface language and the
time (UTC, ISO 8601).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.errors import RagError

FILE_NAME = "feedback.sqlite3"
BUSY_TIMEOUT_S = 15.0  # how long a writer waits for another's lock before giving up
MAX_QUESTION_CHARS = 20_000
MAX_ANSWER_CHARS = 50_000
MAX_COMMENT_CHARS = 2_000
MAX_CITATIONS_CHARS = 500_000  # the JSON of an answer's citations (passages included)
KINDS = ("answer", "briefing")
CHANNELS = ("page", "api")

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,            -- UTC, ISO 8601
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL DEFAULT '[]', -- JSON list, as in the answer's to_json()
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT '',
    ui_lang TEXT NOT NULL DEFAULT '',     -- the page's language ('' from the API unless given)
    answer_lang TEXT NOT NULL DEFAULT '', -- the question's language as rag detected it, when known
    resolved_question TEXT NOT NULL DEFAULT '', -- a follow-up as rag read it against the earlier questions
    kind TEXT NOT NULL DEFAULT 'answer',  -- answer | briefing
    refused INTEGER,                      -- 1 when the answer was a refusal, NULL when unknown
    channel TEXT NOT NULL DEFAULT 'page', -- page | api
    updated_at TEXT NOT NULL
)
"""
COLUMNS = ("id", "created_at", "question", "answer", "citations", "rating", "comment", "ui_lang",
           "answer_lang", "resolved_question", "kind", "refused", "channel", "updated_at")


class FeedbackUnavailable(RagError):
    """The feedback file cannot be created or written (a read-only or missing data dir, a full disk)."""


class InvalidFeedback(RagError):
    """A rating that cannot be stored as given (no question, a rating other than +1/-1, megabytes)."""


@dataclass
class FeedbackRow:
    id: int
    created_at: str
    question: str
    answer: str
    citations: list[Any]
    rating: int
    comment: str
    ui_lang: str
    answer_lang: str
    resolved_question: str
    kind: str
    refused: bool | None
    channel: str
    updated_at: str

    @classmethod
    def from_db(cls, row: tuple) -> FeedbackRow:
        values = dict(zip(COLUMNS, row, strict=True))
        values["citations"] = json.loads(values["citations"] or "[]")
        values["refused"] = None if values["refused"] is None else bool(values["refused"])
        return cls(**values)


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def check_rating(rating: Any) -> int:
    """+1 or -1; ``True``/``False`` and the strings "1"/"-1" are not ratings (a program's bug)."""
    if isinstance(rating, int) and not isinstance(rating, bool) and rating in (1, -1):
        return rating
    raise InvalidFeedback(f"rating must be 1 (thumbs up) or -1 (thumbs down), not {rating!r}")


def _check_text(name: str, value: Any, limit: int, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InvalidFeedback(f"{name} must be text, not {type(value).__name__}")
    if required and not value.strip():
        raise InvalidFeedback(f"{name} is empty")
    if len(value) > limit:
        raise InvalidFeedback(f"{name} is {len(value)} characters long; the limit is {limit}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidFeedback(f"{name} contains a broken character (a lone UTF-16 surrogate)") from None
    return value


def _citations_json(citations: Any) -> str:
    if citations is None:
        return "[]"
    if not isinstance(citations, list) or not all(isinstance(c, dict) for c in citations):
        raise InvalidFeedback("citations must be a list of objects, as in the answer's JSON")
    try:
        text = json.dumps(citations, ensure_ascii=False)
        text.encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError) as error:
        raise InvalidFeedback(f"citations cannot be stored as JSON: {error}") from None
    if len(text) > MAX_CITATIONS_CHARS:
        raise InvalidFeedback(f"citations are {len(text)} characters of JSON; the limit is {MAX_CITATIONS_CHARS}")
    return text


class FeedbackStore:
    """The ratings file of one data dir. Cheap to create: nothing is touched before the first call."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / FILE_NAME
        self._ready = False

    @classmethod
    def for_settings(cls, settings) -> FeedbackStore:
        return cls(settings.data_dir)

    # writing -----------------------------------------------------------------------------------------

    def add(self, question: str, answer: str, rating: int, comment: str = "", citations: list | None = None,
            ui_lang: str = "", answer_lang: str = "", kind: str = "answer", refused: bool | None = None,
            channel: str = "page", resolved_question: str = "") -> int:
        """Store one rating, committed before returning; its row id."""
        values = {
            "question": _check_text("question", question, MAX_QUESTION_CHARS, required=True),
            "answer": _check_text("answer", answer, MAX_ANSWER_CHARS, required=True),
            "citations": _citations_json(citations),
            "rating": check_rating(rating),
            "comment": _check_text("comment", comment, MAX_COMMENT_CHARS, required=False).strip(),
            "ui_lang": _check_text("language", ui_lang, 16, required=False),
            "answer_lang": _check_text("answer language", answer_lang, 16, required=False),
            "resolved_question": _check_text("resolved question", resolved_question, MAX_QUESTION_CHARS, False),
            "kind": kind if kind in KINDS else _bad("kind", kind, KINDS),
            "refused": None if refused is None else int(bool(refused)),
            "channel": channel if channel in CHANNELS else _bad("channel", channel, CHANNELS),
        }
        stamp = now_utc()
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self._write() as db:
            cursor = db.execute(
                f"INSERT INTO feedback (created_at, updated_at, {names}) VALUES (?, ?, {marks})",
                (stamp, stamp, *values.values()),
            )
            return int(cursor.lastrowid)

    def set_rating(self, row_id: int, rating: int) -> bool:
        """Change a rating (the user changed their mind); False when the row does not exist."""
        return self._update(row_id, "rating", check_rating(rating))

    def set_comment(self, row_id: int, comment: str) -> bool:
        """Attach (or replace) the comment of a rating; False when the row does not exist."""
        return self._update(row_id, "comment", _check_text("comment", comment, MAX_COMMENT_CHARS, True).strip())

    def delete(self, row_id: int) -> bool:
        """Withdraw a rating (the user clicked the same thumb again); False when it was not there."""
        with self._write() as db:
            return db.execute("DELETE FROM feedback WHERE id = ?", (int(row_id),)).rowcount > 0

    # reading -----------------------------------------------------------------------------------------

    def rows(self, rating: int | None = None) -> list[FeedbackRow]:
        """Every row, oldest first; only the thumbs-up (1) or thumbs-down (-1) ones when ``rating`` is given."""
        if not self.path.exists():
            return []
        query = f"SELECT {', '.join(COLUMNS)} FROM feedback"
        params: tuple = ()
        if rating is not None:
            query += " WHERE rating = ?"
            params = (check_rating(rating),)
        with self._read() as db:
            return [FeedbackRow.from_db(row) for row in db.execute(query + " ORDER BY id", params)]

    def get(self, row_id: int) -> FeedbackRow | None:
        if not self.path.exists():
            return None
        with self._read() as db:
            row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback WHERE id = ?", (int(row_id),)).fetchone()
        return FeedbackRow.from_db(row) if row else None

    # connections -------------------------------------------------------------------------------------

    def _update(self, row_id: int, column: str, value: Any) -> bool:
        with self._write() as db:
            cursor = db.execute(f"UPDATE feedback SET {column} = ?, updated_at = ? WHERE id = ?",
                                (value, now_utc(), int(row_id)))
            return cursor.rowcount > 0

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)  # autocommit: BEGIN by hand
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        db.execute("PRAGMA synchronous = FULL")  # a commit survives a power cut (NORMAL, common with WAL, may not)
        return db

    def _ensure(self) -> None:
        """Create the data dir, the file and its table, once per store object."""
        if self._ready and self.path.exists():  # a removed file is set up again, not recreated bare
            return
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as db:
                if db.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                    raise sqlite3.OperationalError("the file system does not support SQLite's WAL mode")
                db.execute(SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise self._unavailable(error) from error
        self._ready = True

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short immediate transaction (the write lock is taken at BEGIN, so it never deadlocks
        on an upgrade), committed on leaving; rolled back if anything in it fails."""
        self._ensure()
        try:
            with closing(self._connect()) as db:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
        except (OSError, sqlite3.Error) as error:
            self._ready = False  # the file may have been removed or replaced: set it up again next time
            raise self._unavailable(error) from error

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(self._connect()) as db:
                yield db
        except (OSError, sqlite3.Error) as error:
            raise self._unavailable(error) from error

    def _unavailable(self, error: BaseException) -> FeedbackUnavailable:
        reason = getattr(error, "strerror", None) or str(error)
        return FeedbackUnavailable(
            f"Cannot use the feedback file {self.path}: {reason}. Make the data dir writable for the user "
            "that runs `rag serve`, or choose another one with --data-dir or RAG_DATA_DIR."
        )


def _bad(name: str, value: Any, allowed: tuple[str, ...]):
    raise InvalidFeedback(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
