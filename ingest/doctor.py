"""``rag doctor``: checks the store against the corpus files and the model, says what is wrong in words,
and with ``repair`` fixes what can be fixed, never deleting a store (a damaged one is moved aside)."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import ingest_key
from ingest.indexer import Indexer, IngestReport, find_files
from ingest.lock import ingest_lock
from ingest.reader import read_articles
from rag.config import Settings
from rag.embedding import model_fingerprint
from rag.errors import EmptyIndex, ModelMismatch, RagError, StoreUnavailable
from rag.store import (RETIRED_SUFFIX, STAGING_SUFFIX, ChunkStore, collection_names, drop_collections,
                       existing_collections, forget_embedded_clients, open_client, rename_collections, where)


@dataclass
class Finding:
    """One thing wrong, in words, and how a repair deals with it ("" when it cannot)."""

    problem: str
    repair: str


@dataclass
class Diagnosis:
    findings: list[Finding] = field(default_factory=list)
    checked_files: int = 0
    rebuild: bool = False  # the store as a whole must be rebuilt (damaged, other model)
    move_aside: bool = False  # the embedded store's folder cannot be opened: move it, then rebuild
    redo: list[str] = field(default_factory=list)  # files whose records cannot be trusted
    restore_retired: bool = False  # a rebuild died between its renames

    @property
    def healthy(self) -> bool:
        return not self.findings

    def text(self) -> str:
        if self.healthy:
            return f"The store is healthy: {self.checked_files} file(s) indexed, each as it is on disk."
        return "\n".join(f"- {f.problem}" + (f"\n  repair: {f.repair}" if f.repair else "") for f in self.findings)


@dataclass(frozen=True)
class DoctorResult:
    before: Diagnosis
    actions: list[str] = field(default_factory=list)  # what the repair did, in words
    after: Diagnosis | None = None  # the diagnosis after a repair

    @property
    def healthy(self) -> bool:
        return (self.after or self.before).healthy

    def text(self) -> str:
        parts = [self.before.text()]
        if self.after is not None:
            parts += ["", "repaired:", *[f"- {a}" for a in self.actions], "", "after the repair:", self.after.text()]
        elif not self.before.healthy:
            parts += ["", "Run `rag doctor --repair` to repair what can be repaired."]
        return "\n".join(parts)


class Doctor:
    """``run(paths, repair)``: diagnose, and repair when asked."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def run(self, paths: list[Path] | None = None, repair: bool = False) -> DoctorResult:
        before = self.diagnose(paths)
        if not repair or before.healthy:
            return DoctorResult(before)
        actions = self._repair(before, paths)
        return DoctorResult(before, actions, self.diagnose(paths))

    def diagnose(self, paths: list[Path] | None = None) -> Diagnosis:
        diagnosis = Diagnosis()
        self._check_collections(diagnosis)
        if diagnosis.rebuild or diagnosis.restore_retired:
            return diagnosis
        try:
            store = ChunkStore(self.settings, model_fingerprint(self.settings))
        except EmptyIndex as error:
            diagnosis.findings.append(Finding(str(error), "index the corpus"))
            diagnosis.rebuild = True
            return diagnosis
        except ModelMismatch as error:
            diagnosis.findings.append(Finding(str(error), "rebuild the index with the configured model"))
            diagnosis.rebuild = True
            return diagnosis
        except StoreUnavailable as error:
            self._unopenable(diagnosis, error)
            return diagnosis
        self._check_files(store, paths, diagnosis)
        return diagnosis

    def _check_collections(self, diagnosis: Diagnosis) -> None:
        try:
            names = existing_collections(open_client(self.settings, create=False))
        except EmptyIndex:
            return  # nothing at all: ChunkStore says so below
        except StoreUnavailable as error:
            self._unopenable(diagnosis, error)
            return
        chunks, _, _ = collection_names(self.settings.collection)
        if chunks not in names and chunks + RETIRED_SUFFIX in names:
            diagnosis.findings.append(Finding(
                "A rebuild stopped while swapping collections: the previous index is set aside, none is live.",
                "put the previous index back"))
            diagnosis.restore_retired = True
        if chunks + STAGING_SUFFIX in names:
            diagnosis.findings.append(Finding(
                "An interrupted `rag ingest --rebuild` left its unfinished collections behind.",
                "drop them (the live index is not touched)"))

    def _unopenable(self, diagnosis: Diagnosis, error: StoreUnavailable) -> None:
        if self.settings.chroma_host:
            diagnosis.findings.append(Finding(str(error), ""))  # a server's files are not ours to move
            return
        diagnosis.findings.append(Finding(
            f"The store cannot be opened: {error}",
            f"move {self.settings.chroma_dir} aside (kept, renamed) and rebuild it from the corpus files"))
        diagnosis.move_aside = diagnosis.rebuild = True

    def _check_files(self, store: ChunkStore, paths: list[Path] | None, diagnosis: Diagnosis) -> None:
        indexed = store.indexed_files()
        _, found = find_files(paths or self.settings.ingest_roots(), IngestReport())
        files = {str(f): f for f in found}
        diagnosis.checked_files = len(indexed)
        for key in sorted(store.chunk_paths() - set(indexed)):
            diagnosis.findings.append(Finding(f"{key}: written only in part (an ingest stopped inside it)",
                                              "index it again"))
            diagnosis.redo.append(key)
        for key, record in sorted(indexed.items()):
            if key not in files and not Path(key).exists():
                diagnosis.findings.append(Finding(f"{key}: indexed, but the file is gone", "remove its chunks"))
            elif (chunks := len(store.chunk_ids(key))) != record.chunks or store.sentence_count(key) != record.sentences:
                diagnosis.findings.append(Finding(
                    f"{key}: {chunks} chunk(s) and {store.sentence_count(key)} sentence record(s) stored, "
                    f"{record.chunks} and {record.sentences} expected", "index it again"))
                diagnosis.redo.append(key)
        for key, path in sorted(files.items()):
            if key in indexed or key in diagnosis.redo:
                continue
            diagnosis.findings.append(Finding(f"{key}: not indexed yet", "index it"))
        for key in sorted(set(files) & set(indexed)):
            if key not in diagnosis.redo and self._changed(files[key], indexed[key].ingest_key):
                diagnosis.findings.append(Finding(f"{key}: out of date (the file, or how it is read, changed since it was indexed)", "index it again"))

    def _changed(self, path: Path, stored_key: str) -> bool:
        try:
            return ingest_key(read_articles(path, self.settings)[0], self.settings) != stored_key
        except RagError:
            return False  # an unreadable file is the ingest report's business, not a store fault

    def _repair(self, diagnosis: Diagnosis, paths: list[Path] | None) -> list[str]:
        actions = []
        with ingest_lock(self.settings):
            if diagnosis.restore_retired:
                _restore_retired(self.settings)
                actions.append("put the previous index back in place")
            if diagnosis.move_aside:
                aside = self.settings.chroma_dir.with_name(
                    f"{self.settings.chroma_dir.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
                shutil.move(str(self.settings.chroma_dir), aside)
                forget_embedded_clients()  # this process may still hold the damaged one open
                actions.append(f"moved the damaged store to {aside} (nothing deleted)")
            else:
                drop_collections(self.settings, self.settings.collection + STAGING_SUFFIX)
            if diagnosis.redo and not diagnosis.rebuild:
                store = ChunkStore(self.settings, model_fingerprint(self.settings))
                for key in diagnosis.redo:
                    store.unmark(key)
        if not diagnosis.restore_retired:
            rebuild = diagnosis.rebuild and not diagnosis.move_aside
            report = Indexer(self.settings, progress=False).run(paths, rebuild=rebuild)
            actions.append(("rebuilt the index: " if diagnosis.rebuild else "indexed the corpus again: ") + report.summary())
        return actions


def _restore_retired(settings: Settings) -> None:
    try:
        rename_collections(open_client(settings, create=False), settings.collection + RETIRED_SUFFIX,
                           settings.collection)
    except StoreUnavailable:
        raise
    except Exception as error:
        raise StoreUnavailable(f"Could not put the previous index back at {where(settings)}: {error}") from error
