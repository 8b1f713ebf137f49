"""The document library: what is indexed, adding uploaded files, deleting a document, finding originals.

The chat's "Dokumenty" tab presents it (``app.library``). Uploads are copied into
``Settings.library_dir`` (``<data_dir>/library``), which ``rag ingest`` and ``--rebuild`` read with the
corpus, and indexed there by the same ``Indexer`` as any ingest. A delete removes the document's chunks,
sentences and manifest record and moves the original to ``<data_dir>/trash/<time>/``: nothing is
destroyed, and a later ``rag ingest`` cannot bring it back (the file is no longer where it was indexed).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ingest.indexer import Indexer
from ingest.lock import ingest_lock
from ingest.reader import unsupported_reason
from rag.config import Settings
from rag.embedding import model_fingerprint
from rag.errors import EmptyIndex, RagError
from rag.store import ChunkStore, FileRecord, read_manifest
from rag.text import fold

UPLOAD, CORPUS, OTHER = "upload", "corpus", "other"  # where a document's file lives
LOCK_WAIT = 10.0  # seconds a delete waits for an ingest that holds the store


class LibraryError(RagError):
    """A library request that cannot be done (an unknown document, a file that cannot be moved)."""


@dataclass(frozen=True)
class LibraryDocument:
    """One indexed file as the library lists it."""

    doc_id: str  # stable for the file's path; names it in URLs and requests
    path: str
    name: str
    title: str
    date: str
    doc_type: str
    pages: int  # 0: a format without pages
    chunks: int
    indexed_at: str  # UTC ISO 8601; "" for a file indexed before the library existed
    ocr: bool
    origin: str  # UPLOAD, CORPUS (the shipped corpus folder) or OTHER (ingested from elsewhere)


@dataclass(frozen=True)
class AddResult:
    added: tuple[str, ...] = ()  # file names
    updated: tuple[str, ...] = ()  # a changed file under a name already in the library: chunks replaced
    unchanged: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # "error: …", "not read: …", "warning: …" lines, as `rag ingest` prints

    @property
    def failed(self) -> bool:
        return any(line.startswith(("error:", "not read:")) for line in self.problems)


@dataclass(frozen=True)
class DeleteResult:
    path: str
    moved_to: str  # where the original now is; "" when it was already gone


def document_id(path: str) -> str:
    return hashlib.sha1(path.encode()).hexdigest()[:20]


class Library:
    """The library of one data directory. Every call reads the store afresh: an ingest in another
    process, or another user's upload, shows at the next call."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # --- reading ---------------------------------------------------------------------------------

    def documents(self, query: str = "") -> list[LibraryDocument]:
        """Every indexed document, newest first; ``query`` keeps those whose title or file name
        contains it (case and Polish diacritics ignored)."""
        try:
            documents = [self._document(r) for r in self._records().values()]
        except EmptyIndex:  # nothing ingested yet: an empty library, not an error
            return []
        return matching(sorted(documents, key=lambda d: (d.indexed_at, d.name), reverse=True), query)

    def find(self, doc_id: str) -> LibraryDocument | None:
        return next((d for d in self.documents() if d.doc_id == doc_id), None)

    def original(self, doc_id: str) -> Path | None:
        """The file to serve for ``doc_id``, or None. Only files in the manifest, i.e. files whose
        passages the chat already quotes, and never through a link (one swapped in after indexing could
        point anywhere); the path comes from the manifest, never from the request."""
        document = self.find(doc_id)
        if document is None:
            return None
        path = Path(document.path)
        try:
            if path.is_symlink() or not path.is_file() or path.resolve(strict=True) != path:
                return None
        except OSError:
            return None
        return path if unsupported_reason(path) is None else None

    def paths_by_name(self) -> dict[str, str]:
        """File name → indexed path, for the names only one indexed file has (a citation that does
        not carry its path is matched by its file name)."""
        by_name: dict[str, list[str]] = {}
        for key in self._records():
            by_name.setdefault(Path(key).name, []).append(key)
        return {name: paths[0] for name, paths in by_name.items() if len(paths) == 1}

    # --- changing --------------------------------------------------------------------------------

    def add(self, uploads: Sequence[Path], progress: Callable[[int, int, str], None] | None = None) -> AddResult:
        """Copy each upload into the library folder under its own name and index it there.

        A file of the same name already there is replaced (its previous version goes to the trash, and
        comes back if the new one cannot be indexed); a file that cannot be indexed is not kept.
        """
        added, updated, unchanged, problems = [], [], [], []
        files = list(uploads)
        for done, upload in enumerate(files):
            name = _safe_name(Path(upload).name)
            if progress:
                progress(done, len(files), name)
            reason = "not a usable file name" if not name else unsupported_reason(Path(name))
            if reason:
                problems.append(f"not read: {name or Path(upload).name}: {reason}")
                continue
            try:
                outcome = self._add_one(Path(upload), name, problems)
            except RagError as error:  # the store or the model: later files would fare no better
                problems.append(f"error: {name}: not added ({error})")
                problems += [f"error: {_safe_name(Path(u).name)}: not added (stopped after the error above)"
                             for u in files[done + 1:]]
                break
            {"added": added, "updated": updated, "unchanged": unchanged}.get(outcome, []).append(name)
        if progress:
            progress(len(files), len(files), "")
        return AddResult(tuple(added), tuple(updated), tuple(unchanged), tuple(problems))

    def delete(self, doc_id: str, by: str = "") -> DeleteResult:
        """Remove one document from the index (its chunks, sentences and record; nothing else) and move
        its file to the trash. Raises :class:`LibraryError` for an unknown document."""
        with ingest_lock(self.settings, wait=LOCK_WAIT):
            store = self._store()
            record = next((r for key, r in store.indexed_files().items() if document_id(key) == doc_id), None)
            if record is None:
                raise LibraryError("This document is no longer in the library (deleted meanwhile?).")
            source = Path(record.path)
            moved = self._to_trash(source, {"deleted_by": by}) if source.exists() else None
            try:
                store.forget_file(record.path)
                store.touch()  # a running chat reloads and stops quoting it
            except Exception:
                if moved:  # put it back: the index still holds it
                    shutil.move(str(moved), source)
                raise
        return DeleteResult(record.path, str(moved or ""))

    # --- internals -------------------------------------------------------------------------------

    def _add_one(self, upload: Path, name: str, problems: list[str]) -> str:
        target = self.settings.library_dir / name
        self.settings.library_dir.mkdir(parents=True, exist_ok=True)
        previous, copied = None, False
        try:
            if not (target.exists() and _same_bytes(upload, target)):  # the same bytes again: nothing to copy
                previous = self._to_trash(target, {"replaced_by_upload": True}) if target.exists() else None
                _copy(upload, target)
                copied = True
            report = Indexer(self.settings, progress=False).run([target])
        except BaseException:
            if copied or previous is not None:
                _undo(target, previous)
            raise
        problems += [line.replace(str(target), name) for line in report.problems().splitlines()]
        key = str(target.resolve())
        if report.errors:
            if copied:
                _undo(target, previous)
            return "failed"
        if key in report.added:
            return "added"
        return "updated" if key in report.updated else "unchanged"

    def _to_trash(self, path: Path, note: dict) -> Path:
        """Move ``path`` into a new ``trash/<time>/`` folder with a note of where it came from."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
        folder = self.settings.trash_dir / stamp
        try:
            folder.mkdir(parents=True, exist_ok=False)
            destination = folder / path.name
            shutil.move(str(path), destination)
            (folder / "deleted.json").write_text(json.dumps(
                {"original": str(path), "at": stamp, **note}, ensure_ascii=False, indent=2), encoding="utf-8")
        except OSError as error:
            raise LibraryError(f"Could not move {path} to {folder}: {error.strerror or error}") from error
        return destination

    def _records(self) -> dict[str, FileRecord]:
        return read_manifest(self.settings)

    def _store(self) -> ChunkStore:
        return ChunkStore(self.settings, model_fingerprint(self.settings))

    def _document(self, record: FileRecord) -> LibraryDocument:
        path = Path(record.path)
        return LibraryDocument(
            doc_id=document_id(record.path), path=record.path, name=path.name,
            title=record.title or path.stem, date=record.date,
            doc_type=record.doc_type or path.suffix.lstrip(".").lower(), pages=record.pages,
            chunks=record.chunks, indexed_at=record.indexed_at, ocr=record.ocr, origin=self._origin(path),
        )

    def _origin(self, path: Path) -> str:
        for folder, origin in ((self.settings.library_dir, UPLOAD), (self.settings.corpus_dir, CORPUS)):
            try:
                if path.is_relative_to(Path(folder).resolve()):
                    return origin
            except OSError:
                continue
        return OTHER


def _safe_name(name: str) -> str:
    """The upload's own file name, if it is one that cannot escape the library folder."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "" if name in ("", ".", "..") or name.startswith(".") or "\x00" in name else name


def matching(documents: list[LibraryDocument], query: str) -> list[LibraryDocument]:
    """Those whose title or file name contains ``query``, case and Polish diacritics ignored."""
    wanted = fold(query or "").strip()
    return [d for d in documents if wanted in fold(d.title) or wanted in fold(d.name)] if wanted else documents


def _same_bytes(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def _copy(source: Path, target: Path) -> None:
    """Whole file or nothing: written beside the target, then renamed over it."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise LibraryError(f"Could not save {target.name} in {target.parent}: {error.strerror or error}") from error


def _undo(target: Path, previous: Path | None) -> None:
    """After a failed upload: the previous version back in place, or no file at all."""
    if previous is not None:
        shutil.move(str(previous), target)
        shutil.rmtree(previous.parent, ignore_errors=True)  # its trash folder held only it and its note
    else:
        target.unlink(missing_ok=True)
